/* gen_program.c: random valid programs -- phases, restarts, cycles, every shape, expressions, hooks. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gen_program.h"

typedef struct Gen {
	uint64_t state;
	char *buf;
	size_t size, len;
	int labels; /* phase labels are unique in a schedule: l0, l1, ... */
	int epoch;  /* param steps_per_epoch; param total is 100 */
} Gen;

/* SplitMix64: tiny, and every seed gives an independent stream. */
uint64_t gen_next(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int pick(Gen *g, int n)
{
	return (int)(gen_next(&g->state) % (uint64_t)n);
}

static void out(Gen *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(g->buf + g->len, g->size - g->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		g->len += (size_t)n < g->size - g->len ? (size_t)n : g->size - g->len - 1;
}

typedef struct Scope {
	int has_T, in_restarts;
} Scope;

static void expr(Gen *g, int depth, const Scope *s);

static void number(Gen *g)
{
	out(g, "%.6g", (double)(pick(g, 2000) + 1) / 1000.0);
}

static void atom(Gen *g, const Scope *s)
{
	switch (pick(g, 8)) {
	case 0: out(g, "t"); break;
	case 1: out(g, s->has_T ? "T" : "step"); break;
	case 2: out(g, s->has_T ? "p" : "t"); break;
	case 3: out(g, "step"); break;
	case 4: out(g, s->in_restarts ? "cycle" : "t"); break;
	case 5: out(g, "k%d", pick(g, 3)); break;
	default: number(g); break;
	}
}

static void expr(Gen *g, int depth, const Scope *s)
{
	if (depth <= 0) {
		atom(g, s);
		return;
	}
	static const char *const binops[] = { "+", "-", "*" };
	/* Each finite wherever its argument is: log2, sinh and the like are in tests/golden. */
	static const char *const unary[] = { "abs", "floor", "ceil", "cos", "sin", "tanh", "atan", "trunc", "round", "sign" };
	switch (pick(g, 10)) {
	case 0:
	case 1:
		out(g, "(");
		expr(g, depth - 1, s);
		out(g, " %s ", binops[pick(g, 3)]);
		expr(g, depth - 1, s);
		out(g, ")");
		break;
	case 2: /* a divisor kept away from zero */
		out(g, "(");
		expr(g, depth - 1, s);
		out(g, " / (1 + abs(");
		expr(g, depth - 1, s);
		out(g, ")))");
		break;
	case 3:
		out(g, "%s(", unary[pick(g, (int)(sizeof unary / sizeof unary[0]))]);
		expr(g, depth - 1, s);
		out(g, ")");
		break;
	case 4:
		out(g, "sqrt(abs(");
		expr(g, depth - 1, s);
		out(g, "))");
		break;
	case 5:
		out(g, "exp(-abs(");
		expr(g, depth - 1, s);
		out(g, ") / 100)");
		break;
	case 6:
		out(g, "log(1 + abs(");
		expr(g, depth - 1, s);
		out(g, "))");
		break;
	case 7:
		out(g, "if(");
		expr(g, depth - 1, s);
		out(g, " %s ", pick(g, 2) ? "<" : ">=");
		expr(g, depth - 1, s);
		out(g, ", ");
		expr(g, depth - 1, s);
		out(g, ", ");
		expr(g, depth - 1, s);
		out(g, ")");
		break;
	case 8:
		out(g, "%s(", pick(g, 2) ? "min" : "max");
		expr(g, depth - 1, s);
		out(g, ", ");
		expr(g, depth - 1, s);
		out(g, ")");
		break;
	default:
		out(g, "pow(0.5 + abs(");
		expr(g, depth - 1, s);
		out(g, ") / 1000, %d)", pick(g, 5) - 2);
		break;
	}
}

/* " for N", N steps written with a unit at random: the same count. */
static void duration(Gen *g, int n)
{
	switch (pick(g, 6)) {
	case 0: out(g, " for %d steps", n); break;
	case 1: out(g, " for %d epochs + %d", n / g->epoch, n % g->epoch); break;
	case 2: out(g, " for %d%%", n); break;
	case 3: out(g, " for %d%% - 10%%", n + 10); break;
	default: out(g, " for %d", n); break;
	}
}

/* An empty phase: a duration that comes to zero through param none, so the
   phase never runs (and an enter hook on its label never fires). */
static void empty_phase(Gen *g, const Scope *s)
{
	static const char *const zero[] = { "none", "none epochs", "k0 * none", "none%" };
	Scope inner = { 1, s->in_restarts };
	if (pick(g, 2) == 0)
		out(g, "l%d: ", g->labels++);
	out(g, "linear(k0, %s) for %s then ", inner.in_restarts ? "cycle" : "T", zero[pick(g, 4)]);
}

/* A phase body. len >= 2 when the phase is bounded, 0 when open-ended. */
static void shape(Gen *g, const Scope *s, int len)
{
	int n = s->has_T ? 12 : 7;
	switch (pick(g, n)) {
	case 0: number(g); break;
	case 1: out(g, "exponential(k0, 0.99%d)", pick(g, 10)); break;
	case 2: out(g, "step(k1, 0.5, every = %d)", pick(g, 7) + 1); break;
	case 3: out(g, "multistep(k0, 0.3, [%d epochs, %d%%])", pick(g, 3) + 1, pick(g, 5) + 6); break;
	case 4: out(g, "piecewise(%d: k0, %d: 0.5, %d: k2)", pick(g, 3), pick(g, 3) + 4, pick(g, 9) + 8); break;
	case 5:
		out(g, "%s(0.01, k0, up = %d, down = %d%s)", pick(g, 2) ? "triangular" : "triangular2", pick(g, 9) + 1,
		    pick(g, 9) + 1, "");
		break;
	case 6: expr(g, 3, s); break;
	case 7: out(g, "linear(k0, k1%s)", len >= 2 && pick(g, 2) ? ", endpoint = true" : ""); break;
	case 8:
		out(g, "cosine(k0, k2, exponent = %d%s)", pick(g, 3) + 1, len >= 2 && pick(g, 2) ? ", endpoint = true" : "");
		break;
	case 9: out(g, "poly(k1, 0.001, power = %d)", pick(g, 3) + 1); break;
	case 10: out(g, "exp_range(0.1, k0, up = %d, gamma = 0.999)", pick(g, 20) + 1); break;
	default: expr(g, 3, s); break;
	}
}

static void seq(Gen *g, const Scope *s, int depth, int must_fill);
static void long_seq(Gen *g, const Scope *s, int depth, int must_fill, int n, int maxlen);
static void cycles(Gen *g, int depth, int must_fill);

static void restarts(Gen *g, const Scope *outer, int depth)
{
	int period = pick(g, 20) + 2, mult = pick(g, 3) + 1;
	/* Sometimes a real period (above the whole one, so the fixed phases
	   below still fit) or mult: Keras's t_mul = 1.5, a period of
	   (total - warmup) / cycles. Truncated lengths are never shorter than
	   the period either. */
	static const char *const frac_mult[] = { "1.5", "1.25", "2.5", "1.1", "4 / 3" };
	static const char *const frac_period[] = { ".5", ".25", " + 1 / 3", " + 2 / 7" };
	static const char *const lengths[] = { "", ", lengths = floor", ", lengths = floor_power" };
	switch (pick(g, 6)) {
	case 0: out(g, "restarts(period = %d%s, mult = %d", period, frac_period[pick(g, 4)], mult); break;
	case 1:
		/* A whole period may take the libraries' truncated lengths. */
		out(g, "restarts(period = %d, mult = %s%s", period, frac_mult[pick(g, 5)], lengths[pick(g, 3)]);
		break;
	case 2:
		out(g, "restarts(period = %d%s, mult = %s", period, frac_period[pick(g, 2)], frac_mult[pick(g, 5)]);
		break;
	case 3: out(g, "restarts(period = %d epochs + %d, mult = %d", period / g->epoch, period % g->epoch, mult); break;
	default: out(g, "restarts(period = %d, mult = %d", period, mult); break;
	}
	if (pick(g, 3) == 0)
		out(g, ", count = %d", pick(g, 5) + 1);
	out(g, ") { ");
	Scope s = { 1, 1 };
	if (period >= 10 && pick(g, 12) == 0) {
		/* A long body of one-step phases, its last filling the cycle. */
		long_seq(g, &s, depth - 1, 1, pick(g, period - 9) + 9, 1);
		out(g, " }");
		return;
	}
	if (pick(g, 6) == 0)
		empty_phase(g, &s);
	if (period > 3 && pick(g, 2)) {
		int pre = pick(g, period - 2) + 1;
		shape(g, &s, pre >= 2 ? pre : 0);
		duration(g, pre);
		out(g, " then ");
		s.has_T = 1;
	}
	if (depth > 0 && pick(g, 4) == 0)
		restarts(g, &s, depth - 1);
	else if (depth > 0 && pick(g, 8) == 0)
		cycles(g, depth - 1, 1);
	else
		shape(g, &s, 0);
	out(g, " }");
	(void)outer;
}

/* cycles { seq }: each phase a restart cycle, now and then enough of them
   for a long sequence's tables; the last fills when must_fill says so. */
static void cycles(Gen *g, int depth, int must_fill)
{
	Scope s = { 0, 1 };
	out(g, "cycles { ");
	if (pick(g, 6) == 0)
		long_seq(g, &s, depth - 1, must_fill, pick(g, 8) + 9, 20);
	else
		seq(g, &s, depth - 1, must_fill);
	out(g, " }");
}

/* A long sequence of n phases (at least 9, code generation's phase tables): a few
   bodies that differ only in their numbers, now and then one of their own. */
static void long_seq(Gen *g, const Scope *s, int depth, int must_fill, int n, int maxlen)
{
	for (int i = 0; i < n; i++) {
		int last = i == n - 1;
		int bounded = !last || (!must_fill && pick(g, 3) == 0);
		int len = bounded ? pick(g, maxlen) + 1 : 0;
		if (i > 0)
			out(g, "\n       then ");
		if (pick(g, 10) == 0)
			empty_phase(g, s);
		if (pick(g, 8) == 0)
			out(g, "l%d: ", g->labels++);
		Scope inner = { bounded, s->in_restarts };
		switch (pick(g, 12)) {
		case 0: case 1: case 2: number(g); break;
		case 3: case 4: case 5: out(g, bounded ? "linear(k0, %d)" : "k1 / (t + %d)", pick(g, 9) + 1); break;
		case 6: case 7: out(g, "%d * k2 + t / %d", pick(g, 4), pick(g, 50) + 1); break;
		case 8: out(g, "exponential(k0, 0.9%d)", pick(g, 10)); break;
		case 9:
			if (depth > 0 && pick(g, 3) == 0) {
				cycles(g, depth - 1, !bounded);
				break;
			}
			if (depth > 0) {
				restarts(g, &inner, depth - 1);
				break;
			}
			/* fall through */
		default: shape(g, &inner, len); break;
		}
		if (bounded)
			duration(g, len);
	}
}

/* Arithmetic over whole sequences: two in brackets, or one and an expression. */
static void combination(Gen *g, const Scope *s, int depth)
{
	static const char *const op[] = { " * ", " + ", " - ", " / (1 + " };
	int k = pick(g, 6);
	if (k >= 4) {
		out(g, "%s((", k == 4 ? "min" : "max");
		seq(g, s, depth, 0);
		out(g, "), ");
		expr(g, 2, s);
		out(g, ")");
		return;
	}
	out(g, "(");
	seq(g, s, depth, 0);
	out(g, ")%s(", op[k]);
	seq(g, s, depth, 0);
	out(g, k == 3 ? "))" : ")");
}

/* A sequence of 1-4 phases; the last open-ended unless bounded at random. */
static void seq(Gen *g, const Scope *s, int depth, int must_fill)
{
	if (pick(g, 24) == 0) {
		long_seq(g, s, depth, must_fill, pick(g, 12) + 9, 30);
		return;
	}
	int n = pick(g, 4) + 1;
	for (int i = 0; i < n; i++) {
		int last = i == n - 1;
		int bounded = !last || (!must_fill && pick(g, 3) == 0);
		int len = bounded ? pick(g, 60) + 2 : 0;
		if (i > 0)
			out(g, "\n       then ");
		if (pick(g, 6) == 0)
			empty_phase(g, s);
		if (pick(g, 5) == 0)
			out(g, "l%d: ", g->labels++);
		Scope inner = { bounded, s->in_restarts };
		if (depth > 0 && pick(g, 3) == 0)
			restarts(g, &inner, depth - 1);
		else if (depth > 0 && pick(g, 10) == 0)
			cycles(g, depth - 1, 0);
		else if (depth > 1 && pick(g, 16) == 0)
			combination(g, &inner, depth - 1);
		else
			shape(g, &inner, len);
		if (bounded)
			duration(g, len);
		if (bounded && last && pick(g, 6) == 0) {
			/* An empty last phase: the one before it goes on. */
			out(g, " then ");
			if (pick(g, 2) == 0)
				out(g, "l%d: ", g->labels++);
			out(g, "0.5 for none");
		}
	}
}

void gen_program(uint64_t seed, const char *name, char *buf, size_t size)
{
	Gen g = { seed * 2654435761u + 1, buf, size, 0, 0, 0 };
	out(&g, "schedule %s {\n", name);
	for (int i = 0; i < 3; i++)
		out(&g, "  param k%d = %.4g;\n", i, (double)(pick(&g, 1000) + 1) / 1000.0);
	g.epoch = pick(&g, 5) + 1;
	out(&g, "  param steps_per_epoch = %d;\n  param total = 100;\n  param none = 0;\n", g.epoch);
	Scope top = { 0, 0 };
	static const char *const channels[] = { "lr", "momentum", "channel noise" };
	int nch = pick(&g, 3) + 1;
	for (int c = 0; c < nch; c++) {
		out(&g, "  %s = ", channels[c]);
		seq(&g, &top, 2, 0);
		out(&g, ";\n");
	}
	if (pick(&g, 2))
		out(&g, "  on restart { reset momentum; snapshot; }\n");
	if (pick(&g, 2))
		out(&g, "  on every %d epochs { swa; }\n", pick(&g, 10) + 1);
	if (pick(&g, 2))
		out(&g, "  on at %d { call host; }\n", pick(&g, 100));
	if (g.labels > 0)
		out(&g, "  on enter l%d { reset moments; }\n", pick(&g, g.labels));
	out(&g, "}\n");
}

int64_t gen_step(uint64_t *state, int i)
{
	if (i < 400)
		return i;
	uint64_t r = gen_next(state);
	int bits = (int)(r % 41);
	return (int64_t)((r >> 8) & ((UINT64_C(1) << bits) - 1));
}
