/* interp.c: the reference interpreter over the lowered form -- the oracle every compiled path must match. */
#include <math.h>

#include "annealc_int.h"

/* What evaluating one channel at one step found out besides its value. */
typedef struct Walk {
	const double *params;
	int64_t step;
	int64_t cycle;   /* the cycle of the restarts or cycles list around what is being evaluated, -1 outside */
	int64_t reported; /* the cycle of the last restarts or cycles list reached, as codegen's store of it: anneal_point.cycle */
	int32_t phase;   /* top-level phase index */
	int restart;     /* a restarts or cycles list on the path is at the first step of cycle >= 1 */
	uint64_t events; /* enter hooks met */
} Walk;

typedef struct Frame {
	double t, T;
	const double *operand; /* SC_COMBINE's operands' values */
} Frame;

static double eval_expr(const LExpr *e, const Frame *f, const Walk *w)
{
	if (e->kind == EX_IF)
		return eval_expr(e->a, f, w) != 0 ? eval_expr(e->b, f, w) : eval_expr(e->c, f, w);
	double a = 0, b = 0;
	int arity = ops_arity[e->kind];
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
	case EX_OPERAND: return f->operand[e->operand];
	default: return ops_apply(e->kind, a, b);
	}
}

double interp_const(const LExpr *e)
{
	static const Frame none;
	static const Walk outside = { .cycle = -1 };
	return eval_expr(e, &none, &outside);
}

/* n at local step s + sf (sf: the fraction a real-valued cycle start adds
   to t, 0 otherwise) with allotted length len, or the real length lenf
   when that is not NaN. Phases start at whole steps, so the integer part
   alone picks them; a nested restarts counts whole steps from its start
   and leaves sf behind. */
static double eval_sched(const LSched *n, int64_t s, double sf, int64_t len, double lenf, Walk *w, int top)
{
	switch (n->kind) {
	case SC_LEAF: {
		Frame f = { (double)s + sf, isnan(lenf) ? (double)len : lenf, NULL };
		return eval_expr(n->leaf, &f, w);
	}
	case SC_COMBINE: {
		/* The last operand first: the first one's phase and cycle are reported. */
		double v[n->noperand];
		for (int i = n->noperand - 1; i >= 0; i--)
			v[i] = eval_sched(n->operand[i], s, sf, len, lenf, w, top);
		Frame f = { (double)s + sf, isnan(lenf) ? (double)len : lenf, v };
		return eval_expr(n->leaf, &f, w);
	}
	case SC_SEQ: {
		int i = n->nphase - 1;
		while (i > 0 && n->phase[i].start > s)
			i--;
		const LPhase *ph = &n->phase[i];
		int64_t local = s - ph->start;
		int64_t plen = ph->len >= 0 ? ph->len : len >= 0 ? len - ph->start : -1;
		double plenf = ph->len >= 0 || isnan(lenf) ? NAN : lenf - (double)ph->start;
		if (local == 0)
			w->events |= ph->enter_mask;
		if (!n->cycle_list) {
			if (top)
				w->phase = ph->index;
			return eval_sched(ph->body, local, sf, plen, plenf, w, 0);
		}
		if (i >= 1 && local == 0)
			w->restart = 1;
		int64_t outer = w->cycle;
		w->cycle = w->reported = i;
		double v = eval_sched(ph->body, local, sf, plen, plenf, w, 0);
		w->cycle = outer;
		return v;
	}
	case SC_RESTARTS: {
		const LCycles *cy = &n->cycles;
		int64_t k = cycles_index(cy, s);
		int64_t local = s - cycles_start(cy, k);
		if (k >= 1 && local == 0)
			w->restart = 1;
		int64_t outer = w->cycle;
		w->cycle = w->reported = k;
		double v = eval_sched(n->body, local, cycles_offset(cy, k), cycles_steps(cy, k),
		                      cycles_real(cy) ? cycles_T(cy, k) : NAN, w, 0);
		w->cycle = outer; /* for a combination's other operands and its expression */
		return v;
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
	Walk w = { .params = param_values(s, params, buf), .step = step, .cycle = -1, .reported = -1 };
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
		Walk w = { .params = pv, .step = step, .cycle = -1, .reported = -1 };
		out->value[s->channel[c].slot] = eval_sched(s->channel[c].sched, step, 0, -1, NAN, &w, 1);
		events |= w.events;
		if (c == s->primary) {
			out->cycle = w.reported;
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
