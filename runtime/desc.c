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

/* The same words as the CLI's events column (src/cli_eval.c print_hook). */
static void event_text(Text *t, const anneal_hook *h)
{
	switch (h->event) {
	case ANNEAL_EV_RESTART: text_str(t, "restart"); return;
	case ANNEAL_EV_EVERY: text_int(t, "every:", h->arg); return;
	case ANNEAL_EV_AT: text_int(t, "at:", h->arg); return;
	case ANNEAL_EV_ENTER:
		text_str(t, "enter:");
		text_str(t, h->phase != NULL ? h->phase : "");
		return;
	}
	t->bad = 1;
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
		switch (a->kind) {
		case ANNEAL_ACT_RESET_MOMENTUM: text_str(&t, "reset momentum"); break;
		case ANNEAL_ACT_RESET_MOMENTS: text_str(&t, "reset moments"); break;
		case ANNEAL_ACT_SNAPSHOT: text_str(&t, "snapshot"); break;
		case ANNEAL_ACT_SWA: text_str(&t, "swa"); break;
		case ANNEAL_ACT_CALL:
			text_str(&t, "call ");
			text_str(&t, a->name != NULL ? a->name : "");
			break;
		default: t.bad = 1; break;
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
