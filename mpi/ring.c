/* ring.c: the reduce-scatter and the all-gather as rings over buffers allocated once. */
#include <string.h>

#include "anneal_mpi_int.h"

/*
 * Why not MPI_Reduce_scatter and MPI_Allgatherv: Open MPI 4.1 allocates a
 * temporary buffer of the whole message in every reduce-scatter, and on
 * these machines the fresh pages cost more than the transfer (measured:
 * 25M floats, 36,623 page faults and 1.4-2.3 s a call, against tens of
 * milliseconds for the bytes).  A ring moves exactly the ZeRO-1 minimum,
 * (N-1)/N of the parameters each way, through two chunk buffers kept from
 * setup, and fixes the order of every sum: chunk c's elements are added up
 * starting at rank c+1 and going round to c, the same in every run.
 *
 * Chunk c is rank c's share, [first[c], first[c+1]).  Reduce-scatter: at
 * step k (0 <= k < N-1) rank r sends its running sum of chunk r-k-1 to rank
 * r+1 and receives chunk r-k-2 from rank r-1, adding its own gradient to
 * it; at the last step it receives its own chunk, summed by every rank.
 */
static int mod(int a, int n)
{
	return ((a % n) + n) % n;
}

anneal_status ring_reduce_scatter(anneal_mpi *m, const float *grad, float *out)
{
	int n = m->size, r = m->rank, next = mod(r + 1, n), prev = mod(r - 1, n);
	if (n == 1) {
		memcpy(out, grad, (size_t)m->count[0] * sizeof(float));
		return ANNEAL_OK;
	}
	const float *sending = grad + m->displ[mod(r - 1, n)];
	for (int k = 0; k < n - 1; k++) {
		int send_c = mod(r - k - 1, n), recv_c = mod(r - k - 2, n);
		float *into = k == n - 2 ? out : m->ring[k % 2];
		int rc = MPI_Sendrecv(sending, m->count[send_c], MPI_FLOAT, next, 0, into, m->count[recv_c], MPI_FLOAT, prev,
		                      0, m->comm, MPI_STATUS_IGNORE);
		if (rc != MPI_SUCCESS)
			return mpi_error(m, "reduce-scattering the gradients", rc);
		const float *mine = grad + m->displ[recv_c];
		for (int i = 0; i < m->count[recv_c]; i++)
			into[i] += mine[i];
		sending = into;
	}
	return ANNEAL_OK;
}

/* All-gather in place: whole holds this rank's chunk; at step k rank r
   passes chunk r-k on to rank r+1 and receives chunk r-k-1 from r-1. */
anneal_status ring_allgather(anneal_mpi *m, float *whole)
{
	int n = m->size, r = m->rank, next = mod(r + 1, n), prev = mod(r - 1, n);
	for (int k = 0; k < n - 1; k++) {
		int send_c = mod(r - k, n), recv_c = mod(r - k - 1, n);
		int rc = MPI_Sendrecv(whole + m->displ[send_c], m->count[send_c], MPI_FLOAT, next, 1, whole + m->displ[recv_c],
		                      m->count[recv_c], MPI_FLOAT, prev, 1, m->comm, MPI_STATUS_IGNORE);
		if (rc != MPI_SUCCESS)
			return mpi_error(m, "all-gathering", rc);
	}
	return ANNEAL_OK;
}
