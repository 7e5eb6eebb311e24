/* check_cycles.c: restart cycles decided exactly -- every boundary against an integer loop, exact fractions or
   the peers' truncated lengths, out to 2^40. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "annealc_int.h"
#include "lib_util.h"

static annealc_program *load(const char *text)
{
	annealc_program *p = test_load("cycles.anneal", text, stderr, NULL);
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

/* Real-valued period p/q and mult a/b as written in the source. */
static const struct {
	const char *period, *mult;
	int64_t p, q, a, b;
} frac_case[] = {
	{ "10", "1.5", 10, 1, 3, 2 },      /* Keras t_mul = 1.5 */
	{ "1", "1.5", 1, 1, 3, 2 },
	{ "1.5", "1", 3, 2, 1, 1 },
	{ "(1000 - 100) / 7", "1", 900, 7, 1, 1 }, /* Hugging Face's hard restarts */
	{ "2.2", "1", 11, 5, 1, 1 },       /* ties: S_5 = 11 exactly */
	{ "2.5", "2", 5, 2, 2, 1 },
	{ "7.5", "1.2", 15, 2, 6, 5 },
	{ "1", "1.1", 1, 1, 11, 10 },
	{ "7 / 3", "1.25", 7, 3, 5, 4 },
	{ "1", "2.5", 1, 1, 5, 2 },
	{ "1.3", "7 / 3", 13, 10, 7, 3 },
	{ "100", "1.05", 100, 1, 21, 20 },
	{ "0.1 * 30", "1.5", 3, 1, 3, 2 }, /* 3.0000000000000004 is 3 */
	{ "12.5", "3", 25, 2, 3, 1 },
};

/* The point at step from the interpreter, checked against the exact cycle
   k and t = s - N/D, and from the JIT, which must agree bit for bit. */
static void expect_frac(annealc_program *p, const anneal_desc *d, int i, int64_t step, int64_t k, __int128 N,
                        __int128 D)
{
	anneal_point pt, jt;
	annealc_interp_eval(p, 0, step, NULL, &pt);
	long double want = (long double)((__int128)step * D - N) / (long double)D;
	ck_assert_msg(pt.cycle == k && fabsl(pt.value[ANNEAL_LR] - want) <= 1e-12L * (want > 1 ? want : 1),
	              "period %s mult %s step %lld: expected cycle %lld t %.17Lg, got cycle %lld t %.17g",
	              frac_case[i].period, frac_case[i].mult, (long long)step, (long long)k, want,
	              (long long)pt.cycle, pt.value[ANNEAL_LR]);
	ck_assert_uint_eq(pt.events, k > 0 && (__int128)(step - 1) * D < N ? 1u : 0u);
	d->eval(step, NULL, &jt);
	ck_assert_msg(jt.cycle == pt.cycle && jt.events == pt.events &&
	              memcmp(&jt.value[ANNEAL_LR], &pt.value[ANNEAL_LR], sizeof(double)) == 0,
	              "period %s mult %s step %lld: JIT cycle %lld t %.17g, interpreter cycle %lld t %.17g",
	              frac_case[i].period, frac_case[i].mult, (long long)step, (long long)jt.cycle,
	              jt.value[ANNEAL_LR], (long long)pt.cycle, pt.value[ANNEAL_LR]);
}

/* Every cycle start S_k = N_k / D_k below 2^40 (for mult 1, the first
   3,000 and ever further jumps; for mult > 1 until 128 bits would
   overflow), from S_(k+1) = M S_k + P in exact integers: N_(k+1) =
   a N_k + p b^(k+1), D_k = q b^k. The steps before, at and after each
   first step ceil(S_k), through the interpreter and the JIT. */
START_TEST(fractional_exact)
{
	char text[256];
	snprintf(text, sizeof text,
	         "schedule a { lr = restarts(period = %s, mult = %s) { t }; on restart { snapshot; } }",
	         frac_case[_i].period, frac_case[_i].mult);
	annealc_program *p = load(text);
	annealc_jit *jit = test_jit_new();
	const anneal_desc *d = test_compile(jit, p, 0, NULL);
	ck_assert_ptr_nonnull(d);
	const int64_t limit = INT64_C(1) << 40, a = frac_case[_i].a, b = frac_case[_i].b;
	const int64_t pp = frac_case[_i].p, q = frac_case[_i].q;
	const __int128 big = (__int128)1 << 100;
	__int128 N = 0, D = q, bk = 1, pN = 0, pD = 1;
	int64_t jump = 99991;
	for (int64_t k = 0;; k++) {
		int64_t F = (int64_t)((N + D - 1) / D);
		if (F >= limit)
			break;
		/* The next start, to know where F + 1 lies. */
		__int128 nN = a == b ? N + pp : a * N + pp * bk * b, nD = a == b ? D : D * b;
		int64_t nF = (int64_t)((nN + nD - 1) / nD);
		if (k > 0)
			expect_frac(p, d, _i, F - 1, k - 1, pN, pD);
		expect_frac(p, d, _i, F, k, N, D);
		if (F + 1 < nF)
			expect_frac(p, d, _i, F + 1, k, N, D);
		else
			expect_frac(p, d, _i, F + 1, k + 1, nN, nD);
		pN = N, pD = D;
		if (a == b && k >= 3000) {
			/* Jump ahead, further each time: the same boundaries far out. */
			k += jump - 1;
			pN = N + (jump - 1) * (__int128)pp;
			nN = pN + pp;
			jump = jump * 2 + 1;
		}
		N = nN, D = nD;
		if (a != b) {
			bk *= b;
			if (N > big || D > big)
				break;
		}
	}
	annealc_jit_free(jit);
	annealc_free(p);
}
END_TEST

/* Whole periods with fractional mults under lengths = floor and
   floor_power, against lengths computed here the way Composer and
   AllenNLP compute them, in doubles. */
static const struct {
	int64_t period;
	const char *mult;
} trunc_case[] = {
	{ 30, "1.5" },
	{ 10, "1.3" },
	{ 200, "1.15" }, /* floor: 1.15 * 200 is 229.99999999999997, a cycle of 229 */
	{ 100, "1.15" }, /* floor_power: 100 * 1.15 is 114.99999999999999, a cycle of 114 */
	{ 1, "1.5" },    /* floor: every cycle 1 step; floor_power: 1, 1, 2, 3, 5, 7, ... */
	{ 7, "1.02" },   /* floor: every cycle 7 steps; floor_power: 7 until cycle 7 */
	{ 3, "2.5" },
};

/* The point at step from the interpreter against cycle k and t = local,
   and from the JIT, which must agree bit for bit. */
static void expect_trunc(annealc_program *p, const anneal_desc *d, const char *what, int64_t step, int64_t k,
                         int64_t local)
{
	anneal_point pt, jt;
	annealc_interp_eval(p, 0, step, NULL, &pt);
	ck_assert_msg(pt.cycle == k && pt.value[ANNEAL_LR] == (double)local,
	              "%s step %lld: expected cycle %lld t %lld, got cycle %lld t %.17g", what, (long long)step,
	              (long long)k, (long long)local, (long long)pt.cycle, pt.value[ANNEAL_LR]);
	ck_assert_uint_eq(pt.events, local == 0 && k > 0 ? 1u : 0u);
	d->eval(step, NULL, &jt);
	ck_assert_msg(jt.cycle == pt.cycle && jt.events == pt.events &&
	              memcmp(&jt.value[ANNEAL_LR], &pt.value[ANNEAL_LR], sizeof(double)) == 0,
	              "%s step %lld: JIT cycle %lld t %.17g, interpreter cycle %lld t %.17g", what, (long long)step,
	              (long long)jt.cycle, jt.value[ANNEAL_LR], (long long)pt.cycle, pt.value[ANNEAL_LR]);
}

/* Case _i / 2 under floor (even _i) or floor_power (odd): the steps
   before, at and after every cycle start below 2^40, or the first 3,000
   where the lengths stay short. */
START_TEST(truncated_lengths)
{
	int i = _i / 2, power = _i % 2;
	const int64_t P = trunc_case[i].period;
	const double M = strtod(trunc_case[i].mult, NULL);
	char text[256], what[64];
	snprintf(text, sizeof text,
	         "schedule a { lr = restarts(period = %lld, mult = %s, lengths = %s) { t }; on restart { snapshot; } }",
	         (long long)P, trunc_case[i].mult, power ? "floor_power" : "floor");
	snprintf(what, sizeof what, "period %lld mult %s %s", (long long)P, trunc_case[i].mult,
	         power ? "floor_power" : "floor");
	annealc_program *p = load(text);
	annealc_jit *jit = test_jit_new();
	const anneal_desc *d = test_compile(jit, p, 0, NULL);
	ck_assert_ptr_nonnull(d);
	const int64_t limit = INT64_C(1) << 40;
	int64_t start = 0, len = P, prev = 0;
	for (int64_t k = 0; start < limit && k < 3000; k++) {
		if (k > 0)
			expect_trunc(p, d, what, start - 1, k - 1, prev - 1);
		expect_trunc(p, d, what, start, k, 0);
		expect_trunc(p, d, what, start + 1, len == 1 ? k + 1 : k, len == 1 ? 0 : 1);
		start += len;
		prev = len;
		len = power ? (int64_t)((double)P * pow(M, (double)(k + 1))) : (int64_t)(M * (double)len);
	}
	annealc_jit_free(jit);
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
	tcase_add_loop_test(tc, fractional_exact, 0, (int)(sizeof frac_case / sizeof frac_case[0]));
	tcase_add_loop_test(tc, truncated_lengths, 0, 2 * (int)(sizeof trunc_case / sizeof trunc_case[0]));
	suite_add_tcase(s, tc);
	return s;
}
