/* host.c: the AOT test host -- an annealc-compiled object against the interpreter's CSV, with no LLVM linked in.
   usage: host SCHEDULE < rows.csv   (rows from `annealc eval --interp`). */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aot_host.h"
#include "ulps.h"

enum { MAX_COLS = ANNEAL_MAX_CHANNELS + 4, MAX_ROWS = 1 << 20 };

static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (failures++ < 20) {
		fputs("aot host: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

/* The events column as annealc eval writes it: hook names joined by '+'. */
static void events_text(const anneal_desc *d, uint64_t ev, char *buf, size_t n)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int h = 0; h < d->nhook; h++) {
		if (!(ev & (UINT64_C(1) << h)))
			continue;
		const anneal_hook *k = &d->hook[h];
		const char *sep = at ? "+" : "";
		switch (k->event) {
		case ANNEAL_EV_RESTART: at += (size_t)snprintf(buf + at, n - at, "%srestart", sep); break;
		case ANNEAL_EV_EVERY: at += (size_t)snprintf(buf + at, n - at, "%severy:%" PRId64, sep, k->arg); break;
		case ANNEAL_EV_AT: at += (size_t)snprintf(buf + at, n - at, "%sat:%" PRId64, sep, k->arg); break;
		default: at += (size_t)snprintf(buf + at, n - at, "%senter:%s", sep, k->phase); break;
		}
		if (at >= n)
			at = n - 1;
	}
}

static int split(char *line, char **col)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = '\0';
	for (char *p = line;; p++) {
		if (n < MAX_COLS)
			col[n++] = p;
		p = strchr(p, ',');
		if (!p)
			return n;
		*p = '\0';
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: host SCHEDULE < rows.csv\n");
		return 2;
	}
	const AotSchedule *s = aot_all;
	while (s->name && strcmp(s->name, argv[1]) != 0)
		s++;
	if (!s->name) {
		fprintf(stderr, "aot host: no schedule %s in the object\n", argv[1]);
		return 2;
	}
	const anneal_desc *d = s->desc;
	if (d->abi_version != ANNEAL_ABI_VERSION || strcmp(d->name, s->name) != 0 || d->eval != s->eval ||
	    d->fill != s->fill || d->nparam != s->nparam)
		fail("%s: descriptor does not match the header's symbols", s->name);

	static char line[1 << 16];
	char *col[MAX_COLS];
	int slot[MAX_COLS];
	char name[MAX_COLS][64];
	if (!fgets(line, sizeof line, stdin)) {
		fprintf(stderr, "aot host: no header row\n");
		return 2;
	}
	int ncol = split(line, col), nch = ncol - 4;
	if (nch < 1 || strcmp(col[0], "step") != 0) {
		fprintf(stderr, "aot host: bad header row\n");
		return 2;
	}
	for (int c = 0; c < nch; c++) {
		snprintf(name[c], sizeof name[c], "%s", col[c + 1]);
		slot[c] = -1;
		for (int k = 0; k < ANNEAL_MAX_CHANNELS; k++)
			if (d->channel_name[k] && strcmp(d->channel_name[k], col[c + 1]) == 0)
				slot[c] = k;
		if (slot[c] < 0 || !(d->channels & (1u << slot[c])))
			fail("%s: channel %s not in the descriptor", s->name, col[c + 1]);
	}

	/* Rows are consecutive steps: keep them to check NAME_fill over the range. */
	double *want = malloc((size_t)MAX_ROWS * (size_t)nch * sizeof *want);
	int64_t first = -1, nrow = 0;
	if (!want)
		return 2;
	while (fgets(line, sizeof line, stdin) && nrow < MAX_ROWS) {
		if (split(line, col) != ncol) {
			fail("row %" PRId64 ": %d columns, want %d", nrow, split(line, col), ncol);
			break;
		}
		int64_t step = strtoll(col[0], NULL, 10);
		if (first < 0)
			first = step;
		if (step != first + nrow)
			fail("row %" PRId64 ": step %" PRId64 " is not consecutive", nrow, step);
		anneal_point pt;
		s->eval(step, NULL, &pt);
		for (int c = 0; c < nch; c++) {
			double v = strtod(col[c + 1], NULL);
			want[nrow * nch + c] = v;
			if (slot[c] >= 0 && ulps_apart(v, pt.value[slot[c]]) > 4)
				fail("%s step %" PRId64 " %s: interp %.17g, aot %.17g", s->name, step, name[c], v,
				     pt.value[slot[c]]);
		}
		if (pt.phase != atoi(col[nch + 1]) || pt.cycle != strtoll(col[nch + 2], NULL, 10))
			fail("%s step %" PRId64 ": phase/cycle interp %s/%s, aot %d/%" PRId64, s->name, step, col[nch + 1],
			     col[nch + 2], pt.phase, pt.cycle);
		char ev[4096];
		events_text(d, pt.events, ev, sizeof ev);
		if (strcmp(ev, col[nch + 3]) != 0)
			fail("%s step %" PRId64 ": events interp '%s', aot '%s'", s->name, step, col[nch + 3], ev);
		nrow++;
	}

	/* libmvec's vector math is within 4 ulp of libm's: compare fill relative
	   to max(1, |value|), which 4 ulp of cos(x) inside 1 + cos(x) respects. */
	double *got = malloc(((size_t)nrow + 1) * sizeof *got);
	if (!got)
		return 2;
	for (int c = 0; c < nch; c++) {
		if (slot[c] < 0)
			continue;
		got[nrow] = 42;
		s->fill(first, nrow, NULL, slot[c], got);
		if (got[nrow] != 42)
			fail("%s fill %s wrote past its range", s->name, name[c]);
		for (int64_t i = 0; i < nrow; i++) {
			double w = want[i * nch + c], m = fabs(w) > 1 ? fabs(w) : 1;
			if (ulps_apart(w, got[i]) > 4 && !(fabs(w - got[i]) <= 1e-15 * m))
				fail("%s fill step %" PRId64 " %s: interp %.17g, aot %.17g", s->name, first + i, name[c], w,
				     got[i]);
		}
	}
	printf("%s: %" PRId64 " steps from %" PRId64 ", %d channels: %s\n", s->name, nrow, first, nch,
	       failures ? "FAIL" : "ok");
	free(got);
	free(want);
	return failures ? 1 : 0;
}
