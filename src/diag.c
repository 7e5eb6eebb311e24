/* diag.c: diagnostics in one format -- path:line:col: severity: message, the line, a caret -- to the caller's sink; and the abort on the library's own bugs. */
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"

/* The one place the library writes to stderr, and only for its own bugs. */
_Noreturn void diag_internal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("annealc: internal error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static const char *const severity_name[] = { "error", "warning", "note" };

/* The text of line `line` (1-based) and its length, or NULL past the end;
   the scan starts at the last line found when that is not past this one. */
static const char *line_text(Diag *d, int line, int *len)
{
	const Src *src = d->src;
	const char *p = src->text, *end = src->text + src->len;
	int l = 1;
	if (d->seen_at != NULL && d->seen_line <= line) {
		p = d->seen_at;
		l = d->seen_line;
	}
	for (; l < line; l++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = (int)((nl ? nl : end) - p);
	d->seen_line = line;
	d->seen_at = p;
	return p;
}

/* The caret under loc.col (just past the line's end at the most) and '~'
   under the rest of loc's range, clipped to the line: `~~~~^~~~~`. Tabs
   stay tabs so the marks line up under the source in a terminal, at the
   price of a gap in the underline. */
static void underline(FILE *f, Loc loc, const char *line, int len)
{
	int caret = loc.col <= len ? loc.col : len + 1;
	int from = loc.to ? loc.from : caret, to = loc.to ? loc.to : caret + 1;
	if (to > len + 1)
		to = len + 1;
	for (int i = 1; i <= caret || i < to; i++) {
		char mark = i == caret ? '^' : i >= from && i < to ? '~' : ' ';
		fputc(i != caret && i <= len && line[i - 1] == '\t' ? '\t' : mark, f);
	}
	fputc('\n', f);
}

/* The rendered text: the header line, then the source line and a caret
   when there is a place. NULL when memory ran out. */
static char *render(Diag *d, Loc loc, int severity, const char *message, size_t *size)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, size);
	if (!f)
		return NULL;
	if (loc.line > 0)
		fprintf(f, "%s:%d:%d: ", d->src->path, loc.line, loc.col);
	fprintf(f, "%s: %s\n", severity_name[severity], message);
	int len;
	const char *line = loc.line > 0 && d->src->text ? line_text(d, loc.line, &len) : NULL;
	if (line) {
		fprintf(f, "%5d | %.*s\n      | ", loc.line, len, line);
		underline(f, loc, line, len);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void report(Diag *d, Loc loc, int severity, const char *fmt, va_list ap)
{
	char message[1024];
	vsnprintf(message, sizeof message, fmt, ap);
	if (severity == ANNEALC_ERROR) {
		if (d->nerror++ == 0 && d->msg) {
			if (loc.line > 0)
				snprintf(d->msg, d->msgsize, "%s:%d:%d: %s", d->src->path, loc.line, loc.col, message);
			else
				snprintf(d->msg, d->msgsize, "%s", message);
		}
	} else if (severity == ANNEALC_WARNING) {
		d->nwarning++;
	}
	const annealc_sink *sink = d->sink;
	if (!sink || (!sink->file && !sink->fn))
		return;
	size_t size;
	char *text = render(d, loc, severity, message, &size);
	/* Out of memory while rendering: the message alone still goes out. */
	annealc_diagnostic dg = { d->src ? d->src->path : NULL, loc.line > 0 ? loc.line : 0,
		                  loc.line > 0 ? loc.col : 0, severity, message, text ? text : message };
	if (sink->file)
		fputs(dg.text, sink->file);
	if (sink->fn)
		sink->fn(sink->user, &dg);
	free(text);
}

void diag_error(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, ANNEALC_ERROR, fmt, ap);
	va_end(ap);
}

void diag_warning(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, ANNEALC_WARNING, fmt, ap);
	va_end(ap);
}

void diag_note(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, ANNEALC_NOTE, fmt, ap);
	va_end(ap);
}

void diag_plain(Diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, (Loc){ .line = 0 }, ANNEALC_ERROR, fmt, ap);
	va_end(ap);
}
