/* quartic.c: noisy SGD on f(x) = x^4 - 2a x^2 + b x under JIT-compiled schedules: which minimum does each reach? */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <anneal/anneal.h>
#include <anneal/annealc.h>

/*
 * The double well of the cosine-annealing literature: with b > 0 the minimum
 * near x = -sqrt(a) is the deep one and the one near +sqrt(a) the shallow
 * one.  Every seed is one particle, all of them one parameter group, so a
 * run of 10000 seeds is one optimizer over 10000 floats.  Every particle
 * starts in the shallow minimum and sees gradient noise of deviation sigma
 * from its own counter-based stream, so a seed gives the same run whatever
 * the schedule.  At the end a particle is in the deep basin when x is left of
 * the barrier (the middle root of f').
 */
typedef struct Opts {
	int64_t seeds, steps;
	double a, b, sigma, momentum;
	const char *file;
} Opts;

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static double normal(uint64_t seed, uint64_t step)
{
	uint64_t r = mix(mix(seed * 0x9e3779b97f4a7c15ULL + 1) ^ step);
	double u1 = ((double)(r >> 11) + 1) * 0x1p-53, u2 = (double)(mix(r) >> 11) * 0x1p-53;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* Roots of f'(x) = 4x^3 - 4ax + b by bisection on the three brackets. */
static double root(const Opts *o, double lo, double hi)
{
	for (int i = 0; i < 200; i++) {
		double mid = 0.5 * (lo + hi);
		double flo = 4 * lo * lo * lo - 4 * o->a * lo + o->b;
		double fm = 4 * mid * mid * mid - 4 * o->a * mid + o->b;
		if ((flo < 0) == (fm < 0))
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static double f(const Opts *o, double x)
{
	return x * x * x * x - 2 * o->a * x * x + o->b * x;
}

/* At each snapshot (the schedule's `snapshot` action, e.g. at every
   restart) the share of particles already in the deep basin. */
typedef struct Snaps {
	double barrier;
	int n;
	int64_t step[64];
	double deep[64];
} Snaps;

static void on_snapshot(void *user, int64_t step, int64_t cycle, const anneal_group *g, int32_t ng)
{
	Snaps *s = user;
	if (s->n == 64)
		return;
	int64_t deep = 0;
	for (int64_t i = 0; i < g[0].n; i++)
		deep += g[0].param[i] < s->barrier;
	s->step[s->n] = step;
	s->deep[s->n++] = 100.0 * (double)deep / (double)g[0].n;
}

static int run(const Opts *o, const anneal_desc *d)
{
	float *x = malloc((size_t)o->seeds * sizeof *x), *g = malloc((size_t)o->seeds * sizeof *g);
	if (x == NULL || g == NULL) {
		fprintf(stderr, "quartic: out of memory\n");
		return 2;
	}
	double s = sqrt(o->a), barrier = root(o, -s / 2, s / 2), shallow = root(o, s / 2, 2 * s + 1);
	for (int64_t i = 0; i < o->seeds; i++)
		x[i] = (float)shallow;
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.momentum = o->momentum;
	anneal_group gr = {x, g, o->seeds, 1, 0};
	char err[ANNEAL_ERRLEN];
	anneal_opt *opt = NULL;
	anneal_create(&c, &gr, 1, d, NULL, &opt, err, sizeof err);
	if (opt == NULL) {
		fprintf(stderr, "quartic: %s: %s\n", d->name, err);
		return 2;
	}
	Snaps snaps = {barrier, 0, {0}, {0}};
	anneal_set_snapshot(opt, on_snapshot, &snaps);
	int64_t steps = o->steps > 0 ? o->steps : d->horizon > 0 ? d->horizon : 3000;
	for (int64_t t = 0; t < steps; t++) {
		for (int64_t i = 0; i < o->seeds; i++) {
			double xi = x[i];
			g[i] = (float)(4 * xi * xi * xi - 4 * o->a * xi + o->b + o->sigma * normal((uint64_t)i, (uint64_t)t));
		}
		if (anneal_step(opt) != 0) {
			fprintf(stderr, "quartic: %s: %s\n", d->name, anneal_errmsg(opt));
			return 2;
		}
	}
	int64_t ndeep = 0, nlost = 0;
	double fsum = 0;
	for (int64_t i = 0; i < o->seeds; i++) {
		if (!isfinite(x[i])) {
			nlost++;
			continue;
		}
		ndeep += x[i] < barrier;
		fsum += f(o, x[i]);
	}
	int64_t nfin = o->seeds - nlost;
	printf("%-12s %8lld %8.2f%% %8.2f%% %10.4f %8lld\n", d->name, (long long)steps,
	       100.0 * (double)ndeep / (double)o->seeds, 100.0 * (double)(nfin - ndeep) / (double)o->seeds,
	       nfin > 0 ? fsum / (double)nfin : NAN, (long long)nlost);
	for (int k = 0; k < snaps.n; k++)
		printf("#   snapshot before step %lld: %.2f%% deep\n", (long long)snaps.step[k],
		       snaps.deep[k]);
	anneal_destroy(opt);
	free(x);
	free(g);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: quartic [--seeds N] [--steps N] [--a A] [--b B] [--sigma S] [--momentum M] "
	                "FILE.anneal [SCHEDULE...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	Opts o = {10000, 0, 1.0, 0.3, 3.0, 0.0, NULL};
	int first = argc;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			o.file = argv[i];
			first = i + 1;
			break;
		}
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (strcmp(argv[i - 1], "--seeds") == 0)
			o.seeds = atoll(v);
		else if (strcmp(argv[i - 1], "--steps") == 0)
			o.steps = atoll(v);
		else if (strcmp(argv[i - 1], "--a") == 0)
			o.a = atof(v);
		else if (strcmp(argv[i - 1], "--b") == 0)
			o.b = atof(v);
		else if (strcmp(argv[i - 1], "--sigma") == 0)
			o.sigma = atof(v);
		else if (strcmp(argv[i - 1], "--momentum") == 0)
			o.momentum = atof(v);
		else
			usage();
	}
	if (o.file == NULL || o.seeds < 1 || !(o.a > 0))
		usage();
	const annealc_sink diag = {stderr, NULL, NULL};
	annealc_program *prog;
	anneal_status st = annealc_load_file(o.file, &diag, &prog);
	if (st != ANNEAL_OK)
		return st == ANNEAL_ERR_INPUT ? 3 : 2;
	annealc_jit *jit;
	if (annealc_jit_new(&diag, &jit) != ANNEAL_OK)
		return 2;
	printf("# f(x) = x^4 - 2*%g x^2 + %g x, %lld seeds from the shallow minimum, gradient noise sigma %g\n", o.a, o.b,
	       (long long)o.seeds, o.sigma);
	printf("%-12s %8s %9s %9s %10s %8s\n", "schedule", "steps", "deep", "shallow", "mean f", "diverged");
	int rc = 0;
	int n = first < argc ? argc - first : annealc_schedule_count(prog);
	for (int k = 0; k < n && rc == 0; k++) {
		int idx = first < argc ? annealc_schedule_find(prog, argv[first + k]) : k;
		if (idx < 0) {
			fprintf(stderr, "quartic: %s has no schedule '%s'\n", o.file, argv[first + k]);
			rc = 2;
			break;
		}
		const anneal_desc *d;
		if (annealc_jit_compile(jit, prog, idx, NULL, &d) != ANNEAL_OK) {
			fprintf(stderr, "quartic: %s\n", annealc_jit_errmsg(jit));
			rc = 2;
			break;
		}
		rc = run(&o, d);
	}
	annealc_jit_free(jit);
	annealc_free(prog);
	return rc;
}
