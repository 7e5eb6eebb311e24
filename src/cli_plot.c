/* cli_plot.c: `annealc plot` -- a schedule's channels as an SVG figure or in the terminal, from the JIT's fill. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "analyze.h"
#include "cli.h"
#include "svg.h"

static const char plot_help[] =
	"usage: annealc plot FILE (-o OUT.svg | --term) [options]\n"
	"Draw every channel of a schedule in its own panel over a shared step axis, with\n"
	"restarts and phase boundaries marked and labelled.\n"
	"\n"
	"  -o, --output FILE       write an SVG figure to FILE ('-': standard output)\n"
	"  --term                  draw in the terminal with Unicode braille (size from\n"
	"                          COLUMNS and LINES, else the terminal, else 80x24)\n"
	"  --schedule NAME         the schedule to plot (default: the first in FILE)\n"
	"  --steps N               steps 0 .. N-1 (default: the horizon, else the `total`\n"
	"                          param, else three cycles of an open-ended restarts tail)\n"
	"  --range A:B             steps A .. B-1\n"
	"  --param K=V             override param K (repeatable)\n"
	"  --log                   logarithmic value axes\n"
	"  --channels A,B,...      only these channels, in this order\n"
	"  --compare FILE          overlay FILE's schedule (dashed) on the channels it shares\n"
	"  --compare-schedule NAME the schedule of --compare's FILE (default: its first)\n";

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
static void collect(const anneal_desc *d, int slot, int64_t first, int64_t count, int64_t nbucket, int log,
                    PlotSeries *s)
{
	if (nbucket > count)
		nbucket = count;
	s->nbucket = nbucket;
	s->step = malloc(sizeof *s->step * (size_t)nbucket);
	s->first = malloc(sizeof(double) * (size_t)nbucket);
	s->lo = malloc(sizeof(double) * (size_t)nbucket);
	s->hi = malloc(sizeof(double) * (size_t)nbucket);
	s->last = malloc(sizeof(double) * (size_t)nbucket);
	if (!s->step || !s->first || !s->lo || !s->hi || !s->last) {
		fprintf(stderr, "annealc plot: error: out of memory\n");
		exit(EXIT_USAGE);
	}
	enum { CHUNK = 4096 };
	double buf[CHUNK];
	for (int64_t j = 0; j < nbucket; j++) {
		int64_t a = first + (int64_t)((__int128)j * count / nbucket);
		int64_t b = first + (int64_t)((__int128)(j + 1) * count / nbucket);
		s->step[j] = a;
		s->first[j] = s->lo[j] = s->hi[j] = s->last[j] = NAN;
		if (count <= EXACT_STEPS || b - a <= SAMPLES_PER_BUCKET) {
			for (int64_t k = a; k < b; k += CHUNK) {
				int64_t n = b - k < CHUNK ? b - k : CHUNK;
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

static void term_size(int *cols, int *rows)
{
	const char *c = getenv("COLUMNS"), *l = getenv("LINES");
	struct winsize ws;
	int have = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0;
	*cols = c && atoi(c) > 0 ? atoi(c) : have ? ws.ws_col : 80;
	*rows = l && atoi(l) > 0 ? atoi(l) : have ? ws.ws_row : 24;
}

/* U+2800 + the dot bits, as UTF-8. */
static void put_braille(FILE *out, unsigned bits)
{
	fputc(0xE2, out);
	fputc(0xA0 | (bits >> 6), out);
	fputc(0x80 | (bits & 0x3F), out);
}

static void term_panel(FILE *out, const Plot *pl, const PlotPanel *pp, int cols, int rows, int label_w)
{
	static const unsigned dot[2][4] = { { 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };
	unsigned char *cell = calloc((size_t)cols * (size_t)rows, 1);
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
				double q = pl->log ? (log10(v[k]) - log10(pp->ymin)) / (log10(pp->ymax) - log10(pp->ymin))
				                   : (v[k] - pp->ymin) / (pp->ymax - pp->ymin);
				r[k] = (int)lround((1 - q) * (dots_h - 1));
				r[k] = r[k] < 0 ? 0 : r[k] >= dots_h ? dots_h - 1 : r[k];
			}
			int x = (int)((double)(ps->step[j] - pl->first) / (double)(pl->count > 1 ? pl->count - 1 : 1) *
			              (2 * cols - 1));
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
	/* Labels: the axis limits on the first and last rows, and the ticks
	   between on the rows holding their dots, none on adjacent rows. */
	char (*lab)[16] = calloc((size_t)rows, sizeof *lab);
	plot_fmt_value(lab[0], sizeof lab[0], pp->ymax, pl->log);
	plot_fmt_value(lab[rows - 1], sizeof lab[0], pp->ymin, pl->log);
	double ticks[64];
	int nt = plot_ticks(pp->ymin, pp->ymax, pl->log, rows / 3 + 2, ticks);
	for (int i = 0; i < nt; i++) {
		double q = pl->log ? (log10(ticks[i]) - log10(pp->ymin)) / (log10(pp->ymax) - log10(pp->ymin))
		                   : (ticks[i] - pp->ymin) / (pp->ymax - pp->ymin);
		int y = (int)lround((1 - q) * (dots_h - 1)) / 4;
		if (y < 2 || y > rows - 3 || lab[y - 1][0] || lab[y][0] || lab[y + 1][0])
			continue;
		plot_fmt_value(lab[y], sizeof lab[y], ticks[i], pl->log);
	}
	for (int y = 0; y < rows; y++) {
		fprintf(out, "%*.*s \xe2\x94\x82", label_w, label_w, lab[y]);
		for (int x = 0; x < cols; x++)
			put_braille(out, cell[y * cols + x]);
		fputc('\n', out);
	}
	free(lab);
	free(cell);
	/* Under the curve: ^ at a restart, | at a phase join. */
	fprintf(out, "%*s \xe2\x94\x82", label_w, "");
	char *row = malloc((size_t)cols + 1);
	memset(row, ' ', (size_t)cols);
	row[cols] = '\0';
	for (int i = 0; i < pp->nmark; i++) {
		int x = (int)((double)(pp->mark[i].step - pl->first) / (double)(pl->count > 1 ? pl->count - 1 : 1) * (2 * cols - 1)) / 2;
		if (pp->mark[i].kind == MARK_RESTART && pp->mark[i].cycle == 0)
			continue;
		if (x >= 0 && x < cols && row[x] != '^')
			row[x] = pp->mark[i].kind == MARK_RESTART ? '^' : '|';
	}
	fputs(row, out);
	fputc('\n', out);
	free(row);
}

static void term_write(FILE *out, const Plot *pl, int width, int height)
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
		term_panel(out, pl, pp, cols, rows, label_w);
	}
	/* The step axis: tick labels placed under their columns. */
	double ticks[64];
	int nt = plot_ticks((double)pl->first, (double)(pl->first + pl->count - 1), 0, cols / 12 > 2 ? cols / 12 : 2, ticks);
	char *row = malloc((size_t)cols + 16);
	memset(row, ' ', (size_t)cols + 15);
	row[cols + 15] = '\0';
	int used = -1;
	for (int i = 0; i < nt; i++) {
		char buf[32];
		plot_fmt_steps(buf, sizeof buf, ticks[i]);
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
	free(row);
}

/* ---- the command ---- */

typedef struct Loaded {
	annealc_program *p;
	int index;
	const anneal_desc *d;
} Loaded;

static int load(annealc_jit *jit, const char *path, const char *schedule, const CliParams *ps, Loaded *l)
{
	int status;
	l->p = cli_load(path, schedule, ps, &l->index, &status);
	if (!l->p)
		return status;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	if (annealc_jit_compile(jit, l->p, l->index, &o, &l->d) != ANNEAL_OK)
		return cli_lib_error(annealc_jit_errmsg(jit));
	return EXIT_OK;
}

int cli_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },   { "term", no_argument, NULL, 't' },
		{ "schedule", required_argument, NULL, 's' }, { "steps", required_argument, NULL, 'n' },
		{ "range", required_argument, NULL, 'r' },    { "param", required_argument, NULL, 'p' },
		{ "log", no_argument, NULL, 'l' },            { "channels", required_argument, NULL, 'c' },
		{ "compare", required_argument, NULL, 'C' },  { "compare-schedule", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *schedule = NULL, *channels = NULL, *compare = NULL, *compare_schedule = NULL;
	int term = 0, log = 0, c;
	int64_t first = 0, count = -1;
	CliParams ps = { 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 't': term = 1; break;
		case 's': schedule = optarg; break;
		case 'n':
			if (!cli_parse_count(optarg, &count) || count < 2)
				return cli_usage_error("plot", "--steps expects a count >= 2, got '%s'", optarg);
			first = 0;
			break;
		case 'r':
			if (!strchr(optarg, ':'))
				return cli_usage_error("plot", "--range expects A:B, got '%s'", optarg);
			if (!cli_parse_range(optarg, &first, &count) || count < 2)
				return cli_usage_error("plot", "--range expects A:B with 0 <= A and A + 2 <= B, got '%s'", optarg);
			break;
		case 'p':
			if (cli_add_param(&ps, optarg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'l': log = 1; break;
		case 'c': channels = optarg; break;
		case 'C': compare = optarg; break;
		case 'S': compare_schedule = optarg; break;
		case 'h': fputs(plot_help, stdout); return EXIT_OK;
		default: return cli_usage_error("plot", "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("plot", optind >= argc ? "no input file" : "more than one input file");
	if (!output && !term)
		return cli_usage_error("plot", "give -o OUT.svg or --term");
	if (compare_schedule && !compare)
		return cli_usage_error("plot", "--compare-schedule needs --compare FILE");

	int rc = EXIT_OK;
	Loaded ours = { 0 }, other = { 0 };
	Plot pl = { 0 };
	char params[512] = "", other_label[256] = "";
	annealc_jit *jit;
	if (annealc_jit_new(&cli_sink, &jit) != ANNEAL_OK)
		return EXIT_USAGE;
	if ((rc = load(jit, argv[optind], schedule, &ps, &ours)) != EXIT_OK)
		goto done;
	if (compare && (rc = load(jit, compare, compare_schedule, NULL, &other)) != EXIT_OK)
		goto done;
	const LSchedule *ls = &ours.p->schedule[ours.index];
	const LSchedule *lo = other.p ? &other.p->schedule[other.index] : NULL;

	/* The panels: --channels in its order, else every channel. */
	int chan[ANNEAL_MAX_CHANNELS], nchan = 0;
	if (channels) {
		const char *s = channels;
		while (*s) {
			size_t len = strcspn(s, ",");
			char name[64];
			snprintf(name, sizeof name, "%.*s", (int)len, s);
			int ch = find_channel(ls, name);
			if (ch < 0) {
				char have[256] = "";
				for (int i = 0; i < ls->nchannel; i++)
					snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
					         ls->channel[i].name);
				rc = cli_usage_error("plot", "schedule '%s' has no channel '%s' (it has %s)", ls->name, name, have);
				goto done;
			}
			if (nchan < ANNEAL_MAX_CHANNELS)
				chan[nchan++] = ch;
			s += len + (s[len] == ',');
		}
		if (nchan == 0) {
			rc = cli_usage_error("plot", "--channels names no channel");
			goto done;
		}
	} else {
		for (int i = 0; i < ls->nchannel; i++)
			chan[nchan++] = i;
	}
	if (lo) {
		int shared = 0;
		for (int i = 0; i < nchan; i++)
			shared += find_channel(lo, ls->channel[chan[i]].name) >= 0;
		if (!shared) {
			rc = cli_usage_error("plot", "--compare: schedule '%s' in %s shares no plotted channel with '%s'",
			                     lo->name, compare, ls->name);
			goto done;
		}
	}
	if (count < 0) {
		first = 0;
		count = analyze_default_steps(ours.p, ours.index);
		if (count < 2)
			count = 2;
	}

	for (int i = 0; i < ours.d->nparam; i++)
		snprintf(params + strlen(params), sizeof params - strlen(params), "%s%s = %g", i ? ", " : "",
		         ours.d->param[i].name, ours.d->param[i].value);
	if (lo)
		snprintf(other_label, sizeof other_label, "%s (%.40s)", lo->name,
		         strrchr(compare, '/') ? strrchr(compare, '/') + 1 : compare);

	int width = 0, height = 0;
	if (term)
		term_size(&width, &height);
	int64_t nbucket = term ? 2 * (width - 10 > 10 ? width - 10 : 10) : 2 * (960 - 84 - 28);
	pl.title = ls->name;
	pl.params = params;
	pl.first = first;
	pl.count = count;
	pl.log = log;
	pl.npanel = nchan;
	pl.panel = calloc((size_t)nchan, sizeof *pl.panel);
	for (int i = 0; i < nchan; i++) {
		PlotPanel *pp = &pl.panel[i];
		const LChannel *lc = &ls->channel[chan[i]];
		pp->channel = lc->name;
		pp->series[0].label = ls->name;
		collect(ours.d, lc->slot, first, count, nbucket, log, &pp->series[0]);
		pp->nseries = 1;
		int oc = lo ? find_channel(lo, lc->name) : -1;
		if (oc >= 0) {
			pp->series[1].label = other_label;
			collect(other.d, lo->channel[oc].slot, first, count, nbucket, log, &pp->series[1]);
			pp->nseries = 2;
		}
		pp->mark = malloc(sizeof(Mark) * MAX_MARKS);
		pp->nmark = analyze_marks(ours.p, ours.index, chan[i], first, first + count, pp->mark, MAX_MARKS);
		if (pp->nmark > MAX_MARKS)
			pp->nmark = -1;
		plot_axis_limits(pp, log);
	}

	FILE *out = stdout;
	int to_file = output && strcmp(output, "-") != 0;
	if (to_file && !(out = fopen(output, "w"))) {
		fprintf(stderr, "annealc plot: error: cannot write %s: %s\n", output, strerror(errno));
		rc = EXIT_USAGE;
		goto done;
	}
	if (term)
		term_write(out, &pl, width, height);
	else
		svg_write(out, &pl);
	if ((to_file ? fclose(out) : fflush(out)) != 0 || (!to_file && ferror(out))) {
		fprintf(stderr, "annealc plot: error: writing %s failed\n", to_file ? output : "the output");
		rc = EXIT_USAGE;
	}
done:
	for (int i = 0; i < pl.npanel; i++) {
		for (int s = 0; s < pl.panel[i].nseries; s++) {
			PlotSeries *q = &pl.panel[i].series[s];
			free(q->step);
			free(q->first);
			free(q->lo);
			free(q->hi);
			free(q->last);
		}
		free(pl.panel[i].mark);
	}
	free(pl.panel);
	annealc_jit_free(jit);
	annealc_free(ours.p);
	annealc_free(other.p);
	return rc;
}
