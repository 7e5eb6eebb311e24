/* analyze.h: what plot and analyze read from a lowered schedule -- phase joins, restarts, horizon, the tail's form. */
#ifndef ANNEALC_ANALYZE_H
#define ANNEALC_ANALYZE_H

#include <stdint.h>
#include <stdio.h>

#include "annealc_int.h"

typedef enum { MARK_PHASE, MARK_RESTART } MarkKind;

/* A structural boundary of one channel, at a global step. */
typedef struct Mark {
	int64_t step;
	MarkKind kind;
	int depth;         /* 0: a join of the channel's top-level phases */
	int64_t cycle;     /* MARK_RESTART: the cycle that starts here; 0 is the first cycle, not a restart */
	int64_t cycle_len; /* MARK_RESTART: the steps it runs (the node around may end it early), -1 when it holds for ever */
	const char *label; /* MARK_PHASE: the label of the phase that starts here, or NULL */
	const char *prev_label; /* MARK_PHASE: the label of the phase that ends here, or NULL */
	int index;         /* MARK_PHASE: the phase's index in its sequence */
} Mark;

/* The boundaries of channel ch (an index into s->channel) in
   [first, end), in step order. Stores at most max of them and returns how
   many there are, or max + 1 when there are more. */
int analyze_marks(const annealc_program *p, int sched, int ch, int64_t first, int64_t end, Mark *out, int max);

/* The empty phases of channel ch (a duration that came to zero through a
   param), each once however often a let repeats it: stores at most max of
   them and returns how many there are. */
int analyze_empty_phases(const LSchedule *s, int ch, const LPhase **out, int max);

/* Steps to show when the user gives none: the horizon, else the `total`
   param, else enough to show the structure (three cycles of an open-ended
   restarts tail, or as long again as the bounded phases). */
int64_t analyze_default_steps(const annealc_program *p, int sched);

/* Where channel ch ends up: the leaf or unbounded restarts node that gives
   its values for ever, the global step where it starts, its length T (-1
   open-ended) and the `cycle` it sees (-1 outside any cycle). A bounded
   sequence's last phase goes on past its end, and past `count` cycles, or
   a cycles list's last, the last one holds. */
const LSched *analyze_tail(const LSchedule *s, int ch, int64_t *start, int64_t *len, int64_t *cycle);

/* The Robbins-Monro conditions for channel ch's tail, decided from its form.
   *verdict: 1 met, 0 not met, -1 undecided; why gets one line of reason. */
void analyze_robbins_monro(const LSchedule *s, int ch, const double *params, int *verdict, char *why, size_t n);

#endif
