/* cg.h: the LLVM-C back end's internal header -- module state, frames, and the passes shared by the JIT and AOT. */
#ifndef ANNEAL_CG_H
#define ANNEAL_CG_H

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "annealc_int.h"

/* A restarts node's tables as module constants (cg_cycles.c), emitted once
   and shared by eval and fill. */
typedef struct CgTable {
	const LCycles *cycles;
	LLVMValueRef start;  /* [nsearch + 1 x i64], or [n + 1] for the doubling estimate: the starts,
	                        then entries above every step searched */
	LLVMValueRef steps;  /* [n x i64] */
	LLVMValueRef est;    /* [65 x i64]: the cycle of the smallest step of each bit length (doubling only) */
	LLVMValueRef off, T; /* real-valued cycles: [n x double] of the offsets and Ts; else NULL */
	unsigned nsearch;    /* the search's power of two */
} CgTable;

/* A phase body and the phases of a long sequence that share it: the same
   leaf expression but for its numbers (or a body of its own: one phase). */
typedef struct CgTemplate {
	const LSched *body; /* its first phase's */
	const LPhase *open; /* the open-ended last phase, always a template of its own; else NULL */
	int nmember;       /* its phases */
	int ncol;          /* numbers that differ between its phases: the columns of nums */
	int *col;          /* per number of body's leaf, in cg_expr's order: its column, or -1 */
	LLVMValueRef nums; /* [nmember * ncol x double]: a phase's row at rank * ncol; NULL when ncol is 0 */
} CgTemplate;

/* A long sequence's phases as module constants (cg_phases.c), emitted once
   and shared by eval and fill: where each starts, how long it lasts, what
   it reports, and its template. */
typedef struct CgPhases {
	const LSched *seq;
	unsigned nphase;
	unsigned shift, nbucket, nsearch; /* the search: see cg_phases_find */
	LLVMValueRef bucket;       /* [nbucket x i32]: the phase at step b << shift */
	LLVMValueRef start;        /* [nphase + nsearch x i64]: the starts, then 2^64 - 1 (compared unsigned) */
	LLVMValueRef len;          /* [nphase x i64] */
	LLVMValueRef enter;        /* [nphase x i64] of enter masks, NULL when every one is 0 */
	LLVMValueRef index;        /* [nphase x i32] of LPhase.index, NULL when each is its place */
	LLVMValueRef template_of;  /* [nphase x i32], NULL with one template */
	LLVMValueRef rank;         /* [nphase x i32]: each phase's place among its template's, NULL with one */
	int ntemplate;
	CgTemplate *template;
} CgPhases;

/* The fields of the LLVM structs cg_types builds, in the order of the C
   structs they mirror (include/anneal/schedule.h); check_codegen's
   desc_layout test compares the offsets. */
enum { CG_POINT_VALUE, CG_POINT_EVENTS, CG_POINT_CYCLE, CG_POINT_PHASE, CG_POINT_RESERVED, CG_POINT_NFIELDS };
enum { CG_PARAM_NAME, CG_PARAM_VALUE, CG_PARAM_STRUCTURAL, CG_PARAM_NFIELDS };
enum { CG_ACTION_KIND, CG_ACTION_NAME, CG_ACTION_NFIELDS };
enum { CG_HOOK_EVENT, CG_HOOK_ARG, CG_HOOK_PHASE, CG_HOOK_NACTION, CG_HOOK_ACTION, CG_HOOK_NFIELDS };
enum {
	CG_DESC_ABI_VERSION, CG_DESC_NAME, CG_DESC_NPARAM, CG_DESC_PARAM, CG_DESC_CHANNELS, CG_DESC_CHANNEL_NAME,
	CG_DESC_PRIMARY, CG_DESC_NHOOK, CG_DESC_HOOK, CG_DESC_HORIZON, CG_DESC_DIGEST, CG_DESC_EVAL, CG_DESC_FILL,
	CG_DESC_NFIELDS
};

/* One module under construction: the LLVM handles, the common types and the
   schedule whose functions are being built. The builders are owned here; the
   module passes to whoever called cg_module or cg_module_split. */
typedef struct Cg {
	LLVMContextRef ctx; /* borrowed: owned by the JIT's compilation or by annealc_emit */
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMBuilderRef ab; /* allocas, at the top of the entry block */

	LLVMTypeRef i1, i8, i32, i64, f64, ptr, f64ptr;
	LLVMTypeRef point;   /* anneal_point */
	LLVMTypeRef param;   /* anneal_param */
	LLVMTypeRef action;  /* anneal_action */
	LLVMTypeRef hook;    /* anneal_hook */
	LLVMTypeRef desc;    /* anneal_desc */
	LLVMTypeRef eval_ty; /* void (i64, double *, anneal_point *) */
	LLVMTypeRef fill_ty; /* void (i64, i64, double *, i32, double *) */

	const LSchedule *s;
	int bind;        /* params are compile-time constants */
	int fill_by_eval; /* NAME_fill calls NAME_eval per step (-O0: least code to compile) */
	const char *fill_suffix; /* of the fill function's name: NULL for "_fill" */
	const char *sym; /* prefix of the generated symbols: the schedule's name, or a unique one in the JIT */

	LLVMValueRef fn;       /* function being built */
	LLVMValueRef *pval;    /* value of every param in the current function */
	LLVMValueRef defaults; /* [nparam x double] of the defaults */
	LLVMValueRef params_arg; /* the params argument of the function being built, passed on to the
	                            functions it calls (leaf loops, channels, outlined expressions) */

	/* eval only: the event mask, cycle and phase of the step */
	LLVMValueRef ev, cyc, phase, res;
	int primary; /* the channel being built is the primary one */
	int outline; /* the channel being built calls its leaves' expressions, each a function of
	                its own built once (cg_sched.c's call_expr_fn), instead of inlining them */

	struct CgExprFn *exprfn; /* the schedule's outlined expressions: open addressing, by LExpr */
	unsigned nexprfn, exprfn_cap; /* cap a power of two, or 0 */

	int ntable;
	CgTable *table;
	int nphases;
	CgPhases *phases;
	int leaf_loops; /* the module's fill leaf loops so far (MODULE_MAX_LEAF_LOOPS) */

	Arena scratch; /* the build's temporary arrays, freed with the builders */
	jmp_buf oom;   /* scratch.oom: out of memory abandons the module */
} Cg;

/* What an LExpr can read in the innermost phase: i64 values, converted to
   double where used (ops.def). cycle is NULL outside restarts and cycles lists. */
typedef struct CgFrame {
	LLVMValueRef t, T, step, cycle;
	LLVMValueRef tf, Tf; /* under a real-valued restarts: t's fraction, T as a double (NULL: none) */
	LLVMValueRef td, Td, stepd, cycled; /* the conversions, made once per frame */
	/* A phase body shared by phases that differ only in numbers (CgTemplate):
	   the phase's row of them, and each number's column in it (-1: the same in
	   every phase, inline), numbers counted in cg_expr's order. NULL: inline. */
	LLVMValueRef nums;
	const int *num_col;
	int num_pos;
	const LLVMValueRef *operand; /* SC_COMBINE: its operands' values (doubles) */
} CgFrame;

/* cg_expr.c */
void cg_types(Cg *g);
LLVMValueRef cg_expr(Cg *g, const LExpr *e, CgFrame *f);
LLVMValueRef cg_i64(Cg *g, int64_t v);
LLVMValueRef cg_f64(Cg *g, double v);
LLVMValueRef cg_cstr(Cg *g, const char *s); /* i8 pointer to a private string, NULL pointer for NULL */
LLVMValueRef cg_alloca(Cg *g, LLVMTypeRef ty, const char *name);
LLVMValueRef cg_smin(Cg *g, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_global_const(Cg *g, LLVMTypeRef ty, LLVMValueRef init, const char *name);
/* Constant global arrays of n values (an i32 array holds v's values below 2^31), and the
   load of entry k (an i64) of one: cg_i32_at zero-extends to i64. */
LLVMValueRef cg_i64_array(Cg *g, const int64_t *v, unsigned n, const char *name);
LLVMValueRef cg_i32_array(Cg *g, const int64_t *v, unsigned n, const char *name);
LLVMValueRef cg_f64_array(Cg *g, const double *v, unsigned n, const char *name);
LLVMValueRef cg_i64_at(Cg *g, LLVMValueRef table, unsigned n, LLVMValueRef k);
LLVMValueRef cg_i32_at(Cg *g, LLVMValueRef table, unsigned n, LLVMValueRef k);
LLVMValueRef cg_f64_at(Cg *g, LLVMValueRef table, unsigned n, LLVMValueRef k);
/* Starts a function body: the entry block, the alloca builder and the param values. */
void cg_begin(Cg *g, LLVMValueRef fn, LLVMValueRef params_arg);
void cg_end(Cg *g);

/* cg_phases.c: sequences of at least CG_PHASES_MIN phases find their phase
   by table instead of a compare tree, which mispredicts at scattered steps. */
enum { CG_PHASES_MIN = 9 };
CgPhases *cg_phases(Cg *g, const LSched *seq);
/* The index (i64) of the last phase with start <= max(s, 0), branch-free. */
LLVMValueRef cg_phases_find(Cg *g, const CgPhases *p, LLVMValueRef s);

/* cg_sched.c */
LLVMValueRef cg_eval_fn(Cg *g);
LLVMValueRef cg_fill_fn(Cg *g, LLVMValueRef eval);
LLVMValueRef cg_fill_stub(Cg *g, uint64_t slot, uint64_t ctx, uint64_t resolve);
/* The restarts cycle of local step s: index, start and length. */
typedef struct CgCycle {
	LLVMValueRef k, start, len, next; /* next: start of cycle k + 1, INT64_MAX when none follows */
	LLVMValueRef off, T; /* real-valued cycles: t's offset and the real length (doubles); else NULL */
} CgCycle;
/* cg_cycles.c: the cycle of local step s, exactly as cycles_index finds it. */
void cg_cycle(Cg *g, const LCycles *cy, LLVMValueRef s, CgCycle *c);
/* Forgets the restart tables and outlined expressions, which belong to one schedule in one module. */
void cg_sched_reset(Cg *g);

/* cg_desc.c */
LLVMValueRef cg_desc(Cg *g, LLVMValueRef eval, LLVMValueRef fill);
void cg_defaults(Cg *g);

/* cg_module.c */
/* Process-wide set-up, once: native target, and glibc's libmvec as the vector
   library when it can be loaded. 0, or -1 after an error on d. */
int cg_init(Diag *d);
/* Whether libmvec is LLVM's vector library (after cg_init). */
int cg_vector_math(void);
/* Turns an LLVMErrorRef into an error on d, consuming it; returns -1. */
int cg_error(Diag *d, LLVMErrorRef err, const char *what);
/* n zeroed elements of the current build's scratch arena. */
void *cg_alloc(Cg *g, size_t n, size_t size);
/* A per-module cache's n elements copied into a new array of n + 1 in the
   scratch arena, the last zeroed. The old array stays where it was, so a
   pointer into it taken before a nested call still reads the same entry. */
void *cg_append(Cg *g, void *array, int n, size_t size);
/* The three symbols of every schedule in one new module of ctx; symbol
   names are sym[i] (NULL: the schedule's name). NULL after an error on d
   (out of memory). */
LLVMModuleRef cg_module(LLVMContextRef ctx, const char *modname, const LSchedule *const *s,
                        const char *const *sym, int n, const annealc_options *o, Diag *d);
/* The JIT's split of one schedule: eval_mod (in eval_ctx) holds NAME_eval,
   NAME_desc and a NAME_fill stub (cg_fill_stub's slot, ctx, resolve);
   fill_mod (in fill_ctx, which may then outlive eval_ctx) holds the real
   fill as sym_fill_impl, compiled when first called. 0, or -1 after an
   error on d, with neither module made. */
int cg_module_split(LLVMContextRef eval_ctx, LLVMContextRef fill_ctx, const LSchedule *s, const char *sym,
                    const annealc_options *o, uint64_t slot, uint64_t lazy_ctx, uint64_t resolve,
                    LLVMModuleRef *eval_mod, LLVMModuleRef *fill_mod, Diag *d);
/* ANNEAL_OK, or the status of an error on d naming the bad field: an
   opt_level outside 0..3, a bind_params not 0 or 1, or (for the JIT) a
   target. The AOT fields prefix and self_contained mean nothing to the
   JIT, which names its symbols itself. */
anneal_status cg_check_options(const annealc_options *o, int jit, Diag *d);
/* NULL after an error on d. */
LLVMTargetMachineRef cg_target_machine(const char *triple, int host_cpu, int opt_level, int jit, Diag *d);
/* Verify, then optimise with the new pass manager. 0, or -1 after an error on d. */
int cg_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, int opt_level, Diag *d);
/* A new context whose error diagnostics (which LLVM would print before
   exiting the process) are kept for cg_protect, and whose warnings and
   remarks are dropped. Every module built for the JIT or AOT lives in one. */
LLVMContextRef cg_context(void);
/* Runs fn(arg, d) so that LLVM cannot end the process: an error diagnostic
   of a cg_context met meanwhile, or an LLVM fatal error (LLVM's own frames
   are then abandoned, see cg_module.c), is reported on d as an internal
   error and -1 returned, with *fatal set after a fatal one: everything fn
   was handing LLVM (module, context, target machine, JIT) is then in an
   unknown state and must be abandoned, neither used nor disposed. Else
   fn's result. Set up by cg_init. Not async-signal-safe, nestable. */
int cg_protect(int (*fn)(void *arg, Diag *d), void *arg, Diag *d, int *fatal);
/* Tests only: when set, cg_optimize runs this pipeline at -O1 to -O3, and
   calls cg_test_module on each module before verifying it. */
extern const char *cg_test_passes;
extern void (*cg_test_module)(LLVMModuleRef mod);

/* jit.c, tests only: when set, the cache's hash of a key (its bytes), so
   that distinct keys can be made to collide. */
extern uint64_t (*jit_test_hash)(const char *key, size_t len);

#endif
