/* check_runtime.c: libanneal's optimizers: defaults, fallbacks, bias correction, groups, hooks, threads. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_runtime.h"

void rt_sgdr10_eval(int64_t step, const double *params, anneal_point *out)
{
	double peak = params != NULL ? params[0] : 0.05;
	int64_t k = step / 10, t = step % 10;
	memset(out, 0, sizeof *out);
	for (int i = 0; i < ANNEAL_MAX_CHANNELS; i++)
		out->value[i] = NAN;
	out->value[ANNEAL_LR] = 0.1 * peak + 0.9 * peak * 0.5 * (1 + cos(M_PI * (double)t / 10));
	out->value[ANNEAL_MOMENTUM] = 0.85 + 0.01 * (double)t;
	out->cycle = k;
	if (t == 0 && k > 0)
		out->events |= 1u << 0 | 1u << 3;
	if (step > 0 && step % 4 == 0)
		out->events |= 1u << 1;
	if (step == 7)
		out->events |= 1u << 2;
}

static const anneal_action act_restart[] = {{ANNEAL_ACT_RESET_MOMENTUM, NULL}, {ANNEAL_ACT_SNAPSHOT, NULL}};
static const anneal_action act_swa[] = {{ANNEAL_ACT_SWA, NULL}};
static const anneal_action act_save[] = {{ANNEAL_ACT_CALL, "save_best"}};
static const anneal_action act_restart2[] = {{ANNEAL_ACT_CALL, "restarted"}, {ANNEAL_ACT_RESET_MOMENTS, NULL}};
static const anneal_hook sgdr10_hooks[] = {
	{ANNEAL_EV_RESTART, 0, NULL, 2, act_restart},
	{ANNEAL_EV_EVERY, 4, NULL, 1, act_swa},
	{ANNEAL_EV_AT, 7, NULL, 1, act_save},
	{ANNEAL_EV_RESTART, 0, NULL, 2, act_restart2},
};
static const anneal_param sgdr10_params[] = {{"peak", 0.05, 0}};

const anneal_desc rt_sgdr10 = {
	.abi_version = ANNEAL_ABI_VERSION,
	.name = "sgdr10",
	.nparam = 1,
	.param = sgdr10_params,
	.channels = 1u << ANNEAL_LR | 1u << ANNEAL_MOMENTUM,
	.channel_name = {"lr", "momentum"},
	.primary = ANNEAL_LR,
	.nhook = 4,
	.hook = sgdr10_hooks,
	.horizon = -1,
	.digest = 0x5a5a1234abcdULL,
	.eval = rt_sgdr10_eval,
	.fill = NULL,
};

float rt_grad(int64_t step, int64_t i, float p)
{
	uint32_t x = (uint32_t)step * 2654435761u ^ (uint32_t)i * 40503u;
	x ^= x >> 15;
	x *= 2246822519u;
	x ^= x >> 13;
	return p * (1.0f + (float)(i % 7)) * 0.25f + ((float)(x & 1023) - 511.5f) / 512.0f;
}

static anneal_opt *make(const anneal_config *c, anneal_group *g, int ng, const anneal_desc *d)
{
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(c, g, ng, d, NULL, &o, err, sizeof err);
	ck_assert_msg(o != NULL, "anneal_create: %s", err);
	return o;
}

/* torch.optim 1.13's defaults, from its constructors' signatures. */
START_TEST(test_defaults)
{
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	ck_assert(isnan(c.lr) && c.momentum == 0 && c.dampening == 0 && c.weight_decay == 0 && !c.nesterov);
	anneal_config_init(&c, ANNEAL_ADAM);
	ck_assert(c.lr == 1e-3 && c.momentum == 0.9 && c.beta2 == 0.999 && c.eps == 1e-8 && c.weight_decay == 0);
	anneal_config_init(&c, ANNEAL_ADAMW);
	ck_assert(c.lr == 1e-3 && c.momentum == 0.9 && c.beta2 == 0.999 && c.eps == 1e-8 && c.weight_decay == 1e-2);
	anneal_config_init(&c, ANNEAL_RMSPROP);
	ck_assert(c.lr == 1e-2 && c.beta2 == 0.99 && c.eps == 1e-8 && c.momentum == 0 && !c.centered);
	ck_assert(c.bias == ANNEAL_BIAS_PRODUCT);
}
END_TEST

START_TEST(test_create_errors)
{
	float p[4] = {0}, g[4] = {0};
	anneal_group gr = {p, g, 4, 1, 1};
	anneal_config c;
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = (anneal_opt *)&c;
	anneal_config_init(&c, ANNEAL_SGD);
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, err, sizeof err), ANNEAL_ERR_INVALID);
	ck_assert_ptr_null(o);
	ck_assert_str_eq(err, "anneal_config.lr = nan: unset, and the schedule defines no lr channel");
	c.lr = 0.1;
	c.nesterov = 1;
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, err, sizeof err), ANNEAL_ERR_INVALID);
	ck_assert_msg(strstr(err, "Nesterov") != NULL, "got: %s", err);
	c.nesterov = 0;
	anneal_desc d = rt_sgdr10;
	d.abi_version = 99;
	ck_assert_int_eq(anneal_create(&c, &gr, 1, &d, NULL, &o, err, sizeof err), ANNEAL_ERR_UNSUPPORTED);
	ck_assert_msg(strstr(err, "ABI version 99") != NULL, "got: %s", err);
	gr.grad = NULL;
	ck_assert_int_eq(anneal_create(&c, &gr, 1, NULL, NULL, &o, err, sizeof err), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(err, "group[0].grad is NULL");
}
END_TEST

static double lr_nan_eval_value;
static void nan_eval(int64_t step, const double *params, anneal_point *out)
{
	memset(out, 0, sizeof *out);
	for (int i = 0; i < ANNEAL_MAX_CHANNELS; i++)
		out->value[i] = NAN;
	out->value[ANNEAL_LR] = step % 2 ? NAN : lr_nan_eval_value;
	out->value[ANNEAL_MOMENTUM] = 0.5; /* the desc does not define it: ignored */
}

/* An undefined channel (bit clear) or a NaN value takes the config's value. */
START_TEST(test_fallback)
{
	float p[1] = {1}, g[1] = {1};
	anneal_group gr = {p, g, 1, 1, 1};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.lr = 0.25;
	c.momentum = 0.75;
	lr_nan_eval_value = 0.125;
	anneal_desc d = {.abi_version = ANNEAL_ABI_VERSION, .name = "nan", .channels = 1u << ANNEAL_LR,
	                 .eval = nan_eval, .horizon = -1};
	anneal_opt *o = make(&c, &gr, 1, &d);
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert(anneal_last_point(o)->value[ANNEAL_LR] == 0.125);
	ck_assert(anneal_last_point(o)->value[ANNEAL_MOMENTUM] == 0.75);
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert(anneal_last_point(o)->value[ANNEAL_LR] == 0.25);
	/* p = 1 - 0.125*1 - 0.25*(0.75*1 + 1) */
	ck_assert_float_eq(p[0], 1.0f - 0.125f - 0.25f * 1.75f);
	anneal_destroy(o);
}
END_TEST

/* A scheduled beta1 that leaves [0, 1) stops the step with a message and changes nothing. */
static void bad_beta_eval(int64_t step, const double *params, anneal_point *out)
{
	memset(out, 0, sizeof *out);
	out->value[ANNEAL_LR] = 1e-3;
	out->value[ANNEAL_MOMENTUM] = step == 3 ? 1.0 : 0.9;
}

START_TEST(test_bad_channel_value)
{
	float p[2] = {1, 2}, g[2] = {1, 1};
	anneal_group gr = {p, g, 2, 1, 1};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_ADAM);
	anneal_desc d = {.abi_version = ANNEAL_ABI_VERSION, .name = "bad",
	                 .channels = 1u << ANNEAL_LR | 1u << ANNEAL_MOMENTUM, .eval = bad_beta_eval, .horizon = -1};
	anneal_opt *o = make(&c, &gr, 1, &d);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(anneal_step(o), 0);
	float before[2] = {p[0], p[1]}, m0 = anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM)[0];
	ck_assert_int_eq(anneal_step(o), ANNEAL_ERR_INVALID);
	ck_assert_msg(strstr(anneal_errmsg(o), "step 3: momentum/beta1 is 1") != NULL, "got: %s", anneal_errmsg(o));
	ck_assert(p[0] == before[0] && p[1] == before[1]);
	ck_assert(anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM)[0] == m0);
	ck_assert_int_eq(anneal_get_step(o), 3);
	anneal_destroy(o);
}
END_TEST

/* SGD's first velocity is d itself (no dampening), later ones mu*b + (1-dampening)*d. */
START_TEST(test_sgd_first_step)
{
	float p[1] = {0}, g[1] = {2};
	anneal_group gr = {p, g, 1, 1, 1};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.lr = 0.5;
	c.momentum = 0.5;
	c.dampening = 0.5;
	anneal_opt *o = make(&c, &gr, 1, NULL);
	const float *b = anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM);
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert_float_eq(b[0], 2.0f);
	ck_assert_float_eq(p[0], -1.0f);
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert_float_eq(b[0], 2.0f);
	ck_assert_float_eq(p[0], -2.0f);
	anneal_destroy(o);
}
END_TEST

/* Each group scales lr and weight decay by its own factors. */
START_TEST(test_group_scales)
{
	float p[3] = {1, 1, 1}, g[3] = {0, 0, 0};
	anneal_group gr[3] = {{p, g, 1, 1, 1}, {p + 1, g + 1, 1, 0.5, 1}, {p + 2, g + 2, 1, 1, 0}};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.lr = 0.5;
	c.weight_decay = 0.5;
	anneal_opt *o = make(&c, gr, 3, NULL);
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert_float_eq(p[0], 0.75f);
	ck_assert_float_eq(p[1], 0.875f);
	ck_assert_float_eq(p[2], 1.0f);
	anneal_destroy(o);
}
END_TEST

/* beta1 alternates 0.5 / 0.95 every step. */
static void cycled_beta_eval(int64_t step, const double *params, anneal_point *out)
{
	memset(out, 0, sizeof *out);
	out->value[ANNEAL_LR] = 1e-3;
	out->value[ANNEAL_MOMENTUM] = step % 2 ? 0.95 : 0.5;
	out->value[ANNEAL_BETA2] = 0.999;
}

/*
 * With a constant gradient g, m_t = g * (1 - prod beta1_i) exactly (and v
 * likewise), so the exactly corrected step is lr * g / (|g| + eps) every
 * time.  1 - beta1^t with the current beta1 misses that by tens of percent
 * when beta1 is cycled.
 */
START_TEST(test_bias_product_vs_power)
{
	anneal_desc d = {.abi_version = ANNEAL_ABI_VERSION, .name = "cycled",
	                 .channels = 1u << ANNEAL_LR | 1u << ANNEAL_MOMENTUM | 1u << ANNEAL_BETA2,
	                 .eval = cycled_beta_eval, .horizon = -1};
	double worst[2] = {0, 0};
	for (int mode = 0; mode < 2; mode++) {
		float p[1] = {0}, g[1] = {1};
		anneal_group gr = {p, g, 1, 1, 1};
		anneal_config c;
		anneal_config_init(&c, ANNEAL_ADAM);
		c.bias = mode == 0 ? ANNEAL_BIAS_PRODUCT : ANNEAL_BIAS_POWER;
		anneal_opt *o = make(&c, &gr, 1, &d);
		for (int s = 0; s < 40; s++) {
			float before = p[0];
			ck_assert_int_eq(anneal_step(o), 0);
			double rel = fabs((double)(before - p[0]) / (1e-3 / (1 + 1e-8)) - 1);
			if (rel > worst[mode])
				worst[mode] = rel;
		}
		anneal_destroy(o);
	}
	ck_assert_msg(worst[0] < 1e-3, "product correction is off by %g", worst[0]);
	ck_assert_msg(worst[1] > 0.2, "1 - beta1^t should be visibly wrong here, worst %g", worst[1]);
}
END_TEST

typedef struct Log {
	int64_t step[64];
	int64_t cycle[64];
	float p0[64];
	int n;
} Log;

static void log_snapshot(void *user, int64_t step, int64_t cycle, const anneal_group *g, int32_t ng)
{
	Log *l = user;
	ck_assert_int_eq(ng, 1);
	l->step[l->n] = step;
	l->cycle[l->n] = cycle;
	l->p0[l->n] = g[0].param[0];
	l->n++;
}

static void log_call(void *user, int64_t step, const anneal_point *pt)
{
	Log *l = user;
	l->step[l->n] = step;
	l->cycle[l->n] = pt->cycle;
	l->n++;
}

/* Events fire at the schedule's steps, before the update, in hook order. */
START_TEST(test_hooks)
{
	enum { N = 5 };
	float p[N], g[N], avg[N];
	for (int i = 0; i < N; i++)
		p[i] = (float)i, avg[i] = 0;
	anneal_group gr = {p, g, N, 1, 1};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.dampening = 0.5;
	c.snapshot_keep = 3;
	anneal_opt *o = make(&c, &gr, 1, &rt_sgdr10);
	Log snaps = {0}, saves = {0}, restarts = {0};
	anneal_set_snapshot(o, log_snapshot, &snaps);
	ck_assert_int_eq(anneal_set_callback(o, "save_best", log_call, &saves), 0);
	ck_assert_int_eq(anneal_set_callback(o, "nonesuch", log_call, &saves), ANNEAL_ERR_INVALID);
	ck_assert_msg(strstr(anneal_errmsg(o), "no `call nonesuch`") != NULL, "got: %s", anneal_errmsg(o));

	/* `restarted` is not registered yet: the first step fails, naming the hook,
	   though the hook fires only at step 10, and changes nothing. */
	float keep[N];
	memcpy(keep, p, sizeof p);
	ck_assert_int_eq(anneal_step(o), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(anneal_errmsg(o),
	                 "hook 3 (on restart) has `call restarted` but no callback is registered under that name");
	ck_assert(memcmp(keep, p, sizeof p) == 0 && anneal_get_step(o) == 0 && snaps.n == 0);
	ck_assert_int_eq(anneal_set_callback(o, "restarted", log_call, &restarts), 0);

	for (int s = 0; s < 30; s++) {
		for (int i = 0; i < N; i++)
			g[i] = rt_grad(s, i, p[i]);
		float before0 = p[0];
		if (s % 4 == 0) {
			int64_t nswa = anneal_swa_count(o);
			for (int i = 0; i < N; i++)
				avg[i] += (p[i] - avg[i]) / (float)(nswa + 1);
		}
		ck_assert_int_eq(anneal_step(o), 0);
		if (s % 10 == 0 && s > 0) {
			/* reset before the update: the velocity is (1 - dampening) * g */
			const float *b = anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM);
			for (int i = 0; i < N; i++)
				ck_assert_float_eq(b[i], 0.5f * g[i]);
			ck_assert_float_eq(snaps.p0[snaps.n - 1], before0);
		}
	}
	ck_assert_int_eq(snaps.n, 2);
	ck_assert(snaps.step[0] == 10 && snaps.cycle[0] == 1 && snaps.step[1] == 20 && snaps.cycle[1] == 2);
	ck_assert(saves.n == 1 && saves.step[0] == 7);
	ck_assert(restarts.n == 2 && restarts.step[0] == 10 && restarts.step[1] == 20);
	/* the kept copies are the parameters the handler saw */
	ck_assert_int_eq(anneal_snapshot_count(o), 2);
	for (int k = 0; k < 2; k++) {
		int64_t step, cycle;
		const float *copy = anneal_snapshot_get(o, k, 0, &step, &cycle);
		ck_assert_ptr_nonnull(copy);
		ck_assert(step == snaps.step[k] && cycle == snaps.cycle[k] && copy[0] == snaps.p0[k]);
	}
	ck_assert_ptr_null(anneal_snapshot_get(o, 2, 0, NULL, NULL));
	ck_assert_int_eq(anneal_swa_count(o), 7); /* steps 4, 8, ..., 28 */
	const float *swa = anneal_state_array(o, 0, ANNEAL_STATE_SWA);
	for (int i = 0; i < N; i++)
		ck_assert_msg(swa[i] == avg[i], "swa[%d] %.9g, expected %.9g", i, swa[i], avg[i]);
	float avg_copy[N];
	memcpy(keep, p, sizeof p);
	memcpy(avg_copy, swa, sizeof avg_copy);
	ck_assert_int_eq(anneal_swa_swap(o), 0);
	ck_assert(memcmp(p, avg_copy, sizeof p) == 0 && memcmp(swa, keep, sizeof p) == 0);
	anneal_destroy(o);
}
END_TEST

/* Adam's reset momentum restarts prod beta1 (PRODUCT mode) so m is unbiased again. */
START_TEST(test_reset_moments_adam)
{
	float p[1] = {0}, g[1] = {1};
	anneal_group gr = {p, g, 1, 1, 1};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_ADAM);
	anneal_desc d = rt_sgdr10;
	d.nhook = _i; /* 1: reset momentum alone; 4: then reset moments too */
	anneal_opt *o = make(&c, &gr, 1, &d);
	Log l1 = {0}, l2 = {0};
	if (_i == 4) {
		ck_assert_int_eq(anneal_set_callback(o, "save_best", log_call, &l1), 0);
		ck_assert_int_eq(anneal_set_callback(o, "restarted", log_call, &l2), 0);
	}
	for (int s = 0; s < 25; s++) {
		float before = p[0];
		ck_assert_int_eq(anneal_step(o), 0);
		double lr = anneal_last_point(o)->value[ANNEAL_LR];
		/* a constant gradient keeps every corrected step at lr, resets or not */
		ck_assert_msg(fabs((double)(before - p[0]) / lr - 1) < 1e-4, "step %d: moved %g, lr %g", s, before - p[0], lr);
	}
	anneal_destroy(o);
}
END_TEST

/* Every kind and variant (momentum, Nesterov, AMSGrad, centered, noise)
   gives bit-identical results on 1 and 2 threads, including groups that are
   not a multiple of the vector width. */
START_TEST(test_threads_identical)
{
	static const int kinds[][3] = {
		{ANNEAL_SGD, 0, 0}, {ANNEAL_SGD, 1, 0}, {ANNEAL_SGD, 1, 1}, {ANNEAL_ADAM, 0, 0},
		{ANNEAL_ADAMW, 0, 0}, {ANNEAL_ADAMW, 0, 1}, {ANNEAL_RMSPROP, 0, 0}, {ANNEAL_RMSPROP, 1, 1},
	};
	enum { A = 100003, B = 777 };
	float *p[2], *g = malloc((A + B) * sizeof *g);
	for (int t = 0; t < 2; t++)
		p[t] = malloc((A + B) * sizeof(float));
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		for (int t = 0; t < 2; t++) {
			for (int i = 0; i < A + B; i++)
				p[t][i] = (float)((i * 37) % 101 - 50) / 16.0f;
			anneal_group gr[2] = {{p[t], g, A, 1, 1}, {p[t] + A, g + A, B, 2, 0}};
			anneal_config c;
			anneal_config_init(&c, kinds[k][0]);
			c.lr = kinds[k][0] == ANNEAL_SGD ? 0.01 : 1e-3;
			c.momentum = kinds[k][1] ? 0.9 : c.momentum;
			c.nesterov = kinds[k][0] == ANNEAL_SGD && kinds[k][2];
			c.centered = kinds[k][0] == ANNEAL_RMSPROP && kinds[k][2];
			c.amsgrad = kinds[k][0] == ANNEAL_ADAMW && kinds[k][2];
			c.weight_decay = 1e-2;
			c.threads = t + 1;
			c.parallel_min = 512;
			c.temperature = k == 3 ? 1e-4 : 0; /* noise too, on one kind */
			anneal_opt *o = make(&c, gr, 2, NULL);
			for (int s = 0; s < 12; s++) {
				for (int i = 0; i < A + B; i++)
					g[i] = rt_grad(s, i, p[t][i]);
				ck_assert_int_eq(anneal_step(o), 0);
			}
			anneal_destroy(o);
		}
		int64_t bad = -1;
		for (int i = 0; i < A + B && bad < 0; i++)
			if (memcmp(&p[0][i], &p[1][i], sizeof(float)) != 0)
				bad = i;
		ck_assert_msg(bad < 0, "kind row %zu: element %lld differs: %.9g (1 thread) vs %.9g (2 threads)", k,
		              (long long)bad, bad < 0 ? 0 : p[0][bad], bad < 0 ? 0 : p[1][bad]);
	}
	free(p[0]);
	free(p[1]);
	free(g);
}
END_TEST

/* The controller against torch.optim.lr_scheduler.ReduceLROnPlateau 1.13:
   lr=1, factor=0.5, patience=2, threshold=0.1, cooldown=1, min_lr=0.2; the
   expected lrs are what torch printed for these metrics. */
START_TEST(test_plateau)
{
	static const double min_metric[] = {10, 9, 9.5, 9.2, 9.1, 9.0, 5, 5, 5, 5, 5, 4.4, 4.5, 4.6, 4.7};
	static const double min_lr[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.25, 0.2};
	static const double max_metric[] = {1, 2, 2.05, 2.1, 2.2, 3, 3, 3, 3, 3, 3, 3};
	static const double max_lr[] = {1, 1, 1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5};
	for (int mode = 0; mode < 2; mode++) {
		float p[1] = {0}, g[1] = {0};
		anneal_group gr = {p, g, 1, 1, 1};
		anneal_config c;
		anneal_config_init(&c, ANNEAL_SGD);
		c.lr = 1;
		anneal_opt *o = make(&c, &gr, 1, NULL);
		ck_assert_int_eq(anneal_plateau_report(o, 1, NULL), ANNEAL_ERR_INVALID);
		anneal_plateau_config pc;
		anneal_plateau_config_init(&pc);
		pc.mode_max = mode;
		pc.rel = mode == 0;
		pc.factor = 0.5;
		pc.patience = 2;
		pc.threshold = 0.1;
		pc.cooldown = 1;
		pc.min_lr = 0.2;
		ck_assert_int_eq(anneal_plateau_enable(o, &pc), 0);
		int n = mode ? 12 : 15;
		for (int i = 0; i < n; i++) {
			ck_assert_int_eq(anneal_step(o), 0);
			ck_assert_int_eq(anneal_plateau_report(o, mode ? max_metric[i] : min_metric[i], NULL), ANNEAL_OK);
			ck_assert_int_eq(anneal_step(o), 0);
			double want = mode ? max_lr[i] : min_lr[i];
			ck_assert_msg(anneal_last_point(o)->value[ANNEAL_LR] == want, "mode %d report %d: lr %g, torch %g", mode,
			              i, anneal_last_point(o)->value[ANNEAL_LR], want);
		}
		pc.factor = 1;
		ck_assert_int_eq(anneal_plateau_enable(o, &pc), ANNEAL_ERR_INVALID);
		anneal_destroy(o);
	}
}
END_TEST

/* With the temperature K and plain SGD on a zero gradient the noise makes
   |dtheta|^2 = K on average: over 200000 elements the sum is within 3% (its
   relative standard deviation is sqrt(2/n) = 0.3%), the mean near 0, and two
   runs with one seed agree bit for bit. */
START_TEST(test_noise_thermostat)
{
	enum { N = 200000 };
	float *p = calloc(N, sizeof *p), *g = calloc(N, sizeof *g), *q = calloc(N, sizeof *q);
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.lr = 0.05;
	c.temperature = 1e-3;
	anneal_group gr = {p, g, N, 1, 1};
	anneal_opt *o = make(&c, &gr, 1, NULL);
	for (int s = 0; s < 3; s++) {
		memcpy(q, p, N * sizeof *p);
		ck_assert_int_eq(anneal_step(o), 0);
		double sq = 0, sum = 0;
		for (int i = 0; i < N; i++) {
			double d = (double)p[i] - q[i];
			sq += d * d;
			sum += d;
		}
		ck_assert_msg(fabs(sq / c.temperature - 1) < 0.03, "step %d: |dtheta|^2 = %g, K = %g", s, sq, c.temperature);
		ck_assert_msg(fabs(sum / N) < 4 * sqrt(c.temperature / N / N), "step %d: mean step %g", s, sum / N);
	}
	anneal_destroy(o);
	memset(q, 0, N * sizeof *q);
	gr.param = q;
	o = make(&c, &gr, 1, NULL);
	for (int s = 0; s < 3; s++)
		ck_assert_int_eq(anneal_step(o), 0);
	ck_assert(memcmp(p, q, N * sizeof *p) == 0);
	anneal_destroy(o);
	c.seed++;
	memset(q, 0, N * sizeof *q);
	o = make(&c, &gr, 1, NULL);
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert(memcmp(p, q, N * sizeof *p) != 0);
	anneal_destroy(o);
	free(p);
	free(g);
	free(q);
}
END_TEST

/* Adam's update written out once, scalar and plainly, in torch's order:
   the oracle for the kernel's shortcut once sqrt(c2) rounds to 1.0f. */
__attribute__((optimize("fp-contract=off"))) static void adam_ref(float *p, float g, float *m, float *v, double lr,
                                                                   double b1, double b2, double c1, double c2)
{
	*m = *m * (float)b1 + (float)(1 - b1) * g;
	*v = *v * (float)b2 + (float)(1 - b2) * g * g;
	float den = sqrtf(*v) / (float)sqrt(c2) + (float)1e-8;
	*p = *p + (float)-(lr / c1) * *m / den;
}

/* beta2 = 0.5 makes sqrt(1 - 0.5^t) round to 1.0f from t = 25 on, where the
   kernel drops the division: the result stays bit-equal to the full formula. */
START_TEST(test_adam_unit_correction)
{
	enum { N = 67 };
	float p[N], g[N], rp[N], rm[N] = {0}, rv[N] = {0};
	for (int i = 0; i < N; i++)
		p[i] = rp[i] = (float)(i % 13 - 6) / 4.0f;
	anneal_group gr = {p, g, N, 1, 1};
	anneal_config c;
	anneal_config_init(&c, ANNEAL_ADAM);
	c.beta2 = 0.5;
	anneal_opt *o = make(&c, &gr, 1, NULL);
	double prod1 = 1, prod2 = 1;
	for (int s = 0; s < 60; s++) {
		prod1 *= c.momentum;
		prod2 *= c.beta2;
		for (int i = 0; i < N; i++) {
			g[i] = rt_grad(s, i, p[i]);
			adam_ref(&rp[i], g[i], &rm[i], &rv[i], c.lr, c.momentum, c.beta2, 1 - prod1, 1 - prod2);
		}
		ck_assert_int_eq(anneal_step(o), 0);
		for (int i = 0; i < N; i++)
			ck_assert_msg(p[i] == rp[i], "step %d element %d: kernel %.9g, formula %.9g", s, i, p[i], rp[i]);
	}
	ck_assert_float_eq((float)sqrt(1 - prod2), 1.0f);
	anneal_destroy(o);
}
END_TEST

Suite *suite_runtime(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = tcase_create("optim");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_create_errors);
	tcase_add_test(tc, test_fallback);
	tcase_add_test(tc, test_bad_channel_value);
	tcase_add_test(tc, test_sgd_first_step);
	tcase_add_test(tc, test_group_scales);
	tcase_add_test(tc, test_bias_product_vs_power);
	tcase_add_test(tc, test_adam_unit_correction);
	suite_add_tcase(s, tc);
	tc = tcase_create("hooks");
	tcase_add_test(tc, test_hooks);
	tcase_add_loop_test(tc, test_reset_moments_adam, 1, 2);
	tcase_add_loop_test(tc, test_reset_moments_adam, 4, 5);
	suite_add_tcase(s, tc);
	tc = tcase_create("plateau_noise");
	tcase_add_test(tc, test_plateau);
	tcase_add_test(tc, test_noise_thermostat);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threads_identical);
	suite_add_tcase(s, tc);
	return s;
}
