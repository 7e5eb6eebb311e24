/* cg_module.c: one LLVM module per compilation, target machines, verification and the new-PM pipeline. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Support.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "cg.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int vector_math;

/* -vector-library is a process-wide LLVM option read whenever a pass
   pipeline builds its TargetLibraryInfo, so it is set once, before any
   pipeline runs. It is only set when libmvec is loaded into the process
   (LLVMLoadLibraryPermanently: dlopen with RTLD_GLOBAL), so the JIT's
   process symbol generator resolves the _ZGV* variants the vectoriser
   calls. */
static void init(void)
{
	/* Every target LLVM was built with, so --target can cross-compile. */
	LLVMInitializeAllTargetInfos();
	LLVMInitializeAllTargets();
	LLVMInitializeAllTargetMCs();
	LLVMInitializeAllAsmPrinters();
	if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter())
		die("cg: LLVM has no native target");
	LLVMInitializeNativeAsmParser();
	char *triple = LLVMGetDefaultTargetTriple();
	int x86_64 = strncmp(triple, "x86_64", 6) == 0;
	LLVMDisposeMessage(triple);
	/* No SLP vectoriser: it pairs independent exp or cos calls of one step
	   into a libmvec call, and eval must round like the interpreter (libmvec
	   is within 4 ulp, not correctly rounded); fill's loops still widen.
	   An option, because LLVM 14's LLVMRunPasses ignores
	   LLVMPassBuilderOptionsSetSLPVectorization (measured). */
	if (x86_64 && LLVMLoadLibraryPermanently("libmvec.so.1") == 0) {
		const char *argv[] = { "annealc", "-vector-library=LIBMVEC-X86", "-vectorize-slp=false" };
		LLVMParseCommandLineOptions(3, argv, NULL);
		vector_math = 1;
	}
}

int cg_init(void)
{
	pthread_once(&init_once, init);
	return vector_math;
}

int cg_error(FILE *diag, LLVMErrorRef err, const char *what)
{
	char *msg = LLVMGetErrorMessage(err); /* consumes err */
	if (diag)
		fprintf(diag, "annealc: %s: %s\n", what, msg);
	LLVMDisposeErrorMessage(msg);
	return 2;
}

/* One schedule's three symbols into g->mod. */
static void build_schedule(Cg *g)
{
	LLVMValueRef pval[g->s->nparam + 1];
	g->pval = pval;
	g->ntable = 0;
	g->table = NULL;
	cg_defaults(g);
	LLVMValueRef eval = cg_eval_fn(g);
	LLVMValueRef fill = cg_fill_fn(g, eval);
	cg_desc(g, eval, fill);
	free(g->table);
	g->table = NULL;
	g->pval = NULL;
}

LLVMModuleRef cg_module(LLVMContextRef ctx, const char *modname, const LSchedule *const *s,
                        const char *const *sym, int n, const annealc_options *o)
{
	Cg g = { .ctx = ctx };
	g.mod = LLVMModuleCreateWithNameInContext(modname, ctx);
	g.b = LLVMCreateBuilderInContext(ctx);
	g.bind = o && o->bind_params;
	g.fill_by_eval = o && o->opt_level <= 0;
	cg_types(&g);
	for (int i = 0; i < n; i++) {
		g.s = s[i];
		g.sym = sym && sym[i] ? sym[i] : s[i]->name;
		build_schedule(&g);
	}
	LLVMDisposeBuilder(g.b);
	return g.mod; /* ownership passes to the caller */
}

void cg_module_split(LLVMContextRef ctx, const LSchedule *s, const char *sym, const annealc_options *o,
                     uint64_t slot, uint64_t lazy_ctx, uint64_t resolve, LLVMModuleRef *eval_mod,
                     LLVMModuleRef *fill_mod)
{
	LLVMValueRef pval[s->nparam + 1];
	Cg g = { .ctx = ctx, .s = s, .sym = sym, .pval = pval };
	g.b = LLVMCreateBuilderInContext(ctx);
	g.bind = o && o->bind_params;
	cg_types(&g);

	g.mod = LLVMModuleCreateWithNameInContext(s->name, ctx);
	cg_defaults(&g);
	LLVMValueRef eval = cg_eval_fn(&g);
	cg_desc(&g, eval, cg_fill_stub(&g, slot, lazy_ctx, resolve));
	*eval_mod = g.mod; /* ownership passes to the caller */
	free(g.table);

	g.mod = LLVMModuleCreateWithNameInContext(s->name, ctx);
	g.ntable = 0;
	g.table = NULL;
	g.fill_suffix = "_fill_impl";
	cg_defaults(&g);
	cg_fill_fn(&g, NULL);
	*fill_mod = g.mod; /* ownership passes to the caller */
	free(g.table);
	LLVMDisposeBuilder(g.b);
}

static LLVMCodeGenOptLevel codegen_level(int opt_level)
{
	switch (opt_level) {
	case 0: return LLVMCodeGenLevelNone;
	case 1: return LLVMCodeGenLevelLess;
	case 3: return LLVMCodeGenLevelAggressive;
	default: return LLVMCodeGenLevelDefault;
	}
}

/* The host's CPU and features for the JIT (it runs here); a generic CPU for
   AOT objects, which may run on another machine of the same triple, built
   position-independent so they link into PIE hosts. The JIT's objects take
   LLVM's JIT defaults (on x86-64: static relocations, large code model), as
   LLJIT's own target machine would: the JIT places sections anywhere in the
   address space, and absolute 64-bit relocations are the ones every JIT
   linker (RuntimeDyld, JITLink) resolves. */
LLVMTargetMachineRef cg_target_machine(const char *triple, int host_cpu, int opt_level, int jit,
                                       FILE *diag)
{
	char *norm = triple ? LLVMNormalizeTargetTriple(triple) : LLVMGetDefaultTargetTriple();
	LLVMTargetRef target;
	char *err = NULL;
	LLVMTargetMachineRef tm = NULL;
	if (LLVMGetTargetFromTriple(norm, &target, &err)) {
		if (diag)
			fprintf(diag, "annealc: target %s: %s\n", norm, err);
		LLVMDisposeMessage(err);
		goto out_triple;
	}
	char *cpu = host_cpu ? LLVMGetHostCPUName() : NULL;
	char *features = host_cpu ? LLVMGetHostCPUFeatures() : NULL;
	tm = LLVMCreateTargetMachine(target, norm, cpu ? cpu : "generic", features ? features : "",
	                             codegen_level(opt_level), jit ? LLVMRelocDefault : LLVMRelocPIC,
	                             jit ? LLVMCodeModelJITDefault : LLVMCodeModelDefault);
	if (!tm && diag)
		fprintf(diag, "annealc: cannot create a target machine for %s\n", norm);
	LLVMDisposeMessage(features);
	LLVMDisposeMessage(cpu);
out_triple:
	LLVMDisposeMessage(norm);
	return tm;
}

int cg_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, int opt_level, FILE *diag)
{
	char *triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(mod, triple);
	/* The vector library is the process's, and names x86-64's libmvec: on
	   another target no loop is widened, since even a widened intrinsic
	   becomes a libmvec call in code generation (replace-with-veclib), and
	   LLVM 14's LLVMRunPasses ignores SetLoopVectorization in default<O3>,
	   so such a target gets the -O2 passes without the vectoriser. */
	int vectorise = strncmp(triple, "x86_64", 6) == 0 || !vector_math;
	LLVMDisposeMessage(triple);
	LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
	LLVMSetModuleDataLayout(mod, dl);
	LLVMDisposeTargetData(dl);

	char *msg = NULL;
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		if (diag)
			fprintf(diag, "annealc: internal error: invalid module: %s\n", msg);
		LLVMDisposeMessage(msg);
		return 2;
	}
	LLVMDisposeMessage(msg);
	if (opt_level <= 0)
		return 0;
	/* -O1 and -O2: the passes this code needs -- allocas to registers,
	   folding, invariants hoisted out of the leaf loops, the libmvec
	   mappings the vectoriser reads from call attributes, the vectoriser --
	   without default<O2>'s inliner and CGSCC machinery, which costs
	   most of its time and finds nothing here (every function but the entry
	   points is noinline). -O3 is LLVM's own pipeline. */
	const char *passes = !vectorise       ? "function(sroa,early-cse,instcombine,simplifycfg,loop-mssa(licm))"
	                     : opt_level >= 3 ? "default<O3>"
	                                      : "function(sroa,early-cse,instcombine,simplifycfg,loop-mssa(licm),"
	                                        "inject-tli-mappings,loop-vectorize,instcombine,simplifycfg)";
	LLVMPassBuilderOptionsRef pbo = LLVMCreatePassBuilderOptions();
	LLVMPassBuilderOptionsSetLoopVectorization(pbo, vectorise);
	LLVMPassBuilderOptionsSetSLPVectorization(pbo, 0); /* see init() */
	LLVMPassBuilderOptionsSetLoopInterleaving(pbo, 1);
	LLVMErrorRef err = LLVMRunPasses(mod, passes, tm, pbo);
	LLVMDisposePassBuilderOptions(pbo);
	if (err)
		return cg_error(diag, err, "optimisation");
	return 0;
}
