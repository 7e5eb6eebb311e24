/* mpi_test.c: libanneal_mpi under mpirun -- agreement with one process, failures on every rank, checkpoints across layouts. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <anneal/anneal_mpi.h>

/*
 * Run by tests/mpi/run.sh as `mpirun -np N mpi_test SCENARIO [ARGS]`; each
 * scenario prints FAIL lines and rank 0 ends with "N passed, N failed"
 * summed over the ranks.  The model is three groups (600, 0 and 437
 * elements, the last at half the lr and without weight decay), so shares
 * cross group edges and the whole is not a multiple of the block.  Every
 * rank's gradient is G + (2r - (N-1))/512 with G a multiple of 1/256: the
 * ranks differ, their sum is exact in any order and the average is exactly
 * G for every N, so one process stepping on G is the exact reference --
 * for any world size, which is what makes checkpoints comparable across
 * layouts.
 */

enum { NGROUP = 3, TOTAL = 1037 };
static const int64_t group_n[NGROUP] = {600, 0, 437};
static const double group_lr[NGROUP] = {1, 1, 0.5}, group_wd[NGROUP] = {1, 1, 0};

static int rank, size, pass, fail;

#define CHECK(cond, ...) \
	do { \
		if (cond) { \
			pass++; \
		} else { \
			fail++; \
			printf("FAIL (rank %d): ", rank); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

/* ---- the schedule: restarts every 8 steps, with hooks ---- */

static void cyc8_eval(int64_t step, const double *params, anneal_point *out)
{
	(void)params;
	memset(out, 0, sizeof *out);
	for (int i = 0; i < ANNEAL_MAX_CHANNELS; i++)
		out->value[i] = NAN;
	int64_t t = step % 8;
	out->value[ANNEAL_LR] = 0.002 + 0.018 * 0.5 * (1 + cos(M_PI * (double)t / 8));
	out->cycle = step / 8;
	if (t == 0 && step > 0)
		out->events |= 1u << 0;
	if (step > 0 && step % 5 == 0)
		out->events |= 1u << 1;
}

static const anneal_action act_reset[] = {{ANNEAL_ACT_RESET_MOMENTS, NULL}};
static const anneal_action act_swa[] = {{ANNEAL_ACT_SWA, NULL}};
static const anneal_hook cyc8_hooks[] = {{ANNEAL_EV_RESTART, 0, NULL, 1, act_reset},
                                         {ANNEAL_EV_EVERY, 5, NULL, 1, act_swa}};
static const anneal_desc cyc8 = {ANNEAL_ABI_VERSION, "cyc8", 0, NULL, 1u << ANNEAL_LR, {"lr"}, ANNEAL_LR, 2,
                                 cyc8_hooks, -1, 0x1234cafeULL, cyc8_eval, NULL};
static const anneal_action act_keep[] = {{ANNEAL_ACT_SNAPSHOT, NULL}, {ANNEAL_ACT_RESET_MOMENTS, NULL}};
static const anneal_hook keep8_hooks[] = {{ANNEAL_EV_RESTART, 0, NULL, 2, act_keep},
                                          {ANNEAL_EV_EVERY, 5, NULL, 1, act_swa}};
static const anneal_desc keep8 = {ANNEAL_ABI_VERSION, "keep8", 0, NULL, 1u << ANNEAL_LR, {"lr"}, ANNEAL_LR, 2,
                                  keep8_hooks, -1, 0x8888ULL, cyc8_eval, NULL};
static const anneal_desc other = {ANNEAL_ABI_VERSION, "other", 0, NULL, 1u << ANNEAL_LR, {"lr"}, ANNEAL_LR, 2,
                                  cyc8_hooks, -1, 0x9999ULL, cyc8_eval, NULL};

/* ---- the model ---- */

typedef struct Model {
	float *param[NGROUP], *grad[NGROUP];
	anneal_group group[NGROUP];
} Model;

static void model_init(Model *md)
{
	for (int g = 0, at = 0; g < NGROUP; at += (int)group_n[g], g++) {
		md->param[g] = malloc((size_t)(group_n[g] + 1) * sizeof(float));
		md->grad[g] = malloc((size_t)(group_n[g] + 1) * sizeof(float));
		for (int64_t i = 0; i < group_n[g]; i++)
			md->param[g][i] = (float)((at + i) % 29 - 14) / 16.0f;
		md->group[g] = (anneal_group){md->param[g], md->grad[g], group_n[g], group_lr[g], group_wd[g]};
	}
}

static void model_free(Model *md)
{
	for (int g = 0; g < NGROUP; g++) {
		free(md->param[g]);
		free(md->grad[g]);
	}
}

static float base_grad(int64_t step, int64_t i)
{
	uint32_t x = (uint32_t)step * 2654435761u ^ (uint32_t)i * 40503u;
	x ^= x >> 15;
	x *= 2246822519u;
	x ^= x >> 13;
	return (float)((int)(x & 127) - 64) / 256.0f;
}

/* Rank r's gradient of element i (global index), or the average (r < 0). */
static void fill_grads(Model *md, int64_t step, int r, int n, int nan_step)
{
	for (int g = 0, at = 0; g < NGROUP; at += (int)group_n[g], g++)
		for (int64_t i = 0; i < group_n[g]; i++)
			md->grad[g][i] = base_grad(step, at + i) + (r < 0 ? 0 : (float)(2 * r - (n - 1)) / 512.0f);
	if (step == nan_step && (r < 0 || r == n - 1))
		md->grad[2][400] = NAN;
}

static uint64_t hash_params(const Model *md)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (int g = 0; g < NGROUP; g++) {
		const unsigned char *b = (const unsigned char *)md->param[g];
		for (size_t k = 0; k < (size_t)group_n[g] * sizeof(float); k++)
			h = (h ^ b[k]) * 0x100000001b3ULL;
	}
	return h;
}

static int same_params(const Model *a, const Model *b, int64_t *where)
{
	for (int g = 0, at = 0; g < NGROUP; at += (int)group_n[g], g++)
		for (int64_t i = 0; i < group_n[g]; i++)
			if (memcmp(&a->param[g][i], &b->param[g][i], sizeof(float)) != 0) {
				*where = at + i;
				return 0;
			}
	return 1;
}

/* Every rank holds the same bits (the hash's min and max agree). */
static int ranks_agree(const Model *md)
{
	unsigned long long h = hash_params(md), lo, hi;
	MPI_Allreduce(&h, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, MPI_COMM_WORLD);
	MPI_Allreduce(&h, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
	return lo == hi;
}

static void config_for(anneal_config *c, int kind)
{
	anneal_config_init(c, kind);
	c->nonfinite = ANNEAL_NONFINITE_SKIP;
	if (kind == ANNEAL_SGD) {
		c->momentum = 0.9;
		c->nesterov = 1;
	}
	if (kind == ANNEAL_ADAM)
		c->amsgrad = 1;
	if (kind == ANNEAL_ADAMW)
		c->temperature = 1e-4; /* the noise thermostat: normals by global index */
	if (kind == ANNEAL_RMSPROP)
		c->centered = 1, c->momentum = 0.5;
	c->weight_decay = 0.01;
}

static anneal_mpi *create_or_report(int mode, const anneal_config *c, Model *md, const anneal_desc *d)
{
	anneal_mpi *m = NULL;
	char err[ANNEAL_ERRLEN];
	anneal_status st = anneal_mpi_create(MPI_COMM_WORLD, mode, c, md->group, NGROUP, d, NULL, &m, err, sizeof err);
	CHECK(st == ANNEAL_OK, "anneal_mpi_create: %s", err);
	return m;
}

static anneal_opt *single(const anneal_config *c, Model *md)
{
	anneal_opt *o = NULL;
	char err[ANNEAL_ERRLEN];
	if (anneal_create(c, md->group, NGROUP, &cyc8, NULL, &o, err, sizeof err) != ANNEAL_OK) {
		printf("FAIL (rank %d): single-process anneal_create: %s\n", rank, err);
		exit(1);
	}
	return o;
}

static const char *const mode_name[] = {"replicated", "sharded"};

/* ---- scenarios ---- */

/* Every kind, both modes: each step bit-identical to one process on the
   average and on every rank, a NaN at step 11 skipped by all; state bytes. */
static void scenario_agree(void)
{
	long long replicated_bytes = 0;
	for (int kind = ANNEAL_SGD; kind <= ANNEAL_RMSPROP; kind++)
		for (int mode = 0; mode < 2; mode++) {
			anneal_config c;
			config_for(&c, kind);
			Model md, ref;
			model_init(&md);
			model_init(&ref);
			anneal_mpi *m = create_or_report(mode, &c, &md, &cyc8);
			anneal_opt *o = single(&c, &ref);
			if (m == NULL)
				continue;
			int ok = 1;
			for (int64_t t = 0; t < 20 && ok; t++) {
				fill_grads(&md, t, rank, size, 11);
				fill_grads(&ref, t, -1, size, 11);
				anneal_status st = anneal_mpi_step(m);
				ok = st == ANNEAL_OK && anneal_step(o) == ANNEAL_OK;
				CHECK(ok, "kind %d %s step %lld: %s", kind, mode_name[mode], (long long)t, anneal_mpi_errmsg(m));
				int64_t where = -1;
				ok = ok && same_params(&md, &ref, &where);
				CHECK(ok || where < 0, "kind %d %s step %lld: element %lld differs from one process", kind,
				      mode_name[mode], (long long)t, (long long)where);
				CHECK(ranks_agree(&md), "kind %d %s step %lld: the ranks' parameters differ", kind, mode_name[mode],
				      (long long)t);
			}
			CHECK(anneal_last_skipped(anneal_mpi_local(m)) == 0 && anneal_get_step(anneal_mpi_local(m)) == 20,
			      "kind %d %s: the local optimizer is at step %lld", kind, mode_name[mode],
			      (long long)anneal_get_step(anneal_mpi_local(m)));
			/* state: all of one process's replicated, 1/N of it (within a block) sharded */
			long long mine = anneal_mpi_state_bytes(m), sum = 0;
			MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
			int64_t first, count;
			anneal_mpi_share(m, &first, &count);
			if (mode == ANNEAL_MPI_REPLICATED)
				replicated_bytes = mine;
			CHECK(mode == ANNEAL_MPI_REPLICATED ? count == TOTAL
			                                    : sum == replicated_bytes && count <= TOTAL / size + ANNEAL_MPI_BLOCK,
			      "kind %d %s: state %lld bytes here, %lld in all (replicated: %lld), share %lld", kind,
			      mode_name[mode], mine, sum, replicated_bytes, (long long)count);
			CHECK(first % ANNEAL_MPI_BLOCK == 0, "share starts at %lld, not a block edge", (long long)first);
			if (mode == ANNEAL_MPI_SHARDED && rank == 0 && kind == ANNEAL_ADAMW)
				printf("AdamW state per rank: %lld bytes sharded, %lld replicated (%d ranks)\n", mine,
				       replicated_bytes, size);
			anneal_mpi_destroy(m);
			anneal_destroy(o);
			model_free(&md);
			model_free(&ref);
		}
}

/* tiny DIR: a model of 9 elements, so some shares are empty; snapshots
   kept; the gathered SWA average and snapshots are one process's; a save
   and a load on the same layout carry the snapshots over. */
static void scenario_tiny(const char *dir)
{
	enum { N9 = 9 };
	float p[N9], g[N9], rp[N9], rg[N9], whole[N9], theirs[N9];
	for (int i = 0; i < N9; i++)
		p[i] = rp[i] = (float)i / 8;
	anneal_config c;
	config_for(&c, ANNEAL_ADAM);
	c.snapshot_keep = 2;
	anneal_group gr = {p, g, N9, 1, 1}, rgr = {rp, rg, N9, 1, 1};
	anneal_mpi *m = NULL;
	anneal_opt *o = NULL;
	char err[ANNEAL_ERRLEN];
	CHECK(anneal_mpi_create(MPI_COMM_WORLD, ANNEAL_MPI_SHARDED, &c, &gr, 1, &keep8, NULL, &m, err, sizeof err) ==
	          ANNEAL_OK, "create: %s", err);
	anneal_create(&c, &rgr, 1, &keep8, NULL, &o, NULL, 0);
	if (m == NULL || o == NULL)
		return;
	int64_t first, count;
	anneal_mpi_share(m, &first, &count);
	for (int64_t t = 0; t < 18; t++) {
		for (int i = 0; i < N9; i++) {
			g[i] = base_grad(t, i) + (float)(2 * rank - (size - 1)) / 512.0f;
			rg[i] = base_grad(t, i);
		}
		CHECK(anneal_mpi_step(m) == ANNEAL_OK && anneal_step(o) == ANNEAL_OK, "step %lld: %s", (long long)t,
		      anneal_mpi_errmsg(m));
	}
	CHECK(memcmp(p, rp, sizeof p) == 0, "share [%lld, +%lld): the parameters are not one process's",
	      (long long)first, (long long)count);
	CHECK(anneal_mpi_gather_state(m, ANNEAL_STATE_SWA, whole) == ANNEAL_OK &&
	          memcmp(whole, anneal_state_array(o, 0, ANNEAL_STATE_SWA), sizeof whole) == 0,
	      "the gathered SWA average is not one process's: %s", anneal_mpi_errmsg(m));
	int64_t step = -1, want = -2;
	memcpy(theirs, anneal_snapshot_get(o, 1, 0, &want, NULL), sizeof theirs);
	CHECK(anneal_mpi_gather_snapshot(m, 1, whole, &step) == ANNEAL_OK && step == want && step == 16 &&
	          memcmp(whole, theirs, sizeof whole) == 0,
	      "the gathered snapshot 1 (step %lld, want %lld) is not one process's: %s", (long long)step, (long long)want,
	      anneal_mpi_errmsg(m));
	CHECK(anneal_mpi_gather_snapshot(m, -1, whole, &step) == ANNEAL_ERR_INVALID &&
	          strcmp(anneal_mpi_errmsg(m), "anneal_mpi_gather_snapshot: copy -1 < 0") == 0,
	      "gather_snapshot(-1): '%s'", anneal_mpi_errmsg(m));
	CHECK(anneal_mpi_save(m, dir) == ANNEAL_OK, "save: %s", anneal_mpi_errmsg(m));
	/* the same layout: the snapshots come back with the rest */
	float q[N9], qg[N9];
	memset(q, 0, sizeof q);
	anneal_group qgr = {q, qg, N9, 1, 1};
	anneal_mpi *back = NULL;
	anneal_mpi_create(MPI_COMM_WORLD, ANNEAL_MPI_SHARDED, &c, &qgr, 1, &keep8, NULL, &back, err, sizeof err);
	CHECK(back != NULL && anneal_mpi_load(back, dir) == ANNEAL_OK, "load: %s", anneal_mpi_errmsg(back));
	CHECK(memcmp(q, p, sizeof q) == 0 && anneal_mpi_gather_snapshot(back, 1, whole, &step) == ANNEAL_OK &&
	          memcmp(whole, theirs, sizeof whole) == 0 && step == 16,
	      "the loaded job's parameters or snapshots differ");
	if (rank == 0)
		printf("tiny: %d ranks, rank 0's share %lld elements of %d\n", size, (long long)count, N9);
	anneal_mpi_destroy(back);
	anneal_mpi_destroy(m);
	anneal_destroy(o);
}

/* The plateau controller on every rank sees the mean of the ranks' metrics:
   the same scale everywhere, one process's fed that mean. */
static void scenario_plateau(void)
{
	anneal_config c;
	config_for(&c, ANNEAL_SGD);
	Model md, ref;
	model_init(&md);
	model_init(&ref);
	anneal_mpi *m = create_or_report(ANNEAL_MPI_SHARDED, &c, &md, &cyc8);
	anneal_opt *o = single(&c, &ref);
	if (m == NULL)
		return;
	anneal_plateau_config pc;
	anneal_plateau_config_init(&pc);
	pc.patience = 1;
	CHECK(anneal_plateau_enable(anneal_mpi_local(m), &pc) == ANNEAL_OK && anneal_plateau_enable(o, &pc) == ANNEAL_OK,
	      "plateau_enable");
	double want = -2;
	for (int k = 0; k < 8; k++) {
		/* each rank's metric differs; their mean stops improving after report 2 */
		double mean = k < 3 ? 1.0 - 0.1 * k : 0.8, mine = mean + (rank - (size - 1) / 2.0) * 0.25, scale = -1;
		CHECK(anneal_mpi_plateau_report(m, mine, &scale) == ANNEAL_OK, "plateau report: %s", anneal_mpi_errmsg(m));
		anneal_plateau_report(o, mean, &want);
		double lo, hi;
		MPI_Allreduce(&scale, &lo, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
		MPI_Allreduce(&scale, &hi, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
		CHECK(lo == hi && scale == want, "report %d: scale %g here (ranks %g..%g), one process %g", k, scale, lo, hi,
		      want);
	}
	CHECK(want < 1, "the plateau never reduced the lr (scale %g): the test tests nothing", want);
	anneal_mpi_destroy(m);
	anneal_destroy(o);
	model_free(&md);
	model_free(&ref);
}

/* Gradients whose sum rounds: the two modes reduce alike (bit for bit),
   one process agrees within the rounding of the N-term sum. */
static void scenario_rounding(void)
{
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.lr = 0.1;
	Model a, b, ref;
	model_init(&a);
	model_init(&b);
	model_init(&ref);
	anneal_mpi *ma = create_or_report(ANNEAL_MPI_REPLICATED, &c, &a, NULL);
	anneal_mpi *mb = create_or_report(ANNEAL_MPI_SHARDED, &c, &b, NULL);
	anneal_opt *o = NULL;
	anneal_create(&c, ref.group, NGROUP, NULL, NULL, &o, NULL, 0);
	if (ma == NULL || mb == NULL || o == NULL)
		return;
	double bound = 0, worst = 0;
	for (int64_t t = 0; t < 30; t++) {
		double step_bound = 0;
		for (int g = 0, at = 0; g < NGROUP; at += (int)group_n[g], g++)
			for (int64_t i = 0; i < group_n[g]; i++) {
				float mean = 0, mag = 0, x;
				for (int r = 0; r < size; r++) {
					x = sinf((float)(t * 131 + (at + i) * 7 + r * 3)) * 0.37f;
					mean += x / (float)size;
					mag += fabsf(x);
					if (r == rank)
						a.grad[g][i] = b.grad[g][i] = x;
				}
				ref.grad[g][i] = mean;
				double e = 1.2e-7 * (double)mag * (double)size * 0.1 * group_lr[g];
				step_bound = e > step_bound ? e : step_bound;
			}
		bound += step_bound + 1.2e-7 * 2; /* the sum's rounding through lr, and each update's own */
		CHECK(anneal_mpi_step(ma) == ANNEAL_OK && anneal_mpi_step(mb) == ANNEAL_OK && anneal_step(o) == ANNEAL_OK,
		      "step %lld failed", (long long)t);
		int64_t where = -1;
		CHECK(same_params(&a, &b, &where), "step %lld: replicated and sharded differ at %lld", (long long)t,
		      (long long)where);
		for (int g = 0; g < NGROUP; g++)
			for (int64_t i = 0; i < group_n[g]; i++) {
				double d = fabs((double)a.param[g][i] - (double)ref.param[g][i]);
				worst = d > worst ? d : worst;
			}
	}
	CHECK(worst <= bound, "one process differs by %g, beyond the bound %g", worst, bound);
	if (rank == 0) /* run.sh compares two runs' */
		printf("rounding: parameters %016llx after 30 steps, %g from one process (bound %g)\n",
		       (unsigned long long)hash_params(&a), worst, bound);
	CHECK(ranks_agree(&a) && ranks_agree(&b), "the ranks' parameters differ");
	anneal_mpi_destroy(ma);
	anneal_mpi_destroy(mb);
	anneal_destroy(o);
	model_free(&a);
	model_free(&b);
	model_free(&ref);
}

/* Under ANNEAL_NONFINITE_STOP a NaN in one rank's gradient stops every rank, with one message. */
static void scenario_stop(void)
{
	for (int mode = 0; mode < 2; mode++) {
		anneal_config c;
		config_for(&c, ANNEAL_ADAMW);
		c.nonfinite = ANNEAL_NONFINITE_STOP;
		Model md;
		model_init(&md);
		anneal_mpi *m = create_or_report(mode, &c, &md, &cyc8);
		if (m == NULL)
			continue;
		anneal_status st = ANNEAL_OK;
		int64_t t;
		for (t = 0; t < 6 && st == ANNEAL_OK; t++) {
			fill_grads(&md, t, rank, size, 3);
			st = anneal_mpi_step(m);
		}
		CHECK(st == ANNEAL_ERR_NONFINITE && t == 4, "%s: status %d at step %lld", mode_name[mode], (int)st,
		      (long long)t - 1);
		char want[ANNEAL_ERRLEN], got[ANNEAL_ERRLEN];
		snprintf(got, sizeof got, "%s", anneal_mpi_errmsg(m)); /* the next call clears it */
		int64_t at = 600 + 400; /* group 2's element 400 in the whole */
		if (mode == ANNEAL_MPI_SHARDED) {
			int owner = 0;
			int64_t first, count;
			anneal_mpi_share(m, &first, &count);
			int mine = at >= first && at < first + count ? rank : size;
			MPI_Allreduce(&mine, &owner, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
			snprintf(want, sizeof want,
			         "step 3: the averaged gradient has a non-finite value at element %lld (rank %d's share)",
			         (long long)at, owner);
		} else {
			/* every rank saw it: the lowest speaks for all */
			snprintf(want, sizeof want, "rank 0: step 3: gradient of group 2 has a non-finite value at element 400");
		}
		CHECK(strcmp(got, want) == 0, "%s: message '%s', expected '%s'", mode_name[mode], got, want);
		anneal_mpi_destroy(m);
		model_free(&md);
	}
}

/* A rank whose setup differs: every rank fails, naming it. */
static void scenario_mismatch(void)
{
	static const struct {
		const char *what, *message;
	} cases[] = {
		{"size", "rank %d differs from rank 0: its parameter count is 1036, rank 0's 1037"},
		{"scale", "rank %d differs from rank 0: its groups' sizes or lr/weight-decay scales are not the same"},
		{"config", "rank %d differs from rank 0: its optimizer config is not the same"},
		{"schedule", "rank %d differs from rank 0: its schedule is another (the digests differ)"},
		{"mode", "rank %d differs from rank 0: its mode is 1, rank 0's 0"},
	};
	int odd = size - 1;
	if (size < 2)
		return; /* one rank cannot differ from itself */
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		anneal_config c;
		config_for(&c, ANNEAL_ADAM);
		Model md;
		model_init(&md);
		const anneal_desc *d = &cyc8;
		int mode = ANNEAL_MPI_REPLICATED;
		if (rank == odd) {
			if (k == 0)
				md.group[2].n--;
			if (k == 1)
				md.group[2].lr_scale = 0.25;
			if (k == 2)
				c.eps = 1e-6;
			if (k == 3)
				d = &other;
			if (k == 4)
				mode = ANNEAL_MPI_SHARDED;
		}
		anneal_mpi *m = NULL;
		char err[ANNEAL_ERRLEN], want[ANNEAL_ERRLEN];
		anneal_status st = anneal_mpi_create(MPI_COMM_WORLD, mode, &c, md.group, NGROUP, d, NULL, &m, err, sizeof err);
		snprintf(want, sizeof want, cases[k].message, odd);
		CHECK(st == ANNEAL_ERR_INVALID && m == NULL && strcmp(err, want) == 0, "%s: status %d, '%s', expected '%s'",
		      cases[k].what, (int)st, err, want);
		model_free(&md);
	}
	/* One rank's own bad argument fails every rank with its message. */
	anneal_config c;
	config_for(&c, ANNEAL_SGD);
	Model md;
	model_init(&md);
	anneal_mpi *m = NULL;
	char err[ANNEAL_ERRLEN], want[ANNEAL_ERRLEN];
	anneal_status st = anneal_mpi_create(MPI_COMM_WORLD, rank == odd ? 7 : ANNEAL_MPI_SHARDED, &c, md.group, NGROUP,
	                                     NULL, NULL, &m, err, sizeof err);
	snprintf(want, sizeof want, "rank %d: mode 7 is not an enum anneal_mpi_mode", odd);
	CHECK(st == ANNEAL_ERR_INVALID && strcmp(err, want) == 0, "bad mode: '%s'", err);
	/* ... and so does a NULL out on one rank (the others must not wait for it) */
	st = anneal_mpi_create(MPI_COMM_WORLD, 0, &c, md.group, NGROUP, NULL, NULL, rank == odd ? NULL : &m, err,
	                       sizeof err);
	snprintf(want, sizeof want, "rank %d: anneal_mpi_create: out is NULL", odd);
	CHECK(st == ANNEAL_ERR_INVALID && strcmp(err, want) == 0 && (rank == odd || m == NULL), "NULL out: '%s'", err);
	model_free(&md);
	CHECK(anneal_mpi_step(NULL) == ANNEAL_ERR_INVALID && anneal_mpi_save(NULL, "x") == ANNEAL_ERR_INVALID &&
	          anneal_mpi_load(NULL, "x") == ANNEAL_ERR_INVALID && anneal_mpi_state_bytes(NULL) == -1 &&
	          anneal_mpi_local(NULL) == NULL,
	      "NULL handles");
}

/* The run the checkpoint scenarios share: AdamW with the hooks, one
   process's reference `steps` steps in. */
static anneal_opt *reference_at(Model *ref, int64_t steps)
{
	anneal_config c;
	config_for(&c, ANNEAL_ADAMW);
	model_init(ref);
	anneal_opt *o = single(&c, ref);
	for (int64_t t = 0; t < steps; t++) {
		fill_grads(ref, t, -1, 1, -1);
		anneal_step(o);
	}
	return o;
}

static anneal_mpi *job(int mode, Model *md)
{
	anneal_config c;
	config_for(&c, ANNEAL_ADAMW);
	model_init(md);
	return create_or_report(mode, &c, md, &cyc8);
}

static void run_steps(anneal_mpi *m, Model *md, int64_t from, int64_t to)
{
	for (int64_t t = from; t < to; t++) {
		fill_grads(md, t, rank, size, -1);
		anneal_status st = anneal_mpi_step(m);
		if (st != ANNEAL_OK) {
			CHECK(0, "step %lld: %s", (long long)t, anneal_mpi_errmsg(m));
			return;
		}
	}
}

/* save DIR MODE STEPS */
static void scenario_save(const char *dir, int mode, int64_t steps)
{
	Model md;
	anneal_mpi *m = job(mode, &md);
	if (m == NULL)
		return;
	run_steps(m, &md, 0, steps);
	anneal_status st = anneal_mpi_save(m, dir);
	CHECK(st == ANNEAL_OK, "save: %s", anneal_mpi_errmsg(m));
	anneal_mpi_destroy(m);
	model_free(&md);
}

/* resume DIR MODE STEPS: load (saved at any step, on any layout), run on
   to STEPS, and be one process's uninterrupted run, bit for bit. */
static void scenario_resume(const char *dir, int mode, int64_t steps)
{
	Model md, ref;
	anneal_mpi *m = job(mode, &md);
	if (m == NULL)
		return;
	anneal_status st = anneal_mpi_load(m, dir);
	CHECK(st == ANNEAL_OK, "load: %s", anneal_mpi_errmsg(m));
	int64_t at = anneal_get_step(anneal_mpi_local(m));
	anneal_opt *o = reference_at(&ref, at);
	int64_t where = -1;
	CHECK(same_params(&md, &ref, &where), "loaded at step %lld: element %lld differs", (long long)at, (long long)where);
	run_steps(m, &md, at, steps);
	for (int64_t t = at; t < steps; t++) {
		fill_grads(&ref, t, -1, 1, -1);
		anneal_step(o);
	}
	CHECK(same_params(&md, &ref, &where), "resumed from step %lld to %lld: element %lld differs from the "
	      "uninterrupted run", (long long)at, (long long)steps, (long long)where);
	CHECK(anneal_swa_count(anneal_mpi_local(m)) == anneal_swa_count(o), "SWA count %lld, expected %lld",
	      (long long)anneal_swa_count(anneal_mpi_local(m)), (long long)anneal_swa_count(o));
	if (rank == 0)
		printf("resumed at step %lld on %d ranks (%s)\n", (long long)at, size, mode_name[mode]);
	anneal_mpi_destroy(m);
	anneal_destroy(o);
	model_free(&md);
	model_free(&ref);
}

/* saveloop DIR MODE: step and save until killed (the kill-during-save test). */
static void scenario_saveloop(const char *dir, int mode)
{
	Model md;
	anneal_mpi *m = job(mode, &md);
	if (m == NULL)
		return;
	for (int64_t t = 0; t < 100000; t++) {
		run_steps(m, &md, t, t + 1);
		if (anneal_mpi_save(m, dir) != ANNEAL_OK) {
			CHECK(0, "save at %lld: %s", (long long)t, anneal_mpi_errmsg(m));
			break;
		}
	}
	anneal_mpi_destroy(m);
	model_free(&md);
}

/* badload DIR MESSAGE: the load fails with MESSAGE (after "rank R: " where
   the failing rank adds it) and changes nothing. */
static void scenario_badload(const char *dir, const char *message)
{
	Model md;
	anneal_mpi *m = job(ANNEAL_MPI_SHARDED, &md);
	if (m == NULL)
		return;
	run_steps(m, &md, 0, 3);
	uint64_t before = hash_params(&md);
	float m0 = anneal_state_array(anneal_mpi_local(m), 0, ANNEAL_STATE_MOMENTUM)[0];
	anneal_status st = anneal_mpi_load(m, dir);
	CHECK(st != ANNEAL_OK && strstr(anneal_mpi_errmsg(m), message) != NULL, "load of %s: status %d, '%s', expected "
	      "'%s'", dir, (int)st, anneal_mpi_errmsg(m), message);
	CHECK(hash_params(&md) == before && anneal_get_step(anneal_mpi_local(m)) == 3 &&
	          anneal_state_array(anneal_mpi_local(m), 0, ANNEAL_STATE_MOMENTUM)[0] == m0,
	      "the failed load changed the state");
	if (rank == 0)
		printf("refused: %s\n", anneal_mpi_errmsg(m));
	anneal_mpi_destroy(m);
	model_free(&md);
}

/* die: rank 1 dies in the middle of the run; the job must end, not hang. */
static void scenario_die(void)
{
	Model md;
	anneal_mpi *m = job(ANNEAL_MPI_SHARDED, &md);
	if (m == NULL)
		return;
	for (int64_t t = 0; t < 1000000; t++) {
		if (t == 3 && rank == 1)
			raise(SIGKILL);
		run_steps(m, &md, t, t + 1);
	}
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	const char *what = argc > 1 ? argv[1] : "";
	int mode = argc > 3 && strcmp(argv[3], "sharded") == 0 ? ANNEAL_MPI_SHARDED : ANNEAL_MPI_REPLICATED;
	if (strcmp(what, "agree") == 0)
		scenario_agree();
	else if (strcmp(what, "rounding") == 0)
		scenario_rounding(), scenario_plateau();
	else if (strcmp(what, "stop") == 0)
		scenario_stop();
	else if (strcmp(what, "mismatch") == 0)
		scenario_mismatch();
	else if (strcmp(what, "save") == 0 && argc == 5)
		scenario_save(argv[2], mode, atoll(argv[4]));
	else if (strcmp(what, "resume") == 0 && argc == 5)
		scenario_resume(argv[2], mode, atoll(argv[4]));
	else if (strcmp(what, "saveloop") == 0 && argc == 4)
		scenario_saveloop(argv[2], mode);
	else if (strcmp(what, "tiny") == 0 && argc == 3)
		scenario_tiny(argv[2]);
	else if (strcmp(what, "badload") == 0 && argc == 4)
		scenario_badload(argv[2], argv[3]);
	else if (strcmp(what, "die") == 0)
		scenario_die();
	else {
		if (rank == 0)
			fprintf(stderr, "usage: mpi_test agree|rounding|stop|mismatch|die | save|resume DIR MODE STEPS | "
			                "saveloop DIR MODE | badload DIR MESSAGE | tiny DIR\n");
		MPI_Finalize();
		return 2;
	}
	int counts[2] = {pass, fail}, sum[2];
	MPI_Reduce(counts, sum, 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
	if (rank == 0)
		printf("%s: %d passed, %d failed\n", what, sum[0], sum[1]);
	MPI_Bcast(sum, 2, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Finalize();
	return sum[1] > 0;
}
