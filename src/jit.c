/* jit.c: annealc_jit -- ORC LLJIT, one per handle; each compiled schedule its own resource tracker and contexts, counted in a cache keyed by its canonical text. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "cg.h"

uint64_t (*jit_test_hash)(const char *key, size_t len);

typedef struct JitEntry JitEntry;

/* A schedule's NAME_fill, compiled on its first call: most hosts only ever
   call NAME_eval, and the vectorised fill is most of the compile time. Its
   module has a context of its own, disposed once the fill is compiled or
   the schedule released. */
typedef struct LazyFill {
	anneal_fill_fn fn; /* set once compiled; read by the stub with acquire */
	annealc_jit *jit;
	JitEntry *entry; /* the fill's object joins the entry's resource tracker */
	LLVMContextRef ctx; /* with mod, until compiled */
	LLVMModuleRef mod;
	int level;
	int failed;
	char impl[]; /* the real fill's symbol */
} LazyFill;

/* One compiled schedule. The key is the canonical text of the lowered
   form (dump.c: names, param values, hooks, channels) and the options:
   equal keys compile to the same code, so a hit compares it all. */
struct JitEntry {
	uint64_t hash;
	char *key;
	size_t keylen;
	size_t refs; /* successful compiles not yet released */
	const anneal_desc *desc;
	LLVMOrcResourceTrackerRef rt; /* the code and data of eval, desc and, once compiled, fill */
	LazyFill *lazy;               /* NULL at -O0 */
	JitEntry *next_key, *next_desc; /* the two hash chains */
};

struct annealc_jit {
	pthread_mutex_t lock; /* every call, and lazy fills, from any thread */
	LLVMOrcLLJITRef lljit;
	LLVMTargetMachineRef tm[4];    /* per opt level, made on first use */
	JitEntry **by_key, **by_desc;  /* chains of nbucket (a power of two) heads each */
	size_t nbucket, nentry;
	uint64_t serial;               /* makes every compilation's symbols unique in the JITDylib */
	unsigned unswept;              /* releases since the symbol string pool was last swept */
	char session[512];             /* what the ExecutionSession reported last, "" if nothing */
	char broken[ERRMSG_SIZE];      /* an LLVM fatal error inside ORC left the JIT unusable: why */
	char errmsg[ERRMSG_SIZE];      /* annealc_jit_errmsg */
};

/* Where a JIT call reports: the JIT's message. */
static Diag jit_diag(annealc_jit *j)
{
	return (Diag){ .src = NULL, .sink = NULL, .msg = j->errmsg, .msgsize = sizeof j->errmsg };
}

/* ORC's errors that do not reach a caller (a failed materialisation, say,
   before the lookup that triggered it fails) come here instead of stderr;
   the next error reported adds them. */
static void session_error(void *ctx, LLVMErrorRef err)
{
	annealc_jit *j = ctx;
	char *msg = LLVMGetErrorMessage(err); /* consumes err */
	snprintf(j->session, sizeof j->session, "%s", msg);
	LLVMDisposeErrorMessage(msg);
}

/* cg_error, with what the session reported meanwhile. */
static int orc_error(annealc_jit *j, Diag *d, LLVMErrorRef err, const char *what)
{
	char *msg = LLVMGetErrorMessage(err); /* consumes err */
	if (j->session[0])
		diag_plain(d, "%s: %s (%s)", what, msg, j->session);
	else
		diag_plain(d, "%s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	j->session[0] = '\0';
	return -1;
}

anneal_status annealc_jit_new(const annealc_sink *sink, annealc_jit **out)
{
	Diag d = { .src = NULL, .sink = sink, .msg = NULL, .msgsize = 0 };
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
	LLVMOrcExecutionSessionSetErrorReporter(LLVMOrcLLJITGetExecutionSession(j->lljit), session_error, j);
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

/* ---- the cache: chained on the key's hash and on the descriptor ---- */

/* FNV-1a over the key's bytes. */
static uint64_t key_hash(const char *key, size_t len)
{
	if (jit_test_hash)
		return jit_test_hash(key, len);
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)key[i]) * UINT64_C(0x100000001b3);
	return h;
}

static size_t desc_bucket(const annealc_jit *j, const anneal_desc *desc)
{
	uint64_t h = (uint64_t)(uintptr_t)desc * UINT64_C(0x9e3779b97f4a7c15);
	return (size_t)(h >> 32) & (j->nbucket - 1);
}

/* The schedule's canonical text, then the options and the digest the
   descriptor carries: every input of the compiled code, so equal keys
   compile alike. NULL when memory ran out. */
static char *make_key(const LSchedule *s, const annealc_options *o, size_t *len)
{
	char *key = NULL;
	FILE *f = open_memstream(&key, len);
	if (!f)
		return NULL;
	dump_schedule(f, s);
	fprintf(f, "jit opt=%d bind=%d self_contained=%d digest=%016" PRIx64 " prefix=", (int)o->opt_level,
	        (int)o->bind_params, (int)o->self_contained, s->digest);
	if (o->prefix)
		fprintf(f, "%zu:%s\n", strlen(o->prefix), o->prefix);
	else
		fputs("-\n", f);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		free(key);
		return NULL;
	}
	return key;
}

static JitEntry *find_key(const annealc_jit *j, uint64_t hash, const char *key, size_t len)
{
	if (!j->nbucket)
		return NULL;
	for (JitEntry *e = j->by_key[hash & (j->nbucket - 1)]; e; e = e->next_key)
		if (e->hash == hash && e->keylen == len && memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

static JitEntry *find_desc(const annealc_jit *j, const anneal_desc *desc)
{
	if (!j->nbucket)
		return NULL;
	for (JitEntry *e = j->by_desc[desc_bucket(j, desc)]; e; e = e->next_desc)
		if (e->desc == desc)
			return e;
	return NULL;
}

static void link_entry(annealc_jit *j, JitEntry *e)
{
	size_t k = e->hash & (j->nbucket - 1), d = desc_bucket(j, e->desc);
	e->next_key = j->by_key[k];
	j->by_key[k] = e;
	e->next_desc = j->by_desc[d];
	j->by_desc[d] = e;
}

/* Room for one more entry: the chains stay at most one long on average. */
static int cache_reserve(annealc_jit *j)
{
	if (j->nentry < j->nbucket)
		return 0;
	size_t n = j->nbucket ? 2 * j->nbucket : 16, old = j->nbucket;
	JitEntry **by_key = calloc(n, sizeof *by_key), **by_desc = calloc(n, sizeof *by_desc);
	if (!by_key || !by_desc) {
		free(by_key);
		free(by_desc);
		return -1;
	}
	JitEntry **old_key = j->by_key;
	free(j->by_desc);
	j->by_key = by_key;
	j->by_desc = by_desc;
	j->nbucket = n;
	for (size_t i = 0; i < old; i++)
		for (JitEntry *e = old_key[i], *next; e; e = next) {
			next = e->next_key;
			link_entry(j, e);
		}
	free(old_key);
	return 0;
}

static void unlink_entry(annealc_jit *j, JitEntry *e)
{
	JitEntry **p = &j->by_key[e->hash & (j->nbucket - 1)];
	while (*p != e)
		p = &(*p)->next_key;
	*p = e->next_key;
	p = &j->by_desc[desc_bucket(j, e->desc)];
	while (*p != e)
		p = &(*p)->next_desc;
	*p = e->next_desc;
	j->nentry--;
}

/* ---- compiling: everything LLVM does runs under cg_protect ---- */

static LLVMTargetMachineRef target_machine(annealc_jit *j, int level, Diag *diag)
{
	if (!j->tm[level])
		j->tm[level] = cg_target_machine(NULL, 1, level, 1, diag);
	return j->tm[level];
}

typedef struct Emit {
	annealc_jit *j;
	LLVMModuleRef mod;
	int level;
	LLVMMemoryBufferRef obj;
} Emit;

static int emit_protected(void *arg, Diag *diag)
{
	Emit *x = arg;
	LLVMTargetMachineRef tm = target_machine(x->j, x->level, diag);
	if (!tm || cg_optimize(x->mod, tm, x->level, diag))
		return -1;
	char *msg = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, x->mod, LLVMObjectFile, &msg, &x->obj)) {
		diag_plain(diag, "code generation: %s", msg);
		LLVMDisposeMessage(msg);
		x->obj = NULL;
		return -1;
	}
	return 0;
}

/* Verify, optimise and emit mod as an object in memory (NULL after an
   error on diag). After an LLVM fatal error *fatal is set: mod, its
   context and the target machine are then abandoned (the JIT forgets the
   machine; the caller must never dispose mod or its context). */
static LLVMMemoryBufferRef emit_object(annealc_jit *j, LLVMModuleRef mod, int level, Diag *diag, int *fatal)
{
	Emit x = { j, mod, level, NULL };
	if (cg_protect(emit_protected, &x, diag, fatal) == 0)
		return x.obj;
	if (*fatal)
		j->tm[level] = NULL;
	else if (x.obj) /* made, but with an error diagnostic */
		LLVMDisposeMemoryBuffer(x.obj);
	return NULL;
}

typedef struct Link {
	annealc_jit *j;
	LLVMOrcResourceTrackerRef rt;
	LLVMMemoryBufferRef obj;
	const char *name;
	LLVMOrcExecutorAddress addr;
} Link;

static int link_protected(void *arg, Diag *diag)
{
	Link *l = arg;
	/* The JIT owns obj from here, whether adding it succeeds or not. */
	LLVMErrorRef err = LLVMOrcLLJITAddObjectFileWithRT(l->j->lljit, l->rt, l->obj);
	if (err)
		return orc_error(l->j, diag, err, "adding the object to the JIT");
	err = LLVMOrcLLJITLookup(l->j->lljit, &l->addr, l->name);
	if (err)
		return orc_error(l->j, diag, err, "linking the compiled schedule");
	return 0;
}

/* After an LLVM fatal error inside ORC the JIT cannot be trusted again:
   every later call fails with why, and annealc_jit_free leaves LLVM's part
   of it allocated. */
static void set_broken(annealc_jit *j, const char *what)
{
	snprintf(j->broken, sizeof j->broken, "the JIT is unusable after an LLVM fatal error %s: %.900s", what, j->errmsg);
}

/* obj into rt's JITDylib, linked at once: the address of name, or NULL
   after an error on diag. */
static void *link_object(annealc_jit *j, LLVMOrcResourceTrackerRef rt, LLVMMemoryBufferRef obj, const char *name,
                         Diag *diag)
{
	Link l = { j, rt, obj, name, 0 };
	int fatal;
	if (cg_protect(link_protected, &l, diag, &fatal) == 0)
		return (void *)(uintptr_t)l.addr;
	if (fatal)
		set_broken(j, "while linking");
	return NULL;
}

static int remove_protected(void *arg, Diag *diag)
{
	LLVMErrorRef err = LLVMOrcResourceTrackerRemove(arg);
	return err ? cg_error(diag, err, "releasing the compiled schedule") : 0;
}

/* The entry's code and data out of the JIT (its tracker removed), then
   the entry itself. 0, or -1 after an error on diag (the entry is freed
   anyway). */
static int free_entry(annealc_jit *j, JitEntry *e, Diag *diag)
{
	int rc = 0, fatal = 0;
	if (e->rt && !j->broken[0]) {
		rc = cg_protect(remove_protected, e->rt, diag, &fatal);
		if (fatal)
			set_broken(j, "while releasing");
		else
			LLVMOrcReleaseResourceTracker(e->rt);
		/* Symbol names are interned for the session and outlive their
		   definitions until swept; sweeping walks the whole pool. */
		if (!fatal && ++j->unswept >= 64) {
			LLVMOrcSymbolStringPoolClearDeadEntries(
				LLVMOrcExecutionSessionGetSymbolStringPool(LLVMOrcLLJITGetExecutionSession(j->lljit)));
			j->unswept = 0;
		}
	}
	if (e->lazy) {
		if (e->lazy->mod)
			LLVMDisposeModule(e->lazy->mod);
		if (e->lazy->ctx)
			LLVMContextDispose(e->lazy->ctx);
		free(e->lazy);
	}
	free(e->key);
	free(e);
	return rc;
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
		int fatal = 0;
		LLVMMemoryBufferRef obj = NULL;
		if (j->broken[0])
			diag_plain(&d, "%s", j->broken);
		else
			obj = emit_object(j, lf->mod, lf->level, &d, &fatal);
		if (!fatal) {
			LLVMDisposeModule(lf->mod);
			LLVMContextDispose(lf->ctx);
		}
		lf->mod = NULL;
		lf->ctx = NULL;
		if (obj)
			fn = (anneal_fill_fn)link_object(j, lf->entry->rt, obj, lf->impl, &d);
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

/* A new entry whose code is in the JIT (key and hash not yet set), or
   NULL after an error on diag; *st its status. Each compilation has its
   own contexts: eval's is disposed once its module is an object, fill's
   once the fill is compiled, so nothing of one compilation's IR stays. */
static JitEntry *compile(annealc_jit *j, const LSchedule *s, const annealc_options *o, Diag *diag,
                         anneal_status *st)
{
	int level = o->opt_level;
	char sym[strlen(s->name) + 32], name[strlen(s->name) + 48];
	snprintf(sym, sizeof sym, "%s__jit%" PRIu64, s->name, j->serial++);
	snprintf(name, sizeof name, "%s_desc", sym);
	*st = ANNEAL_ERR_NOMEM;
	JitEntry *e = calloc(1, sizeof *e);
	LazyFill *lf = level > 0 ? calloc(1, sizeof *lf + strlen(sym) + 16) : NULL;
	if (!e || (level > 0 && !lf)) {
		diag_plain(diag, "out of memory");
		goto fail_entry;
	}
	LLVMContextRef ctx = cg_context();
	LLVMModuleRef mod;
	if (!lf) {
		/* NAME_fill is a loop over NAME_eval at -O0: nothing to defer. */
		const char *syms[1] = { sym };
		mod = cg_module(ctx, s->name, &s, syms, 1, o, diag);
		if (!mod)
			goto fail_ctx;
	} else {
		snprintf(lf->impl, strlen(sym) + 16, "%s_fill_impl", sym);
		lf->jit = j;
		lf->entry = e;
		lf->level = level;
		lf->ctx = cg_context();
		if (cg_module_split(ctx, lf->ctx, s, sym, o, (uint64_t)(uintptr_t)&lf->fn, (uint64_t)(uintptr_t)lf,
		                    (uint64_t)(uintptr_t)lazy_fill, &mod, &lf->mod, diag)) {
			LLVMContextDispose(lf->ctx);
			goto fail_ctx;
		}
		e->lazy = lf; /* e owns lf, lf the fill's module and context */
	}
	*st = ANNEAL_ERR_INTERNAL;
	int fatal;
	LLVMMemoryBufferRef obj = emit_object(j, mod, level, diag, &fatal);
	if (fatal) {
		/* mod and ctx are abandoned: they leak. */
		free_entry(j, e, diag);
		return NULL;
	}
	LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	if (!obj) {
		free_entry(j, e, diag);
		return NULL;
	}
	e->rt = LLVMOrcJITDylibCreateResourceTracker(LLVMOrcLLJITGetMainJITDylib(j->lljit));
	e->desc = link_object(j, e->rt, obj, name, diag);
	if (!e->desc) {
		free_entry(j, e, diag);
		return NULL;
	}
	*st = ANNEAL_OK;
	return e;

fail_ctx:
	LLVMContextDispose(ctx);
fail_entry:
	free(lf);
	free(e);
	return NULL;
}

anneal_status annealc_jit_compile(annealc_jit *j, annealc_program *p, int schedule, const annealc_options *o,
                                  const anneal_desc **out)
{
	if (out)
		*out = NULL;
	if (!j)
		return ANNEAL_ERR_INVALID;
	pthread_mutex_lock(&j->lock);
	Diag d = jit_diag(j);
	anneal_status st = ANNEAL_ERR_INVALID;
	annealc_options dflt = ANNEALC_OPTIONS_INIT;
	if (!o)
		o = &dflt;
	if (!out)
		diag_plain(&d, "annealc_jit_compile: out is NULL");
	else if (!p)
		diag_plain(&d, "annealc_jit_compile: the program is NULL");
	else if (schedule < 0 || schedule >= p->nschedule)
		diag_plain(&d, "annealc_jit_compile: no schedule %d (the program has %d)", schedule, p->nschedule);
	else if ((st = cg_check_options(o, 1, &d)) != ANNEAL_OK)
		;
	else if (j->broken[0]) {
		diag_plain(&d, "%s", j->broken);
		st = ANNEAL_ERR_INTERNAL;
	} else {
		size_t len;
		char *key = make_key(&p->schedule[schedule], o, &len);
		uint64_t hash = key ? key_hash(key, len) : 0;
		JitEntry *e = key ? find_key(j, hash, key, len) : NULL;
		if (!key || (!e && cache_reserve(j))) {
			diag_plain(&d, "out of memory");
			st = ANNEAL_ERR_NOMEM;
		} else if (e) {
			e->refs++;
			st = ANNEAL_OK;
		} else if ((e = compile(j, &p->schedule[schedule], o, &d, &st))) {
			e->hash = hash;
			e->key = key;
			e->keylen = len;
			e->refs = 1;
			key = NULL; /* e owns it */
			link_entry(j, e);
			j->nentry++;
		}
		free(key);
		if (st == ANNEAL_OK) {
			*out = e->desc;
			j->errmsg[0] = '\0';
		}
	}
	pthread_mutex_unlock(&j->lock);
	return st;
}

anneal_status annealc_jit_release(annealc_jit *j, const anneal_desc *desc)
{
	if (!j)
		return ANNEAL_ERR_INVALID;
	pthread_mutex_lock(&j->lock);
	Diag d = jit_diag(j);
	anneal_status st = ANNEAL_ERR_INVALID;
	JitEntry *e = desc ? find_desc(j, desc) : NULL;
	if (!desc)
		diag_plain(&d, "annealc_jit_release: the descriptor is NULL");
	else if (!e)
		diag_plain(&d, "annealc_jit_release: not a descriptor this JIT compiled, or one released already");
	else if (j->broken[0]) {
		diag_plain(&d, "%s", j->broken);
		st = ANNEAL_ERR_INTERNAL;
	} else {
		st = ANNEAL_OK;
		if (--e->refs == 0) {
			unlink_entry(j, e);
			if (free_entry(j, e, &d))
				st = ANNEAL_ERR_INTERNAL;
		}
		if (st == ANNEAL_OK)
			j->errmsg[0] = '\0';
	}
	pthread_mutex_unlock(&j->lock);
	return st;
}

void annealc_jit_free(annealc_jit *j)
{
	if (!j)
		return;
	int broken = j->broken[0] != '\0';
	for (size_t i = 0; i < j->nbucket; i++)
		for (JitEntry *e = j->by_key[i], *next; e; e = next) {
			next = e->next_key;
			/* The JIT's disposal below frees the tracker's code and data;
			   a released tracker hands them to the JITDylib. */
			if (e->rt && !broken)
				LLVMOrcReleaseResourceTracker(e->rt);
			e->rt = NULL;
			free_entry(j, e, NULL);
		}
	free(j->by_key);
	free(j->by_desc);
	for (int i = 3; i >= 0; i--)
		if (j->tm[i])
			LLVMDisposeTargetMachine(j->tm[i]);
	/* Every descriptor it returned goes with it. Nobody is left to tell of
	   a failure here. A broken JIT's LLVM half is left allocated: its
	   state is unknown, and disposing it could hang or crash. */
	if (!broken) {
		LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->lljit);
		if (err)
			LLVMConsumeError(err);
	}
	pthread_mutex_destroy(&j->lock);
	free(j);
}
