/* hooks.c: the schedule's events acting on the optimizer before an update: resets, snapshots, SWA, host callbacks. */
#include <string.h>

#include "anneal_int.h"

int hook_swa_needed(const anneal_desc *d)
{
	for (int32_t i = 0; d != NULL && i < d->nhook; i++)
		for (int32_t j = 0; j < d->hook[i].naction; j++)
			if (d->hook[i].action[j].kind == ANNEAL_ACT_SWA)
				return 1;
	return 0;
}

static CallReg *find_call(anneal_opt *o, const char *name)
{
	for (int32_t k = 0; k < o->ncall; k++)
		if (strcmp(o->call[k].name, name) == 0)
			return &o->call[k];
	return NULL;
}

anneal_status anneal_set_callback(anneal_opt *o, const char *name, anneal_callback_fn fn, void *user)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (name == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_set_callback: name is NULL");
	CallReg *r = find_call(o, name);
	if (r == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_set_callback: the schedule has no `call %s`", name);
	r->fn = fn;
	r->user = user;
	o->ready = 0;
	return ANNEAL_OK;
}

anneal_status anneal_check_ready(anneal_opt *o)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	const anneal_desc *d = o->desc;
	for (int32_t i = 0; d != NULL && i < d->nhook; i++)
		for (int32_t j = 0; j < d->hook[i].naction; j++) {
			const anneal_action *a = &d->hook[i].action[j];
			if (a->kind != ANNEAL_ACT_CALL)
				continue;
			CallReg *r = find_call(o, a->name);
			if (r == NULL || r->fn == NULL) {
				char ev[64];
				anneal_hook_event_text(&d->hook[i], ev, sizeof ev, NULL);
				return opt_fail(o, ANNEAL_ERR_INVALID,
				                "hook %d (on %s) has `call %s` but no callback is registered under that name",
				                (int)i, ev, a->name);
			}
		}
	o->ready = 1;
	return ANNEAL_OK;
}

anneal_status anneal_set_snapshot(anneal_opt *o, anneal_snapshot_fn fn, void *user)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	o->snap = fn;
	o->snap_user = user;
	return ANNEAL_OK;
}

int64_t anneal_snapshot_count(const anneal_opt *o)
{
	if (o == NULL)
		return -1;
	opt_ok(o);
	return o->snap_n;
}

const float *anneal_snapshot_get(const anneal_opt *o, int32_t i, int32_t group, int64_t *step, int64_t *cycle)
{
	if (o == NULL)
		return NULL;
	opt_ok(o);
	int64_t keep = o->cfg.snapshot_keep;
	int64_t held = o->snap_n < keep ? o->snap_n : keep;
	if (i < 0 || i >= held) {
		opt_fail(opt_mut(o), ANNEAL_ERR_INVALID, "anneal_snapshot_get: copy %d out of range [0, %lld)", (int)i,
		         (long long)held);
		return NULL;
	}
	if (group < 0 || group >= o->ngroup) {
		opt_fail(opt_mut(o), ANNEAL_ERR_INVALID, "anneal_snapshot_get: group %d out of range [0, %d)", (int)group,
		         (int)o->ngroup);
		return NULL;
	}
	int64_t slot = (o->snap_n - held + i) % keep;
	if (step != NULL)
		*step = o->snap_meta[2 * slot];
	if (cycle != NULL)
		*cycle = o->snap_meta[2 * slot + 1];
	return o->snap_keep + slot * o->total + o->grp[group].base;
}

static void snapshot(anneal_opt *o, const anneal_point *pt)
{
	if (o->snap != NULL)
		o->snap(o->snap_user, o->step, pt->cycle, o->hostgrp, o->ngroup);
	if (o->cfg.snapshot_keep > 0) {
		int64_t slot = o->snap_n % o->cfg.snapshot_keep;
		for (int32_t i = 0; i < o->ngroup; i++)
			if (o->grp[i].g.n > 0) /* an empty group's param may be NULL */
				memcpy(o->snap_keep + slot * o->total + o->grp[i].base, o->grp[i].g.param,
				       (size_t)o->grp[i].g.n * sizeof(float));
		o->snap_meta[2 * slot] = o->step;
		o->snap_meta[2 * slot + 1] = pt->cycle;
	}
	o->snap_n++;
}

static void reset_momentum(anneal_opt *o)
{
	for (int32_t i = 0; i < o->ngroup; i++)
		if (o->grp[i].m != NULL)
			kern_zero(o, o->grp[i].m, o->grp[i].g.n);
	if (o->cfg.bias == ANNEAL_BIAS_PRODUCT)
		o->prod1 = 1;
}

static void reset_moments(anneal_opt *o)
{
	for (int32_t i = 0; i < o->ngroup; i++) {
		Group *g = &o->grp[i];
		if (g->m != NULL)
			kern_zero(o, g->m, g->g.n);
		if (g->v != NULL)
			kern_zero(o, g->v, g->g.n);
		if (g->a != NULL)
			kern_zero(o, g->a, g->g.n);
	}
	o->prod1 = o->prod2 = 1;
	o->t_adam = 0;
}

/* avg += (p - avg) / (n + 1): torch.optim.swa_utils.AveragedModel's default
   average; the first set is copied. */
static void swa_fold(anneal_opt *o)
{
	float w = (float)(o->swa_n + 1);
	for (int32_t i = 0; i < o->ngroup; i++) {
		Group *g = &o->grp[i];
		float *restrict avg = g->swa;
		const float *restrict p = g->g.param;
		if (o->swa_n == 0) {
			if (g->g.n > 0) /* an empty group's param may be NULL */
				memcpy(avg, p, (size_t)g->g.n * sizeof *avg);
			continue;
		}
		for (int64_t j = 0; j < g->g.n; j++)
			avg[j] = avg[j] + (p[j] - avg[j]) / w;
	}
	o->swa_n++;
}

int64_t anneal_swa_count(const anneal_opt *o)
{
	if (o == NULL)
		return -1;
	opt_ok(o);
	return o->swa_n;
}

anneal_status anneal_swa_swap(anneal_opt *o)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (!o->has_swa || o->swa_n == 0)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_swa_swap: no SWA average: the schedule has no `swa` action or it has not fired yet");
	for (int32_t i = 0; i < o->ngroup; i++) {
		Group *g = &o->grp[i];
		for (int64_t j = 0; j < g->g.n; j++) {
			float t = g->g.param[j];
			g->g.param[j] = g->swa[j];
			g->swa[j] = t;
		}
	}
	return ANNEAL_OK;
}

/* Every callback a firing hook names must be registered before any action
   runs, so a failing step changes nothing. */
static anneal_status check_calls(anneal_opt *o, uint64_t events)
{
	const anneal_desc *d = o->desc;
	for (int32_t i = 0; i < d->nhook && i < ANNEAL_MAX_HOOKS; i++) {
		if (!(events >> i & 1u))
			continue;
		for (int32_t j = 0; j < d->hook[i].naction; j++) {
			const anneal_action *a = &d->hook[i].action[j];
			if (a->kind != ANNEAL_ACT_CALL)
				continue;
			CallReg *r = find_call(o, a->name);
			if (r == NULL || r->fn == NULL)
				return opt_fail(o, ANNEAL_ERR_INVALID, "step %lld: `call %s` fires but no callback is registered under that name",
				                (long long)o->step, a->name);
		}
	}
	return ANNEAL_OK;
}

anneal_status hook_fire(anneal_opt *o, const anneal_point *pt)
{
	const anneal_desc *d = o->desc;
	if (d == NULL || pt->events == 0)
		return ANNEAL_OK;
	anneal_status st = check_calls(o, pt->events);
	if (st != ANNEAL_OK)
		return st;
	for (int32_t i = 0; i < d->nhook && i < ANNEAL_MAX_HOOKS; i++) {
		if (!(pt->events >> i & 1u))
			continue;
		for (int32_t j = 0; j < d->hook[i].naction; j++) {
			const anneal_action *a = &d->hook[i].action[j];
			switch (a->kind) {
			case ANNEAL_ACT_RESET_MOMENTUM:
				reset_momentum(o);
				break;
			case ANNEAL_ACT_RESET_MOMENTS:
				reset_moments(o);
				break;
			case ANNEAL_ACT_SNAPSHOT:
				snapshot(o, pt);
				break;
			case ANNEAL_ACT_SWA:
				swa_fold(o);
				break;
			case ANNEAL_ACT_CALL: {
				CallReg *r = find_call(o, a->name);
				r->fn(r->user, o->step, pt);
				break;
			}
			}
		}
	}
	return ANNEAL_OK;
}
