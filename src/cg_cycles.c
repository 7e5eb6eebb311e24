/* cg_cycles.c: the cycle of a step in a restarts node, in generated code -- a division, a lap search, or a table search -- over the tables of cycles.c. */
#include <string.h>

#include "cg.h"

/* For the search: the starts padded to a power of two, nsearch, with
   entries that compare above every step searched (a lap's end, then
   INT64_MAX), plus one more for the next start of the last entry. */
static void search_tables(Cg *g, const LCycles *cy, CgTable *t)
{
	unsigned n = (unsigned)cy->n, ns = 1;
	while (ns < n)
		ns *= 2;
	int64_t *start = cg_alloc(g, (size_t)ns + 1, sizeof *start);
	for (unsigned i = 0; i <= ns; i++)
		start[i] = i < n ? cy->start[i] : i == n && cy->kind == CYCLES_LAP ? cy->lap : INT64_MAX;
	t->nsearch = ns;
	t->start = cg_i64_array(g, start, ns + 1, "cycle_start");
}

/* For the doubling estimate: the starts then INT64_MAX, and est[b], the
   cycle of 2^(b-1), the smallest step of bit length b. */
static void doubling_tables(Cg *g, const LCycles *cy, CgTable *t)
{
	int n = cy->n;
	int64_t *start = cg_alloc(g, (size_t)n + 1, sizeof *start);
	int64_t est[65];
	memcpy(start, cy->start, (size_t)n * sizeof *start);
	start[n] = INT64_MAX;
	est[0] = 0;
	for (int b = 1; b < 65; b++)
		est[b] = cycles_index(cy, b < 64 ? INT64_C(1) << (b - 1) : INT64_MAX);
	t->start = cg_i64_array(g, start, (unsigned)n + 1, "cycle_start");
	t->est = cg_i64_array(g, est, 65, "cycle_est");
}

/* A restarts node's tables, emitted once per module: shared by eval and fill. */
static CgTable *tables(Cg *g, const LCycles *cy)
{
	for (int i = 0; i < g->ntable; i++)
		if (g->table[i].cycles == cy)
			return &g->table[i];
	g->table = cg_append(g, g->table, g->ntable, sizeof *g->table);
	CgTable *t = &g->table[g->ntable++];
	t->cycles = cy;
	if (cycles_doubling(cy))
		doubling_tables(g, cy, t);
	else
		search_tables(g, cy, t);
	t->steps = cg_i64_array(g, cy->steps, (unsigned)cy->n, "cycle_steps");
	if (cycles_real(cy)) {
		t->off = cg_f64_array(g, cy->off, (unsigned)cy->n, "cycle_off");
		t->T = cg_f64_array(g, cy->T, (unsigned)cy->n, "cycle_T");
	}
	return t;
}

/* The last j with start[j] <= s: an unrolled, branch-free binary search
   of log2(nsearch) compares and selects. */
static LLVMValueRef search(Cg *g, CgTable *t, LLVMValueRef s)
{
	LLVMValueRef k = cg_i64(g, 0);
	for (unsigned h = t->nsearch / 2; h >= 1; h /= 2) {
		LLVMValueRef cand = LLVMBuildAdd(g->b, k, cg_i64(g, h), "");
		LLVMValueRef le = LLVMBuildICmp(g->b, LLVMIntSLE, cg_i64_at(g, t->start, t->nsearch + 1, cand), s, "");
		k = LLVMBuildSelect(g->b, le, cand, k, "k");
	}
	return k;
}

/* Cycle k's entries of the tables: its steps, and its offset and T when real. */
static void entries(Cg *g, const LCycles *cy, CgTable *t, LLVMValueRef j, CgCycle *c)
{
	unsigned n = (unsigned)cy->n;
	c->len = cg_i64_at(g, t->steps, n, j);
	if (cycles_real(cy)) {
		c->off = cg_f64_at(g, t->off, n, j);
		c->T = cg_f64_at(g, t->T, n, j);
	}
}

/* CYCLES_UNIFORM: a division. */
static void uniform_cycle(Cg *g, const LCycles *cy, LLVMValueRef s, CgCycle *c)
{
	LLVMBuilderRef b = g->b;
	LLVMValueRef period = cg_i64(g, cy->lap);
	LLVMValueRef k = LLVMBuildSDiv(b, s, period, "k");
	LLVMValueRef last = NULL;
	if (cy->count > 0) {
		k = cg_smin(g, k, cg_i64(g, cy->count - 1));
		last = LLVMBuildICmp(b, LLVMIntEQ, k, cg_i64(g, cy->count - 1), "");
	}
	c->k = k;
	c->start = LLVMBuildNSWMul(b, k, period, "start");
	c->len = period;
	LLVMValueRef full = LLVMBuildICmp(b, LLVMIntSGT, c->start, cg_i64(g, INT64_MAX - cy->lap), "");
	last = last ? LLVMBuildOr(b, last, full, "") : full;
	c->next = LLVMBuildSelect(b, last, cg_i64(g, INT64_MAX), LLVMBuildAdd(b, c->start, period, ""), "next");
}

/* CYCLES_LAP: the lap of s, a division, and a search within it. */
static void lap_cycle(Cg *g, const LCycles *cy, LLVMValueRef s, CgCycle *c)
{
	LLVMBuilderRef b = g->b;
	CgTable *t = tables(g, cy);
	unsigned ns = t->nsearch + 1;
	LLVMValueRef lap = LLVMBuildSDiv(b, s, cg_i64(g, cy->lap), "lap");
	LLVMValueRef base = LLVMBuildNSWMul(b, lap, cg_i64(g, cy->lap), "");
	LLVMValueRef j = search(g, t, LLVMBuildSub(b, s, base, ""));
	LLVMValueRef k = LLVMBuildAdd(b, LLVMBuildNSWMul(b, lap, cg_i64(g, cy->n), ""), j, "k");
	LLVMValueRef start = LLVMBuildAdd(b, base, cg_i64_at(g, t->start, ns, j), "start");
	/* The next cycle's first step, unless it is past int64 (in the last lap
	   only the cycles that start beyond INT64_MAX are missing). */
	LLVMValueRef next_local = cg_i64_at(g, t->start, ns, LLVMBuildAdd(b, j, cg_i64(g, 1), ""));
	LLVMValueRef room = LLVMBuildSub(b, cg_i64(g, INT64_MAX), base, "room");
	LLVMValueRef full = LLVMBuildICmp(b, LLVMIntSGT, next_local, room, "");
	LLVMValueRef next = LLVMBuildSelect(b, full, cg_i64(g, INT64_MAX), LLVMBuildAdd(b, base, next_local, ""), "next");
	entries(g, cy, t, j, c);
	if (cy->count > 0) {
		/* Past the last cycle it holds: its values are constants. */
		int64_t kc = cy->count - 1;
		LLVMValueRef past = LLVMBuildICmp(b, LLVMIntSGE, k, cg_i64(g, kc), "");
		k = LLVMBuildSelect(b, past, cg_i64(g, kc), k, "");
		start = LLVMBuildSelect(b, past, cg_i64(g, cycles_start(cy, kc)), start, "");
		next = LLVMBuildSelect(b, past, cg_i64(g, INT64_MAX), next, "");
		c->len = LLVMBuildSelect(b, past, cg_i64(g, cycles_steps(cy, kc)), c->len, "");
		c->off = LLVMBuildSelect(b, past, cg_f64(g, cycles_offset(cy, kc)), c->off, "");
	}
	c->k = k;
	c->start = start;
	c->next = next;
	c->T = cg_f64(g, cycles_T(cy, 0)); /* a lap's cycles share one T */
}

/* CYCLES_TABLE, starts that double: a bit-length estimate corrected once. */
static void doubling_cycle(Cg *g, const LCycles *cy, LLVMValueRef s, CgCycle *c)
{
	LLVMBuilderRef b = g->b;
	CgTable *t = tables(g, cy);
	unsigned n = (unsigned)cy->n;
	LLVMValueRef ctlz_args[2] = { s, LLVMConstInt(g->i1, 0, 0) };
	unsigned id = LLVMLookupIntrinsicID("llvm.ctlz", 9);
	LLVMTypeRef ov = g->i64;
	LLVMValueRef ctlz = LLVMGetIntrinsicDeclaration(g->mod, id, &ov, 1);
	LLVMValueRef lz = LLVMBuildCall2(b, LLVMIntrinsicGetType(g->ctx, id, &ov, 1), ctlz, ctlz_args, 2, "");
	LLVMValueRef bits = LLVMBuildSub(b, cg_i64(g, 64), lz, "bits");
	LLVMValueRef k0 = cg_i64_at(g, t->est, 65, bits);
	LLVMValueRef after = cg_i64_at(g, t->start, n + 1, LLVMBuildAdd(b, k0, cg_i64(g, 1), ""));
	LLVMValueRef up = LLVMBuildZExt(b, LLVMBuildICmp(b, LLVMIntSLE, after, s, ""), g->i64, "");
	LLVMValueRef k = cg_smin(g, LLVMBuildAdd(b, k0, up, ""), cg_i64(g, (int64_t)n - 1));
	c->k = k;
	c->start = cg_i64_at(g, t->start, n + 1, k);
	c->next = cg_i64_at(g, t->start, n + 1, LLVMBuildAdd(b, k, cg_i64(g, 1), ""));
	entries(g, cy, t, k, c);
}

/* CYCLES_TABLE otherwise: the interpreter's search, branch-free. */
static void table_cycle(Cg *g, const LCycles *cy, LLVMValueRef s, CgCycle *c)
{
	LLVMBuilderRef b = g->b;
	CgTable *t = tables(g, cy);
	unsigned ns = t->nsearch + 1;
	/* The padding compares above every step but INT64_MAX itself, which
	   it equals: that step is in the last cycle, n - 1. */
	LLVMValueRef k = cg_smin(g, search(g, t, s), cg_i64(g, (int64_t)cy->n - 1));
	c->k = k;
	c->start = cg_i64_at(g, t->start, ns, k);
	c->next = cg_i64_at(g, t->start, ns, LLVMBuildAdd(b, k, cg_i64(g, 1), ""));
	entries(g, cy, t, k, c);
}

void cg_cycle(Cg *g, const LCycles *cy, LLVMValueRef s, CgCycle *c)
{
	c->off = c->T = NULL;
	switch (cy->kind) {
	case CYCLES_UNIFORM:
		uniform_cycle(g, cy, s, c);
		return;
	case CYCLES_LAP:
		lap_cycle(g, cy, s, c);
		return;
	case CYCLES_TABLE:
		if (cycles_doubling(cy))
			doubling_cycle(g, cy, s, c);
		else
			table_cycle(g, cy, s, c);
		return;
	}
	UNREACHABLE();
}
