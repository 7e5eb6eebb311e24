/* shapes.c: math builtins and schedule shapes (cosine, linear, step, CLR cycles, ...) lowered to expressions. */
#include <math.h>
#include <string.h>

#include "annealc_int.h"

typedef LExpr *ShapeFn(Checker *c, Node *call, Node **arg, const Ctx *ctx);

typedef struct Shape {
	const char *name;
	const char *const *args; /* NULL-ended */
	int nreq;
	int needs_T; /* the shape is a function of progress t/T */
	ShapeFn *lower;
} Shape;

int shapes_bind_args(Checker *c, Node *call, const char *fname, const char *const *names, int nreq, Node **out)
{
	int nnames = 0;
	while (names[nnames])
		nnames++;
	int ok = 1, pos = 0;
	for (Node *a = call->args; a; a = a->next) {
		int slot = -1;
		if (a->kind == ND_NAMED) {
			for (int i = 0; i < nnames; i++)
				if (strcmp(names[i], a->name) == 0)
					slot = i;
			if (slot < 0) {
				char list[256] = "";
				Nearest near;
				nearest_init(&near, a->name);
				for (int i = 0; i < nnames; i++) {
					snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
					nearest_offer(&near, names[i]);
				}
				diag_error(c->diag, a->loc, "%s has no argument '%s'%s (it takes %s)", fname, a->name,
				           nearest_text(&near), list);
				ok = 0;
				continue;
			}
		} else if (a->kind == ND_POINT) {
			diag_error(c->diag, a->loc, "'x: y' points are only allowed in piecewise(...)");
			ok = 0;
			continue;
		} else {
			if (pos >= nnames) {
				diag_error(c->diag, a->loc, "%s takes at most %d argument%s", fname, nnames, nnames == 1 ? "" : "s");
				ok = 0;
				break;
			}
			slot = pos++;
		}
		if (out[slot]) {
			diag_error(c->diag, a->loc, "argument '%s' of %s is given twice", names[slot], fname);
			ok = 0;
			continue;
		}
		out[slot] = a->kind == ND_NAMED ? a->value : a;
	}
	for (int i = 0; i < nreq && ok; i++)
		if (!out[i]) {
			diag_error(c->diag, call->loc, "%s is missing its argument '%s'", fname, names[i]);
			ok = 0;
		}
	return ok;
}

#define NUM(v) lower_num(c, (v))
#define OP1(k, a) lower_op(c, (k), (a), NULL, NULL)
#define OP2(k, a, b) lower_op(c, (k), (a), (b), NULL)
#define VAR(k) lower_op(c, (k), NULL, NULL, NULL)

/* A shape's step count (every, a milestone, a step size): units allowed. */
static LExpr *steps_arg(Checker *c, Node *n, const Ctx *ctx, const char *what)
{
	if (lower_units_of(c, n) < 0)
		return NULL;
	Ctx steps = *ctx;
	steps.steps = what;
	return lower_expr(c, n, &steps);
}

/* A flag such as endpoint = true: fixed at compile time, it picks the formula. */
static int flag(Checker *c, Node *n, const char *what, int *out)
{
	double v = 0;
	if (n && !lower_const(c, n, what, &v))
		return 0;
	*out = v != 0;
	return 1;
}

/* Progress through the phase, clamped so a shape holds its end value past
   the end: t/T by default (the end value is reached at the first step after
   the phase), t/(T-1) with endpoint = true (reached on the last step). */
static LExpr *progress(Checker *c, Node *call, Node *endpoint_arg, const Ctx *ctx)
{
	int endpoint;
	if (!flag(c, endpoint_arg, "endpoint", &endpoint))
		return NULL;
	LExpr *T = VAR(EX_TLEN);
	if (endpoint) {
		if (ctx->min_T == 1) {
			diag_error(c->diag, call->loc,
			           "%s with endpoint = true over a single step divides by T - 1 = 0", call->name);
			return NULL;
		}
		T = OP2(EX_SUB, T, NUM(1));
	}
	return OP2(EX_MIN, OP2(EX_DIV, VAR(EX_T), T), NUM(1));
}

/* constant(v) */
static LExpr *shape_constant(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	return lower_expr(c, arg[0], ctx);
}

/* linear(a, b, endpoint) = a + (b - a) q */
static LExpr *shape_linear(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	LExpr *a = lower_expr(c, arg[0], ctx), *b = lower_expr(c, arg[1], ctx);
	LExpr *q = progress(c, call, arg[2], ctx);
	return OP2(EX_ADD, a, OP2(EX_MUL, OP2(EX_SUB, b, a), q));
}

/* cosine(a, b, exponent, endpoint) = b + (a - b) (0.5 (1 + cos(pi q)))^exponent, Optax's form */
static LExpr *shape_cosine(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	LExpr *a = lower_expr(c, arg[0], ctx), *b = lower_expr(c, arg[1], ctx);
	LExpr *q = progress(c, call, arg[3], ctx);
	LExpr *w = OP2(EX_MUL, NUM(0.5), OP2(EX_ADD, NUM(1), OP1(EX_COS, OP2(EX_MUL, NUM(M_PI), q))));
	if (arg[2])
		w = OP2(EX_POW, w, lower_expr(c, arg[2], ctx));
	return OP2(EX_ADD, b, OP2(EX_MUL, OP2(EX_SUB, a, b), w));
}

/* poly(a, b, power, endpoint) = b + (a - b) (1 - q)^power */
static LExpr *shape_poly(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	LExpr *a = lower_expr(c, arg[0], ctx), *b = lower_expr(c, arg[1], ctx);
	LExpr *w = OP2(EX_SUB, NUM(1), progress(c, call, arg[3], ctx));
	if (arg[2])
		w = OP2(EX_POW, w, lower_expr(c, arg[2], ctx));
	return OP2(EX_ADD, b, OP2(EX_MUL, OP2(EX_SUB, a, b), w));
}

/* exponential(a, gamma, every, staircase) = a gamma^(t / every), floored if staircase */
static LExpr *shape_exponential(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	int staircase;
	if (!flag(c, arg[3], "staircase", &staircase))
		return NULL;
	LExpr *x = VAR(EX_T);
	if (arg[2])
		x = OP2(EX_DIV, x, steps_arg(c, arg[2], ctx, "exponential's every"));
	if (staircase)
		x = OP1(EX_FLOOR, x);
	return OP2(EX_MUL, lower_expr(c, arg[0], ctx), OP2(EX_POW, lower_expr(c, arg[1], ctx), x));
}

/* step(a, gamma, every) = a gamma^floor(t / every), PyTorch's StepLR */
static LExpr *shape_step(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	LExpr *k = OP1(EX_FLOOR, OP2(EX_DIV, VAR(EX_T), steps_arg(c, arg[2], ctx, "step's every")));
	return OP2(EX_MUL, lower_expr(c, arg[0], ctx), OP2(EX_POW, lower_expr(c, arg[1], ctx), k));
}

/* The sum of terms[lo, hi) as a balanced tree, so its depth is log2 of
   their number (the terms are 0 or 1: any order gives the same sum). */
static LExpr *balanced_sum(Checker *c, LExpr **terms, int lo, int hi)
{
	if (hi - lo == 1)
		return terms[lo];
	int mid = lo + (hi - lo) / 2;
	return OP2(EX_ADD, balanced_sum(c, terms, lo, mid), balanced_sum(c, terms, mid, hi));
}

/* Whether fname's count points or milestones are within MAX_POINTS; an error at n if not. */
static int points_fit(Checker *c, Node *n, const char *fname, const char *what, int count)
{
	if (count <= MAX_POINTS)
		return 1;
	diag_error(c->diag, n->loc, "%s has %d %s, more than the limit of %d", fname, count, what, MAX_POINTS);
	return 0;
}

/* multistep(a, gamma, [m1, m2, ...]) = a gamma^(number of m_i <= t), PyTorch's MultiStepLR */
static LExpr *shape_multistep(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	if (arg[2]->kind != ND_LIST) {
		diag_error(c->diag, arg[2]->loc, "multistep's milestones must be a list such as [30, 80]");
		return NULL;
	}
	int n = ast_length(arg[2]->args);
	if (!points_fit(c, arg[2], "multistep", "milestones", n))
		return NULL;
	LExpr *k = NUM(0);
	if (n > 0) {
		LExpr **reached = arena_alloc(c->arena, sizeof *reached * (size_t)n);
		int i = 0, ok = 1;
		for (Node *m = arg[2]->args; m; m = m->next, i++)
			ok &= (reached[i] = OP2(EX_GE, VAR(EX_T), steps_arg(c, m, ctx, "a multistep milestone"))) != NULL;
		k = ok ? balanced_sum(c, reached, 0, n) : NULL;
	}
	return OP2(EX_MUL, lower_expr(c, arg[0], ctx), OP2(EX_POW, lower_expr(c, arg[1], ctx), k));
}

/* The CLR cycle of PyTorch's CyclicLR as a function of t: the scale factor
   of the current half-cycle, in torch's order of operations. */
static LExpr *clr_factor(Checker *c, Node **arg, const Ctx *ctx, LExpr **cycle)
{
	LExpr *up = steps_arg(c, arg[2], ctx, "a cyclic shape's step size");
	LExpr *down = steps_arg(c, arg[3] ? arg[3] : arg[2], ctx, "a cyclic shape's step size");
	LExpr *total = OP2(EX_ADD, up, down);
	LExpr *ratio = OP2(EX_DIV, up, total);
	LExpr *frac = OP2(EX_DIV, VAR(EX_T), total);
	*cycle = OP1(EX_FLOOR, OP2(EX_ADD, NUM(1), frac));
	LExpr *x = OP2(EX_SUB, OP2(EX_ADD, NUM(1), frac), *cycle);
	return lower_op(c, EX_IF, OP2(EX_LE, x, ratio), OP2(EX_DIV, x, ratio),
	             OP2(EX_DIV, OP2(EX_SUB, x, NUM(1)), OP2(EX_SUB, ratio, NUM(1))));
}

/* PyTorch's CyclicLR: lo + (hi - lo) * the triangle's height, scaled per
   mode -- 1 triangular, 2 halved every cycle, 3 gamma^t (exp_range). */
static LExpr *clr(Checker *c, Node **arg, const Ctx *ctx, int mode)
{
	LExpr *cycle;
	LExpr *sf = clr_factor(c, arg, ctx, &cycle);
	LExpr *lo = lower_expr(c, arg[0], ctx), *hi = lower_expr(c, arg[1], ctx);
	LExpr *height = OP2(EX_MUL, OP2(EX_SUB, hi, lo), sf);
	if (mode == 2)
		height = OP2(EX_MUL, height, OP2(EX_DIV, NUM(1), OP2(EX_POW, NUM(2), OP2(EX_SUB, cycle, NUM(1)))));
	else if (mode == 3)
		height = OP2(EX_MUL, height, OP2(EX_POW, lower_expr(c, arg[4], ctx), VAR(EX_T)));
	return OP2(EX_ADD, lo, height);
}

/* triangular(lo, hi, up, down), triangular2(...), exp_range(lo, hi, up, down, gamma) */
static LExpr *shape_triangular(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	return clr(c, arg, ctx, 1);
}

static LExpr *shape_triangular2(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	return clr(c, arg, ctx, 2);
}

static LExpr *shape_exp_range(Checker *c, Node *call, Node **arg, const Ctx *ctx)
{
	if (!arg[4]) {
		diag_error(c->diag, call->loc, "exp_range is missing its argument 'gamma'");
		return NULL;
	}
	return clr(c, arg, ctx, 3);
}

/* The piece of piecewise for t in interval i of the points: -1 before x0,
   i the segment from x_i to x_(i+1), n - 1 after the last point. */
static LExpr *piece(Checker *c, const double *x, LExpr **v, int n, int i)
{
	if (i < 0)
		return v[0];
	if (i == n - 1)
		return v[n - 1];
	LExpr *slope = OP2(EX_DIV, OP2(EX_SUB, v[i + 1], v[i]), NUM(x[i + 1] - x[i]));
	return OP2(EX_ADD, v[i], OP2(EX_MUL, slope, OP2(EX_SUB, VAR(EX_T), NUM(x[i]))));
}

/* The pieces of intervals lo..hi chosen by a binary search on t: the
   depth is log2 of the points', and each step meets log2 n compares. */
static LExpr *pieces(Checker *c, const double *x, LExpr **v, int n, int lo, int hi)
{
	if (lo == hi)
		return piece(c, x, v, n, lo);
	int mid = lo + (hi - lo) / 2; /* intervals mid and mid + 1 meet at x_(mid+1) */
	return lower_op(c, EX_IF, OP2(EX_LT, VAR(EX_T), NUM(x[mid + 1])), pieces(c, x, v, n, lo, mid),
	             pieces(c, x, v, n, mid + 1, hi));
}

/* piecewise(x0: v0, x1: v1, ...): linear through the points in t, constant outside */
static LExpr *lower_piecewise(Checker *c, Node *call, const Ctx *ctx)
{
	int n = ast_length(call->args);
	if (n == 0) {
		diag_error(c->diag, call->loc, "piecewise needs at least one point 'step: value'");
		return NULL;
	}
	if (!points_fit(c, call, "piecewise", "points", n))
		return NULL;
	double *x = arena_alloc(c->arena, sizeof *x * (size_t)n);
	LExpr **v = arena_alloc(c->arena, sizeof *v * (size_t)n);
	int i = 0, ok = 1;
	for (Node *a = call->args; a; a = a->next, i++) {
		if (a->kind != ND_POINT) {
			diag_error(c->diag, a->loc, "piecewise takes points 'step: value'");
			return NULL;
		}
		if (!lower_steps(c, a->lhs, "a piecewise step", &x[i])) {
			ok = 0;
			continue;
		}
		v[i] = lower_expr(c, a->rhs, ctx);
		if (!v[i])
			ok = 0;
		if (i > 0 && x[i] <= x[i - 1]) {
			diag_error(c->diag, a->loc, "piecewise steps must increase (%g follows %g)", x[i], x[i - 1]);
			ok = 0;
		}
	}
	if (!ok)
		return NULL;
	return pieces(c, x, v, n, -1, n - 1);
}

static const char *const args_v[] = { "v", NULL };
static const char *const args_lin[] = { "a", "b", "endpoint", NULL };
static const char *const args_cos[] = { "a", "b", "exponent", "endpoint", NULL };
static const char *const args_poly[] = { "a", "b", "power", "endpoint", NULL };
static const char *const args_exp[] = { "a", "gamma", "every", "staircase", NULL };
static const char *const args_step[] = { "a", "gamma", "every", NULL };
static const char *const args_ms[] = { "a", "gamma", "milestones", NULL };
static const char *const args_tri[] = { "lo", "hi", "up", "down", NULL };
static const char *const args_exr[] = { "lo", "hi", "up", "down", "gamma", NULL };

static const Shape shapes[] = {
	{ "constant", args_v, 1, 0, shape_constant },
	{ "linear", args_lin, 2, 1, shape_linear },
	{ "cosine", args_cos, 2, 1, shape_cosine },
	{ "poly", args_poly, 2, 1, shape_poly },
	{ "exponential", args_exp, 2, 0, shape_exponential },
	{ "step", args_step, 3, 0, shape_step },
	{ "multistep", args_ms, 3, 0, shape_multistep },
	{ "triangular", args_tri, 3, 0, shape_triangular },
	{ "triangular2", args_tri, 3, 0, shape_triangular2 },
	{ "exp_range", args_exr, 3, 0, shape_exp_range },
};

/* Builtins written with the others, so interpreter and code generation
   need nothing new: clamp(x, lo, hi) = min(max(x, lo), hi); mod(a, b) =
   a - b floor(a / b) (the sign of b, as Python's %); frac(x) = x - floor(x).
   The rest are the operations ops.def marks as builtins. */
static const struct {
	const char *name;
	int nargs;
} derived[] = { { "clamp", 3 }, { "mod", 2 }, { "frac", 1 } };

/* A builtin call: kind is its operation, or EX_COUNT for a derived one of
   nargs arguments. */
static LExpr *lower_builtin(Checker *c, Node *call, LExprKind kind, int nargs, const Ctx *ctx)
{
	int n = ast_length(call->args);
	if (n != nargs) {
		diag_error(c->diag, call->loc, "%s takes %d argument%s, got %d", call->name, nargs, nargs == 1 ? "" : "s", n);
		return NULL;
	}
	LExpr *x[3] = { 0 };
	int i = 0, ok = 1;
	for (Node *a = call->args; a; a = a->next, i++) {
		if (a->kind == ND_NAMED || a->kind == ND_POINT) {
			diag_error(c->diag, a->loc, "%s takes plain values, not '%s'", call->name,
			           a->kind == ND_NAMED ? "name = value" : "x: y");
			ok = 0;
			continue;
		}
		x[i] = lower_expr(c, a, ctx);
		ok &= x[i] != NULL;
	}
	if (!ok)
		return NULL;
	if (kind == EX_COUNT) {
		if (strcmp(call->name, "clamp") == 0)
			return OP2(EX_MIN, OP2(EX_MAX, x[0], x[1]), x[2]);
		if (strcmp(call->name, "mod") == 0)
			return OP2(EX_SUB, x[0], OP2(EX_MUL, x[1], OP1(EX_FLOOR, OP2(EX_DIV, x[0], x[1]))));
		return OP2(EX_SUB, x[0], OP1(EX_FLOOR, x[0]));
	}
	return lower_op(c, kind, x[0], x[1], x[2]);
}

LExpr *shapes_lower_call(Checker *c, Node *call, const Ctx *ctx)
{
	for (int k = 0; k < EX_COUNT; k++)
		if (ops_builtin[k] && strcmp(ops_name[k], call->name) == 0)
			return lower_builtin(c, call, (LExprKind)k, ops_arity[k], ctx);
	for (size_t d = 0; d < sizeof derived / sizeof derived[0]; d++)
		if (strcmp(derived[d].name, call->name) == 0)
			return lower_builtin(c, call, EX_COUNT, derived[d].nargs, ctx);
	if (strcmp(call->name, "piecewise") == 0)
		return lower_piecewise(c, call, ctx);
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		const Shape *sh = &shapes[s];
		if (strcmp(sh->name, call->name) != 0)
			continue;
		if (ctx->constant) {
			diag_error(c->diag, call->loc, "%s must be a constant, but it uses the shape %s", ctx->constant,
			           sh->name);
			return NULL;
		}
		if (sh->needs_T && !ctx->T_known) {
			diag_error(c->diag, call->loc, "%s needs the length of its phase, but %s", sh->name,
			           ctx->open_why ? ctx->open_why : "this phase is open-ended");
			return NULL;
		}
		Node *arg[5] = { 0 };
		if (!shapes_bind_args(c, call, sh->name, sh->args, sh->nreq, arg))
			return NULL;
		return sh->lower(c, call, arg, ctx);
	}
	Nearest near;
	nearest_init(&near, call->name);
	for (int k = 0; k < EX_COUNT; k++)
		if (ops_builtin[k])
			nearest_offer(&near, ops_name[k]);
	for (size_t d = 0; d < sizeof derived / sizeof derived[0]; d++)
		nearest_offer(&near, derived[d].name);
	nearest_offer(&near, "piecewise");
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
		nearest_offer(&near, shapes[s].name);
	diag_error(c->diag, call->loc, "unknown function '%s'%s", call->name, nearest_text(&near));
	return NULL;
}
