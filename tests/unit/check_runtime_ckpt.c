/* check_runtime_ckpt.c: checkpoints: bit-identical resume, and damaged or foreign files rejected with nothing changed. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_runtime.h"

enum { NA = 300, NB = 45, STEPS = 27 };

typedef struct Run {
	float p[NA + NB], g[NA + NB];
	anneal_opt *o;
	int nsnap, ncall;
} Run;

static void on_snap(void *user, int64_t step, int64_t cycle, const anneal_group *g, int32_t ng)
{
	((Run *)user)->nsnap++;
}

static void on_call(void *user, int64_t step, const anneal_point *pt)
{
	((Run *)user)->ncall++;
}

static const int kinds[][2] = {
	{ANNEAL_SGD, 0}, {ANNEAL_SGD, 1}, {ANNEAL_ADAM, 0}, {ANNEAL_ADAMW, 1}, {ANNEAL_RMSPROP, 1},
};

/* A fresh run of kind row k: the sgdr10 schedule, SWA, callbacks, the
   plateau controller and the noise thermostat on, so every piece of state
   matters. */
static void start(Run *r, int k, const anneal_desc *d)
{
	for (int i = 0; i < NA + NB; i++)
		r->p[i] = (float)((i * 53) % 97 - 48) / 32.0f;
	anneal_group gr[2] = {{r->p, r->g, NA, 1, 1}, {r->p + NA, r->g + NA, NB, 0.5, 0}};
	anneal_config c;
	anneal_config_init(&c, kinds[k][0]);
	c.centered = kinds[k][0] == ANNEAL_RMSPROP;
	c.amsgrad = kinds[k][0] == ANNEAL_ADAMW;
	c.weight_decay = 1e-3;
	c.temperature = kinds[k][1] ? 1e-6 : 0;
	c.parallel_min = 128;
	c.snapshot_keep = 2; /* the copy taken at 10 must survive a stop at 11 or 17 */
	char err[ANNEAL_ERRLEN];
	anneal_create(&c, gr, 2, d, NULL, &r->o, err, sizeof err);
	ck_assert_msg(r->o != NULL, "%s", err);
	r->nsnap = r->ncall = 0;
	anneal_plateau_config pc;
	anneal_plateau_config_init(&pc);
	pc.patience = 1;
	pc.factor = 0.5;
	ck_assert_int_eq(anneal_plateau_enable(r->o, &pc), 0);
	anneal_set_snapshot(r->o, on_snap, r);
	ck_assert_int_eq(anneal_set_callback(r->o, "save_best", on_call, r), 0);
	ck_assert_int_eq(anneal_set_callback(r->o, "restarted", on_call, r), 0);
}

static void advance(Run *r, int64_t until)
{
	while (anneal_get_step(r->o) < until) {
		int64_t s = anneal_get_step(r->o);
		double loss = 0;
		for (int i = 0; i < NA + NB; i++) {
			r->g[i] = rt_grad(s, i, r->p[i]);
			loss += (double)r->p[i] * r->p[i];
		}
		if (s % 3 == 2)
			ck_assert_int_eq(anneal_plateau_report(r->o, loss, NULL), ANNEAL_OK);
		ck_assert_msg(anneal_step(r->o) == 0, "step %lld: %s", (long long)s, anneal_errmsg(r->o));
	}
}

static void tmp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/anneal-ckpt-%ld-%s.bin", (long)getpid(), tag);
}

static int same_state(anneal_opt *a, anneal_opt *b, const float *pa, const float *pb)
{
	if (memcmp(pa, pb, (NA + NB) * sizeof(float)) != 0 || anneal_get_step(a) != anneal_get_step(b) ||
	    anneal_swa_count(a) != anneal_swa_count(b))
		return 0;
	if (anneal_snapshot_count(a) != anneal_snapshot_count(b))
		return 0;
	for (int grp = 0; grp < 2; grp++) {
		for (int k = 0; k < 2; k++) {
			int64_t sa = -1, sb = -1;
			const float *ka = anneal_snapshot_get(a, k, grp, &sa, NULL), *kb = anneal_snapshot_get(b, k, grp, &sb, NULL);
			if ((ka == NULL) != (kb == NULL) || sa != sb ||
			    (ka != NULL && memcmp(ka, kb, (grp ? NB : NA) * sizeof(float)) != 0))
				return 0;
		}
		for (int w = ANNEAL_STATE_MOMENTUM; w <= ANNEAL_STATE_SWA; w++) {
			float *x = anneal_state_array(a, grp, w), *y = anneal_state_array(b, grp, w);
			if ((x == NULL) != (y == NULL))
				return 0;
			if (x != NULL && memcmp(x, y, (grp ? NB : NA) * sizeof(float)) != 0)
				return 0;
		}
	}
	return 1;
}

/* Stop at step k (10 and 11 straddle the restart at 10), save, resume in a
   new optimizer over new arrays: the rest of the run is bit-identical. */
START_TEST(test_resume_identical)
{
	static const int stops[] = {10, 11, 17};
	int k = _i / 3;
	int64_t stop = stops[_i % 3];
	static Run full, first, second;
	char path[256], tmp[300];
	tmp_path(path, sizeof path, "resume");
	start(&full, k, &rt_sgdr10);
	advance(&full, STEPS);

	start(&first, k, &rt_sgdr10);
	advance(&first, stop);
	ck_assert_msg(anneal_save(first.o, path) == 0, "%s", anneal_errmsg(first.o));
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	ck_assert_msg(access(tmp, F_OK) != 0, "%s left behind", tmp);
	anneal_destroy(first.o);

	start(&second, k, &rt_sgdr10);
	for (int i = 0; i < NA + NB; i++)
		second.p[i] = -1;
	ck_assert_msg(anneal_load(second.o, path) == 0, "%s", anneal_errmsg(second.o));
	ck_assert_int_eq(anneal_get_step(second.o), stop);
	advance(&second, STEPS);
	ck_assert_msg(same_state(full.o, second.o, full.p, second.p), "kind row %d stopped at %lld: resumed run differs",
	              k, (long long)stop);
	ck_assert_int_eq(first.nsnap + second.nsnap, full.nsnap);
	ck_assert_int_eq(first.ncall + second.ncall, full.ncall);
	anneal_destroy(full.o);
	anneal_destroy(second.o);
	unlink(path);
}
END_TEST

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* Each damaged or foreign file fails with its own message and the optimizer
   it was loaded into keeps its state, bit for bit. */
START_TEST(test_bad_files)
{
	static Run a, b, ref;
	char good[256], bad[256];
	tmp_path(good, sizeof good, "good");
	tmp_path(bad, sizeof bad, "bad");
	start(&a, 2, &rt_sgdr10);
	advance(&a, 12);
	ck_assert_int_eq(anneal_save(a.o, good), 0);
	FILE *f = fopen(good, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	size_t n = (size_t)ftell(f);
	rewind(f);
	unsigned char *bytes = malloc(n), *mod = malloc(n);
	ck_assert_int_eq(fread(bytes, 1, n, f), n);
	fclose(f);

	/* b: a different run the bad files are loaded into; ref: its twin */
	start(&b, 2, &rt_sgdr10);
	advance(&b, 5);
	start(&ref, 2, &rt_sgdr10);
	advance(&ref, 5);

	struct {
		const char *what, *expect;
		size_t len;
		long flip; /* byte to flip, -1 none */
		int version;
	} cases[] = {
		{"truncated", "truncated: ", n - 100, -1, 0},
		{"truncated header", "truncated: 20 bytes", 20, -1, 0},
		{"array bit flip", "checksum mismatch", n, (long)n - 500, 0},
		{"header bit flip", "checksum mismatch", n, 40, 0},
		{"checksum bit flip", "checksum mismatch", n, (long)n - 3, 0},
		{"wrong version", "format version 3, this libanneal reads version 2", n, -1, 3},
		{"not a checkpoint", "not an anneal checkpoint", n, 0, 0},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		memcpy(mod, bytes, n);
		if (cases[c].flip >= 0)
			mod[cases[c].flip] ^= 0x10;
		if (cases[c].version) {
			uint32_t v = (uint32_t)cases[c].version;
			memcpy(mod + 8, &v, 4);
		}
		write_bytes(bad, mod, cases[c].len);
		ck_assert_msg(anneal_load(b.o, bad) != ANNEAL_OK, "%s: loaded", cases[c].what);
		ck_assert_msg(strstr(anneal_errmsg(b.o), cases[c].expect) != NULL, "%s: message '%s', expected '%s'",
		              cases[c].what, anneal_errmsg(b.o), cases[c].expect);
		ck_assert_msg(same_state(b.o, ref.o, b.p, ref.p), "%s: the failed load changed the state", cases[c].what);
	}

	/* the right file for another schedule */
	anneal_desc other = rt_sgdr10;
	other.digest ^= 1;
	static Run c;
	start(&c, 2, &other);
	ck_assert_int_eq(anneal_load(c.o, good), ANNEAL_ERR_INPUT);
	ck_assert_msg(strstr(anneal_errmsg(c.o), "same names, params, channels and hooks, but another structure") != NULL, "got: %s",
	              anneal_errmsg(c.o));
	ck_assert_int_eq(anneal_get_step(c.o), 0);
	anneal_destroy(c.o);

	/* the right schedule for another optimizer kind */
	start(&c, 4, &rt_sgdr10);
	ck_assert_int_eq(anneal_load(c.o, good), ANNEAL_ERR_INPUT);
	ck_assert_msg(strstr(anneal_errmsg(c.o), "holds Adam state, this optimizer is RMSProp") != NULL, "got: %s",
	              anneal_errmsg(c.o));
	anneal_destroy(c.o);

	/* and the good file still loads */
	ck_assert_msg(anneal_load(b.o, good) == 0, "%s", anneal_errmsg(b.o));
	ck_assert(same_state(a.o, b.o, a.p, b.p));

	ck_assert_int_eq(anneal_save(a.o, "/nonexistent-dir/x.ckpt"), ANNEAL_ERR_IO);
	ck_assert_msg(strstr(anneal_errmsg(a.o), "cannot create /nonexistent-dir/x.ckpt.tmp") != NULL, "got: %s",
	              anneal_errmsg(a.o));
	anneal_destroy(a.o);
	anneal_destroy(b.o);
	anneal_destroy(ref.o);
	free(bytes);
	free(mod);
	unlink(good);
	unlink(bad);
}
END_TEST

Suite *suite_runtime_ckpt(void)
{
	Suite *s = suite_create("runtime_ckpt");
	TCase *tc = tcase_create("checkpoint");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_resume_identical, 0, 3 * (int)(sizeof kinds / sizeof kinds[0]));
	tcase_add_test(tc, test_bad_files);
	suite_add_tcase(s, tc);
	return s;
}
