/* optim.c: optimizer setup, the per-step scalars (channels, fallbacks, bias corrections) and the step itself. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anneal_int.h"

anneal_status opt_fail(anneal_opt *o, anneal_status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->err, sizeof o->err, fmt, ap);
	va_end(ap);
	return s;
}

anneal_opt *opt_mut(const anneal_opt *o)
{
	/* Every anneal_opt is allocated by anneal_create, never defined const. */
	return (anneal_opt *)o;
}

void opt_ok(const anneal_opt *o)
{
	opt_mut(o)->err[0] = '\0';
}

static int defines(const anneal_desc *d, int ch)
{
	return desc_defines(d, ch);
}

/* SGD and RMSProp keep a velocity only if some step can have momentum. */
int opt_need_m(const anneal_config *c, const anneal_desc *d)
{
	return c->kind == ANNEAL_ADAM || c->kind == ANNEAL_ADAMW || c->momentum > 0 || defines(d, ANNEAL_MOMENTUM);
}

/* Allocation of a zeroed state array, 64-byte aligned for the vector loops. */
static float *state_alloc(anneal_opt *o, int64_t n)
{
	size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof(float) + 63) / 64 * 64;
	float *x = aligned_alloc(64, bytes);
	if (x != NULL)
		kern_zero(o, x, n);
	return x;
}

/* One registration slot per distinct `call NAME` in the schedule. */
static int collect_calls(anneal_opt *o)
{
	const anneal_desc *d = o->desc;
	int max = 0;
	for (int32_t i = 0; d != NULL && i < d->nhook; i++)
		max += d->hook[i].naction;
	o->call = calloc((size_t)(max > 0 ? max : 1), sizeof *o->call);
	if (o->call == NULL)
		return -1;
	for (int32_t i = 0; d != NULL && i < d->nhook; i++) {
		for (int32_t j = 0; j < d->hook[i].naction; j++) {
			const anneal_action *a = &d->hook[i].action[j];
			if (a->kind != ANNEAL_ACT_CALL || a->name == NULL)
				continue;
			int k;
			for (k = 0; k < o->ncall; k++)
				if (strcmp(o->call[k].name, a->name) == 0)
					break;
			if (k == o->ncall)
				o->call[o->ncall++].name = a->name;
		}
	}
	return 0;
}

anneal_status anneal_create(const anneal_config *c, const anneal_group *group, int32_t ngroup,
                            const anneal_desc *desc, const double *params, anneal_opt **out, char *err,
                            size_t errlen)
{
	anneal_status st;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL)
		return st_fail(err, errlen, ANNEAL_ERR_INVALID, "anneal_create: out is NULL");
	*out = NULL;
	if (c == NULL)
		return st_fail(err, errlen, ANNEAL_ERR_INVALID, "anneal_create: the config c is NULL");
	if ((st = cfg_check(c, desc, err, errlen)) != ANNEAL_OK || (st = groups_check(group, ngroup, err, errlen)) != ANNEAL_OK)
		return st;
	if (desc != NULL && (st = desc_check(desc, c->kind, params, err, errlen)) != ANNEAL_OK)
		return st;
	anneal_opt *o = calloc(1, sizeof *o);
	if (o == NULL)
		goto oom;
	o->cfg = *c;
	if (o->cfg.parallel_min < KERN_ALIGN)
		o->cfg.parallel_min = KERN_ALIGN;
	o->desc = desc;
	o->ngroup = ngroup;
	o->prod1 = o->prod2 = 1;
	o->sgd_fresh = 1;
	o->plateau.scale = 1;
	o->plateau.last_lr = NAN;
	o->grp = calloc((size_t)ngroup, sizeof *o->grp);
	o->kern = calloc((size_t)ngroup, sizeof *o->kern);
	o->hostgrp = malloc((size_t)ngroup * sizeof *o->hostgrp);
	if (o->grp == NULL || o->kern == NULL || o->hostgrp == NULL || collect_calls(o) < 0)
		goto oom;
	if (desc != NULL && desc->nparam > 0) {
		o->params = malloc((size_t)desc->nparam * sizeof *o->params);
		if (o->params == NULL)
			goto oom;
		/* A structural param's entry is ignored: it was fixed when compiled. */
		for (int32_t i = 0; i < desc->nparam; i++)
			o->params[i] = params != NULL && !desc->param[i].structural ? params[i] : desc->param[i].value;
	}
	o->has_swa = hook_swa_needed(desc);
	int adam = c->kind == ANNEAL_ADAM || c->kind == ANNEAL_ADAMW;
	int need_m = opt_need_m(c, desc);
	int need_v = c->kind != ANNEAL_SGD;
	int need_a = (c->kind == ANNEAL_RMSPROP && c->centered) || (adam && c->amsgrad);
	for (int32_t i = 0; i < ngroup; i++) {
		Group *g = &o->grp[i];
		g->g = group[i];
		o->hostgrp[i] = group[i];
		g->base = o->total;
		o->total += g->g.n;
		if ((need_m && (g->m = state_alloc(o, g->g.n)) == NULL) ||
		    (need_v && (g->v = state_alloc(o, g->g.n)) == NULL) ||
		    (need_a && (g->a = state_alloc(o, g->g.n)) == NULL) ||
		    (o->has_swa && (g->swa = state_alloc(o, g->g.n)) == NULL))
			goto oom;
	}
	o->shard_total = o->total;
	if (c->snapshot_keep > 0) {
		if ((uint64_t)o->total > SIZE_MAX / sizeof(float) / (uint64_t)c->snapshot_keep - 1)
			goto oom;
		/* Zeroed: a checkpoint writes the whole ring, filled or not. */
		o->snap_keep = calloc((size_t)c->snapshot_keep * (size_t)o->total + 1, sizeof(float));
		o->snap_meta = calloc(2 * (size_t)c->snapshot_keep, sizeof *o->snap_meta);
		if (o->snap_keep == NULL || o->snap_meta == NULL)
			goto oom;
	}
	*out = o;
	return ANNEAL_OK;
oom:
	anneal_destroy(o);
	return st_fail(err, errlen, ANNEAL_ERR_NOMEM, "out of memory allocating optimizer state");
}

void anneal_destroy(anneal_opt *o)
{
	if (o == NULL)
		return;
	for (int32_t i = 0; o->grp != NULL && i < o->ngroup; i++) {
		free(o->grp[i].m);
		free(o->grp[i].v);
		free(o->grp[i].a);
		free(o->grp[i].swa);
	}
	free(o->grp);
	free(o->kern);
	free(o->hostgrp);
	free(o->snap_keep);
	free(o->snap_meta);
	free(o->call);
	free(o->params);
	free(o);
}

/* The step's channel values after the config's fallbacks and the plateau scale. */
static anneal_status resolve(anneal_opt *o, const anneal_point *in, anneal_point *pt)
{
	const double fallback[ANNEAL_FIRST_CUSTOM] = {
#define CHANNEL(slot, name) [slot] = o->cfg.name,
#include "anneal/channels.def"
#undef CHANNEL
	};
	*pt = *in;
	for (int ch = 0; ch < ANNEAL_FIRST_CUSTOM; ch++)
		if (!defines(o->desc, ch) || isnan(pt->value[ch]))
			pt->value[ch] = fallback[ch];
	pt->value[ANNEAL_LR] = plateau_lr(&o->plateau, pt->value[ANNEAL_LR]);
	double lr = pt->value[ANNEAL_LR], mu = pt->value[ANNEAL_MOMENTUM], b2 = pt->value[ANNEAL_BETA2];
	double wd = pt->value[ANNEAL_WEIGHT_DECAY], temp = pt->value[ANNEAL_TEMPERATURE];
	if (!(lr >= 0))
		return opt_fail(o, ANNEAL_ERR_INVALID, "step %lld: lr is %g, it must be >= 0", (long long)o->step, lr);
	int adam = o->cfg.kind == ANNEAL_ADAM || o->cfg.kind == ANNEAL_ADAMW;
	if (!(mu >= 0) || (adam && !(mu < 1)))
		return opt_fail(o, ANNEAL_ERR_INVALID, "step %lld: momentum/beta1 is %g, outside %s", (long long)o->step, mu,
		                adam ? "[0, 1)" : "[0, inf)");
	if (o->cfg.kind != ANNEAL_SGD && !(b2 >= 0 && b2 < 1))
		return opt_fail(o, ANNEAL_ERR_INVALID, "step %lld: beta2/alpha is %g, outside [0, 1)", (long long)o->step, b2);
	if (!(wd >= 0))
		return opt_fail(o, ANNEAL_ERR_INVALID, "step %lld: weight_decay is %g, it must be >= 0", (long long)o->step, wd);
	if (!(temp >= 0))
		return opt_fail(o, ANNEAL_ERR_INVALID, "step %lld: temperature is %g, it must be >= 0", (long long)o->step, temp);
	if (o->cfg.kind == ANNEAL_SGD && o->cfg.nesterov && !(mu > 0))
		return opt_fail(o, ANNEAL_ERR_INVALID, "step %lld: Nesterov momentum needs momentum > 0, the schedule gives %g",
		                (long long)o->step, mu);
	return ANNEAL_OK;
}

/* Fill each group's kernel with this step's float scalars, rounded from
   double where torch rounds its Python floats. */
static void prepare(anneal_opt *o, const anneal_point *pt)
{
	double lr = pt->value[ANNEAL_LR], mu = pt->value[ANNEAL_MOMENTUM], b2 = pt->value[ANNEAL_BETA2];
	double wd = pt->value[ANNEAL_WEIGHT_DECAY], temp = pt->value[ANNEAL_TEMPERATURE];
	const anneal_config *c = &o->cfg;
	double c1 = 1, c2 = 1;
	if (c->kind == ANNEAL_ADAM || c->kind == ANNEAL_ADAMW) {
		o->prod1 *= mu;
		o->prod2 *= b2;
		o->t_adam++;
		if (c->bias == ANNEAL_BIAS_PRODUCT) {
			c1 = 1 - o->prod1;
			c2 = 1 - o->prod2;
		} else {
			c1 = 1 - pow(mu, (double)o->t_adam);
			c2 = 1 - pow(b2, (double)o->t_adam);
		}
	}
	uint64_t key = kern_mix(c->seed ^ kern_mix((uint64_t)o->step));
	for (int32_t i = 0; i < o->ngroup; i++) {
		Group *g = &o->grp[i];
		Kern *k = &o->kern[i];
		double lrg = lr * g->g.lr_scale, wdg = wd * g->g.wd_scale;
		memset(k, 0, sizeof *k);
		k->p = g->g.param;
		k->g = g->g.grad;
		k->m = g->m;
		k->v = g->v;
		k->a = g->a;
		k->lr = (float)lrg;
		k->wd = (float)wdg;
		k->mu = (float)mu;
		k->eps = (float)c->eps;
		k->decay = 1;
		k->base = o->shard_first + g->base;
		k->key = key;
		k->noisy = temp > 0 && lrg > 0 && o->total > 0;
		k->sigma = k->noisy ? (float)(sqrt(temp / (double)o->shard_total) / lrg) : 0;
		switch (c->kind) {
		case ANNEAL_SGD:
			if (mu == 0) {
				k->variant = KV_SGD;
				break;
			}
			k->variant = c->nesterov ? KV_SGD_NESTEROV : KV_SGD_MOM;
			k->mu_b = o->sgd_fresh ? 0.0f : (float)mu;
			k->c_b = o->sgd_fresh ? 1.0f : (float)(1 - c->dampening);
			break;
		case ANNEAL_ADAMW:
			k->decay = (float)(1 - lrg * wdg);
			k->wd = 0;
			/* fall through */
		case ANNEAL_ADAM:
			k->variant = c->amsgrad ? KV_ADAM_AMS : KV_ADAM;
			k->b1 = (float)mu;
			k->omb1 = (float)(1 - mu);
			k->b2 = (float)b2;
			k->omb2 = (float)(1 - b2);
			k->step_neg = (float)-(lrg / c1);
			k->bc2s = (float)sqrt(c2);
			break;
		case ANNEAL_RMSPROP:
			k->b2 = (float)b2;
			k->omb2 = (float)(1 - b2);
			if (c->centered)
				k->variant = mu > 0 ? KV_RMS_CENTERED_MOM : KV_RMS_CENTERED;
			else
				k->variant = mu > 0 ? KV_RMS_MOM : KV_RMS;
			break;
		}
	}
	if (c->kind == ANNEAL_SGD && mu != 0)
		o->sgd_fresh = 0;
}

/* The first non-finite element of a gradient, or -1: one streaming pass
   that tests exponent bits, so it vectorises. */
static int64_t first_nonfinite(const float *g, int64_t n)
{
	const uint32_t *u = (const uint32_t *)(const void *)g;
	uint32_t any = 0;
	for (int64_t i = 0; i < n; i++)
		any |= (u[i] & 0x7f800000u) == 0x7f800000u;
	if (!any)
		return -1;
	for (int64_t i = 0; i < n; i++)
		if ((u[i] & 0x7f800000u) == 0x7f800000u)
			return i;
	return -1;
}

/* 0 when every gradient is finite; else the group holding the first bad one. */
static int find_nonfinite(const anneal_opt *o, int32_t *group, int64_t *at)
{
	for (int32_t i = 0; i < o->ngroup; i++) {
		int64_t k = first_nonfinite(o->grp[i].g.grad, o->grp[i].g.n);
		if (k >= 0) {
			*group = i;
			*at = k;
			return 1;
		}
	}
	return 0;
}

/* One step at point `in`; skip: the host decided the update is not to run
   (anneal_skip_step), as the skip policy decides for a non-finite gradient. */
static anneal_status step_at_point(anneal_opt *o, const anneal_point *in, int skip)
{
	anneal_point pt;
	int32_t bad_group = 0;
	int64_t bad_at = 0;
	anneal_status st;
	if (o->step == INT64_MAX)
		return opt_fail(o, ANNEAL_ERR_UNSUPPORTED, "step %lld: the last step has run", (long long)o->step);
	if (!o->ready && (st = anneal_check_ready(o)) != ANNEAL_OK)
		return st;
	if (!skip && o->cfg.nonfinite != ANNEAL_NONFINITE_PASS && find_nonfinite(o, &bad_group, &bad_at)) {
		if (o->cfg.nonfinite == ANNEAL_NONFINITE_STOP)
			return opt_fail(o, ANNEAL_ERR_NONFINITE,
			                "step %lld: gradient of group %d has a non-finite value at element %lld",
			                (long long)o->step, bad_group, (long long)bad_at);
		skip = 1;
	}
	if ((st = resolve(o, in, &pt)) != ANNEAL_OK)
		return st;
	if ((st = hook_fire(o, &pt)) != ANNEAL_OK)
		return st;
	o->last = pt;
	o->has_last = 1;
	o->skipped = skip;
	if (skip) {
		o->step++;
		return ANNEAL_OK;
	}
	prepare(o, &pt);
	kern_run_all(o);
	o->plateau.last_lr = isnan(in->value[ANNEAL_LR]) || !defines(o->desc, ANNEAL_LR) ? o->cfg.lr : in->value[ANNEAL_LR];
	o->step++;
	return ANNEAL_OK;
}

anneal_status anneal_step_point(anneal_opt *o, const anneal_point *in)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (in == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_step_point: point is NULL");
	return step_at_point(o, in, 0);
}

/* The schedule's point at the current step; a schedule-less optimizer's
   point leaves every channel to the config. */
static void current_point(const anneal_opt *o, anneal_point *pt)
{
	if (o->desc != NULL) {
		o->desc->eval(o->step, o->params, pt);
		return;
	}
	memset(pt, 0, sizeof *pt);
	for (int ch = 0; ch < ANNEAL_MAX_CHANNELS; ch++)
		pt->value[ch] = NAN;
	pt->cycle = -1;
}

/* The step at the optimizer's own step: the schedule's point there (the
   last step is checked first, before the schedule is evaluated at it). */
static anneal_status step_now(anneal_opt *o, int skip)
{
	anneal_point pt;
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (o->step == INT64_MAX)
		return opt_fail(o, ANNEAL_ERR_UNSUPPORTED, "step %lld: the last step has run", (long long)o->step);
	current_point(o, &pt);
	return step_at_point(o, &pt, skip);
}

anneal_status anneal_step(anneal_opt *o)
{
	return step_now(o, 0);
}

anneal_status anneal_skip_step(anneal_opt *o)
{
	return step_now(o, 1);
}

int anneal_last_skipped(const anneal_opt *o)
{
	if (o == NULL)
		return -1;
	opt_ok(o);
	return o->skipped;
}

int64_t anneal_get_step(const anneal_opt *o)
{
	if (o == NULL)
		return -1;
	opt_ok(o);
	return o->step;
}

const anneal_point *anneal_last_point(const anneal_opt *o)
{
	if (o == NULL)
		return NULL;
	opt_ok(o);
	if (!o->has_last) {
		opt_fail(opt_mut(o), ANNEAL_ERR_INVALID, "anneal_last_point: no step has run yet");
		return NULL;
	}
	return &o->last;
}

const char *anneal_errmsg(const anneal_opt *o)
{
	return o != NULL ? o->err : "anneal_errmsg: the optimizer is NULL";
}

float *anneal_state_array(anneal_opt *o, int32_t group, int32_t which)
{
	if (o == NULL)
		return NULL;
	opt_ok(o);
	if (group < 0 || group >= o->ngroup) {
		opt_fail(o, ANNEAL_ERR_INVALID, "anneal_state_array: group %d out of range [0, %d)", (int)group, (int)o->ngroup);
		return NULL;
	}
	float *x = NULL;
	switch (which) {
	case ANNEAL_STATE_MOMENTUM: x = o->grp[group].m; break;
	case ANNEAL_STATE_SQUARE: x = o->grp[group].v; break;
	case ANNEAL_STATE_GRAD_AVG: x = o->cfg.kind == ANNEAL_RMSPROP ? o->grp[group].a : NULL; break;
	case ANNEAL_STATE_MAX_SQUARE: x = o->cfg.kind != ANNEAL_RMSPROP ? o->grp[group].a : NULL; break;
	case ANNEAL_STATE_SWA: x = o->grp[group].swa; break;
	default:
		opt_fail(o, ANNEAL_ERR_INVALID, "anneal_state_array: %d is not an enum anneal_state", (int)which);
		return NULL;
	}
	if (x == NULL)
		opt_fail(o, ANNEAL_ERR_INVALID, "anneal_state_array: this optimizer keeps no state %d", (int)which);
	return x;
}

const double *anneal_params(const anneal_opt *o)
{
	if (o == NULL)
		return NULL;
	opt_ok(o);
	if (o->params == NULL)
		opt_fail(opt_mut(o), ANNEAL_ERR_INVALID, "anneal_params: %s", o->desc == NULL ? "the optimizer has no schedule" : "the schedule has no params");
	return o->params;
}

anneal_status anneal_set_param(anneal_opt *o, int32_t index, double value)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	int32_t np = o->desc != NULL ? o->desc->nparam : 0;
	if (index < 0 || index >= np)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_set_param: index %d out of range [0, %d)", (int)index, (int)np);
	const anneal_param *p = &o->desc->param[index];
	const char *name = p->name != NULL ? p->name : "?";
	if (p->structural)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_set_param: param '%s' is structural (fixed when compiled)", name);
	if (!isfinite(value))
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_set_param: param '%s' = %g: must be finite", name, value);
	o->params[index] = value;
	return ANNEAL_OK;
}

int64_t anneal_get_since_reset(const anneal_opt *o)
{
	if (o == NULL)
		return -1;
	opt_ok(o);
	if (o->cfg.kind == ANNEAL_ADAM || o->cfg.kind == ANNEAL_ADAMW)
		return o->t_adam;
	return o->cfg.kind == ANNEAL_SGD && o->sgd_fresh ? 0 : o->step;
}

anneal_status anneal_rebind(anneal_opt *o, int32_t group, float *param, const float *grad)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (group < 0 || group >= o->ngroup)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_rebind: group %d out of range [0, %d)", (int)group, (int)o->ngroup);
	Group *g = &o->grp[group];
	if (g->g.n > 0 && param == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_rebind: group %d: param is NULL", (int)group);
	if (g->g.n > 0 && grad == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_rebind: group %d: grad is NULL", (int)group);
	g->g.param = o->hostgrp[group].param = param;
	g->g.grad = o->hostgrp[group].grad = grad;
	return ANNEAL_OK;
}

anneal_status anneal_set_step(anneal_opt *o, int64_t step, int64_t since_reset)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (step < 0)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_set_step: step %lld < 0", (long long)step);
	if (since_reset < 0 || since_reset > step)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_set_step: since_reset %lld outside [0, step %lld]",
		                (long long)since_reset, (long long)step);
	int adam = o->cfg.kind == ANNEAL_ADAM || o->cfg.kind == ANNEAL_ADAMW;
	o->step = step;
	o->t_adam = adam ? since_reset : 0;
	/* torch's own 1 - beta**t is a pow too; a run's running product can
	   differ from it in the last bit, which PRODUCT mode then carries. */
	o->prod1 = adam ? pow(o->cfg.momentum, (double)since_reset) : 1;
	o->prod2 = adam ? pow(o->cfg.beta2, (double)since_reset) : 1;
	o->sgd_fresh = since_reset == 0;
	return ANNEAL_OK;
}

anneal_status anneal_set_shard(anneal_opt *o, int64_t first, int64_t total)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (first < 0 || total < o->total || first > total - o->total)
		return opt_fail(o, ANNEAL_ERR_INVALID,
		                "anneal_set_shard: elements [%lld, %lld + %lld) do not fit a whole of %lld", (long long)first,
		                (long long)first, (long long)o->total, (long long)total);
	o->shard_first = first;
	o->shard_total = total;
	return ANNEAL_OK;
}
