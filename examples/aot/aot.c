/* aot.c: a host linked with an AOT-compiled schedule object and libanneal only: least squares by minibatch SGD, no LLVM at run time. */
#define _GNU_SOURCE
#include <link.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <anneal/anneal.h>

/* Written by `annealc compile warm_sgdr.anneal --header` at build time. */
#include "examples/aot/warm_sgdr.h"

/*
 * The problem: y = X w* + noise with X (ROWS x DIM) and w* drawn from a
 * fixed seed; the host minimises the mean squared error over minibatches of
 * BATCH rows, so the gradient is noisy and the schedule's restarts matter.
 */
enum { ROWS = 1024, DIM = 32, BATCH = 16 };

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return 2.0 * (double)(rng(s) >> 11) * 0x1p-53 - 1.0;
}

typedef struct Problem {
	float x[ROWS][DIM], y[ROWS];
	float w[DIM], g[DIM];
} Problem;

static double loss(const Problem *p, const float *w)
{
	double s = 0;
	for (int i = 0; i < ROWS; i++) {
		double r = -p->y[i];
		for (int j = 0; j < DIM; j++)
			r += (double)p->x[i][j] * w[j];
		s += r * r;
	}
	return 0.5 * s / ROWS;
}

static void gradient(Problem *p, int first)
{
	memset(p->g, 0, sizeof p->g);
	for (int b = 0; b < BATCH; b++) {
		const float *xi = p->x[(first + b) % ROWS];
		double r = -p->y[(first + b) % ROWS];
		for (int j = 0; j < DIM; j++)
			r += (double)xi[j] * p->w[j];
		for (int j = 0; j < DIM; j++)
			p->g[j] += (float)(r * xi[j] / BATCH);
	}
}

static void on_snapshot(void *user, int64_t step, int64_t cycle, const anneal_group *g, int32_t ng)
{
	printf("snapshot before step %lld (restart into cycle %lld): loss %.6f\n", (long long)step, (long long)cycle,
	       loss(user, g[0].param));
}

static void on_progress(void *user, int64_t step, const anneal_point *pt)
{
	printf("step %5lld  lr %.6f  momentum %.2f  loss %.6f\n", (long long)step, pt->value[ANNEAL_LR],
	       pt->value[ANNEAL_MOMENTUM], loss(user, ((Problem *)user)->w));
}

/* Every shared object in the process, to show that none is LLVM's. */
static int find_llvm(struct dl_phdr_info *info, size_t size, void *data)
{
	if (strstr(info->dlpi_name, "LLVM") != NULL || strstr(info->dlpi_name, "libannealc") != NULL) {
		printf("loaded: %s\n", info->dlpi_name);
		++*(int *)data;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* The header's enum names the params, so a host can set them by index. */
	double params[warm_sgdr_NPARAM];
	for (int i = 0; i < warm_sgdr_NPARAM; i++)
		params[i] = warm_sgdr_desc.param[i].value;
	if (argc == 2) {
		char *end;
		params[warm_sgdr_PARAM_peak] = strtod(argv[1], &end);
		if (end == argv[1] || *end != '\0' || !(params[warm_sgdr_PARAM_peak] > 0)) {
			fprintf(stderr, "usage: aot [PEAK]\n");
			return 2;
		}
	} else if (argc > 2) {
		fprintf(stderr, "usage: aot [PEAK]\n");
		return 2;
	}

	static Problem p;
	uint64_t s = 42;
	float wstar[DIM];
	for (int j = 0; j < DIM; j++)
		wstar[j] = (float)unit(&s);
	for (int i = 0; i < ROWS; i++) {
		double y = 0.05 * unit(&s);
		for (int j = 0; j < DIM; j++) {
			p.x[i][j] = (float)unit(&s);
			y += (double)p.x[i][j] * wstar[j];
		}
		p.y[i] = (float)y;
	}

	const anneal_desc *d = &warm_sgdr_desc;
	printf("schedule %s: ABI %u, %d params, %d hooks, horizon %lld steps, peak %g\n", d->name, d->abi_version,
	       d->nparam, d->nhook, (long long)d->horizon, params[warm_sgdr_PARAM_peak]);
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	anneal_group g = {p.w, p.g, DIM, 1.0, 1.0};
	char err[ANNEAL_ERRLEN];
	anneal_opt *opt = NULL;
	anneal_create(&c, &g, 1, d, params, &opt, err, sizeof err);
	if (opt == NULL) {
		fprintf(stderr, "aot: %s\n", err);
		return 2;
	}
	anneal_set_snapshot(opt, on_snapshot, &p);
	if (anneal_set_callback(opt, "progress", on_progress, &p) != 0) {
		fprintf(stderr, "aot: %s\n", anneal_errmsg(opt));
		return 2;
	}
	double start = loss(&p, p.w);
	for (int64_t t = 0; t < d->horizon; t++) {
		gradient(&p, (int)(t * BATCH % ROWS));
		if (anneal_step(opt) != 0) {
			fprintf(stderr, "aot: %s\n", anneal_errmsg(opt));
			return 1;
		}
	}
	/* The object's own entry point agrees with the descriptor's. */
	anneal_point a, b;
	warm_sgdr_eval(d->horizon - 1, params, &a);
	d->eval(d->horizon - 1, params, &b);
	int same = memcmp(a.value, b.value, sizeof a.value) == 0 && a.events == b.events;
	double end = loss(&p, p.w);
	printf("loss %.6f -> %.6f after %lld steps, %lld snapshots\n", start, end, (long long)anneal_get_step(opt),
	       (long long)anneal_snapshot_count(opt));
	int llvm = 0;
	dl_iterate_phdr(find_llvm, &llvm);
	printf("LLVM in this process: %s\n", llvm ? "yes" : "no");
	anneal_destroy(opt);
	return same && !llvm && isfinite(end) ? 0 : 1;
}
