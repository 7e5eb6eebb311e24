/* mpi_step.c: libanneal_mpi's AdamW step, sharded against replicated against one process, with the collectives alone as the floor. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <anneal/anneal_mpi.h>

/*
 * mpirun -np 2 bench/mpi_step [SIZE...]      (default 10M and 100M parameters)
 *
 * Per size, interleaved (bench.md: A, B, C, D, A, B, ... best of REPS each):
 *   sharded     anneal_mpi_step in ANNEAL_MPI_SHARDED mode
 *   replicated  anneal_mpi_step in ANNEAL_MPI_REPLICATED mode
 *   MPI's       MPI_Reduce_scatter + MPI_Allgatherv of the same counts, alone:
 *               the ZeRO-1 traffic through Open MPI's own collectives, which
 *               libanneal_mpi's rings replace (mpi/ring.c says why)
 *   single      anneal_step over the whole on rank 0 while the others wait at
 *               a barrier: one process, no communication
 * and the bytes: what a ring reduce-scatter plus all-gather moves per rank,
 * 2 (N-1)/N of the parameters in float32 (the ZeRO-1 minimum), against the
 * bytes the step asks the collectives to move; the optimizer state per rank.
 * All ranks run one OpenMP thread (OMP_NUM_THREADS=1 is set by the caller or
 * taken as given), so N ranks on N cores compare with one process on one.
 */

enum { REPS = 10 };

static int rank, size;

static double now(void)
{
	return MPI_Wtime();
}

typedef struct Case {
	anneal_mpi *m;
	float *p, *g;
} Case;

static Case make(int mode, int64_t n)
{
	Case c = {NULL, malloc((size_t)n * sizeof(float)), malloc((size_t)n * sizeof(float))};
	for (int64_t i = 0; i < n; i++) {
		c.p[i] = (float)(i % 97) / 97.0f;
		c.g[i] = (float)((i * 31 + rank) % 61) / 61.0f - 0.5f;
	}
	anneal_config cfg;
	anneal_config_init(&cfg, ANNEAL_ADAMW);
	anneal_group gr = {c.p, c.g, n, 1, 1};
	char err[ANNEAL_ERRLEN];
	if (anneal_mpi_create(MPI_COMM_WORLD, mode, &cfg, &gr, 1, NULL, NULL, &c.m, err, sizeof err) != ANNEAL_OK) {
		fprintf(stderr, "mpi_step: %s\n", err);
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	return c;
}

/* The gradients again before each step: the replicated step overwrites them with the average. */
static void refill(Case *c, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		c->g[i] = (float)((i * 31 + rank) % 61) / 61.0f - 0.5f;
}

static void bench(int64_t n)
{
	Case sh = make(ANNEAL_MPI_SHARDED, n), rep = make(ANNEAL_MPI_REPLICATED, n);
	float *cp = malloc((size_t)n * sizeof(float)), *cg = malloc((size_t)n * sizeof(float));
	float *share = malloc((size_t)(n / size + ANNEAL_MPI_BLOCK) * sizeof(float));
	int *count = malloc((size_t)size * sizeof(int)), *displ = malloc((size_t)size * sizeof(int));
	for (int r = 0; r < size; r++) {
		/* the library's shares, to move exactly what its step moves */
		int64_t first, cnt;
		anneal_mpi_share(sh.m, &first, &cnt);
		int64_t f = first, k = cnt;
		MPI_Bcast(&f, 1, MPI_INT64_T, r, MPI_COMM_WORLD);
		MPI_Bcast(&k, 1, MPI_INT64_T, r, MPI_COMM_WORLD);
		displ[r] = (int)f;
		count[r] = (int)k;
	}
	for (int64_t i = 0; i < n; i++)
		cp[i] = cg[i] = 0.5f;
	anneal_opt *one = NULL;
	float *sp = NULL, *sg = NULL;
	if (rank == 0) {
		sp = malloc((size_t)n * sizeof(float));
		sg = malloc((size_t)n * sizeof(float));
		for (int64_t i = 0; i < n; i++)
			sp[i] = 0.25f, sg[i] = 0.125f;
		anneal_config cfg;
		anneal_config_init(&cfg, ANNEAL_ADAMW);
		anneal_group gr = {sp, sg, n, 1, 1};
		anneal_create(&cfg, &gr, 1, NULL, NULL, &one, NULL, 0);
	}
	double best[4] = {1e30, 1e30, 1e30, 1e30};
	for (int rep_i = 0; rep_i < REPS + 1; rep_i++) { /* the first round warms up */
		double t[4];
		MPI_Barrier(MPI_COMM_WORLD);
		double t0 = now();
		anneal_mpi_step(sh.m);
		MPI_Barrier(MPI_COMM_WORLD);
		t[0] = now() - t0;
		refill(&rep, n);
		MPI_Barrier(MPI_COMM_WORLD);
		t0 = now();
		anneal_mpi_step(rep.m);
		MPI_Barrier(MPI_COMM_WORLD);
		t[1] = now() - t0;
		t0 = now();
		MPI_Reduce_scatter(cg, share, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_FLOAT, cp, count, displ, MPI_FLOAT, MPI_COMM_WORLD);
		MPI_Barrier(MPI_COMM_WORLD);
		t[2] = now() - t0;
		t0 = now();
		if (rank == 0)
			anneal_step(one);
		MPI_Barrier(MPI_COMM_WORLD);
		t[3] = now() - t0;
		for (int k = 0; rep_i > 0 && k < 4; k++)
			best[k] = t[k] < best[k] ? t[k] : best[k];
	}
	long long state_sh = anneal_mpi_state_bytes(sh.m), state_rep = anneal_mpi_state_bytes(rep.m);
	double zero1 = 2.0 * (size - 1) / size * (double)n * sizeof(float);
	if (rank == 0) {
		double update = best[3] / size; /* one process's update over a share: each rank's own part */
		printf("%lld parameters, %d ranks (AdamW, best of %d, ms):\n", (long long)n, size, REPS);
		printf("  sharded     %10.3f  %.2fx one process, %.2fx replicated\n", best[0] * 1e3, best[3] / best[0],
		       best[1] / best[0]);
		printf("  replicated  %10.3f  %.2fx one process\n", best[1] * 1e3, best[3] / best[1]);
		printf("  one process %10.3f  (anneal_step over all %lld; a share's update: %.2f)\n", best[3] * 1e3,
		       (long long)n, update * 1e3);
		printf("  MPI's own   %10.3f  (MPI_Reduce_scatter + MPI_Allgatherv of the same counts: %.1fx the whole "
		       "sharded step)\n", best[2] * 1e3, best[2] / best[0]);
		printf("  bytes per rank per step: %.1f MB, the ZeRO-1 minimum 2(N-1)/N x 4n, which the rings move exactly\n",
		       zero1 / 1e6);
		printf("  communication: %.2f GB/s per rank (those bytes over the sharded step less a share's update)\n",
		       zero1 / (best[0] - update) / 1e9);
		printf("  update: %.3f ns per element on one thread\n", best[3] / (double)n * 1e9);
		printf("  optimizer state per rank: %.1f MB sharded, %.1f MB replicated (%.3f)\n", state_sh / 1e6,
		       state_rep / 1e6, (double)state_sh / (double)state_rep);
	}
	anneal_mpi_destroy(sh.m);
	anneal_mpi_destroy(rep.m);
	anneal_destroy(one);
	free(sh.p), free(sh.g), free(rep.p), free(rep.g), free(cp), free(cg), free(share), free(count), free(displ);
	free(sp), free(sg);
}

int main(int argc, char **argv)
{
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (argc == 1) {
		bench(10000000);
		bench(100000000);
	}
	for (int i = 1; i < argc; i++)
		bench(atoll(argv[i]));
	MPI_Finalize();
	return 0;
}
