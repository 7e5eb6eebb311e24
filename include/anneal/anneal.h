/* anneal.h: libanneal, the optimizer runtime that drives torch.optim-style updates from a compiled schedule. */
#ifndef ANNEAL_ANNEAL_H
#define ANNEAL_ANNEAL_H

#include <stddef.h>
#include <stdint.h>

#include <anneal/schedule.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Update rules (torch.optim 1.13, single-tensor path; g the gradient, p the
 * parameter, all element arithmetic in float32, per-step scalars in double):
 *
 * ANNEAL_SGD      d = g + wd*p;  b = d on the first step, else b = mu*b + (1-dampening)*d;
 *                 d = nesterov ? d + mu*b : b;  p -= lr*d.  No buffer use when mu == 0.
 *                 Defaults: lr none (the schedule or the config must give it), momentum 0,
 *                 dampening 0, weight_decay 0, nesterov off.
 * ANNEAL_ADAM     g += wd*p;  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;
 *                 p -= lr/c1 * m / (sqrt(v)/sqrt(c2) + eps).
 *                 Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.
 * ANNEAL_ADAMW    as Adam, but p *= 1 - lr*wd first and g is not decayed.
 *                 Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2.
 * ANNEAL_RMSPROP  g += wd*p;  v = a*v + (1-a)*g*g;  centered: m = a*m + (1-a)*g, s = sqrt(v - m*m),
 *                 else s = sqrt(v);  s += eps;  mu > 0: b = mu*b + g/s, p -= lr*b;  else p -= lr*g/s.
 *                 Defaults: lr 1e-2, alpha 0.99 (the beta2 channel), eps 1e-8, weight_decay 0,
 *                 momentum 0, centered off.
 *
 * Adam's bias corrections c1, c2: with ANNEAL_BIAS_PRODUCT (the default),
 * c = 1 - prod_i beta_i over the steps since the moment was last reset, which
 * stays exact when beta1 or beta2 is scheduled; with ANNEAL_BIAS_POWER,
 * c = 1 - beta^t with the current beta and t the steps since the last
 * `reset moments`, which is what torch.optim computes.  The two agree when
 * the betas are constant.
 *
 * Channels: lr, momentum (beta1), beta2 (RMSProp alpha) and weight_decay come
 * from the schedule's point at each step; a channel the schedule leaves
 * undefined (bit clear in desc->channels, or NaN in the point) takes the
 * config's value.  Each group scales lr by lr_scale and weight decay by
 * wd_scale.
 *
 * Hooks fire before the update of their step, in the descriptor's order:
 * reset momentum zeroes SGD/RMSProp velocity or Adam m (and, in PRODUCT mode,
 * restarts prod beta1, so m is again unbiased); reset moments zeroes every
 * moment and restarts both products; snapshot calls the host; swa folds the
 * parameters into a running average; call NAME calls the host callback
 * registered under NAME (a firing hook with no callback is an error and the
 * step changes nothing).
 */

enum anneal_kind {
	ANNEAL_SGD,
	ANNEAL_ADAM,
	ANNEAL_ADAMW,
	ANNEAL_RMSPROP
};

enum anneal_bias {
	ANNEAL_BIAS_PRODUCT, /* 1 - prod beta_i: exact under scheduled betas */
	ANNEAL_BIAS_POWER    /* 1 - beta^t: torch.optim's formula */
};

typedef struct anneal_config {
	int32_t kind; /* enum anneal_kind */
	/* Fallbacks for channels the schedule leaves undefined. */
	double lr;
	double momentum; /* SGD and RMSProp momentum, Adam beta1 */
	double beta2;    /* Adam beta2, RMSProp alpha */
	double weight_decay;
	double temperature; /* noise thermostat target E|dtheta|^2 per step; 0 = off */
	double dampening;
	double eps;
	int32_t nesterov;
	int32_t centered;
	int32_t bias; /* enum anneal_bias */
	int32_t threads;      /* OpenMP threads for large groups; 0 = OpenMP's default */
	int64_t parallel_min; /* groups smaller than this run on the calling thread */
	uint64_t seed;        /* of the noise generator */
} anneal_config;

/* One parameter group: host-owned arrays the runtime reads and updates in place. */
typedef struct anneal_group {
	float *param;
	const float *grad; /* written by the host before each step */
	int64_t n;
	double lr_scale; /* lr of this group = channel lr * lr_scale */
	double wd_scale; /* weight decay of this group = channel weight_decay * wd_scale */
} anneal_group;

/* Per-element state arrays a host may read (and tests compare). */
enum anneal_state {
	ANNEAL_STATE_MOMENTUM, /* SGD/RMSProp velocity, Adam m */
	ANNEAL_STATE_SQUARE,   /* Adam v, RMSProp square average */
	ANNEAL_STATE_GRAD_AVG, /* centered RMSProp mean gradient */
	ANNEAL_STATE_SWA       /* the running average of the parameters */
};

typedef struct anneal_opt anneal_opt;

/* snapshot: the parameters before the update of `step`, in `cycle` (the point's cycle). */
typedef void (*anneal_snapshot_fn)(void *user, int64_t step, int64_t cycle, const anneal_group *group,
                                   int32_t ngroup);
typedef void (*anneal_callback_fn)(void *user, int64_t step, const anneal_point *point);

#define ANNEAL_ERRLEN 256

/* Fill *c with torch.optim's defaults for `kind` (table above). */
void anneal_config_init(anneal_config *c, int32_t kind);

/*
 * Set up an optimizer over ngroup groups (copied; the arrays stay the
 * host's) driven by desc (may be NULL: every channel from the config).
 * params: desc's parameter values, NULL for the defaults (copied).  All
 * state is allocated here, never in a step.  On failure returns NULL with a
 * message in err (ANNEAL_ERRLEN bytes is enough).
 */
anneal_opt *anneal_create(const anneal_config *c, const anneal_group *group, int32_t ngroup,
                          const anneal_desc *desc, const double *params, char *err, size_t errlen);
void anneal_destroy(anneal_opt *o);

/* One step at the optimizer's current step: evaluate the schedule, fire hooks, update.
   Returns 0, or -1 with anneal_errmsg() set and nothing changed. */
int anneal_step(anneal_opt *o);
/* The same with a point the host computed (desc still supplies the hook table). */
int anneal_step_point(anneal_opt *o, const anneal_point *point);

int64_t anneal_get_step(const anneal_opt *o);
/* The values the last step used, after fallbacks and the plateau scale (lr before group scales). */
const anneal_point *anneal_last_point(const anneal_opt *o);
const char *anneal_errmsg(const anneal_opt *o);
/* A state array of a group, or NULL if this optimizer keeps none of that kind. */
float *anneal_state_array(anneal_opt *o, int32_t group, int32_t which);

void anneal_set_snapshot(anneal_opt *o, anneal_snapshot_fn fn, void *user);
/* Register the callback for `call NAME`; returns -1 if the schedule has no such call. */
int anneal_set_callback(anneal_opt *o, const char *name, anneal_callback_fn fn, void *user);

/* Stochastic weight averaging: how many parameter sets the average holds, and a
   swap of the average with the parameters (swap again to go back). */
int64_t anneal_swa_count(const anneal_opt *o);
int anneal_swa_swap(anneal_opt *o);

/*
 * Checkpoints: the whole state (step, config, parameters, moments, products,
 * SWA, plateau, noise counter, the schedule's digest) in one versioned,
 * checksummed file written to PATH.tmp, fsynced and renamed over PATH.
 * anneal_load checks everything before it changes anything: on any error it
 * returns -1 with anneal_errmsg() set and the optimizer as it was.
 */
int anneal_save(anneal_opt *o, const char *path);
int anneal_load(anneal_opt *o, const char *path);

#ifdef __cplusplus
}
#endif

#endif
