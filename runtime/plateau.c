/* plateau.c: the ReduceLROnPlateau-style controller that scales the schedule's lr from a reported metric. */
#include <math.h>

#include "anneal_int.h"

void anneal_plateau_config_init(anneal_plateau_config *c)
{
	c->mode_max = 0;
	c->rel = 1;
	c->factor = 0.1;
	c->patience = 10;
	c->threshold = 1e-4;
	c->cooldown = 0;
	c->min_lr = 0;
	c->eps = 1e-8;
}

int anneal_plateau_enable(anneal_opt *o, const anneal_plateau_config *c)
{
	if (!(c->factor > 0 && c->factor < 1))
		return opt_fail(o, "plateau factor is %g, it must be in (0, 1)", c->factor);
	if (c->patience < 0 || c->cooldown < 0 || !(c->threshold >= 0) || !(c->min_lr >= 0) || !(c->eps >= 0))
		return opt_fail(o, "plateau patience, cooldown, threshold, min_lr and eps must be >= 0");
	Plateau *pl = &o->plateau;
	pl->on = 1;
	pl->mode_max = c->mode_max != 0;
	pl->rel = c->rel != 0;
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
	return 0;
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

double anneal_plateau_report(anneal_opt *o, double metric)
{
	Plateau *pl = &o->plateau;
	if (!pl->on) {
		opt_fail(o, "anneal_plateau_report: the plateau controller is not enabled");
		return -1;
	}
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
	return pl->scale;
}
