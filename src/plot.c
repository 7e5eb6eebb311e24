/* plot.c: annealc_plot -- a schedule's channels as an SVG figure or as terminal text, from the JIT's fill. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "svg.h"

/* Past this many steps a bucket is sampled instead of filled whole. */
#define EXACT_STEPS (INT64_C(1) << 26)
#define SAMPLES_PER_BUCKET 2048
#define MAX_MARKS 400

static void bucket_add(PlotSeries *s, int64_t j, double v, int log)
{
	if (!isfinite(v) || (log && v <= 0)) {
		s->nskipped++;
		return;
	}
	if (isnan(s->first[j]))
		s->first[j] = v;
	s->last[j] = v;
	if (isnan(s->lo[j]) || v < s->lo[j])
		s->lo[j] = v;
	if (isnan(s->hi[j]) || v > s->hi[j])
		s->hi[j] = v;
}

/* Reduces channel slot of d over [first, first + count) to nbucket buckets. */
static void collect(Arena *a, const anneal_desc *d, int slot, int64_t first, int64_t count, int64_t nbucket,
                    int log, PlotSeries *s)
{
	if (nbucket > count)
		nbucket = count;
	s->nbucket = nbucket;
	s->step = arena_alloc(a, sizeof *s->step * (size_t)nbucket);
	s->first = arena_alloc(a, sizeof(double) * (size_t)nbucket);
	s->lo = arena_alloc(a, sizeof(double) * (size_t)nbucket);
	s->hi = arena_alloc(a, sizeof(double) * (size_t)nbucket);
	s->last = arena_alloc(a, sizeof(double) * (size_t)nbucket);
	enum { CHUNK = 4096 };
	double buf[CHUNK];
	for (int64_t j = 0; j < nbucket; j++) {
		int64_t a = first + (int64_t)((__int128)j * count / nbucket);
		int64_t b = first + (int64_t)((__int128)(j + 1) * count / nbucket);
		s->step[j] = a;
		s->first[j] = s->lo[j] = s->hi[j] = s->last[j] = NAN;
		if (count <= EXACT_STEPS || b - a <= SAMPLES_PER_BUCKET) {
			/* By offset from a: k += CHUNK would pass INT64_MAX when b is near it. */
			for (int64_t off = 0; off < b - a; off += CHUNK) {
				int64_t k = a + off, n = b - k < CHUNK ? b - k : CHUNK;
				d->fill(k, n, NULL, slot, buf);
				for (int64_t i = 0; i < n; i++)
					bucket_add(s, j, buf[i], log);
			}
		} else {
			for (int i = 0; i < SAMPLES_PER_BUCKET; i++) {
				int64_t k = a + (int64_t)((__int128)i * (b - a) / SAMPLES_PER_BUCKET);
				d->fill(k, 1, NULL, slot, buf);
				bucket_add(s, j, buf[0], log);
			}
		}
	}
}

static int find_channel(const LSchedule *s, const char *name)
{
	for (int c = 0; c < s->nchannel; c++)
		if (strcmp(s->channel[c].name, name) == 0)
			return c;
	return -1;
}

/* ---- the terminal ---- */

/* U+2800 + the dot bits, as UTF-8. */
static void put_braille(FILE *out, unsigned bits)
{
	fputc(0xE2, out);
	fputc(0xA0 | (bits >> 6), out);
	fputc(0x80 | (bits & 0x3F), out);
}

/* Where v sits on the panel's value axis: 0 at ymin, 1 at ymax. */
static double axis_frac(const Plot *pl, const PlotPanel *pp, double v)
{
	if (pl->log)
		return (log10(v) - log10(pp->ymin)) / (log10(pp->ymax) - log10(pp->ymin));
	return (v - pp->ymin) / (pp->ymax - pp->ymin);
}

/* The braille column (two dots per cell) of step on a panel cols cells wide. */
static int term_dot_x(const Plot *pl, int64_t step, int cols)
{
	return (int)((double)(step - pl->first) / (double)(pl->count > 1 ? pl->count - 1 : 1) * (2 * cols - 1));
}

/* Each series' buckets as braille dots in a cols x rows grid of cells:
   a bucket is a vertical run from its highest to its lowest value. */
static unsigned char *term_dots(Arena *a, const Plot *pl, const PlotPanel *pp, int cols, int rows)
{
	static const unsigned dot[2][4] = { { 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };
	unsigned char *cell = arena_alloc(a, (size_t)cols * (size_t)rows);
	int dots_h = 4 * rows;
	for (int s = 0; s < pp->nseries; s++) {
		const PlotSeries *ps = &pp->series[s];
		int prev = -1, prev_x = 0;
		for (int64_t j = 0; j < ps->nbucket; j++) {
			if (!isfinite(ps->lo[j])) {
				prev = -1;
				continue;
			}
			double v[3] = { ps->hi[j], ps->lo[j], ps->last[j] };
			int r[3];
			for (int k = 0; k < 3; k++) {
				r[k] = (int)lround((1 - axis_frac(pl, pp, v[k])) * (dots_h - 1));
				r[k] = r[k] < 0 ? 0 : r[k] >= dots_h ? dots_h - 1 : r[k];
			}
			int x = term_dot_x(pl, ps->step[j], cols);
			int top = r[0], bot = r[1];
			/* Join the previous point so steep and sparse stretches stay connected. */
			if (prev >= 0 && x - prev_x > 1)
				for (int xi = prev_x + 1; xi < x; xi++) {
					int y = prev + (int)lround((double)(r[0] - prev) * (xi - prev_x) / (x - prev_x));
					cell[(y / 4) * cols + xi / 2] |= dot[xi % 2][y % 4];
				}
			else if (prev >= 0 && prev < top)
				top = prev + 1 < bot ? prev + 1 : bot;
			else if (prev >= 0 && prev > bot)
				bot = prev - 1 > top ? prev - 1 : top;
			for (int y = top; y <= bot; y++)
				cell[(y / 4) * cols + x / 2] |= dot[x % 2][y % 4];
			prev = r[2];
			prev_x = x;
		}
	}
	return cell;
}

/* A label per row: the axis limits on the first and last rows, and the
   ticks between on the rows holding their dots, none on adjacent rows. */
static char (*term_labels(Arena *a, const Plot *pl, const PlotPanel *pp, int rows))[16]
{
	char (*lab)[16] = arena_alloc(a, (size_t)rows * sizeof *lab);
	svg_fmt_value(lab[0], sizeof lab[0], pp->ymax, pl->log);
	svg_fmt_value(lab[rows - 1], sizeof lab[0], pp->ymin, pl->log);
	double ticks[64];
	int nt = svg_ticks(pp->ymin, pp->ymax, pl->log, rows / 3 + 2, ticks);
	for (int i = 0; i < nt; i++) {
		int y = (int)lround((1 - axis_frac(pl, pp, ticks[i])) * (4 * rows - 1)) / 4;
		if (y < 2 || y > rows - 3 || lab[y - 1][0] || lab[y][0] || lab[y + 1][0])
			continue;
		svg_fmt_value(lab[y], sizeof lab[y], ticks[i], pl->log);
	}
	return lab;
}

static void term_panel(Arena *a, FILE *out, const Plot *pl, const PlotPanel *pp, int cols, int rows, int label_w)
{
	unsigned char *cell = term_dots(a, pl, pp, cols, rows);
	char (*lab)[16] = term_labels(a, pl, pp, rows);
	for (int y = 0; y < rows; y++) {
		fprintf(out, "%*.*s \xe2\x94\x82", label_w, label_w, lab[y]);
		for (int x = 0; x < cols; x++)
			put_braille(out, cell[y * cols + x]);
		fputc('\n', out);
	}
	/* Under the curve: ^ at a restart, | at a phase join. */
	fprintf(out, "%*s \xe2\x94\x82", label_w, "");
	char *row = arena_alloc(a, (size_t)cols + 1);
	memset(row, ' ', (size_t)cols);
	row[cols] = '\0';
	for (int i = 0; i < pp->nmark; i++) {
		int x = term_dot_x(pl, pp->mark[i].step, cols) / 2;
		if (pp->mark[i].kind == MARK_RESTART && pp->mark[i].cycle == 0)
			continue;
		if (x >= 0 && x < cols && row[x] != '^')
			row[x] = pp->mark[i].kind == MARK_RESTART ? '^' : '|';
	}
	fputs(row, out);
	fputc('\n', out);
}

static void term_write(Arena *a, FILE *out, const Plot *pl, int width, int height)
{
	int label_w = 8;
	int cols = width - label_w - 2;
	if (cols < 10)
		cols = 10;
	int rows = (height - 3) / pl->npanel - 2;
	rows = rows < 3 ? 3 : rows > 16 ? 16 : rows;
	fprintf(out, "%s  steps %" PRId64 " to %" PRId64 "%s%s\n", pl->title, pl->first, pl->first + pl->count - 1,
	        pl->params[0] ? "  " : "", pl->params);
	for (int i = 0; i < pl->npanel; i++) {
		const PlotPanel *pp = &pl->panel[i];
		fprintf(out, "%*s %s%s%s%s\n", label_w, "", pp->channel, pl->log ? " (log)" : "",
		        pp->nseries > 1 ? "   solid: " : "", pp->nseries > 1 ? pp->series[0].label : "");
		if (pp->nseries > 1)
			fprintf(out, "%*s %*s   overlay: %s\n", label_w, "", (int)strlen(pp->channel), "", pp->series[1].label);
		term_panel(a, out, pl, pp, cols, rows, label_w);
	}
	/* The step axis: tick labels placed under their columns. */
	double ticks[64];
	int nt = svg_ticks((double)pl->first, (double)(pl->first + pl->count - 1), 0, cols / 12 > 2 ? cols / 12 : 2, ticks);
	char *row = arena_alloc(a, (size_t)cols + 16);
	memset(row, ' ', (size_t)cols + 15);
	row[cols + 15] = '\0';
	int used = -1;
	for (int i = 0; i < nt; i++) {
		char buf[32];
		svg_fmt_steps(buf, sizeof buf, ticks[i]);
		int x = (int)((ticks[i] - (double)pl->first) / (double)(pl->count > 1 ? pl->count - 1 : 1) * (cols - 1));
		int len = (int)strlen(buf), at = x - len / 2;
		if (at < 0)
			at = 0;
		if (at <= used || at + len > cols + 15)
			continue;
		memcpy(row + at, buf, (size_t)len);
		used = at + len;
	}
	while (used >= 0 && row[used] == ' ')
		row[used--] = '\0';
	fprintf(out, "%*s  %s\n", label_w, "", row);
	fprintf(out, "%*s  step  (^ restart, | phase join)\n", label_w, "");
}

/* ---- the figure ---- */

/* The panels' channels (indices into s->channel): o->channels in its
   order, else every channel. -1 after a message on d. */
static int pick_channels(const LSchedule *s, const char *channels, int *chan, Diag *d)
{
	int nchan = 0;
	if (!channels) {
		for (int i = 0; i < s->nchannel; i++)
			chan[nchan++] = i;
		return nchan;
	}
	for (const char *c = channels; *c;) {
		size_t len = strcspn(c, ",");
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)len, c);
		int ch = find_channel(s, name);
		if (ch < 0) {
			char have[256] = "";
			for (int i = 0; i < s->nchannel; i++)
				snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
				         s->channel[i].name);
			diag_plain(d, "schedule '%s' has no channel '%s' (it has %s)", s->name, name, have);
			return -1;
		}
		if (nchan < ANNEAL_MAX_CHANNELS)
			chan[nchan++] = ch;
		c += len + (c[len] == ',');
	}
	if (nchan == 0) {
		diag_plain(d, "--channels names no channel");
		return -1;
	}
	return nchan;
}

/* The figure's data: panels of bucketed curves and marks. */
static void build(Arena *a, Plot *pl, const annealc_program *p, int index, const anneal_desc *d,
                  const annealc_program *q, int qindex, const anneal_desc *qd, const annealc_plot_options *o,
                  const int *chan, int nchan, int64_t nbucket, const char *other_label)
{
	const LSchedule *ls = &p->schedule[index];
	const LSchedule *lo = q ? &q->schedule[qindex] : NULL;
	char *params = arena_alloc(a, 512);
	for (int i = 0; i < d->nparam; i++)
		snprintf(params + strlen(params), 512 - strlen(params), "%s%s = %g", i ? ", " : "", d->param[i].name,
		         d->param[i].value);
	pl->title = ls->name;
	pl->params = params;
	pl->npanel = nchan;
	pl->panel = arena_alloc(a, (size_t)nchan * sizeof *pl->panel);
	for (int i = 0; i < nchan; i++) {
		PlotPanel *pp = &pl->panel[i];
		const LChannel *lc = &ls->channel[chan[i]];
		pp->channel = lc->name;
		pp->series[0].label = ls->name;
		collect(a, d, lc->slot, pl->first, pl->count, nbucket, o->log, &pp->series[0]);
		pp->nseries = 1;
		int oc = lo ? find_channel(lo, lc->name) : -1;
		if (oc >= 0) {
			pp->series[1].label = other_label;
			collect(a, qd, lo->channel[oc].slot, pl->first, pl->count, nbucket, o->log, &pp->series[1]);
			pp->nseries = 2;
		}
		pp->mark = arena_alloc(a, sizeof(Mark) * MAX_MARKS);
		pp->nmark = analyze_marks(p, index, chan[i], pl->first, pl->first + pl->count, pp->mark, MAX_MARKS);
		if (pp->nmark > MAX_MARKS)
			pp->nmark = -1;
		svg_axis_limits(pp, o->log);
	}
}

/* build, then write the figure: everything in one arena, freed at once. */
static anneal_status draw(Plot *pl, const annealc_program *p, int index, const anneal_desc *d,
                          const annealc_program *q, int qindex, const anneal_desc *qd, const annealc_plot_options *o,
                          const int *chan, int nchan, int64_t nbucket, const char *other_label, FILE *out, Diag *diag)
{
	Arena a = { 0 };
	jmp_buf oom;
	if (setjmp(oom)) {
		arena_free(&a);
		diag_plain(diag, "out of memory");
		return ANNEAL_ERR_NOMEM;
	}
	a.oom = &oom;
	build(&a, pl, p, index, d, q, qindex, qd, o, chan, nchan, nbucket, other_label);
	if (o->term)
		term_write(&a, out, pl, (int)(o->columns ? o->columns : 80), (int)(o->rows ? o->rows : 24));
	else
		svg_write(out, pl);
	arena_free(&a);
	return ANNEAL_OK;
}

/* The arguments annealc_plot checks before it compiles anything; 0 after
   a diagnostic. */
static int check_plot_args(const annealc_program *p, int schedule, const annealc_plot_options *o, FILE *out,
                           Diag *d)
{
	const annealc_program *q = o->compare;
	if (schedule < 0 || schedule >= p->nschedule)
		diag_plain(d, "annealc_plot: no schedule %d (the program has %d)", schedule, p->nschedule);
	else if (!out)
		diag_plain(d, "annealc_plot: out is NULL");
	else if (o->first < 0 || o->count < 0 || o->count == 1 || o->first > INT64_MAX - o->count)
		diag_plain(d, "annealc_plot: first %" PRId64 ", count %" PRId64
		           ": expected first >= 0, count >= 2 and the last step within int64",
		           o->first, o->count);
	else if (o->columns < 0 || o->rows < 0 || o->columns > 10000 || o->rows > 10000)
		diag_plain(d, "annealc_plot: a terminal of %d x %d: expected 0 to 10000 each", (int)o->columns,
		           (int)o->rows);
	else if (q && (o->compare_schedule < 0 || o->compare_schedule >= q->nschedule))
		diag_plain(d, "annealc_plot: no compare schedule %d (its program has %d)", (int)o->compare_schedule,
		           q->nschedule);
	return d->nerror == 0;
}

/* The steps plotted: as given, or analyze's default for the schedule. */
static void plot_steps(Plot *pl, annealc_program *p, int schedule, const annealc_plot_options *o)
{
	pl->first = o->first;
	pl->count = o->count;
	if (pl->count == 0) {
		pl->first = 0;
		pl->count = analyze_default_steps(p, schedule);
		if (pl->count < 2)
			pl->count = 2;
	}
}

anneal_status annealc_plot(annealc_program *p, int schedule, const annealc_plot_options *o, FILE *out)
{
	if (!p)
		return ANNEAL_ERR_INVALID;
	Diag d = { .src = &p->src, .sink = NULL, .msg = p->errmsg, .msgsize = sizeof p->errmsg };
	const annealc_plot_options dflt = ANNEALC_PLOT_OPTIONS_INIT;
	if (!o)
		o = &dflt;
	annealc_program *q = o->compare;
	if (!check_plot_args(p, schedule, o, out, &d))
		return ANNEAL_ERR_INVALID;

	const LSchedule *ls = &p->schedule[schedule];
	const LSchedule *lo = q ? &q->schedule[o->compare_schedule] : NULL;
	int chan[ANNEAL_MAX_CHANNELS];
	int nchan = pick_channels(ls, o->channels, chan, &d);
	if (nchan < 0)
		return ANNEAL_ERR_INVALID;
	if (lo) {
		int shared = 0;
		for (int i = 0; i < nchan; i++)
			shared += find_channel(lo, ls->channel[chan[i]].name) >= 0;
		if (!shared) {
			diag_plain(&d, "--compare: schedule '%s' in %s shares no plotted channel with '%s'", lo->name,
			           q->src.path, ls->name);
			return ANNEAL_ERR_INVALID;
		}
	}

	/* The curves come from the compiled fill: a JIT of the plot's own. */
	annealc_jit *jit;
	anneal_status st = annealc_jit_new(NULL, &jit);
	if (st != ANNEAL_OK) {
		diag_plain(&d, "cannot start the JIT");
		return st;
	}
	const anneal_desc *sd = NULL, *qd = NULL;
	if ((st = annealc_jit_compile(jit, p, schedule, NULL, &sd)) != ANNEAL_OK ||
	    (q && (st = annealc_jit_compile(jit, q, o->compare_schedule, NULL, &qd)) != ANNEAL_OK)) {
		diag_plain(&d, "%s", annealc_jit_errmsg(jit));
		annealc_jit_free(jit);
		return st;
	}

	Plot pl = { 0 };
	plot_steps(&pl, p, schedule, o);
	pl.log = o->log;
	int width = o->columns ? o->columns : 80;
	int64_t nbucket = o->term ? 2 * (width - 10 > 10 ? width - 10 : 10) : 2 * (960 - 84 - 28);
	char other_label[256] = "";
	if (lo) {
		const char *path = q->src.path, *base = strrchr(path, '/');
		snprintf(other_label, sizeof other_label, "%s (%.40s)", lo->name,
		         o->compare_label ? o->compare_label : base ? base + 1 : path);
	}

	st = draw(&pl, p, schedule, sd, q, o->compare_schedule, qd, o, chan, nchan, nbucket, other_label, out, &d);
	annealc_jit_free(jit);
	if (st != ANNEAL_OK)
		return st;
	p->errmsg[0] = '\0';
	return ANNEAL_OK;
}
