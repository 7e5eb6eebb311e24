/* fill_bench.c: JIT'd NAME_fill over 10M steps against a gcc -O3 C loop over the same formula, interleaved, best of 10. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <anneal/annealc.h>

#include "lib_util.h"

/*
 * Case 1 is one cosine decay over the whole range, the formula shapes.c
 * lowers cosine(a, b) to: b + (a - b) * 0.5 * (1 + cos(pi * min(t / T, 1))).
 * The reference is that formula in C, compiled at -O3 (the optimize
 * attribute, since the build's CFLAGS come after a per-target -O3); GCC
 * leaves cos scalar without -ffast-math, which is how a C host builds it.
 * Case 2 is examples/sgdr.anneal's schedule (warmup, then cosine restarts
 * with period doubling), whose fill splits at every cycle; its reference is
 * the JIT's own NAME_eval called per step. Every figure is ns per step.
 */
enum { STEPS = 10000000, REPS = 10 };

static const char cosine_src[] =
	"schedule decay {\n"
	"  param peak = 0.1;\n"
	"  param floor = 1e-5;\n"
	"  lr = cosine(peak, floor) for 10000000;\n"
	"}\n";

static const char sgdr_src[] =
	"schedule sgdr {\n"
	"  param peak = 0.1;\n"
	"  param floor = 1e-5;\n"
	"  lr = linear(0, peak) for 500\n"
	"       then restarts(period = 1000, mult = 2) { cosine(peak * 0.8 ^ cycle, floor) };\n"
	"  momentum = 0.9;\n"
	"}\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

__attribute__((noinline, optimize("O3"))) static void c_cosine(int64_t first, int64_t n, double peak,
                                                               double floor_, double *out)
{
	for (int64_t i = 0; i < n; i++) {
		double q = (double)(first + i) / 1e7;
		q = q < 1 ? q : 1;
		out[i] = floor_ + (peak - floor_) * (0.5 * (1 + cos(M_PI * q)));
	}
}

static const anneal_desc *compile(annealc_jit *jit, const char *src, annealc_program **keep)
{
	annealc_program *p = test_load("fill_bench", src, stderr, NULL);
	annealc_options o = { .opt_level = 2 };
	const anneal_desc *d = p ? test_compile(jit, p, 0, &o) : NULL;
	if (!d)
		exit(2);
	*keep = p;
	return d;
}

/* The largest difference relative to max(1, |ref|): libmvec against libm. */
static double max_rel(const double *a, const double *b, int64_t n)
{
	double worst = 0;
	for (int64_t i = 0; i < n; i++) {
		double m = fabs(b[i]) > 1 ? fabs(b[i]) : 1, d = fabs(a[i] - b[i]) / m;
		worst = d > worst ? d : worst;
	}
	return worst;
}

int main(void)
{
	annealc_jit *jit = test_jit_new();
	if (!jit)
		return 2;
	annealc_program *p1, *p2;
	const anneal_desc *dc = compile(jit, cosine_src, &p1), *ds = compile(jit, sgdr_src, &p2);
	double *out = malloc(STEPS * sizeof *out), *ref = malloc(STEPS * sizeof *ref);
	if (!out || !ref)
		return 2;
	/* first touch outside the timing */
	memset(out, 0, STEPS * sizeof *out);
	memset(ref, 0, STEPS * sizeof *ref);

	double best_jit = INFINITY, best_c = INFINITY, best_sfill = INFINITY, best_seval = INFINITY;
	anneal_point pt;
	for (int rep = 0; rep < REPS; rep++) {
		double t0 = now();
		dc->fill(0, STEPS, NULL, ANNEAL_LR, out);
		double t1 = now();
		c_cosine(0, STEPS, 0.1, 1e-5, ref);
		double t2 = now();
		ds->fill(0, STEPS, NULL, ANNEAL_LR, out);
		double t3 = now();
		for (int64_t s = 0; s < STEPS; s++) {
			ds->eval(s, NULL, &pt);
			ref[s] = pt.value[ANNEAL_LR];
		}
		double t4 = now();
		best_jit = fmin(best_jit, t1 - t0);
		best_c = fmin(best_c, t2 - t1);
		best_sfill = fmin(best_sfill, t3 - t2);
		best_seval = fmin(best_seval, t4 - t3);
	}
	double sgdr_dev = max_rel(out, ref, STEPS);
	dc->fill(0, STEPS, NULL, ANNEAL_LR, out);
	c_cosine(0, STEPS, 0.1, 1e-5, ref);
	double cos_dev = max_rel(out, ref, STEPS);

	printf("# NAME_fill over %d steps, best of %d, interleaved; ns per step\n", STEPS, REPS);
	printf("cosine  jit fill %6.3f   gcc -O3 C loop %6.3f   ratio %.2fx   (max diff %.1e of max(1,|v|))\n",
	       1e9 * best_jit / STEPS, 1e9 * best_c / STEPS, best_jit / best_c, cos_dev);
	printf("sgdr    jit fill %6.3f   jit eval loop  %6.3f   ratio %.2fx   (max diff %.1e of max(1,|v|))\n",
	       1e9 * best_sfill / STEPS, 1e9 * best_seval / STEPS, best_sfill / best_seval, sgdr_dev);
	free(ref);
	free(out);
	annealc_jit_free(jit);
	annealc_free(p2);
	annealc_free(p1);
	return 0;
}
