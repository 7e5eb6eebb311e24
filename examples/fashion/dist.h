/* dist.h: the example's optimizer, in one process (libanneal) or data-parallel over MPI ranks (libanneal_mpi). */
#ifndef FASHION_DIST_H
#define FASHION_DIST_H

#include <anneal/anneal.h>

/* How the optimizer runs: one process, or MPI ranks in either libanneal_mpi mode. */
enum { DIST_SINGLE = -1, DIST_REPLICATED = 0, DIST_SHARDED = 1 };

typedef struct Dist Dist;

/* 1 when this build has libanneal_mpi (--mpi works). */
int dist_available(void);
/* Start MPI when mode is not DIST_SINGLE; the rank and world size (0 and 1 in one process). */
int dist_init(int mode, int *argc, char ***argv, int *rank, int *size);
void dist_finish(int mode);
/* The optimizer over the groups; on failure NULL with err. */
Dist *dist_create(int mode, const anneal_config *c, anneal_group *g, int ngroup, const anneal_desc *d, char *err,
                  size_t errlen);
void dist_destroy(Dist *t);
/* The optimizer this rank holds (the whole in one process or replicated, its
   share sharded): callbacks, the last point, counts. */
anneal_opt *dist_opt(Dist *t);
anneal_status dist_step(Dist *t);
const char *dist_errmsg(Dist *t);
/* Sum x[0..k) over the ranks, into x on every rank. */
void dist_sum(Dist *t, double *x, int k);
/* The whole of state array `which`, or of kept snapshot i (i >= 0; *step its
   step), into out (every parameter, groups back to back). */
anneal_status dist_whole_state(Dist *t, int32_t which, float *out);
anneal_status dist_whole_snapshot(Dist *t, int32_t i, float *out, int64_t *step);

#endif
