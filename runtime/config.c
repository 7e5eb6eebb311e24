/* config.c: anneal_config's defaults, its field table for bindings, and the validation of a config, groups and schedule. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "anneal_int.h"

const char *anneal_version(void)
{
	return PACKAGE_VERSION;
}

anneal_status anneal_config_init(anneal_config *c, int32_t kind)
{
	if (c == NULL)
		return ANNEAL_ERR_INVALID;
	memset(c, 0, sizeof *c);
	c->kind = kind;
	c->eps = 1e-8;
	c->bias = ANNEAL_BIAS_PRODUCT;
	/* 2^18 elements: a one-thread AdamW step there takes ~130 us here, so a
	   second thread still gains after paying the ~57 us it takes to wake. */
	c->parallel_min = 1 << 18;
	c->seed = 0x5eed;
	switch (kind) {
	case ANNEAL_SGD:
		c->lr = NAN; /* torch.optim.SGD has no default lr */
		return ANNEAL_OK;
	case ANNEAL_ADAM:
		c->lr = 1e-3;
		c->momentum = 0.9;
		c->beta2 = 0.999;
		return ANNEAL_OK;
	case ANNEAL_ADAMW:
		c->lr = 1e-3;
		c->momentum = 0.9;
		c->beta2 = 0.999;
		c->weight_decay = 1e-2;
		return ANNEAL_OK;
	case ANNEAL_RMSPROP:
		c->lr = 1e-2;
		c->beta2 = 0.99;
		return ANNEAL_OK;
	}
	return ANNEAL_ERR_INVALID;
}

/* Each listed field has the size its type says, so the list cannot drift from the struct unnoticed. */
#define SIZE_INT32 4
#define SIZE_INT64 8
#define SIZE_UINT64 8
#define SIZE_DOUBLE 8
#define CONFIG_FIELD(T, name) \
	_Static_assert(sizeof(((anneal_config *)0)->name) == SIZE_##T, "config_fields.def: " #name " is not " #T);
#include "config_fields.def"
#undef CONFIG_FIELD

#define CONFIG_FIELD(T, name) \
	_Static_assert(sizeof(((anneal_plateau_config *)0)->name) == SIZE_##T, "plateau_fields.def: " #name " is not " #T);
#include "plateau_fields.def"
#undef CONFIG_FIELD

static const anneal_field config_fields[] = {
#define CONFIG_FIELD(T, name) {#name, ANNEAL_FIELD_##T, offsetof(anneal_config, name)},
#include "config_fields.def"
#undef CONFIG_FIELD
};

static const anneal_field plateau_fields[] = {
#define CONFIG_FIELD(T, name) {#name, ANNEAL_FIELD_##T, offsetof(anneal_plateau_config, name)},
#include "plateau_fields.def"
#undef CONFIG_FIELD
};

const anneal_field *anneal_config_fields(int32_t *n)
{
	if (n != NULL)
		*n = (int32_t)(sizeof config_fields / sizeof config_fields[0]);
	return config_fields;
}

size_t anneal_config_size(void)
{
	return sizeof(anneal_config);
}

const anneal_field *anneal_plateau_config_fields(int32_t *n)
{
	if (n != NULL)
		*n = (int32_t)(sizeof plateau_fields / sizeof plateau_fields[0]);
	return plateau_fields;
}

size_t anneal_plateau_config_size(void)
{
	return sizeof(anneal_plateau_config);
}

anneal_status st_fail(char *err, size_t n, anneal_status s, const char *fmt, ...)
{
	if (err != NULL && n > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, n, fmt, ap);
		va_end(ap);
	}
	return s;
}

const char *const opt_kind_name[4] = {"SGD", "Adam", "AdamW", "RMSProp"};

int desc_defines(const anneal_desc *d, int ch)
{
	return d != NULL && (d->channels >> ch & 1u);
}

static int unit_open(double x)
{
	return x >= 0 && x < 1;
}

static int nonneg(double x)
{
	return x >= 0 && isfinite(x);
}

#define BAD(field, fmt, v, why) \
	st_fail(err, n, ANNEAL_ERR_INVALID, "anneal_config." field " = " fmt ": %s", v, why)

/*
 * The whole config for its kind, first fault wins.  desc may be NULL; the
 * momentum and lr checks look at it because a channel replaces the
 * fallback.
 */
anneal_status cfg_check(const anneal_config *c, const anneal_desc *d, char *err, size_t n)
{
	if (c->kind < ANNEAL_SGD || c->kind > ANNEAL_RMSPROP)
		return BAD("kind", "%d", (int)c->kind, "not an optimizer (ANNEAL_SGD, _ADAM, _ADAMW, _RMSPROP)");
	const char *kind = opt_kind_name[c->kind];
	int sgd = c->kind == ANNEAL_SGD, rms = c->kind == ANNEAL_RMSPROP, adam = !sgd && !rms;
	if (isnan(c->lr) && !desc_defines(d, ANNEAL_LR))
		return BAD("lr", "%g", c->lr, "unset, and the schedule defines no lr channel");
	if (!isnan(c->lr) && !nonneg(c->lr))
		return BAD("lr", "%g", c->lr, "must be finite and >= 0");
	if (!unit_open(c->momentum))
		return BAD("momentum", "%g", c->momentum, "must be in [0, 1)");
	if (!unit_open(c->beta2))
		return BAD("beta2", "%g", c->beta2, "must be in [0, 1)");
	if (!(c->dampening >= 0 && c->dampening <= 1))
		return BAD("dampening", "%g", c->dampening, "must be in [0, 1]");
	if (!sgd && c->dampening != 0)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "anneal_config.dampening = %g: only SGD has dampening, %s must have 0",
		               c->dampening, kind);
	if (!sgd && !(c->eps > 0 && isfinite(c->eps)))
		return BAD("eps", "%g", c->eps, "must be finite and > 0");
	if (sgd && !(c->eps >= 0 && isfinite(c->eps)))
		return BAD("eps", "%g", c->eps, "must be finite and >= 0 (SGD does not use it)");
	if (!nonneg(c->weight_decay))
		return BAD("weight_decay", "%g", c->weight_decay, "must be finite and >= 0");
	if (!nonneg(c->temperature))
		return BAD("temperature", "%g", c->temperature, "must be finite and >= 0");
	if (c->nesterov != 0 && c->nesterov != 1)
		return BAD("nesterov", "%d", (int)c->nesterov, "must be 0 or 1");
	if (c->nesterov && !sgd)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "anneal_config.nesterov = 1: only SGD has Nesterov momentum, not %s",
		               kind);
	if (c->nesterov && c->dampening != 0)
		return st_fail(err, n, ANNEAL_ERR_INVALID,
		               "anneal_config.nesterov = 1: Nesterov momentum needs dampening 0, it is %g", c->dampening);
	if (c->nesterov && !(c->momentum > 0) && !desc_defines(d, ANNEAL_MOMENTUM))
		return st_fail(err, n, ANNEAL_ERR_INVALID,
		               "anneal_config.nesterov = 1: Nesterov momentum needs momentum > 0 or a momentum channel");
	if (c->centered != 0 && c->centered != 1)
		return BAD("centered", "%d", (int)c->centered, "must be 0 or 1");
	if (c->centered && !rms)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "anneal_config.centered = 1: only RMSProp is centered, not %s", kind);
	if (c->amsgrad != 0 && c->amsgrad != 1)
		return BAD("amsgrad", "%d", (int)c->amsgrad, "must be 0 or 1");
	if (c->amsgrad && !adam)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "anneal_config.amsgrad = 1: only Adam and AdamW have AMSGrad, not %s",
		               kind);
	if (c->bias != ANNEAL_BIAS_PRODUCT && c->bias != ANNEAL_BIAS_POWER)
		return BAD("bias", "%d", (int)c->bias, "not a bias mode (ANNEAL_BIAS_PRODUCT, _POWER)");
	if (c->snapshot_keep < 0)
		return BAD("snapshot_keep", "%d", (int)c->snapshot_keep, "must be >= 0");
	if (c->threads < 0)
		return BAD("threads", "%d", (int)c->threads, "must be >= 0");
	if (c->parallel_min < 0)
		return BAD("parallel_min", "%lld", (long long)c->parallel_min, "must be >= 0");
	if (c->nonfinite < ANNEAL_NONFINITE_PASS || c->nonfinite > ANNEAL_NONFINITE_STOP)
		return BAD("nonfinite", "%d", (int)c->nonfinite, "not a policy (ANNEAL_NONFINITE_PASS, _SKIP, _STOP)");
	return ANNEAL_OK;
}

/* A group's scales, also applied to the ones a checkpoint restores. */
anneal_status group_scales_check(int32_t i, double lr_scale, double wd_scale, char *err, size_t n)
{
	if (!nonneg(lr_scale))
		return st_fail(err, n, ANNEAL_ERR_INVALID, "group[%d].lr_scale = %g: must be finite and >= 0", (int)i, lr_scale);
	if (!nonneg(wd_scale))
		return st_fail(err, n, ANNEAL_ERR_INVALID, "group[%d].wd_scale = %g: must be finite and >= 0", (int)i, wd_scale);
	return ANNEAL_OK;
}

anneal_status groups_check(const anneal_group *group, int32_t ngroup, char *err, size_t n)
{
	if (ngroup < 1)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "ngroup = %d: an optimizer needs at least one group", (int)ngroup);
	if (group == NULL)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "group is NULL");
	int64_t total = 0;
	for (int32_t i = 0; i < ngroup; i++) {
		const anneal_group *g = &group[i];
		if (g->n < 0)
			return st_fail(err, n, ANNEAL_ERR_INVALID, "group[%d].n = %lld: must be >= 0", (int)i, (long long)g->n);
		if (g->n > 0 && g->param == NULL)
			return st_fail(err, n, ANNEAL_ERR_INVALID, "group[%d].param is NULL", (int)i);
		if (g->n > 0 && g->grad == NULL)
			return st_fail(err, n, ANNEAL_ERR_INVALID, "group[%d].grad is NULL", (int)i);
		anneal_status s = group_scales_check(i, g->lr_scale, g->wd_scale, err, n);
		if (s != ANNEAL_OK)
			return s;
		/* Sizes in bytes of the whole state must fit a size_t and an int64. */
		if (g->n > (INT64_MAX / 16 - total))
			return st_fail(err, n, ANNEAL_ERR_INVALID, "group[%d].n = %lld: too many elements in all", (int)i,
			               (long long)g->n);
		total += g->n;
	}
	return ANNEAL_OK;
}

/* The channels each optimizer reads (bit c: slot c); a schedule defining
   another standard channel is refused, as the optimizer would ignore it. */
static const uint32_t uses[4] = {
	[ANNEAL_SGD] = 1u << ANNEAL_LR | 1u << ANNEAL_MOMENTUM | 1u << ANNEAL_WEIGHT_DECAY | 1u << ANNEAL_TEMPERATURE,
	[ANNEAL_ADAM] = (1u << ANNEAL_FIRST_CUSTOM) - 1,
	[ANNEAL_ADAMW] = (1u << ANNEAL_FIRST_CUSTOM) - 1,
	[ANNEAL_RMSPROP] = (1u << ANNEAL_FIRST_CUSTOM) - 1,
};

static const char *const std_channel[ANNEAL_FIRST_CUSTOM] = {
#define CHANNEL(slot, name) [slot] = #name,
#include "anneal/channels.def"
#undef CHANNEL
};

const char *desc_channel_std_name(int ch)
{
	return ch >= 0 && ch < ANNEAL_FIRST_CUSTOM ? std_channel[ch] : NULL;
}

/* The descriptor's shape (not its values) and the params given with it. */
anneal_status desc_check(const anneal_desc *d, int32_t kind, const double *params, char *err, size_t n)
{
	const char *name = d->name != NULL ? d->name : "?";
	if (d->abi_version != ANNEAL_ABI_VERSION)
		return st_fail(err, n, ANNEAL_ERR_UNSUPPORTED, "desc->abi_version = %u: schedule '%s' has ABI version %u, libanneal expects %d",
		               d->abi_version, name, d->abi_version, ANNEAL_ABI_VERSION);
	if (d->eval == NULL)
		return st_fail(err, n, ANNEAL_ERR_INVALID, "desc->eval is NULL: schedule '%s' has no eval function", name);
	if (d->nparam < 0 || (d->nparam > 0 && d->param == NULL))
		return st_fail(err, n, ANNEAL_ERR_INVALID, "desc->nparam = %d: schedule '%s' needs nparam >= 0 and a param array",
		               (int)d->nparam, name);
	if (d->nhook < 0 || d->nhook > ANNEAL_MAX_HOOKS || (d->nhook > 0 && d->hook == NULL))
		return st_fail(err, n, ANNEAL_ERR_INVALID, "desc->nhook = %d: schedule '%s' needs 0..%d hooks and a hook array",
		               (int)d->nhook, name, ANNEAL_MAX_HOOKS);
	for (int32_t i = 0; i < d->nhook; i++) {
		const anneal_hook *h = &d->hook[i];
		if (h->naction < 0 || (h->naction > 0 && h->action == NULL))
			return st_fail(err, n, ANNEAL_ERR_INVALID, "desc->hook[%d].naction = %d: needs >= 0 and an action array",
			               (int)i, (int)h->naction);
		for (int32_t j = 0; j < h->naction; j++)
			if (h->action[j].kind == ANNEAL_ACT_CALL && h->action[j].name == NULL)
				return st_fail(err, n, ANNEAL_ERR_INVALID, "desc->hook[%d].action[%d]: a call with no name", (int)i,
				               (int)j);
	}
	for (int32_t i = 0; params != NULL && i < d->nparam; i++)
		if (!d->param[i].structural && !isfinite(params[i]))
			return st_fail(err, n, ANNEAL_ERR_INVALID, "params[%d] = %g: param '%s' of schedule '%s' must be finite",
			               (int)i, params[i], d->param[i].name ? d->param[i].name : "?", name);
	uint32_t unused = d->channels & ((1u << ANNEAL_FIRST_CUSTOM) - 1) & ~uses[kind];
	for (int ch = 0; ch < ANNEAL_FIRST_CUSTOM; ch++)
		if (unused >> ch & 1u)
			return st_fail(err, n, ANNEAL_ERR_UNSUPPORTED,
			               "schedule '%s' defines channel %s, which %s does not use", name, std_channel[ch],
			               opt_kind_name[kind]);
	return ANNEAL_OK;
}
