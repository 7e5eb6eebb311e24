/* lib_util.h: the tests' and benchmarks' shorthands over libannealc's status-returning calls, failing loudly. */
#ifndef ANNEAL_TEST_LIB_UTIL_H
#define ANNEAL_TEST_LIB_UTIL_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "anneal/annealc.h"

/* A program from text, diagnostics to diag (NULL: quiet); NULL when it does not check. */
static inline annealc_program *test_load(const char *path, const char *text, FILE *diag, anneal_status *st)
{
	annealc_program *p;
	annealc_sink sink = { diag, NULL, NULL };
	anneal_status s = annealc_load_buffer(path, text, strlen(text), &sink, &p);
	if (st)
		*st = s;
	return p;
}

static inline annealc_program *test_load_file(const char *path)
{
	annealc_program *p;
	annealc_sink sink = { stderr, NULL, NULL };
	annealc_load_file(path, &sink, &p);
	return p;
}

static inline annealc_jit *test_jit_new(void)
{
	annealc_jit *j;
	annealc_sink sink = { stderr, NULL, NULL };
	return annealc_jit_new(&sink, &j) == ANNEAL_OK ? j : NULL;
}

/* The compiled descriptor, or NULL with the JIT's message on stderr. */
static inline const anneal_desc *test_compile(annealc_jit *j, annealc_program *p, int schedule,
                                              const annealc_options *o)
{
	const anneal_desc *d = NULL;
	if (annealc_jit_compile(j, p, schedule, o, &d) != ANNEAL_OK)
		fprintf(stderr, "annealc_jit_compile: %s\n", annealc_jit_errmsg(j));
	return d;
}

/* Resident memory in KiB, from /proc/self/statm: the memory-bound tests. */
static inline long test_rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#endif
