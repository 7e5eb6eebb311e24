/* check_runtime_crafted.c: checkpoints crafted with a valid checksum, read errors mid-load, params and schedule summaries on resume. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check_runtime.h"

/*
 * read() of this process, so a test can make the n-th call fail: libanneal's
 * calls resolve to it too.  Pass-through unless armed.
 */
static int fail_read_in = -1;

ssize_t read(int fd, void *buf, size_t n)
{
	if (fail_read_in >= 0 && fail_read_in-- == 0) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_read, fd, buf, n);
}

/* The scalar fields as the library writes them: the same list it uses. */
static const struct {
	const char *name;
	size_t size;
} ck_fields[] = {
#define CK_SAME(T, name, member) {#name, sizeof(T)},
#define CK_STATE(T, name, member) {#name, sizeof(T)},
#include "../../runtime/ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
};
enum { HEADER = 32, NFIELDS = sizeof ck_fields / sizeof ck_fields[0] };

static size_t field_at(const char *name, size_t *size)
{
	size_t off = HEADER;
	for (size_t i = 0; i < NFIELDS; i++) {
		if (strcmp(ck_fields[i].name, name) == 0) {
			*size = ck_fields[i].size;
			return off;
		}
		off += ck_fields[i].size;
	}
	ck_abort_msg("no checkpoint field %s", name);
	return 0;
}

static size_t fields_end(void)
{
	size_t off = HEADER;
	for (size_t i = 0; i < NFIELDS; i++)
		off += ck_fields[i].size;
	return off;
}

/* The file's checksum, recomputed after a change: FNV-1a over 64-bit words, the tail zero-padded. */
static void fix_checksum(unsigned char *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t body = n - 8;
	for (size_t i = 0; i < body; i += 8) {
		unsigned char w8[8] = {0};
		memcpy(w8, b + i, body - i < 8 ? body - i : 8);
		uint64_t w;
		memcpy(&w, w8, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	memcpy(b + body, &h, 8);
}

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	rewind(f);
	unsigned char *b = malloc(*n + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(fread(b, 1, *n, f), *n);
	fclose(f);
	return b;
}

static void spill(const char *path, const unsigned char *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void tmp_path(char *buf, size_t n, const char *what)
{
	snprintf(buf, n, "/tmp/anneal-crafted-%d-%s.ckpt", (int)getpid(), what);
}

enum { N = 9 };
typedef struct Run {
	anneal_opt *o;
	float p[N], g[N];
} Run;

/* Base optimizers the cases start from: Adam with a plateau, SGD without
   momentum, SGD with Nesterov momentum. */
static void start(Run *r, int base, int steps)
{
	anneal_config c;
	anneal_config_init(&c, base == 0 ? ANNEAL_ADAM : ANNEAL_SGD);
	if (base > 0)
		c.lr = 0.1;
	if (base == 2) {
		c.momentum = 0.9;
		c.nesterov = 1;
	}
	for (int i = 0; i < N; i++)
		r->p[i] = (float)i / N;
	anneal_group gr = {r->p, r->g, N, 1, 1};
	char err[ANNEAL_ERRLEN];
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &r->o, err, sizeof err), ANNEAL_OK);
	if (base == 0) {
		anneal_plateau_config pc;
		anneal_plateau_config_init(&pc);
		ck_assert_int_eq(anneal_plateau_enable(r->o, &pc), ANNEAL_OK);
	}
	for (int s = 0; s < steps; s++) {
		for (int i = 0; i < N; i++)
			r->g[i] = rt_grad(s, i, r->p[i]);
		ck_assert_int_eq(anneal_step(r->o), ANNEAL_OK);
		if (base == 0)
			ck_assert_int_eq(anneal_plateau_report(r->o, 1.0 / (s + 1), NULL), ANNEAL_OK);
	}
}

/* The optimizer's whole state as bytes: what it would save. */
static unsigned char *state_of(anneal_opt *o, const char *what, size_t *n)
{
	char path[256];
	tmp_path(path, sizeof path, what);
	ck_assert_msg(anneal_save(o, path) == ANNEAL_OK, "%s", anneal_errmsg(o));
	unsigned char *b = slurp(path, n);
	unlink(path);
	return b;
}

/* A load of `path` into r fails with st and a message holding `expect`, and
   r's state stays bit-identical. */
static void refused(Run *r, const char *path, anneal_status st, const char *expect, const char *what)
{
	size_t n0, n1;
	unsigned char *before = state_of(r->o, "before", &n0);
	anneal_status got = anneal_load(r->o, path);
	ck_assert_msg(got == st, "%s: status %d (%s), expected %d", what, got, anneal_errmsg(r->o), st);
	ck_assert_msg(strstr(anneal_errmsg(r->o), expect) != NULL, "%s: message '%s', expected '%s'", what,
	              anneal_errmsg(r->o), expect);
	unsigned char *after = state_of(r->o, "after", &n1);
	ck_assert_msg(n0 == n1 && memcmp(before, after, n0) == 0, "%s: the failed load changed the state", what);
	free(before);
	free(after);
}

static const struct {
	int base;
	const char *field; /* a scalar field, or "@OFFSET-NAME" for the special places below */
	double value;
	const char *expect;
} crafted[] = {
	{0, "amsgrad", 1, "holds amsgrad = 1, this optimizer has 0"},
	{0, "centered", 1, "holds centered = 1, this optimizer has 0"},
	{0, "kind", 0, "holds SGD state, this optimizer is Adam"},
	{0, "kind", 17, "holds an unknown optimizer's state, this optimizer is Adam"},
	{0, "snapshot_keep", 3, "holds snapshot_keep = 3, this optimizer has 0"},
	{0, "has_swa", 1, "holds has_swa = 1, this optimizer has 0"},
	{0, "ngroup", 2, "holds ngroup = 2, this optimizer has 1"},
	{0, "snap_n", -3, "refused restored field: snap_n = -3: must be >= 0"},
	{0, "step", -1, "refused restored field: step = -1: must be in [0, INT64_MAX)"},
	{0, "step", 9223372036854775807.0, "refused restored field: step = 9223372036854775807: must be in [0, INT64_MAX)"},
	{0, "eps", -1, "refused restored field: anneal_config.eps = -1: must be finite and > 0"},
	{0, "lr", -1, "refused restored field: anneal_config.lr = -1: must be finite and >= 0"},
	{0, "lr", NAN, "refused restored field: anneal_config.lr = nan: unset, and the schedule defines no lr channel"},
	{0, "beta2", 1, "refused restored field: anneal_config.beta2 = 1: must be in [0, 1)"},
	{0, "weight_decay", INFINITY, "refused restored field: anneal_config.weight_decay = inf: must be finite and >= 0"},
	{0, "dampening", 0.5, "anneal_config.dampening = 0.5: only SGD has dampening, Adam must have 0"},
	{0, "bias", 7, "refused restored field: anneal_config.bias = 7: not a bias mode"},
	{0, "t_adam", 100, "refused restored field: t_adam = 100: must be in [0, step]"},
	{0, "prod1", 2, "products of betas must be in [0, 1]"},
	{0, "prod2", NAN, "products of betas must be in [0, 1]"},
	{0, "swa_n", -1, "refused restored field: swa_n = -1: must be >= 0, and 0 without swa"},
	{0, "swa_n", 5, "refused restored field: swa_n = 5: must be >= 0, and 0 without swa"},
	{0, "plateau_on", 3, "refused restored field: plateau on = 3: must be 0 or 1"},
	{0, "plateau_factor", 7, "refused restored field: anneal_plateau_config.factor = 7: must be in (0, 1)"},
	{0, "plateau_scale", NAN, "refused restored field: plateau scale = nan: must be in (0, 1]"},
	{0, "plateau_scale", 4, "refused restored field: plateau scale = 4: must be in (0, 1]"},
	{0, "plateau_best", NAN, "refused restored field: plateau best = nan: must be a number"},
	{0, "plateau_bad", -1, "refused restored field: plateau bad = -1: must be in [0, patience = 10]"},
	{0, "plateau_cooldown_left", 5, "refused restored field: plateau cooldown_left = 5: must be in [0, cooldown = 0]"},
	{0, "plateau_patience", -4, "refused restored field: anneal_plateau_config.patience = -4: must be >= 0"},
	{0, "plateau_mode_max", 2, "refused restored field: anneal_plateau_config.mode_max = 2: must be 0 or 1"},
	{0, "plateau_last_lr", -1, "refused restored field: plateau last_lr = -1: must be NaN or finite and >= 0"},
	{1, "momentum", 0.9, "refused restored field: momentum = 0.9: needs a velocity array, and this optimizer keeps none"},
	{1, "sgd_fresh", 5, "refused restored field: sgd_fresh = 5: must be 0 or 1"},
	{1, "t_adam", 1, "refused restored field: t_adam = 1: must be in [0, step], 0 outside Adam"},
	{2, "dampening", 0.5, "anneal_config.nesterov = 1: Nesterov momentum needs dampening 0, it is 0.5"},
	{2, "nesterov", 0, "holds nesterov = 0, this optimizer has 1"},
	{2, "momentum", 0, "anneal_config.nesterov = 1: Nesterov momentum needs momentum > 0 or a momentum channel"},
	{0, "@lr_scale", NAN, "refused restored field: group[0].lr_scale = nan: must be finite and >= 0"},
	{0, "@wd_scale", -1, "refused restored field: group[0].wd_scale = -1: must be finite and >= 0"},
	{0, "@mask", 1, "group 0 keeps other state arrays (mask 0x1, this optimizer 0x7"},
	{0, "@n", 10, "group 0 has 10 elements, this optimizer's has 9"},
	{0, "@nparam", 1000000, "damaged: a field runs past the end of the file"},
	{0, "@namelen", 4000000000.0, "damaged: a field runs past the end of the file"},
	{0, "@channels", 3, "schedule '(no schedule)': channel mask 0x3 in the file, 0x0 here"},
};

/* The special places: the schedule summary (no schedule: four words) and group 0's head after it. */
static size_t special_at(const char *name, size_t *size, int *is_double)
{
	size_t s = fields_end();
	static const struct {
		const char *name;
		size_t off, size;
		int dbl;
	} where[] = {{"@namelen", 0, 4, 0}, {"@nparam", 4, 4, 0}, {"@channels", 8, 4, 0},
	             {"@n", 16, 8, 0},      {"@lr_scale", 24, 8, 1}, {"@wd_scale", 32, 8, 1}, {"@mask", 40, 4, 0}};
	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++)
		if (strcmp(where[i].name, name) == 0) {
			*size = where[i].size;
			*is_double = where[i].dbl;
			return s + where[i].off;
		}
	ck_abort_msg("no place %s", name);
	return 0;
}

static int field_is_double(const char *name)
{
	static const char *const dbl[] = {"lr", "momentum", "beta2", "weight_decay", "temperature", "dampening", "eps",
	                                  "prod1", "prod2", "plateau_factor", "plateau_threshold", "plateau_min_lr",
	                                  "plateau_eps", "plateau_best", "plateau_scale", "plateau_last_lr"};
	for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++)
		if (strcmp(dbl[i], name) == 0)
			return 1;
	return 0;
}

static void poke(unsigned char *b, size_t off, size_t size, int dbl, double v)
{
	if (dbl) {
		memcpy(b + off, &v, 8);
	} else if (size == 4) {
		int64_t w = (int64_t)v;
		uint32_t x = (uint32_t)w;
		memcpy(b + off, &x, 4);
	} else {
		int64_t x = v >= 9223372036854775807.0 ? INT64_MAX : (int64_t)v;
		memcpy(b + off, &x, 8);
	}
}

START_TEST(test_crafted)
{
	static Run a, b;
	char good[256], bad[256];
	tmp_path(good, sizeof good, "good");
	tmp_path(bad, sizeof bad, "bad");
	int base = crafted[_i].base;
	start(&a, base, 3);
	ck_assert_int_eq(anneal_save(a.o, good), ANNEAL_OK);
	start(&b, base, 2);
	size_t n;
	unsigned char *bytes = slurp(good, &n);
	size_t off, size;
	int dbl;
	if (crafted[_i].field[0] == '@') {
		off = special_at(crafted[_i].field, &size, &dbl);
	} else {
		off = field_at(crafted[_i].field, &size);
		dbl = field_is_double(crafted[_i].field);
	}
	poke(bytes, off, size, dbl, crafted[_i].value);
	fix_checksum(bytes, n);
	spill(bad, bytes, n);
	refused(&b, bad, ANNEAL_ERR_INPUT, crafted[_i].expect, crafted[_i].field);
	/* the file untouched still loads */
	ck_assert_msg(anneal_load(b.o, good) == ANNEAL_OK, "%s", anneal_errmsg(b.o));
	ck_assert_int_eq(anneal_get_step(b.o), 3);
	free(bytes);
	anneal_destroy(a.o);
	anneal_destroy(b.o);
	unlink(good);
	unlink(bad);
}
END_TEST

/* Damage below the field level: sizes, truncation. */
START_TEST(test_damaged)
{
	static Run a, b;
	char good[256], bad[256];
	tmp_path(good, sizeof good, "good");
	tmp_path(bad, sizeof bad, "bad");
	start(&a, 0, 3);
	ck_assert_int_eq(anneal_save(a.o, good), ANNEAL_OK);
	start(&b, 0, 2);
	size_t n;
	unsigned char *bytes = slurp(good, &n);
	uint64_t small = 20;
	unsigned char *mod = malloc(n);
	memcpy(mod, bytes, n);
	memcpy(mod + 16, &small, 8);
	spill(bad, mod, n);
	refused(&b, bad, ANNEAL_ERR_INPUT, "size field 20 is below the header size (32 bytes and a checksum)", "small size");
	spill(bad, bytes, n - 9);
	refused(&b, bad, ANNEAL_ERR_INPUT, "truncated: ", "truncated");
	spill(bad, bytes, 12);
	refused(&b, bad, ANNEAL_ERR_INPUT, "truncated: 12 bytes, shorter than the header", "stub");
	spill(bad, bytes, 7);
	refused(&b, bad, ANNEAL_ERR_INPUT, "not an anneal checkpoint (7 bytes)", "stub");
	/* the test's checksum is the library's: a copy with it recomputed loads */
	memcpy(mod, bytes, n);
	fix_checksum(mod, n);
	ck_assert(memcmp(mod, bytes, n) == 0);
	spill(bad, mod, n);
	ck_assert_int_eq(anneal_load(b.o, bad), ANNEAL_OK);
	free(mod);
	free(bytes);
	anneal_destroy(a.o);
	anneal_destroy(b.o);
	unlink(good);
	unlink(bad);
}
END_TEST

/* A read error at every read of a load, in turn: each leaves the state as it was. */
START_TEST(test_read_errors)
{
	static Run a, b;
	char good[256];
	tmp_path(good, sizeof good, "good");
	start(&a, 0, 3);
	ck_assert_int_eq(anneal_save(a.o, good), ANNEAL_OK);
	start(&b, 0, 2);
	int k;
	for (k = 0; k < 1000; k++) {
		size_t n0, n1;
		unsigned char *before = state_of(b.o, "before", &n0);
		fail_read_in = k;
		anneal_status st = anneal_load(b.o, good);
		int armed = fail_read_in >= 0;
		fail_read_in = -1;
		if (st == ANNEAL_OK) {
			ck_assert_msg(armed, "read %d failed, yet the load succeeded", k);
			free(before);
			break;
		}
		ck_assert_msg(st == ANNEAL_ERR_IO, "read %d: status %d: %s", k, st, anneal_errmsg(b.o));
		ck_assert_msg(strstr(anneal_errmsg(b.o), "read error: Input/output error") != NULL, "read %d: %s", k,
		              anneal_errmsg(b.o));
		unsigned char *after = state_of(b.o, "after", &n1);
		ck_assert_msg(n0 == n1 && memcmp(before, after, n0) == 0, "read %d: the failed load changed the state", k);
		free(before);
		free(after);
	}
	/* header, checksum pass, then every field of the second pass */
	ck_assert_int_gt(k, 40);
	ck_assert_int_eq(anneal_get_step(b.o), 3);
	anneal_destroy(a.o);
	anneal_destroy(b.o);
	unlink(good);
}
END_TEST

/* The last step that can run is INT64_MAX - 1. */
START_TEST(test_last_step)
{
	static Run a;
	char good[256];
	tmp_path(good, sizeof good, "last");
	start(&a, 1, 1);
	ck_assert_int_eq(anneal_save(a.o, good), ANNEAL_OK);
	size_t n, off, size;
	unsigned char *bytes = slurp(good, &n);
	off = field_at("step", &size);
	int64_t s = INT64_MAX - 1;
	memcpy(bytes + off, &s, 8);
	fix_checksum(bytes, n);
	spill(good, bytes, n);
	ck_assert_msg(anneal_load(a.o, good) == ANNEAL_OK, "%s", anneal_errmsg(a.o));
	ck_assert_int_eq(anneal_step(a.o), ANNEAL_OK);
	ck_assert_int_eq(anneal_get_step(a.o), INT64_MAX);
	ck_assert_int_eq(anneal_step(a.o), ANNEAL_ERR_UNSUPPORTED);
	ck_assert_str_eq(anneal_errmsg(a.o), "step 9223372036854775807: the last step has run");
	ck_assert_int_eq(anneal_get_step(a.o), INT64_MAX);
	free(bytes);
	anneal_destroy(a.o);
	unlink(good);
}
END_TEST

static void no_call(void *user, int64_t step, const anneal_point *pt)
{
	(void)user, (void)step, (void)pt;
}

static anneal_opt *sched_opt(float *prm, float *grd, const anneal_desc *d, const double *params)
{
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	anneal_group gr = {prm, grd, N, 1, 1};
	anneal_opt *o = NULL;
	char err[ANNEAL_ERRLEN];
	ck_assert_msg(anneal_create(&c, &gr, 1, d, params, &o, err, sizeof err) == ANNEAL_OK, "%s", err);
	for (int32_t h = 0; h < d->nhook; h++)
		for (int32_t j = 0; j < d->hook[h].naction; j++)
			if (d->hook[h].action[j].kind == ANNEAL_ACT_CALL)
				anneal_set_callback(o, d->hook[h].action[j].name, no_call, NULL);
	return o;
}

/* The param values a run used come back with its checkpoint, and a changed
   one takes effect on purpose. */
START_TEST(test_params_resume)
{
	static float p1[N], g1[N], p2[N], g2[N];
	char path[256];
	tmp_path(path, sizeof path, "params");
	double peak = 0.07;
	anneal_opt *a = sched_opt(p1, g1, &rt_sgdr10, &peak);
	for (int s = 0; s < 3; s++)
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
	ck_assert_int_eq(anneal_save(a, path), ANNEAL_OK);
	anneal_opt *b = sched_opt(p2, g2, &rt_sgdr10, NULL);
	ck_assert(anneal_params(b)[0] == 0.05);
	ck_assert_msg(anneal_load(b, path) == ANNEAL_OK, "%s", anneal_errmsg(b));
	ck_assert(anneal_params(b)[0] == 0.07);
	ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
	ck_assert_int_eq(anneal_step(b), ANNEAL_OK);
	ck_assert(anneal_last_point(a)->value[ANNEAL_LR] == anneal_last_point(b)->value[ANNEAL_LR]);
	ck_assert(memcmp(p1, p2, sizeof p1) == 0);
	ck_assert_int_eq(anneal_set_param(b, 0, 0.09), ANNEAL_OK);
	ck_assert_int_eq(anneal_step(b), ANNEAL_OK);
	anneal_point want;
	double nine = 0.09;
	rt_sgdr10_eval(4, &nine, &want);
	ck_assert(anneal_last_point(b)->value[ANNEAL_LR] == want.value[ANNEAL_LR]);
	anneal_destroy(a);
	anneal_destroy(b);

	/* the same structure with another default (an AOT build beside a JIT one) shares the file */
	anneal_param other_default[1] = {{"peak", 0.3, 0}};
	anneal_desc d = rt_sgdr10;
	d.param = other_default;
	b = sched_opt(p2, g2, &d, NULL);
	ck_assert_msg(anneal_load(b, path) == ANNEAL_OK, "%s", anneal_errmsg(b));
	ck_assert(anneal_params(b)[0] == 0.07);
	anneal_destroy(b);
	unlink(path);
}
END_TEST

/* A checkpoint of another schedule says what differs. */
START_TEST(test_schedule_mismatch)
{
	static float p1[N], g1[N], p2[N], g2[N];
	char path[256], paths[256];
	tmp_path(path, sizeof path, "sched");
	tmp_path(paths, sizeof paths, "sched-structural");
	anneal_opt *a = sched_opt(p1, g1, &rt_sgdr10, NULL);
	ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
	ck_assert_int_eq(anneal_save(a, path), ANNEAL_OK);
	anneal_destroy(a);
	anneal_param sp5[1] = {{"peak", 0.05, 1}}, sp6[1] = {{"peak", 0.06, 1}}, top[1] = {{"top", 0.05, 0}};
	anneal_desc s5 = rt_sgdr10;
	s5.param = sp5;
	a = sched_opt(p1, g1, &s5, NULL);
	ck_assert_int_eq(anneal_save(a, paths), ANNEAL_OK);
	anneal_destroy(a);

	struct {
		anneal_desc d;
		const char *file, *expect;
	} cases[6];
	for (int i = 0; i < 6; i++) {
		cases[i].d = rt_sgdr10;
		cases[i].file = path;
	}
	cases[0].d.name = "other";
	cases[0].expect = "written for schedule 'sgdr10', this optimizer runs 'other'";
	cases[1].d.param = top;
	cases[1].expect = "schedule 'sgdr10': param 0 is 'peak' in the file, 'top' here";
	cases[2].d.param = sp6;
	cases[2].file = paths;
	cases[2].expect = "schedule 'sgdr10': structural param 'peak' is 0.050000000000000003 in the file, 0.059999999999999998 here";
	cases[3].d.param = sp5;
	cases[3].expect = "schedule 'sgdr10': param 'peak' is not structural in the file, structural here";
	cases[4].d.channels |= 1u << ANNEAL_WEIGHT_DECAY;
	cases[4].expect = "schedule 'sgdr10': channel mask 0x3 in the file, 0xb here";
	cases[5].d.nhook = 3;
	cases[5].expect = "schedule 'sgdr10': 4 hooks in the file, 3 here";
	for (int i = 0; i < 6; i++) {
		anneal_opt *b = sched_opt(p2, g2, &cases[i].d, NULL);
		ck_assert_int_eq(anneal_load(b, cases[i].file), ANNEAL_ERR_INPUT);
		ck_assert_msg(strstr(anneal_errmsg(b), cases[i].expect) != NULL, "case %d: '%s', expected '%s'", i,
		              anneal_errmsg(b), cases[i].expect);
		ck_assert_int_eq(anneal_get_step(b), 0);
		anneal_destroy(b);
	}
	anneal_desc np = rt_sgdr10;
	np.nparam = 0;
	np.param = NULL;
	anneal_opt *b = sched_opt(p2, g2, &np, NULL);
	ck_assert_int_eq(anneal_load(b, path), ANNEAL_ERR_INPUT);
	ck_assert_str_ne(anneal_errmsg(b), "");
	ck_assert_msg(strstr(anneal_errmsg(b), "schedule 'sgdr10': the file has 1 params, this one 0") != NULL, "%s",
	              anneal_errmsg(b));
	anneal_destroy(b);
	/* an optimizer with no schedule */
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.lr = 0.1;
	anneal_group gr = {p2, g2, N, 1, 1};
	char err[ANNEAL_ERRLEN];
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &b, err, sizeof err), ANNEAL_OK);
	ck_assert_int_eq(anneal_load(b, path), ANNEAL_ERR_INPUT);
	ck_assert_msg(strstr(anneal_errmsg(b), "written for schedule 'sgdr10', this optimizer runs '(no schedule)'") != NULL,
	              "%s", anneal_errmsg(b));
	anneal_destroy(b);
	unlink(path);
	unlink(paths);
}
END_TEST

Suite *suite_runtime_crafted(void)
{
	Suite *s = suite_create("runtime_crafted");
	TCase *tc = tcase_create("crafted");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_crafted, 0, (int)(sizeof crafted / sizeof crafted[0]));
	tcase_add_test(tc, test_damaged);
	tcase_add_test(tc, test_read_errors);
	tcase_add_test(tc, test_last_step);
	tcase_add_test(tc, test_params_resume);
	tcase_add_test(tc, test_schedule_mismatch);
	suite_add_tcase(s, tc);
	return s;
}
