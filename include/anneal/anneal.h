/* anneal.h: libanneal, the optimizer runtime that drives torch.optim-style updates from a compiled schedule. */
#ifndef ANNEAL_ANNEAL_H
#define ANNEAL_ANNEAL_H

#include <stddef.h>
#include <stdint.h>

#include <anneal/schedule.h>
#include <anneal/status.h>

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
 * registered under NAME.  Every `call NAME` must have a callback before the
 * first step: anneal_check_ready() tests it, and the first anneal_step runs
 * it (so a missing callback fails at step 0, not a day into the run).  A
 * snapshot calls the handler if one is set and, with snapshot_keep = K > 0,
 * copies the parameters into a ring of the last K snapshots (allocated at
 * setup, part of the checkpoint).
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
 *
 * Errors: every call that can fail returns an anneal_status and leaves a
 * message naming the argument or field in anneal_errmsg(o); every call on an
 * optimizer that succeeds leaves the message "" (no stale message survives).
 * Getters that return a pointer return NULL and set the message; getters of
 * a count or step return -1 for a NULL optimizer.  A call given o == NULL
 * returns ANNEAL_ERR_INVALID (there is nowhere to put a message).  The
 * library never exits, aborts or prints.
 *
 * Lifetimes: the optimizer keeps pointers to `desc` (and through it the
 * schedule's names, hooks and functions: a JIT-compiled schedule must not be
 * released before anneal_destroy) and to the host's param and grad arrays of
 * every group; it copies the config, the group structs and the params.
 * Callback and snapshot `user` pointers are the host's and must stay valid
 * while the optimizer can call them.
 *
 * Threads: an anneal_opt is not safe to use from two threads at once
 * (getters included: they write the message); distinct optimizers are
 * independent.  The descriptor lookups and anneal_version are pure and
 * thread-safe.
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
	ANNEAL_NONFINITE_SKIP, /* hooks fire, the update does not, the step advances; anneal_step returns
	                          ANNEAL_OK and anneal_last_skipped() says 1 */
	ANNEAL_NONFINITE_STOP  /* anneal_step returns ANNEAL_ERR_NONFINITE naming the group and element;
	                          nothing changes */
};

/*
 * The optimizer's settings.  anneal_create validates every field for the
 * kind (a message names the field, "anneal_config.beta2 = 1.5: must be in
 * [0, 1)"):  lr finite and >= 0 (NaN only when the schedule defines lr);
 * momentum and beta2 in [0, 1); dampening in [0, 1], SGD only; eps finite
 * and > 0 (not used by SGD); weight_decay and temperature finite and >= 0;
 * nesterov (SGD only) needs momentum > 0 or a momentum channel, and
 * dampening 0 (torch's rule); centered RMSProp only, amsgrad Adam and AdamW
 * only, each 0 or 1; bias and nonfinite one of their enums; snapshot_keep,
 * threads and parallel_min >= 0.  Bindings take this layout from
 * anneal_config_fields(), not from a copy.
 */
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

/* One field of a struct the library describes: bindings build their mirror
   from these instead of copying the header. */
enum anneal_field_type {
	ANNEAL_FIELD_INT32,
	ANNEAL_FIELD_INT64,
	ANNEAL_FIELD_UINT64,
	ANNEAL_FIELD_DOUBLE
};

typedef struct anneal_field {
	const char *name;
	int32_t type; /* enum anneal_field_type */
	size_t offset;
} anneal_field;

/* anneal_config's fields in declaration order (*n of them; n may be NULL),
   and its size in bytes.  Static tables: never freed. */
const anneal_field *anneal_config_fields(int32_t *n);
size_t anneal_config_size(void);

/* One parameter group: host-owned arrays the runtime reads and updates in place
   (they must outlive the optimizer).  n >= 0; param and grad non-NULL when
   n > 0; lr_scale and wd_scale finite and >= 0. */
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

/* The library's version, "MAJOR.MINOR.PATCH" (a static string). */
const char *anneal_version(void);

/* Fill *c with torch.optim's defaults for `kind` (table above).  An
   unknown kind still fills the common defaults and returns ANNEAL_ERR_INVALID;
   c NULL: ANNEAL_ERR_INVALID. */
anneal_status anneal_config_init(anneal_config *c, int32_t kind);

/*
 * Set up an optimizer over ngroup >= 1 groups (copied; the arrays stay the
 * host's) driven by desc (may be NULL: every channel from the config; else
 * kept, not copied: it must outlive the optimizer).  params: desc's nparam
 * parameter values, copied, or NULL for the defaults; a structural param's
 * entry is ignored, every other must be finite.  The schedule must have
 * desc->abi_version == ANNEAL_ABI_VERSION and no channel the optimizer does
 * not use (beta2 on SGD).  All state is allocated here, never in a step.
 * On success *out is the optimizer; on failure *out is NULL and err (if not
 * NULL; ANNEAL_ERRLEN bytes is enough) holds the message.  This is the only
 * call with a caller's message buffer: there is no object yet.
 */
anneal_status anneal_create(const anneal_config *c, const anneal_group *group, int32_t ngroup,
                            const anneal_desc *desc, const double *params, anneal_opt **out, char *err,
                            size_t errlen);
/* NULL is a no-op. */
void anneal_destroy(anneal_opt *o);

/* Every `call NAME` of the schedule has a callback: ANNEAL_ERR_INVALID naming
   the hook and NAME otherwise.  The first anneal_step runs it too. */
anneal_status anneal_check_ready(anneal_opt *o);

/* One step at the optimizer's current step: evaluate the schedule, fire hooks,
   update.  ANNEAL_OK also when the update was skipped for a non-finite
   gradient (ANNEAL_NONFINITE_SKIP; anneal_last_skipped tells); on an error
   (ANNEAL_ERR_NONFINITE under STOP, ANNEAL_ERR_INVALID for a channel value
   out of range or a missing callback) nothing changed.  The last step that
   can run is INT64_MAX - 1: at INT64_MAX it returns ANNEAL_ERR_UNSUPPORTED. */
anneal_status anneal_step(anneal_opt *o);
/* The same with a point the host computed (desc still supplies the hook
   table); point must not be NULL. */
anneal_status anneal_step_point(anneal_opt *o, const anneal_point *point);
/* 1 when the last successful step skipped its update (ANNEAL_NONFINITE_SKIP),
   0 otherwise, -1 for a NULL optimizer. */
int anneal_last_skipped(const anneal_opt *o);

/* The next step to run, -1 for a NULL optimizer. */
int64_t anneal_get_step(const anneal_opt *o);
/* The values the last step used, after fallbacks and the plateau scale (lr
   before group scales); NULL before the first step.  Valid until the next
   call on o. */
const anneal_point *anneal_last_point(const anneal_opt *o);
/* The message of the last call on o: "" after a success, never NULL (a
   constant text for o == NULL).  Valid until the next call on o. */
const char *anneal_errmsg(const anneal_opt *o);
/* A state array of a group (group in [0, ngroup)), or NULL with a message if
   the index is out of range or this optimizer keeps none of that kind.
   Owned by o. */
float *anneal_state_array(anneal_opt *o, int32_t group, int32_t which);

/* The schedule's param values the optimizer runs with (desc->nparam of them,
   owned by o), NULL with a message when there is no schedule or it has none. */
const double *anneal_params(const anneal_opt *o);
/* Change param `index` (a non-structural one; value finite), say to
   override a checkpoint's value on purpose after anneal_load. */
anneal_status anneal_set_param(anneal_opt *o, int32_t index, double value);

/* Point group `group` at other arrays of its length, for a host whose
   tensors moved (torch's zero_grad(set_to_none=True) gives a new gradient
   each step).  The state, counters and snapshots stay; the new param array's
   values are the ones the next step updates.  Not NULL unless n is 0. */
anneal_status anneal_rebind(anneal_opt *o, int32_t group, float *param, const float *grad);
/* Take on another framework's counters, with its buffers written through
   anneal_state_array (torch's per-parameter `step` and state): the next
   step to run is `step`, and `since_reset` updates (0 <= since_reset <=
   step) ran since the start or the last `reset moments` at the config's
   momentum and beta2.  Adam's bias correction goes on from t = since_reset
   (POWER: 1 - beta^t; PRODUCT: prod beta taken as beta^since_reset); SGD's
   next update initialises the velocity when since_reset is 0 and continues
   it otherwise (torch keeps no momentum_buffer before the first step). */
anneal_status anneal_set_step(anneal_opt *o, int64_t step, int64_t since_reset);
/* The counter anneal_set_step's since_reset sets, as torch keeps its `step`:
   Adam's t (updates since the start or the last `reset moments`); for SGD
   0 while the next update initialises the velocity, else the step; for
   RMSProp the step.  -1 for a NULL optimizer. */
int64_t anneal_get_since_reset(const anneal_opt *o);

/* One step whose update the host decided not to run (several processes
   agreeing that one of them saw a non-finite gradient): the schedule's
   hooks fire and the step advances, as ANNEAL_NONFINITE_SKIP does. */
anneal_status anneal_skip_step(anneal_opt *o);
/* This optimizer's elements are elements [first, first + its own) of a
   whole of `total` split across processes: the noise thermostat's normals
   are drawn by the element's index in the whole and scaled by the whole's
   size, so the shards of a run draw exactly what one process would. */
anneal_status anneal_set_shard(anneal_opt *o, int64_t first, int64_t total);
/* dst takes src's counters, bias products, SWA and snapshot counts, plateau
   state, config values and params -- everything a checkpoint restores but
   the arrays -- when both have the same kind, options and schedule and may
   differ in their groups (a checkpoint resharded: the arrays are copied
   through anneal_state_array).  Kept snapshots belong to src's layout:
   ANNEAL_ERR_UNSUPPORTED when src holds any. */
anneal_status anneal_adopt_counters(anneal_opt *dst, const anneal_opt *src);

/* fn may be NULL (no handler). */
anneal_status anneal_set_snapshot(anneal_opt *o, anneal_snapshot_fn fn, void *user);
/* Snapshots taken so far (-1 for a NULL optimizer), and kept copy i (0 = the
   oldest still kept, up to min(count, snapshot_keep) - 1) of a group with its
   step and cycle (step and cycle may be NULL); NULL with a message if there
   is no such copy.  Owned by o, overwritten by later snapshots. */
int64_t anneal_snapshot_count(const anneal_opt *o);
const float *anneal_snapshot_get(const anneal_opt *o, int32_t i, int32_t group, int64_t *step, int64_t *cycle);
/* Register the callback for `call NAME` (fn NULL unregisters it); name is
   compared, not kept.  ANNEAL_ERR_INVALID if the schedule has no such call. */
anneal_status anneal_set_callback(anneal_opt *o, const char *name, anneal_callback_fn fn, void *user);

/* Stochastic weight averaging: how many parameter sets the average holds (-1
   for a NULL optimizer), and a swap of the average with the parameters (swap
   again to go back). */
int64_t anneal_swa_count(const anneal_opt *o);
anneal_status anneal_swa_swap(anneal_opt *o);

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
	double factor;    /* 0.1, in (0, 1) */
	int64_t patience; /* 10, >= 0 */
	double threshold; /* 1e-4, finite >= 0 */
	int64_t cooldown; /* 0, >= 0 */
	double min_lr;    /* 0, finite >= 0 */
	double eps;       /* 1e-8, finite >= 0 */
} anneal_plateau_config;

/* c NULL: ANNEAL_ERR_INVALID. */
anneal_status anneal_plateau_config_init(anneal_plateau_config *c);
/* Its layout for bindings, as anneal_config_fields. */
const anneal_field *anneal_plateau_config_fields(int32_t *n);
size_t anneal_plateau_config_size(void);
/* Validates every field (mode_max and rel 0 or 1), messages naming it. */
anneal_status anneal_plateau_enable(anneal_opt *o, const anneal_plateau_config *c);
/* Report a metric (not NaN); *scale (scale may be NULL) receives the lr
   scale now in force.  ANNEAL_ERR_INVALID if the controller is not enabled. */
anneal_status anneal_plateau_report(anneal_opt *o, double metric, double *scale);

/*
 * Checkpoints: the whole state (step, config, the schedule's param values,
 * the host's parameters, moments, products, SWA, plateau, noise counter, and
 * the schedule's digest with a summary: its name, param names, structural
 * values, channel mask and hook count) in one versioned, checksummed file
 * written to PATH.tmp, fsynced and renamed over PATH.
 *
 * anneal_load overwrites the host's parameter arrays and restores the
 * schedule's param values the saved run used (replacing those given to
 * anneal_create: call anneal_set_param afterwards to change one on
 * purpose), the config's channel fallbacks, the bias mode and the group
 * scales; threads, parallel_min and nonfinite stay as set.  It reads the
 * whole file into scratch memory and checks everything (a regular file;
 * size, checksum, version, byte order; the schedule's digest, and on a
 * mismatch what differs; the optimizer's kind and options; groups and which
 * state arrays exist; every restored field by the rules anneal_create and
 * anneal_plateau_enable apply) before it changes anything: on any error it
 * returns a status (ANNEAL_ERR_IO, _INPUT for a damaged or foreign file,
 * _NOMEM) with anneal_errmsg() set and the optimizer exactly as it was.
 */
anneal_status anneal_save(anneal_opt *o, const char *path);
anneal_status anneal_load(anneal_opt *o, const char *path);

/*
 * Lookups on a descriptor (no optimizer needed, no LLVM: AOT hosts have them).
 * anneal_param_index: the index of param `name`, -1 when absent (or d or
 * name NULL).  anneal_channel_slot: the slot of a defined channel, standard
 * (lr, momentum, beta2, weight_decay, temperature) or custom, by name; -1
 * when absent.
 */
int32_t anneal_param_index(const anneal_desc *d, const char *name);
int32_t anneal_channel_slot(const anneal_desc *d, const char *name);

/*
 * Text of hooks, as `annealc eval` prints its events column.
 * anneal_hook_event_text: "restart", "every:1000", "at:50", "enter:LABEL".
 * anneal_hook_actions_text: the actions in order, joined by ", ", in the
 * language's words: "reset momentum, reset moments, snapshot, swa, call NAME".
 * anneal_events_text: the hooks of d whose bit is set in events, in hook
 * order, joined by "+" ("restart+every:1000"); "" for no events.  Bits at
 * or above d->nhook are ignored.
 * All three follow one rule: buf (n bytes; NULL allowed when n == 0) gets
 * the text, NUL-terminated and cut to n - 1 bytes if longer; *len (len may
 * be NULL) the full text's length without the NUL, so a host can size the
 * buffer with a first call of n = 0.  ANNEAL_OK when the whole text fit (or
 * n == 0); ANNEAL_ERR_INVALID when it was cut, for a NULL hook or desc, or
 * an unknown event or action kind.
 */
anneal_status anneal_hook_event_text(const anneal_hook *h, char *buf, size_t n, size_t *len);
anneal_status anneal_hook_actions_text(const anneal_hook *h, char *buf, size_t n, size_t *len);
anneal_status anneal_events_text(const anneal_desc *d, uint64_t events, char *buf, size_t n, size_t *len);

#ifdef __cplusplus
}
#endif

#endif
