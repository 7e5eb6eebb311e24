/* fashion.c: train an MLP on Fashion-MNIST under a JIT-compiled schedule, then test the final model, the snapshot ensemble and SWA. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <anneal/anneal.h>
#include <anneal/annealc.h>

#include "dist.h"
#include "fashion.h"

/* Exit codes, as annealc's: 1 the schedule is at fault (its diagnostics, a
   value the optimizer refuses, or a run it drove to a non-finite loss),
   2 usage or system errors. */
enum { EXIT_OK = 0, EXIT_SCHEDULE = 1, EXIT_USAGE = 2 };

#define MAX_PARAMS 32

typedef struct Opts {
	const char *schedule_file, *schedule_name, *log_path, *data_dir;
	const char *param_key[MAX_PARAMS];
	double param_val[MAX_PARAMS];
	int nparam;
	int epochs, batch, keep, threads;
	int64_t subset;
	int adamw;
	double wd;
	uint64_t seed;
	int hidden[FASHION_MAX_LAYERS];
	int nhidden;
	int mpi;        /* DIST_SINGLE, or the libanneal_mpi mode */
	int rank, size; /* this process among the job's (0 of 1 without --mpi) */
} Opts;

static const char usage_text[] =
	"usage: fashion --schedule FILE [options]\n"
	"Train a ReLU MLP on Fashion-MNIST under the schedule in FILE (JIT-compiled),\n"
	"then report the test accuracy of the final model, of the snapshot ensemble\n"
	"and of the SWA average.\n"
	"\n"
	"  --schedule FILE      the schedule file (required)\n"
	"  --name NAME          which schedule of FILE (default: the first)\n"
	"  --param K=V          override a param of the schedule (repeatable)\n"
	"  --epochs N           epochs (default 20); the schedule's `total` param gets\n"
	"                       N * steps_per_epoch and `steps_per_epoch` its value\n"
	"  --batch B            minibatch size (default 128)\n"
	"  --subset N           train on the first N training images (default: all)\n"
	"  --hidden A[,B...]    hidden layer widths (default 256)\n"
	"  --optimizer sgd|adamw  (default sgd; momentum from the schedule)\n"
	"  --wd X               weight decay when the schedule has no weight_decay\n"
	"                       channel (default 5e-4 for sgd, 1e-2 for adamw)\n"
	"  --keep K             snapshots kept for the ensemble (default 16)\n"
	"  --seed S             initialisation and shuffling seed (default 1)\n"
	"  --threads N          OpenBLAS threads (default 1); a run is the same for\n"
	"                       the same seed and N, but N changes its rounding\n"
	"  --log FILE           CSV per step: step,lr,momentum,loss,accuracy\n"
	"  --data DIR           the idx .gz files (default /usr/share/datasets/fashion-mnist)\n"
	"  --mpi replicated|sharded  data-parallel over the ranks of mpirun: each takes\n"
	"                       its slice of every minibatch (libanneal_mpi)\n"
	"Exit status: 0 success, 1 the schedule has errors, gives the optimizer a bad\n"
	"value or drives the loss to NaN, 2 usage or system error.\n";

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "fashion: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_hidden(Opts *o, const char *s)
{
	o->nhidden = 0;
	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v < 1 || v > 65536 || o->nhidden == FASHION_MAX_LAYERS - 1)
			return -1;
		o->hidden[o->nhidden++] = (int)v;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -1;
		s = end;
	}
	return o->nhidden > 0 ? 0 : -1;
}

static int parse_args(Opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		}
		if (i + 1 >= argc)
			return usage_error("%s needs a value (or is unknown)", a);
		const char *v = argv[++i];
		long n;
		if (strcmp(a, "--schedule") == 0)
			o->schedule_file = v;
		else if (strcmp(a, "--name") == 0)
			o->schedule_name = v;
		else if (strcmp(a, "--log") == 0)
			o->log_path = v;
		else if (strcmp(a, "--data") == 0)
			o->data_dir = v;
		else if (strcmp(a, "--param") == 0) {
			const char *eq = strchr(v, '=');
			char *end;
			if (eq == NULL || eq == v || o->nparam == MAX_PARAMS)
				return usage_error("--param expects K=V, got '%s'", v);
			double x = strtod(eq + 1, &end);
			if (end == eq + 1 || *end != '\0' || !isfinite(x))
				return usage_error("--param expects a finite number after '=', got '%s'", v);
			o->param_key[o->nparam] = strndup(v, (size_t)(eq - v));
			o->param_val[o->nparam++] = x;
		} else if (strcmp(a, "--epochs") == 0) {
			if (parse_long(v, 1, 100000, &n) < 0)
				return usage_error("--epochs expects a whole number >= 1, got '%s'", v);
			o->epochs = (int)n;
		} else if (strcmp(a, "--batch") == 0) {
			if (parse_long(v, 1, 65536, &n) < 0)
				return usage_error("--batch expects a whole number >= 1, got '%s'", v);
			o->batch = (int)n;
		} else if (strcmp(a, "--subset") == 0) {
			if (parse_long(v, 1, 1L << 40, &n) < 0)
				return usage_error("--subset expects a whole number >= 1, got '%s'", v);
			o->subset = n;
		} else if (strcmp(a, "--threads") == 0) {
			if (parse_long(v, 1, 1024, &n) < 0)
				return usage_error("--threads expects a whole number >= 1, got '%s'", v);
			o->threads = (int)n;
		} else if (strcmp(a, "--keep") == 0) {
			if (parse_long(v, 0, 4096, &n) < 0)
				return usage_error("--keep expects a whole number >= 0, got '%s'", v);
			o->keep = (int)n;
		} else if (strcmp(a, "--seed") == 0) {
			char *end;
			unsigned long long s = strtoull(v, &end, 10);
			if (end == v || *end != '\0')
				return usage_error("--seed expects a whole number, got '%s'", v);
			o->seed = s;
		} else if (strcmp(a, "--wd") == 0) {
			char *end;
			o->wd = strtod(v, &end);
			if (end == v || *end != '\0' || !(o->wd >= 0))
				return usage_error("--wd expects a number >= 0, got '%s'", v);
		} else if (strcmp(a, "--hidden") == 0) {
			if (parse_hidden(o, v) < 0)
				return usage_error("--hidden expects widths like 256 or 512,256, got '%s'", v);
		} else if (strcmp(a, "--mpi") == 0) {
			if (strcmp(v, "replicated") == 0)
				o->mpi = DIST_REPLICATED;
			else if (strcmp(v, "sharded") == 0)
				o->mpi = DIST_SHARDED;
			else
				return usage_error("--mpi expects replicated or sharded, got '%s'", v);
			if (!dist_available())
				return usage_error("--mpi %s: this build has no Open MPI (libanneal_mpi)", v);
		} else if (strcmp(a, "--optimizer") == 0) {
			if (strcmp(v, "sgd") == 0)
				o->adamw = 0;
			else if (strcmp(v, "adamw") == 0)
				o->adamw = 1;
			else
				return usage_error("--optimizer expects sgd or adamw, got '%s'", v);
		} else
			return usage_error("unknown option '%s'", a);
	}
	if (o->schedule_file == NULL)
		return usage_error("%s", "no schedule: give --schedule FILE");
	return EXIT_OK;
}

/* Load, set steps_per_epoch and total when the schedule declares them, apply
   --param, JIT-compile.  Returns the descriptor or NULL with *rc set. */
static const anneal_desc *load_schedule(const Opts *o, int64_t spe, annealc_program **prog, annealc_jit **jit,
                                        int *rc)
{
	const annealc_sink diag = {stderr, NULL, NULL};
	*jit = NULL;
	anneal_status st = annealc_load_file(o->schedule_file, &diag, prog);
	if (st != ANNEAL_OK) {
		*rc = st == ANNEAL_ERR_INPUT ? EXIT_SCHEDULE : EXIT_USAGE;
		return NULL;
	}
	int idx = annealc_schedule_find(*prog, o->schedule_name);
	if (idx < 0) {
		fprintf(stderr, "fashion: %s has no schedule '%s'\n", o->schedule_file, o->schedule_name);
		*rc = EXIT_USAGE;
		return NULL;
	}
	const char *auto_key[2] = {"steps_per_epoch", "total"};
	double auto_val[2] = {(double)spe, (double)spe * o->epochs};
	for (int k = 0; k < 2 + o->nparam; k++) {
		const char *key = k < 2 ? auto_key[k] : o->param_key[k - 2];
		double val = k < 2 ? auto_val[k] : o->param_val[k - 2];
		if (k < 2 && annealc_param_find(*prog, idx, key) < 0)
			continue;
		st = annealc_set_param(*prog, idx, key, val, &diag);
		if (st == ANNEAL_ERR_INVALID) {
			*rc = EXIT_USAGE;
			return NULL;
		}
		if (st != ANNEAL_OK) {
			fprintf(stderr, "fashion: %s = %g makes schedule '%s' invalid\n", key, val,
			        annealc_schedule_name(*prog, idx));
			*rc = EXIT_SCHEDULE;
			return NULL;
		}
	}
	if (annealc_jit_new(&diag, jit) != ANNEAL_OK) {
		*rc = EXIT_USAGE;
		return NULL;
	}
	const anneal_desc *d;
	if (annealc_jit_compile(*jit, *prog, idx, NULL, &d) != ANNEAL_OK) {
		fprintf(stderr, "fashion: %s\n", annealc_jit_errmsg(*jit));
		*rc = EXIT_USAGE;
	}
	return d;
}

static void shuffle(int64_t *perm, int64_t n, uint64_t *rng)
{
	for (int64_t i = n - 1; i > 0; i--) {
		int64_t j = (int64_t)(fashion_rand(rng) % (uint64_t)(i + 1));
		int64_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

static void progress(int epoch, int epochs, int64_t done, int64_t spe, double loss)
{
	enum { WIDTH = 30 };
	int fill = (int)(WIDTH * done / spe);
	char bar[WIDTH + 1];
	for (int i = 0; i < WIDTH; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	bar[WIDTH] = '\0';
	fprintf(stderr, "\repoch %d/%d [%s] %lld/%lld loss %.4f", epoch, epochs, bar, (long long)done, (long long)spe,
	        loss);
	fflush(stderr);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double pct(int64_t hits, int64_t n)
{
	return 100.0 * (double)hits / (double)n;
}

static int64_t vote(const double *prob, const Dataset *d)
{
	int64_t hits = 0;
	for (int64_t i = 0; i < d->n; i++) {
		const double *p = prob + i * FASHION_CLASSES;
		int best = 0;
		for (int k = 1; k < FASHION_CLASSES; k++)
			if (p[k] > p[best])
				best = k;
		hits += best == d->y[i];
	}
	return hits;
}

/*
 * The snapshot ensemble (Huang et al. 2017, "Snapshot Ensembles: Train 1,
 * get M for free"): the averaged softmax of the kept snapshots plus the
 * final model, which ends the last cycle (no restart follows it to take a
 * snapshot).  SWA likewise folds the final weights into the runtime's
 * average, into a scratch copy, so the optimizer's state stays as it is.
 */
static int report(const Opts *o, Mlp *m, Dist *t, const Dataset *test, double *final_acc, double *ens_acc,
                  int *ens_n, double *swa_acc, int64_t *swa_n)
{
	anneal_opt *opt = dist_opt(t);
	int64_t taken = anneal_snapshot_count(opt);
	int held = (int)(taken < o->keep ? taken : o->keep);
	size_t one = (size_t)test->n * FASHION_CLASSES;
	/* prob[k]: model k's softmax over the test set (the snapshots, oldest
	   first, then the final model); sum: the running ensemble */
	double *prob = calloc(one * (size_t)(held + 2), sizeof *prob);
	/* whole: every parameter, weights then biases (the two groups back to
	   back), of a snapshot or the SWA average, gathered from the shards under --mpi sharded */
	float *w = malloc((size_t)m->nweight * sizeof *w), *b = malloc((size_t)m->nbias * sizeof *b);
	float *whole = malloc((size_t)(m->nweight + m->nbias) * sizeof *whole);
	if (prob == NULL || w == NULL || b == NULL || whole == NULL) {
		free(prob);
		free(w);
		free(b);
		free(whole);
		return -1;
	}
	double *sum = prob + one * (size_t)(held + 1);
	for (int i = 0; i < held; i++) {
		int64_t step;
		if (dist_whole_snapshot(t, i, whole, &step) != ANNEAL_OK)
			return free(prob), free(w), free(b), free(whole), -1;
		int64_t hits = mlp_predict(m, whole, whole + m->nweight, test, prob + one * (size_t)i);
		printf("snapshot %d: before step %lld: test %.2f%%\n", i + 1, (long long)step, pct(hits, test->n));
	}
	*final_acc = pct(mlp_predict(m, m->w, m->b, test, prob + one * (size_t)held), test->n);
	/* Huang et al. report ensembles of the last m snapshots; so do we. */
	for (int k = held; k >= 0; k--) {
		for (size_t i = 0; i < one; i++)
			sum[i] += prob[one * (size_t)k + i];
		*ens_acc = pct(vote(sum, test), test->n);
		if (k < held)
			printf("ensemble of the last %d models: test %.2f%%\n", held + 1 - k, *ens_acc);
	}
	*ens_n = held + 1;
	*swa_n = anneal_swa_count(opt);
	*swa_acc = NAN;
	if (*swa_n > 0) {
		if (dist_whole_state(t, ANNEAL_STATE_SWA, whole) != ANNEAL_OK)
			return free(prob), free(w), free(b), free(whole), -1;
		const float *aw = whole, *ab = whole + m->nweight;
		float inv = 1.0f / (float)(*swa_n + 1);
		for (int64_t i = 0; i < m->nweight; i++)
			w[i] = aw[i] + (m->w[i] - aw[i]) * inv;
		for (int64_t i = 0; i < m->nbias; i++)
			b[i] = ab[i] + (m->b[i] - ab[i]) * inv;
		*swa_acc = pct(mlp_predict(m, w, b, test, NULL), test->n);
	}
	free(prob);
	free(w);
	free(b);
	free(whole);
	return 0;
}

static void on_call(void *user, int64_t step, const anneal_point *pt)
{
	printf("# step %lld: call %s\n", (long long)step, (const char *)user);
}

/* This rank's slice of a minibatch of n: forward and backward, gradients of
   the minibatch's mean loss (each slice's weighted by its share of the n, so
   the ranks' average is the whole minibatch's); returns this slice's part of
   the mean loss and its correct guesses. */
static double train_slice(const Opts *o, Mlp *m, const Dataset *d, const int64_t *idx, int n, int64_t *hits)
{
	int lo = (int)((int64_t)n * o->rank / o->size), hi = (int)((int64_t)n * (o->rank + 1) / o->size);
	if (hi == lo) {
		memset(m->gw, 0, (size_t)m->nweight * sizeof *m->gw);
		memset(m->gb, 0, (size_t)m->nbias * sizeof *m->gb);
		*hits = 0;
		return 0;
	}
	double loss = mlp_train_batch(m, d, idx + lo, hi - lo, hits);
	if (o->size > 1 && (hi - lo) * o->size != n) {
		float k = (float)(hi - lo) * (float)o->size / (float)n;
		for (int64_t i = 0; i < m->nweight; i++)
			m->gw[i] *= k;
		for (int64_t i = 0; i < m->nbias; i++)
			m->gb[i] *= k;
	}
	return loss * (hi - lo) / n;
}

static int train(const Opts *o, const anneal_desc *desc, Mlp *m, const Dataset *train_set, const Dataset *test,
                 int64_t spe)
{
	anneal_config c;
	anneal_config_init(&c, o->adamw ? ANNEAL_ADAMW : ANNEAL_SGD);
	if (!o->adamw) {
		c.lr = 0.05;
		c.momentum = 0.9;
	}
	c.weight_decay = o->wd >= 0 ? o->wd : o->adamw ? 1e-2 : 5e-4;
	c.snapshot_keep = o->keep;
	c.seed = o->seed;
	anneal_group g[2] = {
		{m->w, m->gw, m->nweight, 1.0, 1.0},
		{m->b, m->gb, m->nbias, 1.0, 0.0}, /* no weight decay on biases */
	};
	char err[ANNEAL_ERRLEN];
	/* NULL params: the descriptor's defaults, which annealc_set_param set */
	Dist *t = dist_create(o->mpi, &c, g, 2, desc, err, sizeof err);
	if (t == NULL) {
		fprintf(stderr, "fashion: %s\n", err);
		return EXIT_USAGE;
	}
	anneal_opt *opt = dist_opt(t);
	/* This host has no named actions of its own: a `call NAME` is logged. */
	for (int32_t i = 0; i < desc->nhook; i++)
		for (int32_t j = 0; j < desc->hook[i].naction; j++)
			if (desc->hook[i].action[j].kind == ANNEAL_ACT_CALL)
				anneal_set_callback(opt, desc->hook[i].action[j].name, on_call,
				                    (void *)desc->hook[i].action[j].name);
	FILE *log = NULL;
	if (o->log_path != NULL && (log = fopen(o->log_path, "w")) == NULL) {
		perror(o->log_path);
		dist_destroy(t);
		return EXIT_USAGE;
	}
	if (log != NULL)
		fprintf(log, "step,lr,momentum,loss,accuracy\n");
	int64_t *perm = malloc((size_t)train_set->n * sizeof *perm);
	if (perm == NULL) {
		fprintf(stderr, "fashion: out of memory\n");
		dist_destroy(t);
		return EXIT_USAGE;
	}
	for (int64_t i = 0; i < train_set->n; i++)
		perm[i] = i;
	uint64_t rng = o->seed ^ 0x5eed5eed5eed5eedULL;
	int bar = isatty(STDERR_FILENO);
	int64_t tick = spe / 50 > 0 ? spe / 50 : 1;
	int rc = EXIT_OK;
	printf("%5s %10s %9s %8s %8s %8s\n", "epoch", "lr", "loss", "train%", "test%", "seconds");
	for (int e = 0; e < o->epochs && rc == EXIT_OK; e++) {
		double t0 = now(), lsum = 0;
		int64_t hsum = 0;
		shuffle(perm, train_set->n, &rng);
		for (int64_t s = 0; s < spe; s++) {
			int64_t first = s * o->batch;
			int n = train_set->n - first < o->batch ? (int)(train_set->n - first) : o->batch;
			int64_t hits;
			double loss = train_slice(o, m, train_set, perm + first, n, &hits);
			if (o->size > 1) {
				double sums[2] = {loss, (double)hits};
				dist_sum(t, sums, 2);
				loss = sums[0];
				hits = (int64_t)sums[1];
			}
			if (!isfinite(loss)) {
				fprintf(stderr, "%sfashion: the loss is %g at step %lld (is the schedule's lr too high?)\n",
				        bar ? "\n" : "", loss, (long long)anneal_get_step(opt));
				rc = EXIT_SCHEDULE;
				break;
			}
			if (dist_step(t) != ANNEAL_OK) {
				fprintf(stderr, "%sfashion: %s\n", bar ? "\n" : "", dist_errmsg(t));
				rc = EXIT_SCHEDULE;
				break;
			}
			const anneal_point *pt = anneal_last_point(opt);
			if (log != NULL)
				fprintf(log, "%lld,%.9g,%.9g,%.6f,%.6f\n", (long long)anneal_get_step(opt) - 1,
				        pt->value[ANNEAL_LR], pt->value[ANNEAL_MOMENTUM], loss, (double)hits / n);
			lsum += loss * n;
			hsum += hits;
			if (bar && (s % tick == 0 || s + 1 == spe))
				progress(e + 1, o->epochs, s + 1, spe, loss);
		}
		if (bar)
			fprintf(stderr, "\r\033[K");
		if (rc != EXIT_OK)
			break;
		int64_t th = mlp_predict(m, m->w, m->b, test, NULL);
		printf("%5d %10.6f %9.4f %8.2f %8.2f %8.1f\n", e + 1, anneal_last_point(opt)->value[ANNEAL_LR],
		       lsum / (double)train_set->n, pct(hsum, train_set->n), pct(th, test->n), now() - t0);
		fflush(stdout);
	}
	if (rc == EXIT_OK) {
		double fin = NAN, ens = NAN, swa = NAN;
		int ens_n;
		int64_t swa_n;
		if (report(o, m, t, test, &fin, &ens, &ens_n, &swa, &swa_n) < 0) {
			fprintf(stderr, "fashion: out of memory\n");
			rc = EXIT_USAGE;
		} else {
			printf("final model: test %.2f%%\n", fin);
			if (ens_n > 1)
				printf("snapshot ensemble (%d models: %d snapshot%s + final): test %.2f%%\n", ens_n,
				       ens_n - 1, ens_n == 2 ? "" : "s", ens);
			else
				printf("snapshot ensemble: none (the schedule took no snapshot)\n");
			if (swa_n > 0)
				printf("SWA (%lld folds + final weights): test %.2f%%\n", (long long)swa_n, swa);
			else
				printf("SWA: none (the schedule has no swa action)\n");
			printf("result %s: final %.2f ensemble %.2f (%d) swa %.2f (%lld)\n", desc->name, fin,
			       ens_n > 1 ? ens : NAN, ens_n, swa, (long long)(swa_n > 0 ? swa_n + 1 : 0));
		}
	}
	if (log != NULL && fclose(log) != 0) {
		perror(o->log_path);
		rc = rc == EXIT_OK ? EXIT_USAGE : rc;
	}
	free(perm);
	dist_destroy(t);
	return rc;
}

static int run(Opts *o);

int main(int argc, char **argv)
{
	Opts o = {.data_dir = "/usr/share/datasets/fashion-mnist", .epochs = 20, .batch = 128, .keep = 16,
	          .threads = 1, .wd = -1, .seed = 1, .hidden = {256}, .nhidden = 1, .mpi = DIST_SINGLE};
	int rc = parse_args(&o, argc, argv);
	if (rc != EXIT_OK)
		return rc;
	if (dist_init(o.mpi, &argc, &argv, &o.rank, &o.size) < 0) {
		fprintf(stderr, "fashion: --mpi: MPI_Init failed (run under mpirun)\n");
		return EXIT_USAGE;
	}
	/* Every rank trains alike; rank 0 alone reports and logs. */
	if (o.rank != 0) {
		o.log_path = NULL;
		if (freopen("/dev/null", "w", stdout) == NULL)
			return EXIT_USAGE;
	}
	rc = run(&o);
	dist_finish(o.mpi);
	for (int i = 0; i < o.nparam; i++)
		free((char *)o.param_key[i]);
	return rc;
}

/* Data, schedule, network, training and report, for one process or one rank. */
static int run(Opts *opts)
{
	Opts o = *opts;
	int rc = EXIT_OK;
	if (mlp_blas_threads(o.threads) < 0) {
		fprintf(stderr, "fashion: --threads: this BLAS is not OpenBLAS, its threads cannot be set\n");
		return EXIT_USAGE;
	}
	Dataset train_set, test;
	char err[4352];
	if (data_load(&train_set, o.data_dir, "train", o.subset, err, sizeof err) < 0) {
		fprintf(stderr, "fashion: %s (give --data DIR)\n", err);
		return EXIT_USAGE;
	}
	if (data_load(&test, o.data_dir, "t10k", 0, err, sizeof err) < 0) {
		fprintf(stderr, "fashion: %s (give --data DIR)\n", err);
		data_free(&train_set);
		return EXIT_USAGE;
	}
	double mean, sd;
	data_stats(&train_set, &mean, &sd);
	data_standardise(&train_set, mean, sd);
	data_standardise(&test, mean, sd);
	int64_t spe = (train_set.n + o.batch - 1) / o.batch;

	annealc_program *prog;
	annealc_jit *jit;
	const anneal_desc *desc = load_schedule(&o, spe, &prog, &jit, &rc);
	if (desc != NULL) {
		int dim[FASHION_MAX_LAYERS + 1];
		dim[0] = FASHION_PIXELS;
		for (int l = 0; l < o.nhidden; l++)
			dim[l + 1] = o.hidden[l];
		dim[o.nhidden + 1] = FASHION_CLASSES;
		Mlp m;
		if (mlp_init(&m, dim, o.nhidden + 1, o.batch, o.seed) < 0) {
			fprintf(stderr, "fashion: out of memory for the network\n");
			rc = EXIT_USAGE;
		} else {
			printf("# %s: schedule %s, %lld training images, %lld steps/epoch, %d epochs, batch %d, %s, seed %llu",
			       o.schedule_file, desc->name, (long long)train_set.n, (long long)spe, o.epochs, o.batch,
			       o.adamw ? "adamw" : "sgd", (unsigned long long)o.seed);
			if (o.mpi != DIST_SINGLE)
				printf(", %d ranks, %s", o.size, o.mpi == DIST_SHARDED ? "sharded" : "replicated");
			printf("\n");
			rc = train(&o, desc, &m, &train_set, &test, spe);
			mlp_free(&m);
		}
	}
	if (jit != NULL)
		annealc_jit_free(jit);
	if (prog != NULL)
		annealc_free(prog);
	data_free(&train_set);
	data_free(&test);
	return rc;
}
