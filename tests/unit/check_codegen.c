/* check_codegen.c: JIT'd NAME_eval, NAME_fill and NAME_desc against the reference interpreter, on hand-built schedules. */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "cg.h"
#include "ulps.h"
#include "lib_util.h"

static Arena A;

static LExpr *ex(LExprKind k, LExpr *a, LExpr *b, LExpr *c)
{
	LExpr *e = arena_alloc(&A, sizeof *e);
	e->kind = k;
	e->a = a;
	e->b = b;
	e->c = c;
	return e;
}

static LExpr *num(double v)
{
	LExpr *e = ex(EX_NUM, NULL, NULL, NULL);
	e->num = v;
	return e;
}

static LExpr *par(int i)
{
	LExpr *e = ex(EX_PARAM, NULL, NULL, NULL);
	e->param = i;
	return e;
}

#define E0(k) ex(k, NULL, NULL, NULL)
#define E1(k, a) ex(k, a, NULL, NULL)
#define E2(k, a, b) ex(k, a, b, NULL)

/* q = clamp(t / T, 0, 1), the shapes' progress */
static LExpr *progress(void)
{
	return E2(EX_MIN, E2(EX_MAX, E2(EX_DIV, E0(EX_T), E0(EX_TLEN)), num(0)), num(1));
}

static LExpr *linear(LExpr *a, LExpr *b)
{
	return E2(EX_ADD, a, E2(EX_MUL, E2(EX_SUB, b, a), progress()));
}

static LExpr *cosine(LExpr *a, LExpr *b)
{
	LExpr *half = E2(EX_MUL, num(0.5), E2(EX_ADD, num(1), E1(EX_COS, E2(EX_MUL, num(M_PI), progress()))));
	return E2(EX_ADD, b, E2(EX_MUL, E2(EX_SUB, a, b), half));
}

static LSched *leaf(LExpr *e)
{
	LSched *s = arena_alloc(&A, sizeof *s);
	s->kind = SC_LEAF;
	s->leaf = e;
	return s;
}

/* seq of n phases: body, len (-1 for an open last one), enter mask */
static LSched *seq(int n, LSched **body, const int64_t *len, const uint64_t *enter)
{
	LSched *s = arena_alloc(&A, sizeof *s);
	s->kind = SC_SEQ;
	s->nphase = n;
	s->phase = arena_alloc(&A, (size_t)n * sizeof *s->phase);
	int64_t at = 0;
	for (int i = 0; i < n; i++) {
		s->phase[i].body = body[i];
		s->phase[i].start = at;
		s->phase[i].len = len[i];
		s->phase[i].enter_mask = enter ? enter[i] : 0;
		at += len[i] > 0 ? len[i] : 0;
	}
	return s;
}

/* Whole restart tables as cycles_whole lays them out, but holding every
   cycle whose start fits in int64, not only below 2^62 as lowering does:
   generated code must find the cycle of every step there is. */
static LSched *restarts(int64_t period, int64_t mult, int64_t count, LSched *body)
{
	LSched *s = arena_alloc(&A, sizeof *s);
	s->kind = SC_RESTARTS;
	s->body = body;
	LCycles *cy = &s->cycles;
	*cy = (LCycles){ .period = (double)period, .mult = (double)mult, .count = count };
	if (mult == 1) {
		cycles_whole(&A, cy);
		return s;
	}
	cy->kind = CYCLES_TABLE;
	cy->start = arena_alloc(&A, 64 * sizeof(int64_t));
	cy->steps = arena_alloc(&A, 64 * sizeof(int64_t));
	int64_t start = 0, len = period;
	int n = 0;
	for (;;) {
		cy->start[n] = start;
		cy->steps[n] = len;
		n++;
		if (count > 0 && n == count)
			break;
		if (__builtin_add_overflow(start, len, &start))
			break;
		if (__builtin_mul_overflow(len, mult, &len))
			len = INT64_MAX;
	}
	cy->n = n;
	return s;
}

static annealc_program *program(int nsched)
{
	annealc_program *p = arena_alloc(&A, sizeof *p);
	p->src.path = "check_codegen";
	p->nschedule = nsched;
	p->schedule = arena_alloc(&A, (size_t)nsched * sizeof *p->schedule);
	return p;
}

static LChannel *channels(LSchedule *s, int n)
{
	s->nchannel = n;
	s->channel = arena_alloc(&A, (size_t)n * sizeof *s->channel);
	s->horizon = -1;
	return s->channel;
}

/* Every channel within 4 ulp and events, cycle and phase identical. */
static void same_point(const LSchedule *s, const anneal_desc *d, int64_t step, const double *params)
{
	anneal_point want, got;
	memset(&got, 0x5a, sizeof got);
	interp_eval(s, step, params, &want);
	d->eval(step, params, &got);
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
		ck_assert_msg(ulps_apart(want.value[c], got.value[c]) <= 4, "%s step %lld slot %d: interp %.17g, jit %.17g",
		              s->name, (long long)step, c, want.value[c], got.value[c]);
	ck_assert_msg(want.events == got.events, "%s step %lld: events interp %#llx, jit %#llx", s->name,
	              (long long)step, (unsigned long long)want.events, (unsigned long long)got.events);
	ck_assert_msg(want.cycle == got.cycle, "%s step %lld: cycle interp %lld, jit %lld", s->name, (long long)step,
	              (long long)want.cycle, (long long)got.cycle);
	ck_assert_msg(want.phase == got.phase, "%s step %lld: phase interp %d, jit %d", s->name, (long long)step,
	              want.phase, got.phase);
	ck_assert_int_eq(got.reserved, 0);
}

/* fill over [first, first + n) against interp_channel, step by step: within
   4 ulp, or within tol relative to max(1, |value|) -- libmvec's vector math
   is within 4 ulp of libm's, but an ulp of cos(x) is not an ulp of 1 + cos(x). */
static void same_fill(const LSchedule *s, const anneal_desc *d, int ch, int64_t first, int64_t n,
                      const double *params, double tol)
{
	double *out = malloc((size_t)(n + 2) * sizeof *out);
	ck_assert_ptr_nonnull(out);
	out[n] = out[n + 1] = 12345.0;
	d->fill(first, n, params, s->channel[ch].slot, out);
	ck_assert_double_eq(out[n], 12345.0);
	for (int64_t i = 0; i < n; i++) {
		double want = interp_channel(s, ch, first + i, params);
		int ok = ulps_apart(want, out[i]) <= 4 ||
		         (tol > 0 && fabs(want - out[i]) <= tol * (fabs(want) > 1 ? fabs(want) : 1));
		ck_assert_msg(ok, "%s fill %s step %lld: interp %.17g, fill %.17g", s->name, s->channel[ch].name,
		              (long long)(first + i), want, out[i]);
	}
	free(out);
}

static annealc_jit *jit;

static void setup(void)
{
	jit = test_jit_new();
	ck_assert_ptr_nonnull(jit);
}

static void teardown(void)
{
	annealc_jit_free(jit);
	jit = NULL;
	arena_free(&A);
}

/* warm: linear(0, peak) for 500 then restarts(1000, 2) { cosine(peak*0.8^cycle, floor) };
   momentum = 0.9 for 700 then 0.85; hooks: restart, every 1000, at 5000, enter warm. */
static annealc_program *sgdr(void)
{
	annealc_program *p = program(1);
	LSchedule *s = &p->schedule[0];
	s->name = "sgdr";
	s->nparam = 2;
	s->param = arena_alloc(&A, 2 * sizeof *s->param);
	s->param[0] = (LParam){ "peak", 0.1, 0 };
	s->param[1] = (LParam){ "floor", 1e-5, 0 };
	LExpr *top = E2(EX_MUL, par(0), E2(EX_POW, num(0.8), E0(EX_CYCLE)));
	LSched *cyc = restarts(1000, 2, 0, leaf(cosine(top, par(1))));
	LSched *lr_body[2] = { leaf(linear(num(0), par(0))), cyc };
	int64_t lr_len[2] = { 500, -1 };
	uint64_t lr_enter[2] = { 1u << 3, 0 };
	LSched *mo_body[2] = { leaf(num(0.9)), leaf(num(0.85)) };
	int64_t mo_len[2] = { 700, -1 };
	LChannel *ch = channels(s, 2);
	ch[0] = (LChannel){ "lr", ANNEAL_LR, seq(2, lr_body, lr_len, lr_enter) };
	ch[1] = (LChannel){ "momentum", ANNEAL_MOMENTUM, seq(2, mo_body, mo_len, NULL) };
	s->nhook = 4;
	s->hook = arena_alloc(&A, 4 * sizeof *s->hook);
	LAction *act = arena_alloc(&A, 2 * sizeof *act);
	act[0] = (LAction){ ANNEAL_ACT_RESET_MOMENTUM, NULL };
	act[1] = (LAction){ ANNEAL_ACT_CALL, "save_best" };
	s->hook[0] = (LHook){ ANNEAL_EV_RESTART, 0, NULL, 1, &act[0] };
	s->hook[1] = (LHook){ ANNEAL_EV_EVERY, 1000, NULL, 0, NULL };
	s->hook[2] = (LHook){ ANNEAL_EV_AT, 5000, NULL, 1, &act[1] };
	s->hook[3] = (LHook){ ANNEAL_EV_ENTER, 0, "warm", 0, NULL };
	s->restart_mask = 1;
	s->digest = dump_digest(s, &p->arena);
	return p;
}

static const int64_t sgdr_steps[] = { 0, 1, 2, 250, 499, 500, 501, 699, 700, 701, 1000, 1499, 1500, 1501,
	                              2000, 3499, 3500, 3501, 5000, 7499, 7500, 7501, 15500, 1000000,
	                              INT64_C(1) << 40, INT64_MAX / 2, INT64_MAX - 1 };

START_TEST(eval_sgdr)
{
	annealc_program *p = sgdr();
	for (int level = 0; level <= 3; level++) {
		annealc_options o = { .opt_level = level };
		const anneal_desc *d = test_compile(jit, p, 0, &o);
		ck_assert_ptr_nonnull(d);
		double other[2] = { 0.3, 1e-3 };
		for (size_t i = 0; i < sizeof sgdr_steps / sizeof *sgdr_steps; i++) {
			same_point(&p->schedule[0], d, sgdr_steps[i], NULL);
			same_point(&p->schedule[0], d, sgdr_steps[i], other);
		}
		for (int64_t step = 0; step < 20000; step += 7)
			same_point(&p->schedule[0], d, step, NULL);
	}
}
END_TEST

/* Params bound at compile time: the params argument is ignored. */
START_TEST(eval_bound_params)
{
	annealc_program *p = sgdr();
	LSchedule *s = &p->schedule[0];
	s->param[0].value = 0.25;
	annealc_options o = { .opt_level = 2, .bind_params = 1 };
	const anneal_desc *d = test_compile(jit, p, 0, &o);
	ck_assert_ptr_nonnull(d);
	double ignored[2] = { 7, 7 };
	anneal_point want, got;
	for (int64_t step = 0; step < 5000; step += 13) {
		interp_eval(s, step, NULL, &want);
		d->eval(step, ignored, &got);
		ck_assert_msg(ulps_apart(want.value[ANNEAL_LR], got.value[ANNEAL_LR]) <= 4, "step %lld: %.17g vs %.17g",
		              (long long)step, want.value[ANNEAL_LR], got.value[ANNEAL_LR]);
	}
	ck_assert_double_eq(d->param[0].value, 0.25);
}
END_TEST

START_TEST(desc_fields)
{
	annealc_program *p = sgdr();
	const anneal_desc *d = test_compile(jit, p, 0, NULL);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->abi_version, ANNEAL_ABI_VERSION);
	ck_assert_str_eq(d->name, "sgdr");
	ck_assert_int_eq(d->nparam, 2);
	ck_assert_str_eq(d->param[1].name, "floor");
	ck_assert_double_eq(d->param[1].value, 1e-5);
	ck_assert_int_eq(d->param[1].structural, 0);
	ck_assert_uint_eq(d->channels, (1u << ANNEAL_LR) | (1u << ANNEAL_MOMENTUM));
	ck_assert_str_eq(d->channel_name[ANNEAL_MOMENTUM], "momentum");
	ck_assert_ptr_null(d->channel_name[ANNEAL_BETA2]);
	ck_assert_int_eq(d->primary, ANNEAL_LR);
	ck_assert_int_eq(d->nhook, 4);
	ck_assert_int_eq(d->hook[2].event, ANNEAL_EV_AT);
	ck_assert_int_eq(d->hook[2].arg, 5000);
	ck_assert_int_eq(d->hook[2].naction, 1);
	ck_assert_int_eq(d->hook[2].action[0].kind, ANNEAL_ACT_CALL);
	ck_assert_str_eq(d->hook[2].action[0].name, "save_best");
	ck_assert_str_eq(d->hook[3].phase, "warm");
	ck_assert_ptr_null(d->hook[0].phase);
	ck_assert_int_eq(d->horizon, -1);
	ck_assert_uint_eq(d->digest, p->schedule[0].digest);
	anneal_point pt;
	d->eval(1500, NULL, &pt);
	ck_assert_int_eq(pt.cycle, 1);
}
END_TEST

/* The LLVM struct types lay out like the C structs, on the host's data layout. */
START_TEST(desc_layout)
{
	Diag quiet = { 0 };
	ck_assert_int_eq(cg_init(&quiet), 0);
	LLVMTargetMachineRef tm = cg_target_machine(NULL, 0, 2, 0, &quiet);
	ck_assert_ptr_nonnull(tm);
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
	Cg g = { .ctx = LLVMContextCreate() };
	cg_types(&g);
	static const size_t desc_off[] = {
		offsetof(anneal_desc, abi_version), offsetof(anneal_desc, name), offsetof(anneal_desc, nparam),
		offsetof(anneal_desc, param), offsetof(anneal_desc, channels), offsetof(anneal_desc, channel_name),
		offsetof(anneal_desc, primary), offsetof(anneal_desc, nhook), offsetof(anneal_desc, hook),
		offsetof(anneal_desc, horizon), offsetof(anneal_desc, digest), offsetof(anneal_desc, eval),
		offsetof(anneal_desc, fill),
	};
	for (unsigned i = 0; i < 13; i++)
		ck_assert_uint_eq(LLVMOffsetOfElement(td, g.desc, i), desc_off[i]);
	ck_assert_uint_eq(LLVMABISizeOfType(td, g.desc), sizeof(anneal_desc));
	static const size_t hook_off[] = { offsetof(anneal_hook, event), offsetof(anneal_hook, arg),
		                           offsetof(anneal_hook, phase), offsetof(anneal_hook, naction),
		                           offsetof(anneal_hook, action) };
	for (unsigned i = 0; i < 5; i++)
		ck_assert_uint_eq(LLVMOffsetOfElement(td, g.hook, i), hook_off[i]);
	ck_assert_uint_eq(LLVMABISizeOfType(td, g.hook), sizeof(anneal_hook));
	ck_assert_uint_eq(LLVMOffsetOfElement(td, g.param, 1), offsetof(anneal_param, value));
	ck_assert_uint_eq(LLVMOffsetOfElement(td, g.param, 2), offsetof(anneal_param, structural));
	ck_assert_uint_eq(LLVMABISizeOfType(td, g.param), sizeof(anneal_param));
	ck_assert_uint_eq(LLVMOffsetOfElement(td, g.action, 1), offsetof(anneal_action, name));
	ck_assert_uint_eq(LLVMABISizeOfType(td, g.action), sizeof(anneal_action));
	ck_assert_uint_eq(LLVMOffsetOfElement(td, g.point, 1), offsetof(anneal_point, events));
	ck_assert_uint_eq(LLVMOffsetOfElement(td, g.point, 2), offsetof(anneal_point, cycle));
	ck_assert_uint_eq(LLVMOffsetOfElement(td, g.point, 3), offsetof(anneal_point, phase));
	ck_assert_uint_eq(LLVMOffsetOfElement(td, g.point, 4), offsetof(anneal_point, reserved));
	ck_assert_uint_eq(LLVMABISizeOfType(td, g.point), sizeof(anneal_point));
	LLVMContextDispose(g.ctx);
	LLVMDisposeTargetData(td);
	LLVMDisposeTargetMachine(tm);
}
END_TEST

START_TEST(cache_hits)
{
	annealc_program *p = sgdr();
	annealc_options o2 = { .opt_level = 2 }, o0 = { .opt_level = 0 };
	const anneal_desc *a = test_compile(jit, p, 0, &o2);
	const anneal_desc *b = test_compile(jit, p, 0, &o2);
	const anneal_desc *c = test_compile(jit, p, 0, &o0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_ne(a, c);
	p->schedule[0].param[0].value = 0.5; /* a new default is a new schedule */
	const anneal_desc *d = test_compile(jit, p, 0, &o2);
	ck_assert_ptr_ne(a, d);
	ck_assert_double_eq(d->param[0].value, 0.5);
	ck_assert_double_eq(a->param[0].value, 0.1);
}
END_TEST

/* lr = cycle, custom channel = t (exact as doubles below 2^53) of a
   restarts(period, mult) node, against starts found by an integer loop. */
static annealc_program *cycle_probe(int64_t period, int64_t mult, int64_t count)
{
	annealc_program *p = program(1);
	LSchedule *s = &p->schedule[0];
	s->name = "probe";
	LChannel *ch = channels(s, 2);
	ch[0] = (LChannel){ "lr", ANNEAL_LR, restarts(period, mult, count, leaf(E0(EX_CYCLE))) };
	ch[1] = (LChannel){ "t", ANNEAL_FIRST_CUSTOM, restarts(period, mult, count, leaf(E0(EX_T))) };
	s->nhook = 1;
	s->hook = arena_alloc(&A, sizeof *s->hook);
	s->hook[0] = (LHook){ ANNEAL_EV_RESTART, 0, NULL, 0, NULL };
	s->restart_mask = 1;
	return p;
}

static void probe_step(const anneal_desc *d, int64_t step, int64_t k, int64_t start, int64_t period, int64_t mult)
{
	anneal_point pt;
	d->eval(step, NULL, &pt);
	ck_assert_msg(pt.cycle == k, "period %lld mult %lld step %lld: cycle %lld, want %lld", (long long)period,
	              (long long)mult, (long long)step, (long long)pt.cycle, (long long)k);
	ck_assert_msg(pt.value[ANNEAL_LR] == (double)k, "step %lld: lr %.17g", (long long)step, pt.value[ANNEAL_LR]);
	if (step - start < (INT64_C(1) << 53))
		ck_assert_msg(pt.value[ANNEAL_FIRST_CUSTOM] == (double)(step - start), "step %lld: t %.17g, want %lld",
		              (long long)step, pt.value[ANNEAL_FIRST_CUSTOM], (long long)(step - start));
	ck_assert_int_eq(pt.events, k >= 1 && step == start);
}

/* Every restart boundary of periods 1..30 and mult 1..4 whose start fits
   in int64 (mult 1: the first 1000, then doubling k): steps start-1, start,
   start+1 by eval and a short fill across each boundary. */
START_TEST(cycle_boundaries)
{
	int64_t period = _i % 30 + 1, mult = _i / 30 + 1;
	annealc_program *p = cycle_probe(period, mult, 0);
	annealc_options o = { .opt_level = 1 };
	const anneal_desc *d = test_compile(jit, p, 0, &o);
	ck_assert_ptr_nonnull(d);
	int64_t k = 0, start = 0, len = period, prev = 0;
	for (;;) {
		if (k > 0)
			probe_step(d, start - 1, k - 1, prev, period, mult);
		probe_step(d, start, k, start, period, mult);
		if (len > 1)
			probe_step(d, start + 1, k, start, period, mult);
		double out[6];
		int64_t first = start >= 3 ? start - 3 : 0;
		for (int ch = 0; ch < 2; ch++) {
			d->fill(first, 6, NULL, ch ? ANNEAL_FIRST_CUSTOM : ANNEAL_LR, out);
			for (int i = 0; i < 6; i++)
				ck_assert_double_eq(out[i], interp_channel(&p->schedule[0], ch, first + i, NULL));
		}
		prev = start;
		if (__builtin_add_overflow(start, len, &start) || start > INT64_MAX - 8)
			break;
		k++;
		if (mult == 1 && k >= 1000) {
			if (k > INT64_MAX / 2 / period)
				break;
			k *= 2;
			start = k * period;
			prev = start - period;
		}
		if (__builtin_mul_overflow(len, mult, &len))
			break;
	}
	ck_assert_int_ge(prev, INT64_C(1) << 40);
}
END_TEST

/* The cases where the float-log cycle formula lands in the wrong cycle. */
START_TEST(cycle_float_traps)
{
	annealc_options o = { .opt_level = 2 };
	annealc_program *p = cycle_probe(1, 3, 0);
	const anneal_desc *d = test_compile(jit, p, 0, &o);
	anneal_point pt;
	d->eval(121, NULL, &pt); /* 1 + 3 + 9 + 27 + 81 = 121: cycle 5 starts */
	ck_assert_int_eq(pt.cycle, 5);
	d->eval(120, NULL, &pt);
	ck_assert_int_eq(pt.cycle, 4);
	p = cycle_probe(10, 3, 0);
	d = test_compile(jit, p, 0, &o);
	d->eval(1210, NULL, &pt);
	ck_assert_int_eq(pt.cycle, 5);
	d->eval(1209, NULL, &pt);
	ck_assert_int_eq(pt.cycle, 4);
}
END_TEST

/* count limits the cycles: past them the last cycle holds. */
START_TEST(cycle_count)
{
	annealc_options o = { .opt_level = 2 };
	for (int64_t mult = 1; mult <= 3; mult++) {
		annealc_program *p = cycle_probe(7, mult, 3);
		const anneal_desc *d = test_compile(jit, p, 0, &o);
		ck_assert_ptr_nonnull(d);
		for (int64_t step = 0; step < 400; step++)
			same_point(&p->schedule[0], d, step, NULL);
		same_point(&p->schedule[0], d, INT64_MAX - 5, NULL);
		same_fill(&p->schedule[0], d, 1, 0, 400, NULL, 0);
		same_fill(&p->schedule[0], d, 0, 3, 400, NULL, 0);
	}
}
END_TEST

/* Nested restarts, open phases whose T comes from the cycle, enter hooks
   inside a cycle, a second channel reading step and T, and a 1000-phase
   sequence. */
static annealc_program *nested(void)
{
	annealc_program *p = program(1);
	LSchedule *s = &p->schedule[0];
	s->name = "nested";
	LExpr *inner_v = E2(EX_ADD, E2(EX_MUL, E0(EX_CYCLE), num(100)), E2(EX_DIV, E0(EX_T), E0(EX_TLEN)));
	LSched *inner_body[2] = { leaf(E2(EX_MUL, E0(EX_T), num(-1))), leaf(inner_v) };
	int64_t inner_len[2] = { 2, -1 };
	uint64_t inner_enter[2] = { 0, 1u << 1 };
	LSched *inner = restarts(5, 3, 0, seq(2, inner_body, inner_len, inner_enter));
	LSched *outer_body[2] = { leaf(E1(EX_SQRT, E0(EX_T))), inner };
	int64_t outer_len[2] = { 3, -1 };
	LSched *outer = restarts(100, 1, 0, seq(2, outer_body, outer_len, NULL));
	enum { NPH = 1000 };
	LSched *many[NPH];
	int64_t many_len[NPH];
	for (int i = 0; i < NPH; i++) {
		many[i] = leaf(E2(EX_ADD, num(i), E2(EX_DIV, E0(EX_T), E0(EX_TLEN))));
		many_len[i] = i == NPH - 1 ? -1 : 1 + i % 7;
	}
	LSched *top_body[3] = { leaf(E0(EX_STEP)), outer, seq(NPH, many, many_len, NULL) };
	int64_t top_len[3] = { 10, 1000, -1 };
	uint64_t top_enter[3] = { 0, 1u << 0, 0 };
	LChannel *ch = channels(s, 2);
	ch[0] = (LChannel){ "lr", ANNEAL_LR, seq(3, top_body, top_len, top_enter) };
	ch[1] = (LChannel){ "x", ANNEAL_FIRST_CUSTOM + 2, seq(NPH, many, many_len, NULL) };
	s->nhook = 3;
	s->hook = arena_alloc(&A, 3 * sizeof *s->hook);
	s->hook[0] = (LHook){ ANNEAL_EV_ENTER, 0, "cyc", 0, NULL };
	s->hook[1] = (LHook){ ANNEAL_EV_ENTER, 0, "tail", 0, NULL };
	s->hook[2] = (LHook){ ANNEAL_EV_RESTART, 0, NULL, 0, NULL };
	s->restart_mask = 1u << 2;
	return p;
}

START_TEST(eval_nested)
{
	annealc_program *p = nested();
	for (int level = 0; level <= 2; level += 2) {
		annealc_options o = { .opt_level = level };
		const anneal_desc *d = test_compile(jit, p, 0, &o);
		ck_assert_ptr_nonnull(d);
		for (int64_t step = 0; step < 6000; step++)
			same_point(&p->schedule[0], d, step, NULL);
		same_point(&p->schedule[0], d, INT64_MAX - 1, NULL);
		same_fill(&p->schedule[0], d, 0, 0, 6000, NULL, 0);
		same_fill(&p->schedule[0], d, 0, 997, 3001, NULL, 0);
		same_fill(&p->schedule[0], d, 1, 0, 6000, NULL, 0);
		same_fill(&p->schedule[0], d, 1, 123456789, 33, NULL, 0);
	}
}
END_TEST

/* Every operation of ops.def, over inputs that reach NaN, -0 and infinities. */
START_TEST(eval_ops)
{
	annealc_program *p = program(1);
	LSchedule *s = &p->schedule[0];
	s->name = "ops";
	s->nparam = 1;
	s->param = arena_alloc(&A, sizeof *s->param);
	s->param[0] = (LParam){ "k", 3.5, 0 };
	/* x runs over -2 .. 2 in steps of 0.25 with a NaN and infinities */
	LExpr *tt = E0(EX_T);
	LExpr *x = ex(EX_IF, E2(EX_EQ, tt, num(3)), E1(EX_LOG, num(-1)),
	             ex(EX_IF, E2(EX_EQ, tt, num(4)), E2(EX_DIV, num(1), num(0)),
	                ex(EX_IF, E2(EX_EQ, tt, num(5)), E2(EX_DIV, num(-1), num(0)),
	                   E2(EX_SUB, E2(EX_MUL, tt, num(0.25)), num(2)))));
	LExpr *y = E2(EX_SUB, num(1), E2(EX_MUL, tt, num(0.125)));
	LExprKind un[] = { EX_NEG, EX_NOT, EX_ABS, EX_SQRT, EX_EXP, EX_LOG, EX_COS, EX_SIN, EX_FLOOR, EX_CEIL };
	LExprKind bin[] = { EX_ADD, EX_SUB, EX_MUL, EX_DIV, EX_POW, EX_MIN, EX_MAX, EX_LT, EX_LE, EX_GT, EX_GE,
		           EX_EQ, EX_NE, EX_AND, EX_OR };
	int n = (int)(sizeof un / sizeof *un + sizeof bin / sizeof *bin) + 3;
	ck_assert_int_le(n, ANNEAL_MAX_CHANNELS + 16);
	/* 16 slots per schedule: spread the operations over several channels */
	LExpr *all[32];
	int k = 0;
	for (size_t i = 0; i < sizeof un / sizeof *un; i++)
		all[k++] = E1(un[i], x);
	for (size_t i = 0; i < sizeof bin / sizeof *bin; i++)
		all[k++] = E2(bin[i], x, y);
	all[k++] = ex(EX_IF, x, y, par(0));
	all[k++] = E2(EX_ADD, E0(EX_STEP), E0(EX_TLEN));
	all[k++] = E2(EX_POW, y, par(0));
	/* fold pairs into 16 channels, so each channel is a sum of two ops */
	LChannel *ch = channels(s, ANNEAL_MAX_CHANNELS);
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++) {
		LExpr *e = all[c];
		if (c + ANNEAL_MAX_CHANNELS < k)
			e = ex(EX_IF, E2(EX_GT, tt, num(100)), all[c + ANNEAL_MAX_CHANNELS], e);
		LSched *body[1] = { leaf(e) };
		int64_t len[1] = { 40 };
		char *name = arena_alloc(&A, 8);
		snprintf(name, 8, "c%d", c);
		ch[c] = (LChannel){ name, c, seq(1, body, len, NULL) };
	}
	for (int level = 0; level <= 3; level += 3) {
		annealc_options o = { .opt_level = level };
		const anneal_desc *d = test_compile(jit, p, 0, &o);
		ck_assert_ptr_nonnull(d);
		for (int64_t step = 0; step < 260; step++)
			same_point(s, d, step, NULL);
		for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
			same_fill(s, d, c, 0, 260, NULL, 1e-15);
	}
}
END_TEST

/* A vectorised fill of a cosine over a long range: libmvec's cos is within
   4 ulp of cos, which after 0.5 * (1 + cos) is 4 ulp of 1, not of the result. */
START_TEST(fill_long)
{
	annealc_program *p = sgdr();
	const anneal_desc *d = test_compile(jit, p, 0, NULL);
	ck_assert_ptr_nonnull(d);
	same_fill(&p->schedule[0], d, 0, 0, 100000, NULL, 1e-15);
	same_fill(&p->schedule[0], d, 1, 0, 100000, NULL, 0);
	same_fill(&p->schedule[0], d, 0, 98765, 4321, NULL, 1e-15);
	double out[4] = { 1, 1, 1, 1 };
	d->fill(0, 4, NULL, ANNEAL_BETA2, out);
	for (int i = 0; i < 4; i++)
		ck_assert(isnan(out[i]));
	d->fill(10, 0, NULL, ANNEAL_LR, out);
	ck_assert(isnan(out[0]));
}
END_TEST

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(buf);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	ck_assert_ptr_nonnull(d);
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Every output kind, the header, and a failed emit that leaves the
   existing files alone and no temporary behind. */
START_TEST(emit_files)
{
	annealc_program *p = sgdr();
	char dir[] = "/tmp/check_codegen.XXXXXX", obj[64], hdr[64], ll[64], bc[64], s[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(obj, sizeof obj, "%s/x.o", dir);
	snprintf(hdr, sizeof hdr, "%s/x.h", dir);
	snprintf(ll, sizeof ll, "%s/x.ll", dir);
	snprintf(bc, sizeof bc, "%s/x.bc", dir);
	snprintf(s, sizeof s, "%s/x.s", dir);
	ck_assert_int_eq(annealc_emit(p, NULL, ANNEALC_EMIT_OBJ, obj, hdr), ANNEAL_OK);
	char *h = slurp(hdr), *o = slurp(obj);
	ck_assert_ptr_nonnull(strstr(h, "void sgdr_eval(int64_t step, const double *params, anneal_point *out);"));
	ck_assert_ptr_nonnull(strstr(h, "extern const anneal_desc sgdr_desc;"));
	ck_assert_ptr_nonnull(strstr(h, "sgdr_PARAM_peak,"));
	ck_assert_ptr_nonnull(strstr(h, "sgdr_PARAM_floor,"));
	ck_assert_ptr_nonnull(strstr(h, "sgdr_NPARAM"));
	ck_assert_int_eq(memcmp(o, "\177ELF", 4), 0);
	free(o);
	annealc_options o0 = { .opt_level = 0 };
	ck_assert_int_eq(annealc_emit(p, &o0, ANNEALC_EMIT_LLVM, ll, NULL), ANNEAL_OK);
	char *ir = slurp(ll);
	ck_assert_ptr_nonnull(strstr(ir, "@sgdr_eval("));
	ck_assert_ptr_nonnull(strstr(ir, "@sgdr_desc ="));
	free(ir);
	ck_assert_int_eq(annealc_emit(p, NULL, ANNEALC_EMIT_BC, bc, NULL), ANNEAL_OK);
	char *b = slurp(bc);
	ck_assert_int_eq(memcmp(b, "BC", 2), 0);
	free(b);
	ck_assert_int_eq(annealc_emit(p, NULL, ANNEALC_EMIT_ASM, s, NULL), ANNEAL_OK);
	char *as = slurp(s);
	ck_assert_ptr_nonnull(strstr(as, "sgdr_eval:"));
	free(as);

	annealc_options bad = { .opt_level = 2, .target = "nonexistent-unknown-none" };
	ck_assert_int_eq(annealc_emit(p, &bad, ANNEALC_EMIT_OBJ, obj, hdr), ANNEAL_ERR_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(annealc_errmsg(p), "target nonexistent-unknown-none"));
	/* Another target gets no libmvec calls (they are x86-64's); skipped
	   where LLVM was built without AArch64. */
	annealc_options arm = { .opt_level = 3, .target = "aarch64-unknown-linux-gnu" };
	if (annealc_emit(p, &arm, ANNEALC_EMIT_ASM, s, NULL) == ANNEAL_OK) {
		char *a64 = slurp(s);
		ck_assert_ptr_nonnull(strstr(a64, "sgdr_fill:"));
		ck_assert_ptr_null(strstr(a64, "_ZGV"));
		free(a64);
	}
	/* The object is written, then the header cannot be: neither changes. */
	char nohdr[96], *ll_before = slurp(ll);
	snprintf(nohdr, sizeof nohdr, "%s/missing/x.h", dir);
	annealc_options o3 = { .opt_level = 3 };
	ck_assert_int_eq(annealc_emit(p, &o3, ANNEALC_EMIT_LLVM, ll, nohdr), ANNEAL_ERR_IO);
	ck_assert_ptr_nonnull(strstr(annealc_errmsg(p), "No such file or directory"));
	char *ll_after = slurp(ll);
	ck_assert_str_eq(ll_before, ll_after);
	free(ll_after);
	free(ll_before);
	char *h2 = slurp(hdr);
	ck_assert_str_eq(h, h2);
	ck_assert_int_eq(count_entries(dir), 5);
	free(h2);
	free(h);
	const char *files[] = { obj, hdr, ll, bc, s };
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(unlink(files[i]), 0);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* NAME_fill is compiled on its first call: two threads making that call at
   once both get the right values. */
typedef struct FillJob {
	const anneal_desc *d;
	double out[3000];
} FillJob;

static void *fill_job(void *arg)
{
	FillJob *job = arg;
	job->d->fill(100, 3000, NULL, ANNEAL_LR, job->out);
	return NULL;
}

START_TEST(fill_first_call_threads)
{
	annealc_program *p = sgdr();
	const anneal_desc *d = test_compile(jit, p, 0, NULL);
	ck_assert_ptr_nonnull(d);
	static FillJob job[2];
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		job[i].d = d;
		ck_assert_int_eq(pthread_create(&th[i], NULL, fill_job, &job[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 3000; i++) {
		double want = interp_channel(&p->schedule[0], 0, 100 + i, NULL);
		ck_assert_msg(fabs(job[0].out[i] - want) <= 1e-15 && job[0].out[i] == job[1].out[i],
		              "step %d: interp %.17g, threads %.17g %.17g", 100 + i, want, job[0].out[i], job[1].out[i]);
	}
}
END_TEST

Suite *suite_codegen(void)
{
	Suite *s = suite_create("codegen");
	TCase *tc = tcase_create("jit");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, eval_sgdr);
	tcase_add_test(tc, eval_bound_params);
	tcase_add_test(tc, desc_fields);
	tcase_add_test(tc, desc_layout);
	tcase_add_test(tc, cache_hits);
	tcase_add_loop_test(tc, cycle_boundaries, 0, 120);
	tcase_add_test(tc, cycle_float_traps);
	tcase_add_test(tc, cycle_count);
	tcase_add_test(tc, eval_nested);
	tcase_add_test(tc, eval_ops);
	tcase_add_test(tc, fill_long);
	tcase_add_test(tc, emit_files);
	tcase_add_test(tc, fill_first_call_threads);
	suite_add_tcase(s, tc);
	return s;
}
