/* plateau.c: the ReduceLROnPlateau-style controller that scales the schedule's lr from a reported metric. */
#include <math.h>

#include "anneal_int.h"

anneal_status anneal_plateau_config_init(anneal_plateau_config *c)
{
	if (c == NULL)
		return ANNEAL_ERR_INVALID;
	c->mode_max = 0;
	c->rel = 1;
	c->factor = 0.1;
	c->patience = 10;
	c->threshold = 1e-4;
	c->cooldown = 0;
	c->min_lr = 0;
	c->eps = 1e-8;
	return ANNEAL_OK;
}

static int nonneg(double x)
{
	return x >= 0 && isfinite(x);
}

/* The settings' rules, shared with a plateau state a checkpoint restores. */
static anneal_status settings_check(const anneal_plateau_config *c, char *err, size_t n)
{
#define BAD(field, fmt, v, why) \
	st_fail(err, n, ANNEAL_ERR_INVALID, "anneal_plateau_config." field " = " fmt ": %s", v, why)
	if (c->mode_max != 0 && c->mode_max != 1)
		return BAD("mode_max", "%d", (int)c->mode_max, "must be 0 or 1");
	if (c->rel != 0 && c->rel != 1)
		return BAD("rel", "%d", (int)c->rel, "must be 0 or 1");
	if (!(c->factor > 0 && c->factor < 1))
		return BAD("factor", "%g", c->factor, "must be in (0, 1)");
	if (c->patience < 0)
		return BAD("patience", "%lld", (long long)c->patience, "must be >= 0");
	if (!nonneg(c->threshold))
		return BAD("threshold", "%g", c->threshold, "must be finite and >= 0");
	if (c->cooldown < 0)
		return BAD("cooldown", "%lld", (long long)c->cooldown, "must be >= 0");
	if (!nonneg(c->min_lr))
		return BAD("min_lr", "%g", c->min_lr, "must be finite and >= 0");
	if (!nonneg(c->eps))
		return BAD("eps", "%g", c->eps, "must be finite and >= 0");
#undef BAD
	return ANNEAL_OK;
}

/* A whole controller state: settings, then the running values. */
anneal_status plateau_check(const Plateau *pl, char *err, size_t n)
{
	if (pl->on != 0 && pl->on != 1)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "plateau on = %d: must be 0 or 1", (int)pl->on);
	if (!isnan(pl->last_lr) && !nonneg(pl->last_lr))
		return st_fail(err, n, ANNEAL_ERR_INVALID, "plateau last_lr = %g: must be NaN or finite and >= 0", pl->last_lr);
	if (!pl->on) {
		if (pl->scale != 1)
			return st_fail(err, n, ANNEAL_ERR_INVALID, "plateau scale = %g: must be 1 when the controller is off",
			               pl->scale);
		return ANNEAL_OK;
	}
	anneal_plateau_config c = {pl->mode_max, pl->rel, pl->factor, pl->patience, pl->threshold,
	                           pl->cooldown, pl->min_lr, pl->eps};
	anneal_status s = settings_check(&c, err, n);
	if (s != ANNEAL_OK)
		return s;
	if (!(pl->scale > 0 && pl->scale <= 1))
		return st_fail(err, n, ANNEAL_ERR_INVALID, "plateau scale = %g: must be in (0, 1]", pl->scale);
	if (isnan(pl->best))
		return st_fail(err, n, ANNEAL_ERR_INVALID, "plateau best = nan: must be a number");
	if (pl->bad < 0 || pl->bad > pl->patience)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "plateau bad = %lld: must be in [0, patience = %lld]",
		               (long long)pl->bad, (long long)pl->patience);
	if (pl->cooldown_left < 0 || pl->cooldown_left > pl->cooldown)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "plateau cooldown_left = %lld: must be in [0, cooldown = %lld]",
		               (long long)pl->cooldown_left, (long long)pl->cooldown);
	return ANNEAL_OK;
}

anneal_status anneal_plateau_enable(anneal_opt *o, const anneal_plateau_config *c)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (c == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_plateau_enable: c is NULL");
	anneal_status s = settings_check(c, o->err, sizeof o->err);
	if (s != ANNEAL_OK)
		return s;
	Plateau *pl = &o->plateau;
	pl->on = 1;
	pl->mode_max = c->mode_max;
	pl->rel = c->rel;
	pl->factor = c->factor;
	pl->patience = c->patience;
	pl->threshold = c->threshold;
	pl->cooldown = c->cooldown;
	pl->min_lr = c->min_lr;
	pl->eps = c->eps;
	pl->best = pl->mode_max ? -INFINITY : INFINITY;
	pl->bad = 0;
	pl->cooldown_left = 0;
	pl->scale = 1;
	return ANNEAL_OK;
}

/* The lr in force for a scheduled lr: scaled, but a reduction stops at min_lr. */
double plateau_lr(const Plateau *pl, double sched_lr)
{
	if (!pl->on || pl->scale == 1)
		return sched_lr;
	double floor_ = sched_lr < pl->min_lr ? sched_lr : pl->min_lr;
	double lr = sched_lr * pl->scale;
	return lr > floor_ ? lr : floor_;
}

static int better(const Plateau *pl, double a)
{
	if (pl->mode_max)
		return pl->rel ? a > pl->best * (1 + pl->threshold) : a > pl->best + pl->threshold;
	return pl->rel ? a < pl->best * (1 - pl->threshold) : a < pl->best - pl->threshold;
}

anneal_status anneal_plateau_report(anneal_opt *o, double metric, double *scale)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	Plateau *pl = &o->plateau;
	if (!pl->on)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_plateau_report: the plateau controller is not enabled");
	if (isnan(metric))
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_plateau_report: metric = nan: must be a number");
	if (better(pl, metric)) {
		pl->best = metric;
		pl->bad = 0;
	} else {
		pl->bad++;
	}
	if (pl->cooldown_left > 0) {
		pl->cooldown_left--;
		pl->bad = 0;
	}
	if (pl->bad > pl->patience) {
		double lr = isnan(pl->last_lr) ? 1 : pl->last_lr;
		Plateau next = *pl;
		next.scale *= pl->factor;
		if (plateau_lr(pl, lr) - plateau_lr(&next, lr) > pl->eps)
			pl->scale = next.scale;
		pl->cooldown_left = pl->cooldown;
		pl->bad = 0;
	}
	if (scale != NULL)
		*scale = pl->scale;
	return ANNEAL_OK;
}
