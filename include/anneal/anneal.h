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
 *                 amsgrad (Adam and AdamW, default off): vmax = max(vmax, v) and
 *                 sqrt(vmax) in place of sqrt(v).
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
 * step changes nothing).  A snapshot calls the handler if one is set and,
 * with snapshot_keep = K > 0, copies the parameters into a ring of the last K
 * snapshots (allocated at setup, part of the checkpoint).
 *
 * The noise thermostat: with a temperature K > 0 (channel or config), every
 * gradient element gets sigma * N(0,1) added before the update, sigma =
 * sqrt(K / N) / lr_group with N the elements over all groups, so plain SGD's
 * noise step has E|dtheta|^2 = K; momentum and Adam's scaling reshape it.
 * The normals come from a counter-based generator keyed by (seed, step,
 * element), so they do not depend on the thread count and a resumed run
 * draws the same ones.  The noisy path is scalar code.
 *
 * Threads: groups of at least parallel_min elements (default 2^18) are split
 * across `threads` OpenMP threads; smaller ones run on the calling thread, as
 * waking sleeping threads costs more than their whole update.  Results are
 * bit-identical for any thread count.
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

/* A NaN or an infinity in a gradient. PASS is torch.optim's behaviour and
   costs nothing; SKIP and STOP read every gradient once more before the
   update (4 bytes an element) to look for one. */
enum anneal_nonfinite {
	ANNEAL_NONFINITE_PASS, /* the update runs and the value flows into the parameters */
	ANNEAL_NONFINITE_SKIP, /* hooks fire, the update does not, the step advances; anneal_step returns 1 */
	ANNEAL_NONFINITE_STOP  /* anneal_step returns -1 naming the group and element; nothing changes */
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
	int32_t amsgrad;
	int32_t bias; /* enum anneal_bias */
	int32_t snapshot_keep; /* keep copies of the last K snapshots (allocated at setup); 0: none */
	int32_t threads;      /* OpenMP threads for large groups; 0 = OpenMP's default */
	int64_t parallel_min; /* groups smaller than this run on the calling thread */
	uint64_t seed;        /* of the noise generator */
	int32_t nonfinite;    /* enum anneal_nonfinite: what a NaN or Inf in a gradient does */
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
	ANNEAL_STATE_SWA,      /* the running average of the parameters */
	ANNEAL_STATE_MAX_SQUARE /* AMSGrad's running maximum of v */
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
   Returns 0; 1 when the update was skipped for a non-finite gradient
   (ANNEAL_NONFINITE_SKIP); or -1 with anneal_errmsg() set and nothing changed. */
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
/* Snapshots taken so far, and kept copy i (0 = the oldest still kept, up to
   min(count, snapshot_keep) - 1) of a group with its step and cycle; NULL if
   there is no such copy. */
int64_t anneal_snapshot_count(const anneal_opt *o);
const float *anneal_snapshot_get(const anneal_opt *o, int32_t i, int32_t group, int64_t *step, int64_t *cycle);
/* Register the callback for `call NAME`; returns -1 if the schedule has no such call. */
int anneal_set_callback(anneal_opt *o, const char *name, anneal_callback_fn fn, void *user);

/* Stochastic weight averaging: how many parameter sets the average holds, and a
   swap of the average with the parameters (swap again to go back). */
int64_t anneal_swa_count(const anneal_opt *o);
int anneal_swa_swap(anneal_opt *o);

/*
 * The plateau controller, torch.optim.lr_scheduler.ReduceLROnPlateau's rule
 * over a scale of the schedule's lr: the host reports a metric (say once an
 * epoch); after more than `patience` reports without an improvement beyond
 * `threshold` (relative: better than best*(1 -/+ threshold); absolute:
 * best -/+ threshold) the scale is multiplied by `factor`, then `cooldown`
 * reports pass before bad reports count again.  A reduction never takes the
 * lr below min_lr (the schedule itself may), and one that would change the
 * lr by eps or less is skipped.  Its state is part of the checkpoint.
 */
typedef struct anneal_plateau_config {
	int32_t mode_max; /* 0: lower metric is better ('min'), 1: higher ('max') */
	int32_t rel;      /* 1: threshold_mode 'rel' (torch's default), 0: 'abs' */
	double factor;    /* 0.1 */
	int64_t patience; /* 10 */
	double threshold; /* 1e-4 */
	int64_t cooldown; /* 0 */
	double min_lr;    /* 0 */
	double eps;       /* 1e-8 */
} anneal_plateau_config;

void anneal_plateau_config_init(anneal_plateau_config *c);
int anneal_plateau_enable(anneal_opt *o, const anneal_plateau_config *c);
/* Report a metric; returns the lr scale now in force, or -1 (plateau not enabled). */
double anneal_plateau_report(anneal_opt *o, double metric);

/*
 * Checkpoints: the whole state (step, config, parameters, moments, products,
 * SWA, plateau, noise counter, the schedule's digest) in one versioned,
 * checksummed file written to PATH.tmp, fsynced and renamed over PATH.
 * The host's parameter arrays are part of it: anneal_load overwrites them,
 * and restores the config's channel fallbacks and the group scales; threads
 * and parallel_min stay as set.  anneal_load checks everything (size,
 * checksum, version, byte order, the schedule's digest, the optimizer's kind,
 * groups and state arrays) before it changes anything: on any error it
 * returns -1 with anneal_errmsg() set and the optimizer as it was.
 */
int anneal_save(anneal_opt *o, const char *path);
int anneal_load(anneal_opt *o, const char *path);

#ifdef __cplusplus
}
#endif

#endif
