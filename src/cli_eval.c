/* cli_eval.c: `annealc eval` -- a schedule's channels, phase, cycle and events per step, as CSV or JSON. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anneal/anneal.h"
#include "cli.h"

static const char eval_help[] =
	"usage: annealc eval FILE [options]\n"
	"Print one row per step: step, every channel the schedule defines, phase, cycle, events.\n"
	"\n"
	"  --schedule NAME   the schedule to run (default: the first in FILE)\n"
	"  --steps N         steps 0 .. N-1 (default: the schedule's horizon, else 100)\n"
	"  --range A:B       steps A .. B-1\n"
	"  --param K=V       override param K (repeatable)\n"
	"  --format csv|json output format (default csv)\n"
	"  --interp          use the reference interpreter instead of the JIT\n"
	"  -O LEVEL          JIT optimisation level 0..3 (default 2)\n";

/* The hook's name in the events column, libanneal's text of it: restart,
   every:N, at:N, enter:LABEL (a label is a name of at most 128 bytes). */
static void print_hook(FILE *out, const anneal_hook *h)
{
	char text[160];
	anneal_hook_event_text(h, text, sizeof text, NULL);
	fputs(text, out);
}

static void print_value(FILE *out, double v, int json)
{
	if (json && !isfinite(v))
		fputs("null", out);
	else
		fprintf(out, "%.17g", v);
}

static void print_row(FILE *out, const anneal_desc *d, int64_t step, const anneal_point *pt, int json, int first)
{
	if (json) {
		fprintf(out, "%s\n  {\"step\": %" PRId64, first ? "" : ",", step);
		for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
			if (d->channels & (1u << c)) {
				fprintf(out, ", \"%s\": ", d->channel_name[c]);
				print_value(out, pt->value[c], 1);
			}
		fprintf(out, ", \"phase\": %d, \"cycle\": %" PRId64 ", \"events\": [", pt->phase, pt->cycle);
		for (int h = 0, n = 0; h < d->nhook; h++)
			if (pt->events & (UINT64_C(1) << h)) {
				fputs(n++ ? ", \"" : "\"", out);
				print_hook(out, &d->hook[h]);
				fputc('"', out);
			}
		fputs("]}", out);
		return;
	}
	fprintf(out, "%" PRId64, step);
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++)
		if (d->channels & (1u << c)) {
			fputc(',', out);
			print_value(out, pt->value[c], 0);
		}
	fprintf(out, ",%d,%" PRId64 ",", pt->phase, pt->cycle);
	for (int h = 0, n = 0; h < d->nhook; h++)
		if (pt->events & (UINT64_C(1) << h)) {
			if (n++)
				fputc('+', out);
			print_hook(out, &d->hook[h]);
		}
	fputc('\n', out);
}

/* What `annealc eval` was asked for. */
typedef struct EvalArgs {
	const char *schedule, *format;
	CliSteps steps; /* count -1: the schedule's horizon, or 100 */
	int interp, opt_level;
	CliParams params;
} EvalArgs;

/* argv's options into a; -1 to go on, else the exit status (after --help
   or a usage error). */
static int eval_options(int argc, char **argv, EvalArgs *a)
{
	static const struct option opts[] = {
		{ "schedule", required_argument, NULL, 's' }, { "steps", required_argument, NULL, 'n' },
		{ "range", required_argument, NULL, 'r' },    { "param", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },   { "interp", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	*a = (EvalArgs){ .format = "csv", .steps = CLI_STEPS_INIT, .opt_level = 2 };
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "hO:", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->schedule = optarg; break;
		case 'n':
		case 'r':
			if (cli_steps_option("eval", c, optarg, 0, &a->steps) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'p':
			if (cli_add_param(&a->params, optarg) != EXIT_OK)
				return EXIT_USAGE;
			break;
		case 'f':
			if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0)
				return cli_usage_error("eval", "--format expects csv or json, got '%s'", optarg);
			a->format = optarg;
			break;
		case 'i': a->interp = 1; break;
		case 'O':
			if (optarg[0] < '0' || optarg[0] > '3' || optarg[1] != '\0')
				return cli_usage_error("eval", "-O expects 0, 1, 2 or 3, got '%s'", optarg);
			a->opt_level = optarg[0] - '0';
			break;
		case 'h': fputs(eval_help, stdout); return EXIT_OK;
		default: return cli_usage_error("eval", "bad option");
		}
	}
	if (cli_steps_check("eval", &a->steps) != EXIT_OK)
		return EXIT_USAGE;
	if (optind != argc - 1)
		return cli_usage_error("eval", optind >= argc ? "no input file" : "more than one input file");
	return -1;
}

/* The steps a asks for, from the interpreter or d's compiled eval, as a
   CSV table with its header or a JSON array. */
static void print_table(FILE *out, annealc_program *p, int index, const anneal_desc *d, const EvalArgs *a)
{
	int json = strcmp(a->format, "json") == 0;
	if (json) {
		fputc('[', out);
	} else {
		fputs("step", out);
		for (int ch = 0; ch < ANNEAL_MAX_CHANNELS; ch++)
			if (d->channels & (1u << ch))
				fprintf(out, ",%s", d->channel_name[ch]);
		fputs(",phase,cycle,events\n", out);
	}
	for (int64_t i = 0; i < a->steps.count; i++) {
		int64_t step = a->steps.first + i;
		anneal_point pt;
		if (a->interp)
			annealc_interp_eval(p, index, step, NULL, &pt);
		else
			d->eval(step, NULL, &pt);
		print_row(out, d, step, &pt, json, i == 0);
	}
	if (json)
		fputs("\n]\n", out);
}

int cli_eval(int argc, char **argv)
{
	EvalArgs a;
	int status = eval_options(argc, argv, &a), index;
	if (status >= 0)
		return status;
	annealc_program *p = cli_load(argv[optind], a.schedule, &a.params, &index, &status);
	if (!p)
		return status;
	annealc_jit *jit = NULL;
	const anneal_desc *d = annealc_describe(p, index);
	if (!a.interp) {
		d = cli_compile_jit(p, index, a.opt_level, &jit);
		if (!d) {
			annealc_jit_free(jit);
			annealc_free(p);
			return EXIT_USAGE;
		}
	}
	if (a.steps.count < 0)
		a.steps.count = d->horizon > 0 ? d->horizon : 100;
	print_table(stdout, p, index, d, &a);
	annealc_jit_free(jit);
	annealc_free(p);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "annealc eval: error: writing the output failed\n");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
