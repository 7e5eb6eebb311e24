/* cli_plot.c: `annealc plot` -- the command line over annealc_plot. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

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

/* The terminal's size: COLUMNS and LINES, else the terminal, else 80x24. */
static void term_size(int32_t *cols, int32_t *rows)
{
	const char *c = getenv("COLUMNS"), *l = getenv("LINES");
	struct winsize ws;
	int have = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0;
	*cols = c && atoi(c) > 0 ? atoi(c) : have ? ws.ws_col : 80;
	*rows = l && atoi(l) > 0 ? atoi(l) : have ? ws.ws_row : 24;
}

/* What `annealc plot` was asked for. */
typedef struct PlotArgs {
	const char *output, *schedule, *channels, *compare, *compare_schedule;
	int term, log;
	CliSteps steps; /* count -1: the schedule's own default */
	CliParams params;
} PlotArgs;

/* argv's options into a; -1 to go on, else the exit status (after --help
   or a usage error). */
static int plot_options(int argc, char **argv, PlotArgs *a)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },   { "term", no_argument, NULL, 't' },
		{ "schedule", required_argument, NULL, 's' }, { "steps", required_argument, NULL, 'n' },
		{ "range", required_argument, NULL, 'r' },    { "param", required_argument, NULL, 'p' },
		{ "log", no_argument, NULL, 'l' },            { "channels", required_argument, NULL, 'c' },
		{ "compare", required_argument, NULL, 'C' },  { "compare-schedule", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	*a = (PlotArgs){ .steps = CLI_STEPS_INIT };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': a->output = optarg; break;
		case 't': a->term = 1; break;
		case 's': a->schedule = optarg; break;
		case 'n':
		case 'r':
			if (cli_steps_option("plot", c, optarg, 2, &a->steps) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'p':
			if (cli_add_param(&a->params, optarg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'l': a->log = 1; break;
		case 'c': a->channels = optarg; break;
		case 'C': a->compare = optarg; break;
		case 'S': a->compare_schedule = optarg; break;
		case 'h': fputs(plot_help, stdout); return EXIT_OK;
		default: return cli_usage_error("plot", "bad option");
		}
	}
	if (cli_steps_check("plot", &a->steps) != EXIT_OK)
		return EXIT_USAGE;
	if (optind != argc - 1)
		return cli_usage_error("plot", optind >= argc ? "no input file" : "more than one input file");
	if (!a->output && !a->term)
		return cli_usage_error("plot", "give -o OUT.svg or --term");
	if (a->compare_schedule && !a->compare)
		return cli_usage_error("plot", "--compare-schedule needs --compare FILE");
	return -1;
}

/* The figure of p's schedule index (against other's, when given) to a's
   output or stdout; the exit status. */
static int draw(annealc_program *p, int index, annealc_program *other, int other_index, const PlotArgs *a)
{
	annealc_plot_options po = ANNEALC_PLOT_OPTIONS_INIT;
	po.first = a->steps.first;
	po.count = a->steps.count < 0 ? 0 : a->steps.count;
	po.log = a->log;
	po.term = a->term;
	po.channels = a->channels;
	po.compare = other;
	po.compare_schedule = other_index;
	if (a->term)
		term_size(&po.columns, &po.rows);

	FILE *out = stdout;
	int to_file = a->output && strcmp(a->output, "-") != 0;
	/* The output is opened only once the schedules load, so a bad
	   schedule leaves an existing figure alone. */
	if (to_file && !(out = fopen(a->output, "w"))) {
		fprintf(stderr, "annealc plot: error: cannot write %s: %s\n", a->output, strerror(errno));
		return EXIT_USAGE;
	}
	anneal_status st = annealc_plot(p, index, &po, out);
	int rc = EXIT_OK;
	if (st == ANNEAL_ERR_INVALID)
		rc = cli_usage_error("plot", "%s", annealc_errmsg(p));
	else if (st != ANNEAL_OK)
		rc = cli_lib_error(annealc_errmsg(p));
	if ((to_file ? fclose(out) : fflush(out)) != 0 || (!to_file && ferror(out))) {
		fprintf(stderr, "annealc plot: error: writing %s failed\n", to_file ? a->output : "the output");
		rc = EXIT_USAGE;
	}
	return rc;
}

int cli_plot(int argc, char **argv)
{
	PlotArgs a;
	int rc = plot_options(argc, argv, &a), index, other_index = 0;
	if (rc >= 0)
		return rc;
	annealc_program *p = cli_load(argv[optind], a.schedule, &a.params, &index, &rc), *other = NULL;
	if (!p)
		return rc;
	if (a.compare && !(other = cli_load(a.compare, a.compare_schedule, NULL, &other_index, &rc))) {
		annealc_free(p);
		return rc;
	}
	rc = draw(p, index, other, other_index, &a);
	annealc_free(p);
	annealc_free(other);
	return rc;
}
