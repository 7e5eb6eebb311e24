/* annealc_int.h: the compiler's one internal header -- arena, diagnostics, AST, lowered form, passes. */
#ifndef ANNEALC_INT_H
#define ANNEALC_INT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "anneal/annealc.h"
#include "anneal/schedule.h"

/* A compiler bug, never a user's mistake or a lack of memory: it traps
   with where it happened, as an assertion would. */
#define UNREACHABLE() diag_internal("%s:%d: unreachable", __FILE__, __LINE__)
_Noreturn void diag_internal(const char *fmt, ...);

/* The size of a program's or a JIT's last error message. */
enum { ERRMSG_SIZE = 1024 };

/* ---- arena: one per compilation, freed at once ---- */

typedef struct ArenaBlock ArenaBlock;
typedef struct Arena {
	ArenaBlock *head;
	jmp_buf *oom; /* where a failed allocation jumps: the library call that is running */
} Arena;

/* Zeroed. Out of memory, it longjmps to *a->oom, which every public entry
   point that allocates sets (guard_oom in program.c), so the failure
   returns ANNEAL_ERR_NOMEM to the host instead of ending its process. */
void *arena_alloc(Arena *a, size_t n);
/* What arena_alloc does when malloc fails, for memory taken elsewhere. */
_Noreturn void arena_out_of_memory(Arena *a);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
void arena_free(Arena *a);

/* ---- source and diagnostics ---- */

typedef struct Loc {
	int line;     /* 1-based */
	int col;      /* 1-based, in bytes: where the caret goes */
	int from, to; /* the columns [from, to) of line underlined around the caret (a token, an
	                 operation with its operands, a call), to past the line's end for a range
	                 that goes on; 0, 0: the caret alone */
} Loc;

typedef struct Src {
	const char *path;
	const char *text; /* NUL-terminated copy of the file */
	size_t len;
} Src;

/* Where one library call reports: the caller's sink, and the object whose
   message (annealc_errmsg) receives the first error's one-line text. */
typedef struct Diag {
	const Src *src;           /* NULL only for messages with no place */
	const annealc_sink *sink; /* NULL: quiet */
	char *msg;                /* NULL: none kept */
	size_t msgsize;
	int nerror;
	int nwarning;
	/* The start of the line the last diagnostic quoted: diagnostics come in
	   file order, so each finds its line from the previous one's. */
	int seen_line;
	const char *seen_at;
} Diag;

/* path:line:col: error: message, then the line with a caret under col. */
void diag_error(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_note(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error with no source position (file unreadable, unknown param, LLVM). */
void diag_plain(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- AST (parser output; every node keeps its location) ---- */

typedef enum {
#define X(kind, text) kind,
#include "node.def"
#undef X
	ND_COUNT
} NodeKind;

typedef struct Node Node;
struct Node {
	NodeKind kind;
	Loc loc;
	double num;       /* ND_NUM */
	const char *name; /* ND_IDENT, ND_CALL, ND_NAMED, ND_PHASE label, items */
	/* Each slot by its role in the node; the names of one slot are one
	   pointer, so a walk over every child may read any of them. */
	union {
		Node *lhs;   /* an operator's (first) operand, ND_POINT's x, ND_UNIT's count */
		Node *value; /* ND_PARAM, ND_LET, ND_CHANNEL, ND_CUSTOM, ND_NAMED, ND_DURATION */
		Node *arg;   /* ND_HOOK: the event's (every N, at N, enter LABEL); ND_ACTION: its NAME */
	};
	union {
		Node *rhs;      /* an operator's second operand, ND_POINT's y */
		Node *duration; /* ND_PHASE: its ND_DURATION, NULL without 'for' */
	};
	union {
		Node *args;   /* ND_CALL, ND_LIST, ND_RESTARTS */
		Node *phases; /* ND_SEQ */
		Node *items;  /* ND_SCHEDULE */
	};
	union {
		Node *body;    /* ND_PHASE: an expression, ND_RESTARTS or ND_CYCLES; those two: their ND_SEQ */
		Node *actions; /* ND_HOOK */
	};
	Node *next;       /* sibling in a list */
	Node *tail;       /* on the head of a list: its last node, so appending is O(1) */
	int unit;         /* ND_UNIT: DUR_STEPS, DUR_EPOCHS, DUR_PERCENT */
	Loc end;          /* ND_SCHEDULE, ND_HOOK: the closing brace */
};

enum { DUR_STEPS, DUR_EPOCHS, DUR_PERCENT };

Node *ast_new(Arena *a, NodeKind kind, Loc loc);
Node *ast_binary(Arena *a, NodeKind kind, Loc loc, Node *lhs, Node *rhs);
/* Appends item to the list whose head is *head (order of appearance). */
Node *ast_append(Node *head, Node *item);
int ast_length(const Node *list);

/* ---- lexer state (grammar/lexer.re), shared with the parser ---- */

typedef struct Lexer {
	const char *cur, *lim, *tok, *marker;
	const char *line_start;
	int line;
	Arena *arena;
	Diag *diag;
	/* Open brackets, so a syntax error can point back to the one never
	   closed (Lua's "to close '{' at line 3"). */
	struct {
		char ch;
		Loc loc;
	} open[64];
	int nopen;
	int moved; /* what the current token did to nopen: +1 an opener, -1 a closer that closed one, 0 */
	Loc prev_end; /* just past the previous token: where a missing ';' belongs */
	Loc last_end; /* just past the current token */
	int keep_comments; /* comments are COMMENT tokens (the formatter) instead of skipped */
	Node *result;
} Lexer;

Loc lex_loc(const Lexer *lx, const char *p);

/* ---- lowered form: what the interpreter and code generation consume ----
   Every type of it is L-prefixed: an LSchedule holds its LParams, LChannels
   and LHooks, each channel an LSched tree of LPhases and LCycles over LExpr
   expressions. */

typedef enum {
#define X(kind, arity, name, builtin) kind,
#include "ops.def"
#undef X
	EX_COUNT
} LExprKind;

typedef struct LExpr LExpr;
struct LExpr {
	LExprKind kind;
	double num; /* EX_NUM */
	int param;  /* EX_PARAM: index into the params array */
	int operand; /* EX_OPERAND: index into its SC_COMBINE's operands */
	LExpr *a, *b, *c;
	/* The tree this node roots as every later pass walks it, a subtree
	   shared by a let or a shape counted at each use: its operations and
	   its levels, the measures of the limits (MAX_FILE_OPS, MAX_EXPR_DEPTH). */
	int64_t size;
	int depth;
};

/* ops.c: each operation's arity, name, and 1 when it is a builtin called as name(...). */
extern const int ops_arity[EX_COUNT];
extern const char *const ops_name[EX_COUNT];
extern const int ops_builtin[EX_COUNT];
/* What a unary or binary operation computes (b unused for unary ones). */
double ops_apply(LExprKind k, double a, double b);
/* No param, step, t, T or cycle anywhere in e: the same value at every step. */
int ops_is_constant(const LExpr *e);

/* A schedule tree. Every node is evaluated at a local step s >= 0 with an
   allotted length L (-1: unbounded):
   - SC_LEAF: t = s, T = L; the value is `leaf`.
   - SC_SEQ: phase i is the last one with start <= s; its body sees
     s - start and length phase.len, or L - start when phase.len is -1 (an
     open last phase fills what is left; -1 again when L is -1). Past the end
     of a bounded sequence the last phase goes on (its shapes hold their end
     value because they clamp their progress to [0, 1]). A phase whose
     duration comes to zero is not among them (lower_seq keeps it aside), so
     an empty last phase leaves the phase before it going on. A sequence
     with no phase that runs (nphase 0, length 0) is only ever the body of
     an empty phase: lower_seq's callers refuse it anywhere else.
     With cycle_list set (`cycles { a for 50 then b }`), phase i that runs is
     restart cycle i: its body sees cycle index i, `restart` fires at its
     first step when i >= 1, and the phase column is left to the sequence
     around it, as for SC_RESTARTS.
   - SC_RESTARTS: cycle k = cycles_index(s) (LCycles below); the body sees
     s - cycles_start(k) plus cycles_offset(k), length cycles_steps(k) and
     real length cycles_T(k), and cycle index k.
   - SC_COMBINE: an expression over sequences, `(a for 5 then b) * (c for 5
     then d)`: each operand is evaluated at s with length L, on its own phase
     clock, and `leaf` is evaluated as SC_LEAF's with EX_OPERAND i reading
     operand i's value. The operands are evaluated from the last to the
     first, so the phase and cycle reported are the first operand's that has
     them; their enter and restart events all fire. */
typedef enum { SC_LEAF, SC_SEQ, SC_RESTARTS, SC_COMBINE } LSchedKind;

/* Durations, step counts and cycle starts stay below 2^62, so a sum of
   two never overflows int64. */
#define MAX_STEPS (INT64_C(1) << 62)

typedef struct LSched LSched;
typedef struct LPhase {
	LSched *body;
	int64_t start; /* ascending; phase[0].start == 0 */
	int64_t len;   /* -1: open-ended (only the last phase); 0: empty (LSched.empty) */
	int index;     /* its place in the sequence as written, empty phases counted: anneal_point.phase */
	uint64_t enter_mask; /* `on enter LABEL` hooks fired at the phase's local step 0 */
	const char *label;   /* LABEL in `LABEL: body`, or NULL */
	Loc loc;             /* the phase in the source, for later stages' messages */
} LPhase;

/* ---- restart cycles: built and queried only by cycles.c ---- */

/* How a restarts node's cycles are laid out. */
typedef enum LCyclesKind {
	CYCLES_UNIFORM, /* whole period, mult 1: cycle k starts at k * period */
	CYCLES_LAP,     /* a period p/q that is not whole, mult 1: the tables hold one lap of q
	                   cycles, after which the starts repeat p steps later */
	CYCLES_TABLE    /* mult > 1: the tables hold every cycle whose start fits in int64, at most
	                   count of them; the last holds for ever */
} LCyclesKind;

/* restarts' `lengths`: how each cycle's length follows from period and mult. */
typedef enum LCyclesLengths {
	LENGTHS_EXACT,      /* cycle k is the real [S_k, S_k+1), S_k = P (M^k - 1) / (M - 1) */
	LENGTHS_FLOOR,      /* L_0 = P, L_k+1 = floor(M L_k): Composer's rule */
	LENGTHS_FLOOR_POWER /* L_k = floor(P M^k): AllenNLP's rule */
} LCyclesLengths;

/* The cycles of a restarts node. Cycle k holds the integer steps from
   cycles_start(k) for cycles_steps(k) of them; its body's t is the local
   step plus cycles_offset(k), its T cycles_T(k). A real-valued cycle (a
   period or mult that is not whole, lengths exact) starts at the first
   integer step F_k = ceil(S_k) of the real cycle [S_k, S_k+1): its offset is
   F_k - S_k and its T the real P M^k. */
typedef struct LCycles {
	LCyclesKind kind;
	LCyclesLengths lengths;
	double period, mult; /* as given (whole when the tables are) */
	int64_t count;       /* 0: unbounded */
	int n;               /* entries in the tables below: 1 for CYCLES_UNIFORM */
	int64_t lap;         /* UNIFORM, LAP: the steps after which the tables repeat */
	int64_t *start;      /* the first step of each; start[0] = 0 */
	int64_t *steps;      /* the integer steps of each; a length beyond int64 is INT64_MAX */
	double *off, *T;     /* real-valued cycles: F_k - S_k in [0, 1), and P M^k; else NULL */
} LCycles;

struct LSched {
	LSchedKind kind;
	LExpr *leaf; /* SC_LEAF, SC_COMBINE */
	int noperand; /* SC_COMBINE */
	LSched **operand;
	int nphase; /* SC_SEQ: the phases that run; 0 only in the body of an empty phase */
	LPhase *phase;
	int nempty; /* SC_SEQ: phases whose duration came to 0 through a param, kept only
	               for messages: they never run and their enter hooks never fire */
	LPhase *empty;
	int cycle_list; /* SC_SEQ: from `cycles { ... }`, each phase that runs a restart cycle */
	LCycles cycles;  /* SC_RESTARTS */
	LSched *body;
};

typedef struct LParam {
	const char *name;
	double value;
	int structural;
} LParam;

typedef struct LChannel {
	const char *name;
	int slot; /* enum anneal_channel, or ANNEAL_FIRST_CUSTOM + n */
	LSched *sched;
} LChannel;

/* What follows a hook's event or action in anneal/events.def and anneal/actions.def: nothing, a period or a
   step (LHook.arg), a phase's label (LHook.phase), a host callback's name (LAction.name). */
enum { HOOK_ARG_NONE, HOOK_ARG_PERIOD, HOOK_ARG_STEP, HOOK_ARG_LABEL, HOOK_ARG_NAME };

typedef struct LAction {
	int kind; /* enum anneal_action_kind */
	const char *name;
} LAction;

typedef struct LHook {
	int event; /* enum anneal_event_kind */
	int64_t arg;
	const char *phase;
	int naction;
	LAction *action;
} LHook;

/* One checked, lowered schedule. Restart hooks fire from restarts met while
   evaluating the primary channel; enter hooks from LPhase.enter_mask in any
   channel; every/at hooks from the global step. */
typedef struct LSchedule {
	const char *name;
	int nparam;
	LParam *param;
	int nchannel;
	LChannel *channel;
	int primary; /* index into channel[] (lr if defined, else the first) */
	int nhook;
	LHook *hook;
	uint64_t restart_mask; /* hooks fired by a restart */
	int64_t horizon;
	uint64_t digest;
} LSchedule;

/* The checked program: the public annealc_program. */
typedef struct Override {
	const char *schedule, *param;
	double value;
} Override;

struct annealc_program {
	Arena arena;    /* the source, the AST, overrides and descriptors: the program's life */
	Arena lowered;  /* the checked form: replaced by each successful re-check */
	Arena building; /* the check under way, so running out of memory can free it */
	char errmsg[ERRMSG_SIZE]; /* annealc_errmsg: "" after a success */
	Src src;
	Node *ast;
	int noverride;
	Override *override; /* --param values, applied at every (re)check */
	int nschedule;
	LSchedule *schedule;
};

/* ---- checker state, shared by check.c, lower.c and shapes.c ---- */

/* Limits, each with its own diagnostic. */
enum {
	MAX_PARAMS = 256,
	MAX_LETS = 256,
	MAX_LABELS = 256,
	MAX_DEPTH = 500,      /* nesting of expressions and sub-schedules as written */
	/* What a file may expand to: code generation takes time in proportion
	   (a file at both limits is checked, evaluated, compiled, plotted and
	   analyzed within 10 s and 1 GB: tests/limits.sh). */
	MAX_FILE_PHASES = 2000,  /* expression phases and restarts, each use of a let counted */
	MAX_FILE_OPS = 100000,   /* operations of every expression, lets and shapes expanded */
	MAX_EXPR_DEPTH = 2000,   /* levels of one expression, lets and shapes expanded */
	MAX_POINTS = 1024,       /* multistep milestones, piecewise points */
	MAX_SCHEDULES = 256,  /* in one file: each is its own functions in an object */
	MAX_IDENT = 128,      /* bytes in a name: names reach C headers */
	MAX_FILE_BYTES = 16 << 20 /* a schedule is a few lines; this is a guard, not a budget */
};

/* What the schedules of one file have taken of the file's limits. */
typedef struct Budget {
	int64_t phases, ops;
	int spent; /* a limit was passed and reported: lowering stops, quietly */
} Budget;

typedef struct Checker {
	Arena *arena;
	Budget *budget; /* shared by the file's schedules */
	Diag *diag;
	const annealc_program *prog;
	const char *schedule; /* name of the schedule being checked */
	int nparam;
	Node *param_node[MAX_PARAMS];
	LParam param[MAX_PARAMS];
	int nlet;
	Node *let_node[MAX_LETS];
	/* LET_BUSY while being expanded: a let that reaches itself is an error.
	   LET_FAILED once reported: its later uses are not lowered again (each
	   would repeat the messages, 2^n times for n lets each using the last twice). */
	enum { LET_IDLE, LET_BUSY, LET_FAILED } let_state[MAX_LETS];
	int depth; /* of the expression or schedule being lowered */
	/* The first param or let refused for its limit: the names it and the
	   items after it define are known, their uses not reported again. */
	Node *past_limit;
	int64_t params_named; /* uses of a param's name lowered so far, through lets too */
	int nlabel;
	struct {
		const char *name;
		Loc loc;
		LPhase *phase;
	} label[MAX_LABELS];
} Checker;

/* Where an expression is lowered. */
typedef struct Ctx {
	int in_restarts; /* `cycle` is defined */
	int T_known;     /* the phase has a length: T, p and shapes over T are allowed */
	int64_t min_T;   /* the smallest value T takes (the first cycle is the shortest), -1 unknown */
	const char *open_why; /* why T is unknown, for the message */
	const char *constant; /* a compile-time value: what it is, for messages */
	const char *steps;    /* a step count, where units go: what it is ("a duration"); NULL elsewhere */
	struct Operands *operands; /* a phase body's: where a sequence inside its expression goes
	                              (lower_operand); NULL only where a constant is lowered */
} Ctx;

/* The sequences inside one phase body's expression: SC_COMBINE's operands. */
typedef struct Operands {
	int n, cap;
	LSched **sched;
	int64_t len; /* the longest operand's length; -1 once one is open-ended */
} Operands;

/* Adds phases and operations (or restart table entries) at n to the
   file's budget; 0 after the diagnostic of the limit passed. */
int lower_spend(Checker *c, Node *n, int phases, int64_t ops);
LExpr *lower_num(Checker *c, double v);
LExpr *lower_op(Checker *c, LExprKind k, LExpr *a, LExpr *b, LExpr *cc);
/* Lowers an expression; NULL after a diagnostic. */
LExpr *lower_expr(Checker *c, Node *n, const Ctx *ctx);
/* A value fixed at compile time (numbers, params -- which become
   structural -- and arithmetic); 0 after a diagnostic naming `what`. */
int lower_const(Checker *c, Node *n, const char *what, double *out);
/* lower_const, then a whole number in [lo, INT64_MAX]. */
int lower_const_int(Checker *c, Node *n, const char *what, int64_t lo, int64_t *out);
/* lower_const and lower_const_int of a step count: its units (`2 epochs`,
   `5%`, `10 steps`) become steps, its params structural. */
int lower_steps(Checker *c, Node *n, const char *what, double *out);
int lower_steps_int(Checker *c, Node *n, const char *what, int64_t lo, int64_t *out);
/* Whether n, a step count, carries a unit (1), is a plain number (0),
   or mixes units into something that counts no steps (-1, after a diagnostic). */
int lower_units_of(Checker *c, const Node *n);
int lower_let_index(Checker *c, const char *name);
int lower_param_index(Checker *c, const char *name);
/* shapes.c: the shape or builtin function called by n, lowered; NULL after
   a diagnostic. */
LExpr *shapes_lower_call(Checker *c, Node *n, const Ctx *ctx);
/* Binds a call's positional and named arguments to `names` (NULL-ended);
   the first nreq are required. 0 after a diagnostic. */
int shapes_bind_args(Checker *c, Node *call, const char *fname, const char *const *names, int nreq, Node **out);
/* cycles.c: the tables of cy from its period, mult, count and lengths
   (set by the caller); *total the length of count cycles, -1 when
   unbounded. 0 after a diagnostic at n or at period_arg. */
int cycles_build(Checker *c, Node *n, Node *period_arg, LCycles *cy, int64_t *total);
/* lower.c: a channel's sequence; *len is its length or -1 when open. */
LSched *lower_seq(Checker *c, Node *seq, const Ctx *ctx, int64_t *len);

/* ---- passes ---- */

/* lexer.re / parser.y: the file's schedules, or NULL after diagnostics. */
Node *parse_file(Arena *a, Diag *d);
/* fmt.c: the canonical layout of a text that parses (annealc_format), in
   memory malloc'd for the caller; ANNEAL_ERR_INTERNAL after a diagnostic
   when the layout would not keep the text's tokens. */
anneal_status fmt_text(Arena *a, const Src *src, Diag *d, char **out, size_t *len);
/* check.c + lower.c: the AST checked and lowered into prog; returns the
   number of errors. Nothing is lowered from a program with errors. The
   new lowered form is built in prog->building and replaces prog->lowered
   only on success, so a failed re-check leaves the program as it was and
   a successful one frees the form it replaces. */
int check_program(annealc_program *prog, Node *file, Diag *d);
/* check.c: the names every expression knows without a definition (t, T,
   p, step, cycle, pi, true, false), NULL-terminated; no param or let takes one. */
extern const char *const check_builtin_names[];
/* nearest.c: "did you mean ...?" for an unknown name. Offer every name the
   place accepts; nearest_text is "; did you mean 'NAME'?" for the nearest
   one close enough to be a misspelling of word, else "". */
typedef struct Nearest {
	const char *word;
	const char *best; /* NULL: none near enough yet */
	int dist;
	char text[96];
} Nearest;
void nearest_init(Nearest *n, const char *word);
void nearest_offer(Nearest *n, const char *candidate);
const char *nearest_text(Nearest *n);
/* names.c: the C names of the generated header and object. A schedule
   name whose symbols would enter Anneal's libraries' namespace (anneal,
   annealc, ANNEAL and their _ names) or be reserved C identifiers
   (leading '_', a '__', a trailing '_'). */
int names_reserved_lib(const char *sym);
int names_reserved_c(const char *sym);
/* The event of a hook as it names its NAME_HOOK_ macro: restart, every_N, at_N, enter_LABEL. */
void names_hook(const LHook *h, char *buf, size_t size);
/* Errors for two definitions generating one C name, over the schedules
   of file that checked (sched[i].name set). */
void names_check(Arena *arena, Diag *d, Node *file, const LSchedule *sched, int n);
/* interp.c: the reference interpreter, the oracle for every other path. */
void interp_eval(const LSchedule *s, int64_t step, const double *params, anneal_point *out);
double interp_channel(const LSchedule *s, int ch_index, int64_t step, const double *params);
/* The value of an expression with no param, step, t, T or cycle in it
   (ops_is_constant): the checker's constant folding, by the same walk. */
double interp_const(const LExpr *e);
/* cycles.c: the tables of whole period and mult, checked by the caller
   (a unit test builds them without a checker); the entries built. */
int cycles_whole(Arena *a, LCycles *cy);
/* The cycle of local step s: the last k with cycles_start(k) <= s, limited
   to count - 1; by integers only. */
int64_t cycles_index(const LCycles *cy, int64_t s);
int64_t cycles_start(const LCycles *cy, int64_t k);
/* Whether cycle k exists and starts within int64 (cycles_start is defined
   only then): not past count, the table, or the top of the steps. */
int cycles_fits(const LCycles *cy, int64_t k);
/* Cycle k's integer steps (INT64_MAX past int64), its t offset (0 when
   whole) and its T (its steps when whole). */
int64_t cycles_steps(const LCycles *cy, int64_t k);
double cycles_offset(const LCycles *cy, int64_t k);
double cycles_T(const LCycles *cy, int64_t k);
/* Whether the cycles are real-valued (their offsets and Ts are not the whole steps'). */
int cycles_real(const LCycles *cy);
/* Whether the starts at least double from cycle 1 on (whole tables of a
   whole mult: start(k+1) = mult start(k) + period), so a step of bit
   length b is in cycle est(b) or the next. */
int cycles_doubling(const LCycles *cy);
/* dump.c: a canonical text of the lowered form (tests, digest, --emit lowered). */
void dump_schedule(FILE *out, const LSchedule *s);
/* Out of memory, it jumps as the arena's allocations do. */
uint64_t dump_digest(const LSchedule *s, Arena *a);

#endif
