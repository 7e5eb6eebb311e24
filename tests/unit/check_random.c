/* check_random.c: differential tests -- the JIT against the interpreter on thousands of random programs, and at the top of the steps. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"
#include "gen_program.h"
#include "ulps.h"
#include "lib_util.h"

/* ANNEAL_RANDOM_PROGRAMS overrides the count (the sanitizer build in CI
   runs fewer: each program is a JIT compilation). */
enum { PROGRAMS = 2000, STEPS = 500 };

static int program_count(void)
{
	const char *env = getenv("ANNEAL_RANDOM_PROGRAMS");
	int n = env ? atoi(env) : PROGRAMS;
	return n > 0 ? (n + 99) / 100 * 100 : PROGRAMS;
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
}

/* eval and fill of channel c against the interpreter over the last n <= 300
   steps there are, INT64_MAX included; what names the program in messages.
   fill is held to 4 ulp or 1e-9 relative (libmvec, as below). */
static void top_agrees(annealc_program *p, const anneal_desc *d, const double *params, int c, int n,
                       const char *what)
{
	double fill[300];
	d->fill(INT64_MAX - (n - 1), n, params, c, fill);
	for (int i = 0; i < n; i++) {
		int64_t step = INT64_MAX - (n - 1) + i;
		anneal_point want, got;
		annealc_interp_eval(p, 0, step, params, &want);
		d->eval(step, params, &got);
		ck_assert_msg(want.events == got.events && want.phase == got.phase && want.cycle == got.cycle,
		              "step INT64_MAX - %d: interp events %#llx phase %d cycle %lld, jit %#llx %d %lld\n%s",
		              n - 1 - i, (unsigned long long)want.events, want.phase, (long long)want.cycle,
		              (unsigned long long)got.events, got.phase, (long long)got.cycle, what);
		double v = want.value[c];
		ck_assert_msg(ulps_apart(v, got.value[c]) <= 4 &&
		                  (ulps_apart(v, fill[i]) <= 4 || fabs(v - fill[i]) <= 1e-9 * fmax(1, fabs(v))),
		              "step INT64_MAX - %d channel %d: interp %.17g, eval %.17g, fill %.17g\n%s", n - 1 - i, c, v,
		              got.value[c], fill[i], what);
	}
}

/* Programs in blocks of 100, so a failure names a small range of seeds. */
START_TEST(jit_matches_interpreter)
{
	static char text[32 << 10];
	for (int n = 0; n < 100; n++) {
		uint64_t seed = (uint64_t)_i * 100 + (uint64_t)n;
		gen_program(seed, "r", text, sizeof text);
		annealc_program *p = test_load("random.anneal", text, stderr, NULL);
		ck_assert_msg(p != NULL, "seed %llu does not load:\n%s", (unsigned long long)seed, text);
		annealc_options o = { .opt_level = (int)(seed % 3) };
		const anneal_desc *d = test_compile(jit, p, 0, &o);
		ck_assert_msg(d != NULL, "seed %llu does not compile:\n%s", (unsigned long long)seed, text);
		double params[8];
		ck_assert_int_le(d->nparam, 8);
		for (int k = 0; k < d->nparam; k++)
			params[k] = d->param[k].value * (1 + 0.25 * (double)k);
		uint64_t state = seed;
		for (int i = 0; i < STEPS; i++) {
			int64_t step = gen_step(&state, i);
			const double *pv = i % 2 ? params : NULL;
			anneal_point want, got;
			annealc_interp_eval(p, 0, step, pv, &want);
			d->eval(step, pv, &got);
			ck_assert_msg(want.events == got.events && want.phase == got.phase && want.cycle == got.cycle,
			              "seed %llu step %lld: interp events %#llx phase %d cycle %lld, jit %#llx %d %lld\n%s",
			              (unsigned long long)seed, (long long)step, (unsigned long long)want.events, want.phase,
			              (long long)want.cycle, (unsigned long long)got.events, got.phase, (long long)got.cycle,
			              text);
			for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
				ck_assert_msg(ulps_apart(want.value[c], got.value[c]) <= 4,
				              "seed %llu step %lld channel %d: interp %.17g, jit %.17g\n%s",
				              (unsigned long long)seed, (long long)step, c, want.value[c], got.value[c], text);
		}
		/* fill agrees with the interpreter over a stretch that crosses
		   phases. Its loops call glibc's vector math (libmvec: within 4 ulp
		   per call, not correctly rounded), and the random expressions can
		   amplify that by cancellation, so fill is held to 1e-9 of the
		   channel's largest magnitude instead of 4 ulp. */
		double buf[256];
		int64_t first = (int64_t)(gen_next(&state) % 4096);
		for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++) {
			if (!(d->channels & (1u << c)))
				continue;
			d->fill(first, 256, params, c, buf);
			double want[256], peak = 0;
			for (int i = 0; i < 256; i++) {
				anneal_point pt;
				annealc_interp_eval(p, 0, first + i, params, &pt);
				want[i] = pt.value[c];
				if (isfinite(want[i]))
					peak = fmax(peak, fabs(want[i]));
			}
			for (int i = 0; i < 256; i++) {
				int close = ulps_apart(want[i], buf[i]) <= 4 || fabs(want[i] - buf[i]) <= 1e-9 * peak;
				ck_assert_msg(close,
				              "seed %llu fill step %lld channel %d: interp %.17g, fill %.17g\n%s",
				              (unsigned long long)seed, (long long)(first + i), c, want[i], buf[i], text);
			}
		}
		/* The top of the step range, where a cycle table's padding and a
		   lap's end are nearest. */
		static char what[sizeof text + 32];
		snprintf(what, sizeof what, "seed %llu\n%s", (unsigned long long)seed, text);
		for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
			if (d->channels & (1u << c))
				top_agrees(p, d, params, c, 64, what);
		annealc_free(p);
	}
}
END_TEST

/* The last steps there are, through every kind of cycle: the padding of a
   real-valued table (eval(INT64_MAX) read past it), the last lap of a
   fractional period with mult 1 (fill ran one segment over several cycles
   there), a whole period whose last cycle is cut by INT64_MAX, counts,
   nesting. eval and fill against the interpreter over the last 300 steps,
   INT64_MAX included. */
static const char *const top_schedules[] = {
	"schedule s { lr = restarts(period = 10, mult = 1.5) { cosine(0.1, 0.001) }; on restart { swa; } }",
	"schedule s { lr = restarts(period = 2.75) { t / T }; on restart { swa; } }",
	"schedule s { lr = restarts(period = 8 + 2 / 7) { t / T }; }",
	"schedule s { lr = restarts(period = 11 / 3) { t + cycle }; }",
	"schedule s { lr = restarts(period = 18) { t / T }; on restart { swa; } }",
	"schedule s { lr = restarts(period = 7) { t / T }; }",
	"schedule s { lr = restarts(period = 3, mult = 2) { t / T }; on restart { swa; } }",
	"schedule s { lr = restarts(period = 2.2, count = 5) { t } then restarts(period = 18.5) { t / T }; }",
	"schedule s { lr = restarts(period = 6, mult = 3) { restarts(period = 18.5) { linear(1, 0) for 15 then t } }; }",
	"schedule s { lr = restarts(period = 6, mult = 3) { restarts(period = 18) { cosine(1, 0) } }; }",
};

START_TEST(top_of_steps)
{
	annealc_program *p = test_load("top.anneal", top_schedules[_i], stderr, NULL);
	ck_assert_ptr_nonnull(p);
	for (int level = 0; level <= 2; level += 2) {
		annealc_options o = { .opt_level = level };
		const anneal_desc *d = test_compile(jit, p, 0, &o);
		ck_assert_ptr_nonnull(d);
		top_agrees(p, d, NULL, ANNEAL_LR, 300, top_schedules[_i]);
	}
	annealc_free(p);
}
END_TEST

/* Channels of more than 32 phases, whose leaves of more than a few
   operations code generation outlines into functions of their own, called
   from eval and from fill's scalar loop: under a real-valued restarts (t's
   fraction and T as doubles), a whole one (the cycle), none, with a
   runtime param, beside leaves kept inline (the lets and last phases). eval and fill against the interpreter at every level, with
   the defaults and other params, near step 0 and at the top. */
START_TEST(outlined_channels)
{
	static char text[16 << 10];
	int at = snprintf(text, sizeof text, "schedule s {\n  param peak = 0.1;\n  let warm = linear(0, peak);\n"
	                  "  lr = warm for 3 then restarts(period = 57.5, mult = 1.25) { ");
	for (int i = 0; i < 40; i++)
		at += snprintf(text + at, sizeof text - (size_t)at, "cosine(peak * 0.9^cycle, 0.001) + %d * t / T for 1 then ", i);
	at += snprintf(text + at, sizeof text - (size_t)at, "t / T };\n  momentum = warm for 3 then ");
	for (int i = 0; i < 40; i++)
		at += snprintf(text + at, sizeof text - (size_t)at, "restarts(period = %d, count = 2) { t * cycle + %d + sqrt(t + cycle) * 0.5 } then ",
		               i % 5 + 2, i);
	at += snprintf(text + at, sizeof text - (size_t)at, "0.85;\n  beta2 = ");
	for (int i = 0; i < 40; i++)
		at += snprintf(text + at, sizeof text - (size_t)at, "peak * %d + sqrt(step) * (1 + step / 1000) for %d then ", i, i % 3 + 1);
	snprintf(text + at, sizeof text - (size_t)at, "0.999;\n  on restart { swa; }\n}\n");
	annealc_program *p = test_load("outlined.anneal", text, stderr, NULL);
	ck_assert_ptr_nonnull(p);
	for (int level = 0; level <= 3; level++) {
		annealc_options o = { .opt_level = level };
		const anneal_desc *d = test_compile(jit, p, 0, &o);
		ck_assert_ptr_nonnull(d);
		double params[1] = { 0.37 };
		for (int k = 0; k < 2; k++) {
			const double *pv = k ? params : NULL;
			double buf[1000];
			for (int c = 0; c < 3; c++) {
				int slot = c == 0 ? ANNEAL_LR : c == 1 ? ANNEAL_MOMENTUM : ANNEAL_BETA2;
				d->fill(0, 1000, pv, slot, buf);
				for (int64_t step = 0; step < 1000; step++) {
					anneal_point want, got;
					annealc_interp_eval(p, 0, step, pv, &want);
					d->eval(step, pv, &got);
					ck_assert_msg(want.events == got.events && want.phase == got.phase && want.cycle == got.cycle,
					              "level %d step %lld: interp events %#llx phase %d cycle %lld, jit %#llx %d %lld",
					              level, (long long)step, (unsigned long long)want.events, want.phase,
					              (long long)want.cycle, (unsigned long long)got.events, got.phase, (long long)got.cycle);
					double v = want.value[slot];
					ck_assert_msg(ulps_apart(v, got.value[slot]) <= 4 && ulps_apart(v, buf[step]) <= 4,
					              "level %d step %lld slot %d: interp %.17g, eval %.17g, fill %.17g", level,
					              (long long)step, slot, v, got.value[slot], buf[step]);
				}
				top_agrees(p, d, pv, slot, 64, text);
			}
		}
	}
	annealc_free(p);
}
END_TEST

Suite *suite_random(void)
{
	Suite *s = suite_create("random");
	TCase *tc = tcase_create("differential");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, jit_matches_interpreter, 0, program_count() / 100);
	tcase_add_loop_test(tc, top_of_steps, 0, sizeof top_schedules / sizeof *top_schedules);
	tcase_add_test(tc, outlined_channels);
	suite_add_tcase(s, tc);
	return s;
}
