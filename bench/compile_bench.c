/* compile_bench.c: JIT compile latency -- first in process, warm at -O0 and -O2, and a cache hit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <anneal/annealc.h>

#include "lib_util.h"

/*
 * usage: compile_bench FILE...   (default: examples/sgdr.anneal)
 * first: annealc_jit_new plus the first compile in this process (LLVM's
 *        one-time set-up, the target machine, the JIT's linker), -O2.
 * warm:  a fresh annealc_jit whose target machine for the level is already
 *        made (an untimed compile of another schedule), then one compile;
 *        median and best of 15 per schedule and level.
 *        At -O1 and up the JIT compiles NAME_fill on its first call, so
 *        the compile is NAME_eval and NAME_desc; "fill" is that first call
 *        of NAME_fill (one step), the rest of the compile.
 * hit:   compiling the same schedule with the same options again, the mean
 *        over 100k calls.
 */
enum { REPS = 15, HITS = 100000 };

static const char warmup_src[] = "schedule warmup_only { lr = 0.1; }\n";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double warm_compile(annealc_program *p, int s, annealc_program *warm, int level, double *fill)
{
	annealc_jit *jit = test_jit_new();
	annealc_options o = { .opt_level = level };
	if (!jit || !test_compile(jit, warm, 0, &o))
		exit(2);
	double t0 = now();
	const anneal_desc *d = test_compile(jit, p, s, &o);
	double t = now() - t0;
	if (!d)
		exit(2);
	double v;
	t0 = now();
	d->fill(0, 1, NULL, d->primary, &v);
	*fill = now() - t0;
	annealc_jit_free(jit);
	return t;
}

int main(int argc, char **argv)
{
	const char *dflt[] = { "examples/sgdr.anneal" };
	const char **files = argc > 1 ? (const char **)argv + 1 : dflt;
	int nfile = argc > 1 ? argc - 1 : 1;
	annealc_program *warm = test_load("warmup", warmup_src, stderr, NULL);
	annealc_program *first = test_load_file(files[0]);
	if (!warm || !first)
		return 2;

	double t0 = now();
	annealc_jit *jit = test_jit_new();
	double t_new = now() - t0;
	annealc_options o2 = { .opt_level = 2 };
	const anneal_desc *d = jit ? test_compile(jit, first, 0, &o2) : NULL;
	double t_first = now() - t0;
	if (!d)
		return 2;
	t0 = now();
	for (int i = 0; i < HITS; i++)
		if (test_compile(jit, first, 0, &o2) != d)
			return 1;
	double t_hit = (now() - t0) / HITS;
	annealc_jit_free(jit); /* d goes with it */
	printf("# compile latency in ms, median of %d (hit: us)\n", REPS);
	printf("first in process (jit_new + compile -O2 of %s in %s): %.2f ms, of which jit_new %.2f ms\n",
	       annealc_schedule_name(first, 0), files[0], 1e3 * t_first, 1e3 * t_new);
	printf("cache hit: %.3f us\n", 1e6 * t_hit);

	for (int f = 0; f < nfile; f++) {
		annealc_program *p = test_load_file(files[f]);
		if (!p)
			return 2;
		for (int s = 0; s < annealc_schedule_count(p); s++) {
			double med[2], best[2], fill[2];
			for (int l = 0; l < 2; l++) {
				double t[REPS], tf[REPS];
				for (int r = 0; r < REPS; r++)
					t[r] = warm_compile(p, s, warm, l ? 2 : 0, &tf[r]);
				qsort(t, REPS, sizeof *t, cmp);
				qsort(tf, REPS, sizeof *tf, cmp);
				med[l] = t[REPS / 2];
				best[l] = t[0];
				fill[l] = tf[REPS / 2];
			}
			const char *base = strrchr(files[f], '/');
			printf("%-16s %-12s warm -O0 %6.2f (best %6.2f)   -O2 %6.2f (best %6.2f)   -O2 fill %6.2f\n",
			       base ? base + 1 : files[f], annealc_schedule_name(p, s), 1e3 * med[0], 1e3 * best[0],
			       1e3 * med[1], 1e3 * best[1], 1e3 * fill[1]);
		}
		annealc_free(p);
	}
	annealc_free(first);
	annealc_free(warm);
	return 0;
}
