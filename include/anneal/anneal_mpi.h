/* anneal_mpi.h: libanneal_mpi -- data-parallel training over MPI, the optimizer state replicated or sharded (ZeRO-1). */
#ifndef ANNEAL_MPI_H
#define ANNEAL_MPI_H

#include <mpi.h>

#include <anneal/anneal.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every rank of a communicator holds the whole model (the same parameter
 * groups, in the same order and sizes) and computes gradients on its own
 * part of each global batch.  A step averages the gradients over the ranks
 * and updates the parameters, so that after it every rank holds the same
 * parameters, bit for bit:
 *
 *   ANNEAL_MPI_REPLICATED  the average is reduce-scattered then
 *                          all-gathered, ring by ring (each element summed
 *                          once, by one rank, so every rank receives the
 *                          same bits), and
 *                          every rank runs the whole update with the whole
 *                          optimizer state.
 *   ANNEAL_MPI_SHARDED     ZeRO stage 1: the average is reduce-scattered,
 *                          each rank keeps the optimizer state of its
 *                          contiguous share of the flattened parameters
 *                          (groups back to back, in order) and updates that
 *                          share only, then the parameters are all-gathered.
 *                          State memory per rank is 1/N of one process's.
 *
 * The average is the float sum of the ranks' gradients divided by N, summed
 * in a fixed order (a ring: chunk c from rank c+1 round to rank c).  Against one process stepping on the
 * same global batch's mean gradient the parameters differ only by the
 * rounding of that sum: exactly equal when the sums are exact, otherwise
 * by at most (N-1) float rounding errors of the summed magnitudes per
 * element per step, carried through the update.  Two runs of the same job
 * are bit-identical.
 *
 * Shares are whole blocks of ANNEAL_MPI_BLOCK elements (one 64-byte vector)
 * but the last, balanced to within one block; the groups' lr and weight-decay
 * scales hold on both sides of a share's edge.  The whole is at most INT_MAX
 * elements (MPI's counts and offsets are int).
 *
 * The schedule is a pure function of the step, so its channels and hooks
 * fire alike on every rank (`call NAME` callbacks run on every rank; a
 * snapshot handler sees the rank's own share in sharded mode).  The noise
 * thermostat draws by global element index, so a sharded run draws what one
 * process draws.  The non-finite policy is decided together: when any rank's
 * share of the average holds a NaN or infinity, every rank skips (or, under
 * ANNEAL_NONFINITE_STOP, every rank fails with the same message).
 *
 * Every call here is collective: all ranks of the communicator make it, in
 * the same order, with arguments that agree.  anneal_mpi_create checks that
 * they do (sizes, scales, config, schedule) and fails on every rank with a
 * message naming the first rank that differs.  MPI errors come back as
 * ANNEAL_ERR_IO with MPI's message (the library sets MPI_ERRORS_RETURN on
 * its own duplicate of the communicator); a rank that dies ends the job
 * through the MPI runtime (Open MPI's mpirun stops every rank).
 */

enum anneal_mpi_mode { ANNEAL_MPI_REPLICATED, ANNEAL_MPI_SHARDED };

#define ANNEAL_MPI_BLOCK 16

typedef struct anneal_mpi anneal_mpi;

/* As anneal_create, over comm (duplicated; the host keeps its own).  The
   groups' grad arrays are the rank's own gradients; in replicated mode a
   single group's gradient is overwritten with the average.  On failure
   *out is NULL and err holds the message, on every rank. */
anneal_status anneal_mpi_create(MPI_Comm comm, int32_t mode, const anneal_config *c, const anneal_group *group,
                                int32_t ngroup, const anneal_desc *desc, const double *params, anneal_mpi **out,
                                char *err, size_t errlen);
/* Collective; NULL is a no-op. */
void anneal_mpi_destroy(anneal_mpi *m);

/* Average the gradients, update, and (sharded) gather the parameters. */
anneal_status anneal_mpi_step(anneal_mpi *m);

/* The plateau controller over the mean of the ranks' metrics, so every
   rank's controller sees one value (enable it on the local optimizer with
   the same config on every rank). */
anneal_status anneal_mpi_plateau_report(anneal_mpi *m, double metric, double *scale);

/*
 * Checkpoints in a directory: each writing rank saves its share as a
 * libanneal checkpoint (shard-GEN-RANK.ck, written to a temporary file,
 * fsynced, renamed), then rank 0 writes the manifest -- world size, each
 * shard's element range, size and checksum, the schedule's digest -- the
 * same way, last, and only then removes the previous generation's files.
 * A job killed at any point leaves the previous checkpoint loadable.  In
 * replicated mode rank 0 alone writes one shard of everything.
 * anneal_mpi_load reads a checkpoint saved by any number of ranks in
 * either mode (resharding N -> M, N -> 1, 1 -> N): it validates every
 * shard it needs and changes nothing on any rank unless every rank's part
 * is right.  Snapshots kept by snapshot_keep carry over only onto the same
 * layout.  A checkpoint of a single-process optimizer does not load here,
 * and a shard file is a plain libanneal checkpoint.
 */
anneal_status anneal_mpi_save(anneal_mpi *m, const char *dir);
anneal_status anneal_mpi_load(anneal_mpi *m, const char *dir);

/* The message of the last call on m ("" after a success, never NULL). */
const char *anneal_mpi_errmsg(const anneal_mpi *m);
/* The optimizer over this rank's share (sharded) or everything
   (replicated): its state arrays, callbacks, snapshot handler, plateau.
   Owned by m.  Step it only through anneal_mpi_step. */
anneal_opt *anneal_mpi_local(anneal_mpi *m);
/* This rank's share of the flattened parameters, [*first, *first + *count). */
anneal_status anneal_mpi_share(const anneal_mpi *m, int64_t *first, int64_t *count);
/* The whole of state array `which` (enum anneal_state: the SWA average,
   say) or of kept snapshot i (as anneal_snapshot_get numbers them; *step
   its step, step may be NULL) into out, the total parameter count of
   floats, groups back to back, on every rank; gathered from the shares in
   sharded mode. */
anneal_status anneal_mpi_gather_state(anneal_mpi *m, int32_t which, float *out);
anneal_status anneal_mpi_gather_snapshot(anneal_mpi *m, int32_t i, float *out, int64_t *step);
/* Bytes of optimizer state this rank holds (moments, SWA, kept snapshots). */
int64_t anneal_mpi_state_bytes(const anneal_mpi *m);

#ifdef __cplusplus
}
#endif

#endif
