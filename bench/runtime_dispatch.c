/* runtime_dispatch.c: what a JIT-compiled schedule's evaluation and the step's dispatch cost against a 1M-element step. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <anneal/anneal.h>
#include <anneal/annealc.h>

#include "lib_util.h"

/*
 * Three figures, interleaved, best of 10: desc->eval alone; the fixed cost of
 * anneal_step (eval, fallbacks, hooks, per-step scalars, dispatch) as the
 * step of a one-element group; and the whole step of a 1M-element group on
 * one thread, SGD-momentum and AdamW.  The schedule comes from a file
 * through the ORC JIT, as a host would load it.
 */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static anneal_opt *make(int kind, const anneal_desc *d, float *p, const float *g, int64_t n)
{
	anneal_config c;
	anneal_config_init(&c, kind);
	c.threads = 1;
	anneal_group gr = {p, g, n, 1, 1};
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(&c, &gr, 1, d, NULL, &o, err, sizeof err);
	if (o == NULL) {
		fprintf(stderr, "runtime_dispatch: %s\n", err);
		exit(2);
	}
	return o;
}

static double time_steps(anneal_opt *o, int64_t iters)
{
	double t0 = now();
	for (int64_t k = 0; k < iters; k++)
		if (anneal_step(o) != 0) {
			fprintf(stderr, "runtime_dispatch: %s\n", anneal_errmsg(o));
			exit(2);
		}
	return (now() - t0) / (double)iters;
}

int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : "examples/sgdr.anneal";
	annealc_program *prog = test_load_file(file);
	if (prog == NULL)
		return 2;
	annealc_jit *jit = test_jit_new();
	annealc_options opts = ANNEALC_OPTIONS_INIT;
	const anneal_desc *d = jit != NULL ? test_compile(jit, prog, 0, &opts) : NULL;
	if (d == NULL)
		return 2;
	enum { BIG = 1000000, EVALS = 1000000 };
	float *p = malloc(BIG * sizeof *p), *g = malloc(BIG * sizeof *g);
	for (int i = 0; i < BIG; i++)
		p[i] = 0.25f, g[i] = 0.75f;
	float p1[1] = {0.25f}, g1[1] = {0.75f};
	const char *names[2] = {"sgd-momentum", "adamw"};
	const int kinds[2] = {ANNEAL_SGD, ANNEAL_ADAMW};
	printf("# schedule '%s' from %s through the JIT; best of 10, interleaved, 1 thread\n", d->name, file);
	for (int k = 0; k < 2; k++) {
		anneal_opt *small = make(kinds[k], d, p1, g1, 1), *big = make(kinds[k], d, p, g, BIG);
		double best_eval = INFINITY, best_fixed = INFINITY, best_big = INFINITY;
		anneal_point pt;
		volatile double sink = 0;
		for (int rep = 0; rep < 10; rep++) {
			double t0 = now();
			for (int64_t s = 0; s < EVALS; s++) {
				d->eval(s, NULL, &pt);
				sink += pt.value[0];
			}
			double te = (now() - t0) / EVALS;
			double tf = time_steps(small, 200000);
			double tb = time_steps(big, 20);
			best_eval = te < best_eval ? te : best_eval;
			best_fixed = tf < best_fixed ? tf : best_fixed;
			best_big = tb < best_big ? tb : best_big;
		}
		printf("%-13s eval %.1f ns, fixed cost of a step %.1f ns, 1M step %.1f us: eval + dispatch = %.3f%% of the step\n",
		       names[k], 1e9 * best_eval, 1e9 * best_fixed, 1e6 * best_big, 100 * best_fixed / best_big);
		anneal_destroy(small);
		anneal_destroy(big);
	}
	annealc_jit_free(jit);
	annealc_free(prog);
	free(p);
	free(g);
	return 0;
}
