/* anneal_int.h: libanneal's internal types shared by the optimizer, kernels, hooks and checkpoints. */
#ifndef ANNEAL_INT_H
#define ANNEAL_INT_H

#include <anneal/anneal.h>

/* Element loops split at multiples of this, so every thread count cuts the
   arrays at the same vector-aligned places. */
#define KERN_ALIGN 64

enum kern_variant {
	KV_SGD,          /* no velocity this step */
	KV_SGD_MOM,
	KV_SGD_NESTEROV,
	KV_ADAM,         /* Adam and AdamW */
	KV_ADAM_AMS,     /* the same with AMSGrad's maximum */
	KV_RMS,
	KV_RMS_MOM,
	KV_RMS_CENTERED,
	KV_RMS_CENTERED_MOM
};

/* One group's update for one step: pointers plus the step's scalars, already
   rounded to float the way torch rounds them. */
typedef struct Kern {
	int variant; /* enum kern_variant */
	int noisy;   /* add sigma * N(0,1) to the gradient */
	float *p;
	const float *g;
	float *m; /* velocity, Adam m */
	float *v; /* Adam v, RMSProp square average */
	float *a; /* centered RMSProp gradient average, AMSGrad's maximum of v */
	float lr;     /* SGD, RMSProp */
	float wd;     /* weight decay folded into the gradient */
	float mu;     /* SGD Nesterov and RMSProp momentum */
	float mu_b;   /* SGD velocity keep factor: 0 on the first step */
	float c_b;    /* SGD: 1 - dampening, 1 on the first step */
	float b1, omb1, b2, omb2;
	float step_neg; /* Adam: -lr / c1 */
	float bc2s;     /* Adam: sqrt(c2) */
	float eps;
	float decay; /* AdamW: 1 - lr*wd; 1 otherwise */
	float sigma; /* noise standard deviation */
	uint64_t key;  /* noise: seed and step mixed */
	int64_t base;  /* noise: the group's first element in the global numbering */
} Kern;

typedef struct Group {
	anneal_group g;
	float *m, *v, *a, *swa;
	int64_t base;
} Group;

typedef struct CallReg {
	const char *name;
	anneal_callback_fn fn;
	void *user;
} CallReg;

typedef struct Plateau {
	int32_t on;
	int32_t mode_max;
	int32_t rel;
	int32_t pad; /* explicit: the struct is written to checkpoints byte for byte */
	double factor, threshold, min_lr, eps;
	int64_t patience, cooldown;
	double best;
	int64_t bad, cooldown_left;
	double scale;   /* multiplies the schedule's lr */
	double last_lr; /* the schedule's lr at the last step, NaN before one */
} Plateau;

struct anneal_opt {
	anneal_config cfg;
	const anneal_desc *desc;
	double *params;
	int32_t ngroup;
	Group *grp;
	anneal_group *hostgrp; /* the groups as the host gave them, for snapshots */
	Kern *kern;
	int64_t total; /* elements over all groups */
	int64_t step;
	double prod1, prod2; /* prod beta since the last reset (PRODUCT bias mode) */
	int64_t t_adam;      /* steps since the last reset moments (POWER bias mode) */
	int32_t sgd_fresh;   /* no SGD velocity yet: the next one is initialised to d */
	int64_t swa_n;
	int32_t has_swa;
	anneal_snapshot_fn snap;
	void *snap_user;
	int64_t snap_n;      /* snapshots taken */
	float *snap_keep;    /* snapshot_keep rings of `total` floats, groups back to back */
	int64_t *snap_meta;  /* step and cycle of each kept copy */
	int32_t ncall;
	CallReg *call;
	Plateau plateau;
	anneal_point last;
	char err[ANNEAL_ERRLEN];
};

/* kernels.c */
void kern_range(const Kern *k, int64_t lo, int64_t hi);
void kern_run_all(anneal_opt *o);
void kern_zero(anneal_opt *o, float *x, int64_t n);
float kern_normal(uint64_t key, uint64_t index);
uint64_t kern_mix(uint64_t x);

/* hooks.c */
int hook_fire(anneal_opt *o, const anneal_point *pt);
int hook_swa_needed(const anneal_desc *d);

/* plateau.c */
double plateau_lr(const Plateau *pl, double sched_lr);

/* optim.c */
int opt_fail(anneal_opt *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
