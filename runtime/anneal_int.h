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
	int64_t shard_first, shard_total; /* these elements' place in a sharded whole (anneal_set_shard) */
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
	int32_t has_last;  /* a step has run: last is meaningful */
	int32_t skipped;   /* the last step skipped its update */
	int32_t ready;     /* anneal_check_ready passed since the last callback change */
	char err[ANNEAL_ERRLEN];
};

/* kernels.c */
void kern_range(const Kern *k, int64_t lo, int64_t hi);
void kern_run_all(anneal_opt *o);
void kern_zero(anneal_opt *o, float *x, int64_t n);
float kern_normal(uint64_t key, uint64_t index);
uint64_t kern_mix(uint64_t x);

/* hooks.c */
anneal_status hook_fire(anneal_opt *o, const anneal_point *pt);
anneal_status hook_check_ready(anneal_opt *o);
int hook_swa_needed(const anneal_desc *d);

/* plateau.c */
double plateau_lr(const Plateau *pl, double sched_lr);

/* checkpoint.c: the format shared by save and load (layout in checkpoint.c). */
#define CK_MAGIC "ANNEALCK"
#define CK_VERSION 2u
#define CK_ORDER 0x01020304u
#define CK_HEADER 32 /* magic, version, order mark, size, digest */

enum {
#define CK_ARRAY(name, member) CK_A_##name,
#include "ckpt_arrays.def"
#undef CK_ARRAY
	CK_NARRAY
};

typedef struct CkHash {
	uint64_t h;
	unsigned char pend[8];
	size_t npend;
} CkHash;

void ck_hash_init(CkHash *s);
void ck_hash_add(CkHash *s, const void *buf, size_t len);
uint64_t ck_hash_end(CkHash *s);
float *ck_array(const Group *g, int which);
uint32_t ck_mask(const Group *g);
uint64_t ck_file_size(const anneal_opt *o);

/* optim.c: the message of a call on o; opt_ok at the start of every call
   that can fail, so a success leaves "". */
anneal_status opt_fail(anneal_opt *o, anneal_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void opt_ok(const anneal_opt *o);
/* The optimizer as a mutable object: getters take a const pointer but
   still report through the message. */
anneal_opt *opt_mut(const anneal_opt *o);
int opt_need_m(const anneal_config *c, const anneal_desc *d);

/* config.c */
anneal_status st_fail(char *err, size_t n, anneal_status s, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
extern const char *const opt_kind_name[4];
int desc_defines(const anneal_desc *d, int ch);
const char *desc_channel_std_name(int ch);
anneal_status cfg_check(const anneal_config *c, const anneal_desc *d, char *err, size_t n);
anneal_status groups_check(const anneal_group *group, int32_t ngroup, char *err, size_t n);
anneal_status group_scales_check(int32_t i, double lr_scale, double wd_scale, char *err, size_t n);
anneal_status desc_check(const anneal_desc *d, int32_t kind, const double *params, char *err, size_t n);

/* plateau.c: the rules of anneal_plateau_enable, for a restored state too. */
anneal_status plateau_check(const Plateau *pl, char *err, size_t n);

#endif
