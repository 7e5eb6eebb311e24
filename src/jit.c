/* jit.c: annealc_jit -- ORC LLJIT, one per handle, with a cache keyed by the schedule's digest and the options. */
#include <stdlib.h>
#include <string.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "cg.h"

typedef struct JitEntry {
	uint64_t key; /* 0: free slot */
	const anneal_desc *desc;
} JitEntry;

struct annealc_jit {
	LLVMOrcLLJITRef lljit;
	LLVMContextRef ctx;             /* the modules' context; each module is disposed once emitted */
	LLVMTargetMachineRef tm[4];     /* per opt level, made on first use */
	JitEntry *cache;                /* open addressing, power-of-two capacity */
	size_t ncache, cap;
	unsigned serial;                /* makes every compilation's symbols unique in the JITDylib */
};

annealc_jit *annealc_jit_new(FILE *diag)
{
	cg_init();
	annealc_jit *j = calloc(1, sizeof *j);
	if (!j) {
		if (diag)
			fprintf(diag, "annealc: out of memory\n");
		return NULL;
	}
	/* LLVMOrcCreateLLJIT takes the builder, whatever it returns. */
	LLVMErrorRef err = LLVMOrcCreateLLJIT(&j->lljit, LLVMOrcCreateLLJITBuilder());
	if (err) {
		cg_error(diag, err, "cannot create the JIT");
		goto fail_jit;
	}
	/* libm's scalar math, and libmvec's vector variants (cg_init loaded it
	   globally), resolve through the process's symbols. */
	LLVMOrcDefinitionGeneratorRef gen;
	err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j->lljit), NULL,
	                                                           NULL);
	if (err) {
		cg_error(diag, err, "cannot search the process for symbols");
		goto fail_gen;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->lljit), gen); /* the JITDylib owns gen */
	j->ctx = LLVMContextCreate();
	return j;

fail_gen:
	err = LLVMOrcDisposeLLJIT(j->lljit);
	if (err)
		cg_error(diag, err, "disposing the JIT");
fail_jit:
	free(j);
	return NULL;
}

void annealc_jit_free(annealc_jit *j)
{
	if (!j)
		return;
	free(j->cache);
	for (int i = 3; i >= 0; i--)
		if (j->tm[i])
			LLVMDisposeTargetMachine(j->tm[i]);
	/* The JIT's memory (and every descriptor it returned) goes with it. */
	LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->lljit);
	if (err)
		cg_error(stderr, err, "disposing the JIT");
	LLVMContextDispose(j->ctx);
	free(j);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

/* The canonical dump holds every name, number, param value and table, so
   its digest plus the options decides what the compiled code is. */
static uint64_t cache_key(const LSchedule *s, int level, int bind)
{
	uint64_t h = mix(digest_schedule(s), (uint64_t)level);
	h = mix(h, (uint64_t)bind);
	return h ? h : 1;
}

static JitEntry *cache_slot(annealc_jit *j, uint64_t key)
{
	if (!j->cap)
		return NULL;
	for (size_t i = key & (j->cap - 1);; i = (i + 1) & (j->cap - 1))
		if (j->cache[i].key == key || j->cache[i].key == 0)
			return &j->cache[i];
}

static int cache_put(annealc_jit *j, uint64_t key, const anneal_desc *desc)
{
	if (2 * (j->ncache + 1) > j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 16;
		JitEntry *old = j->cache, *nw = calloc(cap, sizeof *nw);
		if (!nw)
			return -1;
		size_t oldcap = j->cap;
		j->cache = nw;
		j->cap = cap;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].key)
				*cache_slot(j, old[i].key) = old[i];
		free(old);
	}
	JitEntry *e = cache_slot(j, key);
	e->key = key;
	e->desc = desc;
	j->ncache++;
	return 0;
}

/* Build, verify, optimise, emit an object in memory and hand it to the JIT;
   the object is linked at the first lookup. */
const anneal_desc *annealc_jit_compile(annealc_jit *j, annealc_program *p, int schedule,
                                       const annealc_options *o, FILE *diag)
{
	if (!j || !p || schedule < 0 || schedule >= p->nschedule) {
		if (diag)
			fprintf(diag, "annealc: no schedule %d to compile\n", schedule);
		return NULL;
	}
	annealc_options dflt = { .opt_level = 2 };
	if (!o)
		o = &dflt;
	int level = o->opt_level < 0 ? 0 : o->opt_level > 3 ? 3 : o->opt_level;
	const LSchedule *s = &p->schedule[schedule];
	uint64_t key = cache_key(s, level, o->bind_params != 0);
	JitEntry *hit = cache_slot(j, key);
	if (hit && hit->key == key)
		return hit->desc;

	if (!j->tm[level] && !(j->tm[level] = cg_target_machine(NULL, 1, level, 1, diag)))
		return NULL;
	char sym[strlen(s->name) + 32], name[strlen(s->name) + 40];
	snprintf(sym, sizeof sym, "%s__jit%u", s->name, j->serial++);
	snprintf(name, sizeof name, "%s_desc", sym);
	const char *syms[1] = { sym };
	const anneal_desc *desc = NULL;
	LLVMModuleRef mod = cg_module(j->ctx, s->name, &s, syms, 1, o);
	if (cg_optimize(mod, j->tm[level], level, diag))
		goto out_mod;
	char *msg = NULL;
	LLVMMemoryBufferRef obj;
	if (LLVMTargetMachineEmitToMemoryBuffer(j->tm[level], mod, LLVMObjectFile, &msg, &obj)) {
		if (diag)
			fprintf(diag, "annealc: code generation: %s\n", msg);
		LLVMDisposeMessage(msg);
		goto out_mod;
	}
	/* The JIT owns obj from here, whether adding it succeeds or not. */
	LLVMErrorRef err = LLVMOrcLLJITAddObjectFile(j->lljit, LLVMOrcLLJITGetMainJITDylib(j->lljit), obj);
	if (err) {
		cg_error(diag, err, "adding the object to the JIT");
		goto out_mod;
	}
	LLVMOrcExecutorAddress addr = 0;
	err = LLVMOrcLLJITLookup(j->lljit, &addr, name);
	if (err) {
		cg_error(diag, err, "linking the compiled schedule");
		goto out_mod;
	}
	desc = (const anneal_desc *)(uintptr_t)addr;
	if (cache_put(j, key, desc)) {
		if (diag)
			fprintf(diag, "annealc: out of memory\n");
		desc = NULL;
	}
out_mod:
	LLVMDisposeModule(mod);
	return desc;
}
