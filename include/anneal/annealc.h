/* annealc.h: the public API of libannealc -- load, check, evaluate, JIT and AOT-compile schedules. */
#ifndef ANNEAL_ANNEALC_H
#define ANNEAL_ANNEALC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "anneal/schedule.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct annealc_program annealc_program;

/* Parse and check a file (or a buffer, `path` naming it in diagnostics).
   Diagnostics go to `diag`; on any error the result is NULL and *status is
   1 (diagnostics) or 2 (the file could not be read). */
annealc_program *annealc_load_file(const char *path, FILE *diag, int *status);
annealc_program *annealc_load_buffer(const char *path, const char *text, size_t len, FILE *diag,
                                     int *status);
void annealc_free(annealc_program *p);

int annealc_schedule_count(const annealc_program *p);
/* Index of the schedule called name (NULL: the first), or -1. */
int annealc_schedule_find(const annealc_program *p, const char *name);
const char *annealc_schedule_name(const annealc_program *p, int schedule);

/* Replace the default of param `name` of a schedule; the program is
   checked again, so a param that shapes phase lengths takes effect too.
   Returns 0; -2 when the schedule has no such param; -1 when the value makes
   the schedule invalid (diagnostics go to diag; the old value is kept). */
int annealc_set_param(annealc_program *p, int schedule, const char *name, double value, FILE *diag);

/* A descriptor of the schedule's names, params and hooks, with eval and
   fill NULL (the interpreter has no function pointers). Owned by p. */
const anneal_desc *annealc_describe(annealc_program *p, int schedule);

/* The reference interpreter: the oracle the JIT and AOT paths are tested
   against. params as in anneal_eval_fn (NULL: the defaults). */
void annealc_interp_eval(const annealc_program *p, int schedule, int64_t step, const double *params,
                         anneal_point *out);

typedef struct annealc_options {
	int opt_level;       /* 0..3 */
	int bind_params;     /* 1: params become constants, the params argument is ignored */
	const char *target;  /* AOT target triple, NULL for the host */
} annealc_options;

/* ORC LLJIT, one per process or per host; compiled schedules stay valid
   until annealc_jit_free. Compiling the same program text with the same
   options twice returns the cached descriptor. */
typedef struct annealc_jit annealc_jit;
annealc_jit *annealc_jit_new(FILE *diag);
const anneal_desc *annealc_jit_compile(annealc_jit *j, annealc_program *p, int schedule,
                                       const annealc_options *o, FILE *diag);
void annealc_jit_free(annealc_jit *j);

enum annealc_emit_kind { ANNEALC_EMIT_OBJ, ANNEALC_EMIT_ASM, ANNEALC_EMIT_LLVM, ANNEALC_EMIT_BC };

/* Every schedule of the program into one output file, and, when header is
   not NULL, a C header declaring NAME_eval, NAME_fill, NAME_desc and an
   enum of param indices. Existing files are replaced only on success.
   Returns 0 or 2 (with a message on diag). */
int annealc_emit(annealc_program *p, const annealc_options *o, enum annealc_emit_kind kind,
                 const char *out_path, const char *header_path, FILE *diag);

#ifdef __cplusplus
}
#endif

#endif
