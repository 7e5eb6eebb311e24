/* cg_phases.c: a long sequence's phases as tables -- found by bucket and a short branch-free search, their bodies shared by template. */
#include <string.h>

#include "cg.h"

/*
 * A compare tree over 1,000 phase starts takes ten branches a step, and at
 * scattered steps (a host sampling its schedule, a plot) half of them
 * mispredict; its 1,000 bodies also jump to 1,000 places. Here:
 *   - the step's high bits pick a bucket, which names the phase at its
 *     first step; a branch-free binary search over the few starts that fall
 *     inside a bucket finishes (one compare and select for evenly spread
 *     phases);
 *   - phases whose bodies are the same expression but for their numbers
 *     (1,000 of linear(a, b) with their own a, b) share one body, reading the
 *     numbers that differ from a row of a table, so the step takes no
 *     indirect jump at all.
 */

/* Operands first, in cg_expr's order: a, then b, then c. */
static void collect_nums(const LExpr *e, double *out, int *n)
{
	const LExpr *op[3] = { e->a, e->b, e->c };
	for (int i = 0; i < ops_arity[e->kind]; i++)
		collect_nums(op[i], out, n);
	if (e->kind == EX_NUM)
		out[(*n)++] = e->num;
}

/* How many numbers e holds: the columns of its template's number table. */
static int count_nums(const LExpr *e)
{
	const LExpr *op[3] = { e->a, e->b, e->c };
	int n = e->kind == EX_NUM;
	for (int i = 0; i < ops_arity[e->kind]; i++)
		n += count_nums(op[i]);
	return n;
}

/* The same operations on the same params, numbers aside. */
static int same_shape(const LExpr *x, const LExpr *y)
{
	if (x == y)
		return 1;
	if (x->kind != y->kind || x->size != y->size || (x->kind == EX_PARAM && x->param != y->param))
		return 0;
	const LExpr *a[3] = { x->a, x->b, x->c }, *b[3] = { y->a, y->b, y->c };
	for (int i = 0; i < ops_arity[x->kind]; i++)
		if (!same_shape(a[i], b[i]))
			return 0;
	return 1;
}

/* Groups the phases by template: template_of[i] for phase i, rank[i] its
   place among its template's phases. An open last phase takes a template of
   its own: its length is what is left of the sequence's (phase_len). */
static void group(Cg *g, CgPhases *p, int64_t *template_of, int64_t *rank)
{
	const LSched *seq = p->seq;
	p->template = cg_alloc(g, p->nphase, sizeof *p->template);
	for (unsigned i = 0; i < p->nphase; i++) {
		const LPhase *ph = &seq->phase[i];
		int t = 0;
		if (ph->body->kind == SC_LEAF && ph->len >= 0)
			while (t < p->ntemplate &&
			       !(p->template[t].body->kind == SC_LEAF && !p->template[t].open &&
			         same_shape(p->template[t].body->leaf, ph->body->leaf)))
				t++;
		else
			t = p->ntemplate;
		if (t == p->ntemplate) {
			p->template[t].body = ph->body;
			p->template[t].open = ph->len < 0 ? ph : NULL;
			p->ntemplate++;
		}
		template_of[i] = t;
		rank[i] = p->template[t].nmember++;
	}
}

/* A template's table of the numbers that differ between its phases. */
/* member: room for nphase indices, reused by each template. */
static void number_table(Cg *g, CgPhases *p, CgTemplate *t, int tindex, const int64_t *template_of, size_t *member)
{
	size_t n = p->nphase, m = 0;
	if (t->body->kind != SC_LEAF || t->nmember < 2)
		return; /* a body of its own: its numbers inline */
	for (size_t i = 0; i < n; i++)
		if (template_of[i] == tindex)
			member[m++] = i; /* in rank order */
	size_t nnum = (size_t)count_nums(t->body->leaf);
	double *row = cg_alloc(g, m * nnum + 1, sizeof *row); /* member j's numbers at j * nnum */
	for (size_t j = 0; j < m; j++) {
		int k = 0;
		collect_nums(p->seq->phase[member[j]].body->leaf, &row[j * nnum], &k);
	}
	t->col = cg_alloc(g, nnum + 1, sizeof *t->col);
	for (size_t k = 0; k < nnum; k++) {
		int differs = 0;
		for (size_t j = 1; j < m && !differs; j++)
			/* bitwise: -0 and 0 differ (1 / x tells them apart) */
			differs = memcmp(&row[j * nnum + k], &row[k], sizeof *row) != 0;
		t->col[k] = differs ? t->ncol++ : -1;
	}
	if (t->ncol == 0)
		return;
	double *nums = cg_alloc(g, m * (size_t)t->ncol, sizeof *nums);
	for (size_t j = 0; j < m; j++)
		for (size_t k = 0; k < nnum; k++)
			if (t->col[k] >= 0)
				nums[j * (size_t)t->ncol + (size_t)t->col[k]] = row[j * nnum + k];
	t->nums = cg_f64_array(g, nums, (unsigned)(m * (size_t)t->ncol), "phase_nums");
}

/* The buckets: the smallest shift that keeps them within 2 per phase (and
   64), then the most starts any bucket holds past its first step, which the
   search covers with nsearch, a power of two above it. */
static void search_tables(Cg *g, CgPhases *p)
{
	const LPhase *ph = p->seq->phase;
	unsigned n = p->nphase;
	int64_t last = ph[n - 1].start;
	unsigned shift = 0;
	while ((last >> shift) + 1 > 2 * (int64_t)n + 64)
		shift++;
	unsigned nb = (unsigned)(last >> shift) + 1, most = 0;
	int64_t *bucket = cg_alloc(g, nb, sizeof *bucket);
	unsigned i = 0;
	for (unsigned b = 0; b < nb; b++) {
		int64_t first = (int64_t)b << shift;
		while (i + 1 < n && ph[i + 1].start <= first)
			i++;
		bucket[b] = i;
		unsigned j = i;
		while (j + 1 < n && (b + 1 == nb || ph[j + 1].start < first + (INT64_C(1) << shift)))
			j++;
		if (j - i > most)
			most = j - i;
	}
	unsigned ns = 1;
	while (ns <= most)
		ns *= 2;
	int64_t *start = cg_alloc(g, (size_t)n + ns, sizeof *start);
	for (unsigned k = 0; k < n + ns; k++)
		start[k] = k < n ? ph[k].start : -1; /* 2^64 - 1 unsigned: above every step, INT64_MAX too */
	p->shift = shift;
	p->nbucket = nb;
	p->nsearch = ns;
	p->bucket = cg_i32_array(g, bucket, nb, "phase_bucket");
	p->start = cg_i64_array(g, start, n + ns, "phase_start");
}

/* Each phase's length, enter mask and reported index, as tables. */
static void entry_tables(Cg *g, CgPhases *p)
{
	unsigned n = p->nphase;
	int64_t *len = cg_alloc(g, n, sizeof *len), *enter = cg_alloc(g, n, sizeof *enter);
	int64_t *index = cg_alloc(g, n, sizeof *index);
	int any_enter = 0, renumbered = 0;
	for (unsigned i = 0; i < n; i++) {
		const LPhase *ph = &p->seq->phase[i];
		len[i] = ph->len;
		enter[i] = (int64_t)ph->enter_mask;
		index[i] = ph->index;
		any_enter |= ph->enter_mask != 0;
		renumbered |= ph->index != (int)i;
	}
	p->len = cg_i64_array(g, len, n, "phase_len");
	p->enter = any_enter ? cg_i64_array(g, enter, n, "phase_enter") : NULL;
	p->index = renumbered ? cg_i32_array(g, index, n, "phase_index") : NULL;
}

CgPhases *cg_phases(Cg *g, const LSched *seq)
{
	for (int i = 0; i < g->nphases; i++)
		if (g->phases[i].seq == seq)
			return &g->phases[i];
	g->phases = cg_append(g, g->phases, g->nphases, sizeof *g->phases);
	CgPhases *p = &g->phases[g->nphases++];
	p->seq = seq;
	p->nphase = (unsigned)seq->nphase;
	int64_t *template_of = cg_alloc(g, p->nphase, sizeof *template_of);
	int64_t *rank = cg_alloc(g, p->nphase, sizeof *rank);
	group(g, p, template_of, rank);
	size_t *member = cg_alloc(g, p->nphase, sizeof *member);
	for (int t = 0; t < p->ntemplate; t++)
		number_table(g, p, &p->template[t], t, template_of, member);
	if (p->ntemplate > 1) {
		p->template_of = cg_i32_array(g, template_of, p->nphase, "phase_template");
		p->rank = cg_i32_array(g, rank, p->nphase, "phase_rank");
	}
	search_tables(g, p);
	entry_tables(g, p);
	return p;
}

LLVMValueRef cg_phases_find(Cg *g, const CgPhases *p, LLVMValueRef s)
{
	LLVMBuilderRef b = g->b;
	/* A step below 0 (outside the ABI) finds phase 0, as the compare tree and the interpreter do. */
	s = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntSLT, s, cg_i64(g, 0), ""), cg_i64(g, 0), s, "");
	LLVMValueRef bk = LLVMBuildLShr(b, s, cg_i64(g, p->shift), "");
	LLVMValueRef top = cg_i64(g, p->nbucket - 1);
	bk = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntULT, bk, top, ""), bk, top, "bucket");
	LLVMValueRef k = cg_i32_at(g, p->bucket, p->nbucket, bk);
	for (unsigned h = p->nsearch / 2; h >= 1; h /= 2) {
		LLVMValueRef cand = LLVMBuildAdd(b, k, cg_i64(g, h), "");
		LLVMValueRef le = LLVMBuildICmp(b, LLVMIntULE, cg_i64_at(g, p->start, p->nphase + p->nsearch, cand), s, "");
		k = LLVMBuildSelect(b, le, cand, k, "phase");
	}
	return k;
}
