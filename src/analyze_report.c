/* analyze_report.c: annealc_analyze -- per channel: range, monotone stretches, restarts, sums, joins, findings, Robbins-Monro. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

#define MAX_MARKS 4096
#define MAX_SHOWN 12 /* list entries printed in text; JSON has them all */

typedef enum { LV_ERROR, LV_WARNING, LV_NOTE } Level;
static const char *const level_name[] = { "error", "warning", "note" };

typedef struct Finding {
	Level level;
	char text[256];
} Finding;

typedef struct Stretch {
	int64_t from, to; /* inclusive */
	int dir;          /* 1 rising, -1 falling, 0 constant */
} Stretch;

typedef struct Peak {
	double value; /* -inf: no step read */
	int64_t step;
} Peak;

typedef struct Join {
	int64_t step;
	double before, after, expect, rel;
	const char *label, *prev_label; /* of the phases that start and end here */
} Join;

typedef struct Report {
	const char *name;
	int is_lr;
	double min, max;
	int64_t min_step, max_step;
	long double sum, sum_sq;
	int nstretch, cap_stretch;
	Stretch *stretch;
	int nmark; /* -1: more than MAX_MARKS */
	Mark *mark;
	int ncycle_peak; /* restart marks: peak[0] is before the first, peak[i] from the i-th */
	Peak *peak;
	int64_t read; /* steps read of the horizon */
	int njoin;
	Join *join;
	int rm_verdict;
	char rm_why[256];
	int nfinding, cap_finding;
	Finding *finding;
	jmp_buf *oom; /* where running out of memory jumps: annealc_analyze */
} Report;

typedef struct Options {
	int64_t first, count;
	double join_tol, curvature, batch, base_batch;
} Options;

/* realloc, or a jump to r->oom with *p still r's to free. */
static void *grow(Report *r, void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q)
		longjmp(*r->oom, 1);
	return q;
}

static void __attribute__((format(printf, 3, 4))) find(Report *r, Level lv, const char *fmt, ...)
{
	if (r->nfinding == r->cap_finding) {
		r->cap_finding = r->cap_finding ? 2 * r->cap_finding : 8;
		r->finding = grow(r, r->finding, sizeof *r->finding * (size_t)r->cap_finding);
	}
	Finding *f = &r->finding[r->nfinding++];
	f->level = lv;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
}

static void add_stretch(Report *r, int64_t from, int64_t to, int dir)
{
	if (to < from)
		return;
	if (r->nstretch == r->cap_stretch) {
		r->cap_stretch = r->cap_stretch ? 2 * r->cap_stretch : 16;
		r->stretch = grow(r, r->stretch, sizeof *r->stretch * (size_t)r->cap_stretch);
	}
	r->stretch[r->nstretch++] = (Stretch){ from, to, dir };
}

static int is_standard(int slot)
{
	return slot < ANNEAL_FIRST_CUSTOM;
}

/* analyze reads every step of a horizon of up to SCAN_STEPS. Past that it
   reads windows, which take the same time whatever the horizon: the first
   and last EDGE_STEPS exactly, GRID windows of GRID_STEPS spread evenly
   between, and MARK_STEPS either side of every phase start and restart --
   where the structure can change the values' course. Between marks a
   channel is one expression of the step, so a window of it stands for the
   stretch around it; sums are estimated from the grid. */
enum { SCAN_STEPS = 1 << 24, EDGE_STEPS = 1 << 20, GRID = 1 << 14, GRID_STEPS = 256, MARK_STEPS = 2 };

typedef struct Window {
	int64_t from, to; /* [from, to) */
	int grid;         /* a grid window: its steps stand for the middle in the sums */
} Window;

static int window_order(const void *a, const void *b)
{
	const Window *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return (x->to < y->to) - (x->to > y->to); /* the longer first, so it keeps its steps */
}

/* The windows of [first, end) in step order, none overlapping; *n of them. */
static Window *windows(Report *r, const Options *o, int *n)
{
	int64_t first = o->first, end = o->first + o->count;
	int cap = 3 + GRID + (r->nmark > 0 ? r->nmark : 0);
	Window *w = grow(r, NULL, sizeof *w * (size_t)cap);
	int k = 0;
	if (o->count <= SCAN_STEPS) {
		w[k++] = (Window){ first, end, 0 };
	} else {
		int64_t mid = first + EDGE_STEPS, mid_len = o->count - 2 * (int64_t)EDGE_STEPS;
		w[k++] = (Window){ first, mid, 0 };
		w[k++] = (Window){ end - EDGE_STEPS, end, 0 };
		for (int i = 0; i < GRID; i++) {
			int64_t from = mid + (int64_t)((__int128)i * mid_len / GRID);
			w[k++] = (Window){ from, from + GRID_STEPS, 1 };
		}
		for (int i = 0; i < r->nmark; i++) {
			int64_t at = r->mark[i].step;
			w[k++] = (Window){ at - first < MARK_STEPS ? first : at - MARK_STEPS,
				           end - at <= MARK_STEPS ? end : at + MARK_STEPS, 0 };
		}
	}
	qsort(w, (size_t)k, sizeof *w, window_order);
	int m = 0;
	for (int i = 0; i < k; i++) {
		if (m > 0 && w[i].from < w[m - 1].to)
			w[i].from = w[m - 1].to;
		if (w[i].from < w[i].to)
			w[m++] = w[i];
	}
	*n = m;
	return w;
}

/* What scan carries from one value to the next. */
typedef struct Scan {
	int slot;
	int64_t start;                 /* the step the current stretch starts at */
	int dir;                       /* its direction: 1 rising, -1 falling, 0 none yet */
	double prev;                   /* the last finite value of the stretch, NaN after a mark */
	int64_t prev_step, last_read;  /* of prev, and of the last value read */
	int next_mark, cycle;          /* the next mark at or after the step; the cycle reached */
	int64_t read, nonfinite, negative, first_bad, first_neg;
	double neg_value;
} Scan;

/* A peak per restart cycle (and one before the first), each -inf until a value is read. */
static void cycle_peaks(const Options *o, Report *r)
{
	int nrestart = 0;
	for (int i = 0; i < r->nmark; i++)
		nrestart += r->mark[i].kind == MARK_RESTART;
	r->ncycle_peak = nrestart;
	r->peak = grow(r, NULL, sizeof *r->peak * (size_t)(nrestart + 1));
	for (int i = 0; i <= nrestart; i++)
		r->peak[i] = (Peak){ -INFINITY, i == 0 ? o->first : -1 };
}

/* The marks at step s: a restart opens the next cycle's peak, and any mark
   ends the stretch so a jump there is no rise or fall. */
static void scan_marks(Scan *sc, Report *r, int64_t s)
{
	while (sc->next_mark < r->nmark && r->mark[sc->next_mark].step < s)
		sc->next_mark++;
	for (int j = sc->next_mark; j < r->nmark && r->mark[j].step == s; j++)
		if (r->mark[j].kind == MARK_RESTART)
			r->peak[++sc->cycle] = (Peak){ -INFINITY, s };
	if (sc->next_mark < r->nmark && r->mark[sc->next_mark].step == s && s > sc->start) {
		add_stretch(r, sc->start, sc->last_read, sc->dir);
		sc->start = s;
		sc->dir = 0;
		sc->prev = NAN;
	}
}

/* Value v at step s, standing for `weight` steps in the sums. */
static void scan_value(Scan *sc, Report *r, int64_t s, double v, long double weight)
{
	scan_marks(sc, r, s);
	sc->last_read = s;
	sc->read++;
	if (v > r->peak[sc->cycle].value)
		r->peak[sc->cycle] = (Peak){ v, s };
	if (!isfinite(v)) {
		if (sc->first_bad < 0)
			sc->first_bad = s;
		sc->nonfinite++;
		sc->prev = NAN;
		return;
	}
	if (v < 0 && is_standard(sc->slot)) {
		if (sc->first_neg < 0) {
			sc->first_neg = s;
			sc->neg_value = v;
		}
		sc->negative++;
	}
	if (v < r->min) {
		r->min = v;
		r->min_step = s;
	}
	if (v > r->max) {
		r->max = v;
		r->max_step = s;
	}
	r->sum += weight * v;
	r->sum_sq += weight * v * v;
	if (isfinite(sc->prev) && v != sc->prev) {
		int dv = v > sc->prev ? 1 : -1;
		if (sc->dir == 0) {
			sc->dir = dv;
		} else if (dv != sc->dir) {
			add_stretch(r, sc->start, sc->prev_step, sc->dir);
			sc->start = sc->prev_step;
			sc->dir = dv;
		}
	}
	sc->prev = v;
	sc->prev_step = s;
}

/* The steps window w stands for in the sums: a grid step stands for
   grid_weight of the middle's steps, and a mark's window in the middle for
   none, since the grid stands for it. */
static long double window_weight(const Window *w, const Options *o, long double grid_weight)
{
	int64_t end = o->first + o->count;
	if (w->grid)
		return grid_weight;
	if (o->count > SCAN_STEPS && w->from >= o->first + EDGE_STEPS && w->to <= end - EDGE_STEPS)
		return 0;
	return 1;
}

/* One pass over the channel's values (every step, or the windows above)
   through fill: range, sums, stretches, the first bad values, each
   restart cycle's peak; stretches restart at every structural mark, so a
   restart's jump is not reported as a rise of two steps. */
static void scan(const anneal_desc *d, int slot, const Options *o, Report *r)
{
	enum { CHUNK = 8192 };
	double buf[CHUNK];
	Scan sc = { .slot = slot, .start = o->first, .prev = NAN, .prev_step = -1, .last_read = -1, .first_bad = -1,
		    .first_neg = -1 };
	r->min = INFINITY;
	r->max = -INFINITY;
	cycle_peaks(o, r);
	int nwin;
	Window *win = windows(r, o, &nwin);
	int64_t grid_read = 0;
	for (int i = 0; i < nwin; i++)
		if (win[i].grid)
			grid_read += win[i].to - win[i].from;
	long double grid_weight = grid_read ? (long double)(o->count - 2 * (int64_t)EDGE_STEPS) / grid_read : 0;
	for (int w = 0; w < nwin; w++) {
		long double weight = window_weight(&win[w], o, grid_weight);
		for (int64_t k = win[w].from; k < win[w].to; k += CHUNK) {
			int64_t n = win[w].to - k < CHUNK ? win[w].to - k : CHUNK;
			d->fill(k, n, NULL, slot, buf);
			for (int64_t i = 0; i < n; i++)
				scan_value(&sc, r, k + i, buf[i], weight);
		}
	}
	free(win);
	add_stretch(r, sc.start, o->first + o->count - 1, sc.dir);
	r->read = sc.read;
	const char *among = sc.read < o->count ? " among the steps read" : "";
	if (sc.nonfinite)
		find(r, LV_ERROR, "%" PRId64 " non-finite value%s%s, the first at step %" PRId64, sc.nonfinite,
		     sc.nonfinite == 1 ? "" : "s", among, sc.first_bad);
	if (sc.negative)
		find(r, LV_ERROR, "%" PRId64 " negative value%s%s, the first %g at step %" PRId64, sc.negative,
		     sc.negative == 1 ? "" : "s", among, sc.neg_value, sc.first_neg);
	if (sc.read < o->count)
		find(r, LV_NOTE, "%" PRId64 " steps are more than analyze reads one by one (%d): it read %" PRId64
		     " of them -- the first and last %d, %d windows of %d spread between, and %d either side of each "
		     "phase start and restart; the sums are estimated", o->count, SCAN_STEPS, sc.read, EDGE_STEPS, GRID,
		     GRID_STEPS, MARK_STEPS);
}

static double value_at(const anneal_desc *d, int slot, int64_t step)
{
	double v;
	d->fill(step, 1, NULL, slot, &v);
	return v;
}

/* A join is discontinuous by how far its first value lies from the previous
   phase carried on one more step (its last two values extrapolated), as a
   fraction of the channel's peak: a warmup that reaches its peak just as the
   decay starts is smooth, a decay that starts already lower is not. */
static void joins(const anneal_desc *d, int slot, const Options *o, Report *r)
{
	double peak = fmax(fabs(r->min), fabs(r->max));
	int64_t prev_mark = o->first;
	r->join = grow(r, NULL, sizeof *r->join * (size_t)(r->nmark > 0 ? r->nmark : 1));
	for (int i = 0; i < r->nmark; i++) {
		const Mark *m = &r->mark[i];
		int64_t from = prev_mark;
		prev_mark = m->step;
		if (m->kind != MARK_PHASE || m->step <= o->first)
			continue;
		double a = value_at(d, slot, m->step - 1), b = value_at(d, slot, m->step);
		double expect = a;
		if (m->step - 2 >= from)
			expect = 2 * a - value_at(d, slot, m->step - 2);
		double rel = peak > 0 && isfinite(peak) ? fabs(b - expect) / peak : 0;
		if (rel < 1e-9)
			rel = 0; /* rounding in the extrapolation, not a jump */
		Join *j = &r->join[r->njoin++];
		*j = (Join){ m->step, a, b, expect, rel, m->label, m->prev_label };
		if (rel > o->join_tol)
			find(r, LV_WARNING, "the join at step %" PRId64 " jumps from %g to %g where %g would continue the "
			     "curve: %.3g%% of the peak %g, more than %g%%",
			     m->step, a, b, expect, 100 * rel, peak, 100 * o->join_tol);
	}
}

/* Phases whose duration came to zero through a param: not a mistake (a
   warmup of `param warm = 0`), but the reader should know they are gone. */
static void empty_phases(const LSchedule *ls, int ch, Report *r)
{
	const LPhase *empty[MAX_SHOWN];
	int n = analyze_empty_phases(ls, ch, empty, MAX_SHOWN);
	for (int i = 0; i < n && i < MAX_SHOWN; i++) {
		const LPhase *ph = empty[i];
		if (ph->label)
			find(r, LV_NOTE, "phase '%s' (line %d) is empty: its duration comes to zero, so it never runs and "
			     "its enter hooks never fire", ph->label, ph->loc.line);
		else
			find(r, LV_NOTE, "the phase at line %d, column %d is empty: its duration comes to zero, so it never "
			     "runs", ph->loc.line, ph->loc.col);
	}
	if (n > MAX_SHOWN)
		find(r, LV_NOTE, "%d more phases are empty", n - MAX_SHOWN);
}

/* The restart cycle that the end of the horizon cuts, and (with
   --curvature) cycle peaks above 4/L. Of nested cycles cut together
   (restarts over a cycles list) the outermost is named: the inner one is a
   part of it, often its list's cycle 0, which starts at the same step. */
static void cycles(const Options *o, Report *r)
{
	int64_t end = o->first + o->count;
	const Mark *cut = NULL;
	for (int i = r->nmark - 1; i >= 0; i--) {
		const Mark *m = &r->mark[i];
		if (m->kind == MARK_RESTART && m->cycle_len > 0 && m->step + m->cycle_len > end &&
		    (!cut || m->depth < cut->depth))
			cut = m;
	}
	if (cut)
		find(r, LV_WARNING, "cycle %" PRId64 " (from step %" PRId64 ", %" PRId64
		     " steps) is cut short by the end at step %" PRId64 ": %" PRId64 " of its steps run",
		     cut->cycle, cut->step, cut->cycle_len, end, end - cut->step);
	if (!r->is_lr || !(o->curvature > 0))
		return;
	double bound = 4 / o->curvature;
	int above = 0;
	for (int i = 0; i <= r->ncycle_peak; i++) {
		const Peak *pk = &r->peak[i];
		if (pk->value > bound) {
			find(r, LV_WARNING, "the peak %g at step %" PRId64 " exceeds the stability bound 4/L = %g (L = %g)",
			     pk->value, pk->step, bound, o->curvature);
			above++;
		}
	}
	if (!above)
		find(r, LV_NOTE, "every peak is within the stability bound 4/L = %g (L = %g)", bound, o->curvature);
	if (o->batch > 0) {
		double scaled = r->max * o->batch / o->base_batch;
		if (scaled > bound)
			find(r, LV_WARNING, "the linearly scaled peak %g at batch %g exceeds the stability bound 4/L = %g",
			     scaled, o->batch, bound);
	}
}

static const char *dir_name(int dir)
{
	return dir > 0 ? "rising" : dir < 0 ? "falling" : "constant";
}

static void print_text(FILE *out, const LSchedule *ls, const Options *o, const char *source, Report *rep, int n)
{
	fprintf(out, "%s: steps %" PRId64 " to %" PRId64 " (%s)\n", ls->name, o->first, o->first + o->count - 1, source);
	for (int c = 0; c < n; c++) {
		Report *r = &rep[c];
		fprintf(out, "%s:\n", r->name);
		if (!isfinite(r->min))
			fprintf(out, "  range: no finite value\n");
		else if (r->min == r->max)
			fprintf(out, "  range: constant %g\n", r->min);
		else
			fprintf(out, "  range: min %g at step %" PRId64 ", max %g at step %" PRId64 "\n", r->min, r->min_step,
			        r->max, r->max_step);
		if (r->min != r->max) {
			fprintf(out, "  monotone:");
			for (int i = 0; i < r->nstretch && i < MAX_SHOWN; i++)
				fprintf(out, "%s %s %" PRId64 "..%" PRId64, i ? "," : "", dir_name(r->stretch[i].dir),
				        r->stretch[i].from, r->stretch[i].to);
			if (r->nstretch > MAX_SHOWN)
				fprintf(out, " (%d more)", r->nstretch - MAX_SHOWN);
			fputc('\n', out);
		}
		int nr = 0;
		for (int i = 0; i < r->nmark; i++)
			if (r->mark[i].kind == MARK_RESTART && r->mark[i].cycle > 0) {
				const Mark *m = &r->mark[i];
				if (nr < MAX_SHOWN) {
					fprintf(out, "%s %" PRId64 " (cycle %" PRId64 ", ", nr ? "," : "  restarts:", m->step, m->cycle);
					if (m->cycle_len > 0)
						fprintf(out, "%" PRId64 " steps)", m->cycle_len);
					else
						fputs("holds to the end)", out);
				}
				nr++;
			}
		if (nr > MAX_SHOWN)
			fprintf(out, " (%d more)", nr - MAX_SHOWN);
		if (nr)
			fputc('\n', out);
		if (r->nmark < 0)
			fprintf(out, "  restarts and joins: more than %d, not listed\n", MAX_MARKS);
		for (int i = 0; i < r->njoin && i < MAX_SHOWN; i++) {
			const Join *j = &r->join[i];
			fprintf(out, "  join at step %" PRId64, j->step);
			if (j->prev_label || j->label)
				fprintf(out, " (%s%s%s%s)", j->prev_label ? "end of " : "", j->prev_label ? j->prev_label : "",
				        j->prev_label && j->label ? ", " : "", j->label ? j->label : "");
			fprintf(out, ": %g -> %g (a jump of %.3g%% of the peak)\n", j->before, j->after, 100 * j->rel);
		}
		if (r->njoin > MAX_SHOWN)
			fprintf(out, "  (%d more joins)\n", r->njoin - MAX_SHOWN);
		if (r->is_lr) {
			fprintf(out, "  sum(lr) = %.6Lg, sum(lr^2) = %.6Lg\n", r->sum, r->sum_sq);
			fprintf(out, "  robbins-monro: %s: %s\n",
			        r->rm_verdict > 0 ? "met" : r->rm_verdict == 0 ? "not met" : "undecided", r->rm_why);
			if (o->batch > 0)
				fprintf(out, "  linear scaling: peak %g at batch %g becomes %g at batch %g\n", r->max, o->base_batch,
				        r->max * o->batch / o->base_batch, o->batch);
		}
		for (int i = 0; i < r->nfinding; i++)
			fprintf(out, "  %s: %s\n", level_name[r->finding[i].level], r->finding[i].text);
	}
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void json_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, "%.17g", v);
	else
		fputs("null", out);
}

static void print_json(FILE *out, const LSchedule *ls, const Options *o, const char *source, Report *rep, int n)
{
	fputs("{\"schedule\": ", out);
	json_string(out, ls->name);
	fprintf(out, ", \"first\": %" PRId64 ", \"steps\": %" PRId64 ", \"horizon\": ", o->first, o->count);
	json_string(out, source);
	fputs(", \"channels\": [", out);
	for (int c = 0; c < n; c++) {
		Report *r = &rep[c];
		fprintf(out, "%s\n {\"name\": ", c ? "," : "");
		json_string(out, r->name);
		fputs(", \"min\": ", out);
		json_num(out, r->min);
		fprintf(out, ", \"min_step\": %" PRId64 ", \"max\": ", r->min_step);
		json_num(out, r->max);
		fprintf(out, ", \"max_step\": %" PRId64 ",\n  \"monotone\": [", r->max_step);
		for (int i = 0; i < r->nstretch; i++)
			fprintf(out, "%s{\"from\": %" PRId64 ", \"to\": %" PRId64 ", \"direction\": \"%s\"}", i ? ", " : "",
			        r->stretch[i].from, r->stretch[i].to, dir_name(r->stretch[i].dir));
		fputs("],\n  \"restarts\": [", out);
		for (int i = 0, k = 0; i < r->nmark; i++)
			if (r->mark[i].kind == MARK_RESTART && r->mark[i].cycle > 0)
				fprintf(out, "%s{\"step\": %" PRId64 ", \"cycle\": %" PRId64 ", \"length\": %" PRId64 "}", k++ ? ", " : "",
				        r->mark[i].step, r->mark[i].cycle, r->mark[i].cycle_len);
		fputs("],\n  \"joins\": [", out);
		for (int i = 0; i < r->njoin; i++) {
			const Join *j = &r->join[i];
			fprintf(out, "%s{\"step\": %" PRId64 ", \"ends\": ", i ? ", " : "", j->step);
			if (j->prev_label)
				json_string(out, j->prev_label);
			else
				fputs("null", out);
			fputs(", \"starts\": ", out);
			if (j->label)
				json_string(out, j->label);
			else
				fputs("null", out);
			fputs(", \"before\": ", out);
			json_num(out, j->before);
			fputs(", \"after\": ", out);
			json_num(out, j->after);
			fputs(", \"continued\": ", out);
			json_num(out, j->expect);
			fputs(", \"jump\": ", out);
			json_num(out, j->rel);
			fputc('}', out);
		}
		fputs("]", out);
		if (r->is_lr) {
			fputs(",\n  \"sum\": ", out);
			json_num(out, (double)r->sum);
			fputs(", \"sum_sq\": ", out);
			json_num(out, (double)r->sum_sq);
			fprintf(out, ",\n  \"robbins_monro\": {\"verdict\": \"%s\", \"reason\": ",
			        r->rm_verdict > 0 ? "met" : r->rm_verdict == 0 ? "not met" : "undecided");
			json_string(out, r->rm_why);
			fputc('}', out);
			if (o->batch > 0) {
				fputs(", \"scaled_peak\": ", out);
				json_num(out, r->max * o->batch / o->base_batch);
			}
		}
		fputs(",\n  \"findings\": [", out);
		for (int i = 0; i < r->nfinding; i++) {
			fprintf(out, "%s{\"level\": \"%s\", \"message\": ", i ? ", " : "", level_name[r->finding[i].level]);
			json_string(out, r->finding[i].text);
			fputc('}', out);
		}
		fputs("]}", out);
	}
	fputs("\n]}\n", out);
}

/* Every channel's report into rep (n of them). */
static void report_all(const annealc_program *p, int index, const anneal_desc *d, const Options *o, Report *rep)
{
	const LSchedule *ls = &p->schedule[index];
	double params[ls->nparam + 1];
	for (int i = 0; i < ls->nparam; i++)
		params[i] = ls->param[i].value;
	for (int ch = 0; ch < ls->nchannel; ch++) {
		Report *r = &rep[ch];
		const LChannel *lc = &ls->channel[ch];
		r->name = lc->name;
		r->is_lr = lc->slot == ANNEAL_LR;
		r->mark = grow(r, NULL, sizeof(Mark) * MAX_MARKS);
		r->nmark = analyze_marks(p, index, ch, o->first, o->first + o->count, r->mark, MAX_MARKS);
		if (r->nmark > MAX_MARKS)
			r->nmark = -1;
		scan(d, lc->slot, o, r);
		empty_phases(ls, ch, r);
		joins(d, lc->slot, o, r);
		cycles(o, r);
		if (r->is_lr)
			analyze_robbins_monro(ls, ch, params, &r->rm_verdict, r->rm_why, sizeof r->rm_why);
	}
}

/* Reports, then prints them; the reports' memory is freed whatever happens. */
static anneal_status run(const annealc_program *p, int index, const anneal_desc *d, const Options *o, int json,
                         const char *source, FILE *out, int32_t *errors, Diag *diag)
{
	const LSchedule *ls = &p->schedule[index];
	Report *rep = calloc((size_t)ls->nchannel, sizeof *rep);
	if (!rep) {
		diag_plain(diag, "out of memory");
		return ANNEAL_ERR_NOMEM;
	}
	anneal_status st = ANNEAL_OK;
	jmp_buf oom;
	if (setjmp(oom)) {
		diag_plain(diag, "out of memory");
		st = ANNEAL_ERR_NOMEM;
		goto out;
	}
	for (int ch = 0; ch < ls->nchannel; ch++)
		rep[ch].oom = &oom;
	report_all(p, index, d, o, rep);
	int nerr = 0;
	for (int ch = 0; ch < ls->nchannel; ch++)
		for (int i = 0; i < rep[ch].nfinding; i++)
			nerr += rep[ch].finding[i].level == LV_ERROR;
	if (errors)
		*errors = nerr;
	if (json)
		print_json(out, ls, o, source, rep, ls->nchannel);
	else
		print_text(out, ls, o, source, rep, ls->nchannel);
out:
	for (int ch = 0; ch < ls->nchannel; ch++) {
		free(rep[ch].stretch);
		free(rep[ch].mark);
		free(rep[ch].peak);
		free(rep[ch].join);
		free(rep[ch].finding);
	}
	free(rep);
	return st;
}

anneal_status annealc_analyze(annealc_program *p, int schedule, const annealc_analyze_options *ao, FILE *out,
                              int32_t *errors)
{
	if (!p)
		return ANNEAL_ERR_INVALID;
	Diag d = { .src = &p->src, .sink = NULL, .msg = p->errmsg, .msgsize = sizeof p->errmsg };
	const annealc_analyze_options dflt = ANNEALC_ANALYZE_OPTIONS_INIT;
	if (!ao)
		ao = &dflt;
	if (errors)
		*errors = 0;
	if (schedule < 0 || schedule >= p->nschedule)
		diag_plain(&d, "annealc_analyze: no schedule %d (the program has %d)", schedule, p->nschedule);
	else if (!out)
		diag_plain(&d, "annealc_analyze: out is NULL");
	else if (!(ao->join_tolerance >= 0) || !isfinite(ao->join_tolerance))
		diag_plain(&d, "annealc_analyze: join_tolerance %g: expected a fraction >= 0", ao->join_tolerance);
	else if (!(ao->curvature >= 0) || !isfinite(ao->curvature))
		diag_plain(&d, "annealc_analyze: curvature %g: expected a number > 0, or 0 for none", ao->curvature);
	else if (!(ao->batch >= 0) || !isfinite(ao->batch) || !(ao->base_batch >= 0) || !isfinite(ao->base_batch))
		diag_plain(&d, "annealc_analyze: batch %g, base_batch %g: expected numbers > 0, or 0 for none", ao->batch,
		           ao->base_batch);
	else if ((ao->batch > 0) != (ao->base_batch > 0))
		diag_plain(&d, "--batch and --base-batch go together");
	if (d.nerror)
		return ANNEAL_ERR_INVALID;

	const LSchedule *ls = &p->schedule[schedule];
	Options o = { 0, ao->steps > 0 ? ao->steps : -1, ao->join_tolerance, ao->curvature, ao->batch, ao->base_batch };
	const char *source = "--steps";
	if (o.count < 0) {
		o.count = analyze_default_steps(p, schedule);
		source = "a default for an open-ended schedule; --steps to change";
		if (ls->horizon > 0)
			source = "the schedule's horizon";
		for (int i = 0; i < ls->nparam && ls->horizon <= 0; i++)
			if (strcmp(ls->param[i].name, "total") == 0)
				source = "param total";
	}

	/* The values come from the compiled fill: a JIT of the analysis's own. */
	annealc_jit *jit;
	anneal_status st = annealc_jit_new(NULL, &jit);
	if (st != ANNEAL_OK) {
		diag_plain(&d, "cannot start the JIT");
		return st;
	}
	const anneal_desc *desc;
	if ((st = annealc_jit_compile(jit, p, schedule, NULL, &desc)) != ANNEAL_OK)
		diag_plain(&d, "%s", annealc_jit_errmsg(jit));
	else
		st = run(p, schedule, desc, &o, ao->json != 0, source, out, errors, &d);
	annealc_jit_free(jit);
	if (st == ANNEAL_OK)
		p->errmsg[0] = '\0';
	return st;
}
