/* annealc.h: the public API of libannealc -- load, check, evaluate, JIT and AOT-compile, analyze and plot schedules. */
#ifndef ANNEAL_ANNEALC_H
#define ANNEAL_ANNEALC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "anneal/schedule.h"
#include "anneal/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Errors: every call that can fail returns an anneal_status (status.h);
 * calls on an object leave a message naming what was wrong in it
 * (annealc_errmsg, annealc_jit_errmsg), cleared by the next call that
 * succeeds.  Getters return NULL or -1 on a bad argument.  The library
 * never exits, aborts or prints on its own.
 *
 * Threads: a program may be used from one thread at a time; distinct
 * programs are independent.  A JIT may be shared: annealc_jit_compile and
 * annealc_jit_release may be called from several threads on one JIT (they
 * lock it, so its compilations run one at a time), each compile with a
 * program no other thread uses meanwhile; annealc_jit_errmsg then holds
 * the last failure of any of them.  annealc_jit_free must not overlap any
 * other use of its JIT or of its descriptors.  Compiled functions
 * (desc->eval, desc->fill) may be called from any number of threads at
 * once until their descriptor is released; the first call of a fill
 * compiled at -O1 to -O3 compiles it, under the JIT's lock.
 *
 * LLVM: a JIT call that LLVM fails (an error diagnostic, or a fatal error
 * that would end the process) returns ANNEAL_ERR_INTERNAL with LLVM's
 * message, and what LLVM was working on is leaked, not reused.  For this
 * libannealc installs LLVM's fatal-error handler, for the whole process,
 * when the first JIT is made (or the first emit runs); a host that uses
 * LLVM itself keeps LLVM's behaviour for its own fatal errors (the message
 * on stderr, then exit) and must not install a handler of its own.
 */

/* "0.1.0": the library's version, which may differ from the headers'. */
const char *annealc_version(void);

/* ---- diagnostics: where the messages about a schedule file go ---- */

typedef enum annealc_severity { ANNEALC_ERROR, ANNEALC_WARNING, ANNEALC_NOTE } annealc_severity;

/* One diagnostic. Its strings live only during the sink's call. */
typedef struct annealc_diagnostic {
	const char *path;  /* the file, or the name a buffer was given */
	int32_t line;      /* 1-based; 0 when the problem has no place in the file (it cannot be read) */
	int32_t column;    /* 1-based, in bytes; 0 with line 0 */
	int32_t severity;  /* enum annealc_severity */
	const char *message; /* the message alone: "expected ';' after channel definition" */
	const char *text;  /* as annealc prints it: "path:7:22: error: message\n", the line and a caret
	                      under the column; "error: message\n" without a place */
} annealc_diagnostic;

typedef void (*annealc_diag_fn)(void *user, const annealc_diagnostic *d);

/* A sink the caller chooses: each diagnostic's text is written to file
   when it is not NULL, and fn is called with it when fn is not NULL. A
   NULL sink (or one with neither) keeps quiet. */
typedef struct annealc_sink {
	FILE *file;
	annealc_diag_fn fn;
	void *user;
} annealc_sink;

/* ---- programs: a checked schedule file ---- */

typedef struct annealc_program annealc_program;

/* Parse and check a file (or a buffer of len bytes, `path` naming it in
   diagnostics; it need not be NUL-terminated and is copied). Diagnostics go
   to sink. On success *out is the program; otherwise *out is NULL and the
   status is ANNEAL_ERR_INPUT (the schedule has errors), ANNEAL_ERR_IO (the
   file cannot be read), ANNEAL_ERR_NOMEM or ANNEAL_ERR_INVALID (a NULL
   argument). */
anneal_status annealc_load_file(const char *path, const annealc_sink *sink, annealc_program **out);
anneal_status annealc_load_buffer(const char *path, const char *text, size_t len, const annealc_sink *sink,
                                  annealc_program **out);
void annealc_free(annealc_program *p); /* NULL is fine; every descriptor annealc_describe returned goes too */
/* The message of the last failed call on p, "" after a success (never NULL; "" for a NULL p). */
const char *annealc_errmsg(const annealc_program *p);

int annealc_schedule_count(const annealc_program *p);
/* Index of the schedule called name (NULL: the first), or -1. */
int annealc_schedule_find(const annealc_program *p, const char *name);
/* The schedule's name, NULL for an index out of range. Owned by p. */
const char *annealc_schedule_name(const annealc_program *p, int schedule);
/* Index of the schedule's param called name, in declaration order (the
   order of the params arrays below), or -1. */
int annealc_param_find(const annealc_program *p, int schedule, const char *name);

/* Replace the default of param `name` of a schedule; the program is checked
   again, so a param that shapes phase lengths takes effect too. Returns
   ANNEAL_ERR_INVALID when there is no such schedule or param or the value
   is NaN or infinite, ANNEAL_ERR_INPUT when the value makes the schedule
   invalid (diagnostics to sink); in both cases the program is unchanged.
   Descriptors from annealc_describe stay valid but show the old values. */
anneal_status annealc_set_param(annealc_program *p, int schedule, const char *name, double value,
                                const annealc_sink *sink);

/* A descriptor of the schedule's names, params and hooks, with eval and
   fill NULL (the interpreter has no function pointers). Owned by p; NULL
   for an index out of range. */
const anneal_desc *annealc_describe(annealc_program *p, int schedule);

/* The reference interpreter: the oracle the JIT and AOT paths are tested
   against. params as in anneal_eval_fn (NULL: the defaults). ANNEAL_ERR_INVALID
   for a schedule out of range, a negative step or a NULL out. */
anneal_status annealc_interp_eval(annealc_program *p, int schedule, int64_t step, const double *params,
                                  anneal_point *out);

/* ---- compiling ---- */

typedef struct annealc_options {
	int32_t opt_level;      /* 0..3; 2 is the default */
	int32_t bind_params;    /* 1: params become constants, the params argument is ignored */
	const char *target;     /* AOT target triple, NULL for the host */
	const char *prefix;     /* AOT: prepended to every generated symbol and header name, NULL for none */
	int32_t self_contained; /* AOT header: declare the ABI types itself, not #include "anneal/schedule.h" */
} annealc_options;

/* The defaults, as annealc's command line has them: -O2, params free, the
   host, no prefix. Start from these: {0} would mean -O0. */
#define ANNEALC_OPTIONS_INIT { 2, 0, NULL, NULL, 0 }
void annealc_options_init(annealc_options *o);

/* ORC LLJIT. A descriptor from annealc_jit_compile -- its functions, names
   and arrays -- stays valid until its last release or annealc_jit_free,
   whichever comes first; whatever keeps it must be gone by then (an
   optimizer from anneal_create keeps desc: anneal_free it first). The
   program may be freed or changed after compiling: the descriptor owns
   copies of its names. Compiling the same schedule again (the same checked
   form: names, param values, hooks, channels; and the same options)
   returns the same descriptor, counted: each successful compile is matched
   by at most one release, and the code and data are freed with the last
   one (a later compile may then return a descriptor at the same address).
   A hit compares the whole canonical text of the schedule, so it costs
   microseconds, not a compilation. Each compilation's LLVM state is freed
   once its code is made, a lazily compiled fill's once it is compiled or
   released: the JIT's memory is what its live descriptors need. */
typedef struct annealc_jit annealc_jit;
/* A new JIT; a failure is reported to sink (which is not kept). */
anneal_status annealc_jit_new(const annealc_sink *sink, annealc_jit **out);
/* o may be NULL for ANNEALC_OPTIONS_INIT; o->target must be NULL (the
   JIT compiles for the machine it runs on). */
anneal_status annealc_jit_compile(annealc_jit *j, annealc_program *p, int schedule, const annealc_options *o,
                                  const anneal_desc **out);
/* Give back a descriptor annealc_jit_compile returned; once its count is
   zero its functions must no longer run anywhere. ANNEAL_ERR_INVALID if
   this JIT did not compile it or it was released as often as compiled. */
anneal_status annealc_jit_release(annealc_jit *j, const anneal_desc *desc);
const char *annealc_jit_errmsg(const annealc_jit *j);
void annealc_jit_free(annealc_jit *j); /* NULL is fine */

enum annealc_emit_kind { ANNEALC_EMIT_OBJ, ANNEALC_EMIT_ASM, ANNEALC_EMIT_LLVM, ANNEALC_EMIT_BC };

/* Every schedule of the program into one output file, and, when header is
   not NULL, a C header declaring NAME_eval, NAME_fill, NAME_desc and enums
   of param indices, channel slots and hook bits. Existing files are
   replaced only on success. */
anneal_status annealc_emit(annealc_program *p, const annealc_options *o, enum annealc_emit_kind kind,
                           const char *out_path, const char *header_path);

/* ---- layout ---- */

/* The canonical layout of a schedule file's text, as annealc fmt prints it
   (doc/language.md, "Layout"): the same tokens and comments in the same
   order, re-spaced, re-indented and broken into lines by fixed rules, so
   formatting never changes what the file means and formatting the result
   again changes nothing. The text need only parse, not check. On success
   *out is a NUL-terminated copy of *out_len bytes for the caller to free();
   otherwise *out is NULL and the status is ANNEAL_ERR_INPUT (a syntax
   error, diagnostics to sink), ANNEAL_ERR_NOMEM, ANNEAL_ERR_INVALID (a NULL
   argument) or ANNEAL_ERR_INTERNAL (the layout would have changed a token:
   a bug, reported at the token). */
anneal_status annealc_format(const char *path, const char *text, size_t len, const annealc_sink *sink, char **out,
                             size_t *out_len);

/* ---- analysis and plots, as annealc analyze and annealc plot print them ---- */

typedef struct annealc_analyze_options {
	int64_t steps;         /* steps to analyze; <= 0: the horizon, else a default */
	double join_tolerance; /* relative jump at a phase join worth reporting; 0.05 */
	double curvature;      /* L of the 4/L stability bound; 0: not checked */
	double batch, base_batch; /* both > 0: the linear scaling rule's check; 0: not checked */
	int32_t json;          /* 1: JSON, else text */
} annealc_analyze_options;
#define ANNEALC_ANALYZE_OPTIONS_INIT { 0, 0.05, 0, 0, 0, 0 }

/* The analysis of one schedule written to out. *errors (may be NULL) is
   the number of error-level findings (a negative or non-finite value). */
anneal_status annealc_analyze(annealc_program *p, int schedule, const annealc_analyze_options *o, FILE *out,
                              int32_t *errors);

typedef struct annealc_plot_options {
	int64_t first, count;  /* the steps first .. first + count - 1; count 0: the default span */
	int32_t log;           /* a log scale for the values */
	int32_t term;          /* 1: text for a terminal of columns x rows (0: from the terminal, else 80 x 24) */
	int32_t columns, rows;
	const char *channels;  /* comma-separated channel names, NULL for every channel */
	annealc_program *compare; /* NULL, or a program whose schedule is overlaid */
	int32_t compare_schedule;
	const char *compare_label; /* how the overlay is named, NULL: its schedule's name */
} annealc_plot_options;
#define ANNEALC_PLOT_OPTIONS_INIT { 0, 0, 0, 0, 0, 0, NULL, NULL, 0, NULL }

/* The schedule's curves, restarts and phase joins marked, as one SVG
   document (or terminal text) written to out. */
anneal_status annealc_plot(annealc_program *p, int schedule, const annealc_plot_options *o, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
