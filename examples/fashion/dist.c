/* dist.c: dist.h over libanneal in one process and over libanneal_mpi when the build has Open MPI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#ifdef FASHION_MPI
#include <anneal/anneal_mpi.h>
#endif

struct Dist {
	anneal_opt *opt; /* one process */
#ifdef FASHION_MPI
	anneal_mpi *mpi; /* MPI ranks */
#endif
	int ngroup;
	int64_t *n; /* each group's length */
};

int dist_available(void)
{
#ifdef FASHION_MPI
	return 1;
#else
	return 0;
#endif
}

int dist_init(int mode, int *argc, char ***argv, int *rank, int *size)
{
	*rank = 0;
	*size = 1;
#ifdef FASHION_MPI
	if (mode != DIST_SINGLE) {
		if (MPI_Init(argc, argv) != MPI_SUCCESS)
			return -1;
		MPI_Comm_rank(MPI_COMM_WORLD, rank);
		MPI_Comm_size(MPI_COMM_WORLD, size);
	}
	return 0;
#else
	(void)argc;
	(void)argv;
	return mode == DIST_SINGLE ? 0 : -1;
#endif
}

void dist_finish(int mode)
{
#ifdef FASHION_MPI
	if (mode != DIST_SINGLE)
		MPI_Finalize();
#else
	(void)mode;
#endif
}

Dist *dist_create(int mode, const anneal_config *c, anneal_group *g, int ngroup, const anneal_desc *d, char *err,
                  size_t errlen)
{
	Dist *t = calloc(1, sizeof *t);
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->ngroup = ngroup;
	if ((t->n = malloc((size_t)ngroup * sizeof *t->n)) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int i = 0; i < ngroup; i++)
		t->n[i] = g[i].n;
	anneal_status st;
#ifdef FASHION_MPI
	if (mode != DIST_SINGLE)
		st = anneal_mpi_create(MPI_COMM_WORLD, mode, c, g, ngroup, d, NULL, &t->mpi, err, errlen);
	else
#endif
		st = anneal_create(c, g, ngroup, d, NULL, &t->opt, err, errlen);
	if (st != ANNEAL_OK) {
		free(t->n);
		free(t);
		return NULL;
	}
	return t;
}

void dist_destroy(Dist *t)
{
	if (t == NULL)
		return;
	anneal_destroy(t->opt);
#ifdef FASHION_MPI
	anneal_mpi_destroy(t->mpi);
#endif
	free(t->n);
	free(t);
}

anneal_opt *dist_opt(Dist *t)
{
#ifdef FASHION_MPI
	if (t->mpi != NULL)
		return anneal_mpi_local(t->mpi);
#endif
	return t->opt;
}

anneal_status dist_step(Dist *t)
{
#ifdef FASHION_MPI
	if (t->mpi != NULL)
		return anneal_mpi_step(t->mpi);
#endif
	return anneal_step(t->opt);
}

const char *dist_errmsg(Dist *t)
{
#ifdef FASHION_MPI
	if (t->mpi != NULL)
		return anneal_mpi_errmsg(t->mpi);
#endif
	return anneal_errmsg(t->opt);
}

void dist_sum(Dist *t, double *x, int k)
{
#ifdef FASHION_MPI
	if (t->mpi != NULL)
		MPI_Allreduce(MPI_IN_PLACE, x, k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#else
	(void)t;
	(void)x;
	(void)k;
#endif
}

/* One process: the groups' arrays back to back, group by group. */
static anneal_status concat(Dist *t, int32_t which, int32_t snap, float *out, int64_t *step)
{
	int64_t at = 0;
	for (int32_t j = 0; j < t->ngroup; at += t->n[j], j++) {
		const float *x = snap < 0 ? anneal_state_array(t->opt, j, which)
		                          : anneal_snapshot_get(t->opt, snap, j, step, NULL);
		if (x == NULL)
			return ANNEAL_ERR_INVALID;
		memcpy(out + at, x, (size_t)t->n[j] * sizeof(float));
	}
	return ANNEAL_OK;
}

anneal_status dist_whole_state(Dist *t, int32_t which, float *out)
{
#ifdef FASHION_MPI
	if (t->mpi != NULL)
		return anneal_mpi_gather_state(t->mpi, which, out);
#endif
	return concat(t, which, -1, out, NULL);
}

anneal_status dist_whole_snapshot(Dist *t, int32_t i, float *out, int64_t *step)
{
#ifdef FASHION_MPI
	if (t->mpi != NULL)
		return anneal_mpi_gather_snapshot(t->mpi, i, out, step);
#endif
	return concat(t, 0, i, out, step);
}
