/* cg_desc.c: the constant NAME_desc (anneal_desc with its params, channel names and hooks) and the param defaults. */
#include <stdlib.h>
#include <string.h>

#include "cg.h"

/* The C structs' int fields. */
static LLVMValueRef i32c(Cg *g, int64_t v)
{
	return LLVMConstInt(g->i32, (unsigned long long)v, 1);
}

/* A C struct's pointer field: N constant ELEMs, or NULL when there are none. */
static LLVMValueRef array_ptr(Cg *g, LLVMTypeRef elem, LLVMValueRef *v, unsigned n, const char *name)
{
	if (n == 0)
		return LLVMConstNull(g->ptr);
	LLVMValueRef arr = LLVMConstArray(elem, v, n);
	return LLVMConstPointerCast(cg_global_const(g, LLVMArrayType(elem, n), arr, name), g->ptr);
}

/* The values NAME_eval and NAME_fill read when params is NULL. */
void cg_defaults(Cg *g)
{
	unsigned n = (unsigned)g->s->nparam;
	LLVMValueRef *v = cg_alloc(g, n, sizeof *v);
	for (unsigned i = 0; i < n; i++)
		v[i] = cg_f64(g, g->s->param[i].value);
	g->defaults = cg_global_const(g, LLVMArrayType(g->f64, n), LLVMConstArray(g->f64, v, n), "defaults");
}

/* anneal_desc.hook: each hook's event, argument, phase label and actions. */
static LLVMValueRef hooks(Cg *g)
{
	const LSchedule *s = g->s;
	LLVMValueRef *h = cg_alloc(g, (size_t)s->nhook, sizeof *h);
	for (int i = 0; i < s->nhook; i++) {
		const LHook *hk = &s->hook[i];
		LLVMValueRef *a = cg_alloc(g, (size_t)hk->naction, sizeof *a);
		for (int j = 0; j < hk->naction; j++) {
			LLVMValueRef f[CG_ACTION_NFIELDS] = { [CG_ACTION_KIND] = i32c(g, hk->action[j].kind),
				                              [CG_ACTION_NAME] = cg_cstr(g, hk->action[j].name) };
			a[j] = LLVMConstNamedStruct(g->action, f, CG_ACTION_NFIELDS);
		}
		LLVMValueRef f[CG_HOOK_NFIELDS] = {
			[CG_HOOK_EVENT] = i32c(g, hk->event), [CG_HOOK_ARG] = cg_i64(g, hk->arg),
			[CG_HOOK_PHASE] = cg_cstr(g, hk->phase), [CG_HOOK_NACTION] = i32c(g, hk->naction),
			[CG_HOOK_ACTION] = array_ptr(g, g->action, a, (unsigned)hk->naction, "actions"),
		};
		h[i] = LLVMConstNamedStruct(g->hook, f, CG_HOOK_NFIELDS);
	}
	LLVMValueRef p = array_ptr(g, g->hook, h, (unsigned)s->nhook, "hooks");
	return p;
}

/* NAME_desc: external and constant, so a host links against it; its field
   order is anneal_desc's and the unit test checks the offsets. */
LLVMValueRef cg_desc(Cg *g, LLVMValueRef eval, LLVMValueRef fill)
{
	const LSchedule *s = g->s;
	LLVMValueRef *pv = cg_alloc(g, (size_t)s->nparam, sizeof *pv);
	/* A bound param is marked structural too: its params entry is ignored. */
	for (int i = 0; i < s->nparam; i++) {
		const LParam *p = &s->param[i];
		LLVMValueRef f[CG_PARAM_NFIELDS] = { [CG_PARAM_NAME] = cg_cstr(g, p->name),
			                             [CG_PARAM_VALUE] = cg_f64(g, p->value),
			                             [CG_PARAM_STRUCTURAL] = i32c(g, p->structural || g->bind) };
		pv[i] = LLVMConstNamedStruct(g->param, f, CG_PARAM_NFIELDS);
	}
	LLVMValueRef params = array_ptr(g, g->param, pv, (unsigned)s->nparam, "params");

	LLVMValueRef names[ANNEAL_MAX_CHANNELS];
	uint32_t defined = 0;
	for (int i = 0; i < ANNEAL_MAX_CHANNELS; i++)
		names[i] = LLVMConstNull(g->ptr);
	for (int c = 0; c < s->nchannel; c++) {
		names[s->channel[c].slot] = cg_cstr(g, s->channel[c].name);
		defined |= UINT32_C(1) << s->channel[c].slot;
	}
	int primary = s->nchannel > 0 ? s->channel[s->primary].slot : 0;
	LLVMValueRef f[CG_DESC_NFIELDS] = {
		[CG_DESC_ABI_VERSION] = i32c(g, ANNEAL_ABI_VERSION),
		[CG_DESC_NAME] = cg_cstr(g, s->name),
		[CG_DESC_NPARAM] = i32c(g, s->nparam),
		[CG_DESC_PARAM] = params,
		[CG_DESC_CHANNELS] = LLVMConstInt(g->i32, defined, 0),
		[CG_DESC_CHANNEL_NAME] = LLVMConstArray(g->ptr, names, ANNEAL_MAX_CHANNELS),
		[CG_DESC_PRIMARY] = i32c(g, primary),
		[CG_DESC_NHOOK] = i32c(g, s->nhook),
		[CG_DESC_HOOK] = hooks(g),
		[CG_DESC_HORIZON] = cg_i64(g, s->horizon),
		[CG_DESC_DIGEST] = LLVMConstInt(g->i64, s->digest, 0),
		[CG_DESC_EVAL] = LLVMConstPointerCast(eval, g->ptr),
		[CG_DESC_FILL] = LLVMConstPointerCast(fill, g->ptr),
	};
	char name[strlen(g->sym) + 8];
	snprintf(name, sizeof name, "%s_desc", g->sym);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, g->desc, name);
	LLVMSetInitializer(gv, LLVMConstNamedStruct(g->desc, f, CG_DESC_NFIELDS));
	LLVMSetGlobalConstant(gv, 1);
	return gv;
}
