/* interp.c: the reference interpreter over the lowered form -- the oracle every compiled path must match. */
#include <math.h>

#include "annealc_int.h"

/* What evaluating one channel at one step found out besides its value. */
typedef struct Walk {
	const double *params;
	int64_t step;
	int64_t cycle;   /* innermost restarts cycle, -1 outside */
	int32_t phase;   /* top-level phase index */
	int restart;     /* a restarts node on the path is at the first step of cycle >= 1 */
	uint64_t events; /* enter hooks met */
} Walk;

typedef struct Frame {
	double t, T;
} Frame;

static double eval_expr(const Expr *e, const Frame *f, const Walk *w)
{
	if (e->kind == EX_IF)
		return eval_expr(e->a, f, w) != 0 ? eval_expr(e->b, f, w) : eval_expr(e->c, f, w);
	double a = 0, b = 0;
	int arity = expr_arity[e->kind];
	if (arity >= 1)
		a = eval_expr(e->a, f, w);
	if (arity >= 2)
		b = eval_expr(e->b, f, w);
	switch (e->kind) {
	case EX_NUM: return e->num;
	case EX_PARAM: return w->params[e->param];
	case EX_T: return f->t;
	case EX_TLEN: return f->T;
	case EX_STEP: return (double)w->step;
	case EX_CYCLE: return (double)w->cycle;
	default: return op_apply(e->kind, a, b);
	}
}

double interp_const(const Expr *e)
{
	static const Frame none;
	static const Walk outside = { .cycle = -1 };
	return eval_expr(e, &none, &outside);
}

/* The last table entry j < n with cycle_start[j] <= s (cycle_start[0] = 0 <= s). */
static int64_t table_search(const Sched *r, int n, int64_t s)
{
	int lo = 0, hi = n - 1;
	while (lo < hi) {
		int mid = lo + (hi - lo + 1) / 2;
		if (r->cycle_start[mid] <= s)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int sched_tabled(const Sched *r)
{
	return r->frac ? r->rq == 0 : r->mult > 1;
}

/* The cycle of local step s: the last k with start(k) <= s, by binary
   search over the integer table (the compiled code estimates with a
   logarithm and corrects, or searches the same table; they must agree).
   A cycle with no integer step shares its start with the next and is
   never the last, so it is skipped. */
int64_t sched_cycle_of(const Sched *r, int64_t s)
{
	int64_t k;
	if (r->frac && r->rq > 0) {
		int64_t lap = s / r->rp;
		k = lap * r->rq + table_search(r, (int)r->rq, s - lap * r->rp);
	} else if (r->mult == 1 && !r->frac) {
		k = s / r->period;
	} else {
		k = table_search(r, r->ntable, s);
	}
	if (r->count > 0 && k > r->count - 1)
		k = r->count - 1;
	return k;
}

int64_t sched_cycle_start(const Sched *r, int64_t k)
{
	if (r->frac && r->rq > 0)
		return k / r->rq * r->rp + r->cycle_start[k % r->rq];
	return sched_tabled(r) ? r->cycle_start[k] : k * r->period;
}

int sched_cycle_fits(const Sched *r, int64_t k)
{
	if (k < 0 || (r->count > 0 && k >= r->count))
		return 0;
	if (r->frac && r->rq > 0)
		return k / r->rq <= (INT64_MAX - r->cycle_start[k % r->rq]) / r->rp;
	return sched_tabled(r) ? k < r->ntable : k <= INT64_MAX / r->period;
}

int64_t sched_cycle_steps(const Sched *r, int64_t k)
{
	if (r->frac && r->rq > 0)
		return r->cycle_len[k % r->rq];
	return sched_tabled(r) ? r->cycle_len[k] : r->period;
}

double sched_cycle_off(const Sched *r, int64_t k)
{
	return !r->frac ? 0 : r->cycle_off[r->rq > 0 ? k % r->rq : k];
}

double sched_cycle_T(const Sched *r, int64_t k)
{
	return !r->frac ? (double)sched_cycle_steps(r, k) : r->cycle_T[r->rq > 0 ? k % r->rq : k];
}

/* n at local step s + sf (sf: the fraction a real-valued cycle start adds
   to t, 0 otherwise) with allotted length len, or the real length lenf
   when that is not NaN. Phases start at whole steps, so the integer part
   alone picks them; a nested restarts counts whole steps from its start
   and leaves sf behind. */
static double eval_sched(const Sched *n, int64_t s, double sf, int64_t len, double lenf, Walk *w, int top)
{
	switch (n->kind) {
	case SC_LEAF: {
		Frame f = { (double)s + sf, isnan(lenf) ? (double)len : lenf };
		return eval_expr(n->leaf, &f, w);
	}
	case SC_SEQ: {
		int i = n->nphase - 1;
		while (i > 0 && n->phase[i].start > s)
			i--;
		const Phase *ph = &n->phase[i];
		int64_t local = s - ph->start;
		int64_t plen = ph->len >= 0 ? ph->len : len >= 0 ? len - ph->start : -1;
		double plenf = ph->len >= 0 || isnan(lenf) ? NAN : lenf - (double)ph->start;
		if (local == 0)
			w->events |= ph->enter_mask;
		if (top)
			w->phase = i;
		return eval_sched(ph->body, local, sf, plen, plenf, w, 0);
	}
	case SC_RESTARTS: {
		int64_t k = sched_cycle_of(n, s);
		int64_t local = s - sched_cycle_start(n, k);
		if (k >= 1 && local == 0)
			w->restart = 1;
		w->cycle = k;
		return eval_sched(n->body, local, sched_cycle_off(n, k), sched_cycle_steps(n, k),
		                  n->frac ? sched_cycle_T(n, k) : NAN, w, 0);
	}
	}
	UNREACHABLE();
}

static const double *param_values(const LSchedule *s, const double *params, double *buf)
{
	for (int i = 0; i < s->nparam; i++)
		buf[i] = params && !s->param[i].structural ? params[i] : s->param[i].value;
	return buf;
}

double interp_channel(const LSchedule *s, int ch, int64_t step, const double *params)
{
	double buf[s->nparam + 1];
	Walk w = { param_values(s, params, buf), step, -1, 0, 0, 0 };
	return eval_sched(s->channel[ch].sched, step, 0, -1, NAN, &w, 1);
}

void interp_eval(const LSchedule *s, int64_t step, const double *params, anneal_point *out)
{
	double buf[s->nparam + 1];
	const double *pv = param_values(s, params, buf);
	uint64_t events = 0;
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
		out->value[c] = NAN;
	for (int c = 0; c < s->nchannel; c++) {
		Walk w = { pv, step, -1, 0, 0, 0 };
		out->value[s->channel[c].slot] = eval_sched(s->channel[c].sched, step, 0, -1, NAN, &w, 1);
		events |= w.events;
		if (c == s->primary) {
			out->cycle = w.cycle;
			out->phase = w.phase;
			if (w.restart)
				events |= s->restart_mask;
		}
	}
	for (int h = 0; h < s->nhook; h++) {
		const LHook *hk = &s->hook[h];
		if ((hk->event == ANNEAL_EV_EVERY && step > 0 && step % hk->arg == 0) ||
		    (hk->event == ANNEAL_EV_AT && step == hk->arg))
			events |= UINT64_C(1) << h;
	}
	out->events = events;
	out->reserved = 0;
}
