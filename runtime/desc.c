/* desc.c: lookups on a compiled schedule's descriptor -- params and channels by name, hooks as the CLI's text. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "anneal_int.h"

int32_t anneal_param_index(const anneal_desc *d, const char *name)
{
	if (d == NULL || name == NULL || d->param == NULL)
		return -1;
	for (int32_t i = 0; i < d->nparam; i++)
		if (d->param[i].name != NULL && strcmp(d->param[i].name, name) == 0)
			return i;
	return -1;
}

int32_t anneal_channel_slot(const anneal_desc *d, const char *name)
{
	if (d == NULL || name == NULL)
		return -1;
	for (int32_t c = 0; c < ANNEAL_MAX_CHANNELS; c++) {
		if (!(d->channels >> c & 1u))
			continue;
		/* A standard slot answers to its fixed name even if the descriptor's name table is sparse. */
		const char *n = d->channel_name[c] != NULL ? d->channel_name[c] : desc_channel_std_name(c);
		if (n != NULL && strcmp(n, name) == 0)
			return c;
	}
	return -1;
}

/* Text built piecewise into a caller's buffer with snprintf's rule: the
   length counts everything, the buffer keeps what fits. */
typedef struct Text {
	char *buf;
	size_t n, len;
	int bad;
} Text;

static void text_add(Text *t, const char *s, size_t k)
{
	if (t->len < t->n) {
		size_t room = t->n - 1 - t->len;
		size_t c = k < room ? k : room;
		memcpy(t->buf + t->len, s, c);
		t->buf[t->len + c] = '\0';
	}
	t->len += k;
}

static void text_str(Text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

static void text_int(Text *t, const char *prefix, int64_t v)
{
	char num[32];
	int k = snprintf(num, sizeof num, "%s%" PRId64, prefix, v);
	text_add(t, num, (size_t)k);
}

static anneal_status text_end(Text *t, size_t *len)
{
	if (len != NULL)
		*len = t->len;
	if (t->bad)
		return ANNEAL_ERR_INVALID;
	return t->n == 0 || t->len < t->n ? ANNEAL_OK : ANNEAL_ERR_INVALID;
}

static int text_start(Text *t, char *buf, size_t n)
{
	t->buf = buf;
	t->n = buf != NULL ? n : 0;
	t->len = 0;
	t->bad = buf == NULL && n > 0;
	if (t->n > 0)
		buf[0] = '\0';
	return !t->bad;
}

/* schedule.h stands alone (AOT headers paste it), so its enums are copies
   of the lists in anneal/channels.def, events.def and actions.def: each
   entry must sit at its own value. */
enum {
#define CHANNEL(slot, name) DEF_##slot,
#include "anneal/channels.def"
#undef CHANNEL
	DEF_NCHANNEL
};
_Static_assert((int)DEF_NCHANNEL == (int)ANNEAL_FIRST_CUSTOM, "channels.def and enum anneal_channel differ in length");
#define CHANNEL(slot, name) _Static_assert((int)slot == DEF_##slot, "channels.def: " #slot " is misplaced");
#include "anneal/channels.def"
#undef CHANNEL

enum {
#define EVENT(kind, name, arg) DEF_##kind,
#include "anneal/events.def"
#undef EVENT
	DEF_NEVENT
};
#define EVENT(kind, name, arg) _Static_assert((int)kind == DEF_##kind, "events.def: " #kind " is misplaced");
#include "anneal/events.def"
#undef EVENT

enum {
#define ACTION(kind, word, object, arg) DEF_##kind,
#include "anneal/actions.def"
#undef ACTION
	DEF_NACTION
};
#define ACTION(kind, word, object, arg) _Static_assert((int)kind == DEF_##kind, "actions.def: " #kind " is misplaced");
#include "anneal/actions.def"
#undef ACTION

/* What follows an event's or an action's words in its text. */
enum { HOOK_ARG_NONE, HOOK_ARG_PERIOD, HOOK_ARG_STEP, HOOK_ARG_LABEL, HOOK_ARG_NAME };

static const struct {
	const char *name;
	int arg;
} events[DEF_NEVENT] = {
#define EVENT(kind, name, arg) [kind] = { name, HOOK_ARG_##arg },
#include "anneal/events.def"
#undef EVENT
};

static const struct {
	const char *word, *object;
	int arg;
} actions[DEF_NACTION] = {
#define ACTION(kind, word, object, arg) [kind] = { word, object, HOOK_ARG_##arg },
#include "anneal/actions.def"
#undef ACTION
};

/* The same words as the CLI's events column (src/cli_eval.c print_hook). */
static void event_text(Text *t, const anneal_hook *h)
{
	if (h->event < 0 || h->event >= DEF_NEVENT) {
		t->bad = 1;
		return;
	}
	text_str(t, events[h->event].name);
	switch (events[h->event].arg) {
	case HOOK_ARG_PERIOD:
	case HOOK_ARG_STEP: text_int(t, ":", h->arg); break;
	case HOOK_ARG_LABEL:
		text_str(t, ":");
		text_str(t, h->phase != NULL ? h->phase : "");
		break;
	}
}

anneal_status anneal_hook_event_text(const anneal_hook *h, char *buf, size_t n, size_t *len)
{
	Text t;
	if (text_start(&t, buf, n) && h != NULL)
		event_text(&t, h);
	else
		t.bad = 1;
	return text_end(&t, len);
}

anneal_status anneal_hook_actions_text(const anneal_hook *h, char *buf, size_t n, size_t *len)
{
	Text t;
	if (!text_start(&t, buf, n) || h == NULL || h->naction < 0 || (h->naction > 0 && h->action == NULL)) {
		t.bad = 1;
		return text_end(&t, len);
	}
	for (int32_t j = 0; j < h->naction; j++) {
		const anneal_action *a = &h->action[j];
		if (j > 0)
			text_str(&t, ", ");
		if (a->kind < 0 || a->kind >= DEF_NACTION) {
			t.bad = 1;
			continue;
		}
		text_str(&t, actions[a->kind].word);
		if (actions[a->kind].object != NULL) {
			text_str(&t, " ");
			text_str(&t, actions[a->kind].object);
		}
		if (actions[a->kind].arg == HOOK_ARG_NAME) {
			text_str(&t, " ");
			text_str(&t, a->name != NULL ? a->name : "");
		}
	}
	return text_end(&t, len);
}

anneal_status anneal_events_text(const anneal_desc *d, uint64_t events, char *buf, size_t n, size_t *len)
{
	Text t;
	if (!text_start(&t, buf, n) || d == NULL || (d->nhook > 0 && d->hook == NULL)) {
		t.bad = 1;
		return text_end(&t, len);
	}
	for (int32_t h = 0, k = 0; h < d->nhook && h < ANNEAL_MAX_HOOKS; h++)
		if (events & (UINT64_C(1) << h)) {
			if (k++)
				text_str(&t, "+");
			event_text(&t, &d->hook[h]);
		}
	return text_end(&t, len);
}
