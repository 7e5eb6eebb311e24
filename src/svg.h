/* svg.h: a schedule plot as data (panels of per-column value ranges plus marks) and its SVG and tick helpers. */
#ifndef ANNEALC_SVG_H
#define ANNEALC_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "analyze.h"

/* One curve reduced to buckets of consecutive steps: a bucket keeps its
   first, last, smallest and largest finite value, so a jump inside a
   bucket (a restart) still draws as a vertical stroke. */
typedef struct PlotSeries {
	const char *label;
	int64_t nbucket;
	int64_t *step;              /* first step of each bucket */
	double *first, *lo, *hi, *last; /* NaN in a bucket with no plottable value */
	int64_t nskipped;           /* steps not drawn: non-finite, or <= 0 on a log scale */
} PlotSeries;

typedef struct PlotPanel {
	const char *channel;
	int nseries;
	PlotSeries series[2]; /* the schedule, and --compare's */
	int nmark;            /* -1: too many to mark */
	Mark *mark;
	double ymin, ymax;    /* axis limits, set by svg_axis_limits */
} PlotPanel;

typedef struct Plot {
	const char *title;    /* the schedule's name */
	const char *params;   /* "peak = 0.1, floor = 1e-05" */
	int64_t first, count; /* steps first .. first + count - 1 */
	int log;
	int npanel;
	PlotPanel *panel;
} Plot;

/* Between 3 and about max ticks at 1, 2 or 5 times a power of ten within
   [lo, hi] (log: at powers of ten, with 2 and 5 when few decades show). */
int svg_ticks(double lo, double hi, int log, int max, double *out);
/* Nice axis limits around the panel's values (ymin, ymax). */
void svg_axis_limits(PlotPanel *pp, int log);
/* Tick labels: values as 0.05 or 1e-5, steps as 500, 2.5k, 10k, 1.5M. */
void svg_fmt_value(char *buf, size_t n, double v, int log);
void svg_fmt_steps(char *buf, size_t n, double v);

/* The whole figure as one self-contained SVG document. */
void svg_write(FILE *out, const Plot *pl);

#endif
