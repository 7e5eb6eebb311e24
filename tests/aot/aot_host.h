/* aot_host.h: what the generated schedule list gives the AOT test host (no LLVM anywhere in it). */
#ifndef AOT_HOST_H
#define AOT_HOST_H

#include "anneal/schedule.h"

typedef struct AotSchedule {
	const char *name;
	const anneal_desc *desc;
	anneal_eval_fn eval;
	anneal_fill_fn fill;
	int nparam; /* NAME_NPARAM from the generated header */
} AotSchedule;

extern const AotSchedule aot_all[]; /* ends with a NULL name */

#endif
