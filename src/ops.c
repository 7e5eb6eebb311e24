/* ops.c: the operations of ops.def -- their names, arities, which are builtins, what each computes on numbers -- and which expressions are constant. */
#include <math.h>

#include "annealc_int.h"

const int ops_arity[EX_COUNT] = {
#define X(kind, arity, name, builtin) [kind] = arity,
#include "ops.def"
#undef X
};

const char *const ops_name[EX_COUNT] = {
#define X(kind, arity, name, builtin) [kind] = name,
#include "ops.def"
#undef X
};

const int ops_builtin[EX_COUNT] = {
#define X(kind, arity, name, builtin) [kind] = builtin,
#include "ops.def"
#undef X
};

/* The one definition of each unary and binary operation: the interpreter
   and constant folding both call it, and code generation emits the same
   operation (cg_expr.c), within 4 ulp. */
double ops_apply(LExprKind k, double a, double b)
{
	switch (k) {
	case EX_NEG: return -a;
	case EX_NOT: return a == 0;
	case EX_ABS: return fabs(a);
	case EX_SQRT: return sqrt(a);
	case EX_EXP: return exp(a);
	case EX_LOG: return log(a);
	case EX_COS: return cos(a);
	case EX_SIN: return sin(a);
	case EX_FLOOR: return floor(a);
	case EX_CEIL: return ceil(a);
	case EX_TRUNC: return trunc(a);
	case EX_ROUND: return nearbyint(a); /* the default rounding: to nearest, ties to even */
	case EX_SIGN: return a > 0 ? 1 : a < 0 ? -1 : a;
	case EX_TANH: return tanh(a);
	case EX_SINH: return sinh(a);
	case EX_COSH: return cosh(a);
	case EX_ATAN: return atan(a);
	case EX_LOG2: return log2(a);
	case EX_LOG10: return log10(a);
	case EX_ADD: return a + b;
	case EX_SUB: return a - b;
	case EX_MUL: return a * b;
	case EX_DIV: return a / b;
	case EX_POW: return pow(a, b);
	/* fmin/fmax differ from a compare-and-select on NaN and -0.0; the
	   compiled code uses the same select form. */
	case EX_MIN: return a < b ? a : b;
	case EX_MAX: return a > b ? a : b;
	case EX_LT: return a < b;
	case EX_LE: return a <= b;
	case EX_GT: return a > b;
	case EX_GE: return a >= b;
	case EX_EQ: return a == b;
	case EX_NE: return a != b;
	case EX_AND: return a != 0 && b != 0;
	case EX_OR: return a != 0 || b != 0;
	case EX_NUM: case EX_PARAM: case EX_T: case EX_TLEN: case EX_STEP: case EX_CYCLE: case EX_OPERAND: case EX_IF:
	case EX_COUNT: break;
	}
	UNREACHABLE();
}

int ops_is_constant(const LExpr *e)
{
	switch (e->kind) {
	case EX_PARAM: case EX_T: case EX_TLEN: case EX_STEP: case EX_CYCLE: case EX_OPERAND: return 0;
	default: break;
	}
	int n = ops_arity[e->kind];
	return (n < 1 || ops_is_constant(e->a)) && (n < 2 || ops_is_constant(e->b)) &&
	       (n < 3 || ops_is_constant(e->c));
}
