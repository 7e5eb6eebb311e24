/* cg_module.c: one LLVM module per compilation, target machines, verification, the new-PM pipeline, and LLVM's errors caught. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/ErrorHandling.h>
#include <llvm-c/Support.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <llvm/Config/llvm-config.h>

#include "cg.h"

/* From LLVM 18 an instcombine named in a pipeline text verifies that its
   one iteration reached a fixpoint, and reports a module that needs a
   second as a fatal error (default<On> does not verify). Reaching it is not
   needed for correct code, so it is not verified here. */
#if LLVM_VERSION_MAJOR >= 18
#define INSTCOMBINE "instcombine<no-verify-fixpoint>"
#else
#define INSTCOMBINE "instcombine"
#endif

const char *cg_test_passes;
void (*cg_test_module)(LLVMModuleRef mod);

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int vector_math;
static int no_native; /* LLVM was built without this machine's target */

/* -vector-library is a process-wide LLVM option read whenever a pass
   pipeline builds its TargetLibraryInfo, so it is set once, before any
   pipeline runs. It is only set when libmvec is loaded into the process
   (LLVMLoadLibraryPermanently: dlopen with RTLD_GLOBAL), so the JIT's
   process symbol generator resolves the _ZGV* variants the vectoriser
   calls. */
static void on_fatal(const char *reason);

static void init(void)
{
	LLVMInstallFatalErrorHandler(on_fatal);
	/* Every target LLVM was built with, so --target can cross-compile. */
	LLVMInitializeAllTargetInfos();
	LLVMInitializeAllTargets();
	LLVMInitializeAllTargetMCs();
	LLVMInitializeAllAsmPrinters();
	if (LLVMInitializeNativeTarget() || LLVMInitializeNativeAsmPrinter()) {
		no_native = 1;
		return;
	}
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

int cg_init(Diag *d)
{
	pthread_once(&init_once, init);
	if (no_native) {
		diag_plain(d, "this LLVM has no target for the machine it runs on");
		return -1;
	}
	return 0;
}

int cg_vector_math(void)
{
	return vector_math;
}

int cg_error(Diag *d, LLVMErrorRef err, const char *what)
{
	char *msg = LLVMGetErrorMessage(err); /* consumes err */
	diag_plain(d, "%s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	return -1;
}

void *cg_alloc(Cg *g, size_t n, size_t size)
{
	return arena_alloc(&g->scratch, (n ? n : 1) * size);
}

void *cg_append(Cg *g, void *array, int n, size_t size)
{
	char *grown = cg_alloc(g, (size_t)n + 1, size);
	if (n)
		memcpy(grown, array, (size_t)n * size);
	return grown;
}

/* One schedule's three symbols into g->mod. */
static void build_schedule(Cg *g)
{
	LLVMValueRef pval[g->s->nparam + 1];
	g->pval = pval;
	cg_sched_reset(g);
	cg_defaults(g);
	LLVMValueRef eval = cg_eval_fn(g);
	LLVMValueRef fill = cg_fill_fn(g, eval);
	cg_desc(g, eval, fill);
	cg_sched_reset(g);
	g->pval = NULL;
}

LLVMModuleRef cg_module(LLVMContextRef ctx, const char *modname, const LSchedule *const *s,
                        const char *const *sym, int n, const annealc_options *o, Diag *d)
{
	Cg g = { .ctx = ctx };
	g.mod = LLVMModuleCreateWithNameInContext(modname, ctx);
	g.b = LLVMCreateBuilderInContext(ctx);
	g.scratch.oom = &g.oom;
	if (setjmp(g.oom)) {
		arena_free(&g.scratch);
		LLVMDisposeBuilder(g.b);
		LLVMDisposeModule(g.mod);
		diag_plain(d, "out of memory");
		return NULL;
	}
	g.bind = o && o->bind_params;
	g.fill_by_eval = o && o->opt_level <= 0;
	cg_types(&g);
	for (int i = 0; i < n; i++) {
		g.s = s[i];
		g.sym = sym && sym[i] ? sym[i] : s[i]->name;
		build_schedule(&g);
	}
	arena_free(&g.scratch);
	LLVMDisposeBuilder(g.b);
	return g.mod; /* ownership passes to the caller */
}

int cg_module_split(LLVMContextRef eval_ctx, LLVMContextRef fill_ctx, const LSchedule *s, const char *sym,
                    const annealc_options *o, uint64_t slot, uint64_t lazy_ctx, uint64_t resolve,
                    LLVMModuleRef *eval_mod, LLVMModuleRef *fill_mod, Diag *d)
{
	LLVMValueRef pval[s->nparam + 1];
	Cg g = { .ctx = eval_ctx, .s = s, .sym = sym, .pval = pval };
	g.b = LLVMCreateBuilderInContext(eval_ctx);
	g.mod = LLVMModuleCreateWithNameInContext(s->name, eval_ctx);
	/* volatile: read after a longjmp */
	LLVMModuleRef volatile first = NULL;
	g.scratch.oom = &g.oom;
	if (setjmp(g.oom)) {
		arena_free(&g.scratch);
		LLVMDisposeBuilder(g.b);
		LLVMDisposeModule(g.mod);
		if (first)
			LLVMDisposeModule(first);
		diag_plain(d, "out of memory");
		return -1;
	}
	g.bind = o && o->bind_params;
	cg_types(&g);

	cg_defaults(&g);
	LLVMValueRef eval = cg_eval_fn(&g);
	cg_desc(&g, eval, cg_fill_stub(&g, slot, lazy_ctx, resolve));
	first = g.mod;

	/* The fill in a context of its own, which outlives eval's. */
	LLVMDisposeBuilder(g.b);
	g.ctx = fill_ctx;
	g.b = LLVMCreateBuilderInContext(fill_ctx);
	g.mod = LLVMModuleCreateWithNameInContext(s->name, fill_ctx);
	cg_types(&g);
	cg_sched_reset(&g);
	g.fill_suffix = "_fill_impl";
	cg_defaults(&g);
	cg_fill_fn(&g, NULL);
	*eval_mod = first; /* ownership of both passes to the caller */
	*fill_mod = g.mod;
	arena_free(&g.scratch);
	LLVMDisposeBuilder(g.b);
	return 0;
}

anneal_status cg_check_options(const annealc_options *o, int jit, Diag *d)
{
	if (o->opt_level < 0 || o->opt_level > 3) {
		diag_plain(d, "annealc_options.opt_level = %d: expected 0 to 3", (int)o->opt_level);
		return ANNEAL_ERR_INVALID;
	}
	if (o->bind_params != 0 && o->bind_params != 1) {
		diag_plain(d, "annealc_options.bind_params = %d: expected 0 or 1", (int)o->bind_params);
		return ANNEAL_ERR_INVALID;
	}
	if (jit && o->target) {
		diag_plain(d, "annealc_options.target = '%s': the JIT compiles for the machine it runs on", o->target);
		return ANNEAL_ERR_UNSUPPORTED;
	}
	return ANNEAL_OK;
}

/* The back end's level for -O N; 2 (the default) for anything but 0, 1, 3. */
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
LLVMTargetMachineRef cg_target_machine(const char *triple, int host_cpu, int opt_level, int jit, Diag *d)
{
	char *norm = triple ? LLVMNormalizeTargetTriple(triple) : LLVMGetDefaultTargetTriple();
	LLVMTargetRef target;
	char *err = NULL;
	LLVMTargetMachineRef tm = NULL;
	if (LLVMGetTargetFromTriple(norm, &target, &err)) {
		diag_plain(d, "target %s: %s", norm, err);
		LLVMDisposeMessage(err);
		goto out_triple;
	}
	char *cpu = host_cpu ? LLVMGetHostCPUName() : NULL;
	char *features = host_cpu ? LLVMGetHostCPUFeatures() : NULL;
	tm = LLVMCreateTargetMachine(target, norm, cpu ? cpu : "generic", features ? features : "",
	                             codegen_level(opt_level), jit ? LLVMRelocDefault : LLVMRelocPIC,
	                             jit ? LLVMCodeModelJITDefault : LLVMCodeModelDefault);
	if (!tm)
		diag_plain(d, "cannot create a target machine for %s", norm);
	LLVMDisposeMessage(features);
	LLVMDisposeMessage(cpu);
out_triple:
	LLVMDisposeMessage(norm);
	return tm;
}

int cg_optimize(LLVMModuleRef mod, LLVMTargetMachineRef tm, int opt_level, Diag *d)
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
	if (cg_test_module)
		cg_test_module(mod);

	char *msg = NULL;
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		diag_plain(d, "internal error (a bug in annealc): invalid module: %s", msg);
		LLVMDisposeMessage(msg);
		return -1;
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
	const char *passes = !vectorise ? "function(sroa,early-cse," INSTCOMBINE ",simplifycfg,loop-mssa(licm))"
	                     : opt_level >= 3
	                         ? "default<O3>"
	                         : "function(sroa,early-cse," INSTCOMBINE ",simplifycfg,loop-mssa(licm),"
	                           "inject-tli-mappings,loop-vectorize," INSTCOMBINE ",simplifycfg)";
	if (cg_test_passes)
		passes = cg_test_passes;
	LLVMPassBuilderOptionsRef pbo = LLVMCreatePassBuilderOptions();
	LLVMPassBuilderOptionsSetLoopVectorization(pbo, vectorise);
	LLVMPassBuilderOptionsSetSLPVectorization(pbo, 0); /* see init() */
	LLVMPassBuilderOptionsSetLoopInterleaving(pbo, 1);
	LLVMErrorRef err = LLVMRunPasses(mod, passes, tm, pbo);
	LLVMDisposePassBuilderOptions(pbo);
	if (err)
		return cg_error(d, err, "internal error (a bug in annealc): the pass pipeline");
	return 0;
}

/* LLVM's errors. A fatal error (report_fatal_error: an instruction the
   back end cannot select, a pass's broken invariant) calls the handler,
   then exits or aborts the process if it returns; an error diagnostic
   with no handler on its context is printed, then the process exits. Both
   are caught on the thread that met them: an error diagnostic is kept and
   LLVM goes on, and a fatal error longjmps out of LLVM back to the
   cg_protect that ran it. That abandons LLVM's frames without their
   destructors -- what they allocated leaks, and whatever they were
   changing (the module, its context, the target machine, the JIT) is left
   half-done, so the caller never touches those again. LLVM holds none of
   its own locks while it calls the handler; the only locks held are the
   caller's, released by the caller after cg_protect returns. */
static _Thread_local jmp_buf *fatal_jmp;
static _Thread_local char fatal_msg[512];
static _Thread_local char diag_msg[512];

static void on_fatal(const char *reason)
{
	if (fatal_jmp) {
		snprintf(fatal_msg, sizeof fatal_msg, "%s", reason);
		longjmp(*fatal_jmp, 1);
	}
	/* Not annealc's: the host's own use of LLVM. Say what LLVM would have
	   said without this handler; LLVM ends the process on return. */
	static const char prefix[] = "LLVM ERROR: ";
	if (write(2, prefix, sizeof prefix - 1) > 0 && write(2, reason, strlen(reason)) > 0)
		(void)!write(2, "\n", 1);
}

/* LLVM's diagnostic handler: keeps the first error's text, which cg_protect
   reports once its call returns. */
static void on_diagnostic(LLVMDiagnosticInfoRef di, void *unused)
{
	/* Warnings, remarks and notes are dropped: the library prints nothing. */
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError || diag_msg[0])
		return;
	char *text = LLVMGetDiagInfoDescription(di);
	snprintf(diag_msg, sizeof diag_msg, "%s", text ? text : "(no description)");
	LLVMDisposeMessage(text);
}

LLVMContextRef cg_context(void)
{
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(ctx, on_diagnostic, NULL);
	return ctx;
}

int cg_protect(int (*fn)(void *arg, Diag *d), void *arg, Diag *d, int *fatal)
{
	jmp_buf here;
	jmp_buf *outer = fatal_jmp;
	*fatal = 0;
	diag_msg[0] = '\0';
	if (setjmp(here)) {
		fatal_jmp = outer;
		*fatal = 1;
		diag_plain(d, "internal error (a bug in annealc or LLVM): LLVM fatal error: %s", fatal_msg);
		return -1;
	}
	fatal_jmp = &here;
	int rc = fn(arg, d);
	fatal_jmp = outer;
	if (diag_msg[0]) {
		diag_plain(d, "internal error (a bug in annealc or LLVM): LLVM error: %s", diag_msg);
		diag_msg[0] = '\0';
		return -1;
	}
	return rc;
}
