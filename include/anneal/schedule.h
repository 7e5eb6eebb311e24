/* schedule.h: the compiled-schedule ABI shared by annealc's JIT and AOT output, libanneal and hosts. */
#ifndef ANNEAL_SCHEDULE_H
#define ANNEAL_SCHEDULE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ANNEAL_ABI_VERSION 1
#define ANNEAL_MAX_CHANNELS 16 /* five standard slots, then custom channels */
#define ANNEAL_MAX_HOOKS 64    /* the event mask is a uint64_t */

/* Channel slots. Standard channels always sit in the same slot, so an
   optimizer reads momentum from value[ANNEAL_MOMENTUM] with no lookup;
   custom channels (`channel NAME = ...`) take slots from ANNEAL_FIRST_CUSTOM
   in the order they are defined. */
enum anneal_channel {
	ANNEAL_LR,
	ANNEAL_MOMENTUM, /* SGD momentum, Adam beta1, RMSProp momentum */
	ANNEAL_BETA2,    /* Adam beta2, RMSProp alpha */
	ANNEAL_WEIGHT_DECAY,
	ANNEAL_TEMPERATURE, /* target E|dtheta|^2 of the noise thermostat */
	ANNEAL_FIRST_CUSTOM
};

/* Everything a schedule says about one step. */
typedef struct anneal_point {
	double value[ANNEAL_MAX_CHANNELS]; /* NaN in a slot the schedule leaves undefined */
	uint64_t events;                   /* bit i set: hook i of the descriptor fires at this step */
	int64_t cycle;                     /* restart cycle of the primary channel, -1 outside restarts and cycles lists */
	int32_t phase;                     /* primary channel's top-level phase, as written: empty ones count */
	int32_t reserved;
} anneal_point;

enum anneal_event_kind {
	ANNEAL_EV_RESTART, /* first step of every cycle after the first */
	ANNEAL_EV_EVERY,   /* steps arg, 2*arg, ... (never step 0) */
	ANNEAL_EV_AT,      /* step arg */
	ANNEAL_EV_ENTER    /* first step of the phase labelled `phase` */
};

enum anneal_action_kind {
	ANNEAL_ACT_RESET_MOMENTUM, /* SGD velocity or Adam m to zero */
	ANNEAL_ACT_RESET_MOMENTS,  /* Adam m, v and the running products of beta */
	ANNEAL_ACT_SNAPSHOT,
	ANNEAL_ACT_SWA,
	ANNEAL_ACT_CALL /* a host callback, by name */
};

typedef struct anneal_action {
	int32_t kind;     /* enum anneal_action_kind */
	const char *name; /* ANNEAL_ACT_CALL: the callback's name, else NULL */
} anneal_action;

typedef struct anneal_hook {
	int32_t event;     /* enum anneal_event_kind */
	int64_t arg;       /* ANNEAL_EV_EVERY, ANNEAL_EV_AT */
	const char *phase; /* ANNEAL_EV_ENTER: the label, else NULL */
	int32_t naction;
	const anneal_action *action;
} anneal_hook;

typedef struct anneal_param {
	const char *name;
	double value;       /* the default, or the value bound at compile time */
	int32_t structural; /* 1: shapes phase lengths, so fixed when compiled;
	                       the params array's entry is ignored */
} anneal_param;

/* params may be NULL for the defaults; otherwise it holds nparam values in
   declaration order. step must be >= 0. */
typedef void (*anneal_eval_fn)(int64_t step, const double *params, struct anneal_point *out);
/* out[i] = channel `channel` at step first + i, for 0 <= i < count. */
typedef void (*anneal_fill_fn)(int64_t first, int64_t count, const double *params, int32_t channel,
                               double *out);

typedef struct anneal_desc {
	uint32_t abi_version; /* ANNEAL_ABI_VERSION */
	const char *name;
	int32_t nparam;
	const anneal_param *param;
	uint32_t channels;                             /* bit c set when slot c is defined */
	const char *channel_name[ANNEAL_MAX_CHANNELS]; /* NULL where undefined */
	int32_t primary;                               /* slot whose phase and cycle anneal_point reports */
	int32_t nhook;
	const anneal_hook *hook;
	int64_t horizon; /* steps until the primary channel's last phase ends, -1 if open-ended */
	uint64_t digest; /* FNV-1a of the schedule's checked form, for checkpoints */
	anneal_eval_fn eval;
	anneal_fill_fn fill;
} anneal_desc;

#ifdef __cplusplus
}
#endif

#endif
