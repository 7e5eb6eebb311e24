/* cg_sched.c: NAME_eval and NAME_fill -- schedule trees as compare trees and per-segment loops. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg.h"

/* A new block at the end of the function being built. */
static LLVMBasicBlockRef block(Cg *g, const char *name)
{
	return LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
}

/* for (i = 0; i < count; i++) { body }, running none when count <= 0:
   loop_open leaves the builder in the body with i its counter, and
   loop_close ends the body (wherever the builder is by then) and leaves the
   builder after the loop. */
typedef struct Loop {
	LLVMValueRef i, count;
	LLVMBasicBlockRef pre, body, done;
} Loop;

static Loop loop_open(Cg *g, LLVMValueRef count, const char *name, const char *done_name)
{
	Loop l = { .count = count, .pre = LLVMGetInsertBlock(g->b), .body = block(g, name), .done = block(g, done_name) };
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, count, cg_i64(g, 0), ""), l.body, l.done);
	LLVMPositionBuilderAtEnd(g->b, l.body);
	l.i = LLVMBuildPhi(g->b, g->i64, "i");
	return l;
}

static void loop_close(Cg *g, const Loop *l)
{
	LLVMValueRef next = LLVMBuildNSWAdd(g->b, l->i, cg_i64(g, 1), "");
	LLVMValueRef in_v[2] = { cg_i64(g, 0), next };
	LLVMBasicBlockRef in_b[2] = { l->pre, LLVMGetInsertBlock(g->b) };
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, next, l->count, ""), l->body, l->done);
	LLVMAddIncoming(l->i, in_v, in_b, 2);
	LLVMPositionBuilderAtEnd(g->b, l->done);
}

/* The event mask and the step counters are i64. */
static LLVMValueRef load64(Cg *g, LLVMValueRef at)
{
	return LLVMBuildLoad2(g->b, g->i64, at, "");
}

/* A balanced tree of compares on the phase starts: O(log nphase) branches to
   the block of the last phase with start <= s. */
static void phase_tree(Cg *g, const LSched *n, LLVMValueRef s, int lo, int hi, LLVMBasicBlockRef *to)
{
	if (hi - lo == 1) {
		LLVMBuildBr(g->b, to[lo]);
		return;
	}
	int mid = lo + (hi - lo) / 2;
	LLVMBasicBlockRef left = block(g, "before"), right = block(g, "from");
	LLVMValueRef below = LLVMBuildICmp(g->b, LLVMIntSLT, s, cg_i64(g, n->phase[mid].start), "");
	LLVMBuildCondBr(g->b, below, left, right);
	LLVMPositionBuilderAtEnd(g->b, left);
	phase_tree(g, n, s, lo, mid, to);
	LLVMPositionBuilderAtEnd(g->b, right);
	phase_tree(g, n, s, mid, hi, to);
}

/* seq = phase ('then' phase)*: a block per phase, reached from s through
   phase_tree; the caller fills each. */
static LLVMBasicBlockRef *phase_blocks(Cg *g, const LSched *n, LLVMValueRef s)
{
	LLVMBasicBlockRef *to = cg_alloc(g, (size_t)n->nphase, sizeof *to);
	for (int i = 0; i < n->nphase; i++)
		to[i] = block(g, "phase");
	phase_tree(g, n, s, 0, n->nphase, to);
	return to;
}

/* The length a phase's body sees: its own, or what is left of L for an open
   last phase (-1 again when L is -1). */
static LLVMValueRef phase_len(Cg *g, const LPhase *ph, LLVMValueRef L)
{
	if (ph->len >= 0)
		return cg_i64(g, ph->len);
	LLVMValueRef bounded = LLVMBuildICmp(g->b, LLVMIntSGE, L, cg_i64(g, 0), "");
	return LLVMBuildSelect(g->b, bounded, LLVMBuildSub(g->b, L, cg_i64(g, ph->start), ""), cg_i64(g, -1),
	                       "len");
}

/* The real length of an open last phase under a real-valued cycle length
   Lf; NULL when the length is whole. */
static LLVMValueRef phase_lenf(Cg *g, const LPhase *ph, LLVMValueRef Lf)
{
	if (ph->len >= 0 || !Lf)
		return NULL;
	return LLVMBuildFSub(g->b, Lf, cg_f64(g, (double)ph->start), "lenf");
}

/* events |= cond ? mask : 0, without a branch. */
static void or_event(Cg *g, LLVMValueRef cond, uint64_t mask)
{
	LLVMValueRef bits = LLVMBuildSelect(g->b, cond, LLVMConstInt(g->i64, mask, 0), cg_i64(g, 0), "");
	LLVMBuildStore(g->b, LLVMBuildOr(g->b, load64(g, g->ev), bits, ""), g->ev);
}

/* Past this many leaves a channel's fill is one scalar loop over the eval
   tree: a loop per leaf would make compile time grow faster than the
   schedule, and the segments of so many phases are short anyway. The
   leaves' expressions of such a channel are outlined (call_expr_fn). A module
   (an object of up to 256 schedules) widens at most MODULE_MAX_LEAF_LOOPS
   leaf loops in all, its first channels', since each costs some 10 ms of
   the vectoriser's and the back end's time: 2,000 phases in short channels
   would take 20 s to compile (bench/limits.py). */
enum { FILL_MAX_LEAVES = 32, MODULE_MAX_LEAF_LOOPS = 256 };

/* A leaf of a channel past FILL_MAX_LEAVES is outlined when it has more
   operations than this, the most kept inline: a constant or `t / T` costs less inline than its
   call, and a channel's function then holds at most 8 operations per phase
   besides its calls. Outlining costs a call per step (1,000 phases of
   linear(...) took 6.6 ns per sequential step outlined, 5.2 inline, before
   such sequences shared their bodies). A long sequence's shared bodies
   (cg_phases.c) are inline whatever their size: each is built once. */
enum { OUTLINE_MAX_INLINE_OPS = 8 };

/* The expressions a channel's fill evaluates: its leaves, plus one for each
   combination's own operation. */
static int leaves(const LSched *n)
{
	switch (n->kind) {
	case SC_LEAF: return 1;
	case SC_COMBINE: {
		int k = 1;
		for (int i = 0; i < n->noperand; i++)
			k += leaves(n->operand[i]);
		return k;
	}
	case SC_RESTARTS: return leaves(n->body);
	case SC_SEQ: {
		int k = 0;
		for (int i = 0; i < n->nphase; i++)
			k += leaves(n->phase[i].body);
		return k;
	}
	}
	UNREACHABLE();
}

/* The enum attribute NAME (nounwind, noalias, ...) on fn at index AT. */
static void add_attr(Cg *g, LLVMValueRef fn, LLVMAttributeIndex at, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
	LLVMAddAttributeAtIndex(fn, at, LLVMCreateEnumAttribute(g->ctx, kind, 0));
}

/* The function being built, set aside while another is built from inside
   it (a leaf loop, a channel, an outlined expression): its function, params
   and builders. Not eval's state (ev, res, primary, outline): channel_fn,
   which sets them, is built from fill only, which reads none of them. */
typedef struct Outer {
	LLVMValueRef fn, params_arg, *pval;
	LLVMBuilderRef ab;
	LLVMBasicBlockRef at;
} Outer;

/* Starts fn, an internal noinline function, from inside the current one. */
static void nested_begin(Cg *g, Outer *o, LLVMValueRef fn, LLVMValueRef params_arg)
{
	int np = g->s->nparam;
	*o = (Outer){ .fn = g->fn, .params_arg = g->params_arg, .ab = g->ab, .at = LLVMGetInsertBlock(g->b) };
	o->pval = cg_alloc(g, (size_t)np, sizeof *o->pval);
	memcpy(o->pval, g->pval, (size_t)np * sizeof *o->pval);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	add_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	add_attr(g, fn, LLVMAttributeFunctionIndex, "noinline");
	g->params_arg = params_arg;
	cg_begin(g, fn, params_arg);
}

/* Back in the function set aside, where its builder was. */
static void nested_end(Cg *g, const Outer *o)
{
	cg_end(g);
	g->fn = o->fn;
	g->params_arg = o->params_arg;
	g->ab = o->ab;
	LLVMPositionBuilderAtEnd(g->b, o->at);
	memcpy(g->pval, o->pval, (size_t)g->s->nparam * sizeof *o->pval);
}

/* A leaf's outlined expression: which of the frame's optional values it
   reads is part of its identity, since one LExpr could sit at two depths. */
typedef struct CgExprFn {
	const LExpr *e;
	unsigned has; /* bit 0 cycle, bit 1 tf, bit 2 Tf */
	LLVMValueRef fn;
} CgExprFn;

/* Which optional values of the frame an outlined expression is built to
   take: its function differs with them, so they are part of its key. */
static unsigned frame_has(const CgFrame *f)
{
	return (f->cycle != NULL) | (f->tf != NULL) << 1 | (f->Tf != NULL) << 2;
}

/* Linear probing from a Fibonacci hash of the expression's address; cap is
   a power of two and the table at most half full, so the loop ends. */
static CgExprFn *exprfn_probe(CgExprFn *t, unsigned cap, const LExpr *e, unsigned has)
{
	unsigned i = (unsigned)((uint64_t)(uintptr_t)e * UINT64_C(0x9e3779b97f4a7c15) >> 32 ^ has);
	for (;; i++)
		if (!t[i & (cap - 1)].e || (t[i & (cap - 1)].e == e && t[i & (cap - 1)].has == has))
			return &t[i & (cap - 1)];
}

/* The slot of (e, has): its function, or empty to fill. */
static CgExprFn *exprfn_slot(Cg *g, const LExpr *e, unsigned has)
{
	if (2 * (g->nexprfn + 1) > g->exprfn_cap) { /* grow: the load stays at most a half */
		unsigned cap = g->exprfn_cap ? 2 * g->exprfn_cap : 64;
		CgExprFn *t = cg_alloc(g, cap, sizeof *t);
		for (unsigned i = 0; i < g->exprfn_cap; i++)
			if (g->exprfn[i].e)
				*exprfn_probe(t, cap, g->exprfn[i].e, g->exprfn[i].has) = g->exprfn[i];
		g->exprfn = t; /* the old table stays in the scratch arena: a sum of halves */
		g->exprfn_cap = cap;
	}
	return exprfn_probe(g->exprfn, g->exprfn_cap, e, has);
}

/* double NAME_expr(t, T, step, cycle, tf, Tf, params): one leaf's value,
   built once per schedule and module and called from NAME_eval and
   NAME_chan. A channel of many phases inlined into one function would make
   the back end's whole-function passes (register allocation, tail merging)
   cost more than linear time in its phases: 16 channels of 125 phases of
   some 50 operations took 13 s to compile (bench/limits.py). */
static LLVMValueRef call_expr_fn(Cg *g, const LExpr *e, const CgFrame *at)
{
	unsigned has = frame_has(at);
	CgExprFn *slot = exprfn_slot(g, e, has);
	if (!slot->e) {
		LLVMTypeRef args[] = { g->i64, g->i64, g->i64, g->i64, g->f64, g->f64, g->f64ptr };
		char name[strlen(g->sym) + 8];
		snprintf(name, sizeof name, "%s_expr", g->sym);
		LLVMValueRef fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->f64, args, 7, 0));
		Outer o;
		nested_begin(g, &o, fn, LLVMGetParam(fn, 6));
		CgFrame f = { .t = LLVMGetParam(fn, 0), .T = LLVMGetParam(fn, 1), .step = LLVMGetParam(fn, 2),
			      .cycle = has & 1 ? LLVMGetParam(fn, 3) : NULL,
			      .tf = has & 2 ? LLVMGetParam(fn, 4) : NULL,
			      .Tf = has & 4 ? LLVMGetParam(fn, 5) : NULL };
		LLVMBuildRet(g->b, cg_expr(g, e, &f));
		nested_end(g, &o);
		*slot = (CgExprFn){ .e = e, .has = has, .fn = fn };
		g->nexprfn++;
	}
	LLVMValueRef args[] = { at->t, at->T, at->step, at->cycle ? at->cycle : cg_i64(g, 0),
		                at->tf ? at->tf : cg_f64(g, 0), at->Tf ? at->Tf : cg_f64(g, 0), g->params_arg };
	return LLVMBuildCall2(g->b, LLVMGlobalGetValueType(slot->fn), slot->fn, args, 7, "");
}

void cg_sched_reset(Cg *g)
{
	g->ntable = 0;
	g->table = NULL;
	g->nphases = 0;
	g->phases = NULL;
	g->nexprfn = g->exprfn_cap = 0;
	g->exprfn = NULL;
}

static void eval_node(Cg *g, const LSched *n, LLVMValueRef s, LLVMValueRef sf, LLVMValueRef L, LLVMValueRef Lf,
                      LLVMValueRef cycle, LLVMValueRef step, int top);

/* Cycle k (an i64) of a restarts or a cycles list at its local step: the restart
   event at its first step from k = 1 on, and the primary channel's cycle.
   Returns k, the cycle its body sees. */
static LLVMValueRef enter_cycle(Cg *g, LLVMValueRef k, LLVMValueRef local)
{
	if (!g->primary)
		return k;
	if (g->s->restart_mask) {
		LLVMValueRef later = LLVMBuildICmp(g->b, LLVMIntSGE, k, cg_i64(g, 1), "");
		LLVMValueRef first = LLVMBuildICmp(g->b, LLVMIntEQ, local, cg_i64(g, 0), "");
		or_event(g, LLVMBuildAnd(g->b, later, first, ""), g->s->restart_mask);
	}
	LLVMBuildStore(g->b, k, g->cyc);
	return k;
}

/* One template's body for phase i (an i64) of a long sequence p, at local
   step local with its length len. */
static void eval_template(Cg *g, const CgPhases *p, const CgTemplate *t, LLVMValueRef i, LLVMValueRef local,
                          LLVMValueRef sf, LLVMValueRef len, LLVMValueRef L, LLVMValueRef Lf, LLVMValueRef cycle,
                          LLVMValueRef step)
{
	LLVMValueRef lenf = NULL;
	if (t->open) {
		len = phase_len(g, t->open, L);
		lenf = phase_lenf(g, t->open, Lf);
	}
	if (t->body->kind != SC_LEAF) {
		eval_node(g, t->body, local, sf, len, lenf, cycle, step, 0);
		return;
	}
	CgFrame f = { .t = local, .T = len, .step = step, .cycle = cycle, .tf = sf, .Tf = lenf };
	if (t->ncol > 0) {
		/* its row: by the phase's rank among the template's, loaded only here */
		LLVMValueRef rank = p->rank ? cg_i32_at(g, p->rank, p->nphase, i) : i;
		LLVMValueRef at[2] = { cg_i64(g, 0), LLVMBuildMul(g->b, rank, cg_i64(g, t->ncol), "") };
		LLVMTypeRef ty = LLVMArrayType(g->f64, (unsigned)t->nmember * (unsigned)t->ncol);
		f.nums = LLVMBuildInBoundsGEP2(g->b, ty, t->nums, at, 2, "row");
		f.num_col = t->col;
		LLVMBuildStore(g->b, cg_expr(g, t->body->leaf, &f), g->res);
		return;
	}
	/* A body of its own: outlined past FILL_MAX_LEAVES leaves, as any leaf. */
	int outline = g->outline && t->body->leaf->size > OUTLINE_MAX_INLINE_OPS;
	LLVMBuildStore(g->b, outline ? call_expr_fn(g, t->body->leaf, &f) : cg_expr(g, t->body->leaf, &f), g->res);
}

/* A sequence of CG_PHASES_MIN phases or more: its phase and that phase's
   entries from cg_phases' tables, then its template's body -- a switch only
   when the phases have more than one. */
static void eval_long_seq(Cg *g, const LSched *n, LLVMValueRef s, LLVMValueRef sf, LLVMValueRef L, LLVMValueRef Lf,
                          LLVMValueRef cycle, LLVMValueRef step, int top)
{
	LLVMBuilderRef b = g->b;
	const CgPhases *p = cg_phases(g, n);
	LLVMValueRef i = cg_phases_find(g, p, s);
	LLVMValueRef start = cg_i64_at(g, p->start, p->nphase + p->nsearch, i);
	LLVMValueRef local = LLVMBuildSub(b, s, start, "local");
	LLVMValueRef len = cg_i64_at(g, p->len, p->nphase, i); /* the open last phase's template takes its own */
	if (p->enter) {
		LLVMValueRef first = LLVMBuildICmp(b, LLVMIntEQ, local, cg_i64(g, 0), "");
		LLVMValueRef bits = LLVMBuildSelect(b, first, cg_i64_at(g, p->enter, p->nphase, i), cg_i64(g, 0), "");
		LLVMBuildStore(b, LLVMBuildOr(b, load64(g, g->ev), bits, ""), g->ev);
	}
	if (n->cycle_list)
		cycle = enter_cycle(g, i, local);
	else if (top && g->primary) {
		LLVMValueRef index = p->index ? cg_i32_at(g, p->index, p->nphase, i) : i;
		LLVMBuildStore(b, LLVMBuildTrunc(b, index, g->i32, ""), g->phase);
	}
	if (p->ntemplate == 1) {
		eval_template(g, p, &p->template[0], i, local, sf, len, L, Lf, cycle, step);
		return;
	}
	LLVMValueRef which = LLVMBuildTrunc(b, cg_i32_at(g, p->template_of, p->nphase, i), g->i32, "");
	LLVMBasicBlockRef done = block(g, "seq.done");
	LLVMBasicBlockRef *to = cg_alloc(g, (size_t)p->ntemplate, sizeof *to);
	for (int t = 0; t < p->ntemplate; t++)
		to[t] = block(g, "template");
	LLVMValueRef sw = LLVMBuildSwitch(b, which, to[0], (unsigned)p->ntemplate - 1);
	for (int t = 1; t < p->ntemplate; t++)
		LLVMAddCase(sw, LLVMConstInt(g->i32, (unsigned)t, 0), to[t]);
	for (int t = 0; t < p->ntemplate; t++) {
		LLVMPositionBuilderAtEnd(b, to[t]);
		eval_template(g, p, &p->template[t], i, local, sf, len, L, Lf, cycle, step);
		LLVMBuildBr(b, done);
	}
	LLVMPositionBuilderAtEnd(b, done);
}

/* node at local step s with length L: the value into g->res, the enter and
   restart events into g->ev, the primary channel's phase and cycle. */
static void eval_node(Cg *g, const LSched *n, LLVMValueRef s, LLVMValueRef sf, LLVMValueRef L, LLVMValueRef Lf,
                      LLVMValueRef cycle, LLVMValueRef step, int top)
{
	switch (n->kind) {
	case SC_LEAF: {
		CgFrame f = { .t = s, .T = L, .step = step, .cycle = cycle, .tf = sf, .Tf = Lf };
		int outline = g->outline && n->leaf->size > OUTLINE_MAX_INLINE_OPS;
		LLVMBuildStore(g->b, outline ? call_expr_fn(g, n->leaf, &f) : cg_expr(g, n->leaf, &f), g->res);
		return;
	}
	case SC_SEQ: {
		if (n->nphase >= CG_PHASES_MIN) {
			eval_long_seq(g, n, s, sf, L, Lf, cycle, step, top);
			return;
		}
		LLVMBasicBlockRef *to = phase_blocks(g, n, s);
		LLVMBasicBlockRef done = block(g, "seq.done");
		for (int i = 0; i < n->nphase; i++) {
			const LPhase *ph = &n->phase[i];
			LLVMPositionBuilderAtEnd(g->b, to[i]);
			LLVMValueRef local = LLVMBuildSub(g->b, s, cg_i64(g, ph->start), "local");
			if (ph->enter_mask)
				or_event(g, LLVMBuildICmp(g->b, LLVMIntEQ, local, cg_i64(g, 0), ""), ph->enter_mask);
			LLVMValueRef ph_cycle = cycle;
			if (n->cycle_list)
				ph_cycle = enter_cycle(g, cg_i64(g, i), local);
			else if (top && g->primary)
				LLVMBuildStore(g->b, LLVMConstInt(g->i32, (unsigned)ph->index, 0), g->phase);
			eval_node(g, ph->body, local, sf, phase_len(g, ph, L), phase_lenf(g, ph, Lf), ph_cycle, step, 0);
			LLVMBuildBr(g->b, done);
		}
		LLVMPositionBuilderAtEnd(g->b, done);
		return;
	}
	case SC_COMBINE: {
		/* The last operand first, as interp.c: the first one's phase and cycle stay. */
		LLVMValueRef *v = cg_alloc(g, (size_t)n->noperand, sizeof *v);
		for (int i = n->noperand - 1; i >= 0; i--) {
			eval_node(g, n->operand[i], s, sf, L, Lf, cycle, step, top);
			v[i] = LLVMBuildLoad2(g->b, g->f64, g->res, "operand");
		}
		CgFrame f = { .t = s, .T = L, .step = step, .cycle = cycle, .tf = sf, .Tf = Lf, .operand = v };
		LLVMBuildStore(g->b, cg_expr(g, n->leaf, &f), g->res);
		return;
	}
	case SC_RESTARTS: {
		CgCycle c;
		cg_cycle(g, &n->cycles, s, &c);
		LLVMValueRef local = LLVMBuildSub(g->b, s, c.start, "local");
		eval_node(g, n->body, local, c.off, c.len, c.T, enter_cycle(g, c.k, local), step, 0);
		return;
	}
	}
	UNREACHABLE();
}

/* The function SYM SUFFIX (NAME_eval, NAME_fill, ...): the host calls it
   from C, and nothing in it unwinds. */
static LLVMValueRef add_function(Cg *g, const char *suffix, LLVMTypeRef ty)
{
	char name[strlen(g->sym) + strlen(suffix) + 1];
	snprintf(name, sizeof name, "%s%s", g->sym, suffix);
	LLVMValueRef fn = LLVMAddFunction(g->mod, name, ty);
	add_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	return fn;
}

/* &out->FIELD (has_j 0) or &out->FIELD[j] in an anneal_point, FIELD
   named by its CG_POINT_* index. */
static LLVMValueRef field(Cg *g, LLVMValueRef out, unsigned i, unsigned j, int has_j)
{
	LLVMValueRef idx[3] = { LLVMConstInt(g->i32, 0, 0), LLVMConstInt(g->i32, i, 0), cg_i64(g, j) };
	return LLVMBuildInBoundsGEP2(g->b, g->point, out, idx, has_j ? 3 : 2, "");
}

/* NAME_eval(step, params, out): interp_eval's walk, one channel after the
   other, with every branch decided by integer compares. */
LLVMValueRef cg_eval_fn(Cg *g)
{
	const LSchedule *s = g->s;
	LLVMValueRef fn = add_function(g, "_eval", g->eval_ty);
	add_attr(g, fn, 3, "noalias");
	LLVMValueRef step = LLVMGetParam(fn, 0), out = LLVMGetParam(fn, 2);
	g->params_arg = LLVMGetParam(fn, 1);
	cg_begin(g, fn, g->params_arg);
	g->ev = cg_alloca(g, g->i64, "events");
	g->cyc = cg_alloca(g, g->i64, "cycle");
	g->phase = cg_alloca(g, g->i32, "phase");
	g->res = cg_alloca(g, g->f64, "value");
	LLVMBuildStore(g->b, cg_i64(g, 0), g->ev);
	LLVMBuildStore(g->b, cg_i64(g, -1), g->cyc);
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, 0, 0), g->phase);

	uint32_t defined = 0;
	for (int c = 0; c < s->nchannel; c++)
		defined |= UINT32_C(1) << s->channel[c].slot;
	for (unsigned slot = 0; slot < ANNEAL_MAX_CHANNELS; slot++)
		if (!(defined & (UINT32_C(1) << slot)))
			LLVMBuildStore(g->b, cg_f64(g, NAN), field(g, out, CG_POINT_VALUE, slot, 1));
	for (int c = 0; c < s->nchannel; c++) {
		g->primary = c == s->primary;
		g->outline = leaves(s->channel[c].sched) > FILL_MAX_LEAVES;
		eval_node(g, s->channel[c].sched, step, NULL, cg_i64(g, -1), NULL, NULL, step, 1);
		LLVMValueRef v = LLVMBuildLoad2(g->b, g->f64, g->res, s->channel[c].name);
		LLVMBuildStore(g->b, v, field(g, out, CG_POINT_VALUE, (unsigned)s->channel[c].slot, 1));
	}
	g->primary = g->outline = 0;
	for (int h = 0; h < s->nhook; h++) {
		const LHook *hk = &s->hook[h];
		LLVMValueRef hit;
		if (hk->event == ANNEAL_EV_EVERY && hk->arg > 0) {
			LLVMValueRef rem = LLVMBuildSRem(g->b, step, cg_i64(g, hk->arg), "");
			hit = LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, step, cg_i64(g, 0), ""),
			                   LLVMBuildICmp(g->b, LLVMIntEQ, rem, cg_i64(g, 0), ""), "");
		} else if (hk->event == ANNEAL_EV_AT) {
			hit = LLVMBuildICmp(g->b, LLVMIntEQ, step, cg_i64(g, hk->arg), "");
		} else {
			continue;
		}
		or_event(g, hit, UINT64_C(1) << h);
	}
	LLVMBuildStore(g->b, load64(g, g->ev), field(g, out, CG_POINT_EVENTS, 0, 0));
	LLVMBuildStore(g->b, load64(g, g->cyc), field(g, out, CG_POINT_CYCLE, 0, 0));
	LLVMBuildStore(g->b, LLVMBuildLoad2(g->b, g->i32, g->phase, ""), field(g, out, CG_POINT_PHASE, 0, 0));
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, 0, 0), field(g, out, CG_POINT_RESERVED, 0, 0));
	LLVMBuildRetVoid(g->b);
	cg_end(g);
	return fn;
}

/* The loop state of one SEQ or RESTARTS level of a fill: the local step
   reached, the steps left and the offset into out. */
typedef struct Seg {
	LLVMValueRef s, left, pos;
	LLVMBasicBlockRef head, done;
} Seg;

static void fill_node(Cg *g, const LSched *n, LLVMValueRef s0, LLVMValueRef sf, LLVMValueRef cnt, LLVMValueRef L,
                      LLVMValueRef Lf, LLVMValueRef step0, LLVMValueRef out, LLVMValueRef cycle);

/* while (left > 0) { s = the local step reached; ... } */
static LLVMValueRef seg_open(Cg *g, Seg *q, LLVMValueRef s0, LLVMValueRef cnt)
{
	q->s = cg_alloca(g, g->i64, "seg.s");
	q->left = cg_alloca(g, g->i64, "seg.left");
	q->pos = cg_alloca(g, g->i64, "seg.pos");
	LLVMBuildStore(g->b, s0, q->s);
	LLVMBuildStore(g->b, cnt, q->left);
	LLVMBuildStore(g->b, cg_i64(g, 0), q->pos);
	q->head = block(g, "seg.head");
	q->done = block(g, "seg.done");
	LLVMBasicBlockRef body = block(g, "seg.body");
	LLVMBuildBr(g->b, q->head);
	LLVMPositionBuilderAtEnd(g->b, q->head);
	LLVMValueRef more = LLVMBuildICmp(g->b, LLVMIntSGT, load64(g, q->left), cg_i64(g, 0), "");
	LLVMBuildCondBr(g->b, more, body, q->done);
	LLVMPositionBuilderAtEnd(g->b, body);
	return load64(g, q->s);
}

/* One segment of n steps through body at local step local with length L. */
static void seg_run(Cg *g, Seg *q, const LSched *body, LLVMValueRef local, LLVMValueRef sf, LLVMValueRef n,
                    LLVMValueRef L, LLVMValueRef Lf, LLVMValueRef step0, LLVMValueRef out, LLVMValueRef cycle)
{
	LLVMValueRef pos = load64(g, q->pos);
	LLVMValueRef at = LLVMBuildInBoundsGEP2(g->b, g->f64, out, &pos, 1, "");
	fill_node(g, body, local, sf, n, L, Lf, LLVMBuildNSWAdd(g->b, step0, pos, ""), at, cycle);
	/* Wrapping, not NSW: after the last segment of a fill ending at step
	   INT64_MAX, s reaches 2^63, never read again since left is 0. */
	LLVMBuildStore(g->b, LLVMBuildAdd(g->b, load64(g, q->s), n, ""), q->s);
	LLVMBuildStore(g->b, LLVMBuildNSWSub(g->b, load64(g, q->left), n, ""), q->left);
	LLVMBuildStore(g->b, LLVMBuildNSWAdd(g->b, load64(g, q->pos), n, ""), q->pos);
	LLVMBuildBr(g->b, q->head);
}

/* A leaf over a segment is one counted loop with no calls but math, so
   LLVM's loop vectoriser widens it (vector math through libmvec). Each leaf
   loop is a function of its own: loop passes cost more than linear time in
   the loops of one function, and a 1,000-phase sequence has 1,000 leaves. */
static LLVMValueRef leaf_fn(Cg *g, const LExpr *e, int has_cycle, int has_tf, int has_Tf)
{
	LLVMTypeRef args[] = { g->i64, g->i64, g->i64, g->i64, g->f64ptr, g->i64, g->f64ptr, g->f64, g->f64 };
	LLVMTypeRef ty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), args, 9, 0);
	char name[strlen(g->sym) + 8];
	snprintf(name, sizeof name, "%s_leaf", g->sym);
	LLVMValueRef fn = LLVMAddFunction(g->mod, name, ty);
	add_attr(g, fn, 5, "noalias");
	Outer o;
	nested_begin(g, &o, fn, LLVMGetParam(fn, 6));
	LLVMValueRef s0 = LLVMGetParam(fn, 0), cnt = LLVMGetParam(fn, 1), out = LLVMGetParam(fn, 4);
	Loop l = loop_open(g, cnt, "leaf", "leaf.done");
	CgFrame f = { .t = LLVMBuildNSWAdd(g->b, s0, l.i, "t"),
		      .T = LLVMGetParam(fn, 2),
		      .step = LLVMBuildNSWAdd(g->b, LLVMGetParam(fn, 3), l.i, "step"),
		      .cycle = has_cycle ? LLVMGetParam(fn, 5) : NULL,
		      .tf = has_tf ? LLVMGetParam(fn, 7) : NULL,
		      .Tf = has_Tf ? LLVMGetParam(fn, 8) : NULL };
	LLVMValueRef v = cg_expr(g, e, &f);
	LLVMBuildStore(g->b, v, LLVMBuildInBoundsGEP2(g->b, g->f64, out, &l.i, 1, ""));
	loop_close(g, &l);
	LLVMBuildRetVoid(g->b);
	nested_end(g, &o);
	return fn;
}

static void fill_leaf(Cg *g, const LExpr *e, LLVMValueRef s0, LLVMValueRef sf, LLVMValueRef cnt, LLVMValueRef L,
                      LLVMValueRef Lf, LLVMValueRef step0, LLVMValueRef out, LLVMValueRef cycle)
{
	LLVMValueRef fn = leaf_fn(g, e, cycle != NULL, sf != NULL, Lf != NULL);
	LLVMValueRef args[] = { s0, cnt, L, step0, out, cycle ? cycle : cg_i64(g, 0), g->params_arg,
		                sf ? sf : cg_f64(g, 0), Lf ? Lf : cg_f64(g, 0) };
	LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, 9, "");
}

/* node over local steps s0 .. s0+cnt-1 into out[0 .. cnt-1]: split at phase
   and cycle boundaries, each segment filled by its leaf's loop. */
static void fill_node(Cg *g, const LSched *n, LLVMValueRef s0, LLVMValueRef sf, LLVMValueRef cnt, LLVMValueRef L,
                      LLVMValueRef Lf, LLVMValueRef step0, LLVMValueRef out, LLVMValueRef cycle)
{
	Seg q;
	switch (n->kind) {
	case SC_LEAF:
		fill_leaf(g, n->leaf, s0, sf, cnt, L, Lf, step0, out, cycle);
		return;
	case SC_SEQ: {
		LLVMValueRef s = seg_open(g, &q, s0, cnt);
		LLVMBasicBlockRef *to = phase_blocks(g, n, s);
		for (int i = 0; i < n->nphase; i++) {
			const LPhase *ph = &n->phase[i];
			LLVMPositionBuilderAtEnd(g->b, to[i]);
			LLVMValueRef left = load64(g, q.left);
			LLVMValueRef len = left;
			if (i + 1 < n->nphase)
				len = cg_smin(g, left, LLVMBuildSub(g->b, cg_i64(g, n->phase[i + 1].start), s, ""));
			LLVMValueRef local = LLVMBuildSub(g->b, s, cg_i64(g, ph->start), "local");
			seg_run(g, &q, ph->body, local, sf, len, phase_len(g, ph, L), phase_lenf(g, ph, Lf), step0, out,
			        n->cycle_list ? cg_i64(g, i) : cycle);
		}
		break;
	}
	case SC_RESTARTS: {
		LLVMValueRef s = seg_open(g, &q, s0, cnt);
		CgCycle c;
		cg_cycle(g, &n->cycles, s, &c);
		/* next is INT64_MAX when no cycle follows, which is then s itself
		   at the last step there is: at least one step, or no progress. */
		LLVMValueRef to_next = LLVMBuildSub(g->b, c.next, s, "");
		LLVMValueRef one = cg_i64(g, 1);
		to_next = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, to_next, one, ""), one, to_next, "");
		LLVMValueRef len = cg_smin(g, load64(g, q.left), to_next);
		LLVMValueRef local = LLVMBuildSub(g->b, s, c.start, "local");
		seg_run(g, &q, n->body, local, c.off, len, c.len, c.T, step0, out, c.k);
		break;
	}
	case SC_COMBINE: UNREACHABLE(); /* its channel fills by fill_scalar */
	}
	LLVMPositionBuilderAtEnd(g->b, q.done);
}

/* Whether n combines sequences somewhere: its operands' segments do not
   line up, so its channel fills one step at a time (fill_scalar). */
static int combines(const LSched *n)
{
	switch (n->kind) {
	case SC_LEAF: return 0;
	case SC_COMBINE: return 1;
	case SC_RESTARTS: return combines(n->body);
	case SC_SEQ:
		for (int i = 0; i < n->nphase; i++)
			if (combines(n->phase[i].body))
				return 1;
		return 0;
	}
	UNREACHABLE();
}

/* double NAME_chan(step, params): one channel at one step through
   eval_node, its events into a scratch mask nobody reads. A function of its
   own, so the loop calling it stays small for the loop passes. */
static LLVMValueRef channel_fn(Cg *g, const LSched *n)
{
	LLVMTypeRef args[] = { g->i64, g->f64ptr };
	LLVMTypeRef ty = LLVMFunctionType(g->f64, args, 2, 0);
	char name[strlen(g->sym) + 8];
	snprintf(name, sizeof name, "%s_chan", g->sym);
	LLVMValueRef fn = LLVMAddFunction(g->mod, name, ty);
	Outer o;
	nested_begin(g, &o, fn, LLVMGetParam(fn, 1));
	g->ev = cg_alloca(g, g->i64, "events");
	g->res = cg_alloca(g, g->f64, "value");
	g->primary = 0;
	g->outline = leaves(n) > FILL_MAX_LEAVES;
	LLVMBuildStore(g->b, cg_i64(g, 0), g->ev);
	LLVMValueRef step = LLVMGetParam(fn, 0);
	eval_node(g, n, step, NULL, cg_i64(g, -1), NULL, NULL, step, 1);
	LLVMBuildRet(g->b, LLVMBuildLoad2(g->b, g->f64, g->res, ""));
	g->outline = 0;
	nested_end(g, &o);
	return fn;
}

/* for (i = 0; i < count; i++) out[i] = NAME_chan(first + i, params) */
static void fill_scalar(Cg *g, const LSched *n, LLVMValueRef first, LLVMValueRef count, LLVMValueRef out)
{
	LLVMValueRef fn = channel_fn(g, n);
	Loop l = loop_open(g, count, "scalar", "scalar.done");
	LLVMValueRef args[2] = { LLVMBuildNSWAdd(g->b, first, l.i, "step"), g->params_arg };
	LLVMValueRef v = LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, 2, "");
	LLVMBuildStore(g->b, v, LLVMBuildInBoundsGEP2(g->b, g->f64, out, &l.i, 1, ""));
	loop_close(g, &l);
}

/* NAME_fill at -O0, where compile time is what counts: NAME_eval per step
   into a scratch point, the requested slot copied out (NaN where undefined). */
static LLVMValueRef fill_by_eval(Cg *g, LLVMValueRef eval)
{
	LLVMValueRef fn = add_function(g, "_fill", g->fill_ty);
	add_attr(g, fn, 5, "noalias");
	LLVMValueRef first = LLVMGetParam(fn, 0), count = LLVMGetParam(fn, 1);
	LLVMValueRef channel = LLVMGetParam(fn, 3), out = LLVMGetParam(fn, 4);
	g->fn = fn;
	LLVMPositionBuilderAtEnd(g->b, block(g, "entry"));
	LLVMValueRef pt = LLVMBuildAlloca(g->b, g->point, "point");
	Loop l = loop_open(g, count, "loop", "done");
	LLVMValueRef args[3] = { LLVMBuildNSWAdd(g->b, first, l.i, "step"), LLVMGetParam(fn, 2), pt };
	LLVMBuildCall2(g->b, g->eval_ty, eval, args, 3, "");
	LLVMValueRef idx[3] = { LLVMConstInt(g->i32, 0, 0), LLVMConstInt(g->i32, CG_POINT_VALUE, 0),
		                LLVMBuildZExt(g->b, channel, g->i64, "") };
	LLVMValueRef in_range = LLVMBuildICmp(g->b, LLVMIntULT, channel, LLVMConstInt(g->i32, ANNEAL_MAX_CHANNELS, 0), "");
	idx[2] = LLVMBuildSelect(g->b, in_range, idx[2], cg_i64(g, 0), "");
	LLVMValueRef v = LLVMBuildLoad2(g->b, g->f64, LLVMBuildInBoundsGEP2(g->b, g->point, pt, idx, 3, ""), "");
	v = LLVMBuildSelect(g->b, in_range, v, cg_f64(g, NAN), "");
	LLVMBuildStore(g->b, v, LLVMBuildInBoundsGEP2(g->b, g->f64, out, &l.i, 1, ""));
	loop_close(g, &l);
	LLVMBuildRetVoid(g->b);
	g->fn = NULL;
	return fn;
}

/* NAME_fill(first, count, params, channel, out): a switch on the channel
   slot; an undefined slot fills NaN, as NAME_eval reports it. */
LLVMValueRef cg_fill_fn(Cg *g, LLVMValueRef eval)
{
	const LSchedule *s = g->s;
	if (g->fill_by_eval)
		return fill_by_eval(g, eval);
	LLVMValueRef fn = add_function(g, g->fill_suffix ? g->fill_suffix : "_fill", g->fill_ty);
	add_attr(g, fn, 5, "noalias");
	LLVMValueRef first = LLVMGetParam(fn, 0), count = LLVMGetParam(fn, 1);
	LLVMValueRef channel = LLVMGetParam(fn, 3), out = LLVMGetParam(fn, 4);
	g->params_arg = LLVMGetParam(fn, 2);
	cg_begin(g, fn, g->params_arg);
	LLVMBasicBlockRef undefined = block(g, "undefined");
	LLVMValueRef sw = LLVMBuildSwitch(g->b, channel, undefined, (unsigned)s->nchannel);
	for (int c = 0; c < s->nchannel; c++) {
		LLVMBasicBlockRef bb = block(g, s->channel[c].name);
		LLVMAddCase(sw, LLVMConstInt(g->i32, (unsigned)s->channel[c].slot, 0), bb);
		LLVMPositionBuilderAtEnd(g->b, bb);
		int nleaf = leaves(s->channel[c].sched);
		if (nleaf <= FILL_MAX_LEAVES && g->leaf_loops + nleaf <= MODULE_MAX_LEAF_LOOPS &&
		    !combines(s->channel[c].sched)) {
			g->leaf_loops += nleaf;
			fill_node(g, s->channel[c].sched, first, NULL, count, cg_i64(g, -1), NULL, first, out, NULL);
		} else
			fill_scalar(g, s->channel[c].sched, first, count, out);
		LLVMBuildRetVoid(g->b);
	}
	LLVMPositionBuilderAtEnd(g->b, undefined);
	LExpr nan = { .kind = EX_NUM, .num = NAN };
	fill_leaf(g, &nan, first, NULL, count, cg_i64(g, -1), NULL, first, out, NULL);
	LLVMBuildRetVoid(g->b);
	cg_end(g);
	return fn;
}

/* NAME_fill in the JIT when the real one is compiled on first use (jit.c):
   call *slot when it is set, else resolve(ctx, ...), which compiles it and
   sets *slot. slot, ctx and resolve are addresses in this process. */
LLVMValueRef cg_fill_stub(Cg *g, uint64_t slot, uint64_t ctx, uint64_t resolve)
{
	LLVMValueRef fn = add_function(g, "_fill", g->fill_ty);
	g->fn = fn;
	LLVMBasicBlockRef entry = block(g, "entry"), fast = block(g, "compiled"), slow = block(g, "first");
	LLVMPositionBuilderAtEnd(g->b, entry);
	LLVMTypeRef fill_ptr = LLVMPointerType(g->fill_ty, 0);
	LLVMValueRef at = LLVMConstIntToPtr(LLVMConstInt(g->i64, slot, 0), LLVMPointerType(fill_ptr, 0));
	LLVMValueRef target = LLVMBuildLoad2(g->b, fill_ptr, at, "impl");
	LLVMSetOrdering(target, LLVMAtomicOrderingAcquire);
	LLVMSetAlignment(target, sizeof(void *));
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, target, LLVMConstNull(fill_ptr), ""), slow, fast);
	LLVMValueRef args[6];
	for (unsigned i = 0; i < 5; i++)
		args[i + 1] = LLVMGetParam(fn, i);
	LLVMPositionBuilderAtEnd(g->b, fast);
	LLVMBuildCall2(g->b, g->fill_ty, target, args + 1, 5, "");
	LLVMBuildRetVoid(g->b);
	LLVMPositionBuilderAtEnd(g->b, slow);
	LLVMTypeRef rargs[] = { g->ptr, g->i64, g->i64, g->f64ptr, g->i32, g->f64ptr };
	LLVMTypeRef rty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), rargs, 6, 0);
	LLVMValueRef rfn = LLVMConstIntToPtr(LLVMConstInt(g->i64, resolve, 0), LLVMPointerType(rty, 0));
	args[0] = LLVMConstIntToPtr(LLVMConstInt(g->i64, ctx, 0), g->ptr);
	LLVMBuildCall2(g->b, rty, rfn, args, 6, "");
	LLVMBuildRetVoid(g->b);
	g->fn = NULL;
	return fn;
}
