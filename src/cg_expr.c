/* cg_expr.c: LLVM IR for the lowered expressions, with the interpreter's exact float semantics. */
#include <math.h>
#include <string.h>

#include "cg.h"

/* Pointers are i8* (opaque `ptr` from LLVM 15 on) or element-typed where a
   load or GEP needs it; every load, GEP and call names its type, so the same
   code builds typed (LLVM 14) and opaque IR. The struct layouts follow
   include/anneal/schedule.h field by field; tests/unit/check_codegen.c
   compares the offsets with offsetof. */
void cg_types(Cg *g)
{
	LLVMContextRef c = g->ctx;
	g->i1 = LLVMInt1TypeInContext(c);
	g->i8 = LLVMInt8TypeInContext(c);
	g->i32 = LLVMInt32TypeInContext(c);
	g->i64 = LLVMInt64TypeInContext(c);
	g->f64 = LLVMDoubleTypeInContext(c);
	g->ptr = LLVMPointerType(g->i8, 0);
	g->f64ptr = LLVMPointerType(g->f64, 0);

	LLVMTypeRef pt[CG_POINT_NFIELDS] = {
		[CG_POINT_VALUE] = LLVMArrayType(g->f64, ANNEAL_MAX_CHANNELS), [CG_POINT_EVENTS] = g->i64,
		[CG_POINT_CYCLE] = g->i64, [CG_POINT_PHASE] = g->i32, [CG_POINT_RESERVED] = g->i32,
	};
	g->point = LLVMStructTypeInContext(c, pt, CG_POINT_NFIELDS, 0);
	LLVMTypeRef pa[CG_PARAM_NFIELDS] = { [CG_PARAM_NAME] = g->ptr, [CG_PARAM_VALUE] = g->f64,
		                             [CG_PARAM_STRUCTURAL] = g->i32 };
	g->param = LLVMStructTypeInContext(c, pa, CG_PARAM_NFIELDS, 0);
	LLVMTypeRef ac[CG_ACTION_NFIELDS] = { [CG_ACTION_KIND] = g->i32, [CG_ACTION_NAME] = g->ptr };
	g->action = LLVMStructTypeInContext(c, ac, CG_ACTION_NFIELDS, 0);
	LLVMTypeRef hk[CG_HOOK_NFIELDS] = { [CG_HOOK_EVENT] = g->i32, [CG_HOOK_ARG] = g->i64, [CG_HOOK_PHASE] = g->ptr,
		                            [CG_HOOK_NACTION] = g->i32, [CG_HOOK_ACTION] = g->ptr };
	g->hook = LLVMStructTypeInContext(c, hk, CG_HOOK_NFIELDS, 0);
	LLVMTypeRef de[CG_DESC_NFIELDS] = {
		[CG_DESC_ABI_VERSION] = g->i32, [CG_DESC_NAME] = g->ptr, [CG_DESC_NPARAM] = g->i32,
		[CG_DESC_PARAM] = g->ptr, [CG_DESC_CHANNELS] = g->i32,
		[CG_DESC_CHANNEL_NAME] = LLVMArrayType(g->ptr, ANNEAL_MAX_CHANNELS), [CG_DESC_PRIMARY] = g->i32,
		[CG_DESC_NHOOK] = g->i32, [CG_DESC_HOOK] = g->ptr, [CG_DESC_HORIZON] = g->i64, [CG_DESC_DIGEST] = g->i64,
		[CG_DESC_EVAL] = g->ptr, [CG_DESC_FILL] = g->ptr,
	};
	g->desc = LLVMStructTypeInContext(c, de, CG_DESC_NFIELDS, 0);

	LLVMTypeRef ea[] = { g->i64, g->f64ptr, LLVMPointerType(g->point, 0) };
	g->eval_ty = LLVMFunctionType(LLVMVoidTypeInContext(c), ea, 3, 0);
	LLVMTypeRef fa[] = { g->i64, g->i64, g->f64ptr, g->i32, g->f64ptr };
	g->fill_ty = LLVMFunctionType(LLVMVoidTypeInContext(c), fa, 5, 0);
}

LLVMValueRef cg_i64(Cg *g, int64_t v)
{
	return LLVMConstInt(g->i64, (unsigned long long)v, 1);
}

LLVMValueRef cg_f64(Cg *g, double v)
{
	return LLVMConstReal(g->f64, v);
}

LLVMValueRef cg_global_const(Cg *g, LLVMTypeRef ty, LLVMValueRef init, const char *name)
{
	LLVMValueRef gv = LLVMAddGlobal(g->mod, ty, name);
	LLVMSetInitializer(gv, init);
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetUnnamedAddr(gv, 1);
	return gv;
}

/* A constant global array of n elements of type elem, from v's int64s (an
   integer elem) or vf's doubles. */
static LLVMValueRef const_array(Cg *g, LLVMTypeRef elem, const int64_t *v, const double *vf, unsigned n,
                                const char *name)
{
	LLVMValueRef *c = cg_alloc(g, n, sizeof *c);
	for (unsigned i = 0; i < n; i++)
		c[i] = v ? LLVMConstInt(elem, (unsigned long long)v[i], 1) : cg_f64(g, vf[i]);
	return cg_global_const(g, LLVMArrayType(elem, n), LLVMConstArray(elem, c, n), name);
}

LLVMValueRef cg_i64_array(Cg *g, const int64_t *v, unsigned n, const char *name)
{
	return const_array(g, g->i64, v, NULL, n, name);
}

LLVMValueRef cg_i32_array(Cg *g, const int64_t *v, unsigned n, const char *name)
{
	return const_array(g, g->i32, v, NULL, n, name);
}

LLVMValueRef cg_f64_array(Cg *g, const double *v, unsigned n, const char *name)
{
	return const_array(g, g->f64, NULL, v, n, name);
}

/* table[k] of a constant array of N ELEMs; callers keep k in range. */
static LLVMValueRef load_at(Cg *g, LLVMTypeRef elem, LLVMValueRef table, unsigned n, LLVMValueRef k)
{
	LLVMValueRef idx[2] = { cg_i64(g, 0), k };
	LLVMValueRef at = LLVMBuildInBoundsGEP2(g->b, LLVMArrayType(elem, n), table, idx, 2, "");
	return LLVMBuildLoad2(g->b, elem, at, "");
}

LLVMValueRef cg_i64_at(Cg *g, LLVMValueRef table, unsigned n, LLVMValueRef k)
{
	return load_at(g, g->i64, table, n, k);
}

LLVMValueRef cg_i32_at(Cg *g, LLVMValueRef table, unsigned n, LLVMValueRef k)
{
	return LLVMBuildZExt(g->b, load_at(g, g->i32, table, n, k), g->i64, "");
}

LLVMValueRef cg_f64_at(Cg *g, LLVMValueRef table, unsigned n, LLVMValueRef k)
{
	return load_at(g, g->f64, table, n, k);
}

LLVMValueRef cg_cstr(Cg *g, const char *s)
{
	if (!s)
		return LLVMConstNull(g->ptr);
	size_t n = strlen(s);
	LLVMValueRef init = LLVMConstStringInContext(g->ctx, s, (unsigned)n, 0);
	LLVMValueRef gv = cg_global_const(g, LLVMArrayType(g->i8, (unsigned)n + 1), init, "str");
	LLVMSetAlignment(gv, 1);
	return LLVMConstPointerCast(gv, g->ptr);
}

LLVMValueRef cg_alloca(Cg *g, LLVMTypeRef ty, const char *name)
{
	return LLVMBuildAlloca(g->ab, ty, name);
}

LLVMValueRef cg_smin(Cg *g, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, a, b, ""), a, b, "min");
}

/* Param values are loaded once at entry, so a fill loop never reloads them
   through a pointer that might alias its output. */
void cg_begin(Cg *g, LLVMValueRef fn, LLVMValueRef params_arg)
{
	g->fn = fn;
	/* The entry block holds only allocas and a branch, so mem2reg finds
	   every alloca there whatever is built later. */
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(g->ctx, fn, "entry");
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->ctx, fn, "body");
	LLVMPositionBuilderAtEnd(g->b, entry);
	LLVMValueRef br = LLVMBuildBr(g->b, body);
	g->ab = LLVMCreateBuilderInContext(g->ctx);
	LLVMPositionBuilderBefore(g->ab, br);
	LLVMPositionBuilderAtEnd(g->b, body);

	LLVMValueRef base = NULL;
	int runtime = 0;
	for (int i = 0; i < g->s->nparam; i++)
		runtime |= !g->bind && !g->s->param[i].structural;
	if (runtime) {
		LLVMValueRef dflt = LLVMConstPointerCast(g->defaults, g->f64ptr);
		LLVMValueRef null = LLVMBuildICmp(g->b, LLVMIntEQ, params_arg, LLVMConstNull(g->f64ptr), "");
		base = LLVMBuildSelect(g->b, null, dflt, params_arg, "params");
	}
	for (int i = 0; i < g->s->nparam; i++) {
		const LParam *p = &g->s->param[i];
		if (g->bind || p->structural) {
			g->pval[i] = cg_f64(g, p->value);
			continue;
		}
		LLVMValueRef idx = cg_i64(g, i);
		LLVMValueRef at = LLVMBuildInBoundsGEP2(g->b, g->f64, base, &idx, 1, "");
		g->pval[i] = LLVMBuildLoad2(g->b, g->f64, at, p->name);
	}
}

void cg_end(Cg *g)
{
	LLVMDisposeBuilder(g->ab);
	g->ab = NULL;
	g->fn = NULL;
}

/* A call of the double overload of the LLVM intrinsic NAME (llvm.floor,
   llvm.pow, ...); a name LLVM does not know is annealc's bug. */
static LLVMValueRef intrinsic(Cg *g, const char *name, LLVMValueRef *args, unsigned n)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	if (!id)
		diag_internal("no LLVM intrinsic %s", name);
	LLVMTypeRef ov = g->f64;
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &ov, 1);
	LLVMTypeRef ty = LLVMIntrinsicGetType(g->ctx, id, &ov, 1);
	return LLVMBuildCall2(g->b, ty, fn, args, n, "");
}

/* A call of libm's double NAME(double), for the functions LLVM 14 has no
   intrinsic for. No attributes: their spelling changed (readnone became
   memory(none) in LLVM 16), and LLVM knows these library functions by name. */
static LLVMValueRef libm_call(Cg *g, const char *name, LLVMValueRef arg)
{
	LLVMTypeRef ty = LLVMFunctionType(g->f64, &g->f64, 1, 0);
	LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
	if (!fn)
		fn = LLVMAddFunction(g->mod, name, ty);
	return LLVMBuildCall2(g->b, ty, fn, &arg, 1, "");
}

/* An integer of the frame (t, T, step, cycle) as a double, converted once
   per frame however many operations read it. */
static LLVMValueRef to_double(Cg *g, LLVMValueRef *memo, LLVMValueRef v)
{
	if (!*memo)
		*memo = LLVMBuildSIToFP(g->b, v, g->f64, "");
	return *memo;
}

/* C's `x != 0` is true for NaN (unordered), `x == 0` false (ordered). */
static LLVMValueRef truth(Cg *g, LLVMValueRef v)
{
	return LLVMBuildFCmp(g->b, LLVMRealUNE, v, cg_f64(g, 0), "");
}

/* A comparison's i1 as 1.0 or 0.0, the interpreter's truth values. */
static LLVMValueRef as_double(Cg *g, LLVMValueRef bit)
{
	return LLVMBuildUIToFP(g->b, bit, g->f64, "");
}

/* expr ('<' | '<=' | '>' | '>=' | '==' | '!=') expr, and `not`: ordered
   predicates, so a NaN operand gives 0.0, except '!=' (unordered-or-not-
   equal), where it gives 1.0; the same truths as C's operators in the
   interpreter. */
static LLVMValueRef compare(Cg *g, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b)
{
	return as_double(g, LLVMBuildFCmp(g->b, p, a, b, ""));
}

/* expr: one ops.def operation over its operands. No fast-math flags: the
   result must be the interpreter's within 4 ulp. IF is a select because
   neither arm has side effects. */
LLVMValueRef cg_expr(Cg *g, const LExpr *e, CgFrame *f)
{
	LLVMBuilderRef b = g->b;
	LLVMValueRef a = NULL, c = NULL;
	int arity = ops_arity[e->kind];
	if (arity >= 1)
		a = cg_expr(g, e->a, f);
	if (arity >= 2)
		c = cg_expr(g, e->b, f);
	LLVMValueRef ops[2] = { a, c };
	switch (e->kind) {
	case EX_NUM:
		if (f->nums) {
			int col = f->num_col[f->num_pos++];
			if (col >= 0) {
				LLVMValueRef at = cg_i64(g, col);
				return LLVMBuildLoad2(b, g->f64, LLVMBuildInBoundsGEP2(b, g->f64, f->nums, &at, 1, ""), "");
			}
		}
		return cg_f64(g, e->num);
	case EX_PARAM: return g->pval[e->param];
	case EX_T:
		if (f->tf && !f->td)
			f->td = LLVMBuildFAdd(b, LLVMBuildSIToFP(b, f->t, g->f64, ""), f->tf, "t");
		return to_double(g, &f->td, f->t);
	case EX_TLEN: return f->Tf ? f->Tf : to_double(g, &f->Td, f->T);
	case EX_STEP: return to_double(g, &f->stepd, f->step);
	case EX_CYCLE:
		if (!f->cycle)
			diag_internal("cg: `cycle` outside restarts and cycles lists reached code generation");
		return to_double(g, &f->cycled, f->cycle);
	case EX_NEG: return LLVMBuildFNeg(b, a, "");
	case EX_NOT: return compare(g, LLVMRealOEQ, a, cg_f64(g, 0));
	case EX_ABS: return intrinsic(g, "llvm.fabs", ops, 1);
	case EX_SQRT: return intrinsic(g, "llvm.sqrt", ops, 1);
	case EX_EXP: return intrinsic(g, "llvm.exp", ops, 1);
	case EX_LOG: return intrinsic(g, "llvm.log", ops, 1);
	case EX_COS: return intrinsic(g, "llvm.cos", ops, 1);
	case EX_SIN: return intrinsic(g, "llvm.sin", ops, 1);
	case EX_FLOOR: return intrinsic(g, "llvm.floor", ops, 1);
	case EX_CEIL: return intrinsic(g, "llvm.ceil", ops, 1);
	case EX_TRUNC: return intrinsic(g, "llvm.trunc", ops, 1);
	case EX_ROUND: return intrinsic(g, "llvm.roundeven", ops, 1);
	case EX_SIGN: {
		LLVMValueRef neg = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, a, cg_f64(g, 0), ""), cg_f64(g, -1), a, "");
		return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, a, cg_f64(g, 0), ""), cg_f64(g, 1), neg, "");
	}
	case EX_TANH: return libm_call(g, "tanh", a);
	case EX_SINH: return libm_call(g, "sinh", a);
	case EX_COSH: return libm_call(g, "cosh", a);
	case EX_ATAN: return libm_call(g, "atan", a);
	case EX_LOG2: return intrinsic(g, "llvm.log2", ops, 1);
	case EX_LOG10: return intrinsic(g, "llvm.log10", ops, 1);
	case EX_ADD: return LLVMBuildFAdd(b, a, c, "");
	case EX_SUB: return LLVMBuildFSub(b, a, c, "");
	case EX_MUL: return LLVMBuildFMul(b, a, c, "");
	case EX_DIV: return LLVMBuildFDiv(b, a, c, "");
	case EX_POW: return intrinsic(g, "llvm.pow", ops, 2);
	/* a < b ? a : b, as interp.c, not minnum: they differ on NaN and -0. */
	case EX_MIN: return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOLT, a, c, ""), a, c, "");
	case EX_MAX: return LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealOGT, a, c, ""), a, c, "");
	case EX_LT: return compare(g, LLVMRealOLT, a, c);
	case EX_LE: return compare(g, LLVMRealOLE, a, c);
	case EX_GT: return compare(g, LLVMRealOGT, a, c);
	case EX_GE: return compare(g, LLVMRealOGE, a, c);
	case EX_EQ: return compare(g, LLVMRealOEQ, a, c);
	case EX_NE: return compare(g, LLVMRealUNE, a, c);
	case EX_AND: return as_double(g, LLVMBuildAnd(b, truth(g, a), truth(g, c), ""));
	case EX_OR: return as_double(g, LLVMBuildOr(b, truth(g, a), truth(g, c), ""));
	case EX_IF: {
		LLVMValueRef no = cg_expr(g, e->c, f);
		return LLVMBuildSelect(b, truth(g, a), c, no, "");
	}
	case EX_OPERAND: return f->operand[e->operand];
	case EX_COUNT: break;
	}
	UNREACHABLE();
}
