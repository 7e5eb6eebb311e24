/* names.c: the C names a schedule file generates (symbols, header enumerators and macros), checked before they reach a header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"

/*
 * For schedule NAME (after an optional --prefix P, the same for all):
 *   NAME_eval NAME_fill NAME_desc        symbols of the object
 *   NAME_PARAM_<param>  NAME_NPARAM      enum of param indices
 *   NAME_CHANNEL_<channel>               enum of channel slots
 *   NAME_HOOK_<event>                    macros of hook bits: restart, every_N, at_N, enter_LABEL
 * Every one is NAME followed by a suffix, so none is ever a C keyword or a
 * bare libc name; what can go wrong is NAME itself (Anneal's namespace, a
 * reserved C identifier) and two definitions pasting into one name.
 */

int names_reserved_lib(const char *sym)
{
	static const char *const lib[] = { "anneal", "annealc", "ANNEAL" };
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(lib[i]);
		/* NAME_eval lands in lib_* when NAME is lib or lib_... */
		if (strncmp(sym, lib[i], n) == 0 && (sym[n] == '\0' || sym[n] == '_'))
			return 1;
	}
	return 0;
}

int names_reserved_c(const char *sym)
{
	size_t n = strlen(sym);
	return sym[0] == '_' || strstr(sym, "__") || (n > 0 && sym[n - 1] == '_');
}

/* One generated name and the definition it comes from. */
typedef struct Gen {
	char *name;
	Loc loc;
	const char *what; /* "schedule", "param", "channel", "hook" */
	const char *item; /* the item's name, or the schedule's */
	const char *sched;
	int order;
} Gen;

typedef struct GenSet {
	Arena *arena;
	Gen *gen;
	int n, cap;
} GenSet;

static void add(GenSet *g, Loc loc, const char *what, const char *item, const char *sched, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void add(GenSet *g, Loc loc, const char *what, const char *item, const char *sched, const char *fmt, ...)
{
	if (g->n == g->cap) {
		int cap = g->cap ? 2 * g->cap : 256;
		Gen *n = arena_alloc(g->arena, sizeof *n * (size_t)cap);
		if (g->n)
			memcpy(n, g->gen, sizeof *n * (size_t)g->n);
		g->gen = n;
		g->cap = cap;
	}
	char buf[3 * MAX_IDENT + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	g->gen[g->n] = (Gen){ arena_strdup(g->arena, buf), loc, what, item, sched, g->n };
	g->n++;
}

static int loc_cmp(Loc a, Loc b)
{
	return a.line != b.line ? (a.line < b.line ? -1 : 1) : (a.col > b.col) - (a.col < b.col);
}

static int gen_cmp(const void *a, const void *b)
{
	const Gen *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	c = loc_cmp(x->loc, y->loc);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static const struct {
	const char *name;
	int arg;
} events[] = {
#define EVENT(kind, name, arg) [kind] = { name, HOOK_ARG_##arg },
#include "anneal/events.def"
#undef EVENT
};

void names_hook(const LHook *h, char *buf, size_t size)
{
	if (h->event < 0 || (size_t)h->event >= sizeof events / sizeof *events)
		UNREACHABLE();
	const char *name = events[h->event].name;
	switch (events[h->event].arg) {
	case HOOK_ARG_NONE: snprintf(buf, size, "%s", name); return;
	case HOOK_ARG_PERIOD:
	case HOOK_ARG_STEP: snprintf(buf, size, "%s_%lld", name, (long long)h->arg); return;
	case HOOK_ARG_LABEL: snprintf(buf, size, "%s_%s", name, h->phase); return;
	}
	UNREACHABLE();
}

static void describe(const Gen *g, char *buf, size_t size)
{
	if (strcmp(g->what, "schedule") == 0)
		snprintf(buf, size, "schedule '%s'", g->sched);
	else if (strcmp(g->what, "hook") == 0)
		snprintf(buf, size, "hook 'on %s' of schedule '%s'", g->item, g->sched);
	else
		snprintf(buf, size, "%s '%s' of schedule '%s'", g->what, g->item, g->sched);
}

/* The generated names of every schedule that checked, each once. */
void names_check(Arena *arena, Diag *d, Node *file, const LSchedule *sched, int n)
{
	GenSet g = { arena, NULL, 0, 0 };
	int i = 0;
	for (Node *s = file; s; s = s->next, i++) {
		const LSchedule *ls = &sched[i];
		if (!ls->name)
			continue; /* it had errors */
		const char *nm = ls->name;
		add(&g, s->loc, "schedule", nm, nm, "%s_eval", nm);
		add(&g, s->loc, "schedule", nm, nm, "%s_fill", nm);
		add(&g, s->loc, "schedule", nm, nm, "%s_desc", nm);
		add(&g, s->loc, "schedule", nm, nm, "%s_NPARAM", nm);
		int h = 0;
		for (Node *it = s->items; it; it = it->next) {
			switch (it->kind) {
			case ND_PARAM: add(&g, it->loc, "param", it->name, nm, "%s_PARAM_%s", nm, it->name); break;
			case ND_CHANNEL:
			case ND_CUSTOM: add(&g, it->loc, "channel", it->name, nm, "%s_CHANNEL_%s", nm, it->name); break;
			case ND_HOOK: {
				char ev[MAX_IDENT + 32];
				names_hook(&ls->hook[h], ev, sizeof ev);
				/* hooks on one event share their macro: the OR of their bits */
				int again = 0;
				for (int k = 0; k < h && !again; k++) {
					char prev[MAX_IDENT + 32];
					names_hook(&ls->hook[k], prev, sizeof prev);
					again = strcmp(prev, ev) == 0;
				}
				if (!again) {
					char *text = arena_strdup(arena, ev); /* "on every 5" for messages */
					text[strcspn(text, "_")] = ' ';
					add(&g, it->loc, "hook", text, nm, "%s_HOOK_%s", nm, ev);
				}
				h++;
				break;
			}
			default: break;
			}
		}
	}
	(void)n;
	if (g.n < 2)
		return;
	qsort(g.gen, (size_t)g.n, sizeof *g.gen, gen_cmp);
	for (int k = 1; k < g.n; k++) {
		if (strcmp(g.gen[k].name, g.gen[k - 1].name) != 0)
			continue;
		const Gen *first = &g.gen[k - 1];
		while (first > g.gen && strcmp(first[-1].name, first->name) == 0)
			first--;
		char a[3 * MAX_IDENT + 64], b[3 * MAX_IDENT + 64];
		describe(&g.gen[k], a, sizeof a);
		describe(first, b, sizeof b);
		diag_error(d, g.gen[k].loc, "%s generates the C name '%s', which %s generates too", a, g.gen[k].name, b);
		diag_note(d, first->loc, "'%s' generated here too", first->name);
	}
}
