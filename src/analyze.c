/* analyze.c: reads a lowered schedule's structure -- phase joins, restart steps, horizon, and the tail's asymptotic form. */
#include <math.h>
#include <string.h>

#include "analyze.h"

typedef struct Walker {
	int64_t first, end;
	Mark *out;
	int max, n;
} Walker;

static void add_mark(Walker *w, Mark m)
{
	/* Two operands of a combination can join at one step: one join. */
	for (int i = w->n < w->max ? w->n : w->max; i > 0 && w->out[i - 1].step >= m.step; i--)
		if (w->out[i - 1].step == m.step && w->out[i - 1].kind == m.kind && w->out[i - 1].depth == m.depth)
			return;
	if (w->n < w->max) {
		/* Nested structure can be met out of order: keep the list sorted. */
		int i = w->n;
		while (i > 0 && w->out[i - 1].step > m.step)
			i--;
		memmove(&w->out[i + 1], &w->out[i], sizeof *w->out * (size_t)(w->n - i));
		w->out[i] = m;
	}
	w->n++;
}

/* A node evaluated from global step off with allotted length len (-1 unbounded). */
static void walk(Walker *w, const LSched *s, int64_t off, int64_t len, int depth)
{
	if (w->n > w->max || off >= w->end)
		return;
	if (s->kind == SC_SEQ) {
		for (int i = 0; i < s->nphase; i++) {
			const LPhase *ph = &s->phase[i];
			/* Compared before added: off + ph->start may pass INT64_MAX. */
			if (ph->start >= w->end - off || (len >= 0 && ph->start >= len))
				break;
			int64_t start = off + ph->start;
			/* What runs of the phase: the node around may end it early. */
			int64_t plen = ph->len >= 0 && (len < 0 || ph->len <= len - ph->start) ? ph->len
			               : len >= 0 ? len - ph->start : -1;
			if (s->cycle_list && start >= w->first) {
				/* As restarts' last counted cycle, the last one holds when nothing bounds it. */
				add_mark(w, (Mark){ .step = start, .kind = MARK_RESTART, .depth = depth, .cycle = i,
				                    .cycle_len = i + 1 == s->nphase && len < 0 ? -1 : plen });
			} else if (i > 0 && start >= w->first) {
				/* Labels of the top-level phases only: a join is named by the
				   phases a reader sees in the channel's sequence. */
				const char *label = depth == 0 ? ph->label : NULL;
				const char *prev = depth == 0 ? s->phase[i - 1].label : NULL;
				add_mark(w, (Mark){ .step = start, .kind = MARK_PHASE, .depth = depth, .label = label,
				                    .prev_label = prev, .index = ph->index });
			}
			if (plen >= 0 && i + 1 < s->nphase && plen <= w->first - start)
				continue;
			walk(w, ph->body, start, i + 1 == s->nphase ? (len >= 0 ? len - ph->start : -1) : plen, depth + 1);
		}
	} else if (s->kind == SC_COMBINE) {
		/* Each operand's joins and restarts are the channel's, on its own clock. */
		for (int i = 0; i < s->noperand; i++)
			walk(w, s->operand[i], off, len, depth);
	} else if (s->kind == SC_RESTARTS) {
		const LCycles *cy = &s->cycles;
		int64_t k = w->first > off ? cycles_index(cy, w->first - off) : 0;
		for (; cycles_fits(cy, k); k++) {
			int64_t local = cycles_start(cy, k);
			if (local >= w->end - off || (len >= 0 && local >= len) || w->n > w->max)
				break;
			int64_t start = off + local;
			int last = (cy->count > 0 && k == cy->count - 1) || (cy->kind == CYCLES_TABLE && k == cy->n - 1);
			/* What runs of the cycle: the phase around may end it early. */
			int64_t steps = cycles_steps(cy, k);
			if (len >= 0 && steps > len - local)
				steps = len - local;
			if (start >= w->first)
				add_mark(w, (Mark){ .step = start, .kind = MARK_RESTART, .depth = depth, .cycle = k,
				                    .cycle_len = last && len < 0 ? -1 : steps });
			walk(w, s->body, start, steps, depth + 1);
			if (last)
				break;
		}
	}
}

static void add_empty(const LSched *s, const LPhase **out, int max, int *n)
{
	if (s->kind == SC_RESTARTS) {
		add_empty(s->body, out, max, n);
		return;
	}
	if (s->kind == SC_COMBINE) {
		for (int i = 0; i < s->noperand; i++)
			add_empty(s->operand[i], out, max, n);
		return;
	}
	if (s->kind != SC_SEQ)
		return;
	for (int i = 0; i < s->nempty; i++) {
		int seen = 0; /* a let used twice lowers its phases twice */
		for (int k = 0; k < *n && k < max && !seen; k++)
			seen = out[k]->loc.line == s->empty[i].loc.line && out[k]->loc.col == s->empty[i].loc.col;
		if (!seen && (*n)++ < max)
			out[*n - 1] = &s->empty[i];
	}
	for (int i = 0; i < s->nphase; i++)
		add_empty(s->phase[i].body, out, max, n);
}

int analyze_empty_phases(const LSchedule *s, int ch, const LPhase **out, int max)
{
	int n = 0;
	add_empty(s->channel[ch].sched, out, max, &n);
	return n;
}

int analyze_marks(const annealc_program *p, int sched, int ch, int64_t first, int64_t end, Mark *out, int max)
{
	const LSchedule *s = &p->schedule[sched];
	Walker w = { first, end, out, max, 0 };
	walk(&w, s->channel[ch].sched, 0, -1, 0);
	return w.n > max ? max + 1 : w.n;
}

const LSched *analyze_tail(const LSchedule *s, int ch, int64_t *start, int64_t *len, int64_t *cycle)
{
	const LSched *n = s->channel[ch].sched;
	*start = 0;
	*len = -1;
	*cycle = -1;
	for (;;) {
		if (n->kind == SC_SEQ) {
			/* Past the end of a bounded sequence its last phase goes on;
			   in a cycles list that phase is the last cycle, and the
			   list holds only the cycles that run. */
			const LPhase *last = &n->phase[n->nphase - 1];
			*start += last->start;
			*len = last->len >= 0 ? last->len : *len >= 0 ? *len - last->start : -1;
			if (n->cycle_list)
				*cycle = n->nphase - 1;
			n = last->body;
		} else if (n->kind == SC_RESTARTS && n->cycles.count > 0) {
			/* Past count cycles the last one holds. */
			*start += cycles_start(&n->cycles, n->cycles.count - 1);
			*len = cycles_steps(&n->cycles, n->cycles.count - 1);
			*cycle = n->cycles.count - 1;
			n = n->body;
		} else {
			return n;
		}
	}
}

static int64_t sched_len(const LSched *n)
{
	if (n->kind == SC_SEQ) {
		const LPhase *last = &n->phase[n->nphase - 1];
		return last->len >= 0 ? last->start + last->len : -1;
	}
	if (n->kind == SC_RESTARTS && n->cycles.count > 0)
		return cycles_start(&n->cycles, n->cycles.count - 1) + cycles_steps(&n->cycles, n->cycles.count - 1);
	if (n->kind == SC_COMBINE) {
		int64_t longest = 0;
		for (int i = 0; i < n->noperand && longest >= 0; i++) {
			int64_t l = sched_len(n->operand[i]);
			longest = l < 0 ? -1 : l > longest ? l : longest;
		}
		return longest;
	}
	return -1;
}

int64_t analyze_default_steps(const annealc_program *p, int sched)
{
	const LSchedule *s = &p->schedule[sched];
	if (s->horizon > 0)
		return s->horizon;
	for (int i = 0; i < s->nparam; i++)
		if (strcmp(s->param[i].name, "total") == 0 && s->param[i].value >= 1 && s->param[i].value < 1e15)
			return (int64_t)s->param[i].value;
	int64_t start, len, cycle, longest = -1;
	const LSched *tail = analyze_tail(s, s->primary, &start, &len, &cycle);
	if (tail->kind == SC_RESTARTS) {
		const LCycles *cy = &tail->cycles;
		int64_t k = cy->kind == CYCLES_TABLE && cy->n < 4 ? cy->n - 1 : 3;
		return start + cycles_start(cy, k);
	}
	/* The longest bounded channel, unless the primary one goes on past it
	   into its open last phase: then past that phase's start as well. */
	for (int c = 0; c < s->nchannel; c++)
		if (sched_len(s->channel[c].sched) > longest)
			longest = sched_len(s->channel[c].sched);
	int64_t open_tail = start > 0 ? (start < 50 ? 100 : 2 * start) : 1000;
	if (longest > 0 && (sched_len(s->channel[s->primary].sched) >= 0 || start < longest))
		return longest;
	return open_tail;
}

/* ---- the tail's asymptotic form: value ~ c t^a r^t as t -> infinity ---- */

typedef enum { AS_FORM, AS_PERIODIC, AS_UNKNOWN } AsKind;

typedef struct Asym {
	AsKind kind;
	double c, a, r;
	const char *why; /* AS_UNKNOWN: what stopped the analysis */
} Asym;

static Asym as_const(double v) { return (Asym){ AS_FORM, v, 0, 1, NULL }; }
static Asym as_unknown(const char *why) { return (Asym){ AS_UNKNOWN, 0, 0, 1, why }; }
static int as_is_const(Asym x) { return x.kind == AS_FORM && (x.c == 0 || (x.a == 0 && x.r == 1)); }

/* Which of two forms grows faster: 1, -1, or 0 when they are the same up to c. */
static int as_order(Asym x, Asym y)
{
	if (x.c == 0 || y.c == 0)
		return x.c == 0 && y.c == 0 ? 0 : x.c == 0 ? -1 : 1;
	if (x.r != y.r)
		return x.r > y.r ? 1 : -1;
	if (x.a != y.a)
		return x.a > y.a ? 1 : -1;
	return 0;
}

static Asym as_merge(Asym x, Asym y)
{
	if (x.kind == AS_UNKNOWN)
		return x;
	if (y.kind == AS_UNKNOWN)
		return y;
	return as_unknown(NULL);
}

static Asym asym(const LExpr *e, const double *params, double T, int64_t cycle);

/* x < y for all large t, as 1 or 0; -1 when the forms cannot tell. */
static int as_less(Asym x, Asym y)
{
	if (x.kind != AS_FORM || y.kind != AS_FORM)
		return -1;
	if (as_is_const(x) && as_is_const(y))
		return x.c < y.c;
	int o = as_order(x, y);
	if (o == 0)
		return x.c == y.c ? -1 : x.c < y.c;
	/* The faster form decides the sign of x - y. */
	return o > 0 ? x.c < 0 : y.c > 0;
}

static Asym as_compare(LExprKind k, Asym x, Asym y)
{
	int lt = as_less(x, y), gt = as_less(y, x);
	if (lt < 0 || gt < 0)
		return as_unknown("a comparison whose outcome the forms cannot decide");
	switch (k) {
	case EX_LT: return as_const(lt);
	case EX_LE: return as_const(!gt);
	case EX_GT: return as_const(gt);
	case EX_GE: return as_const(!lt);
	case EX_EQ: return as_const(!lt && !gt);
	default: return as_const(lt || gt);
	}
}

/* A unary operation of a known form x. */
static Asym as_unary(LExprKind k, Asym x)
{
	switch (k) {
	case EX_NEG: x.c = -x.c; return x;
	case EX_NOT: return as_is_const(x) ? as_const(x.c == 0) : as_const(0);
	case EX_ABS: x.c = fabs(x.c); return x;
	case EX_SQRT:
		if (x.c < 0)
			return as_unknown("sqrt of a negative value");
		return (Asym){ AS_FORM, sqrt(x.c), x.a / 2, sqrt(x.r), NULL };
	case EX_EXP:
		if (as_is_const(x))
			return as_const(exp(x.c));
		if (x.a == 1 && x.r == 1)
			return (Asym){ AS_FORM, 1, 0, exp(x.c), NULL };
		return as_unknown("exp of a form that is not linear in t");
	case EX_LOG:
		if (as_is_const(x))
			return as_const(log(x.c));
		return as_unknown("log of a varying value");
	case EX_FLOOR:
	case EX_CEIL:
		if (as_is_const(x))
			return as_const(k == EX_FLOOR ? floor(x.c) : ceil(x.c));
		if (x.r > 1 || (x.r == 1 && x.a > 0))
			return x; /* within one of x, which grows */
		return as_unknown("floor or ceil of a decaying value");
	case EX_TRUNC: case EX_ROUND: case EX_SIGN: case EX_TANH: case EX_SINH: case EX_COSH: case EX_ATAN:
	case EX_LOG2: case EX_LOG10:
		if (as_is_const(x))
			return as_const(ops_apply(k, x.c, 0));
		return as_unknown("an operation these rules do not cover");
	default: return as_unknown("an operation these rules do not cover");
	}
}

/* A binary operation of known forms x and y. */
static Asym as_binary(LExprKind k, Asym x, Asym y)
{
	switch (k) {
	case EX_ADD:
	case EX_SUB: {
		if (k == EX_SUB)
			y.c = -y.c;
		if (as_is_const(x) && as_is_const(y))
			return as_const(x.c + y.c);
		int o = as_order(x, y);
		if (o != 0)
			return o > 0 ? x : y;
		if (x.c + y.c == 0)
			return as_unknown("two terms that cancel");
		x.c += y.c;
		return x;
	}
	case EX_MUL:
		if (x.c == 0 || y.c == 0)
			return as_const(0);
		return (Asym){ AS_FORM, x.c * y.c, x.a + y.a, x.r * y.r, NULL };
	case EX_DIV:
		if (y.c == 0)
			return as_unknown("a division by zero");
		return (Asym){ AS_FORM, x.c / y.c, x.a - y.a, x.r / y.r, NULL };
	case EX_POW:
		if (as_is_const(y)) {
			if (x.c < 0 && y.c != floor(y.c))
				return as_unknown("a fractional power of a negative value");
			return (Asym){ AS_FORM, pow(x.c, y.c), x.a * y.c, pow(x.r, y.c), NULL };
		}
		if (as_is_const(x) && x.c > 0 && y.a == 1 && y.r == 1)
			return (Asym){ AS_FORM, 1, 0, pow(x.c, y.c), NULL };
		return as_unknown("a power whose exponent is not linear in t");
	case EX_MIN:
	case EX_MAX: {
		int lt = as_less(x, y);
		if (lt < 0)
			return as_unknown("min or max of two forms that cross for ever");
		return (k == EX_MIN) == (lt == 1) ? x : y;
	}
	case EX_LT: case EX_LE: case EX_GT: case EX_GE: case EX_EQ: case EX_NE:
		return as_compare(k, x, y);
	case EX_AND: return as_const(x.c != 0 && y.c != 0);
	case EX_OR: return as_const(x.c != 0 || y.c != 0);
	default: return as_unknown("an operation these rules do not cover");
	}
}

/* An operation with a periodic operand: periodic still when the other
   operand is constant (or it is the only one), else beyond these rules. */
static Asym as_periodic(LExprKind k, Asym x, Asym y)
{
	Asym other = x.kind == AS_PERIODIC ? y : x;
	if ((k == EX_ADD || k == EX_SUB || k == EX_MUL) && other.kind != AS_UNKNOWN &&
	    (ops_arity[k] < 2 || as_is_const(other)))
		return (Asym){ AS_PERIODIC, 1, 0, 1, NULL };
	if (ops_arity[k] == 1 && k != EX_LOG && k != EX_LOG2 && k != EX_LOG10)
		return x;
	/* A periodic factor times a decaying form is beyond these rules. */
	return as_unknown("a periodic term combined with a varying one");
}

/* e's form as t -> infinity, with params, the phase length T (0: unknown)
   and the cycle it is in (-1: none). */
static Asym asym(const LExpr *e, const double *params, double T, int64_t cycle)
{
	Asym x = { 0 }, y = { 0 };
	if (ops_arity[e->kind] >= 1)
		x = asym(e->a, params, T, cycle);
	if (ops_arity[e->kind] >= 2 && e->kind != EX_IF)
		y = asym(e->b, params, T, cycle);
	switch (e->kind) {
	case EX_NUM: return as_const(e->num);
	case EX_PARAM: return as_const(params[e->param]);
	case EX_T:
	case EX_STEP: return (Asym){ AS_FORM, 1, 1, 1, NULL };
	case EX_TLEN: return T > 0 ? as_const(T) : as_unknown("it uses T");
	case EX_CYCLE: return cycle >= 0 ? as_const((double)cycle) : as_unknown("it uses cycle");
	case EX_OPERAND: return as_unknown("it combines sequences");
	default: break;
	}
	if (e->kind == EX_IF) {
		if (x.kind == AS_FORM && as_is_const(x))
			return asym(x.c != 0 ? e->b : e->c, params, T, cycle);
		return x.kind == AS_UNKNOWN ? x : as_unknown("if(...) on a condition that changes with t");
	}
	if (e->kind == EX_COS || e->kind == EX_SIN) {
		if (x.kind == AS_FORM && as_is_const(x))
			return as_const(e->kind == EX_COS ? cos(x.c) : sin(x.c));
		return x.kind == AS_UNKNOWN ? x : (Asym){ AS_PERIODIC, 1, 0, 1, NULL };
	}
	if (x.kind == AS_PERIODIC || y.kind == AS_PERIODIC)
		return as_periodic(e->kind, x, y);
	if (x.kind == AS_UNKNOWN || (ops_arity[e->kind] >= 2 && y.kind == AS_UNKNOWN))
		return as_merge(x, y);
	return ops_arity[e->kind] == 1 ? as_unary(e->kind, x) : as_binary(e->kind, x, y);
}

static int uses_cycle(const LExpr *e)
{
	if (!e)
		return 0;
	return e->kind == EX_CYCLE || e->kind == EX_STEP || uses_cycle(e->a) || uses_cycle(e->b) || uses_cycle(e->c);
}

static int sched_uses_cycle(const LSched *n)
{
	if (n->kind == SC_LEAF)
		return uses_cycle(n->leaf);
	if (n->kind == SC_RESTARTS)
		return sched_uses_cycle(n->body);
	if (n->kind == SC_COMBINE) {
		for (int i = 0; i < n->noperand; i++)
			if (sched_uses_cycle(n->operand[i]))
				return 1;
		return uses_cycle(n->leaf);
	}
	for (int i = 0; i < n->nphase; i++)
		if (sched_uses_cycle(n->phase[i].body))
			return 1;
	return 0;
}

/* Sum of v and v^2 over [a, a + len), estimated from evenly spaced samples. */
static void block_sums(const LSchedule *s, int ch, const double *params, int64_t a, int64_t len, double *s1,
                       double *s2, double *lo)
{
	enum { SAMPLES = 512 };
	int64_t m = len < SAMPLES ? len : SAMPLES;
	double sum = 0, sq = 0;
	*lo = INFINITY;
	for (int64_t i = 0; i < m; i++) {
		double v = interp_channel(s, ch, a + (int64_t)((__int128)i * len / m), params);
		sum += v;
		sq += v * v;
		*lo = fmin(*lo, v);
	}
	*s1 = sum / (double)m * (double)len;
	*s2 = sq / (double)m * (double)len;
}

/* A series whose blocks shrink by `ratio` each (geometric blocks) or like
   k^-power (equal blocks) converges when ratio < 1 or power > 1; within
   TOL of the boundary it counts as the boundary, which diverges. */
#define TOL 0.02

static int converges(double ratio) { return ratio < 1 - TOL; }

/* The tail's sums estimated from samples, for forms the rules above cannot
   classify: blocks that double in length from the tail's start, or the
   restarts' own cycles. */
static void rm_sampled(const LSchedule *s, int ch, const LSched *r, int64_t start, const double *params, int *verdict,
                       char *why, size_t n)
{
	enum { NB = 40 };
	double s1[NB], s2[NB], lo[NB];
	int nb = 0;
	const char *what;
	if (r->kind == SC_RESTARTS) {
		const LCycles *cy = &r->cycles;
		nb = cy->kind == CYCLES_TABLE ? (cy->n < NB ? cy->n : NB) : NB;
		for (int k = 0; k < nb; k++)
			block_sums(s, ch, params, start + cycles_start(cy, k), cycles_steps(cy, k), &s1[k], &s2[k], &lo[k]);
		what = "cycles";
	} else {
		for (nb = 0; nb < NB; nb++)
			block_sums(s, ch, params, start + (INT64_C(1) << (nb + 8)), INT64_C(1) << (nb + 8), &s1[nb], &s2[nb], &lo[nb]);
		what = "doubling blocks";
	}
	int last = nb - 1, mid = nb / 2;
	if (!(lo[last] >= 0) || !(s1[last] > 0) || !isfinite(s1[last])) {
		*verdict = -1;
		snprintf(why, n, "the tail from step %lld is not positive and finite in its sampled %s", (long long)start, what);
		return;
	}
	if (lo[last] >= 0.9 * lo[mid] && r->kind == SC_RESTARTS) {
		*verdict = 0;
		snprintf(why, n, "every cycle of the restarts tail from step %lld stays above %g, so sum(lr^2) = inf",
		         (long long)start, lo[last]);
		return;
	}
	int ok1, ok2; /* sum(lr) = inf, sum(lr^2) < inf */
	double e1, e2;
	if (r->kind == SC_RESTARTS && r->cycles.kind != CYCLES_TABLE) {
		/* Equal blocks: the block sums fall like k^-e. */
		e1 = log(s1[mid - 1] / s1[last]) / log((double)(last + 1) / mid);
		e2 = log(s2[mid - 1] / s2[last]) / log((double)(last + 1) / mid);
		ok1 = e1 <= 1 + TOL;
		ok2 = e2 > 1 + TOL;
	} else {
		e1 = s1[last] / s1[last - 1];
		e2 = s2[last] / s2[last - 1];
		ok1 = !converges(e1);
		ok2 = converges(e2);
	}
	*verdict = ok1 && ok2;
	snprintf(why, n, "estimated from %d sampled %s of the tail from step %lld: sum(lr) %s, sum(lr^2) %s "
	         "(block %s %.3g and %.3g)", nb, what, (long long)start, ok1 ? "= inf" : "< inf", ok2 ? "< inf" : "= inf",
	         r->kind == SC_RESTARTS && r->cycles.kind != CYCLES_TABLE ? "decay powers" : "ratios", e1, e2);
}

void analyze_robbins_monro(const LSchedule *s, int ch, const double *params, int *verdict, char *why, size_t n)
{
	int64_t start, len, cycle;
	const LSched *tail = analyze_tail(s, ch, &start, &len, &cycle);
	*verdict = 0;
	if (tail->kind == SC_RESTARTS) {
		if (sched_uses_cycle(tail->body))
			rm_sampled(s, ch, tail, start, params, verdict, why, n);
		else
			snprintf(why, n, "periodic: the restarts from step %lld repeat for ever, so sum(lr^2) = inf",
			         (long long)start);
		return;
	}
	Asym a = asym(tail->leaf, params, (double)len, cycle);
	if (a.kind == AS_PERIODIC) {
		snprintf(why, n, "periodic: the tail from step %lld oscillates for ever, so sum(lr^2) = inf",
		         (long long)start);
	} else if (a.kind == AS_UNKNOWN) {
		rm_sampled(s, ch, tail, start, params, verdict, why, n);
		size_t used = strlen(why);
		snprintf(why + used, n - used, "; its form is beyond the rules (%s)", a.why ? a.why : "an unsupported operation");
	} else if (a.c == 0) {
		snprintf(why, n, "the tail from step %lld is 0, so sum(lr) is finite", (long long)start);
	} else if (a.r < 1) {
		snprintf(why, n, "exponential: the tail from step %lld decays like %.6g^t, so sum(lr) is finite",
		         (long long)start, a.r);
	} else if (a.r > 1 || a.a > 0) {
		snprintf(why, n, "the tail from step %lld grows without bound, so sum(lr^2) = inf", (long long)start);
	} else if (a.a == 0) {
		snprintf(why, n, "constant: the tail from step %lld stays at %g, so sum(lr^2) = inf", (long long)start,
		         a.c);
	} else if (a.c < 0) {
		snprintf(why, n, "the tail from step %lld is negative", (long long)start);
	} else if (-a.a > 1) {
		snprintf(why, n, "polynomial: the tail from step %lld decays like t^%g, power %g > 1, so sum(lr) is finite",
		         (long long)start, a.a, -a.a);
	} else if (-a.a <= 0.5) {
		snprintf(why, n, "polynomial: the tail from step %lld decays like t^%g, power %g <= 1/2, so sum(lr^2) = inf",
		         (long long)start, a.a, -a.a);
	} else {
		*verdict = 1;
		snprintf(why, n, "polynomial: the tail from step %lld decays like t^%g, power %g in (1/2, 1]: sum(lr) = inf, "
		         "sum(lr^2) < inf", (long long)start, a.a, -a.a);
	}
}
