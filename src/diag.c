/* diag.c: diagnostics in one format -- path:line:col: severity: message, the line, a caret. */
#include <string.h>

#include "annealc_int.h"

/* The text of line `line` (1-based) and its length, or NULL past the end. */
static const char *line_text(const Src *src, int line, int *len)
{
	const char *p = src->text, *end = src->text + src->len;
	for (int l = 1; l < line; l++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = (int)((nl ? nl : end) - p);
	return p;
}

static void report(Diag *d, Loc loc, const char *severity, const char *fmt, va_list ap)
{
	fprintf(d->out, "%s:%d:%d: %s: ", d->src->path, loc.line, loc.col, severity);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	int len;
	const char *text = line_text(d->src, loc.line, &len);
	if (!text)
		return;
	fprintf(d->out, "%5d | %.*s\n      | ", loc.line, len, text);
	/* Tabs stay tabs so the caret lines up under the source in a terminal. */
	for (int i = 0; i < loc.col - 1 && i < len; i++)
		fputc(text[i] == '\t' ? '\t' : ' ', d->out);
	fputs("^\n", d->out);
}

void diag_error(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, "error", fmt, ap);
	va_end(ap);
	d->nerror++;
}

void diag_warning(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, "warning", fmt, ap);
	va_end(ap);
	d->nwarning++;
}

void diag_note(Diag *d, Loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, "note", fmt, ap);
	va_end(ap);
}

void diag_plain(Diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("annealc: error: ", d->out);
	vfprintf(d->out, fmt, ap);
	fputc('\n', d->out);
	va_end(ap);
	d->nerror++;
}
