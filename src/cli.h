/* cli.h: the annealc command line -- subcommands share loading, params and exit codes. */
#ifndef ANNEALC_CLI_H
#define ANNEALC_CLI_H

#include <stdint.h>

#include "anneal/annealc.h"

/* Exit codes, listed in the README. */
enum {
	EXIT_OK = 0,
	EXIT_DIAGNOSTICS = 1, /* the schedule file has errors */
	EXIT_USAGE = 2        /* bad command line, unreadable file, failed output */
};

/* --param K=V, collected before the file is loaded. */
typedef struct CliParams {
	int n;
	char name[64][136]; /* copies: no allocation to free on every exit path */
	double value[64];
} CliParams;

/* Diagnostics to stderr as annealc has always printed them: a message
   with no place in a file gets the "annealc: " prefix. */
extern const annealc_sink cli_sink;
/* The exit code for a library status. */
int cli_exit_code(anneal_status st);
/* "annealc: error: MESSAGE" on stderr; returns EXIT_USAGE. */
int cli_lib_error(const char *message);

int cli_add_param(CliParams *ps, const char *arg);
/* Loads path, finds the schedule (NULL: the first) and applies params;
   on failure prints why and returns NULL with *status set. */
annealc_program *cli_load(const char *path, const char *schedule, const CliParams *ps, int *index, int *status);
/* A step count: decimal, >= 0, fits int64. */
int cli_parse_count(const char *s, int64_t *out);
/* --range A:B as first = A, count = B - A; 0 when malformed or B < A. */
int cli_parse_range(const char *s, int64_t *first, int64_t *count);

/* The steps eval and plot read: --steps N (from 0) or --range A:B, one of
   the two at most. count -1 until one is given. */
typedef struct CliSteps {
	int64_t first, count;
	int steps_given, range_given;
} CliSteps;
#define CLI_STEPS_INIT { 0, -1, 0, 0 }
/* Option 'n' (--steps) or 'r' (--range) of cmd with its argument, at least
   min_count steps: EXIT_OK, or a usage error's status. */
int cli_steps_option(const char *cmd, int opt, const char *arg, int64_t min_count, CliSteps *st);
/* After the options: EXIT_OK, or a usage error's when both were given. */
int cli_steps_check(const char *cmd, const CliSteps *st);
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JIT and p's schedule `index` compiled at opt_level; NULL after a message. */
const anneal_desc *cli_compile_jit(annealc_program *p, int index, int opt_level, annealc_jit **jit);

int cli_eval(int argc, char **argv);
int cli_compile(int argc, char **argv);
int cli_plot(int argc, char **argv);
int cli_analyze(int argc, char **argv);
int cli_fmt(int argc, char **argv);

#endif
