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
	int steps_given = 0, range_given = 0; /* the two ways to give the steps: one at most */
	CliParams ps = { 0 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 't': term = 1; break;
		case 's': schedule = optarg; break;
		case 'n':
			steps_given = 1;
			if (!cli_parse_count(optarg, &count) || count < 2)
				return cli_usage_error("plot", "--steps expects a count >= 2, got '%s'", optarg);
			first = 0;
			break;
		case 'r':
			range_given = 1;
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
	if (steps_given && range_given)
		return cli_usage_error("plot", "--steps and --range both give the steps; use one");
	if (optind != argc - 1)
		return cli_usage_error("plot", optind >= argc ? "no input file" : "more than one input file");
	if (!output && !term)
		return cli_usage_error("plot", "give -o OUT.svg or --term");
	if (compare_schedule && !compare)
		return cli_usage_error("plot", "--compare-schedule needs --compare FILE");

	annealc_program *p = NULL, *other = NULL;
	int rc, index, other_index = 0;
	if (!(p = cli_load(argv[optind], schedule, &ps, &index, &rc)))
		return rc;
	if (compare && !(other = cli_load(compare, compare_schedule, NULL, &other_index, &rc))) {
		annealc_free(p);
		return rc;
	}
	annealc_plot_options po = ANNEALC_PLOT_OPTIONS_INIT;
	po.first = first;
	po.count = count < 0 ? 0 : count;
	po.log = log;
	po.term = term;
	po.channels = channels;
	po.compare = other;
	po.compare_schedule = other_index;
	if (term)
		term_size(&po.columns, &po.rows);

	FILE *out = stdout;
	int to_file = output && strcmp(output, "-") != 0;
	/* The output is opened only once the schedules load, so a bad
	   schedule leaves an existing figure alone. */
	if (to_file && !(out = fopen(output, "w"))) {
		fprintf(stderr, "annealc plot: error: cannot write %s: %s\n", output, strerror(errno));
		rc = EXIT_USAGE;
		goto done;
	}
	anneal_status st = annealc_plot(p, index, &po, out);
	rc = EXIT_OK;
	if (st == ANNEAL_ERR_INVALID)
		rc = cli_usage_error("plot", "%s", annealc_errmsg(p));
	else if (st != ANNEAL_OK)
		rc = cli_lib_error(annealc_errmsg(p));
	if ((to_file ? fclose(out) : fflush(out)) != 0 || (!to_file && ferror(out))) {
		fprintf(stderr, "annealc plot: error: writing %s failed\n", to_file ? output : "the output");
		rc = EXIT_USAGE;
	}
done:
	annealc_free(p);
	annealc_free(other);
	return rc;
}
