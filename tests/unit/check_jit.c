/* check_jit.c: the JIT's API -- bad arguments, the counted cache and its full keys, release, LLVM failures, bounded memory. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cg.h"
#include "lib_util.h"

/* AddressSanitizer: its quarantine holds freed memory back (so RSS is no
   measure of what is live), and LeakSanitizer reports what an LLVM fatal
   error abandons on purpose. */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif
#ifndef ASAN
#define ASAN 0
#endif

static const char text[] = "schedule s {\n"
                           "  param peak = 0.1;\n"
                           "  lr = linear(0, peak) for 100 then cosine(peak, 0) for 900;\n"
                           "  momentum = 0.9;\n"
                           "  on every 100 { snapshot; }\n"
                           "}\n"
                           "schedule t {\n"
                           "  param peak = 0.1;\n"
                           "  lr = peak;\n"
                           "}\n";

static annealc_jit *jit;
static annealc_program *prog;

static void setup(void)
{
	jit = test_jit_new();
	ck_assert_ptr_nonnull(jit);
	prog = test_load("jit.anneal", text, stderr, NULL);
	ck_assert_ptr_nonnull(prog);
}

static void teardown(void)
{
	cg_test_passes = NULL;
	cg_test_module = NULL;
	jit_test_hash = NULL;
	annealc_jit_free(jit);
	annealc_free(prog);
}

#define assert_msg(want) ck_assert_str_eq(annealc_jit_errmsg(jit), want)

/* The JIT's message starts with want. */
static void assert_msg_prefix(const char *want)
{
	const char *got = annealc_jit_errmsg(jit);
	ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "message '%s', expected it to start with '%s'", got, want);
}

static double lr_at(const anneal_desc *d, int64_t step)
{
	anneal_point pt;
	d->eval(step, NULL, &pt);
	return pt.value[ANNEAL_LR];
}

/* ---- bad arguments ---- */

typedef struct Captured {
	int n;
	char message[256];
} Captured;

static void capture(void *user, const annealc_diagnostic *d)
{
	Captured *c = user;
	if (c->n++ == 0)
		snprintf(c->message, sizeof c->message, "%s", d->message);
}

START_TEST(new_bad_args)
{
	Captured c = { 0 };
	annealc_sink sink = { NULL, capture, &c };
	ck_assert_int_eq(annealc_jit_new(&sink, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(c.message, "annealc_jit_new: out is NULL");
	ck_assert_int_eq(annealc_jit_new(NULL, NULL), ANNEAL_ERR_INVALID); /* quiet, no crash */
	annealc_jit *j = NULL;
	ck_assert_int_eq(annealc_jit_new(NULL, &j), ANNEAL_OK); /* a NULL sink is fine */
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(annealc_jit_errmsg(j), "");
	annealc_jit_free(j);
	annealc_jit_free(NULL);
	ck_assert_str_eq(annealc_jit_errmsg(NULL), "");
}
END_TEST

START_TEST(compile_bad_args)
{
	const anneal_desc *d = (const anneal_desc *)&d;
	ck_assert_int_eq(annealc_jit_compile(NULL, prog, 0, NULL, &d), ANNEAL_ERR_INVALID);
	ck_assert_ptr_null(d);
	d = (const anneal_desc *)&d;
	ck_assert_int_eq(annealc_jit_compile(jit, NULL, 0, NULL, &d), ANNEAL_ERR_INVALID);
	ck_assert_ptr_null(d);
	assert_msg("annealc_jit_compile: the program is NULL");
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 2, NULL, &d), ANNEAL_ERR_INVALID);
	assert_msg("annealc_jit_compile: no schedule 2 (the program has 2)");
	ck_assert_int_eq(annealc_jit_compile(jit, prog, -1, NULL, &d), ANNEAL_ERR_INVALID);
	assert_msg("annealc_jit_compile: no schedule -1 (the program has 2)");
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, NULL), ANNEAL_ERR_INVALID);
	assert_msg("annealc_jit_compile: out is NULL");

	annealc_options o = ANNEALC_OPTIONS_INIT;
	o.opt_level = 7;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_ERR_INVALID);
	assert_msg("annealc_options.opt_level = 7: expected 0 to 3");
	o.opt_level = -1;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_ERR_INVALID);
	assert_msg("annealc_options.opt_level = -1: expected 0 to 3");
	o.opt_level = 2;
	o.bind_params = 2;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_ERR_INVALID);
	assert_msg("annealc_options.bind_params = 2: expected 0 or 1");
	o.bind_params = 0;
	o.target = "x86_64-pc-linux-gnu";
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_ERR_UNSUPPORTED);
	ck_assert_ptr_null(d);
	assert_msg("annealc_options.target = 'x86_64-pc-linux-gnu': the JIT compiles for the machine it runs on");

	/* A success clears the message. */
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &d), ANNEAL_OK);
	ck_assert_ptr_nonnull(d);
	assert_msg("");
	ck_assert_double_eq(lr_at(d, 50), 0.05);
}
END_TEST

START_TEST(release_bad_args)
{
	const anneal_desc *d;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &d), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_release(NULL, d), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_jit_release(jit, NULL), ANNEAL_ERR_INVALID);
	assert_msg("annealc_jit_release: the descriptor is NULL");
	/* The interpreter's descriptor, and another JIT's, are foreign. */
	ck_assert_int_eq(annealc_jit_release(jit, annealc_describe(prog, 0)), ANNEAL_ERR_INVALID);
	assert_msg("annealc_jit_release: not a descriptor this JIT compiled, or one released already");
	annealc_jit *other = test_jit_new();
	const anneal_desc *od;
	ck_assert_int_eq(annealc_jit_compile(other, prog, 0, NULL, &od), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_release(jit, od), ANNEAL_ERR_INVALID);
	assert_msg("annealc_jit_release: not a descriptor this JIT compiled, or one released already");
	ck_assert_double_eq(lr_at(d, 50), 0.05); /* both untouched */
	ck_assert_double_eq(lr_at(od, 50), 0.05);
	annealc_jit_free(other);

	ck_assert_int_eq(annealc_jit_release(jit, d), ANNEAL_OK);
	assert_msg("");
	ck_assert_int_eq(annealc_jit_release(jit, d), ANNEAL_ERR_INVALID);
	assert_msg("annealc_jit_release: not a descriptor this JIT compiled, or one released already");
}
END_TEST

/* ---- the counted cache ---- */

START_TEST(cache_counts)
{
	annealc_options o0 = ANNEALC_OPTIONS_INIT, o2 = ANNEALC_OPTIONS_INIT;
	o0.opt_level = 0;
	const anneal_desc *a, *b, *c, *t;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o2, &a), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o2, &b), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o0, &c), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 1, &o2, &t), ANNEAL_OK);
	ck_assert_ptr_eq(a, b); /* the same key: the same descriptor, counted twice */
	ck_assert_ptr_ne(a, c); /* another opt level */
	ck_assert_ptr_ne(a, t); /* another schedule */
	ck_assert_int_eq(annealc_jit_release(jit, a), ANNEAL_OK);
	ck_assert_double_eq(lr_at(b, 50), 0.05); /* one count left: still there */
	double buf[4];
	b->fill(48, 4, NULL, ANNEAL_LR, buf);
	ck_assert_double_eq(buf[2], 0.05);
	ck_assert_int_eq(annealc_jit_release(jit, b), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_release(jit, b), ANNEAL_ERR_INVALID);
	ck_assert_double_eq(lr_at(c, 50), 0.05);
	ck_assert_double_eq(lr_at(t, 50), 0.1);
	/* Compiled again after its last release: a working descriptor. */
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o2, &a), ANNEAL_OK);
	ck_assert_double_eq(lr_at(a, 50), 0.05);
	ck_assert_int_eq(annealc_jit_release(jit, a), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_release(jit, c), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_release(jit, t), ANNEAL_OK);
}
END_TEST

/* A param's value is part of the key; bind_params too. */
START_TEST(cache_param_values)
{
	const anneal_desc *a, *b, *c;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &a), ANNEAL_OK);
	ck_assert_int_eq(annealc_set_param(prog, 0, "peak", 0.2, NULL), ANNEAL_OK);
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &b), ANNEAL_OK);
	annealc_options bound = ANNEALC_OPTIONS_INIT;
	bound.bind_params = 1;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &bound, &c), ANNEAL_OK);
	ck_assert_ptr_ne(a, b);
	ck_assert_ptr_ne(b, c);
	ck_assert_double_eq(lr_at(a, 50), 0.05);
	ck_assert_double_eq(lr_at(b, 50), 0.1);
	ck_assert_double_eq(b->param[0].value, 0.2);
	anneal_point pt;
	double other[1] = { 7 };
	c->eval(50, other, &pt); /* bound: the argument is ignored */
	ck_assert_double_eq(pt.value[ANNEAL_LR], 0.1);
}
END_TEST

static uint64_t same_hash(const char *key, size_t len)
{
	return 42;
}

/* Every key in one bucket with one hash: only the full key tells them
   apart. Distinct schedules never share a descriptor, the same one does,
   and releasing one from the middle of the chain leaves the others found. */
START_TEST(cache_full_key)
{
	jit_test_hash = same_hash;
	enum { N = 6 };
	const anneal_desc *d[N], *again;
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(annealc_set_param(prog, 0, "peak", 0.1 * (i + 1), NULL), ANNEAL_OK);
		ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &d[i]), ANNEAL_OK);
		for (int k = 0; k < i; k++)
			ck_assert_ptr_ne(d[i], d[k]);
	}
	for (int i = 0; i < N; i++)
		ck_assert_double_eq_tol(lr_at(d[i], 50), 0.05 * (i + 1), 1e-15);
	ck_assert_int_eq(annealc_jit_release(jit, d[2]), ANNEAL_OK);
	for (int i = 0; i < N; i++) {
		ck_assert_int_eq(annealc_set_param(prog, 0, "peak", 0.1 * (i + 1), NULL), ANNEAL_OK);
		ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &again), ANNEAL_OK);
		if (i != 2)
			ck_assert_ptr_eq(again, d[i]);
		ck_assert_double_eq_tol(lr_at(again, 50), 0.05 * (i + 1), 1e-15);
	}
	/* Same text but another schedule name: another key. */
	const anneal_desc *t;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 1, NULL, &t), ANNEAL_OK);
	ck_assert_str_eq(t->name, "t");
}
END_TEST

/* ---- LLVM failures: a schedule never ends the host process ---- */

START_TEST(pipeline_failure)
{
	cg_test_passes = "function(no-such-pass)";
	const anneal_desc *d = (const anneal_desc *)&d;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &d), ANNEAL_ERR_INTERNAL);
	ck_assert_ptr_null(d);
	assert_msg_prefix("internal error (a bug in annealc): the pass pipeline: ");
	ck_assert_ptr_nonnull(strstr(annealc_jit_errmsg(jit), "no-such-pass"));
	/* Nothing was cached: the same compile succeeds once the pipeline is good. */
	cg_test_passes = NULL;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, NULL, &d), ANNEAL_OK);
	assert_msg("");
	ck_assert_double_eq(lr_at(d, 50), 0.05);
	/* The lazy fill meets the same failure on its first call: NaN, and the reason in the message. */
	cg_test_passes = "function(no-such-pass)";
	double buf[3];
	d->fill(0, 3, NULL, ANNEAL_LR, buf);
	ck_assert(isnan(buf[0]) && isnan(buf[2]));
	assert_msg_prefix("internal error (a bug in annealc): the pass pipeline: ");
	cg_test_passes = NULL;
	ck_assert_int_eq(annealc_jit_release(jit, d), ANNEAL_OK);
}
END_TEST

/* A function the back end cannot select (an AArch64 intrinsic in an x86-64
   object): report_fatal_error, which would abort the process. */
static void add_unselectable(LLVMModuleRef mod)
{
	LLVMContextRef ctx = LLVMGetModuleContext(mod);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx), args[2] = { i32, i32 };
	LLVMTypeRef fty = LLVMFunctionType(i32, args, 2, 0);
	LLVMValueRef crc = LLVMAddFunction(mod, "llvm.aarch64.crc32b", fty);
	LLVMValueRef fn = LLVMAddFunction(mod, "unselectable", fty);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
	LLVMValueRef call_args[2] = { LLVMGetParam(fn, 0), LLVMGetParam(fn, 1) };
	LLVMBuildRet(b, LLVMBuildCall2(b, fty, crc, call_args, 2, ""));
	LLVMDisposeBuilder(b);
}

/* Inline assembly that does not assemble: an error diagnostic, which
   would be printed before LLVM exits the process. */
static void add_bad_asm(LLVMModuleRef mod)
{
	LLVMContextRef ctx = LLVMGetModuleContext(mod);
	LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), NULL, 0, 0);
	char code[] = "no_such_mnemonic", constraints[] = "";
	LLVMValueRef asm_ = LLVMGetInlineAsm(fty, code, strlen(code), constraints, 0, 1, 0, LLVMInlineAsmDialectATT, 0);
	LLVMValueRef fn = LLVMAddFunction(mod, "bad_asm", fty);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
	LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ctx, fn, "entry"));
	LLVMBuildCall2(b, fty, asm_, NULL, 0, "");
	LLVMBuildRetVoid(b);
	LLVMDisposeBuilder(b);
}

START_TEST(fatal_error)
{
#if defined(__x86_64__)
	if (ASAN)
		return;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	for (int level = 0; level <= 2; level += 2) {
		o.opt_level = level;
		cg_test_module = add_unselectable;
		const anneal_desc *d = (const anneal_desc *)&d;
		ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_ERR_INTERNAL);
		ck_assert_ptr_null(d);
		assert_msg_prefix("internal error (a bug in annealc or LLVM): LLVM fatal error: Cannot select: ");
		ck_assert_ptr_nonnull(strstr(annealc_jit_errmsg(jit), "llvm.aarch64.crc32b"));
		/* The host lives on, and so does the JIT. */
		cg_test_module = NULL;
		ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_OK);
		ck_assert_double_eq(lr_at(d, 50), 0.05);
	}
#endif
}
END_TEST

START_TEST(error_diagnostic)
{
	cg_test_module = add_bad_asm;
	const anneal_desc *d;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	o.opt_level = 0;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_ERR_INTERNAL);
	assert_msg_prefix("internal error (a bug in annealc or LLVM): LLVM error: ");
	ck_assert_ptr_nonnull(strstr(annealc_jit_errmsg(jit), "no_such_mnemonic"));
	cg_test_module = NULL;
	ck_assert_int_eq(annealc_jit_compile(jit, prog, 0, &o, &d), ANNEAL_OK);
	ck_assert_double_eq(lr_at(d, 50), 0.05);
}
END_TEST

/* ---- threads ---- */

typedef struct Worker {
	annealc_program *p;
	int failures;
} Worker;

static void *compile_release(void *arg)
{
	Worker *w = arg;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	o.opt_level = 1;
	for (int i = 0; i < 20; i++) {
		const anneal_desc *d;
		double buf[2];
		if (annealc_jit_compile(jit, w->p, i % 2, &o, &d) != ANNEAL_OK) {
			w->failures++;
			continue;
		}
		d->fill(50, 2, NULL, ANNEAL_LR, buf);
		if (fabs(buf[0] - (i % 2 ? 0.1 : 0.05)) > 1e-15 || annealc_jit_release(jit, d) != ANNEAL_OK)
			w->failures++;
	}
	return NULL;
}

/* Compiles and releases of shared keys from two threads on one JIT. */
START_TEST(threads)
{
	Worker w[2] = { { prog, 0 }, { test_load("jit.anneal", text, stderr, NULL), 0 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, compile_release, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
	ck_assert_int_eq(w[0].failures + w[1].failures, 0);
	annealc_free(w[1].p);
}
END_TEST

/* ---- memory: a sweep over a param's values in one process ---- */

static double rss_mb(void)
{
	return (double)test_rss_kib() / 1024.0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ANNEAL_JIT_COMPILES overrides the count (at least 2,000); under ASan
   the default is 2,000 and the bound is not checked. */
enum { COMPILES = 10000, ASAN_COMPILES = 2000, WARM = 1000, RELOAD = 100 };
static const double BOUND_MB = 16;

/* Every compile a new param value, so a new key: compiled, called, and
   released. The RSS after the first WARM compiles (the allocators warm, the
   cache and string pool at their working size) and after the last may
   differ by less than BOUND_MB. The program is loaded again every RELOAD
   compiles, since annealc_set_param keeps every earlier lowered form
   (program.c): that growth is the program's, not the JIT's. */
START_TEST(memory_bound)
{
	const char *env = getenv("ANNEAL_JIT_COMPILES");
	int n = env && atoi(env) >= 2 * WARM ? atoi(env) : ASAN ? ASAN_COMPILES : COMPILES;
	annealc_program *p = NULL;
	double rss_warm = 0, t0 = now(), t_warm = 0;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	for (int i = 0; i < n; i++) {
		if (i % RELOAD == 0) {
			annealc_free(p);
			p = test_load("sweep.anneal", text, stderr, NULL);
			ck_assert_ptr_nonnull(p);
		}
		double peak = 0.1 + 1e-6 * i;
		ck_assert_int_eq(annealc_set_param(p, 0, "peak", peak, NULL), ANNEAL_OK);
		/* -O0 (2-3 ms of CPU each), and every 50th at -O1 (8 ms): every
		   100th with its lazy fill called, every 100th + 50 with the fill
		   never compiled, so both of a fill's ends are released. */
		o.opt_level = i % 50 == 0 ? 1 : 0;
		const anneal_desc *d;
		ck_assert_msg(annealc_jit_compile(jit, p, 0, &o, &d) == ANNEAL_OK, "compile %d: %s", i,
		              annealc_jit_errmsg(jit));
		ck_assert_double_eq_tol(lr_at(d, 50), peak / 2, 1e-15);
		if (i % 100 == 0) {
			double buf[2];
			d->fill(50, 2, NULL, ANNEAL_LR, buf);
			ck_assert_double_eq_tol(buf[0], peak / 2, 1e-15);
		}
		ck_assert_int_eq(annealc_jit_release(jit, d), ANNEAL_OK);
		if (i + 1 == WARM) {
			rss_warm = rss_mb();
			t_warm = now() - t0;
		}
	}
	annealc_free(p);
	double rss_end = rss_mb(), t = now() - t0;
	fprintf(stderr, "check_jit memory_bound: %d compiles in %.1f s (first %d: %.1f s); RSS %.1f MB after %d, %.1f MB after %d\n",
	        n, t, WARM, t_warm, rss_warm, WARM, rss_end, n);
	ck_assert_msg(ASAN || rss_end - rss_warm < BOUND_MB, "RSS grew by %.1f MB from compile %d to %d (bound %.0f MB)",
	              rss_end - rss_warm, WARM, n, BOUND_MB);
}
END_TEST

Suite *suite_jit(void)
{
	Suite *s = suite_create("jit");
	TCase *tc = tcase_create("api");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, new_bad_args);
	tcase_add_test(tc, compile_bad_args);
	tcase_add_test(tc, release_bad_args);
	tcase_add_test(tc, cache_counts);
	tcase_add_test(tc, cache_param_values);
	tcase_add_test(tc, cache_full_key);
	tcase_add_test(tc, pipeline_failure);
	tcase_add_test(tc, fatal_error);
	tcase_add_test(tc, error_diagnostic);
	tcase_add_test(tc, threads);
	suite_add_tcase(s, tc);
	TCase *mem = tcase_create("memory");
	tcase_add_checked_fixture(mem, setup, teardown);
	tcase_set_timeout(mem, 600);
	tcase_add_test(mem, memory_bound);
	suite_add_tcase(s, mem);
	return s;
}
