/* check.c: checks a file's schedules -- names, params, channels, hooks -- and lowers each one. */
#include <math.h>
#include <string.h>

#include "annealc_int.h"

static const char *const standard_channels[ANNEAL_FIRST_CUSTOM] = {
	[ANNEAL_LR] = "lr",
	[ANNEAL_MOMENTUM] = "momentum",
	[ANNEAL_BETA2] = "beta2",
	[ANNEAL_WEIGHT_DECAY] = "weight_decay",
	[ANNEAL_TEMPERATURE] = "temperature",
};

/* Names with a meaning of their own inside expressions. */
const char *const builtin_names[] = { "t", "T", "p", "step", "cycle", "pi", "true", "false", NULL };

static int standard_slot(const char *name)
{
	for (int i = 0; i < ANNEAL_FIRST_CUSTOM; i++)
		if (strcmp(standard_channels[i], name) == 0)
			return i;
	return -1;
}

/* A param or let name must not hide a built-in or an earlier definition. */
static int check_new_name(Checker *c, Node *item)
{
	for (int i = 0; builtin_names[i]; i++)
		if (strcmp(builtin_names[i], item->name) == 0) {
			diag_error(c->diag, item->loc, "'%s' is a built-in name and cannot be redefined", item->name);
			return 0;
		}
	int i = lower_param_index(c, item->name);
	Node *prev = i >= 0 ? c->param_node[i] : NULL;
	if (!prev && (i = lower_let_index(c, item->name)) >= 0)
		prev = c->let_node[i];
	if (prev) {
		diag_error(c->diag, item->loc, "'%s' is defined twice", item->name);
		diag_note(c->diag, prev->loc, "first defined here");
		return 0;
	}
	return 1;
}

/* param NAME = value;  -- the value may use earlier params */
static void check_param(Checker *c, Node *item)
{
	if (!check_new_name(c, item))
		return;
	if (c->nparam == MAX_PARAMS) {
		diag_error(c->diag, item->loc, "too many params (the limit is %d)", MAX_PARAMS);
		if (!c->past_limit)
			c->past_limit = item;
		return;
	}
	/* A default computed from earlier params is fixed when compiled, but
	   using them here does not make them structural. */
	int structural[MAX_PARAMS];
	for (int i = 0; i < c->nparam; i++)
		structural[i] = c->param[i].structural;
	double v;
	int ok = lower_const(c, item->lhs, "a param's default", &v);
	for (int i = 0; i < c->nparam; i++)
		c->param[i].structural = structural[i];
	if (!ok)
		v = 0; /* still defined, so its uses are not reported as unknown */
	for (int i = 0; i < c->prog->noverride; i++) {
		const Override *o = &c->prog->override[i];
		if (strcmp(o->schedule, c->schedule) == 0 && strcmp(o->param, item->name) == 0)
			v = o->value;
	}
	c->param_node[c->nparam] = item;
	c->param[c->nparam].name = item->name;
	c->param[c->nparam].value = v;
	c->nparam++;
}

static void check_let(Checker *c, Node *item)
{
	if (!check_new_name(c, item))
		return;
	if (c->nlet == MAX_LETS) {
		diag_error(c->diag, item->loc, "too many lets (the limit is %d)", MAX_LETS);
		if (!c->past_limit)
			c->past_limit = item;
		return;
	}
	c->let_node[c->nlet++] = item;
}

/* action = reset momentum | reset moments | snapshot | swa | call NAME */
static int check_action(Checker *c, Node *a, LAction *out)
{
	const char *arg = a->lhs ? a->lhs->name : NULL;
	if (strcmp(a->name, "reset") == 0) {
		if (arg && strcmp(arg, "momentum") == 0)
			out->kind = ANNEAL_ACT_RESET_MOMENTUM;
		else if (arg && strcmp(arg, "moments") == 0)
			out->kind = ANNEAL_ACT_RESET_MOMENTS;
		else {
			diag_error(c->diag, arg ? a->lhs->loc : a->loc, "reset what? expected 'reset momentum' or 'reset moments'");
			return 0;
		}
		return 1;
	}
	if (strcmp(a->name, "call") == 0) {
		if (!arg) {
			diag_error(c->diag, a->loc, "'call' needs the name of a host callback");
			return 0;
		}
		out->kind = ANNEAL_ACT_CALL;
		out->name = arg;
		return 1;
	}
	int kind = strcmp(a->name, "snapshot") == 0 ? ANNEAL_ACT_SNAPSHOT
	           : strcmp(a->name, "swa") == 0   ? ANNEAL_ACT_SWA
	                                           : -1;
	if (kind < 0) {
		Nearest near;
		nearest_init(&near, a->name);
		static const char *const actions[] = { "reset", "snapshot", "swa", "call" };
		for (size_t i = 0; i < sizeof actions / sizeof *actions; i++)
			nearest_offer(&near, actions[i]);
		diag_error(c->diag, a->loc,
		           "unknown action '%s'%s (expected reset momentum, reset moments, snapshot, swa or call NAME)",
		           a->name, nearest_text(&near));
		return 0;
	}
	if (arg) {
		diag_error(c->diag, a->lhs->loc, "'%s' takes no argument", a->name);
		return 0;
	}
	out->kind = kind;
	return 1;
}

/* hook = 'on' (restart | every N | at N | enter LABEL) '{' action* '}' */
static int check_hook(Checker *c, Node *item, LHook *h)
{
	const char *ev = item->name;
	Node *arg = item->lhs;
	int ok = 1;
	if (strcmp(ev, "restart") == 0) {
		h->event = ANNEAL_EV_RESTART;
		if (arg) {
			diag_error(c->diag, arg->loc, "'on restart' takes no argument");
			ok = 0;
		}
	} else if (strcmp(ev, "every") == 0 || strcmp(ev, "at") == 0) {
		h->event = ev[0] == 'e' ? ANNEAL_EV_EVERY : ANNEAL_EV_AT;
		if (!arg) {
			diag_error(c->diag, item->loc, "'on %s' needs a step count", ev);
			ok = 0;
		} else {
			ok &= lower_const_int(c, arg, ev[0] == 'e' ? "the period of 'on every'" : "the step of 'on at'",
			                ev[0] == 'e' ? 1 : 0, &h->arg);
		}
	} else if (strcmp(ev, "enter") == 0) {
		h->event = ANNEAL_EV_ENTER;
		if (!arg || arg->kind != ND_IDENT) {
			diag_error(c->diag, arg ? arg->loc : item->loc, "'on enter' needs the label of a phase");
			ok = 0;
		} else {
			h->phase = arg->name;
		}
	} else {
		Nearest near;
		nearest_init(&near, ev);
		static const char *const events[] = { "restart", "every", "at", "enter" };
		for (size_t i = 0; i < sizeof events / sizeof *events; i++)
			nearest_offer(&near, events[i]);
		diag_error(c->diag, item->loc, "unknown event '%s'%s (expected restart, every N, at N or enter LABEL)", ev,
		           nearest_text(&near));
		ok = 0;
	}
	h->naction = ast_length(item->body);
	h->action = arena_alloc(c->arena, sizeof(LAction) * (size_t)(h->naction + 1));
	int i = 0;
	for (Node *a = item->body; a; a = a->next)
		ok &= check_action(c, a, &h->action[i++]);
	return ok;
}

static void check_schedule(Checker *c, Node *sched, LSchedule *out)
{
	int nchannel = 0, ncustom = 0, nhook = 0;
	Node *chan_node[ANNEAL_MAX_CHANNELS];
	LChannel chan[ANNEAL_MAX_CHANNELS];
	Node *hook_node[ANNEAL_MAX_HOOKS];
	LHook hook[ANNEAL_MAX_HOOKS];
	int errors = c->diag->nerror;

	/* Params and lets first: channels may use them wherever they appear. */
	for (Node *it = sched->args; it; it = it->next) {
		if (it->kind == ND_PARAM)
			check_param(c, it);
		else if (it->kind == ND_LET)
			check_let(c, it);
	}
	for (Node *it = sched->args; it; it = it->next) {
		if (it->kind == ND_CHANNEL || it->kind == ND_CUSTOM) {
			int slot = standard_slot(it->name);
			if (it->kind == ND_CHANNEL && slot < 0) {
				Nearest near;
				nearest_init(&near, it->name);
				for (int i = 0; i < ANNEAL_FIRST_CUSTOM; i++)
					nearest_offer(&near, standard_channels[i]);
				diag_error(c->diag, it->loc, "unknown channel '%s'%s", it->name, nearest_text(&near));
				diag_note(c->diag, it->loc,
				          "the channels are lr, momentum, beta2, weight_decay and temperature; "
				          "declare others with 'channel %s = ...;'",
				          it->name);
				continue;
			}
			if (it->kind == ND_CUSTOM && slot >= 0) {
				diag_error(c->diag, it->loc, "'%s' is a standard channel; define it with '%s = ...;'", it->name,
				           it->name);
				continue;
			}
			int dup = 0;
			for (int i = 0; i < nchannel && !dup; i++)
				if (strcmp(chan[i].name, it->name) == 0) {
					diag_error(c->diag, it->loc, "channel '%s' is defined twice", it->name);
					diag_note(c->diag, chan_node[i]->loc, "first defined here");
					dup = 1;
				}
			if (dup)
				continue;
			if (it->kind == ND_CUSTOM) {
				if (ANNEAL_FIRST_CUSTOM + ncustom == ANNEAL_MAX_CHANNELS) {
					diag_error(c->diag, it->loc, "too many custom channels (the limit is %d)",
					           ANNEAL_MAX_CHANNELS - ANNEAL_FIRST_CUSTOM);
					continue;
				}
				slot = ANNEAL_FIRST_CUSTOM + ncustom++;
			}
			Ctx ctx = { .open_why = "this phase is open-ended (give it a length with 'for N')" };
			int64_t len;
			chan_node[nchannel] = it;
			chan[nchannel].name = it->name;
			chan[nchannel].slot = slot;
			chan[nchannel].sched = lower_seq(c, it->lhs, &ctx, -1, &len);
			if (chan[nchannel].sched && chan[nchannel].slot == ANNEAL_LR)
				out->horizon = len;
			nchannel++;
		} else if (it->kind == ND_HOOK) {
			if (nhook == ANNEAL_MAX_HOOKS) {
				diag_error(c->diag, it->loc, "too many hooks (the limit is %d: the event mask has 64 bits)",
				           ANNEAL_MAX_HOOKS);
				continue;
			}
			hook_node[nhook] = it;
			memset(&hook[nhook], 0, sizeof hook[nhook]);
			if (check_hook(c, it, &hook[nhook]))
				nhook++;
		}
	}
	if (nchannel == 0 && c->diag->nerror == errors)
		diag_error(c->diag, sched->loc, "schedule '%s' defines no channel", sched->name);

	/* Hooks on labels: the label's phase fires them when entered. */
	for (int h = 0; h < nhook; h++) {
		if (hook[h].event == ANNEAL_EV_RESTART)
			out->restart_mask |= UINT64_C(1) << h;
		if (hook[h].event != ANNEAL_EV_ENTER)
			continue;
		int found = 0;
		Nearest near;
		nearest_init(&near, hook[h].phase);
		for (int l = 0; l < c->nlabel; l++) {
			nearest_offer(&near, c->label[l].name);
			if (strcmp(c->label[l].name, hook[h].phase) == 0) {
				c->label[l].phase->enter_mask |= UINT64_C(1) << h;
				found = 1;
			}
		}
		if (!found && !c->budget->spent) /* past a limit, the labels were never lowered */
			diag_error(c->diag, hook_node[h]->lhs->loc, "no phase is labelled '%s'%s", hook[h].phase,
			           nearest_text(&near));
	}
	/* A file past its limits lowers nothing more, this schedule included. */
	if (c->diag->nerror > errors || c->budget->spent)
		return;

	out->name = sched->name;
	out->nparam = c->nparam;
	out->param = arena_alloc(c->arena, sizeof(LParam) * (size_t)(c->nparam + 1));
	memcpy(out->param, c->param, sizeof(LParam) * (size_t)c->nparam);
	out->nchannel = nchannel;
	out->channel = arena_alloc(c->arena, sizeof(LChannel) * (size_t)nchannel);
	memcpy(out->channel, chan, sizeof(LChannel) * (size_t)nchannel);
	out->primary = 0;
	for (int i = 0; i < nchannel; i++)
		if (chan[i].slot == ANNEAL_LR)
			out->primary = i;
	if (chan[out->primary].slot != ANNEAL_LR)
		out->horizon = -1;
	out->nhook = nhook;
	out->hook = arena_alloc(c->arena, sizeof(LHook) * (size_t)(nhook + 1));
	memcpy(out->hook, hook, sizeof(LHook) * (size_t)nhook);
	out->digest = dump_digest(out, c->arena);
}

int check_program(annealc_program *prog, Node *file, Diag *d)
{
	Budget budget = { 0 }; /* the file's limits, over all its schedules */
	int n = ast_length(file);
	if (n > MAX_SCHEDULES) {
		diag_error(d, file->loc, "the file holds %d schedules, more than the limit of %d", n, MAX_SCHEDULES);
		return d->nerror;
	}
	prog->building = (Arena){ NULL, prog->arena.oom };
	Arena *lowered = &prog->building;
	LSchedule *scheds = arena_alloc(lowered, sizeof(LSchedule) * (size_t)n);
	/* The checker's tables are large (some 20 KB): in the arena, not on the
	   stack, once per check, and cleared for each schedule. */
	Checker *c = arena_alloc(lowered, sizeof *c);
	int i = 0;
	for (Node *s = file; s; s = s->next, i++) {
		for (Node *prev = file; prev != s; prev = prev->next)
			if (strcmp(prev->name, s->name) == 0) {
				diag_error(d, s->loc, "schedule '%s' is defined twice", s->name);
				diag_note(d, prev->loc, "first defined here");
				break;
			}
		if (names_reserved_lib(s->name))
			diag_error(d, s->loc,
			           "schedule '%s' would define '%s_desc' in the namespace of Anneal's libraries "
			           "(anneal, annealc, ANNEAL and their '_' names)",
			           s->name, s->name);
		else if (names_reserved_c(s->name))
			diag_error(d, s->loc,
			           "schedule '%s' would define '%s_eval', a reserved C identifier "
			           "(a schedule name must not begin or end with '_' or hold '__')",
			           s->name, s->name);
		*c = (Checker){ .arena = lowered, .budget = &budget, .diag = d, .prog = prog, .schedule = s->name };
		check_schedule(c, s, &scheds[i]);
	}
	for (int o = 0; o < prog->noverride; o++) {
		const Override *ov = &prog->override[o];
		int found = 0;
		for (Node *s = file; s; s = s->next)
			if (strcmp(s->name, ov->schedule) == 0)
				for (Node *it = s->args; it; it = it->next)
					found |= it->kind == ND_PARAM && strcmp(it->name, ov->param) == 0;
		if (!found)
			diag_plain(d, "schedule '%s' has no param '%s'", ov->schedule, ov->param);
	}
	if (d->nerror == 0)
		names_check(lowered, d, file, scheds, n);
	if (d->nerror > 0) {
		arena_free(lowered);
		return d->nerror;
	}
	arena_free(&prog->lowered);
	prog->lowered = *lowered;
	prog->building = (Arena){ 0 };
	prog->nschedule = n;
	prog->schedule = scheds;
	return 0;
}
