/* jit.c: annealc_jit -- ORC LLJIT, one per handle, with a cache keyed by the schedule's digest and the options. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "cg.h"

typedef struct JitEntry {
	uint64_t key; /* 0: free slot */
	const anneal_desc *desc;
} JitEntry;

/* A schedule's NAME_fill, compiled on its first call: most hosts only ever
   call NAME_eval, and the vectorised fill is most of the compile time. */
typedef struct LazyFill {
	anneal_fill_fn fn; /* set once compiled; read by the stub with acquire */
	annealc_jit *jit;
	LLVMModuleRef mod; /* until compiled */
	int level;
	int failed;
	char *impl; /* the real fill's symbol */
	struct LazyFill *next;
} LazyFill;

struct annealc_jit {
	pthread_mutex_t lock; /* compiles, lazy fills and the context, from any thread */
	LazyFill *lazy;
	LLVMOrcLLJITRef lljit;
	LLVMContextRef ctx;             /* the modules' context; each module is disposed once emitted */
	LLVMTargetMachineRef tm[4];     /* per opt level, made on first use */
	JitEntry *cache;                /* open addressing, power-of-two capacity */
	size_t ncache, cap;
	unsigned serial;                /* makes every compilation's symbols unique in the JITDylib */
	char errmsg[ERRMSG_SIZE];       /* annealc_jit_errmsg */
};

/* Where a JIT call reports: the JIT's message. */
static Diag jit_diag(annealc_jit *j)
{
	return (Diag){ NULL, NULL, j->errmsg, sizeof j->errmsg, 0, 0 };
}

anneal_status annealc_jit_new(const annealc_sink *sink, annealc_jit **out)
{
	Diag d = { NULL, sink, NULL, 0, 0, 0 };
	if (!out) {
		diag_plain(&d, "annealc_jit_new: out is NULL");
		return ANNEAL_ERR_INVALID;
	}
	*out = NULL;
	if (cg_init(&d))
		return ANNEAL_ERR_UNSUPPORTED;
	annealc_jit *j = calloc(1, sizeof *j);
	if (!j) {
		diag_plain(&d, "out of memory");
		return ANNEAL_ERR_NOMEM;
	}
	/* LLVMOrcCreateLLJIT takes the builder, whatever it returns. */
	LLVMErrorRef err = LLVMOrcCreateLLJIT(&j->lljit, LLVMOrcCreateLLJITBuilder());
	if (err) {
		cg_error(&d, err, "cannot create the JIT");
		goto fail_jit;
	}
	/* libm's scalar math, and libmvec's vector variants (cg_init loaded it
	   globally), resolve through the process's symbols. */
	LLVMOrcDefinitionGeneratorRef gen;
	err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j->lljit), NULL,
	                                                           NULL);
	if (err) {
		cg_error(&d, err, "cannot search the process for symbols");
		goto fail_gen;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(j->lljit), gen); /* the JITDylib owns gen */
	j->ctx = LLVMContextCreate();
	pthread_mutex_init(&j->lock, NULL);
	*out = j;
	return ANNEAL_OK;

fail_gen:
	err = LLVMOrcDisposeLLJIT(j->lljit);
	if (err)
		cg_error(&d, err, "disposing the JIT");
fail_jit:
	free(j);
	return ANNEAL_ERR_INTERNAL;
}

const char *annealc_jit_errmsg(const annealc_jit *j)
{
	return j ? j->errmsg : "";
}

void annealc_jit_free(annealc_jit *j)
{
	if (!j)
		return;
	for (LazyFill *lf = j->lazy, *next; lf; lf = next) {
		next = lf->next;
		if (lf->mod)
			LLVMDisposeModule(lf->mod);
		free(lf->impl);
		free(lf);
	}
	free(j->cache);
	for (int i = 3; i >= 0; i--)
		if (j->tm[i])
			LLVMDisposeTargetMachine(j->tm[i]);
	/* The JIT's memory (and every descriptor it returned) goes with it. */
	/* Nobody is left to tell of a failure here. */
	LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->lljit);
	if (err)
		LLVMConsumeError(err);
	LLVMContextDispose(j->ctx);
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/* FNV-1a over 64-bit words: a cache hit must cost well under a microsecond,
   and hashing the canonical dump (dump.c's digest_schedule prints it first)
   costs several. The words are the fields that dump prints, so equal keys
   mean what equal digests mean. */
static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * UINT64_C(0x100000001b3);
}

static uint64_t mix_f(uint64_t h, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	return mix(h, bits);
}

static uint64_t mix_s(uint64_t h, const char *s)
{
	if (!s)
		return mix(h, 0x5a5a);
	for (; *s; s++)
		h = mix(h, (unsigned char)*s);
	return mix(h, 0);
}

static uint64_t hash_expr(uint64_t h, const Expr *e)
{
	h = mix(h, (uint64_t)e->kind);
	if (e->kind == EX_NUM)
		return mix_f(h, e->num);
	if (e->kind == EX_PARAM)
		return mix(h, (uint64_t)e->param);
	const Expr *op[3] = { e->a, e->b, e->c };
	for (int i = 0; i < expr_arity[e->kind]; i++)
		h = hash_expr(h, op[i]);
	return h;
}

static uint64_t hash_sched(uint64_t h, const Sched *n)
{
	h = mix(h, (uint64_t)n->kind);
	switch (n->kind) {
	case SC_LEAF: return hash_expr(h, n->leaf);
	case SC_SEQ:
		h = mix(h, (uint64_t)n->nphase);
		for (int i = 0; i < n->nphase; i++) {
			const Phase *ph = &n->phase[i];
			h = mix(mix(mix(h, (uint64_t)ph->start), (uint64_t)ph->len), ph->enter_mask);
			h = hash_sched(h, ph->body);
		}
		return h;
	case SC_RESTARTS:
		h = mix(mix(mix(mix(h, (uint64_t)n->period), (uint64_t)n->mult), (uint64_t)n->count), (uint64_t)n->ntable);
		return hash_sched(h, n->body);
	}
	UNREACHABLE();
}

/* The schedule plus the options decide the compiled code. The restart
   tables follow from period, mult and count. */
static uint64_t cache_key(const LSchedule *s, int level, int bind)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	h = mix(mix(h, (uint64_t)level), (uint64_t)bind);
	h = mix_s(h, s->name);
	h = mix(mix(mix(h, (uint64_t)s->primary), (uint64_t)s->horizon), s->restart_mask);
	h = mix(h, s->digest);
	for (int i = 0; i < s->nparam; i++)
		h = mix(mix_f(mix_s(h, s->param[i].name), s->param[i].value), (uint64_t)s->param[i].structural);
	for (int i = 0; i < s->nhook; i++) {
		const LHook *k = &s->hook[i];
		h = mix_s(mix(mix(h, (uint64_t)k->event), (uint64_t)k->arg), k->phase);
		for (int a = 0; a < k->naction; a++)
			h = mix_s(mix(h, (uint64_t)k->action[a].kind), k->action[a].name);
	}
	for (int c = 0; c < s->nchannel; c++)
		h = hash_sched(mix(mix_s(h, s->channel[c].name), (uint64_t)s->channel[c].slot), s->channel[c].sched);
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

static LLVMTargetMachineRef target_machine(annealc_jit *j, int level, Diag *diag)
{
	if (!j->tm[level])
		j->tm[level] = cg_target_machine(NULL, 1, level, 1, diag);
	return j->tm[level];
}

/* Verify, optimise, emit an object in memory and hand it to the JIT; the
   object is linked at the first lookup of one of its symbols. */
static int add_module(annealc_jit *j, LLVMModuleRef mod, int level, Diag *diag)
{
	LLVMTargetMachineRef tm = target_machine(j, level, diag);
	if (!tm || cg_optimize(mod, tm, level, diag))
		return -1;
	char *msg = NULL;
	LLVMMemoryBufferRef obj;
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &obj)) {
		diag_plain(diag, "code generation: %s", msg);
		LLVMDisposeMessage(msg);
		return -1;
	}
	/* The JIT owns obj from here, whether adding it succeeds or not. */
	LLVMErrorRef err = LLVMOrcLLJITAddObjectFile(j->lljit, LLVMOrcLLJITGetMainJITDylib(j->lljit), obj);
	return err ? cg_error(diag, err, "adding the object to the JIT") : 0;
}

static void *lookup(annealc_jit *j, const char *name, Diag *diag)
{
	LLVMOrcExecutorAddress addr = 0;
	LLVMErrorRef err = LLVMOrcLLJITLookup(j->lljit, &addr, name);
	if (err) {
		cg_error(diag, err, "linking the compiled schedule");
		return NULL;
	}
	return (void *)(uintptr_t)addr;
}

/* Called by a NAME_fill stub until the real fill exists: compile it (once,
   under the lock), publish it for the stub, run it. If it cannot be
   compiled the range is NaN and the reason is the JIT's message. */
static void lazy_fill(LazyFill *lf, int64_t first, int64_t count, const double *params, int32_t channel,
                      double *out)
{
	annealc_jit *j = lf->jit;
	pthread_mutex_lock(&j->lock);
	if (!lf->fn && !lf->failed) {
		anneal_fill_fn fn = NULL;
		Diag d = jit_diag(j);
		if (add_module(j, lf->mod, lf->level, &d) == 0)
			fn = (anneal_fill_fn)lookup(j, lf->impl, &d);
		LLVMDisposeModule(lf->mod);
		lf->mod = NULL;
		lf->failed = !fn;
		__atomic_store_n(&lf->fn, fn, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&j->lock);
	anneal_fill_fn fn = __atomic_load_n(&lf->fn, __ATOMIC_ACQUIRE);
	if (fn) {
		fn(first, count, params, channel, out);
		return;
	}
	for (int64_t i = 0; i < count; i++)
		out[i] = NAN;
}

static const anneal_desc *compile(annealc_jit *j, const LSchedule *s, const annealc_options *o, int level,
                                  Diag *diag)
{
	char sym[strlen(s->name) + 32], name[strlen(s->name) + 48];
	snprintf(sym, sizeof sym, "%s__jit%u", s->name, j->serial++);
	snprintf(name, sizeof name, "%s_desc", sym);
	LLVMModuleRef mod, fill_mod = NULL;
	LazyFill *lf = NULL;
	if (level == 0) {
		/* NAME_fill is a loop over NAME_eval at -O0: nothing to defer. */
		const char *syms[1] = { sym };
		mod = cg_module(j->ctx, s->name, &s, syms, 1, o, diag);
		if (!mod)
			return NULL;
	} else {
		lf = calloc(1, sizeof *lf);
		if (!lf || !(lf->impl = malloc(sizeof name))) {
			free(lf);
			diag_plain(diag, "out of memory");
			return NULL;
		}
		snprintf(lf->impl, sizeof name, "%s_fill_impl", sym);
		lf->jit = j;
		lf->level = level;
		if (cg_module_split(j->ctx, s, sym, o, (uint64_t)(uintptr_t)&lf->fn, (uint64_t)(uintptr_t)lf,
		                    (uint64_t)(uintptr_t)lazy_fill, &mod, &fill_mod, diag)) {
			free(lf->impl);
			free(lf);
			return NULL;
		}
		lf->mod = fill_mod; /* lf owns it now */
		lf->next = j->lazy;
		j->lazy = lf;
	}
	int rc = add_module(j, mod, level, diag);
	LLVMDisposeModule(mod);
	return rc ? NULL : lookup(j, name, diag);
}

anneal_status annealc_jit_compile(annealc_jit *j, annealc_program *p, int schedule, const annealc_options *o,
                                  const anneal_desc **out)
{
	if (!j)
		return ANNEAL_ERR_INVALID;
	pthread_mutex_lock(&j->lock);
	Diag d = jit_diag(j);
	anneal_status st = ANNEAL_ERR_INVALID;
	if (out)
		*out = NULL;
	annealc_options dflt = ANNEALC_OPTIONS_INIT;
	if (!o)
		o = &dflt;
	if (!out)
		diag_plain(&d, "annealc_jit_compile: out is NULL");
	else if (!p)
		diag_plain(&d, "annealc_jit_compile: the program is NULL");
	else if (schedule < 0 || schedule >= p->nschedule)
		diag_plain(&d, "annealc_jit_compile: no schedule %d (the program has %d)", schedule, p->nschedule);
	else if (cg_check_options(o, 1, &d) == 0) {
		const LSchedule *s = &p->schedule[schedule];
		uint64_t key = cache_key(s, o->opt_level, o->bind_params != 0);
		JitEntry *hit = cache_slot(j, key);
		const anneal_desc *desc = hit && hit->key == key ? hit->desc : NULL;
		st = ANNEAL_ERR_INTERNAL;
		if (!desc) {
			desc = compile(j, s, o, o->opt_level, &d);
			if (desc && cache_put(j, key, desc)) {
				diag_plain(&d, "out of memory");
				st = ANNEAL_ERR_NOMEM;
				desc = NULL;
			}
		}
		if (desc) {
			*out = desc;
			j->errmsg[0] = '\0';
			st = ANNEAL_OK;
		}
	}
	pthread_mutex_unlock(&j->lock);
	return st;
}

anneal_status annealc_jit_release(annealc_jit *j, const anneal_desc *desc)
{
	if (!j)
		return ANNEAL_ERR_INVALID;
	Diag d = jit_diag(j);
	diag_plain(&d, "annealc_jit_release: not implemented yet");
	return ANNEAL_ERR_UNSUPPORTED;
}
