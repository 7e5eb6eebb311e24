/* lower.c: checks and lowers expressions, durations, sequences and restarts into the lowered form. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "annealc_int.h"

LExpr *lower_num(Checker *c, double v)
{
	LExpr *e = arena_alloc(c->arena, sizeof *e);
	e->kind = EX_NUM;
	e->num = v;
	e->size = e->depth = 1;
	return e;
}

LExpr *lower_op(Checker *c, LExprKind k, LExpr *a, LExpr *b, LExpr *cc)
{
	if ((ops_arity[k] >= 1 && !a) || (ops_arity[k] >= 2 && !b) || (ops_arity[k] >= 3 && !cc))
		return NULL;
	LExpr *e = arena_alloc(c->arena, sizeof *e);
	e->kind = k;
	e->a = a;
	e->b = b;
	e->c = cc;
	/* No sum here comes near int64: lower_expr refuses every tree past
	   MAX_FILE_OPS, and a shape combines its lowered arguments only a
	   bounded number of times before its own result is checked. */
	e->size = 1;
	e->depth = 1;
	for (const LExpr *sub[] = { a, b, cc }, **x = sub; x < sub + 3; x++)
		if (*x) {
			e->size += (*x)->size;
			if ((*x)->depth >= e->depth)
				e->depth = (*x)->depth + 1;
		}
	return e;
}

int lower_param_index(Checker *c, const char *name)
{
	for (int i = 0; i < c->nparam; i++)
		if (strcmp(c->param[i].name, name) == 0)
			return i;
	return -1;
}

int lower_let_index(Checker *c, const char *name)
{
	for (int i = 0; i < c->nlet; i++)
		if (strcmp(c->let_node[i]->name, name) == 0)
			return i;
	return -1;
}

/* Param i's value: fixed at a compile-time position (the param then
   shapes the schedule), else read from the params array at run time. */
static LExpr *param_ref(Checker *c, int i, const Ctx *ctx)
{
	if (ctx->constant) {
		c->param[i].structural = 1;
		return lower_num(c, c->param[i].value);
	}
	LExpr *e = lower_op(c, EX_PARAM, NULL, NULL, NULL);
	e->param = i;
	return e;
}

/* x steps, x epochs (x times param steps_per_epoch), x% (x percent of
   param total): a step count, allowed only where one goes. */
static LExpr *lower_unit(Checker *c, Node *n, const Ctx *ctx)
{
	static const char *const unit_text[] = { [DUR_STEPS] = "steps", [DUR_EPOCHS] = "epochs",
		                                 [DUR_PERCENT] = "percent of total" };
	static const char *const unit_word[] = { [DUR_STEPS] = "steps", [DUR_EPOCHS] = "epochs", [DUR_PERCENT] = "%" };
	static const char *const unit_param[] = { [DUR_EPOCHS] = "steps_per_epoch", [DUR_PERCENT] = "total" };
	if (!ctx->steps) {
		diag_error(c->diag, n->loc,
		           "a unit ('%s') goes only where steps are counted: a duration, restarts' period, 'on every', "
		           "'on at', or a shape's steps (step's and exponential's every, multistep's milestones, "
		           "piecewise's steps, a cyclic shape's step sizes)",
		           unit_word[n->unit]);
		return NULL;
	}
	LExpr *x = lower_expr(c, n->lhs, ctx);
	if (n->unit == DUR_STEPS)
		return x;
	int i = lower_param_index(c, unit_param[n->unit]);
	if (i < 0) {
		diag_error(c->diag, n->loc, "%s in %s needs 'param %s = N;', which is never defined", ctx->steps,
		           unit_text[n->unit], unit_param[n->unit]);
		return NULL;
	}
	/* (x * total) / 100, not x * (total / 100): 7% of 100 is 7 exactly. */
	LExpr *v = lower_op(c, EX_MUL, x, param_ref(c, i, ctx), NULL);
	return n->unit == DUR_EPOCHS ? v : lower_op(c, EX_DIV, v, lower_num(c, 100), NULL);
}

/* The functions of a step count that count steps too. */
static int keeps_steps(const char *fname)
{
	static const char *const names[] = { "min", "max", "clamp", "abs", "floor", "ceil", "round", "trunc" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcmp(fname, names[i]) == 0)
			return 1;
	return 0;
}

/* Step counts add and subtract (a plain number among them counts steps),
   scale by plain numbers and go through keeps_steps' functions; a unit
   applies to a plain number. */
int lower_units_of(Checker *c, const Node *n)
{
	int a = n->lhs ? lower_units_of(c, n->lhs) : 0;
	int b = n->rhs ? lower_units_of(c, n->rhs) : 0;
	int args = 0;
	for (const Node *x = n->kind == ND_CALL ? n->args : NULL; x; x = x->next) {
		int u = lower_units_of(c, x);
		args = u < 0 || args < 0 ? -1 : args | u;
	}
	if (a < 0 || b < 0 || args < 0)
		return -1;
	const char *wrong = NULL;
	switch (n->kind) {
	case ND_UNIT: wrong = a ? "a unit applies to a plain number, and this already counts steps" : NULL; break;
	case ND_NUM: case ND_IDENT: case ND_NEG: case ND_ADD: case ND_SUB: case ND_NAMED: break;
	case ND_MUL: wrong = a && b ? "a step count times a step count is no step count" : NULL; break;
	case ND_DIV: wrong = b ? "dividing by a step count gives a plain number, not a step count" : NULL; break;
	case ND_CALL:
		wrong = args && !keeps_steps(n->name)
		                ? "a function of a step count is no step count (min, max, clamp, abs, floor, ceil, round "
		                  "and trunc are)"
		                : NULL;
		break;
	default: wrong = a || b ? "this operation on a step count is no step count" : NULL; break;
	}
	if (wrong) {
		diag_error(c->diag, n->loc, "%s", wrong);
		return -1;
	}
	return n->kind == ND_UNIT || a || b || args;
}

/* A let whose sequence is one unlabelled, unbounded expression phase is a
   value; anything else is a sub-schedule, usable only as a phase. */
static Node *let_value(Node *let)
{
	Node *ph = let->value->phases;
	if (ph->next || ph->duration || ph->name || ph->body->kind == ND_RESTARTS || ph->body->kind == ND_CYCLES)
		return NULL;
	return ph->body;
}

/* Marks let i busy before its expansion at a use at `loc`; 0 when it
   refers to itself (reported) or failed before (reported then). */
static int enter_let(Checker *c, int i, Loc loc)
{
	if (c->let_state[i] == LET_FAILED)
		return 0;
	if (c->let_state[i] == LET_BUSY) {
		diag_error(c->diag, loc, "let '%s' refers to itself", c->let_node[i]->name);
		return 0;
	}
	c->let_state[i] = LET_BUSY;
	return 1;
}

/* A param or let named `name` defined at or after the one refused for
   its limit: its uses are not errors of their own. */
static int defined_past_limit(const Checker *c, const char *name)
{
	for (const Node *it = c->past_limit; it; it = it->next)
		if ((it->kind == ND_PARAM || it->kind == ND_LET) && strcmp(it->name, name) == 0)
			return 1;
	return 0;
}

/* seq, a sequence written inside an expression (`(a for 5 then b) * 2`) or
   a let naming one, at n: lowered on its own phase clock into the phase
   body's operands (lower_body), its value read back as EX_OPERAND. */
static LExpr *lower_operand(Checker *c, Node *n, Node *seq, const Ctx *ctx)
{
	if (ctx->constant) {
		diag_error(c->diag, n->loc, "%s must be a constant, but this is a sequence of phases", ctx->constant);
		return NULL;
	}
	Operands *o = ctx->operands;
	if (!o) /* what is not a constant is lowered inside a phase's body, whose lower_body gives operands */
		UNREACHABLE();
	Ctx sub = *ctx;
	sub.operands = NULL; /* its phases' bodies collect their own */
	int64_t len;
	c->depth++;
	LSched *s = lower_seq(c, seq, &sub, &len);
	c->depth--;
	if (!s)
		return NULL;
	if (len == 0) {
		diag_error(c->diag, n->loc,
		           "every phase of this sequence is empty (its duration comes to zero), so it has no value to combine");
		return NULL;
	}
	if (o->n == o->cap) {
		int cap = o->cap ? 2 * o->cap : 4;
		LSched **grown = arena_alloc(c->arena, sizeof *grown * (size_t)cap);
		if (o->n)
			memcpy(grown, o->sched, sizeof *grown * (size_t)o->n);
		o->sched = grown;
		o->cap = cap;
	}
	o->sched[o->n] = s;
	o->len = o->len < 0 || len < 0 ? -1 : len > o->len ? len : o->len;
	LExpr *e = lower_op(c, EX_OPERAND, NULL, NULL, NULL);
	e->operand = o->n++;
	return e;
}

/* expr = NAME -- a phase variable, a constant (pi, true, false), a param
   or a let; any other name is unknown, and the message offers the nearest. */
static LExpr *lower_ident(Checker *c, Node *n, const Ctx *ctx)
{
	const char *s = n->name;
	static const char *const phase_vars[] = { "t", "T", "p", "step", "cycle" };
	for (size_t i = 0; i < sizeof phase_vars / sizeof phase_vars[0]; i++)
		if (ctx->constant && strcmp(s, phase_vars[i]) == 0) {
			diag_error(c->diag, n->loc, "%s must be a constant, but it uses '%s'", ctx->constant, s);
			return NULL;
		}
	if (strcmp(s, "t") == 0)
		return lower_op(c, EX_T, NULL, NULL, NULL);
	if (strcmp(s, "step") == 0)
		return lower_op(c, EX_STEP, NULL, NULL, NULL);
	if (strcmp(s, "T") == 0 || strcmp(s, "p") == 0) {
		if (!ctx->T_known) {
			diag_error(c->diag, n->loc, "'%s' needs the length of its phase, but %s", s,
			           ctx->open_why ? ctx->open_why : "this phase is open-ended");
			return NULL;
		}
		LExpr *T = lower_op(c, EX_TLEN, NULL, NULL, NULL);
		return s[0] == 'T' ? T : lower_op(c, EX_DIV, lower_op(c, EX_T, NULL, NULL, NULL), T, NULL);
	}
	if (strcmp(s, "cycle") == 0) {
		if (!ctx->in_restarts) {
			diag_error(c->diag, n->loc, "'cycle' is only defined inside restarts(...) { ... } or cycles { ... }");
			return NULL;
		}
		return lower_op(c, EX_CYCLE, NULL, NULL, NULL);
	}
	if (strcmp(s, "pi") == 0)
		return lower_num(c, M_PI);
	if (strcmp(s, "true") == 0)
		return lower_num(c, 1);
	if (strcmp(s, "false") == 0)
		return lower_num(c, 0);
	int i = lower_param_index(c, s);
	if (i >= 0) {
		c->params_named++;
		return param_ref(c, i, ctx);
	}
	i = lower_let_index(c, s);
	if (i >= 0) {
		Node *value = let_value(c->let_node[i]);
		if (!value && ctx->operands && !ctx->constant) {
			if (!enter_let(c, i, n->loc))
				return NULL;
			LExpr *e = lower_operand(c, n, c->let_node[i]->value, ctx);
			c->let_state[i] = e ? LET_IDLE : LET_FAILED;
			return e;
		}
		if (!value) {
			diag_error(c->diag, n->loc, "'%s' is a schedule with phases; use it as a phase, not inside an expression",
			           s);
			diag_note(c->diag, c->let_node[i]->loc, "'%s' is defined here", s);
			return NULL;
		}
		if (!enter_let(c, i, n->loc))
			return NULL;
		LExpr *e = lower_expr(c, value, ctx);
		c->let_state[i] = e ? LET_IDLE : LET_FAILED;
		return e;
	}
	if (!defined_past_limit(c, s)) {
		Nearest near;
		nearest_init(&near, s);
		for (int k = 0; check_builtin_names[k]; k++)
			nearest_offer(&near, check_builtin_names[k]);
		for (int k = 0; k < c->nparam; k++)
			nearest_offer(&near, c->param[k].name);
		for (int k = 0; k < c->nlet; k++)
			nearest_offer(&near, c->let_node[k]->name);
		diag_error(c->diag, n->loc, "unknown name '%s'%s", s, nearest_text(&near));
	}
	return NULL;
}

static LExpr *lower_expr_node(Checker *c, Node *n, const Ctx *ctx);

/* The depth guard keeps a pathological file (a 100,000-term sum) from
   exhausting the C stack here; the expanded tree's size and depth are
   bounded too, because the interpreter, the digest and code generation walk
   it as a tree: a let used twice in each of 25 nested lets is 2^25 copies,
   and a shape nested in its own argument multiplies the copies of that
   argument at each level (triangular's, about tenfold). Lowering
   stops at the first tree past a limit, so it never builds much more. */
LExpr *lower_expr(Checker *c, Node *n, const Ctx *ctx)
{
	if (c->budget->spent)
		return NULL;
	if (c->depth >= MAX_DEPTH) {
		if (c->depth == MAX_DEPTH)
			diag_error(c->diag, n->loc,
			           "expression is nested more than %d levels deep (each operator of a chain such as "
			           "a + b + c is one level)",
			           MAX_DEPTH);
		c->depth = MAX_DEPTH + 1;
		return NULL;
	}
	c->depth++;
	LExpr *e = lower_expr_node(c, n, ctx);
	if (c->depth <= MAX_DEPTH)
		c->depth--;
	if (e && e->size > MAX_FILE_OPS) {
		diag_error(c->diag, n->loc,
		           "this expression expands to more than %d operations (the limit of a file): lets and "
		           "shape arguments are copied at each use",
		           MAX_FILE_OPS);
		c->budget->spent = 1;
		return NULL;
	}
	if (e && e->depth > MAX_EXPR_DEPTH) {
		diag_error(c->diag, n->loc, "this expression is more than %d levels deep once its lets and shapes expand",
		           MAX_EXPR_DEPTH);
		c->budget->spent = 1;
		return NULL;
	}
	return e;
}

/* Phases (expression phases, restarts and cycles lists) and operations (of expressions,
   and the entries of restart tables, which are code's constants too) taken
   from the file's limits; 0 after the diagnostic of a limit passed, at n. */
int lower_spend(Checker *c, Node *n, int phases, int64_t ops)
{
	Budget *b = c->budget;
	b->phases += phases;
	b->ops += ops;
	if (b->phases > MAX_FILE_PHASES)
		diag_error(c->diag, n->loc,
		           "the schedules of this file have more than %d phases in all (each expression phase, restarts "
		           "and cycles counts, at each use of a let)",
		           MAX_FILE_PHASES);
	else if (b->ops > MAX_FILE_OPS)
		diag_error(c->diag, n->loc,
		           "the expressions of this file expand to more than %d operations in all (lets and shape "
		           "arguments are copied at each use; a restart table counts one per cycle)",
		           MAX_FILE_OPS);
	else
		return 1;
	b->spent = 1;
	return 0;
}

/* expr = NUM | NAME | unary | binary | call | unit | '(' seq ')' -- one
   node, its operands first; NULL after an error, already reported. */
static LExpr *lower_expr_node(Checker *c, Node *n, const Ctx *ctx)
{
	static const LExprKind ops[ND_COUNT] = {
		[ND_NEG] = EX_NEG, [ND_NOT] = EX_NOT, [ND_ADD] = EX_ADD, [ND_SUB] = EX_SUB, [ND_MUL] = EX_MUL,
		[ND_DIV] = EX_DIV, [ND_POW] = EX_POW, [ND_LT] = EX_LT,   [ND_LE] = EX_LE,   [ND_GT] = EX_GT,
		[ND_GE] = EX_GE,   [ND_EQ] = EX_EQ,   [ND_NE] = EX_NE,   [ND_AND] = EX_AND, [ND_OR] = EX_OR,
	};
	switch (n->kind) {
	case ND_NUM: return lower_num(c, n->num);
	case ND_IDENT: return lower_ident(c, n, ctx);
	case ND_CALL: return shapes_lower_call(c, n, ctx);
	case ND_LIST:
		diag_error(c->diag, n->loc, "a list is only allowed as multistep's milestones");
		return NULL;
	case ND_UNIT: return lower_unit(c, n, ctx);
	case ND_SEQ: return lower_operand(c, n, n, ctx);
	case ND_NEG:
	case ND_NOT: return lower_op(c, ops[n->kind], lower_expr(c, n->lhs, ctx), NULL, NULL);
	case ND_ADD: case ND_SUB: case ND_MUL: case ND_DIV: case ND_POW: case ND_LT: case ND_LE:
	case ND_GT: case ND_GE: case ND_EQ: case ND_NE: case ND_AND: case ND_OR: {
		/* Both sides, so every error in the expression is reported. */
		LExpr *a = lower_expr(c, n->lhs, ctx);
		LExpr *b = lower_expr(c, n->rhs, ctx);
		return lower_op(c, ops[n->kind], a, b, NULL);
	}
	default: break;
	}
	UNREACHABLE();
}

/* n's value at compile time under ctx; 0 after a diagnostic. */
static int const_value(Checker *c, Node *n, const Ctx *ctx, double *out)
{
	const char *what = ctx->constant;
	LExpr *e = lower_expr(c, n, ctx);
	if (!e)
		return 0;
	*out = interp_const(e);
	if (!isfinite(*out)) {
		diag_error(c->diag, n->loc, "%s is not a finite number (%g)", what, *out);
		return 0;
	}
	return 1;
}

int lower_const(Checker *c, Node *n, const char *what, double *out)
{
	return const_value(c, n, &(Ctx){ .constant = what }, out);
}

int lower_steps(Checker *c, Node *n, const char *what, double *out)
{
	return lower_units_of(c, n) >= 0 && const_value(c, n, &(Ctx){ .constant = what, .steps = what }, out);
}

/* A value that is a whole number to within 4 ulps, the rounding of the
   arithmetic that computed it (0.07 * 100 is 7.000000000000001): the one
   rule for durations, step counts, counts and whether a restarts period or
   mult is whole, and the tolerance cycles.c gives fractions. */
static int whole(double v, int64_t *out)
{
	double r = nearbyint(v);
	if (fabs(v - r) > 4 * (nextafter(fabs(v), INFINITY) - fabs(v)))
		return 0;
	*out = (int64_t)r;
	return 1;
}

/* v, the value of n, as a whole number in [lo, 2^62); 0 after a diagnostic. */
static int count_value(Checker *c, Node *n, const char *what, int64_t lo, double v, int64_t *out)
{
	if (v < (double)lo) {
		diag_error(c->diag, n->loc, "%s must be at least %lld, got %g", what, (long long)lo, v);
		return 0;
	}
	if (v >= (double)MAX_STEPS) {
		diag_error(c->diag, n->loc, "%s of %g does not fit in 62 bits", what, v);
		return 0;
	}
	if (!whole(v, out)) {
		diag_error(c->diag, n->loc, "%s must be a whole number, got %.17g", what, v);
		return 0;
	}
	return 1;
}

int lower_const_int(Checker *c, Node *n, const char *what, int64_t lo, int64_t *out)
{
	double v;
	return lower_const(c, n, what, &v) && count_value(c, n, what, lo, v, out);
}

int lower_steps_int(Checker *c, Node *n, const char *what, int64_t lo, int64_t *out)
{
	double v;
	return lower_steps(c, n, what, &v) && count_value(c, n, what, lo, v, out);
}

/* duration = expr   -- a step count, its units inside it (lower_unit).
   Zero only when the expression names a param, directly or through a let
   (`for warm` with `param warm = 0`): the phase is then empty. A zero
   written out (`for 0`, `for 5 - 5`) is a mistake. */
static int lower_duration(Checker *c, Node *d, int64_t *out)
{
	double v;
	int64_t named = c->params_named;
	if (!lower_steps(c, d->value, "a duration", &v))
		return 0;
	if (v == 0 && c->params_named > named) {
		*out = 0;
		return 1;
	}
	if (v == 0) {
		diag_error(c->diag, d->loc, "duration is zero steps; a phase lasts at least one step");
		return 0;
	}
	if (v < 0) {
		diag_error(c->diag, d->loc, "duration is negative (%g steps)", v);
		return 0;
	}
	if (v >= (double)MAX_STEPS) {
		diag_error(c->diag, d->loc, "duration of %g steps does not fit in 62 bits", v);
		return 0;
	}
	if (!whole(v, out)) {
		diag_error(c->diag, d->loc, "duration of %.17g steps is not a whole number of steps", v);
		return 0;
	}
	return 1;
}

/* A phase body that is one expression; NULL (after an error) stays NULL. */
static LSched *leaf_sched(Checker *c, LExpr *e)
{
	if (!e)
		return NULL;
	LSched *s = arena_alloc(c->arena, sizeof *s);
	s->kind = SC_LEAF;
	s->leaf = e;
	return s;
}

/* A restarts period (a step count, units allowed) or mult: a real number
   >= 1 below 2^62; *whole is the value when it is a whole number, else -1. */
static int real_arg(Checker *c, Node *n, const char *what, int steps, double *out, int64_t *whole_out)
{
	if (!(steps ? lower_steps(c, n, what, out) : lower_const(c, n, what, out)))
		return 0;
	if (*out < 1) {
		diag_error(c->diag, n->loc, "%s must be at least 1, got %g", what, *out);
		return 0;
	}
	if (*out >= (double)MAX_STEPS) {
		diag_error(c->diag, n->loc, "%s of %g does not fit in 62 bits", what, *out);
		return 0;
	}
	if (!whole(*out, whole_out))
		*whole_out = -1;
	return 1;
}

/* restarts' lengths = exact | floor | floor_power */
static int lengths_arg(Checker *c, Node *n, LCyclesLengths *out)
{
	static const char *const names[] = { "exact", "floor", "floor_power" };
	static const LCyclesLengths kinds[] = { LENGTHS_EXACT, LENGTHS_FLOOR, LENGTHS_FLOOR_POWER };
	Nearest near;
	nearest_init(&near, n->kind == ND_IDENT ? n->name : "");
	for (int i = 0; i < 3; i++) {
		if (n->kind == ND_IDENT && strcmp(n->name, names[i]) == 0) {
			*out = kinds[i];
			return 1;
		}
		nearest_offer(&near, names[i]);
	}
	if (n->kind == ND_IDENT)
		diag_error(c->diag, n->loc, "restarts lengths must be exact, floor or floor_power, got '%s'%s", n->name,
		           nearest_text(&near));
	else
		diag_error(c->diag, n->loc, "restarts lengths must be one of the names exact, floor or floor_power");
	return 0;
}

/* The fixed phases of a restarts body against its period (pf; period when
   whole, else -1; neither known unless known is set): they must leave the
   last phase room in the first cycle. */
static int room_in_period(Checker *c, Node *n, int known, double pf, int64_t period)
{
	/* Their sum, from their durations read quietly: lowering the body
	   reports a bad one, once. */
	Diag *loud = c->diag, quiet = { .src = loud->src };
	c->diag = &quiet;
	Node *last = n->body->phases;
	int64_t fixed = 0;
	for (; last->next; last = last->next)
		if (last->duration) {
			int64_t d;
			if (lower_duration(c, last->duration, &d))
				fixed = d < MAX_STEPS - fixed ? fixed + d : MAX_STEPS; /* each is below 2^62, so is the sum */
		}
	c->diag = loud;
	int ok = quiet.nerror == 0;
	if (last->duration) {
		diag_error(c->diag, last->duration->loc,
		           "the last phase of a restarts body fills the rest of each cycle; remove its 'for'");
		ok = 0;
	}
	if (ok && known && (double)fixed >= pf) {
		char plen[32], flen[32];
		if (period < 0)
			snprintf(plen, sizeof plen, "%.17g", pf);
		else
			snprintf(plen, sizeof plen, "%lld", (long long)period);
		if (fixed == MAX_STEPS)
			snprintf(flen, sizeof flen, "more than 2^62");
		else
			snprintf(flen, sizeof flen, "%lld", (long long)fixed);
		diag_error(c->diag, n->loc,
		           "the fixed phases of this restarts body take %s steps, leaving nothing of a %s-step period", flen,
		           plen);
		ok = 0;
	}
	return ok;
}

/* restarts = 'restarts' '(' period [, mult [, count [, lengths]]] ')' '{' seq '}' */
static LSched *lower_restarts(Checker *c, Node *n, const Ctx *ctx, int64_t *len)
{
	static const char *const names[] = { "period", "mult", "count", "lengths", NULL };
	Node *arg[4] = { 0 };
	*len = -1;
	if (!shapes_bind_args(c, n, "restarts", names, 1, arg))
		return NULL;
	LCycles cy = { .period = 1, .mult = 1, .lengths = LENGTHS_EXACT };
	int64_t period = 1, mult = 1;
	int ok = real_arg(c, arg[0], "restarts period", 1, &cy.period, &period);
	if (arg[1])
		ok &= real_arg(c, arg[1], "restarts mult", 0, &cy.mult, &mult);
	if (arg[2])
		ok &= lower_const_int(c, arg[2], "restarts count", 1, &cy.count);
	if (arg[3])
		ok &= lengths_arg(c, arg[3], &cy.lengths);
	ok = room_in_period(c, n, ok, cy.period, period) && ok;

	Ctx body_ctx = *ctx;
	body_ctx.in_restarts = 1;
	body_ctx.T_known = 1;
	/* The first cycle is the shortest; a real T is never 1. */
	body_ctx.min_T = period >= 0 && (mult >= 0 || cy.lengths != LENGTHS_EXACT) ? period : -1;
	body_ctx.open_why = NULL;
	int64_t body_len;
	LSched *body = lower_seq(c, n->body, &body_ctx, &body_len);
	if (body && body_len == 0) {
		diag_error(c->diag, n->body->loc,
		           "every phase of this restarts body is empty (its duration comes to zero), so a cycle has no "
		           "value to give");
		body = NULL;
	}
	if (!ok || !body)
		return NULL;

	LSched *r = arena_alloc(c->arena, sizeof *r);
	r->kind = SC_RESTARTS;
	r->cycles = cy;
	r->body = body;
	if (!cycles_build(c, n, arg[0], &r->cycles, len))
		return NULL;
	return r;
}

static LSched *seq_phases(Checker *c, Node *seq, const Ctx *ctx, int64_t *len, int cycle_list);

/* cycles = 'cycles' '{' seq '}'  -- each phase of seq a restart cycle */
static LSched *lower_cycles(Checker *c, Node *n, const Ctx *ctx, int64_t *len)
{
	Ctx body_ctx = *ctx;
	body_ctx.in_restarts = 1;
	LSched *s = seq_phases(c, n->body, &body_ctx, len, 1);
	if (s && s->nphase == 0) {
		diag_error(c->diag, n->body->loc,
		           "every cycle of this cycles body is empty (its duration comes to zero), so it has no value "
		           "to give");
		return NULL;
	}
	return s;
}

/* body = restarts | cycles | LET naming a sub-schedule | expr */
static LSched *lower_body(Checker *c, Node *body, const Ctx *ctx, int64_t *len)
{
	*len = -1;
	if (body->kind == ND_RESTARTS || body->kind == ND_CYCLES) {
		if (c->budget->spent || !lower_spend(c, body, 1, 0))
			return NULL;
		c->depth++;
		LSched *r = body->kind == ND_RESTARTS ? lower_restarts(c, body, ctx, len) : lower_cycles(c, body, ctx, len);
		c->depth--;
		return r; /* restart tables are charged where they are built */
	}
	if (body->kind == ND_IDENT) {
		int i = lower_let_index(c, body->name);
		if (i >= 0 && !let_value(c->let_node[i])) {
			if (!enter_let(c, i, body->loc))
				return NULL;
			LSched *s = lower_seq(c, c->let_node[i]->value, ctx, len);
			c->let_state[i] = s ? LET_IDLE : LET_FAILED;
			return s;
		}
	}
	if (body->kind == ND_SEQ) { /* `(a for 5 then b)`: the parentheses mean nothing here */
		c->depth++;
		LSched *s = lower_seq(c, body, ctx, len);
		c->depth--;
		return s;
	}
	Operands ops = { 0 };
	Ctx body_ctx = *ctx;
	body_ctx.operands = &ops;
	LExpr *e = lower_expr(c, body, &body_ctx);
	if (e && !lower_spend(c, body, 1, e->size))
		return NULL;
	double v;
	if (e != NULL && ops_is_constant(e) && !isfinite(v = interp_const(e))) {
		if (isnan(v))
			diag_error(c->diag, body->loc, "this value is constant and not a number (NaN)");
		else
			diag_error(c->diag, body->loc, "this value is constant and not a finite number (%g)", v);
		return NULL;
	}
	if (e && ops.n > 0) {
		LSched *s = arena_alloc(c->arena, sizeof *s);
		s->kind = SC_COMBINE;
		s->leaf = e;
		s->noperand = ops.n;
		s->operand = ops.sched;
		*len = ops.len;
		return s;
	}
	return leaf_sched(c, e);
}

/* phase = LABEL ':' body ... -- records the label for `on enter LABEL`;
   two phases with one label are an error unless they are one let's. */
static void add_label(Checker *c, Node *ph, LPhase *phase)
{
	for (int i = 0; i < c->nlabel; i++)
		if (strcmp(c->label[i].name, ph->name) == 0) {
			/* The same let used twice labels two phases: both fire. */
			if (c->label[i].loc.line == ph->loc.line && c->label[i].loc.col == ph->loc.col)
				break;
			diag_error(c->diag, ph->loc, "phase label '%s' is used twice", ph->name);
			diag_note(c->diag, c->label[i].loc, "first used here");
			return;
		}
	if (c->nlabel == MAX_LABELS) {
		diag_error(c->diag, ph->loc, "too many phase labels (the limit is %d)", MAX_LABELS);
		return;
	}
	c->label[c->nlabel].name = ph->name;
	c->label[c->nlabel].loc = ph->loc;
	c->label[c->nlabel].phase = phase;
	c->nlabel++;
}

/* seq = phase ('then' phase)*  -- phase = [LABEL ':'] body ['for' duration]
   A phase that lasts zero steps (its duration or its body's length came to
   zero through a param) goes to s->empty, out of every consumer's way. */
LSched *lower_seq(Checker *c, Node *seq, const Ctx *ctx, int64_t *len)
{
	return seq_phases(c, seq, ctx, len, 0);
}

/* Where the body of a phase from start with length plen (-1 open-ended)
   is lowered: T is known when the phase has a length, or when it is open
   and fills a sequence whose own T is known. */
static Ctx phase_ctx(const Ctx *ctx, int64_t plen, int bad_duration, int64_t start)
{
	Ctx body_ctx = *ctx;
	if (plen >= 0) {
		body_ctx.T_known = 1;
		body_ctx.min_T = bad_duration ? -1 : plen;
		body_ctx.open_why = NULL;
	} else if (ctx->T_known == 1) {
		body_ctx.min_T = ctx->min_T >= 0 ? ctx->min_T - start : -1;
	} else {
		body_ctx.T_known = 0;
		body_ctx.open_why = "this phase is open-ended (give it a length with 'for N')";
	}
	return body_ctx;
}

/* lower_seq, or with cycle_list a cycles body: an SC_SEQ even of one
   phase, so that phase keeps its cycle. */
static LSched *seq_phases(Checker *c, Node *seq, const Ctx *ctx, int64_t *len, int cycle_list)
{
	int n = ast_length(seq->phases);
	Node *first = seq->phases;
	*len = -1;
	if (c->budget->spent)
		return NULL;
	if (n > MAX_FILE_PHASES) {
		diag_error(c->diag, seq->loc, "a sequence of %d phases is more than the limit of %d phases in a file", n,
		           MAX_FILE_PHASES);
		c->budget->spent = 1;
		return NULL;
	}
	if (c->depth >= MAX_DEPTH) {
		diag_error(c->diag, seq->loc, "sub-schedules are nested more than %d levels deep", MAX_DEPTH);
		return NULL;
	}
	if (n == 1 && !first->duration && !first->name && !cycle_list)
		return lower_body(c, first->body, ctx, len);

	LSched *s = arena_alloc(c->arena, sizeof *s);
	s->kind = SC_SEQ;
	s->cycle_list = cycle_list;
	s->phase = arena_alloc(c->arena, sizeof(LPhase) * (size_t)n);
	s->empty = arena_alloc(c->arena, sizeof(LPhase) * (size_t)n);
	int64_t start = 0, plen = -1;
	int ok = 1, i = 0;
	for (Node *ph = first; ph; ph = ph->next, i++) {
		plen = -1;
		int bad_duration = ph->duration && !lower_duration(c, ph->duration, &plen);
		if (bad_duration) {
			/* Go on checking the body, with a length known to exist
			   but of no value, so its own errors are not invented. */
			ok = 0;
			plen = 1;
		}
		Ctx body_ctx = phase_ctx(ctx, plen, bad_duration, start);
		int64_t blen;
		LSched *body = lower_body(c, ph->body, &body_ctx, &blen);
		if (!body)
			ok = 0;
		if (plen < 0)
			plen = blen;
		if (plen > 0 && blen == 0 && body && !bad_duration) {
			diag_error(c->diag, ph->loc,
			           "this phase lasts %" PRId64 " steps, but every phase of its body is empty (its duration "
			           "comes to zero), so it has no value to give",
			           plen);
			ok = 0;
		}
		if (plen < 0 && ph->next && body) {
			diag_error(c->diag, ph->loc,
			           "only the last phase may be open-ended; give this phase a length with 'for N'");
			ok = 0;
			plen = 1;
		}
		LPhase *p = plen == 0 ? &s->empty[s->nempty++] : &s->phase[s->nphase++];
		*p = (LPhase){ .body = body, .start = start, .len = plen, .index = i, .label = ph->name, .loc = ph->loc };
		if (ph->name)
			add_label(c, ph, p);
		if (plen >= 0) {
			if (plen >= MAX_STEPS - start) {
				diag_error(c->diag, ph->loc, "the phases up to here last more than 2^62 steps");
				return NULL;
			}
			start += plen;
		}
	}
	if (!ok)
		return NULL;
	*len = plen >= 0 ? start : -1; /* plen: the last phase's, as written */
	return s;
}
