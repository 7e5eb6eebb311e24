/* runtime_step.c: libanneal's step time against an in-place streaming kernel of the same memory traffic. */
/* usage: runtime_step [MAX_ELEMENTS [REPS [MIN_ELEMENTS]]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <anneal/anneal.h>

/*
 * bench.md's rules: candidate and reference in one process, interleaved
 * (A, B, A, B ...), best of >= 10, arrays first touched with the kernels'
 * thread partition.  The reference streams exactly the optimizer's traffic
 * (SGD-momentum: read p, g, v, write p, v = 20 bytes/element; AdamW: read p,
 * g, m, v, write p, m, v = 28 bytes/element) with trivial arithmetic, split
 * across threads the way libanneal splits (contiguous shares cut at multiples
 * of 64 elements, one thread below the same size cut-off).
 */
#define ALIGN 64
#define PARALLEL_MIN (1 << 18)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define CLONES
#endif

/* A hand-written compiled schedule (the ABI filled in C): SGDR with a
   momentum cycle, so every step pays a real cos. */
static void bench_eval(int64_t step, const double *params, anneal_point *out)
{
	int64_t t = step % 1000;
	for (int i = 0; i < ANNEAL_MAX_CHANNELS; i++)
		out->value[i] = NAN;
	out->value[ANNEAL_LR] = 1e-5 + (1e-3 - 1e-5) * 0.5 * (1 + cos(M_PI * (double)t / 1000));
	out->value[ANNEAL_MOMENTUM] = 0.85 + 0.1 * ((double)t / 1000);
	out->events = 0;
	out->cycle = step / 1000;
	out->phase = 0;
	out->reserved = 0;
}

static const anneal_desc bench_desc = {
	.abi_version = ANNEAL_ABI_VERSION,
	.name = "bench_sgdr",
	.channels = 1u << ANNEAL_LR | 1u << ANNEAL_MOMENTUM,
	.channel_name = {"lr", "momentum"},
	.horizon = -1,
	.eval = bench_eval,
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void share(int64_t n, int tid, int nthr, int64_t *lo, int64_t *hi)
{
	int64_t chunk = (n + nthr - 1) / nthr;
	chunk = (chunk + ALIGN - 1) / ALIGN * ALIGN;
	*lo = tid * chunk < n ? tid * chunk : n;
	*hi = *lo + chunk < n ? *lo + chunk : n;
}

CLONES static void ref_sgd(float *restrict p, const float *restrict g, float *restrict v, int64_t lo, int64_t hi)
{
	for (int64_t i = lo; i < hi; i++) {
		float vi = v[i] * 0.5f + g[i];
		v[i] = vi;
		p[i] = p[i] - 1e-9f * vi;
	}
}

CLONES static void ref_adam(float *restrict p, const float *restrict g, float *restrict m, float *restrict v,
                            int64_t lo, int64_t hi)
{
	for (int64_t i = lo; i < hi; i++) {
		float mi = m[i] * 0.5f + g[i], vi = v[i] * 0.5f + g[i];
		m[i] = mi;
		v[i] = vi;
		p[i] = p[i] - 1e-9f * mi;
	}
}

typedef struct Arrays {
	float *p, *g, *m, *v;
	int64_t n;
} Arrays;

static void ref_step(const Arrays *a, int adam, int nthr)
{
	if (nthr <= 1 || a->n < PARALLEL_MIN) {
		if (adam)
			ref_adam(a->p, a->g, a->m, a->v, 0, a->n);
		else
			ref_sgd(a->p, a->g, a->m, 0, a->n);
		return;
	}
#pragma omp parallel num_threads(nthr)
	{
		int64_t lo, hi;
		share(a->n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (adam)
			ref_adam(a->p, a->g, a->m, a->v, lo, hi);
		else
			ref_sgd(a->p, a->g, a->m, lo, hi);
	}
}

/* The reference's m and v are separate from the optimizer's state but
   the same size, so both sides stream arrays of the same size. */
static float *alloc_touch(int64_t n, float value, int nthr)
{
	float *x = aligned_alloc(64, ((size_t)n * sizeof(float) + 63) / 64 * 64);
	if (x == NULL) {
		fprintf(stderr, "runtime_step: out of memory for %lld elements\n", (long long)n);
		exit(2);
	}
#pragma omp parallel num_threads(nthr)
	{
		int64_t lo, hi;
		share(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		for (int64_t i = lo; i < hi; i++)
			x[i] = value;
	}
	return x;
}

typedef struct Result {
	double opt, ref; /* best seconds per step */
	double paired;   /* median over repetitions of opt/ref measured back to back */
} Result;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static Result measure(anneal_opt *o, const Arrays *ref, int adam, int nthr, int reps)
{
	/* Samples of ~0.2 ms at least, so the clock's resolution does not matter
	   but a sample often fits between two preemptions on a shared machine;
	   small arrays take five times the repetitions for the same reason. */
	int64_t iters = (int64_t)(2e5 / (double)ref->n) + 1;
	if (ref->n <= 65536)
		reps *= 5;
	Result r = {INFINITY, INFINITY, 0};
	double *ratio = malloc((size_t)reps * sizeof *ratio);
	for (int rep = 0; rep < reps; rep++) {
		double t0 = now();
		for (int64_t k = 0; k < iters; k++)
			if (anneal_step(o) != 0) {
				fprintf(stderr, "runtime_step: %s\n", anneal_errmsg(o));
				exit(2);
			}
		double t1 = now();
		for (int64_t k = 0; k < iters; k++)
			ref_step(ref, adam, nthr);
		double t2 = now();
		if ((t1 - t0) / (double)iters < r.opt)
			r.opt = (t1 - t0) / (double)iters;
		if ((t2 - t1) / (double)iters < r.ref)
			r.ref = (t2 - t1) / (double)iters;
		ratio[rep] = (t1 - t0) / (t2 - t1);
	}
	qsort(ratio, (size_t)reps, sizeof *ratio, cmp_double);
	r.paired = reps % 2 ? ratio[reps / 2] : 0.5 * (ratio[reps / 2 - 1] + ratio[reps / 2]);
	free(ratio);
	return r;
}

static anneal_opt *make(int adam, float *p, const float *g, int64_t n, int nthr)
{
	anneal_config c;
	anneal_config_init(&c, adam ? ANNEAL_ADAMW : ANNEAL_SGD);
	c.threads = nthr;
	c.parallel_min = PARALLEL_MIN;
	anneal_group gr = {p, g, n, 1, 1};
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(&c, &gr, 1, &bench_desc, NULL, &o, err, sizeof err);
	if (o == NULL) {
		fprintf(stderr, "runtime_step: %s\n", err);
		exit(2);
	}
	return o;
}

/* The fixed cost of a step (schedule evaluation, fallbacks, hooks, scalars,
   dispatch): the step of a one-element group. */
static double fixed_cost(int adam)
{
	float p[1] = {1}, g[1] = {0.5f};
	anneal_opt *o = make(adam, p, g, 1, 1);
	double best = INFINITY;
	for (int rep = 0; rep < 20; rep++) {
		double t0 = now();
		for (int k = 0; k < 100000; k++)
			anneal_step(o);
		double t = (now() - t0) / 100000;
		best = t < best ? t : best;
	}
	anneal_destroy(o);
	return best;
}

int main(int argc, char **argv)
{
	int64_t sizes[] = {1000, 32768, 1000000, 100000000};
	int64_t max = argc > 1 ? atoll(argv[1]) : 100000000;
	int reps = argc > 2 ? atoi(argv[2]) : 10;
	int64_t min = argc > 3 ? atoll(argv[3]) : 0;
	const char *kname[2] = {"sgd-momentum", "adamw"};
	const int bytes[2] = {20, 28};
	double one_m[2][3] = {{0}};
	double small[2][2][3] = {{{0}}};

	printf("# libanneal step vs in-place streaming reference of the same traffic; best of %d, interleaved\n", reps);
	printf("# ratio: best over best; paired: the median of the back-to-back ratios, which drifting bandwidth moves less\n");
	printf("# %-13s %10s %3s %10s %8s %10s %8s %7s %7s\n", "kind", "elements", "thr", "ns/elem", "GB/s", "ref ns/el",
	       "ref GB/s", "ratio", "paired");
	for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
		int64_t n = sizes[si];
		if (n > max || n < min)
			continue;
		for (int adam = 0; adam < 2; adam++) {
			Arrays a = {alloc_touch(n, 0.25f, 2), alloc_touch(n, 0.75f, 2), alloc_touch(n, 0, 2),
			            adam ? alloc_touch(n, 0, 2) : NULL, n};
			float *g = alloc_touch(n, 0.75f, 2), *p = alloc_touch(n, 0.25f, 2);
			for (int nthr = 1; nthr <= 2; nthr++) {
				anneal_opt *o = make(adam, p, g, n, nthr);
				Result r = measure(o, &a, adam, nthr, reps);
				anneal_destroy(o);
				double ns = 1e9 * r.opt / (double)n, rns = 1e9 * r.ref / (double)n;
				printf("  %-13s %10lld %3d %10.3f %8.2f %10.3f %8.2f %7.3f %7.3f\n", kname[adam], (long long)n,
				       nthr, ns, bytes[adam] / ns, rns, bytes[adam] / rns, r.opt / r.ref, r.paired);
				printf("RESULT %s %lld %d %.6g %.6g\n", kname[adam], (long long)n, nthr, ns, rns);
				fflush(stdout);
				if (n == 1000000)
					one_m[adam][nthr] = r.opt;
				if (si < 2)
					small[adam][si][nthr] = r.opt;
			}
			free(a.p);
			free(a.g);
			free(a.m);
			free(a.v);
			free(g);
			free(p);
		}
	}
	for (int adam = 0; adam < 2; adam++) {
		double fc = fixed_cost(adam);
		printf("# %s fixed cost per step (schedule eval + dispatch): %.0f ns", kname[adam], 1e9 * fc);
		if (one_m[adam][1] > 0)
			printf(" = %.2f%% of the 1M step on 1 thread, %.2f%% on 2", 100 * fc / one_m[adam][1],
			       100 * fc / one_m[adam][2]);
		printf("\n");
		for (int si = 0; si < 2; si++)
			if (small[adam][si][1] > 0)
				printf("# %s %s: 2-thread config / 1-thread time = %.3f (small arrays stay on one thread)\n",
				       kname[adam], si == 0 ? "1K" : "32K", small[adam][si][2] / small[adam][si][1]);
	}
	return 0;
}
