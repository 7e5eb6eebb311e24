/* cli_main.c: annealc's entry point -- dispatches each command, and shares their helpers. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli.h"

static const char usage[] =
	"usage: annealc COMMAND [options] FILE\n"
	"\n"
	"commands:\n"
	"  check FILE...     report diagnostics; exit 0 when every file is clean\n"
	"  eval FILE         print the schedule's channels and events step by step\n"
	"  compile FILE      compile to an object, assembly, LLVM IR or bitcode, and a C header\n"
	"  plot FILE         draw the channels as an SVG figure (-o) or in the terminal (--term)\n"
	"  analyze FILE      range, monotone stretches, restarts, sums, joins, Robbins-Monro per channel\n"
	"  fmt FILE...       print (-i: rewrite) files in the canonical layout; --check lists the others\n"
	"\n"
	"Run 'annealc COMMAND --help' for a command's options.\n"
	"Exit status: 0 success, 1 errors in a schedule file, 2 usage or system error.\n";

static void print_diagnostic(void *user, const annealc_diagnostic *d)
{
	fprintf(stderr, "%s%s", d->line == 0 ? "annealc: " : "", d->text);
}

const annealc_sink cli_sink = { NULL, print_diagnostic, NULL };

int cli_exit_code(anneal_status st)
{
	switch (st) {
	case ANNEAL_OK: return EXIT_OK;
	case ANNEAL_ERR_INPUT: return EXIT_DIAGNOSTICS;
	default: return EXIT_USAGE;
	}
}

int cli_lib_error(const char *message)
{
	fprintf(stderr, "annealc: error: %s\n", message);
	return EXIT_USAGE;
}

const anneal_desc *cli_compile_jit(annealc_program *p, int index, int opt_level, annealc_jit **jit)
{
	const anneal_desc *d = NULL;
	if (annealc_jit_new(&cli_sink, jit) != ANNEAL_OK)
		return NULL;
	annealc_options o = ANNEALC_OPTIONS_INIT;
	o.opt_level = opt_level;
	if (annealc_jit_compile(*jit, p, index, &o, &d) != ANNEAL_OK)
		cli_lib_error(annealc_jit_errmsg(*jit));
	return d;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "annealc%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	fprintf(stderr, "Run 'annealc%s%s --help' for usage.\n", cmd ? " " : "", cmd ? cmd : "");
	return EXIT_USAGE;
}

int cli_parse_count(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || v < 0)
		return 0;
	*out = v;
	return 1;
}

int cli_parse_range(const char *s, int64_t *first, int64_t *count)
{
	const char *colon = strchr(s, ':');
	char left[32];
	int64_t a, b;
	if (!colon || (size_t)(colon - s) >= sizeof left)
		return 0;
	memcpy(left, s, (size_t)(colon - s));
	left[colon - s] = '\0';
	if (!cli_parse_count(left, &a) || !cli_parse_count(colon + 1, &b) || b < a)
		return 0;
	*first = a;
	*count = b - a;
	return 1;
}

int cli_steps_option(const char *cmd, int opt, const char *arg, int64_t min_count, CliSteps *st)
{
	if (opt == 'n') {
		st->steps_given = 1;
		st->first = 0;
		if (!cli_parse_count(arg, &st->count) || st->count < min_count)
			return cli_usage_error(cmd, "--steps expects a count >= %" PRId64 ", got '%s'", min_count, arg);
		return EXIT_OK;
	}
	st->range_given = 1;
	if (!strchr(arg, ':'))
		return cli_usage_error(cmd, "--range expects A:B, got '%s'", arg);
	if (!cli_parse_range(arg, &st->first, &st->count) || st->count < min_count) {
		if (min_count == 0)
			return cli_usage_error(cmd, "--range expects A:B with 0 <= A <= B, got '%s'", arg);
		return cli_usage_error(cmd, "--range expects A:B with 0 <= A and A + %" PRId64 " <= B, got '%s'",
		                       min_count, arg);
	}
	return EXIT_OK;
}

int cli_steps_check(const char *cmd, const CliSteps *st)
{
	if (st->steps_given && st->range_given)
		return cli_usage_error(cmd, "--steps and --range both give the steps; use one");
	return EXIT_OK;
}

int cli_add_param(CliParams *ps, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return cli_usage_error(NULL, "--param expects NAME=VALUE, got '%s'", arg);
	char *end;
	errno = 0;
	double v = strtod(eq + 1, &end);
	/* ERANGE alone is no error: strtod sets it for subnormals (4.9e-324) too. */
	if (eq[1] == '\0' || *end != '\0' || !isfinite(v))
		return cli_usage_error(NULL, "--param %.*s: '%s' is not a finite number", (int)(eq - arg), arg, eq + 1);
	if (ps->n == (int)(sizeof ps->name / sizeof ps->name[0]))
		return cli_usage_error(NULL, "too many --param options");
	if ((size_t)(eq - arg) >= sizeof ps->name[0])
		return cli_usage_error(NULL, "--param %.*s...: the name is too long", 32, arg);
	memcpy(ps->name[ps->n], arg, (size_t)(eq - arg));
	ps->name[ps->n][eq - arg] = '\0';
	ps->value[ps->n] = v;
	ps->n++;
	return EXIT_OK;
}

annealc_program *cli_load(const char *path, const char *schedule, const CliParams *ps, int *index, int *status)
{
	annealc_program *p;
	*status = cli_exit_code(annealc_load_file(path, &cli_sink, &p));
	if (!p)
		return NULL;
	*index = annealc_schedule_find(p, schedule);
	if (*index < 0) {
		fprintf(stderr, "annealc: error: %s has no schedule '%s'\n", path, schedule);
		*status = EXIT_USAGE;
		annealc_free(p);
		return NULL;
	}
	for (int i = 0; ps && i < ps->n; i++) {
		anneal_status st = annealc_set_param(p, *index, ps->name[i], ps->value[i], &cli_sink);
		if (st != ANNEAL_OK) {
			/* An unknown name is a usage error; a value that breaks
			   the schedule is reported as diagnostics in the file. */
			*status = cli_exit_code(st);
			annealc_free(p);
			return NULL;
		}
	}
	*status = EXIT_OK;
	return p;
}

/* check FILE... */
static int cli_check(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("usage: annealc check FILE...\n"
		      "Parse and check each file, printing every diagnostic as FILE:LINE:COL.\n"
		      "Exit status: 0 clean, 1 diagnostics, 2 a file could not be read.\n",
		      stdout);
		return EXIT_OK;
	}
	if (argc < 2)
		return cli_usage_error("check", "no input file");
	int worst = EXIT_OK;
	for (int i = 1; i < argc; i++) {
		annealc_program *p;
		int status = cli_exit_code(annealc_load_file(argv[i], &cli_sink, &p));
		annealc_free(p);
		if (status > worst)
			worst = status;
	}
	return worst;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		puts("annealc " PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (strcmp(cmd, "check") == 0)
		return cli_check(argc - 1, argv + 1);
	if (strcmp(cmd, "eval") == 0)
		return cli_eval(argc - 1, argv + 1);
	if (strcmp(cmd, "compile") == 0)
		return cli_compile(argc - 1, argv + 1);
	if (strcmp(cmd, "plot") == 0)
		return cli_plot(argc - 1, argv + 1);
	if (strcmp(cmd, "analyze") == 0)
		return cli_analyze(argc - 1, argv + 1);
	if (strcmp(cmd, "fmt") == 0)
		return cli_fmt(argc - 1, argv + 1);
	return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
