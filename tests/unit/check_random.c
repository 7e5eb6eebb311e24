/* check_random.c: differential tests -- the JIT against the interpreter on thousands of random programs. */
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
		double params[3];
		for (int k = 0; k < 3; k++)
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
		annealc_free(p);
	}
}
END_TEST

Suite *suite_random(void)
{
	Suite *s = suite_create("random");
	TCase *tc = tcase_create("differential");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, jit_matches_interpreter, 0, program_count() / 100);
	suite_add_tcase(s, tc);
	return s;
}
