/* anneal_mpi_int.h: libanneal_mpi's internal state, shared by its setup, step and checkpoint code. */
#ifndef ANNEAL_MPI_INT_H
#define ANNEAL_MPI_INT_H

#include <anneal/anneal_mpi.h>

struct anneal_mpi {
	MPI_Comm comm; /* our duplicate, MPI_ERRORS_RETURN */
	int rank, size;
	int32_t mode;
	anneal_config cfg;  /* as the host gave it (the local optimizer's policy differs) */
	const anneal_desc *desc;
	int32_t ngroup;
	anneal_group *group; /* the host's groups, copied */
	int64_t *base;       /* each group's first element in the flattened whole */
	int64_t total;
	int64_t *first;      /* per rank: its share's first element; first[size] = total */
	int *count, *displ;  /* per rank: its share's length and first element, as MPI's ints */
	float *flat_grad;    /* the gradients back to back when there are several groups, else NULL */
	float *flat_param;   /* the same for the parameters' all-gather (sharded, several groups) */
	float *avg;          /* this rank's share of the average gradient */
	float *full_avg;     /* replicated, several groups: the whole average; NULL otherwise */
	float *ring[2];      /* the rings' running sums, the largest share each (ring.c) */
	anneal_group *sub;   /* ngroup entries of scratch for mpi_subgroups */
	anneal_opt *local;
	int64_t generation;  /* of the last checkpoint saved or loaded, 0 before */
	char err[ANNEAL_ERRLEN];
};

/* setup.c */
/* FNV-1a over bytes, from MPI_FNV_START: the setup fingerprint, the manifest and shard checksums. */
#define MPI_FNV_START 0xcbf29ce484222325ULL
uint64_t mpi_fnv(uint64_t h, const void *p, size_t n);
anneal_status mpi_fail(anneal_mpi *m, anneal_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void mpi_ok(const anneal_mpi *m);
/* An MPI call's error code as our failure (ANNEAL_ERR_IO with MPI's text). */
anneal_status mpi_error(anneal_mpi *m, const char *what, int code);
/* Every rank's status agreed: the first failing rank's status and message
   reach every rank (into m->err); ANNEAL_OK when all succeeded. */
anneal_status mpi_agree(anneal_mpi *m, anneal_status mine);
/* The sub-groups of elements [lo, hi) of the flattened whole, in order: at
   most ngroup, at least one (empty) group; an empty group of the host's
   goes with the part that holds its place, so [0, total) gives the host's
   groups one for one.  params into param_base (NULL: the host's arrays),
   gradients into grad_base (NULL: none), both indexed from lo; an empty
   part's pointers are NULL. */
int32_t mpi_subgroups(const anneal_mpi *m, int64_t lo, int64_t hi, float *param_base, const float *grad_base,
                      anneal_group *out);

/* ring.c: grad is every element (the whole), out this rank's share of the sum;
   whole holds this rank's share, and every rank's after the all-gather. */
anneal_status ring_reduce_scatter(anneal_mpi *m, const float *grad, float *out);
anneal_status ring_allgather(anneal_mpi *m, float *whole);

#endif
