/* check.c: checks a file's schedules -- names, params, channels, hooks -- and lowers each one. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "annealc_int.h"

static const char *const standard_channels[ANNEAL_FIRST_CUSTOM] = {
#define CHANNEL(slot, name) [slot] = #name,
#include "anneal/channels.def"
#undef CHANNEL
};

static const struct {
	int kind;
	const char *name;
	int arg;
} events[] = {
#define EVENT(kind, name, arg) { kind, name, HOOK_ARG_##arg },
#include "anneal/events.def"
#undef EVENT
};

static const struct {
	int kind;
	const char *word, *object;
	int arg;
} actions[] = {
#define ACTION(kind, word, object, arg) { kind, word, object, HOOK_ARG_##arg },
#include "anneal/actions.def"
#undef ACTION
};

enum { NEVENT = sizeof events / sizeof *events, NACTION = sizeof actions / sizeof *actions };

/* What follows an event or action in the messages' lists of them. */
static const char *const arg_text[] = {
	[HOOK_ARG_NONE] = "", [HOOK_ARG_PERIOD] = " N", [HOOK_ARG_STEP] = " N", [HOOK_ARG_LABEL] = " LABEL",
	[HOOK_ARG_NAME] = " NAME",
};

/* Item i of n onto buf, as prose: "a, b or c" with last before the final item. */
static void prose_add(char *buf, size_t size, int i, int n, const char *last, const char *fmt, ...)
{
	size_t len = strlen(buf);
	snprintf(buf + len, size - len, "%s", i == 0 ? "" : i == n - 1 ? last : ", ");
	len = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Names with a meaning of their own inside expressions. */
const char *const check_builtin_names[] = { "t", "T", "p", "step", "cycle", "pi", "true", "false", NULL };

/* A standard channel's slot (lr, momentum, ... in channels.def's order),
   or -1 for a name that must be declared with `channel`. */
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
	for (int i = 0; check_builtin_names[i]; i++)
		if (strcmp(check_builtin_names[i], item->name) == 0) {
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
	int ok = lower_const(c, item->value, "a param's default", &v);
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

/* let = 'let' NAME '=' seq ';' -- kept as its node, lowered at each use,
   since a phase sequence lowers differently in each context. */
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

/* action = reset momentum | reset moments | snapshot | swa | call NAME  (anneal/actions.def) */
static int check_action(Checker *c, Node *a, LAction *out)
{
	const char *arg = a->arg ? a->arg->name : NULL;
	int nobject = 0; /* actions spelt a's word and an object, none of them arg */
	for (int i = 0; i < NACTION; i++) {
		if (strcmp(actions[i].word, a->name) != 0)
			continue;
		if (actions[i].object) {
			if (arg && strcmp(actions[i].object, arg) == 0) {
				out->kind = actions[i].kind;
				return 1;
			}
			nobject++;
			continue;
		}
		if (actions[i].arg == HOOK_ARG_NAME && !arg) {
			diag_error(c->diag, a->loc, "'%s' needs the name of a host callback", a->name);
			return 0;
		}
		if (actions[i].arg == HOOK_ARG_NONE && arg) {
			diag_error(c->diag, a->arg->loc, "'%s' takes no argument", a->name);
			return 0;
		}
		out->kind = actions[i].kind;
		out->name = arg;
		return 1;
	}
	char list[256] = "";
	if (nobject > 0) {
		for (int i = 0, k = 0; i < NACTION; i++)
			if (actions[i].object && strcmp(actions[i].word, a->name) == 0)
				prose_add(list, sizeof list, k++, nobject, " or ", "'%s %s'", a->name, actions[i].object);
		diag_error(c->diag, arg ? a->arg->loc : a->loc, "%s what? expected %s", a->name, list);
		return 0;
	}
	Nearest near;
	nearest_init(&near, a->name);
	for (int i = 0; i < NACTION; i++) {
		const char *obj = actions[i].object;
		nearest_offer(&near, actions[i].word);
		prose_add(list, sizeof list, i, NACTION, " or ", "%s%s%s%s", actions[i].word, obj ? " " : "", obj ? obj : "",
		          arg_text[actions[i].arg]);
	}
	diag_error(c->diag, a->loc, "unknown action '%s'%s (expected %s)", a->name, nearest_text(&near), list);
	return 0;
}

/* hook = 'on' (restart | every N | at N | enter LABEL) '{' action* '}'  (anneal/events.def) */
static int check_hook(Checker *c, Node *item, LHook *h)
{
	const char *ev = item->name;
	Node *arg = item->arg;
	int ok = 1, e = 0;
	while (e < NEVENT && strcmp(events[e].name, ev) != 0)
		e++;
	if (e == NEVENT) {
		char list[256] = "";
		Nearest near;
		nearest_init(&near, ev);
		for (int i = 0; i < NEVENT; i++) {
			nearest_offer(&near, events[i].name);
			prose_add(list, sizeof list, i, NEVENT, " or ", "%s%s", events[i].name, arg_text[events[i].arg]);
		}
		diag_error(c->diag, item->loc, "unknown event '%s'%s (expected %s)", ev, nearest_text(&near), list);
		ok = 0;
	} else {
		h->event = events[e].kind;
		switch (events[e].arg) {
		case HOOK_ARG_NONE:
			if (arg) {
				diag_error(c->diag, arg->loc, "'on %s' takes no argument", ev);
				ok = 0;
			}
			break;
		case HOOK_ARG_PERIOD:
		case HOOK_ARG_STEP:
			if (!arg) {
				diag_error(c->diag, item->loc, "'on %s' needs a step count", ev);
				ok = 0;
			} else {
				/* every N fires at N, 2N, ...: its period is at least 1; 'at 0' is step 0. */
				int period = events[e].arg == HOOK_ARG_PERIOD;
				char what[64];
				snprintf(what, sizeof what, "the %s of 'on %s'", period ? "period" : "step", ev);
				ok &= lower_steps_int(c, arg, what, period, &h->arg);
			}
			break;
		case HOOK_ARG_LABEL:
			if (!arg || arg->kind != ND_IDENT) {
				diag_error(c->diag, arg ? arg->loc : item->loc, "'on %s' needs the label of a phase", ev);
				ok = 0;
			} else {
				h->phase = arg->name;
			}
			break;
		}
	}
	h->naction = ast_length(item->actions);
	h->action = arena_alloc(c->arena, sizeof(LAction) * (size_t)(h->naction + 1));
	int i = 0;
	for (Node *a = item->actions; a; a = a->next)
		ok &= check_action(c, a, &h->action[i++]);
	return ok;
}

/* A schedule's channels and hooks as they are checked, before they are
   copied into its lowered form. */
typedef struct Items {
	int nchannel, ncustom, nhook;
	Node *chan_node[ANNEAL_MAX_CHANNELS];
	LChannel chan[ANNEAL_MAX_CHANNELS];
	Node *hook_node[ANNEAL_MAX_HOOKS];
	LHook hook[ANNEAL_MAX_HOOKS];
} Items;

/* channel = CHANNEL '=' seq ';' | 'channel' NAME '=' seq ';' -- its slot
   (a standard one, or the next custom one), then its sequence lowered. */
static void check_channel(Checker *c, Node *it, Items *s, LSchedule *out)
{
	int slot = standard_slot(it->name);
	if (it->kind == ND_CHANNEL && slot < 0) {
		Nearest near;
		nearest_init(&near, it->name);
		for (int i = 0; i < ANNEAL_FIRST_CUSTOM; i++)
			nearest_offer(&near, standard_channels[i]);
		diag_error(c->diag, it->loc, "unknown channel '%s'%s", it->name, nearest_text(&near));
		char list[256] = "";
		for (int i = 0; i < ANNEAL_FIRST_CUSTOM; i++)
			prose_add(list, sizeof list, i, ANNEAL_FIRST_CUSTOM, " and ", "%s", standard_channels[i]);
		diag_note(c->diag, it->loc, "the channels are %s; declare others with 'channel %s = ...;'", list,
		          it->name);
		return;
	}
	if (it->kind == ND_CUSTOM && slot >= 0) {
		diag_error(c->diag, it->loc, "'%s' is a standard channel; define it with '%s = ...;'", it->name, it->name);
		return;
	}
	for (int i = 0; i < s->nchannel; i++)
		if (strcmp(s->chan[i].name, it->name) == 0) {
			diag_error(c->diag, it->loc, "channel '%s' is defined twice", it->name);
			diag_note(c->diag, s->chan_node[i]->loc, "first defined here");
			return;
		}
	if (it->kind == ND_CUSTOM) {
		if (ANNEAL_FIRST_CUSTOM + s->ncustom == ANNEAL_MAX_CHANNELS) {
			diag_error(c->diag, it->loc, "too many custom channels (the limit is %d)",
			           ANNEAL_MAX_CHANNELS - ANNEAL_FIRST_CUSTOM);
			return;
		}
		slot = ANNEAL_FIRST_CUSTOM + s->ncustom++;
	}
	Ctx ctx = { .open_why = "this phase is open-ended (give it a length with 'for N')" };
	int64_t len;
	LChannel *ch = &s->chan[s->nchannel];
	s->chan_node[s->nchannel++] = it;
	ch->name = it->name;
	ch->slot = slot;
	ch->sched = lower_seq(c, it->value, &ctx, &len);
	if (ch->sched && len == 0) {
		diag_error(c->diag, it->value->loc,
		           "every phase of channel '%s' is empty (its duration comes to zero), so it has no value at any step",
		           it->name);
		ch->sched = NULL;
	}
	if (ch->sched && ch->slot == ANNEAL_LR)
		out->horizon = len;
}

/* Hooks on labels: the label's phase fires them when entered. */
static void bind_labels(Checker *c, Items *s, LSchedule *out)
{
	for (int h = 0; h < s->nhook; h++) {
		if (s->hook[h].event == ANNEAL_EV_RESTART)
			out->restart_mask |= UINT64_C(1) << h;
		if (s->hook[h].event != ANNEAL_EV_ENTER)
			continue;
		int found = 0;
		Nearest near;
		nearest_init(&near, s->hook[h].phase);
		for (int l = 0; l < c->nlabel; l++) {
			nearest_offer(&near, c->label[l].name);
			if (strcmp(c->label[l].name, s->hook[h].phase) == 0) {
				c->label[l].phase->enter_mask |= UINT64_C(1) << h;
				found = 1;
			}
		}
		if (!found && !c->budget->spent) /* past a limit, the labels were never lowered */
			diag_error(c->diag, s->hook_node[h]->arg->loc, "no phase is labelled '%s'%s", s->hook[h].phase,
			           nearest_text(&near));
	}
}

/* The checked schedule into its lowered form, in the checker's arena. */
static void store(Checker *c, Node *sched, const Items *s, LSchedule *out)
{
	out->name = sched->name;
	out->nparam = c->nparam;
	out->param = arena_alloc(c->arena, sizeof(LParam) * (size_t)(c->nparam + 1));
	memcpy(out->param, c->param, sizeof(LParam) * (size_t)c->nparam);
	out->nchannel = s->nchannel;
	out->channel = arena_alloc(c->arena, sizeof(LChannel) * (size_t)s->nchannel);
	memcpy(out->channel, s->chan, sizeof(LChannel) * (size_t)s->nchannel);
	out->primary = 0;
	for (int i = 0; i < s->nchannel; i++)
		if (s->chan[i].slot == ANNEAL_LR)
			out->primary = i;
	if (s->chan[out->primary].slot != ANNEAL_LR)
		out->horizon = -1;
	out->nhook = s->nhook;
	out->hook = arena_alloc(c->arena, sizeof(LHook) * (size_t)(s->nhook + 1));
	memcpy(out->hook, s->hook, sizeof(LHook) * (size_t)s->nhook);
	out->digest = dump_digest(out, c->arena);
}

/* schedule = 'schedule' NAME '{' item* '}' -- params and lets first, since
   channels may use them wherever they appear; then channels and hooks in
   order; then the hooks' labels. Nothing is stored after an error. */
static void check_schedule(Checker *c, Node *sched, LSchedule *out)
{
	Items s;
	s.nchannel = s.ncustom = s.nhook = 0;
	int errors = c->diag->nerror;
	for (Node *it = sched->items; it; it = it->next) {
		if (it->kind == ND_PARAM)
			check_param(c, it);
		else if (it->kind == ND_LET)
			check_let(c, it);
	}
	for (Node *it = sched->items; it; it = it->next) {
		if (it->kind == ND_CHANNEL || it->kind == ND_CUSTOM) {
			check_channel(c, it, &s, out);
		} else if (it->kind == ND_HOOK) {
			if (s.nhook == ANNEAL_MAX_HOOKS) {
				diag_error(c->diag, it->loc, "too many hooks (the limit is %d: the event mask has 64 bits)",
				           ANNEAL_MAX_HOOKS);
				continue;
			}
			s.hook_node[s.nhook] = it;
			memset(&s.hook[s.nhook], 0, sizeof s.hook[s.nhook]);
			if (check_hook(c, it, &s.hook[s.nhook]))
				s.nhook++;
		}
	}
	if (s.nchannel == 0 && c->diag->nerror == errors)
		diag_error(c->diag, sched->loc, "schedule '%s' defines no channel", sched->name);
	bind_labels(c, &s, out);
	/* A file past its limits lowers nothing more, this schedule included. */
	if (c->diag->nerror == errors && !c->budget->spent)
		store(c, sched, &s, out);
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
				for (Node *it = s->items; it; it = it->next)
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
