/* check_runtime_api.c: libanneal's contract -- every public function on bad arguments, config validation, lookups. */
#include <check.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "check_runtime.h"

enum { N = 8 };
static float p[N], g[N];

static void sgd_config(anneal_config *c, int32_t kind)
{
	ck_assert_int_eq(anneal_config_init(c, kind), ANNEAL_OK);
	if (kind == ANNEAL_SGD)
		c->lr = 0.1;
}

static anneal_opt *create(const anneal_config *c, const anneal_desc *d)
{
	anneal_group gr = {p, g, N, 1, 1};
	anneal_opt *o = NULL;
	char err[ANNEAL_ERRLEN];
	anneal_status s = anneal_create(c, &gr, 1, d, NULL, &o, err, sizeof err);
	ck_assert_msg(s == ANNEAL_OK && o != NULL, "anneal_create: %s", err);
	ck_assert_str_eq(err, "");
	return o;
}

/* Sets a config field by name through the library's own field table. */
static void set_field(anneal_config *c, const char *name, double v)
{
	int32_t n;
	const anneal_field *f = anneal_config_fields(&n);
	for (int32_t i = 0; i < n; i++) {
		if (strcmp(f[i].name, name) != 0)
			continue;
		char *at = (char *)c + f[i].offset;
		switch (f[i].type) {
		case ANNEAL_FIELD_INT32: *(int32_t *)(void *)at = (int32_t)v; return;
		case ANNEAL_FIELD_INT64: *(int64_t *)(void *)at = (int64_t)v; return;
		case ANNEAL_FIELD_UINT64: *(uint64_t *)(void *)at = (uint64_t)v; return;
		case ANNEAL_FIELD_DOUBLE: *(double *)(void *)at = v; return;
		}
	}
	ck_abort_msg("no config field %s", name);
}

/* One refused config: kind, up to two fields set, and the exact message. */
static const struct {
	int32_t kind;
	const char *f1;
	double v1;
	const char *f2;
	double v2;
	const char *msg;
} bad_configs[] = {
	{ANNEAL_SGD, "kind", 7, NULL, 0, "anneal_config.kind = 7: not an optimizer (ANNEAL_SGD, _ADAM, _ADAMW, _RMSPROP)"},
	{ANNEAL_SGD, "lr", NAN, NULL, 0, "anneal_config.lr = nan: unset, and the schedule defines no lr channel"},
	{ANNEAL_ADAM, "lr", -1, NULL, 0, "anneal_config.lr = -1: must be finite and >= 0"},
	{ANNEAL_ADAM, "lr", INFINITY, NULL, 0, "anneal_config.lr = inf: must be finite and >= 0"},
	{ANNEAL_ADAM, "beta2", 1.5, NULL, 0, "anneal_config.beta2 = 1.5: must be in [0, 1)"},
	{ANNEAL_RMSPROP, "beta2", NAN, NULL, 0, "anneal_config.beta2 = nan: must be in [0, 1)"},
	{ANNEAL_ADAMW, "momentum", 1, NULL, 0, "anneal_config.momentum = 1: must be in [0, 1)"},
	{ANNEAL_SGD, "momentum", -0.5, NULL, 0, "anneal_config.momentum = -0.5: must be in [0, 1)"},
	{ANNEAL_SGD, "dampening", 2, NULL, 0, "anneal_config.dampening = 2: must be in [0, 1]"},
	{ANNEAL_ADAM, "dampening", 0.5, NULL, 0, "anneal_config.dampening = 0.5: only SGD has dampening, Adam must have 0"},
	{ANNEAL_ADAM, "eps", 0, NULL, 0, "anneal_config.eps = 0: must be finite and > 0"},
	{ANNEAL_RMSPROP, "eps", INFINITY, NULL, 0, "anneal_config.eps = inf: must be finite and > 0"},
	{ANNEAL_SGD, "eps", -1, NULL, 0, "anneal_config.eps = -1: must be finite and >= 0 (SGD does not use it)"},
	{ANNEAL_ADAMW, "weight_decay", -0.01, NULL, 0, "anneal_config.weight_decay = -0.01: must be finite and >= 0"},
	{ANNEAL_SGD, "weight_decay", NAN, NULL, 0, "anneal_config.weight_decay = nan: must be finite and >= 0"},
	{ANNEAL_SGD, "temperature", INFINITY, NULL, 0, "anneal_config.temperature = inf: must be finite and >= 0"},
	{ANNEAL_SGD, "nesterov", 2, NULL, 0, "anneal_config.nesterov = 2: must be 0 or 1"},
	{ANNEAL_ADAM, "nesterov", 1, NULL, 0, "anneal_config.nesterov = 1: only SGD has Nesterov momentum, not Adam"},
	{ANNEAL_SGD, "nesterov", 1, NULL, 0,
	 "anneal_config.nesterov = 1: Nesterov momentum needs momentum > 0 or a momentum channel"},
	{ANNEAL_SGD, "nesterov", 1, "dampening", 0.1, "anneal_config.nesterov = 1: Nesterov momentum needs dampening 0, it is 0.1"},
	{ANNEAL_ADAM, "centered", 1, NULL, 0, "anneal_config.centered = 1: only RMSProp is centered, not Adam"},
	{ANNEAL_RMSPROP, "centered", -1, NULL, 0, "anneal_config.centered = -1: must be 0 or 1"},
	{ANNEAL_RMSPROP, "amsgrad", 1, NULL, 0, "anneal_config.amsgrad = 1: only Adam and AdamW have AMSGrad, not RMSProp"},
	{ANNEAL_ADAM, "amsgrad", 3, NULL, 0, "anneal_config.amsgrad = 3: must be 0 or 1"},
	{ANNEAL_ADAM, "bias", 2, NULL, 0, "anneal_config.bias = 2: not a bias mode (ANNEAL_BIAS_PRODUCT, _POWER)"},
	{ANNEAL_SGD, "snapshot_keep", -1, NULL, 0, "anneal_config.snapshot_keep = -1: must be >= 0"},
	{ANNEAL_SGD, "threads", -2, NULL, 0, "anneal_config.threads = -2: must be >= 0"},
	{ANNEAL_SGD, "parallel_min", -1, NULL, 0, "anneal_config.parallel_min = -1: must be >= 0"},
	{ANNEAL_SGD, "nonfinite", 3, NULL, 0,
	 "anneal_config.nonfinite = 3: not a policy (ANNEAL_NONFINITE_PASS, _SKIP, _STOP)"},
};

START_TEST(test_bad_config)
{
	anneal_config c;
	sgd_config(&c, bad_configs[_i].kind);
	set_field(&c, bad_configs[_i].f1, bad_configs[_i].v1);
	if (bad_configs[_i].f2 != NULL)
		set_field(&c, bad_configs[_i].f2, bad_configs[_i].v2);
	anneal_group gr = {p, g, N, 1, 1};
	anneal_opt *o = (anneal_opt *)&c;
	char err[ANNEAL_ERRLEN];
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, err, sizeof err), ANNEAL_ERR_INVALID);
	ck_assert_ptr_null(o);
	ck_assert_str_eq(err, bad_configs[_i].msg);
	/* err may be NULL: the status alone */
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, NULL, 0), ANNEAL_ERR_INVALID);
	/* and a short buffer is cut, not overrun */
	char small[8] = "xxxxxxx";
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, small, 5), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(small, "anne");
}
END_TEST

/* Every default config is accepted, and the config's lr may be NaN when the schedule gives lr. */
START_TEST(test_good_configs)
{
	for (int32_t k = ANNEAL_SGD; k <= ANNEAL_RMSPROP; k++) {
		anneal_config c;
		sgd_config(&c, k);
		anneal_destroy(create(&c, NULL));
	}
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.nesterov = 1; /* the momentum channel gives momentum */
	anneal_opt *o = create(&c, &rt_sgdr10);
	anneal_destroy(o);
	ck_assert_int_eq(anneal_config_init(&c, 9), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_config_init(NULL, ANNEAL_SGD), ANNEAL_ERR_INVALID);
}
END_TEST

static void b2_eval(int64_t step, const double *params, anneal_point *out)
{
	(void)step;
	(void)params;
	memset(out, 0, sizeof *out);
	out->value[ANNEAL_LR] = 0.1;
	out->value[ANNEAL_BETA2] = 0.9;
}

/* Groups, descriptors and params, each refused with its message. */
START_TEST(test_bad_groups_and_desc)
{
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	anneal_group gr[2] = {{p, g, 4, 1, 1}, {p + 4, g + 4, 4, 1, 1}};
	anneal_opt *o = NULL;
	char err[ANNEAL_ERRLEN];
#define REFUSE(st, msg, ...) \
	do { \
		ck_assert_int_eq(anneal_create(__VA_ARGS__, &o, err, sizeof err), st); \
		ck_assert_ptr_null(o); \
		ck_assert_str_eq(err, msg); \
	} while (0)
	REFUSE(ANNEAL_ERR_INVALID, "anneal_create: the config c is NULL", NULL, gr, 2, NULL, NULL);
	REFUSE(ANNEAL_ERR_INVALID, "ngroup = 0: an optimizer needs at least one group", &c, gr, 0, NULL, NULL);
	REFUSE(ANNEAL_ERR_INVALID, "ngroup = -3: an optimizer needs at least one group", &c, gr, -3, NULL, NULL);
	REFUSE(ANNEAL_ERR_INVALID, "group is NULL", &c, NULL, 2, NULL, NULL);
	gr[1].n = -1;
	REFUSE(ANNEAL_ERR_INVALID, "group[1].n = -1: must be >= 0", &c, gr, 2, NULL, NULL);
	gr[1].n = 4;
	gr[1].param = NULL;
	REFUSE(ANNEAL_ERR_INVALID, "group[1].param is NULL", &c, gr, 2, NULL, NULL);
	gr[1].param = p + 4;
	gr[0].grad = NULL;
	REFUSE(ANNEAL_ERR_INVALID, "group[0].grad is NULL", &c, gr, 2, NULL, NULL);
	gr[0].grad = g;
	gr[1].lr_scale = NAN;
	REFUSE(ANNEAL_ERR_INVALID, "group[1].lr_scale = nan: must be finite and >= 0", &c, gr, 2, NULL, NULL);
	gr[1].lr_scale = 1;
	gr[0].wd_scale = -INFINITY;
	REFUSE(ANNEAL_ERR_INVALID, "group[0].wd_scale = -inf: must be finite and >= 0", &c, gr, 2, NULL, NULL);
	gr[0].wd_scale = 1;
	/* an empty group needs no arrays */
	anneal_group empty = {NULL, NULL, 0, 1, 1};
	ck_assert_int_eq(anneal_create(&c, &empty, 1, NULL, NULL, &o, err, sizeof err), ANNEAL_OK);
	anneal_destroy(o);
	o = NULL;

	anneal_desc d = rt_sgdr10;
	d.eval = NULL;
	REFUSE(ANNEAL_ERR_INVALID, "desc->eval is NULL: schedule 'sgdr10' has no eval function", &c, gr, 2, &d, NULL);
	d = rt_sgdr10;
	d.nparam = -1;
	REFUSE(ANNEAL_ERR_INVALID, "desc->nparam = -1: schedule 'sgdr10' needs nparam >= 0 and a param array", &c, gr, 2,
	       &d, NULL);
	d = rt_sgdr10;
	d.nhook = 65;
	REFUSE(ANNEAL_ERR_INVALID, "desc->nhook = 65: schedule 'sgdr10' needs 0..64 hooks and a hook array", &c, gr, 2,
	       &d, NULL);
	d = rt_sgdr10;
	d.abi_version = 2;
	REFUSE(ANNEAL_ERR_UNSUPPORTED, "desc->abi_version = 2: schedule 'sgdr10' has ABI version 2, libanneal expects 1", &c,
	       gr, 2, &d, NULL);
	double bad_params[1] = {NAN};
	REFUSE(ANNEAL_ERR_INVALID, "params[0] = nan: param 'peak' of schedule 'sgdr10' must be finite", &c, gr, 2,
	       &rt_sgdr10, bad_params);
	bad_params[0] = INFINITY;
	REFUSE(ANNEAL_ERR_INVALID, "params[0] = inf: param 'peak' of schedule 'sgdr10' must be finite", &c, gr, 2,
	       &rt_sgdr10, bad_params);
	/* a structural param's entry is ignored, NaN or not */
	anneal_param sp[1] = {{"peak", 0.05, 1}};
	d = rt_sgdr10;
	d.param = sp;
	ck_assert_int_eq(anneal_create(&c, gr, 2, &d, bad_params, &o, err, sizeof err), ANNEAL_OK);
	ck_assert(anneal_params(o)[0] == 0.05);
	anneal_destroy(o);
	o = NULL;

	/* a channel the optimizer cannot use */
	anneal_desc b2 = {.abi_version = ANNEAL_ABI_VERSION, .name = "b2", .channels = 1u << ANNEAL_LR | 1u << ANNEAL_BETA2,
	                  .channel_name = {"lr", NULL, "beta2"}, .eval = b2_eval, .horizon = -1};
	REFUSE(ANNEAL_ERR_UNSUPPORTED, "schedule 'b2' defines channel beta2, which SGD does not use", &c, gr, 2, &b2, NULL);
	anneal_config_init(&c, ANNEAL_ADAM);
	ck_assert_int_eq(anneal_create(&c, gr, 2, &b2, NULL, &o, err, sizeof err), ANNEAL_OK);
	anneal_destroy(o);

	ck_assert_int_eq(anneal_create(&c, gr, 2, NULL, NULL, NULL, err, sizeof err), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(err, "anneal_create: out is NULL");
#undef REFUSE
}
END_TEST

static void no_snap(void *user, int64_t step, int64_t cycle, const anneal_group *gr, int32_t ngroup)
{
	(void)user, (void)step, (void)cycle, (void)gr, (void)ngroup;
}

static void no_call(void *user, int64_t step, const anneal_point *pt)
{
	(void)user, (void)step, (void)pt;
}

/* Every entry point on a NULL optimizer: a status or a sentinel, never a crash. */
START_TEST(test_null_optimizer)
{
	anneal_point pt;
	memset(&pt, 0, sizeof pt);
	anneal_plateau_config pc;
	double scale = 7;
	anneal_destroy(NULL);
	ck_assert_int_eq(anneal_check_ready(NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_step(NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_step_point(NULL, &pt), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_last_skipped(NULL), -1);
	ck_assert_int_eq(anneal_get_step(NULL), -1);
	ck_assert_ptr_null(anneal_last_point(NULL));
	ck_assert_str_eq(anneal_errmsg(NULL), "anneal_errmsg: the optimizer is NULL");
	ck_assert_ptr_null(anneal_state_array(NULL, 0, ANNEAL_STATE_MOMENTUM));
	ck_assert_ptr_null(anneal_params(NULL));
	ck_assert_int_eq(anneal_set_param(NULL, 0, 1), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_rebind(NULL, 0, p, g), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_set_step(NULL, 0, 0), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_get_since_reset(NULL), -1);
	ck_assert_int_eq(anneal_set_snapshot(NULL, no_snap, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_snapshot_count(NULL), -1);
	ck_assert_ptr_null(anneal_snapshot_get(NULL, 0, 0, NULL, NULL));
	ck_assert_int_eq(anneal_set_callback(NULL, "x", no_call, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_swa_count(NULL), -1);
	ck_assert_int_eq(anneal_swa_swap(NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_plateau_config_init(NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_plateau_config_init(&pc), ANNEAL_OK);
	ck_assert_int_eq(anneal_plateau_enable(NULL, &pc), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_plateau_report(NULL, 1, &scale), ANNEAL_ERR_INVALID);
	ck_assert(scale == 7);
	ck_assert_int_eq(anneal_save(NULL, "/tmp/x"), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_load(NULL, "/tmp/x"), ANNEAL_ERR_INVALID);
}
END_TEST

#define ERR_IS(o, st, call, msg) \
	do { \
		ck_assert_int_eq((call), st); \
		ck_assert_str_eq(anneal_errmsg(o), msg); \
	} while (0)
#define PTR_ERR(o, call, msg) \
	do { \
		ck_assert_ptr_null(call); \
		ck_assert_str_eq(anneal_errmsg(o), msg); \
	} while (0)

/* Bad arguments on a live optimizer: the status and the exact message, and
   the next success clears it. */
START_TEST(test_bad_arguments)
{
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	anneal_opt *o = create(&c, NULL);
	ck_assert_str_eq(anneal_errmsg(o), "");
	PTR_ERR(o, anneal_last_point(o), "anneal_last_point: no step has run yet");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_step_point(o, NULL), "anneal_step_point: point is NULL");
	PTR_ERR(o, anneal_state_array(o, 1, ANNEAL_STATE_MOMENTUM), "anneal_state_array: group 1 out of range [0, 1)");
	PTR_ERR(o, anneal_state_array(o, -1, ANNEAL_STATE_MOMENTUM), "anneal_state_array: group -1 out of range [0, 1)");
	PTR_ERR(o, anneal_state_array(o, 0, 99), "anneal_state_array: 99 is not an enum anneal_state");
	PTR_ERR(o, anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM), "anneal_state_array: this optimizer keeps no state 0");
	PTR_ERR(o, anneal_params(o), "anneal_params: the optimizer has no schedule");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_param(o, 0, 1), "anneal_set_param: index 0 out of range [0, 0)");
	PTR_ERR(o, anneal_snapshot_get(o, 0, 0, NULL, NULL), "anneal_snapshot_get: copy 0 out of range [0, 0)");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_rebind(o, 1, p, g), "anneal_rebind: group 1 out of range [0, 1)");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_rebind(o, -1, p, g), "anneal_rebind: group -1 out of range [0, 1)");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_rebind(o, 0, NULL, g), "anneal_rebind: group 0: param is NULL");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_rebind(o, 0, p, NULL), "anneal_rebind: group 0: grad is NULL");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_step(o, -1, 0), "anneal_set_step: step -1 < 0");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_step(o, 3, 4), "anneal_set_step: since_reset 4 outside [0, step 3]");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_step(o, 3, -1), "anneal_set_step: since_reset -1 outside [0, step 3]");
	ck_assert_int_eq(anneal_get_step(o), 0); /* the refused calls changed nothing */
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_callback(o, NULL, no_call, NULL), "anneal_set_callback: name is NULL");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_callback(o, "nope", no_call, NULL),
	       "anneal_set_callback: the schedule has no `call nope`");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_swa_swap(o),
	       "anneal_swa_swap: no SWA average: the schedule has no `swa` action or it has not fired yet");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_plateau_enable(o, NULL), "anneal_plateau_enable: c is NULL");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_plateau_report(o, 1, NULL),
	       "anneal_plateau_report: the plateau controller is not enabled");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_save(o, NULL), "anneal_save: path is NULL");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_load(o, NULL), "anneal_load: path is NULL");
	ERR_IS(o, ANNEAL_ERR_IO, anneal_load(o, "/nonexistent-dir/x.ckpt"),
	       "cannot open /nonexistent-dir/x.ckpt: No such file or directory");
	ERR_IS(o, ANNEAL_ERR_IO, anneal_load(o, "/"), "/: Is a directory");
	ERR_IS(o, ANNEAL_ERR_INPUT, anneal_load(o, "/dev/null"), "/dev/null: not a regular file (a checkpoint is one)");
	char fifo[64], want[128];
	snprintf(fifo, sizeof fifo, "/tmp/anneal-fifo-%d", (int)getpid());
	snprintf(want, sizeof want, "%s: not a regular file (a checkpoint is one)", fifo);
	unlink(fifo);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	/* no writer: a blocking open would wait forever */
	ERR_IS(o, ANNEAL_ERR_INPUT, anneal_load(o, fifo), want);
	unlink(fifo);

	/* no stale message: a success after each failure leaves "" */
	ck_assert_int_eq(anneal_step(o), ANNEAL_OK);
	ck_assert_str_eq(anneal_errmsg(o), "");
	ck_assert_ptr_null(anneal_state_array(o, 0, ANNEAL_STATE_SQUARE));
	ck_assert_str_ne(anneal_errmsg(o), "");
	ck_assert_int_eq(anneal_get_step(o), 1);
	ck_assert_str_eq(anneal_errmsg(o), "");
	ck_assert_ptr_nonnull(anneal_last_point(o));
	ck_assert_int_eq(anneal_last_skipped(o), 0);
	ck_assert_int_eq(anneal_set_snapshot(o, NULL, NULL), ANNEAL_OK);
	ck_assert_int_eq(anneal_snapshot_count(o), 0);
	ck_assert_int_eq(anneal_swa_count(o), 0);
	anneal_destroy(o);
}
END_TEST

/* Each refused plateau setting names its field. */
START_TEST(test_bad_plateau)
{
	static const struct {
		int which;
		double v;
		const char *msg;
	} cases[] = {
		{0, 2, "anneal_plateau_config.mode_max = 2: must be 0 or 1"},
		{1, -1, "anneal_plateau_config.rel = -1: must be 0 or 1"},
		{2, 1, "anneal_plateau_config.factor = 1: must be in (0, 1)"},
		{2, NAN, "anneal_plateau_config.factor = nan: must be in (0, 1)"},
		{3, -1, "anneal_plateau_config.patience = -1: must be >= 0"},
		{4, NAN, "anneal_plateau_config.threshold = nan: must be finite and >= 0"},
		{5, -2, "anneal_plateau_config.cooldown = -2: must be >= 0"},
		{6, INFINITY, "anneal_plateau_config.min_lr = inf: must be finite and >= 0"},
		{7, -1e-8, "anneal_plateau_config.eps = -1e-08: must be finite and >= 0"},
	};
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	anneal_opt *o = create(&c, NULL);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		anneal_plateau_config pc;
		anneal_plateau_config_init(&pc);
		double v = cases[k].v;
		switch (cases[k].which) {
		case 0: pc.mode_max = (int32_t)v; break;
		case 1: pc.rel = (int32_t)v; break;
		case 2: pc.factor = v; break;
		case 3: pc.patience = (int64_t)v; break;
		case 4: pc.threshold = v; break;
		case 5: pc.cooldown = (int64_t)v; break;
		case 6: pc.min_lr = v; break;
		case 7: pc.eps = v; break;
		}
		ERR_IS(o, ANNEAL_ERR_INVALID, anneal_plateau_enable(o, &pc), cases[k].msg);
	}
	anneal_plateau_config pc;
	anneal_plateau_config_init(&pc);
	ck_assert_int_eq(anneal_plateau_enable(o, &pc), ANNEAL_OK);
	ck_assert_str_eq(anneal_errmsg(o), "");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_plateau_report(o, NAN, NULL),
	       "anneal_plateau_report: metric = nan: must be a number");
	double scale = 0;
	ck_assert_int_eq(anneal_plateau_report(o, 1, &scale), ANNEAL_OK);
	ck_assert(scale == 1);
	ck_assert_int_eq(anneal_plateau_report(o, 1, NULL), ANNEAL_OK);
	anneal_destroy(o);
}
END_TEST

/* Params, callbacks and snapshots of a schedule's optimizer. */
START_TEST(test_schedule_arguments)
{
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	c.snapshot_keep = 2;
	anneal_param sp[1] = {{"peak", 0.05, 1}};
	anneal_desc d = rt_sgdr10;
	d.param = sp;
	anneal_opt *o = create(&c, &d);
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_param(o, 0, 0.1),
	       "anneal_set_param: param 'peak' is structural (fixed when compiled)");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_param(o, 1, 0.1), "anneal_set_param: index 1 out of range [0, 1)");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_param(o, -1, 0.1), "anneal_set_param: index -1 out of range [0, 1)");
	anneal_destroy(o);

	o = create(&c, &rt_sgdr10);
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_param(o, 0, NAN), "anneal_set_param: param 'peak' = nan: must be finite");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_set_param(o, 0, -INFINITY),
	       "anneal_set_param: param 'peak' = -inf: must be finite");
	ck_assert(anneal_params(o)[0] == 0.05);
	ERR_IS(o, ANNEAL_OK, anneal_set_param(o, 0, 0.07), "");
	ck_assert(anneal_params(o)[0] == 0.07);
	ERR_IS(o, ANNEAL_OK, anneal_set_callback(o, "save_best", no_call, NULL), "");
	ERR_IS(o, ANNEAL_OK, anneal_set_callback(o, "restarted", no_call, NULL), "");
	for (int s = 0; s < 11; s++)
		ck_assert_int_eq(anneal_step(o), ANNEAL_OK);
	/* lr at step 0 of a cosine from peak: the param changed on purpose */
	ck_assert_int_eq(anneal_snapshot_count(o), 1);
	PTR_ERR(o, anneal_snapshot_get(o, 1, 0, NULL, NULL), "anneal_snapshot_get: copy 1 out of range [0, 1)");
	PTR_ERR(o, anneal_snapshot_get(o, 0, 1, NULL, NULL), "anneal_snapshot_get: group 1 out of range [0, 1)");
	ck_assert_ptr_nonnull(anneal_snapshot_get(o, 0, 0, NULL, NULL));
	ck_assert_str_eq(anneal_errmsg(o), "");
	anneal_destroy(o);
}
END_TEST

/* A `call NAME` without a callback is refused before the first step. */
START_TEST(test_check_ready)
{
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	anneal_opt *o = create(&c, &rt_sgdr10);
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_check_ready(o),
	       "hook 2 (on at:7) has `call save_best` but no callback is registered under that name");
	ck_assert_int_eq(anneal_set_callback(o, "save_best", no_call, NULL), ANNEAL_OK);
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_check_ready(o),
	       "hook 3 (on restart) has `call restarted` but no callback is registered under that name");
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_step(o),
	       "hook 3 (on restart) has `call restarted` but no callback is registered under that name");
	ck_assert_int_eq(anneal_get_step(o), 0);
	ck_assert_int_eq(anneal_set_callback(o, "restarted", no_call, NULL), ANNEAL_OK);
	ERR_IS(o, ANNEAL_OK, anneal_check_ready(o), "");
	ck_assert_int_eq(anneal_step(o), ANNEAL_OK);
	/* unregistering makes the next step check again */
	ck_assert_int_eq(anneal_set_callback(o, "save_best", NULL, NULL), ANNEAL_OK);
	ERR_IS(o, ANNEAL_ERR_INVALID, anneal_step(o),
	       "hook 2 (on at:7) has `call save_best` but no callback is registered under that name");
	ck_assert_int_eq(anneal_get_step(o), 1);
	anneal_destroy(o);
	/* a schedule with no calls is ready from the start */
	o = create(&c, NULL);
	ERR_IS(o, ANNEAL_OK, anneal_check_ready(o), "");
	anneal_destroy(o);
}
END_TEST

/* The field table agrees with the header's struct, field for field. */
START_TEST(test_config_fields)
{
	static const struct {
		const char *name;
		size_t offset, size;
		int32_t type;
	} want[] = {
#define F(name, type) {#name, offsetof(anneal_config, name), sizeof(((anneal_config *)0)->name), ANNEAL_FIELD_##type}
		F(kind, INT32), F(lr, DOUBLE), F(momentum, DOUBLE), F(beta2, DOUBLE), F(weight_decay, DOUBLE),
		F(temperature, DOUBLE), F(dampening, DOUBLE), F(eps, DOUBLE), F(nesterov, INT32), F(centered, INT32),
		F(amsgrad, INT32), F(bias, INT32), F(snapshot_keep, INT32), F(threads, INT32), F(parallel_min, INT64),
		F(seed, UINT64), F(nonfinite, INT32),
#undef F
	};
	int32_t n = -1;
	const anneal_field *f = anneal_config_fields(&n);
	ck_assert_int_eq(n, (int)(sizeof want / sizeof want[0]));
	ck_assert_ptr_eq(anneal_config_fields(NULL), f);
	size_t covered = 0;
	for (int32_t i = 0; i < n; i++) {
		ck_assert_str_eq(f[i].name, want[i].name);
		ck_assert_uint_eq(f[i].offset, want[i].offset);
		ck_assert_int_eq(f[i].type, want[i].type);
		covered += want[i].size;
	}
	ck_assert_uint_eq(anneal_config_size(), sizeof(anneal_config));
	/* no field left out: what is not covered is padding, less than one field per field */
	ck_assert_uint_lt(sizeof(anneal_config) - covered, 8 * (size_t)n);
	ck_assert_str_eq(anneal_version(), PACKAGE_VERSION);

	static const struct {
		const char *name;
		size_t offset;
		int32_t type;
	} pw[] = {
#define F(name, type) {#name, offsetof(anneal_plateau_config, name), ANNEAL_FIELD_##type}
		F(mode_max, INT32), F(rel, INT32), F(factor, DOUBLE), F(patience, INT64),
		F(threshold, DOUBLE), F(cooldown, INT64), F(min_lr, DOUBLE), F(eps, DOUBLE),
#undef F
	};
	f = anneal_plateau_config_fields(&n);
	ck_assert_int_eq(n, (int)(sizeof pw / sizeof pw[0]));
	for (int32_t i = 0; i < n; i++) {
		ck_assert_str_eq(f[i].name, pw[i].name);
		ck_assert_uint_eq(f[i].offset, pw[i].offset);
		ck_assert_int_eq(f[i].type, pw[i].type);
	}
	ck_assert_uint_eq(anneal_plateau_config_size(), sizeof(anneal_plateau_config));
}
END_TEST

static const anneal_action enter_actions[] = {
	{ANNEAL_ACT_RESET_MOMENTUM, NULL}, {ANNEAL_ACT_RESET_MOMENTS, NULL}, {ANNEAL_ACT_SNAPSHOT, NULL},
	{ANNEAL_ACT_SWA, NULL}, {ANNEAL_ACT_CALL, "save_best"}};

START_TEST(test_lookups)
{
	const anneal_desc *d = &rt_sgdr10;
	ck_assert_int_eq(anneal_param_index(d, "peak"), 0);
	ck_assert_int_eq(anneal_param_index(d, "nope"), -1);
	ck_assert_int_eq(anneal_param_index(d, NULL), -1);
	ck_assert_int_eq(anneal_param_index(NULL, "peak"), -1);
	ck_assert_int_eq(anneal_channel_slot(d, "lr"), ANNEAL_LR);
	ck_assert_int_eq(anneal_channel_slot(d, "momentum"), ANNEAL_MOMENTUM);
	ck_assert_int_eq(anneal_channel_slot(d, "beta2"), -1); /* not defined by this schedule */
	ck_assert_int_eq(anneal_channel_slot(d, NULL), -1);
	ck_assert_int_eq(anneal_channel_slot(NULL, "lr"), -1);
	anneal_desc cd = rt_sgdr10;
	cd.channels |= 1u << (ANNEAL_FIRST_CUSTOM + 1);
	cd.channel_name[ANNEAL_FIRST_CUSTOM + 1] = "noise_gain";
	ck_assert_int_eq(anneal_channel_slot(&cd, "noise_gain"), ANNEAL_FIRST_CUSTOM + 1);
	ck_assert_int_eq(anneal_channel_slot(&cd, "noise"), -1);

	char buf[128];
	size_t len = 0;
	static const char *const ev[] = {"restart", "every:4", "at:7", "restart"};
	static const char *const act[] = {"reset momentum, snapshot", "swa", "call save_best",
	                                  "call restarted, reset moments"};
	for (int h = 0; h < 4; h++) {
		ck_assert_int_eq(anneal_hook_event_text(&d->hook[h], buf, sizeof buf, &len), ANNEAL_OK);
		ck_assert_str_eq(buf, ev[h]);
		ck_assert_uint_eq(len, strlen(ev[h]));
		ck_assert_int_eq(anneal_hook_actions_text(&d->hook[h], buf, sizeof buf, NULL), ANNEAL_OK);
		ck_assert_str_eq(buf, act[h]);
	}
	anneal_hook enter = {ANNEAL_EV_ENTER, 0, "warm", 5, enter_actions};
	ck_assert_int_eq(anneal_hook_event_text(&enter, buf, sizeof buf, NULL), ANNEAL_OK);
	ck_assert_str_eq(buf, "enter:warm");
	ck_assert_int_eq(anneal_hook_actions_text(&enter, buf, sizeof buf, NULL), ANNEAL_OK);
	ck_assert_str_eq(buf, "reset momentum, reset moments, snapshot, swa, call save_best");
	anneal_hook big = {ANNEAL_EV_EVERY, INT64_MAX, NULL, 0, NULL};
	ck_assert_int_eq(anneal_hook_event_text(&big, buf, sizeof buf, NULL), ANNEAL_OK);
	ck_assert_str_eq(buf, "every:9223372036854775807");
	ck_assert_int_eq(anneal_hook_actions_text(&big, buf, sizeof buf, NULL), ANNEAL_OK);
	ck_assert_str_eq(buf, "");

	ck_assert_int_eq(anneal_events_text(d, 0xb, buf, sizeof buf, &len), ANNEAL_OK);
	ck_assert_str_eq(buf, "restart+every:4+restart");
	ck_assert_int_eq(anneal_events_text(d, 0, buf, sizeof buf, &len), ANNEAL_OK);
	ck_assert_str_eq(buf, "");
	ck_assert_uint_eq(len, 0);
	/* bits past the hooks are not hooks */
	ck_assert_int_eq(anneal_events_text(d, 0x4 | UINT64_C(1) << 63, buf, sizeof buf, NULL), ANNEAL_OK);
	ck_assert_str_eq(buf, "at:7");

	/* snprintf's rule: the length of the whole, the buffer cut and terminated */
	ck_assert_int_eq(anneal_events_text(d, 0xb, NULL, 0, &len), ANNEAL_OK);
	ck_assert_uint_eq(len, strlen("restart+every:4+restart"));
	strcpy(buf, "xxxxxxxx");
	ck_assert_int_eq(anneal_events_text(d, 0xb, buf, 5, &len), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(buf, "rest");
	ck_assert_uint_eq(len, 23);
	ck_assert_int_eq(anneal_events_text(d, 0xb, buf, 24, NULL), ANNEAL_OK);
	ck_assert_int_eq(anneal_events_text(d, 0xb, buf, 23, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(buf, "restart+every:4+restar");
	ck_assert_int_eq(anneal_hook_actions_text(&enter, buf, 6, &len), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(buf, "reset");
	ck_assert_int_eq(anneal_hook_event_text(&enter, buf, 1, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(buf, "");

	/* bad arguments */
	ck_assert_int_eq(anneal_hook_event_text(NULL, buf, sizeof buf, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_hook_actions_text(NULL, buf, sizeof buf, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_events_text(NULL, 1, buf, sizeof buf, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(anneal_hook_event_text(&enter, NULL, 4, NULL), ANNEAL_ERR_INVALID);
	anneal_hook odd = {9, 0, NULL, 0, NULL};
	ck_assert_int_eq(anneal_hook_event_text(&odd, buf, sizeof buf, NULL), ANNEAL_ERR_INVALID);
	anneal_action odd_act = {42, NULL};
	anneal_hook odd2 = {ANNEAL_EV_AT, 3, NULL, 1, &odd_act};
	ck_assert_int_eq(anneal_hook_actions_text(&odd2, buf, sizeof buf, NULL), ANNEAL_ERR_INVALID);
	odd2.naction = -1;
	ck_assert_int_eq(anneal_hook_actions_text(&odd2, buf, sizeof buf, NULL), ANNEAL_ERR_INVALID);
}
END_TEST

/* An empty group may be rebound to nothing. */
START_TEST(test_rebind_empty)
{
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	anneal_group gr = {NULL, NULL, 0, 1, 1};
	anneal_opt *o = NULL;
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, NULL, 0), ANNEAL_OK);
	ERR_IS(o, ANNEAL_OK, anneal_rebind(o, 0, NULL, NULL), "");
	ERR_IS(o, ANNEAL_OK, anneal_step(o), "");
	anneal_destroy(o);
}
END_TEST

enum { HN = 40, HSTEPS = 6 };

/* Runs `from` steps on one array of HN, then hands the state to a new
   optimizer through anneal_state_array and anneal_set_step (as a host
   restoring torch's state does) and runs both HSTEPS more on the same
   gradients: the two end with the same parameters, bit for bit.  variant:
   AMSGrad for Adam, centered for RMSProp. */
static void check_handover(int32_t kind, int32_t bias, int variant, int64_t from)
{
	static const int32_t which[] = {ANNEAL_STATE_MOMENTUM, ANNEAL_STATE_SQUARE, ANNEAL_STATE_GRAD_AVG,
	                                ANNEAL_STATE_MAX_SQUARE};
	float pa[HN], pb[HN], ga[HN], gb[HN];
	anneal_config c;
	sgd_config(&c, kind);
	c.momentum = 0.9;
	c.bias = bias;
	c.amsgrad = kind == ANNEAL_ADAM || kind == ANNEAL_ADAMW ? variant : 0;
	c.centered = kind == ANNEAL_RMSPROP ? variant : 0;
	for (int i = 0; i < HN; i++)
		pa[i] = 0.5f - (float)i / HN;
	anneal_group a_gr = {pa, ga, HN, 1, 1}, b_gr = {pb, gb, HN, 1, 1};
	anneal_opt *a = NULL, *b = NULL;
	ck_assert_int_eq(anneal_create(&c, &a_gr, 1, NULL, NULL, &a, NULL, 0), ANNEAL_OK);
	ck_assert_int_eq(anneal_create(&c, &b_gr, 1, NULL, NULL, &b, NULL, 0), ANNEAL_OK);
	for (int64_t t = 0; t < from; t++) {
		for (int i = 0; i < HN; i++)
			ga[i] = rt_grad(t, i, pa[i]);
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
	}
	memcpy(pb, pa, sizeof pa);
	for (size_t w = 0; w < sizeof which / sizeof which[0]; w++) {
		float *x = anneal_state_array(a, 0, which[w]), *y = anneal_state_array(b, 0, which[w]);
		ck_assert((x == NULL) == (y == NULL));
		if (x != NULL)
			memcpy(y, x, HN * sizeof(float));
	}
	ERR_IS(b, ANNEAL_OK, anneal_set_step(b, from, anneal_get_since_reset(a)), "");
	ck_assert_int_eq(anneal_get_step(b), from);
	ck_assert_int_eq(anneal_get_since_reset(b), anneal_get_since_reset(a));
	for (int64_t t = from; t < from + HSTEPS; t++) {
		for (int i = 0; i < HN; i++)
			ga[i] = gb[i] = rt_grad(t, i, pa[i]);
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
		ck_assert_int_eq(anneal_step(b), ANNEAL_OK);
	}
	for (int i = 0; i < HN; i++)
		ck_assert_msg(memcmp(&pa[i], &pb[i], sizeof(float)) == 0,
		              "kind %d bias %d from %lld: element %d is %.9g after the handover, %.9g without", (int)kind,
		              (int)bias, (long long)from, i, (double)pb[i], (double)pa[i]);
	anneal_destroy(a);
	anneal_destroy(b);
}

START_TEST(test_set_step_handover)
{
	for (int32_t kind = ANNEAL_SGD; kind <= ANNEAL_RMSPROP; kind++)
		for (int variant = 0; variant < 2; variant++)
			for (int64_t from = 0; from <= 5; from += 5)
				check_handover(kind, ANNEAL_BIAS_POWER, variant, from);
	/* PRODUCT's beta^t against the run's running product: equal for these
	   betas over these few steps (the header allows the last bit to differ). */
	check_handover(ANNEAL_ADAM, ANNEAL_BIAS_PRODUCT, 0, 5);
	check_handover(ANNEAL_ADAMW, ANNEAL_BIAS_PRODUCT, 1, 3);
}
END_TEST

/* since_reset 0 is the state before the first update (SGD) or right after
   `reset moments` (Adam): the next update starts afresh, as a new
   optimizer's first does, whatever the step. */
START_TEST(test_set_step_since_reset)
{
	float pa[HN], pb[HN], ga[HN];
	for (int32_t kind = ANNEAL_SGD; kind <= ANNEAL_ADAM; kind++) {
		anneal_config c;
		sgd_config(&c, kind);
		c.momentum = 0.9;
		for (int i = 0; i < HN; i++) {
			pa[i] = pb[i] = 0.25f + (float)i / HN;
			ga[i] = rt_grad(0, i, pa[i]);
		}
		anneal_group a_gr = {pa, ga, HN, 1, 1}, b_gr = {pb, ga, HN, 1, 1};
		anneal_opt *a = NULL, *b = NULL;
		ck_assert_int_eq(anneal_create(&c, &a_gr, 1, NULL, NULL, &a, NULL, 0), ANNEAL_OK);
		ck_assert_int_eq(anneal_create(&c, &b_gr, 1, NULL, NULL, &b, NULL, 0), ANNEAL_OK);
		ck_assert_int_eq(anneal_set_step(b, 9, 0), ANNEAL_OK);
		ck_assert_int_eq(anneal_get_since_reset(b), 0);
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
		ck_assert_int_eq(anneal_step(b), ANNEAL_OK);
		ck_assert_int_eq(anneal_get_step(b), 10);
		ck_assert_int_eq(memcmp(pa, pb, sizeof pa), 0);
		anneal_destroy(a);
		anneal_destroy(b);
	}
}
END_TEST

/* Rebinding moves the update to the new arrays and keeps the state: the
   run continues as if the arrays had never moved, and the old ones rest. */
START_TEST(test_rebind_continues)
{
	float pa[HN], ga[HN], p1[HN], g1[HN], p2[HN], g2[HN], rest[HN];
	anneal_config c;
	sgd_config(&c, ANNEAL_ADAMW);
	for (int i = 0; i < HN; i++)
		pa[i] = p1[i] = (float)i / HN - 0.3f;
	anneal_group a_gr = {pa, ga, HN, 1, 1}, b_gr = {p1, g1, HN, 1, 1};
	anneal_opt *a = NULL, *b = NULL;
	ck_assert_int_eq(anneal_create(&c, &a_gr, 1, NULL, NULL, &a, NULL, 0), ANNEAL_OK);
	ck_assert_int_eq(anneal_create(&c, &b_gr, 1, NULL, NULL, &b, NULL, 0), ANNEAL_OK);
	for (int64_t t = 0; t < 3; t++) {
		for (int i = 0; i < HN; i++)
			ga[i] = g1[i] = rt_grad(t, i, pa[i]);
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
		ck_assert_int_eq(anneal_step(b), ANNEAL_OK);
	}
	memcpy(p2, p1, sizeof p1);
	memcpy(rest, p1, sizeof p1);
	ERR_IS(b, ANNEAL_OK, anneal_rebind(b, 0, p2, g2), "");
	for (int64_t t = 3; t < 6; t++) {
		for (int i = 0; i < HN; i++)
			ga[i] = g2[i] = rt_grad(t, i, pa[i]);
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
		ck_assert_int_eq(anneal_step(b), ANNEAL_OK);
	}
	ck_assert_int_eq(memcmp(pa, p2, sizeof pa), 0);
	ck_assert_int_eq(memcmp(rest, p1, sizeof p1), 0);
	anneal_destroy(a);
	anneal_destroy(b);
}
END_TEST

/* anneal_skip_step: the step advances, its hooks would fire, nothing moves. */
START_TEST(test_skip_step)
{
	float pp[HN], gg[HN], keep[HN];
	anneal_config c;
	sgd_config(&c, ANNEAL_ADAM);
	for (int i = 0; i < HN; i++)
		pp[i] = keep[i] = (float)i, gg[i] = 1;
	anneal_group gr = {pp, gg, HN, 1, 1};
	anneal_opt *o = NULL;
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, NULL, 0), ANNEAL_OK);
	ERR_IS(o, ANNEAL_OK, anneal_skip_step(o), "");
	ck_assert_int_eq(anneal_get_step(o), 1);
	ck_assert_int_eq(anneal_last_skipped(o), 1);
	ck_assert_int_eq(anneal_get_since_reset(o), 0); /* no update ran: bias correction has not moved */
	ck_assert_int_eq(memcmp(pp, keep, sizeof pp), 0);
	ERR_IS(o, ANNEAL_OK, anneal_step(o), "");
	ck_assert_int_eq(anneal_last_skipped(o), 0);
	ck_assert_int_eq(anneal_get_since_reset(o), 1);
	ck_assert_int_eq(anneal_skip_step(NULL), ANNEAL_ERR_INVALID);
	anneal_destroy(o);
}
END_TEST

/* Two shards with anneal_set_shard draw the whole's noise: bit for bit the
   parameters of one optimizer over both halves. */
START_TEST(test_shards_draw_the_whole_noise)
{
	float whole[2 * HN], gw[2 * HN], half[2][HN], gh[2][HN];
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	c.momentum = 0.9;
	c.temperature = 1e-3;
	c.seed = 11;
	for (int i = 0; i < 2 * HN; i++)
		whole[i] = half[i / HN][i % HN] = (float)i / HN;
	anneal_group wg = {whole, gw, 2 * HN, 1, 1}, hg[2] = {{half[0], gh[0], HN, 1, 1}, {half[1], gh[1], HN, 1, 1}};
	anneal_opt *w = NULL, *h[2] = {NULL, NULL};
	ck_assert_int_eq(anneal_create(&c, &wg, 1, NULL, NULL, &w, NULL, 0), ANNEAL_OK);
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(anneal_create(&c, &hg[k], 1, NULL, NULL, &h[k], NULL, 0), ANNEAL_OK);
		ERR_IS(h[k], ANNEAL_OK, anneal_set_shard(h[k], k * HN, 2 * HN), "");
	}
	for (int64_t t = 0; t < 4; t++) {
		for (int i = 0; i < 2 * HN; i++)
			gw[i] = gh[i / HN][i % HN] = rt_grad(t, i, whole[i]);
		ck_assert_int_eq(anneal_step(w), ANNEAL_OK);
		ck_assert_int_eq(anneal_step(h[0]), ANNEAL_OK);
		ck_assert_int_eq(anneal_step(h[1]), ANNEAL_OK);
	}
	ck_assert_int_eq(memcmp(whole, half, sizeof whole), 0);
	ERR_IS(h[0], ANNEAL_ERR_INVALID, anneal_set_shard(h[0], HN + 1, 2 * HN),
	       "anneal_set_shard: elements [41, 41 + 40) do not fit a whole of 80");
	ERR_IS(h[0], ANNEAL_ERR_INVALID, anneal_set_shard(h[0], -1, 2 * HN),
	       "anneal_set_shard: elements [-1, -1 + 40) do not fit a whole of 80");
	ERR_IS(h[0], ANNEAL_ERR_INVALID, anneal_set_shard(h[0], 0, HN - 1),
	       "anneal_set_shard: elements [0, 0 + 40) do not fit a whole of 39");
	ck_assert_int_eq(anneal_set_shard(NULL, 0, 0), ANNEAL_ERR_INVALID);
	anneal_destroy(w);
	anneal_destroy(h[0]);
	anneal_destroy(h[1]);
}
END_TEST

/* Resharding: an optimizer over one array of 2*HN hands its arrays (element
   by element) and its counters (anneal_adopt_counters) to one over two
   groups of HN; both go on alike, bit for bit. */
START_TEST(test_adopt_counters)
{
	float pa[2 * HN], ga[2 * HN], pb[2][HN], gb[2][HN];
	static const int32_t which[] = {ANNEAL_STATE_MOMENTUM, ANNEAL_STATE_SQUARE, ANNEAL_STATE_MAX_SQUARE};
	anneal_config c;
	sgd_config(&c, ANNEAL_ADAMW);
	c.amsgrad = 1;
	for (int i = 0; i < 2 * HN; i++)
		pa[i] = 0.5f - (float)i / HN;
	anneal_group ag = {pa, ga, 2 * HN, 1, 1}, bg[2] = {{pb[0], gb[0], HN, 1, 1}, {pb[1], gb[1], HN, 1, 1}};
	anneal_opt *a = NULL, *b = NULL;
	ck_assert_int_eq(anneal_create(&c, &ag, 1, NULL, NULL, &a, NULL, 0), ANNEAL_OK);
	ck_assert_int_eq(anneal_create(&c, bg, 2, NULL, NULL, &b, NULL, 0), ANNEAL_OK);
	for (int64_t t = 0; t < 5; t++) {
		for (int i = 0; i < 2 * HN; i++)
			ga[i] = rt_grad(t, i, pa[i]);
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
	}
	memcpy(pb, pa, sizeof pa);
	for (size_t w = 0; w < sizeof which / sizeof which[0]; w++)
		for (int k = 0; k < 2; k++)
			memcpy(anneal_state_array(b, k, which[w]), anneal_state_array(a, 0, which[w]) + k * HN,
			       HN * sizeof(float));
	ERR_IS(b, ANNEAL_OK, anneal_adopt_counters(b, a), "");
	ck_assert_int_eq(anneal_get_step(b), 5);
	for (int64_t t = 5; t < 9; t++) {
		for (int i = 0; i < 2 * HN; i++)
			ga[i] = gb[i / HN][i % HN] = rt_grad(t, i, pa[i]);
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
		ck_assert_int_eq(anneal_step(b), ANNEAL_OK);
	}
	ck_assert_int_eq(memcmp(pa, pb, sizeof pa), 0);
	/* what must match */
	anneal_config d = c;
	d.amsgrad = 0;
	anneal_opt *e = NULL;
	ck_assert_int_eq(anneal_create(&d, &ag, 1, NULL, NULL, &e, NULL, 0), ANNEAL_OK);
	ERR_IS(e, ANNEAL_ERR_INVALID, anneal_adopt_counters(e, a), "anneal_adopt_counters: src has amsgrad = 1, dst 0");
	ERR_IS(e, ANNEAL_ERR_INVALID, anneal_adopt_counters(e, NULL), "anneal_adopt_counters: src is NULL");
	ck_assert_int_eq(anneal_adopt_counters(NULL, a), ANNEAL_ERR_INVALID);
	anneal_destroy(e);
	sgd_config(&d, ANNEAL_ADAM);
	ck_assert_int_eq(anneal_create(&d, &ag, 1, NULL, NULL, &e, NULL, 0), ANNEAL_OK);
	ERR_IS(e, ANNEAL_ERR_INVALID, anneal_adopt_counters(e, a), "anneal_adopt_counters: src has kind = 2, dst 1");
	anneal_destroy(e);
	ck_assert_int_eq(anneal_create(&c, &ag, 1, &rt_sgdr10, NULL, &e, NULL, 0), ANNEAL_OK);
	ERR_IS(e, ANNEAL_ERR_INVALID, anneal_adopt_counters(e, a),
	       "anneal_adopt_counters: the two optimizers follow different schedules");
	anneal_destroy(e);
	anneal_destroy(a);
	anneal_destroy(b);
}
END_TEST

/* Kept snapshots are copies in src's layout: adopting them is refused. */
START_TEST(test_adopt_refuses_snapshots)
{
	float pa[HN], ga[HN];
	anneal_config c;
	sgd_config(&c, ANNEAL_SGD);
	c.snapshot_keep = 2;
	anneal_group ag = {pa, ga, HN, 1, 1};
	anneal_opt *a = NULL, *b = NULL;
	memset(pa, 0, sizeof pa);
	memset(ga, 0, sizeof ga);
	ck_assert_int_eq(anneal_create(&c, &ag, 1, &rt_sgdr10, NULL, &a, NULL, 0), ANNEAL_OK);
	ck_assert_int_eq(anneal_create(&c, &ag, 1, &rt_sgdr10, NULL, &b, NULL, 0), ANNEAL_OK);
	ck_assert_int_eq(anneal_set_callback(a, "save_best", no_call, NULL), ANNEAL_OK);
	ck_assert_int_eq(anneal_set_callback(a, "restarted", no_call, NULL), ANNEAL_OK);
	for (int t = 0; t < 11; t++) /* the restart at 10 snapshots */
		ck_assert_int_eq(anneal_step(a), ANNEAL_OK);
	ERR_IS(b, ANNEAL_ERR_UNSUPPORTED, anneal_adopt_counters(b, a),
	       "anneal_adopt_counters: src keeps snapshots (1 taken) in its own layout, which do not carry over");
	anneal_destroy(a);
	anneal_destroy(b);
}
END_TEST

Suite *suite_runtime_api(void)
{
	Suite *s = suite_create("runtime_api");
	TCase *tc = tcase_create("config");
	tcase_add_loop_test(tc, test_bad_config, 0, (int)(sizeof bad_configs / sizeof bad_configs[0]));
	tcase_add_test(tc, test_good_configs);
	tcase_add_test(tc, test_bad_groups_and_desc);
	tcase_add_test(tc, test_config_fields);
	suite_add_tcase(s, tc);
	tc = tcase_create("arguments");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_null_optimizer);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_bad_plateau);
	tcase_add_test(tc, test_schedule_arguments);
	tcase_add_test(tc, test_check_ready);
	suite_add_tcase(s, tc);
	tc = tcase_create("host_state");
	tcase_add_test(tc, test_rebind_empty);
	tcase_add_test(tc, test_set_step_handover);
	tcase_add_test(tc, test_set_step_since_reset);
	tcase_add_test(tc, test_rebind_continues);
	tcase_add_test(tc, test_skip_step);
	tcase_add_test(tc, test_shards_draw_the_whole_noise);
	tcase_add_test(tc, test_adopt_counters);
	tcase_add_test(tc, test_adopt_refuses_snapshots);
	suite_add_tcase(s, tc);
	tc = tcase_create("lookups");
	tcase_add_test(tc, test_lookups);
	suite_add_tcase(s, tc);
	return s;
}
