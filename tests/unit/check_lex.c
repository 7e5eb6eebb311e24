/* check_lex.c: the lexer and parser -- numbers, comments, locations and the shape of syntax errors. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"

/* Loads text; returns the diagnostics (caller frees) and the program. */
static char *diagnose(const char *text, annealc_program **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *diag = open_memstream(&buf, &len);
	annealc_sink sink = { diag, NULL, NULL };
	annealc_load_buffer("t.anneal", text, strlen(text), &sink, out);
	fclose(diag);
	return buf;
}

static const struct {
	const char *expr;
	double value;
} numbers[] = {
	{ "1_000", 1000 },   { "1e-3", 1e-3 },  { ".5", 0.5 },       { "2.", 2 },
	{ "2 ^ 3 ^ 2", 512 }, { "-2 ^ 2", -4 },  { "1 + 2 * 3", 7 },  { "(1 + 2) * 3", 9 },
	{ "7 / 2", 3.5 },    { "3 > 2", 1 },    { "1 == 1 && 0", 0 }, { "!0 || 0", 1 },
	{ "if(2 <= 1, 5, 6)", 6 }, { "clamp(5, 0, 1)", 1 }, { "min(3, max(1, 2))", 2 }, { "pow(2, 10)", 1024 },
	{ "floor(2.5) + ceil(2.5)", 5 }, { "abs(-3) + sqrt(16)", 7 }, { "true + false", 1 },
	{ "mod(7, 3)", 1 }, { "mod(-7, 3)", 2 }, { "mod(7, -3)", -2 }, { "frac(2.25)", 0.25 }, { "frac(-0.25)", 0.75 },
};

START_TEST(number_values)
{
	char text[256];
	snprintf(text, sizeof text, "# comment\nschedule a { /* block\n comment */ lr = %s; }\n", numbers[_i].expr);
	annealc_program *p;
	char *msg = diagnose(text, &p);
	ck_assert_msg(p != NULL, "%s: %s", numbers[_i].expr, msg);
	anneal_point pt;
	annealc_interp_eval(p, 0, 0, NULL, &pt);
	ck_assert_msg(pt.value[ANNEAL_LR] == numbers[_i].value, "%s: expected %.17g, actual %.17g", numbers[_i].expr,
	              numbers[_i].value, pt.value[ANNEAL_LR]);
	annealc_free(p);
	free(msg);
}
END_TEST

/* The whole diagnostic, byte for byte: location, message, source line, caret. */
START_TEST(error_format)
{
	annealc_program *p;
	char *msg = diagnose("schedule sgdr {\n  lr = cosine(0.1, 0) for 100\n  momentum = 0.9;\n}\n", &p);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(msg, "t.anneal:2:30: error: expected 'then' or ';' before 'momentum'\n"
	                      "    2 |   lr = cosine(0.1, 0) for 100\n"
	                      "      |                              ^\n");
	free(msg);
}
END_TEST

START_TEST(unclosed_brace_note)
{
	annealc_program *p;
	char *msg = diagnose("schedule a {\n  lr = 0.1;\n", &p);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msg, "t.anneal:1:12: note: to close '{' opened here\n") != NULL, "%s", msg);
	free(msg);
}
END_TEST

/* Not only at the end of the file: wherever the innermost bracket's closer
   was expected, and when the wrong closer came. */
START_TEST(unclosed_bracket_notes)
{
	annealc_program *p;
	char *msg = diagnose("schedule a {\n  lr = cosine(1, 0\n    for 10;\n}\n", &p);
	ck_assert_msg(strstr(msg, "t.anneal:2:19: error: expected ')' before 'for'\n") &&
	                      strstr(msg, "t.anneal:2:14: note: to close '(' opened here\n"),
	              "%s", msg);
	free(msg);
	msg = diagnose("schedule a {\n  lr = min(0.9, [1, 2)];\n}\n", &p);
	ck_assert_msg(strstr(msg, "t.anneal:2:22: error: expected ']' or ',' before ')'\n") &&
	                      strstr(msg, "t.anneal:2:17: note: to close '[' opened here\n"),
	              "%s", msg);
	free(msg);
	/* An opener that is the error: the bracket still open is the one below it. */
	msg = diagnose("schedule a {\n  lr = restarts(period = 10 { cosine(0.1, 0) };\n}\n", &p);
	ck_assert_msg(strstr(msg, "t.anneal:2:16: note: to close '(' opened here\n"), "%s", msg);
	free(msg);
	msg = diagnose("schedule a {\n  lr = min(0.9, );\n}\n", &p); /* no closer expected: no note */
	ck_assert_msg(strstr(msg, "note:") == NULL, "%s", msg);
	free(msg);
}
END_TEST

START_TEST(several_errors_reported)
{
	annealc_program *p;
	char *msg = diagnose("schedule a {\n  lr = x;\n  momentum = y;\n  beta2 = cycle;\n}\n", &p);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msg, "2:8: error: unknown name 'x'") && strstr(msg, "3:14: error: unknown name 'y'") &&
	                      strstr(msg, "4:11: error: 'cycle'"),
	              "%s", msg);
	free(msg);
}
END_TEST

/* What an error is about is underlined: a name, a call, an operation with
   its operands (the caret at the operator), a number; a range that goes on
   past its line is underlined to the line's end. */
static const struct {
	const char *text, *caret;
} ranges[] = {
	{ "schedule a {\n  lr = 0.1 * pek;\n}\n", "      |              ^~~\n" },
	{ "schedule a {\n  lr = cosin(0.1, 0);\n}\n", "      |        ^~~~~~~~~~~~~\n" },
	{ "schedule a {\n  lr = 0.0 / 0.0;\n}\n", "      |        ~~~~^~~~~\n" },
	{ "schedule a {\n  lr = -log(0);\n}\n", "      |        ^~~~~~~\n" },
	{ "schedule a {\n  lr = 1e-400;\n}\n", "      |        ^~~~~~\n" },
	{ "schedule a {\n  momentun = 0.9;\n}\n", "      |   ^~~~~~~~\n" },
	{ "schedule a {\n  lr = 0.0 / (0.0 +\n 0);\n}\n", "      |        ~~~~^~~~~~~~\n" },
	{ "schedule a {\n  lr = 0.0\n / 0.0;\n}\n", "      |  ^~~~~\n" },
};

START_TEST(ranges_underlined)
{
	annealc_program *p;
	char *msg = diagnose(ranges[_i].text, &p);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msg, ranges[_i].caret) != NULL, "expected\n%s\nin\n%s", ranges[_i].caret, msg);
	free(msg);
}
END_TEST

START_TEST(tabs_keep_caret_aligned)
{
	annealc_program *p;
	char *msg = diagnose("schedule a {\n\tlr = q;\n}\n", &p);
	ck_assert_str_eq(msg, "t.anneal:2:7: error: unknown name 'q'\n"
	                      "    2 | \tlr = q;\n"
	                      "      | \t     ^\n");
	free(msg);
}
END_TEST

/* Resource limits: inputs built here, each rejected with its own message,
   never a crash or a hang. unit may hold one %d, the repetition's index. */
static char *repeat(const char *head, const char *unit, int n, const char *sep, const char *tail)
{
	size_t len = strlen(head) + (size_t)n * (strlen(unit) + strlen(sep) + 12) + strlen(tail) + 1;
	char *s = malloc(len), *p = s;
	p += sprintf(p, "%s", head);
	for (int i = 0; i < n; i++) {
		p += sprintf(p, "%s", i ? sep : "");
		p += sprintf(p, unit, i);
	}
	sprintf(p, "%s", tail);
	return s;
}

#define T10 "t + t + t + t + t + t + t + t + t + t + "
#define T100 T10 T10 T10 T10 T10 T10 T10 T10 T10 T10
#define T400 T100 T100 T100 T100

/* message NULL: within the limits, accepted. */
static const struct {
	const char *head, *unit, *sep, *tail;
	int n;
	const char *message;
} limits[] = {
	{ "schedule a { lr = ", "1", " + ", "; }", 100000, "error: expression is nested more than 500 levels deep" },
	{ "schedule a { lr = ", "2 ^ ", "", "1; }", 100000, "error: expression is nested too deeply for the parser" },
	{ "schedule a { lr = ", "1 for 1", " then ", "; }", 2001, "error: a sequence of 2001 phases is more than the limit of 2000 phases in a file" },
	/* the file's limits, over its schedules: 250 of 9 phases; 200 of 799 operations */
	{ "", "schedule s%d { lr = 1 for 1 then 2 for 1 then 3 for 1 then 4 for 1 then 5 for 1 then 6 for 1 then 7 for 1 then 8 for 1 then 9; }\n", "", "", 250,
	  "error: the schedules of this file have more than 2000 phases in all" },
	{ "", "schedule s%d { lr = " T400 "t; }\n", "", "", 200,
	  "error: the expressions of this file expand to more than 100000 operations in all" },
	/* one flat sum, 600 terms deep as parsed: the message says why a chain is deep */
	{ "schedule a { lr = ", "t", " + ", "; }", 600,
	  "error: expression is nested more than 500 levels deep (each operator of a chain such as a + b + c is one level)" },
	{ "schedule a { lr = multistep(1, 0.5, [", "%d", ", ", "]) for 9000 then 1; }", 1025,
	  "error: multistep has 1025 milestones, more than the limit of 1024" },
	{ "schedule a { lr = piecewise(", "%d: 1", ", ", ") for 9000 then 1; }", 1025,
	  "error: piecewise has 1025 points, more than the limit of 1024" },
	/* 1,000 milestones and 1,024 points nest some 10 levels deep: accepted (a chain was 1,000 deep) */
	{ "schedule a { lr = multistep(1, 0.5, [", "%d", ", ", "]) for 9000 then 1; }", 1000, NULL },
	{ "schedule a { lr = piecewise(", "%d: 1", ", ", ") for 9000 then 1; }", 1024, NULL },
	{ "schedule a { lr = ", "x", "", "; }", 129, "error: name is longer than 128 characters" },
	{ "", "schedule s { lr = 1; }\n", "", "", 257, "error: the file holds 257 schedules, more than the limit of 256" },
	{ "schedule a { lr = 1; ", "param p%d = 1;", " ", " }", 257, "error: too many params (the limit is 256)" },
	{ "schedule a { lr = 1; ", "on every 3 { swa; }", " ", " }", 65, "error: too many hooks (the limit is 64" },
	{ "schedule a { ", "channel c%d = 1;", " ", " }", 12, "error: too many custom channels (the limit is 11)" },
	{ "schedule a { lr = 1 for ", "9", "", " then 0; }", 30, "error: duration of 1e+30 steps does not fit in 62 bits" },
};

START_TEST(limits_reported)
{
	char *text = repeat(limits[_i].head, limits[_i].unit, limits[_i].n, limits[_i].sep, limits[_i].tail);
	annealc_program *p;
	char *msg = diagnose(text, &p);
	if (!limits[_i].message) {
		ck_assert_msg(p != NULL, "limit %d: refused:\n%.400s", _i, msg ? msg : "");
		annealc_free(p);
	} else {
		ck_assert_ptr_null(p);
		ck_assert_msg(strstr(msg, limits[_i].message) != NULL, "limit %d: expected '%s' in:\n%.400s", _i,
		              limits[_i].message, msg);
	}
	free(msg);
	free(text);
}
END_TEST

Suite *suite_lex(void)
{
	Suite *s = suite_create("lex");
	TCase *tc = tcase_create("lex");
	tcase_add_loop_test(tc, number_values, 0, sizeof numbers / sizeof numbers[0]);
	tcase_add_test(tc, error_format);
	tcase_add_test(tc, unclosed_brace_note);
	tcase_add_test(tc, unclosed_bracket_notes);
	tcase_add_test(tc, several_errors_reported);
	tcase_add_test(tc, tabs_keep_caret_aligned);
	tcase_add_loop_test(tc, ranges_underlined, 0, sizeof ranges / sizeof *ranges);
	tcase_add_loop_test(tc, limits_reported, 0, sizeof limits / sizeof limits[0]);
	suite_add_tcase(s, tc);
	return s;
}
