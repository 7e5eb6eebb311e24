/* step.c: anneal_mpi_step -- average the gradients over the ranks, update, gather; the plateau metric agreed. */
#include <stdint.h>
#include <string.h>

#include "anneal_mpi_int.h"

/* The groups' gradients back to back (the reduce-scatter's send buffer). */
static const float *flat_gradients(anneal_mpi *m)
{
	if (m->ngroup == 1)
		return m->group[0].grad;
	for (int32_t i = 0; i < m->ngroup; i++)
		if (m->group[i].n > 0)
			memcpy(m->flat_grad + m->base[i], m->group[i].grad, (size_t)m->group[i].n * sizeof(float));
	return m->flat_grad;
}

/* avg /= N, and the first non-finite element of the share (-1: none): one
   pass that tests exponent bits, so it vectorises. */
static int64_t average(anneal_mpi *m)
{
	int64_t n = m->count[m->rank];
	float size = (float)m->size;
	uint32_t any = 0;
	for (int64_t i = 0; i < n; i++) {
		float x = m->avg[i] / size;
		uint32_t u;
		memcpy(&u, &x, sizeof u);
		any |= (u & 0x7f800000u) == 0x7f800000u;
		m->avg[i] = x;
	}
	for (int64_t i = 0; any && i < n; i++) {
		uint32_t u;
		memcpy(&u, &m->avg[i], sizeof u);
		if ((u & 0x7f800000u) == 0x7f800000u)
			return i;
	}
	return -1;
}

/* Which rank's share first holds a non-finite average (m->size: none), and
   where in the whole. */
static anneal_status find_nonfinite(anneal_mpi *m, int64_t mine, int *rank, int64_t *at)
{
	int key = mine >= 0 ? m->rank : m->size;
	int rc = MPI_Allreduce(&key, rank, 1, MPI_INT, MPI_MIN, m->comm);
	if (rc != MPI_SUCCESS)
		return mpi_error(m, "agreeing on the gradient's finiteness", rc);
	*at = m->first[m->rank] + mine;
	if (*rank < m->size && (rc = MPI_Bcast(at, 1, MPI_INT64_T, *rank, m->comm)) != MPI_SUCCESS)
		return mpi_error(m, "agreeing on the gradient's finiteness", rc);
	return ANNEAL_OK;
}

/* Every rank's parameters from their owners' shares. */
static anneal_status gather_parameters(anneal_mpi *m)
{
	if (m->total == 0)
		return ANNEAL_OK;
	if (m->ngroup == 1)
		return ring_allgather(m, m->group[0].param);
	int64_t lo = m->first[m->rank], hi = m->first[m->rank + 1];
	for (int32_t i = 0; i < m->ngroup; i++) {
		int64_t a = m->base[i] > lo ? m->base[i] : lo;
		int64_t b = m->base[i] + m->group[i].n < hi ? m->base[i] + m->group[i].n : hi;
		if (a < b)
			memcpy(m->flat_param + a, m->group[i].param + (a - m->base[i]), (size_t)(b - a) * sizeof(float));
	}
	anneal_status st = ring_allgather(m, m->flat_param);
	if (st != ANNEAL_OK)
		return st;
	for (int32_t i = 0; i < m->ngroup; i++)
		if (m->group[i].n > 0)
			memcpy(m->group[i].param, m->flat_param + m->base[i], (size_t)m->group[i].n * sizeof(float));
	return ANNEAL_OK;
}

static anneal_status step_sharded(anneal_mpi *m, int64_t bad_at)
{
	int bad_rank;
	int64_t at;
	anneal_status st = find_nonfinite(m, bad_at, &bad_rank, &at);
	if (st != ANNEAL_OK)
		return st;
	int64_t step = anneal_get_step(m->local);
	if (bad_rank < m->size && m->cfg.nonfinite == ANNEAL_NONFINITE_STOP)
		return mpi_fail(m, ANNEAL_ERR_NONFINITE,
		                "step %lld: the averaged gradient has a non-finite value at element %lld (rank %d's share)",
		                (long long)step, (long long)at, bad_rank);
	int skip = bad_rank < m->size && m->cfg.nonfinite == ANNEAL_NONFINITE_SKIP;
	st = skip ? anneal_skip_step(m->local) : anneal_step(m->local);
	if (st != ANNEAL_OK)
		mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(m->local));
	if ((st = mpi_agree(m, st)) != ANNEAL_OK)
		return st;
	return gather_parameters(m);
}

static anneal_status step_replicated(anneal_mpi *m)
{
	float *whole = m->ngroup > 1 ? m->full_avg : (float *)m->group[0].grad; /* the host's, documented */
	if (m->total == 0)
		whole = NULL;
	else
		memcpy(whole + m->displ[m->rank], m->avg, (size_t)m->count[m->rank] * sizeof(float));
	anneal_status ring = whole != NULL ? ring_allgather(m, whole) : ANNEAL_OK;
	if (ring != ANNEAL_OK)
		return ring;
	/* Every rank now holds the same bits: libanneal's own policy decides alike everywhere. */
	anneal_status st = anneal_step(m->local);
	if (st != ANNEAL_OK)
		mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(m->local));
	return mpi_agree(m, st);
}

anneal_status anneal_mpi_step(anneal_mpi *m)
{
	if (m == NULL)
		return ANNEAL_ERR_INVALID;
	mpi_ok(m);
	/* What could fail on some ranks only (a callback registered on one) is
	   agreed before any rank updates, so none runs ahead of the others. */
	anneal_status st = anneal_check_ready(m->local);
	if (st != ANNEAL_OK)
		mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(m->local));
	if ((st = mpi_agree(m, st)) != ANNEAL_OK)
		return st;
	if (m->total > 0 && (st = ring_reduce_scatter(m, flat_gradients(m), m->avg)) != ANNEAL_OK)
		return st;
	int64_t bad_at = average(m);
	return m->mode == ANNEAL_MPI_SHARDED ? step_sharded(m, bad_at) : step_replicated(m);
}

anneal_status anneal_mpi_plateau_report(anneal_mpi *m, double metric, double *scale)
{
	if (m == NULL)
		return ANNEAL_ERR_INVALID;
	mpi_ok(m);
	/* Summed on rank 0 and sent from there, so no rank can round differently. */
	double sum = 0;
	int rc = MPI_Reduce(&metric, &sum, 1, MPI_DOUBLE, MPI_SUM, 0, m->comm);
	if (rc == MPI_SUCCESS)
		rc = MPI_Bcast(&sum, 1, MPI_DOUBLE, 0, m->comm);
	if (rc != MPI_SUCCESS)
		return mpi_error(m, "averaging the plateau metric", rc);
	anneal_status st = anneal_plateau_report(m->local, sum / m->size, scale);
	if (st != ANNEAL_OK)
		mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(m->local));
	return mpi_agree(m, st);
}
