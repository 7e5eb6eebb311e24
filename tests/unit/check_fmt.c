/* check_fmt.c: annealc_format's promises, over every schedule file of the project and over
   random programs -- a second pass changes nothing, the lowered form (or the list of errors)
   is the same, and spacing within a line does not change the layout. */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"
#include "gen_program.h"
#include "parser.h"

enum { RANDOM_PROGRAMS = 300 };

static char *format(const char *text, size_t len, size_t *out_len, anneal_status *st)
{
	char *out;
	*st = annealc_format("<test>", text, len, NULL, &out, out_len);
	return out;
}

static void add_message(void *user, const annealc_diagnostic *d)
{
	fprintf(user, "%d %s\n", d->severity, d->message);
}

/* What text means to the compiler: every schedule's lowered form with its
   param values, or, when it does not check, its messages without places. */
static char *meaning(const char *text, size_t len)
{
	char *buf;
	size_t n;
	FILE *out = open_memstream(&buf, &n);
	ck_assert_ptr_nonnull(out);
	annealc_sink sink = { NULL, add_message, out };
	annealc_program *p;
	if (annealc_load_buffer("<test>", text, len, &sink, &p) == ANNEAL_OK)
		for (int i = 0; i < p->nschedule; i++)
			dump_schedule(out, &p->schedule[i]);
	annealc_free(p);
	fclose(out);
	return buf;
}

/* Formats text and checks the promises; returns the layout (NULL when the text does not parse). */
static char *check_layout(const char *what, const char *text, size_t len)
{
	size_t n1, n2;
	anneal_status st;
	char *once = format(text, len, &n1, &st);
	if (st == ANNEAL_ERR_INPUT) { /* a syntax error: the loader refuses it too */
		annealc_program *p;
		ck_assert_msg(annealc_load_buffer("<test>", text, len, NULL, &p) == ANNEAL_ERR_INPUT,
		              "%s: fmt refused a file that loads", what);
		return NULL;
	}
	ck_assert_msg(st == ANNEAL_OK, "%s: annealc_format: %s", what, anneal_status_text(st));
	char *twice = format(once, n1, &n2, &st);
	ck_assert_msg(st == ANNEAL_OK && n1 == n2 && memcmp(once, twice, n1) == 0,
	              "%s: a second pass changes the layout:\n%s\n---\n%s", what, once, twice ? twice : "");
	char *before = meaning(text, len), *after = meaning(once, n1);
	ck_assert_msg(strcmp(before, after) == 0, "%s: formatting changed what it means:\n%s\n---\n%s", what, before,
	              after);
	free(before);
	free(after);
	free(twice);
	return once;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = malloc(1 << 24);
	*len = fread(buf, 1, (1 << 24) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

START_TEST(project_files)
{
	static const char *const patterns[] = { "examples/*.anneal", "examples/*/*.anneal", "tests/*/*.anneal",
		                                "tests/golden/*/*.anneal" };
	const char *src = getenv("srcdir");
	int files = 0, parsed = 0;
	for (size_t k = 0; k < sizeof patterns / sizeof *patterns; k++) {
		char pattern[512];
		snprintf(pattern, sizeof pattern, "%s/%s", src ? src : ".", patterns[k]);
		glob_t g;
		if (glob(pattern, 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++) {
			size_t len;
			char *text = read_file(g.gl_pathv[i], &len);
			char *layout = check_layout(g.gl_pathv[i], text, len);
			files++;
			parsed += layout != NULL;
			free(layout);
			free(text);
		}
		globfree(&g);
	}
	ck_assert_msg(files > 150 && parsed > 100, "only %d files (%d parse) under %s", files, parsed,
	              src ? src : ".");
}
END_TEST

static int wordish(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* Whether two tokens written with nothing between them would lex as others. */
static int would_join(char last, char first)
{
	char pair[3] = { last, first, 0 };
	return (wordish(last) && wordish(first)) || strstr("== != <= >= && ||", pair) != NULL;
}

/* text with the blanks between two tokens on a line replaced by a random
   run of 0 to 3 spaces and tabs (at least one where the tokens would join). */
static char *respace(const char *text, uint64_t *state)
{
	size_t n = strlen(text);
	char *out = malloc(4 * n + 4), *o = out;
	Arena arena = { 0 };
	Src src = { "<respace>", text, n };
	Diag quiet = { .src = &src };
	Lexer lx = { .cur = text, .line_start = text, .lim = text + n, .line = 1, .arena = &arena, .diag = &quiet };
	lx.keep_comments = 1;
	const char *prev_end = text;
	for (;;) {
		YYSTYPE val;
		YYLTYPE loc;
		int kind = lex_next(&val, &loc, &lx);
		const char *start = kind ? lx.tok : lx.lim;
		if (prev_end > text && kind && !memchr(prev_end, '\n', (size_t)(start - prev_end))) {
			int blanks = (int)(gen_next(state) % 4);
			if (blanks == 0 && would_join(prev_end[-1], start[0]))
				blanks = 1;
			while (blanks-- > 0)
				*o++ = gen_next(state) % 2 ? ' ' : '\t';
		} else {
			memcpy(o, prev_end, (size_t)(start - prev_end));
			o += start - prev_end;
		}
		memcpy(o, start, (size_t)(lx.cur - start));
		o += lx.cur - start;
		prev_end = lx.cur;
		if (!kind)
			break;
	}
	*o = '\0';
	arena_free(&arena);
	return out;
}

START_TEST(random_programs)
{
	static char text[1 << 16];
	uint64_t state = 0x5eed;
	for (int i = 0; i < RANDOM_PROGRAMS; i++) {
		gen_program((uint64_t)i * 7919 + 1, "r", text, sizeof text);
		char what[64];
		snprintf(what, sizeof what, "random program %d", i);
		char *layout = check_layout(what, text, strlen(text));
		ck_assert_msg(layout != NULL, "%s does not parse:\n%s", what, text);
		char *spaced = respace(text, &state);
		size_t n;
		anneal_status st;
		char *again = format(spaced, strlen(spaced), &n, &st);
		ck_assert_msg(st == ANNEAL_OK && strcmp(again, layout) == 0,
		              "%s: blanks within lines changed the layout:\n%s\n---\n%s\n---\n%s", what, spaced, layout,
		              again ? again : "");
		free(again);
		free(spaced);
		free(layout);
	}
}
END_TEST

static void keep_message(void *user, const annealc_diagnostic *d)
{
	snprintf(user, 512, "%s", d->text);
}

/* Each refusal of annealc_format says why, and leaves no output. */
START_TEST(api_errors)
{
	char msg[512] = "", *out = (char *)1;
	size_t len = 1;
	annealc_sink sink = { NULL, keep_message, msg };
	ck_assert_int_eq(annealc_format("x", "schedule a { lr = 1; }", 22, &sink, NULL, &len), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(msg, "error: annealc_format: out is NULL\n");
	ck_assert_int_eq(annealc_format("x", "schedule a { lr = 1; }", 22, &sink, &out, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(msg, "error: annealc_format: out_len is NULL\n");
	ck_assert_int_eq(annealc_format("x", NULL, 5, &sink, &out, &len), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(msg, "error: annealc_format: text is NULL\n");

	ck_assert_int_eq(annealc_format("bad.anneal", "schedule a { lr = ; }", 21, &sink, &out, &len), ANNEAL_ERR_INPUT);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(len, 0);
	ck_assert_msg(strncmp(msg, "bad.anneal:1:19: error: ", 24) == 0, "%s", msg);

	ck_assert_int_eq(annealc_format("empty.anneal", "# nothing\n", 10, &sink, &out, &len), ANNEAL_ERR_INPUT);
	ck_assert_msg(strstr(msg, "empty file") != NULL, "%s", msg);

	size_t big = (16u << 20) + 1;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	ck_assert_int_eq(annealc_format("huge.anneal", huge, big, &sink, &out, &len), ANNEAL_ERR_INPUT);
	ck_assert_msg(strstr(msg, "huge.anneal:1:1: error: file is larger than 16777216 bytes") != NULL, "%s", msg);
	free(huge);

	/* A buffer need not end in NUL: only len bytes are read. */
	ck_assert_int_eq(annealc_format(NULL, "schedule a{lr=1;}XYZ", 17, &sink, &out, &len), ANNEAL_OK);
	ck_assert_str_eq(out, "schedule a {\n  lr = 1;\n}\n");
	ck_assert_uint_eq(len, strlen(out));
	free(out);
}
END_TEST

Suite *suite_fmt(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("fmt");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, api_errors);
	tcase_add_test(tc, project_files);
	tcase_add_test(tc, random_programs);
	suite_add_tcase(s, tc);
	return s;
}
