/* check_runtime_jit.c: libanneal driven by a JIT-compiled schedule: hooks fire at the schedule's own event steps. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <anneal/anneal.h>
#include <anneal/annealc.h>

#include "lib_util.h"

static const char src[] =
	"schedule sgdr {\n"
	"  param peak = 0.1;\n"
	"  lr = warm: linear(0, peak) for 50\n"
	"       then restarts(period = 100, mult = 2) { cosine(peak * 0.8 ^ cycle, 1e-4) };\n"
	"  momentum = 0.9;\n"
	"  on restart { reset momentum; snapshot; }\n"
	"  on every 120 { swa; }\n"
	"  on at 333 { call save_best; }\n"
	"  on enter warm { reset moments; }\n"
	"}\n";

enum { STEPS = 1600, N = 33 };

typedef struct Seen {
	int64_t snap[32], call[8];
	int nsnap, ncall;
} Seen;

static void on_snap(void *user, int64_t step, int64_t cycle, const anneal_group *g, int32_t ng)
{
	Seen *s = user;
	ck_assert_int_lt(s->nsnap, 32);
	s->snap[s->nsnap++] = step;
}

static void on_call(void *user, int64_t step, const anneal_point *pt)
{
	Seen *s = user;
	ck_assert_int_lt(s->ncall, 8);
	s->call[s->ncall++] = step;
}

START_TEST(test_jit_hooks)
{
	anneal_status status;
	annealc_program *prog = test_load("sgdr.anneal", src, stderr, &status);
	ck_assert_msg(prog != NULL, "load failed with status %d", status);
	annealc_jit *jit = test_jit_new();
	ck_assert_ptr_nonnull(jit);
	annealc_options opts = ANNEALC_OPTIONS_INIT;
	const anneal_desc *d = test_compile(jit, prog, 0, &opts);
	ck_assert_ptr_nonnull(d);

	/* The hook indices of each action, from the descriptor itself. */
	int h_restart = -1, h_swa = -1, h_call = -1;
	for (int i = 0; i < d->nhook; i++) {
		if (d->hook[i].event == ANNEAL_EV_RESTART)
			h_restart = i;
		else if (d->hook[i].event == ANNEAL_EV_EVERY)
			h_swa = i;
		else if (d->hook[i].event == ANNEAL_EV_AT)
			h_call = i;
	}
	ck_assert(h_restart >= 0 && h_swa >= 0 && h_call >= 0);

	float p[N], g[N];
	for (int i = 0; i < N; i++)
		p[i] = (float)(i - 16) / 8.0f;
	anneal_group gr = {p, g, N, 1, 1};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(&c, &gr, 1, d, NULL, &o, err, sizeof err);
	ck_assert_msg(o != NULL, "%s", err);
	Seen seen = {0};
	anneal_set_snapshot(o, on_snap, &seen);
	ck_assert_int_eq(anneal_set_callback(o, "save_best", on_call, &seen), 0);

	Seen want = {0};
	int64_t nswa = 0;
	for (int64_t s = 0; s < STEPS; s++) {
		anneal_point ref;
		annealc_interp_eval(prog, 0, s, NULL, &ref);
		if (ref.events >> h_restart & 1)
			want.snap[want.nsnap++] = s;
		if (ref.events >> h_call & 1)
			want.call[want.ncall++] = s;
		nswa += ref.events >> h_swa & 1;
		for (int i = 0; i < N; i++)
			g[i] = p[i] * 0.5f + (float)((s * 7 + i) % 5 - 2) * 0.125f;
		ck_assert_msg(anneal_step(o) == 0, "step %lld: %s", (long long)s, anneal_errmsg(o));
		const anneal_point *pt = anneal_last_point(o);
		ck_assert_msg(fabs(pt->value[ANNEAL_LR] - ref.value[ANNEAL_LR]) <= 1e-12,
		              "step %lld: lr %.17g, interpreter %.17g", (long long)s, pt->value[ANNEAL_LR],
		              ref.value[ANNEAL_LR]);
		if (ref.events >> h_restart & 1) {
			/* reset before the update: the velocity is this step's d */
			const float *b = anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM);
			for (int i = 0; i < N; i++)
				ck_assert_float_eq(b[i], g[i]);
		}
	}
	/* restarts at 150, 350, 750, 1550 with period 100 doubling after a warmup of 50 */
	ck_assert_int_eq(want.nsnap, 4);
	ck_assert_int_eq(want.snap[0], 150);
	ck_assert_int_eq(seen.nsnap, want.nsnap);
	for (int i = 0; i < want.nsnap; i++)
		ck_assert_int_eq(seen.snap[i], want.snap[i]);
	ck_assert(want.ncall == 1 && seen.ncall == 1 && seen.call[0] == 333);
	ck_assert_int_eq(anneal_swa_count(o), nswa);
	ck_assert_int_eq(nswa, (STEPS - 1) / 120);
	anneal_destroy(o);
	annealc_jit_free(jit);
	annealc_free(prog);
}
END_TEST

Suite *suite_runtime_jit(void)
{
	Suite *s = suite_create("runtime_jit");
	TCase *tc = tcase_create("jit");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_jit_hooks);
	suite_add_tcase(s, tc);
	return s;
}
