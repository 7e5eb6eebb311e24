/* eval_bench.c: JIT'd NAME_eval per call against the same schedule written in C, and its cost against schedule length. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <anneal/annealc.h>

#include "lib_util.h"

/*
 * Every figure is ns per call through a function pointer, best of 10,
 * candidate and reference interleaved in the same process (bench.md).
 *   1. sgdr: the JIT's sgdr_eval against sgdr_c below, the same schedule by
 *      hand in C as a host would write it (integer cycle index, the same
 *      formulas), built with the project's flags. Steps sequential, as a
 *      training loop calls it, and scattered over 10M steps.
 *   2. a doubling SGDR with no warmup at steps near 10 (cycle 0) and near
 *      10^12 (cycle 29), with a linear body (the cost of finding the cycle)
 *      and with the cosine body (where libm's cos and pow have fast paths
 *      for cycle 0's small arguments).
 *   3. a 1,000-phase sequence against a 2-phase one, sequential and scattered:
 *      its phases all linear (one shared body); then 1,000 phases of eight shapes in
 *      turn against those eight alone.
 * sgdr_c is checked against the JIT on 200k steps first; a mismatch is fatal.
 */
enum { CALLS = 2000000, REPS = 10 };

static const char sgdr_src[] =
	"schedule sgdr {\n"
	"  param peak = 0.1;\n"
	"  param floor = 1e-5;\n"
	"  lr = warm: linear(0, peak) for 500\n"
	"       then restarts(period = 1000, mult = 2) { cosine(peak * 0.8 ^ cycle, floor) };\n"
	"  momentum = 0.9;\n"
	"  on restart { reset momentum; }\n"
	"  on every 1000 { swa; }\n"
	"}\n";

static const char doubling_src[] =
	"schedule doubling {\n"
	"  lr = restarts(period = 1000, mult = 2) { linear(0.1, 1e-5) };\n"
	"}\n"
	"schedule doubling_cos {\n"
	"  lr = restarts(period = 1000, mult = 2) { cosine(0.1 * 0.8 ^ cycle, 1e-5) };\n"
	"}\n";

/* sgdr by hand: hook 0 is restart, hook 1 every 1000. */
__attribute__((noinline)) static void sgdr_c(int64_t step, const double *params, anneal_point *out)
{
	double peak = params ? params[0] : 0.1, floor_ = params ? params[1] : 1e-5;
	for (int c = 2; c < ANNEAL_MAX_CHANNELS; c++)
		out->value[c] = NAN;
	uint64_t ev = 0;
	if (step < 500) {
		double q = (double)step / 500;
		q = q < 1 ? q : 1;
		out->value[0] = q * peak + 0.0;
		out->cycle = -1;
		out->phase = 0;
	} else {
		/* cycle k starts at 1000 (2^k - 1): k = floor(log2(s / 1000 + 1)) */
		int64_t s = step - 500;
		int64_t k = 63 - __builtin_clzll((uint64_t)(s / 1000 + 1));
		int64_t start = 1000 * ((INT64_C(1) << k) - 1), len = INT64_C(1000) << k;
		int64_t t = s - start;
		double q = (double)t / (double)len;
		q = q < 1 ? q : 1;
		double top = peak * pow(0.8, (double)k);
		out->value[0] = floor_ + (top - floor_) * (0.5 * (1 + cos(M_PI * q)));
		out->cycle = k;
		out->phase = 1;
		if (k >= 1 && t == 0)
			ev |= 1;
	}
	out->value[1] = 0.9;
	if (step > 0 && step % 1000 == 0)
		ev |= 2;
	out->events = ev;
	out->reserved = 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double sink;

/* ns per call of f over steps[0 .. CALLS-1] */
static double run(anneal_eval_fn f, const int64_t *steps)
{
	anneal_point pt;
	double acc = 0, t0 = now();
	for (int i = 0; i < CALLS; i++) {
		f(steps[i], NULL, &pt);
		acc += pt.value[0];
	}
	double t = now() - t0;
	sink += acc;
	return 1e9 * t / CALLS;
}

/* Best of REPS for n functions on their step arrays, interleaved. */
static void race(int n, anneal_eval_fn *f, int64_t **steps, double *best)
{
	for (int k = 0; k < n; k++)
		best[k] = INFINITY;
	for (int rep = 0; rep < REPS; rep++)
		for (int k = 0; k < n; k++)
			best[k] = fmin(best[k], run(f[k], steps[k]));
}

static const anneal_desc *compile_nth(annealc_jit *jit, const char *src, int n)
{
	annealc_program *p = test_load("eval_bench", src, stderr, NULL);
	annealc_options o = { .opt_level = 2 };
	const anneal_desc *d = p ? test_compile(jit, p, n, &o) : NULL;
	if (!d)
		exit(2);
	return d; /* p stays alive with the process */
}

static const anneal_desc *compile(annealc_jit *jit, const char *src)
{
	return compile_nth(jit, src, 0);
}

/* lr = linear(0.1, 0.2) for 7 then linear(0.2, 0.1) for 7 then ... (n phases); with
   mixed, phase i's body is the (i % 8)th of eight different shapes instead. */
static char *phases_src(int n, int mixed)
{
	static const char *const shapes[] = { "linear(%s, %s)", "cosine(%s, %s)", "poly(%s, %s, power = 2)",
		                              "%s + %s * t", "max(%s, %s - t / 100)", "sqrt(%s * %s + t)",
		                              "exponential(%s, 0.99 + %s / 100)", "%s * %s" };
	size_t cap = 64 + (size_t)n * 64;
	char *s = malloc(cap);
	size_t at = (size_t)snprintf(s, cap, "schedule many {\n  lr = ");
	for (int i = 0; i < n; i++) {
		char body[48];
		snprintf(body, sizeof body, shapes[mixed ? i % 8 : 0], i % 2 ? "0.2" : "0.1", i % 2 ? "0.1" : "0.2");
		at += (size_t)snprintf(s + at, cap - at, "%s%s for 7", i ? "\n    then " : "", body);
	}
	snprintf(s + at, cap - at, ";\n}\n");
	return s;
}

static int64_t *steps_array(int64_t base, int64_t span, int scattered)
{
	int64_t *s = malloc(CALLS * sizeof *s);
	uint64_t x = 88172645463325252u;
	for (int i = 0; i < CALLS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s[i] = base + (scattered ? (int64_t)(x % (uint64_t)span) : i % span);
	}
	return s;
}

/* A short sequence of n 7-step phases (short_src) against a 1,000-phase one
   (long_src), at sequential steps and at scattered ones. */
static void length_race(annealc_jit *jit, const char *what, char *short_src, int n, char *long_src)
{
	anneal_eval_fn f[2] = { compile(jit, short_src)->eval, compile(jit, long_src)->eval };
	double best[2];
	for (int scattered = 0; scattered < 2; scattered++) {
		int64_t *st[2] = { steps_array(0, 7 * n, scattered), steps_array(0, 7000, scattered) };
		race(2, f, st, best);
		printf("%s %-11s %d: %6.2f   1000: %6.2f   ratio %.2fx\n", what, scattered ? "scattered" : "sequential", n,
		       best[0], best[1], best[1] / best[0]);
		free(st[0]);
		free(st[1]);
	}
	free(short_src);
	free(long_src);
}

int main(void)
{
	annealc_jit *jit = test_jit_new();
	if (!jit)
		return 2;
	const anneal_desc *d = compile(jit, sgdr_src);
	int bad = 0;
	for (int64_t s = 0; s < 200000; s++) {
		int64_t step = s < 100000 ? s : (s - 100000) * 104729;
		anneal_point a, b;
		d->eval(step, NULL, &a);
		sgdr_c(step, NULL, &b);
		for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
			bad += !(a.value[c] == b.value[c] || (isnan(a.value[c]) && isnan(b.value[c])));
		bad += a.events != b.events || a.cycle != b.cycle || a.phase != b.phase;
	}
	if (bad) {
		fprintf(stderr, "eval_bench: sgdr_c differs from the JIT's sgdr_eval in %d places\n", bad);
		return 1;
	}

	printf("# ns per call through a function pointer, best of %d, interleaved, %d calls each\n", REPS, CALLS);
	anneal_eval_fn f[2] = { d->eval, sgdr_c };
	double best[2];
	int64_t *seq = steps_array(0, 10000000, 0), *scat = steps_array(0, 10000000, 1);
	int64_t *st[2] = { seq, seq };
	race(2, f, st, best);
	printf("sgdr sequential    jit %6.2f   C %6.2f   ratio %.2fx\n", best[0], best[1], best[0] / best[1]);
	st[0] = st[1] = scat;
	race(2, f, st, best);
	printf("sgdr scattered     jit %6.2f   C %6.2f   ratio %.2fx\n", best[0], best[1], best[0] / best[1]);

	int64_t *near10 = steps_array(10, 64, 0), *near12 = steps_array(1000000000000, 64, 0);
	for (int k = 0; k < 2; k++) {
		const anneal_desc *dd = compile_nth(jit, doubling_src, k);
		f[0] = f[1] = dd->eval;
		st[0] = near10;
		st[1] = near12;
		race(2, f, st, best);
		printf("%-16s step ~10 %6.2f   step ~10^12 %6.2f   ratio %.2fx\n", dd->name, best[0], best[1],
		       best[1] / best[0]);
	}

	length_race(jit, "phases  ", phases_src(2, 0), 2, phases_src(1000, 0));
	/* Eight shapes: a switch among them, whose jump mispredicts at scattered
	   steps, against the eight alone (a compare tree of three levels). */
	length_race(jit, "8 shapes", phases_src(8, 1), 8, phases_src(1000, 1));
	fprintf(stderr, "%s", sink == 1234.5 ? "!" : "");
	annealc_jit_free(jit);
	return 0;
}
