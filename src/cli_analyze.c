/* cli_analyze.c: `annealc analyze` -- the command line over annealc_analyze. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char analyze_help[] =
	"usage: annealc analyze FILE [options]\n"
	"Report, per channel over the horizon: smallest and largest value and where, monotone\n"
	"stretches, restart steps and cycle lengths, sum(lr) and sum(lr^2), the jump at every\n"
	"phase join, cycles cut short, negative or non-finite values, and whether an open-ended\n"
	"lr tail meets the Robbins-Monro conditions. Exit status 1 when an error is found.\n"
	"\n"
	"  --schedule NAME       the schedule to analyze (default: the first in FILE)\n"
	"  --steps N             steps 0 .. N-1 (default: the horizon, else the `total` param,\n"
	"                        else three cycles of an open-ended restarts tail)\n"
	"  --param K=V           override param K (repeatable)\n"
	"  --join-tolerance F    warn when a phase join's first value is off the previous\n"
	"                        phase's extrapolation by more than F of the peak (default 0.05)\n"
	"  --curvature L         warn when a cycle's lr peak exceeds the stability bound 4/L\n"
	"  --batch B --base-batch B0\n"
	"                        the lr peak scaled linearly to batch B from B0\n"
	"  --format text|json    output format (default text)\n";

static int parse_positive(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v) || v <= 0)
		return 0;
	*out = v;
	return 1;
}

/* What `annealc analyze` was asked for. */
typedef struct AnalyzeArgs {
	const char *schedule;
	annealc_analyze_options o;
	CliParams params;
} AnalyzeArgs;

/* argv's options into a; -1 to go on, else the exit status (after --help
   or a usage error). */
static int analyze_options(int argc, char **argv, AnalyzeArgs *a)
{
	static const struct option opts[] = {
		{ "schedule", required_argument, NULL, 's' },       { "steps", required_argument, NULL, 'n' },
		{ "param", required_argument, NULL, 'p' },          { "join-tolerance", required_argument, NULL, 'j' },
		{ "curvature", required_argument, NULL, 'L' },      { "batch", required_argument, NULL, 'b' },
		{ "base-batch", required_argument, NULL, 'B' },     { "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },                 { NULL, 0, NULL, 0 },
	};
	*a = (AnalyzeArgs){ .o = ANNEALC_ANALYZE_OPTIONS_INIT };
	annealc_analyze_options *o = &a->o;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 's': a->schedule = optarg; break;
		case 'n':
			if (!cli_parse_count(optarg, &o->steps) || o->steps < 1)
				return cli_usage_error("analyze", "--steps expects a count >= 1, got '%s'", optarg);
			break;
		case 'p':
			if (cli_add_param(&a->params, optarg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'j':
			errno = 0;
			o->join_tolerance = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(o->join_tolerance >= 0) || !isfinite(o->join_tolerance))
				return cli_usage_error("analyze", "--join-tolerance expects a fraction >= 0, got '%s'", optarg);
			break;
		case 'L':
			if (!parse_positive(optarg, &o->curvature))
				return cli_usage_error("analyze", "--curvature expects a number > 0, got '%s'", optarg);
			break;
		case 'b':
			if (!parse_positive(optarg, &o->batch))
				return cli_usage_error("analyze", "--batch expects a number > 0, got '%s'", optarg);
			break;
		case 'B':
			if (!parse_positive(optarg, &o->base_batch))
				return cli_usage_error("analyze", "--base-batch expects a number > 0, got '%s'", optarg);
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0)
				return cli_usage_error("analyze", "--format expects text or json, got '%s'", optarg);
			o->json = strcmp(optarg, "json") == 0;
			break;
		case 'h': fputs(analyze_help, stdout); return EXIT_OK;
		default: return cli_usage_error("analyze", "bad option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("analyze", optind >= argc ? "no input file" : "more than one input file");
	if ((o->batch > 0) != (o->base_batch > 0))
		return cli_usage_error("analyze", "--batch and --base-batch go together");
	return -1;
}

int cli_analyze(int argc, char **argv)
{
	AnalyzeArgs a;
	int status = analyze_options(argc, argv, &a), index;
	if (status >= 0)
		return status;
	annealc_program *p = cli_load(argv[optind], a.schedule, &a.params, &index, &status);
	if (!p)
		return status;
	int32_t errors = 0;
	anneal_status st = annealc_analyze(p, index, &a.o, stdout, &errors);
	if (st != ANNEAL_OK)
		cli_lib_error(annealc_errmsg(p));
	annealc_free(p);
	if (st != ANNEAL_OK)
		return EXIT_USAGE;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "annealc analyze: error: writing the output failed\n");
		return EXIT_USAGE;
	}
	return errors ? EXIT_DIAGNOSTICS : EXIT_OK;
}
