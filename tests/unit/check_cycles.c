/* check_cycles.c: restart cycles decided exactly -- every boundary against an integer loop, out to 2^40. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "annealc_int.h"

static annealc_program *load(const char *text)
{
	int status;
	annealc_program *p = annealc_load_buffer("cycles.anneal", text, strlen(text), stderr, &status);
	ck_assert_msg(p != NULL, "does not load:\n%s", text);
	return p;
}

/* lr = t inside the cycle: the channel is the local step, cycle the index. */
static void expect_at(annealc_program *p, int64_t period, int64_t mult, int64_t step, int64_t cycle, int64_t local)
{
	anneal_point pt;
	annealc_interp_eval(p, 0, step, NULL, &pt);
	ck_assert_msg(pt.cycle == cycle && pt.value[ANNEAL_LR] == (double)local,
	              "period %lld mult %lld step %lld: expected cycle %lld t %lld, got cycle %lld t %.17g",
	              (long long)period, (long long)mult, (long long)step, (long long)cycle, (long long)local,
	              (long long)pt.cycle, pt.value[ANNEAL_LR]);
	ck_assert_uint_eq(pt.events, local == 0 && cycle > 0 ? 1u : 0u);
}

/* Periods 1..30, mult 1..4: the steps before, at and after every cycle
   start below 2^40 (for mult 1, the first 2,000 cycles and a spread of
   later ones), against starts summed with integers. */
START_TEST(boundaries_exact)
{
	int64_t period = _i / 4 + 1, mult = _i % 4 + 1;
	char text[256];
	snprintf(text, sizeof text,
	         "schedule a { lr = restarts(period = %lld, mult = %lld) { t }; on restart { snapshot; } }",
	         (long long)period, (long long)mult);
	annealc_program *p = load(text);
	const int64_t limit = INT64_C(1) << 40;
	int64_t start = 0, len = period;
	for (int64_t k = 0; start < limit; k++) {
		int stride_ok = mult > 1 || k < 2000 || k % 9973 == 0;
		if (stride_ok) {
			if (k > 0)
				expect_at(p, period, mult, start - 1, k - 1, len / mult - 1);
			expect_at(p, period, mult, start, k, 0);
			expect_at(p, period, mult, start + 1, len == 1 ? k + 1 : k, len == 1 ? 0 : 1);
		}
		if (mult == 1 && k >= 2000) {
			/* Jump ahead: the same boundaries far out. */
			k += 9972;
			start += 9973 * len;
			continue;
		}
		start += len;
		len *= mult;
	}
	annealc_free(p);
}
END_TEST

/* Where a floating-point logarithm lands in the wrong cycle (PyTorch's
   epoch path, timm): T0 = 1, mult = 3 at step 121; T0 = 10, mult = 3 at 1210. */
START_TEST(log_traps)
{
	annealc_program *p = load("schedule a { lr = restarts(period = 1, mult = 3) { t }; }");
	anneal_point pt;
	annealc_interp_eval(p, 0, 121, NULL, &pt);
	ck_assert_int_eq(pt.cycle, 5);
	ck_assert_double_eq(pt.value[ANNEAL_LR], 0);
	annealc_interp_eval(p, 0, 120, NULL, &pt);
	ck_assert_int_eq(pt.cycle, 4);
	annealc_free(p);
	p = load("schedule a { lr = restarts(period = 10, mult = 3) { t }; }");
	annealc_interp_eval(p, 0, 1210, NULL, &pt);
	ck_assert_int_eq(pt.cycle, 5);
	ck_assert_double_eq(pt.value[ANNEAL_LR], 0);
	annealc_free(p);
}
END_TEST

/* Steps as far as int64 reaches still land in a cycle. */
START_TEST(far_steps)
{
	annealc_program *p = load("schedule a { lr = restarts(period = 1000, mult = 2) { t / T }; }");
	anneal_point pt;
	annealc_interp_eval(p, 0, INT64_C(1) << 62, NULL, &pt);
	ck_assert_int_ge(pt.cycle, 40);
	ck_assert(pt.value[ANNEAL_LR] >= 0 && pt.value[ANNEAL_LR] < 1);
	annealc_free(p);
}
END_TEST

Suite *suite_cycles(void)
{
	Suite *s = suite_create("cycles");
	TCase *tc = tcase_create("cycles");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, boundaries_exact, 0, 30 * 4);
	tcase_add_test(tc, log_traps);
	tcase_add_test(tc, far_steps);
	suite_add_tcase(s, tc);
	return s;
}
