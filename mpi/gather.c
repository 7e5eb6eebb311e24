/* gather.c: the whole of a sharded state array or kept snapshot on every rank (to evaluate SWA weights, say). */
#include <stdlib.h>
#include <string.h>

#include "anneal_mpi_int.h"

/* Sub-group j's part of the state: a state array, or kept snapshot `snap`. */
static const float *part_of(anneal_mpi *m, int32_t j, int32_t which, int32_t snap, int64_t *step)
{
	if (snap < 0)
		return anneal_state_array(m->local, j, which);
	return anneal_snapshot_get(m->local, snap, j, step, NULL);
}

/* This rank's share of the thing, back to back, then everyone's into out. */
static anneal_status gather(anneal_mpi *m, int32_t which, int32_t snap, float *out, int64_t *step)
{
	if (m == NULL)
		return ANNEAL_ERR_INVALID;
	mpi_ok(m);
	anneal_status st = ANNEAL_OK;
	int64_t lo = m->mode == ANNEAL_MPI_SHARDED ? m->first[m->rank] : 0;
	int64_t hi = m->mode == ANNEAL_MPI_SHARDED ? m->first[m->rank + 1] : m->total;
	float *mine = m->mode == ANNEAL_MPI_SHARDED ? malloc((size_t)(hi - lo + 1) * sizeof(float)) : out;
	if (out == NULL)
		st = mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: out is NULL", m->rank);
	else if (mine == NULL)
		st = mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory", m->rank);
	int32_t n = st == ANNEAL_OK ? mpi_subgroups(m, lo, hi, NULL, NULL, m->sub) : 0;
	int64_t at = 0, s = -1;
	for (int32_t j = 0; j < n && st == ANNEAL_OK; at += m->sub[j].n, j++) {
		const float *x = part_of(m, j, which, snap, &s);
		if (x == NULL)
			st = mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: %s", m->rank, anneal_errmsg(m->local));
		else if (m->sub[j].n > 0)
			memcpy(mine + at, x, (size_t)m->sub[j].n * sizeof(float));
	}
	if ((st = mpi_agree(m, st)) == ANNEAL_OK && m->mode == ANNEAL_MPI_SHARDED) {
		memcpy(out + lo, mine, (size_t)(hi - lo) * sizeof(float));
		st = ring_allgather(m, out);
	}
	if (step != NULL)
		*step = s;
	if (mine != out)
		free(mine);
	return st;
}

anneal_status anneal_mpi_gather_state(anneal_mpi *m, int32_t which, float *out)
{
	return gather(m, which, -1, out, NULL);
}

anneal_status anneal_mpi_gather_snapshot(anneal_mpi *m, int32_t i, float *out, int64_t *step)
{
	if (m != NULL && i < 0)
		return mpi_fail(m, ANNEAL_ERR_INVALID, "anneal_mpi_gather_snapshot: copy %d < 0", (int)i);
	return gather(m, 0, i, out, step);
}
