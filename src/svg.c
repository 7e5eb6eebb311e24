/* svg.c: axis ticks and labels for schedule plots, and the plot as a self-contained SVG document. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "svg.h"

/* Layout in SVG user units (pixels at 1:1). */
enum { FIG_W = 960, LEFT = 90, RIGHT = 34, TOP = 72, GAP = 40, BOTTOM = 54, PAD = 6 };

static const char *const series_color[2] = { "#1f77b4", "#d62728" };

int svg_ticks(double lo, double hi, int log, int max, double *out)
{
	int n = 0;
	if (!(hi > lo))
		return 0;
	if (log) {
		int e0 = (int)floor(log10(lo) + 1e-9), e1 = (int)ceil(log10(hi) - 1e-9);
		int every = (e1 - e0 + max - 1) / max;
		if (every < 1)
			every = 1;
		static const double sub[] = { 1, 2, 5 };
		int nsub = e1 - e0 <= 2 ? 3 : 1;
		for (int e = e0; e <= e1 && n < 64; e++) {
			if ((e - e0) % every)
				continue;
			for (int i = 0; i < nsub; i++) {
				double v = sub[i] * pow(10, e);
				if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9))
					out[n++] = v;
			}
		}
		return n;
	}
	double raw = (hi - lo) / (max > 1 ? max - 1 : 1);
	double mag = pow(10, floor(log10(raw)));
	double step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
	for (double k = ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9 && n < 64; k++)
		out[n++] = fabs(k) < 1e-9 ? 0 : k * step;
	return n;
}

void svg_axis_limits(PlotPanel *pp, int log)
{
	double lo = INFINITY, hi = -INFINITY;
	for (int s = 0; s < pp->nseries; s++)
		for (int64_t i = 0; i < pp->series[s].nbucket; i++)
			if (isfinite(pp->series[s].lo[i])) {
				lo = fmin(lo, pp->series[s].lo[i]);
				hi = fmax(hi, pp->series[s].hi[i]);
			}
	if (!isfinite(lo)) {
		lo = log ? 1e-3 : 0;
		hi = 1;
	}
	if (log) {
		pp->ymin = pow(10, floor(log10(lo) + 1e-9));
		pp->ymax = pow(10, ceil(log10(hi) - 1e-9));
		if (pp->ymax <= pp->ymin)
			pp->ymax = pp->ymin * 10;
		return;
	}
	if (hi == lo) {
		double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
		lo -= pad;
		hi += pad;
	}
	double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw)));
	double step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag : 10 * mag;
	pp->ymin = floor(lo / step + 1e-9) * step;
	pp->ymax = ceil(hi / step - 1e-9) * step;
	if (pp->ymax <= pp->ymin)
		pp->ymax = pp->ymin + step;
}

void svg_fmt_value(char *buf, size_t n, double v, int log)
{
	double a = fabs(v);
	if (v == 0) {
		snprintf(buf, n, "0");
	} else if ((log && (a < 0.01 || a >= 1000)) || a < 1e-3 || a >= 1e5) {
		int e = (int)floor(log10(a) + 1e-9);
		double m = v / pow(10, e);
		snprintf(buf, n, "%.3ge%d", m, e);
	} else {
		snprintf(buf, n, "%.6g", v);
	}
}

void svg_fmt_steps(char *buf, size_t n, double v)
{
	static const struct {
		double scale;
		const char *suffix;
	} unit[] = { { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" } };
	for (size_t i = 0; i < sizeof unit / sizeof unit[0]; i++)
		if (fabs(v) >= unit[i].scale) {
			snprintf(buf, n, "%.4g%s", v / unit[i].scale, unit[i].suffix);
			return;
		}
	snprintf(buf, n, "%.0f", v);
}

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
}

typedef struct Frame {
	double left, top, w, h;
	int64_t first, count;
	double ymin, ymax;
	int log;
} Frame;

static double fx(const Frame *f, double step)
{
	return f->left + (step - (double)f->first) / (double)(f->count > 1 ? f->count - 1 : 1) * f->w;
}

static double fy(const Frame *f, double v)
{
	double q = f->log ? (log10(v) - log10(f->ymin)) / (log10(f->ymax) - log10(f->ymin))
	                  : (v - f->ymin) / (f->ymax - f->ymin);
	return f->top + f->h - q * f->h;
}

static void draw_series(FILE *out, const Frame *f, const PlotSeries *s, int index)
{
	fprintf(out, "<path class=\"curve\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" stroke-linejoin=\"round\"%s d=\"",
	        series_color[index], index ? "1.4" : "1.7", index ? " stroke-dasharray=\"6,4\"" : "");
	int pen = 0;
	for (int64_t i = 0; i < s->nbucket; i++) {
		if (!isfinite(s->lo[i])) {
			pen = 0;
			continue;
		}
		double x = fx(f, (double)s->step[i]);
		double v[4] = { s->first[i], s->lo[i], s->hi[i], s->last[i] };
		double prev = NAN;
		for (int k = 0; k < 4; k++) {
			if (!isfinite(v[k]) || v[k] == prev)
				continue;
			fprintf(out, "%c%.2f %.2f ", pen ? 'L' : 'M', x, fy(f, v[k]));
			pen = 1;
			prev = v[k];
		}
	}
	fputs("\"/>\n", out);
}

static void draw_marks(FILE *out, const Frame *f, const PlotPanel *pp)
{
	double last_label = -1e9;
	for (int i = 0; i < pp->nmark; i++) {
		const Mark *m = &pp->mark[i];
		if (m->kind == MARK_RESTART && m->cycle == 0)
			continue;
		double x = floor(fx(f, (double)m->step)) + 0.5; /* on a pixel's centre: a crisp 1 px line */
		int restart = m->kind == MARK_RESTART;
		fprintf(out, "<line class=\"%s\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
		        "stroke-width=\"1\" stroke-dasharray=\"%s\"/>\n",
		        restart ? "restart" : "phase", x, f->top - PAD, x, f->top + f->h + PAD, restart ? "#ff7f0e" : "#666666",
		        restart ? "5,3" : "2,3");
		if (x - last_label < 14)
			continue;
		last_label = x;
		char text[96];
		if (restart)
			snprintf(text, sizeof text, "restart %" PRId64, m->cycle);
		else if (m->label)
			snprintf(text, sizeof text, "%s", m->label);
		else if (m->prev_label)
			snprintf(text, sizeof text, "end of %s", m->prev_label);
		else
			snprintf(text, sizeof text, "phase %d", m->index);
		/* Bottom right of the line: after a restart or a warmup the
		   curve is high, so the text rarely crosses it. */
		fprintf(out, "<text transform=\"translate(%.2f,%.2f) rotate(-90)\" font-size=\"10\" fill=\"%s\" "
		        "stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">",
		        x + 12, f->top + f->h - 5, restart ? "#b35900" : "#444444");
		xml_text(out, text);
		fputs("</text>\n", out);
	}
}

static void draw_panel(FILE *out, const Plot *pl, const PlotPanel *pp, int index, double top, double h, int bottom)
{
	Frame f = { LEFT, top, FIG_W - LEFT - RIGHT, h, pl->first, pl->count, pp->ymin, pp->ymax, pl->log };
	double ticks[64];
	char buf[64];
	fprintf(out, "<g class=\"panel\" data-channel=\"");
	xml_text(out, pp->channel);
	fprintf(out, "\" data-left=\"%.2f\" data-top=\"%.2f\" data-width=\"%.2f\" data-height=\"%.2f\" "
	        "data-first=\"%" PRId64 "\" data-last=\"%" PRId64 "\" data-ymin=\"%.17g\" data-ymax=\"%.17g\" data-log=\"%d\">\n",
	        f.left, f.top, f.w, f.h, pl->first, pl->first + (pl->count > 1 ? pl->count - 1 : 1), f.ymin, f.ymax, pl->log);
	/* The frame stands PAD off the data area, so a curve at an axis
	   limit is not hidden under it. */
	fprintf(out, "<clipPath id=\"clip%d\"><rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"/></clipPath>\n",
	        index, f.left - PAD, f.top - PAD, f.w + 2 * PAD, f.h + 2 * PAD);
	fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#fcfcfc\" stroke=\"none\"/>\n",
	        f.left - PAD, f.top - PAD, f.w + 2 * PAD, f.h + 2 * PAD);

	int nx = svg_ticks((double)pl->first, (double)(pl->first + pl->count - 1), 0, 9, ticks);
	for (int i = 0; i < nx; i++) {
		double x = fx(&f, ticks[i]);
		fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e4e4e4\"/>\n", x, f.top - PAD, x,
		        f.top + f.h + PAD);
		if (bottom) {
			svg_fmt_steps(buf, sizeof buf, ticks[i]);
			fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">%s</text>\n",
			        x, f.top + f.h + PAD + 16, buf);
		}
	}
	int ny = svg_ticks(f.ymin, f.ymax, pl->log, h > 250 ? 8 : 6, ticks);
	for (int i = 0; i < ny; i++) {
		double y = fy(&f, ticks[i]);
		fprintf(out, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#e4e4e4\"/>\n", f.left - PAD, y,
		        f.left + f.w + PAD, y);
		svg_fmt_value(buf, sizeof buf, ticks[i], pl->log);
		fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"12\" text-anchor=\"end\" fill=\"#333\">%s</text>\n",
		        f.left - PAD - 6, y + 4, buf);
	}
	if (pp->nmark > 0)
		draw_marks(out, &f, pp);
	fprintf(out, "<g clip-path=\"url(#clip%d)\">\n", index);
	for (int s = pp->nseries - 1; s >= 0; s--)
		draw_series(out, &f, &pp->series[s], s);
	fputs("</g>\n", out);
	fprintf(out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"#888\"/>\n",
	        f.left - PAD, f.top - PAD, f.w + 2 * PAD, f.h + 2 * PAD);
	fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"13\" font-weight=\"bold\" text-anchor=\"middle\" "
	        "transform=\"rotate(-90 %.2f %.2f)\" fill=\"#222\">",
	        18.0, f.top + f.h / 2, 18.0, f.top + f.h / 2);
	xml_text(out, pp->channel);
	fputs(pl->log ? " (log)" : "", out);
	fputs("</text>\n", out);
	int64_t skipped = 0;
	for (int s = 0; s < pp->nseries; s++)
		skipped += pp->series[s].nskipped;
	if (pp->nmark < 0 || skipped > 0) {
		char note[160] = "";
		if (pp->nmark < 0)
			snprintf(note, sizeof note, "too many restarts and phase joins to mark");
		if (skipped > 0)
			snprintf(note + strlen(note), sizeof note - strlen(note), "%s%" PRId64 " steps not drawn (%s)",
			         note[0] ? "; " : "", skipped, pl->log ? "<= 0 or not finite" : "not finite");
		fprintf(out, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"11\" text-anchor=\"end\" fill=\"#a00\">",
		        f.left + f.w - 6, f.top + 14);
		xml_text(out, note);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
}

void svg_write(FILE *out, const Plot *pl)
{
	double ph = pl->npanel == 1 ? 330 : pl->npanel == 2 ? 240 : 190;
	double height = TOP + pl->npanel * ph + (pl->npanel - 1) * GAP + BOTTOM;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%.0f\" viewBox=\"0 0 %d %.0f\" "
	        "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
	        FIG_W, height, FIG_W, height);
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(out, "<text x=\"%d\" y=\"26\" font-size=\"17\" font-weight=\"bold\" fill=\"#111\">", LEFT);
	xml_text(out, pl->title);
	fputs("</text>\n", out);
	fprintf(out, "<text x=\"%d\" y=\"46\" font-size=\"12\" fill=\"#444\">steps %" PRId64 " to %" PRId64, LEFT,
	        pl->first, pl->first + pl->count - 1);
	if (pl->params && pl->params[0]) {
		fputs(" \xc2\xb7 ", out);
		xml_text(out, pl->params);
	}
	fputs("</text>\n", out);

	int compare = 0;
	for (int i = 0; i < pl->npanel; i++)
		if (pl->panel[i].nseries > 1)
			compare = i + 1;
	if (compare) {
		const PlotPanel *pp = &pl->panel[compare - 1];
		for (int s = 0; s < 2; s++) {
			double y = 22 + 18 * s, x = FIG_W - RIGHT - 330;
			fprintf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
			        x, y - 4, x + 28, y - 4, series_color[s], s ? " stroke-dasharray=\"6,4\"" : "");
			fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" fill=\"#222\">", x + 34, y);
			xml_text(out, pp->series[s].label);
			fputs("</text>\n", out);
		}
	}
	for (int i = 0; i < pl->npanel; i++)
		draw_panel(out, pl, &pl->panel[i], i, TOP + i * (ph + GAP), ph, i == pl->npanel - 1);
	fprintf(out, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#333\">step</text>\n",
	        LEFT + (FIG_W - LEFT - RIGHT) / 2.0, height - 12);
	fputs("</svg>\n", out);
}
