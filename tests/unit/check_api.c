/* check_api.c: libannealc's public API on bad arguments -- every call's status and message, and the diagnostics sink. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anneal/annealc.h"
#include "config.h"
#include "lib_util.h"

static const char sgdr_text[] = "schedule sgdr {\n"
                                "  param peak = 0.1;\n"
                                "  param warm = 10;\n"
                                "  lr = linear(0, peak) for warm then cosine(peak, 0) for 100;\n"
                                "  momentum = 0.9;\n"
                                "}\n"
                                "schedule flat { lr = 0.5; }\n";

/* Every diagnostic a sink receives, copied. */
typedef struct Seen {
	int n;
	annealc_diagnostic d[8];
	char path[8][64], message[8][256], text[8][512];
} Seen;

static void collect(void *user, const annealc_diagnostic *d)
{
	Seen *s = user;
	if (s->n == 8)
		return;
	snprintf(s->path[s->n], sizeof s->path[0], "%s", d->path ? d->path : "(null)");
	snprintf(s->message[s->n], sizeof s->message[0], "%s", d->message);
	snprintf(s->text[s->n], sizeof s->text[0], "%s", d->text);
	s->d[s->n++] = *d;
}

static annealc_program *sgdr(void)
{
	annealc_program *p;
	ck_assert_int_eq(annealc_load_buffer("sgdr.anneal", sgdr_text, strlen(sgdr_text), NULL, &p), ANNEAL_OK);
	ck_assert_str_eq(annealc_errmsg(p), "");
	return p;
}

START_TEST(version)
{
	ck_assert_str_eq(annealc_version(), PACKAGE_VERSION);
	ck_assert_str_eq(anneal_status_text(ANNEAL_ERR_INVALID), "invalid argument");
	ck_assert_str_eq(anneal_status_text((anneal_status)99), "unknown status");
}
END_TEST

/* A callback receives each diagnostic as data, and the same rendered text
   a FILE sink prints. */
START_TEST(sink_structured)
{
	static const char bad[] = "schedule a {\n  lr = x;\n}\n";
	Seen seen = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	annealc_sink sink = { f, collect, &seen };
	annealc_program *p = (annealc_program *)1;
	ck_assert_int_eq(annealc_load_buffer("a.anneal", bad, strlen(bad), &sink, &p), ANNEAL_ERR_INPUT);
	fclose(f);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(seen.n, 1);
	ck_assert_str_eq(seen.path[0], "a.anneal");
	ck_assert_int_eq(seen.d[0].line, 2);
	ck_assert_int_eq(seen.d[0].column, 8);
	ck_assert_int_eq(seen.d[0].severity, ANNEALC_ERROR);
	ck_assert_str_eq(seen.message[0], "unknown name 'x'");
	ck_assert_str_eq(seen.text[0], "a.anneal:2:8: error: unknown name 'x'\n"
	                               "    2 |   lr = x;\n"
	                               "      |        ^\n");
	ck_assert_str_eq(buf, seen.text[0]);
	free(buf);
}
END_TEST

/* Notes come through the sink with their own severity. */
START_TEST(sink_notes)
{
	static const char twice[] = "schedule a { lr = 1; }\nschedule a { lr = 2; }\n";
	Seen seen = { 0 };
	annealc_sink sink = { NULL, collect, &seen };
	annealc_program *p;
	ck_assert_int_eq(annealc_load_buffer("t", twice, strlen(twice), &sink, &p), ANNEAL_ERR_INPUT);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_int_eq(seen.d[0].severity, ANNEALC_ERROR);
	ck_assert_str_eq(seen.message[0], "schedule 'a' is defined twice");
	ck_assert_int_eq(seen.d[1].severity, ANNEALC_NOTE);
	ck_assert_int_eq(seen.d[1].line, 1);
	ck_assert_str_eq(seen.message[1], "first defined here");
}
END_TEST

/* A NULL sink, or one with neither a file nor a function, keeps quiet
   and the status still tells. */
START_TEST(sink_quiet)
{
	static const char bad[] = "schedule a { lr = ; }";
	annealc_program *p;
	annealc_sink none = { NULL, NULL, NULL };
	ck_assert_int_eq(annealc_load_buffer("q", bad, strlen(bad), NULL, &p), ANNEAL_ERR_INPUT);
	ck_assert_int_eq(annealc_load_buffer("q", bad, strlen(bad), &none, &p), ANNEAL_ERR_INPUT);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(load_bad_arguments)
{
	Seen seen = { 0 };
	annealc_sink sink = { NULL, collect, &seen };
	annealc_program *p = (annealc_program *)1;
	ck_assert_int_eq(annealc_load_buffer("x", "a", 1, &sink, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_load_buffer("x", NULL, 5, &sink, &p), ANNEAL_ERR_INVALID);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(annealc_load_file("x", &sink, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_load_file(NULL, &sink, &p), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(seen.n, 4);
	ck_assert_str_eq(seen.message[0], "annealc_load_buffer: out is NULL");
	ck_assert_str_eq(seen.message[1], "annealc_load_buffer: text is NULL");
	ck_assert_str_eq(seen.message[2], "annealc_load_file: out is NULL");
	ck_assert_str_eq(seen.message[3], "annealc_load_file: path is NULL");
	/* No place in a file: line and column 0, and the text has no location. */
	ck_assert_int_eq(seen.d[3].line, 0);
	ck_assert_int_eq(seen.d[3].column, 0);
	ck_assert_str_eq(seen.text[3], "error: annealc_load_file: path is NULL\n");
	/* An empty buffer loads as an empty file does: it has no schedule. */
	ck_assert_int_eq(annealc_load_buffer("empty", NULL, 0, NULL, &p), ANNEAL_ERR_INPUT);
	/* A NULL path names the buffer "<buffer>" in diagnostics. */
	seen.n = 0;
	ck_assert_int_eq(annealc_load_buffer(NULL, "?", 1, &sink, &p), ANNEAL_ERR_INPUT);
	ck_assert_str_eq(seen.path[0], "<buffer>");
}
END_TEST

START_TEST(load_file_errors)
{
	Seen seen = { 0 };
	annealc_sink sink = { NULL, collect, &seen };
	annealc_program *p = (annealc_program *)1;
	ck_assert_int_eq(annealc_load_file("/nonexistent/x.anneal", &sink, &p), ANNEAL_ERR_IO);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(seen.message[0], "cannot read '/nonexistent/x.anneal': No such file or directory");
	ck_assert_int_eq(annealc_load_file("/tmp", &sink, &p), ANNEAL_ERR_IO);
	ck_assert_str_eq(seen.message[1], "cannot read '/tmp': Is a directory");
	/* Larger than the limit: a located error, the input's fault. */
	size_t big = (16u << 20) + 1;
	char *text = malloc(big);
	memset(text, ' ', big);
	ck_assert_int_eq(annealc_load_buffer("big", text, big, &sink, &p), ANNEAL_ERR_INPUT);
	ck_assert_str_eq(seen.text[2], "big:1:1: error: file is larger than 16777216 bytes\n");
	free(text);
}
END_TEST

START_TEST(lookups)
{
	annealc_program *p = sgdr();
	ck_assert_int_eq(annealc_schedule_count(p), 2);
	ck_assert_int_eq(annealc_schedule_count(NULL), 0);
	ck_assert_int_eq(annealc_schedule_find(p, NULL), 0);
	ck_assert_int_eq(annealc_schedule_find(p, "flat"), 1);
	ck_assert_int_eq(annealc_schedule_find(p, "nope"), -1);
	ck_assert_int_eq(annealc_schedule_find(NULL, "flat"), -1);
	ck_assert_str_eq(annealc_schedule_name(p, 1), "flat");
	ck_assert_ptr_null(annealc_schedule_name(p, 2));
	ck_assert_ptr_null(annealc_schedule_name(p, -1));
	ck_assert_ptr_null(annealc_schedule_name(NULL, 0));
	ck_assert_int_eq(annealc_param_find(p, 0, "warm"), 1);
	ck_assert_int_eq(annealc_param_find(p, 0, "nope"), -1);
	ck_assert_int_eq(annealc_param_find(p, 0, NULL), -1);
	ck_assert_int_eq(annealc_param_find(p, 5, "warm"), -1);
	ck_assert_int_eq(annealc_param_find(NULL, 0, "warm"), -1);
	ck_assert_str_eq(annealc_errmsg(NULL), "");
	annealc_free(p);
	annealc_free(NULL);
}
END_TEST

static const struct {
	int schedule;
	const char *name;
	double value;
	anneal_status status;
	const char *message;
} bad_params[] = {
	{ 2, "peak", 0.2, ANNEAL_ERR_INVALID, "annealc_set_param: no schedule 2 (the program has 2)" },
	{ -1, "peak", 0.2, ANNEAL_ERR_INVALID, "annealc_set_param: no schedule -1 (the program has 2)" },
	{ 0, NULL, 0.2, ANNEAL_ERR_INVALID, "annealc_set_param: the param name is NULL" },
	{ 0, "nope", 0.2, ANNEAL_ERR_INVALID, "schedule 'sgdr' has no param 'nope'" },
	{ 0, "peak", NAN, ANNEAL_ERR_INVALID, "param 'peak' of schedule 'sgdr': nan is not a finite number" },
	{ 0, "peak", INFINITY, ANNEAL_ERR_INVALID, "param 'peak' of schedule 'sgdr': inf is not a finite number" },
	{ 0, "warm", -5, ANNEAL_ERR_INPUT, "sgdr.anneal:4:28: duration is negative (-5 steps)" },
};

/* Each bad value is refused with its message, and the program is as it was. */
START_TEST(set_param_refused)
{
	annealc_program *p = sgdr();
	anneal_point before, after;
	ck_assert_int_eq(annealc_interp_eval(p, 0, 5, NULL, &before), ANNEAL_OK);
	Seen seen = { 0 };
	annealc_sink sink = { NULL, collect, &seen };
	ck_assert_int_eq(annealc_set_param(p, bad_params[_i].schedule, bad_params[_i].name, bad_params[_i].value, &sink),
	                 bad_params[_i].status);
	ck_assert_str_eq(annealc_errmsg(p), bad_params[_i].message);
	ck_assert_int_ge(seen.n, 1);
	ck_assert_int_eq(annealc_interp_eval(p, 0, 5, NULL, &after), ANNEAL_OK);
	ck_assert(before.value[ANNEAL_LR] == after.value[ANNEAL_LR]);
	annealc_free(p);
}
END_TEST

START_TEST(set_param_clears_message)
{
	annealc_program *p = sgdr();
	ck_assert_int_eq(annealc_set_param(NULL, 0, "peak", 1, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_set_param(p, 0, "nope", 1, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_ne(annealc_errmsg(p), "");
	ck_assert_int_eq(annealc_set_param(p, 0, "warm", 20, NULL), ANNEAL_OK);
	ck_assert_str_eq(annealc_errmsg(p), "");
	anneal_point pt;
	ck_assert_int_eq(annealc_interp_eval(p, 0, 10, NULL, &pt), ANNEAL_OK);
	ck_assert_double_eq_tol(pt.value[ANNEAL_LR], 0.05, 1e-15); /* halfway up the 20-step warmup */
	/* A refused second value for the same param keeps the first. */
	ck_assert_int_eq(annealc_set_param(p, 0, "warm", -1, NULL), ANNEAL_ERR_INPUT);
	ck_assert_int_eq(annealc_interp_eval(p, 0, 10, NULL, &pt), ANNEAL_OK);
	ck_assert_double_eq_tol(pt.value[ANNEAL_LR], 0.05, 1e-15);
	ck_assert_int_eq(annealc_set_param(p, 0, "warm", 40, NULL), ANNEAL_OK);
	ck_assert_int_eq(annealc_interp_eval(p, 0, 10, NULL, &pt), ANNEAL_OK);
	ck_assert_double_eq_tol(pt.value[ANNEAL_LR], 0.025, 1e-15);
	annealc_free(p);
}
END_TEST

/* A re-check replaces the lowered form: 5,000 new values (a structural
   one among them) leave the resident size where 500 left it. Each check
   used to keep its lowered form and checker state (some 20 KB here), which
   would grow the process by about 90 MB. */
START_TEST(set_param_memory_bounded)
{
	annealc_program *p = sgdr();
	long after500 = 0;
	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(annealc_set_param(p, 0, i % 2 ? "peak" : "warm", 1 + i % 50, NULL), ANNEAL_OK);
		if (i == 499)
			after500 = test_rss_kib();
	}
	long grown = test_rss_kib() - after500;
#if !defined(__SANITIZE_ADDRESS__) /* ASan's quarantine keeps freed memory resident */
	ck_assert_msg(grown < 8 * 1024, "5,000 re-checks grew the process by %ld KiB after the first 500", grown);
#else
	(void)grown;
#endif
	annealc_free(p);
}
END_TEST

START_TEST(interp_and_describe_refused)
{
	annealc_program *p = sgdr();
	anneal_point pt;
	ck_assert_int_eq(annealc_interp_eval(NULL, 0, 0, NULL, &pt), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_interp_eval(p, 3, 0, NULL, &pt), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_interp_eval: no schedule 3 (the program has 2)");
	ck_assert_int_eq(annealc_interp_eval(p, 0, -1, NULL, &pt), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_interp_eval: step -1 is negative");
	ck_assert_int_eq(annealc_interp_eval(p, 0, 0, NULL, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_interp_eval: out is NULL");
	ck_assert_ptr_null(annealc_describe(p, 9));
	ck_assert_str_eq(annealc_errmsg(p), "annealc_describe: no schedule 9 (the program has 2)");
	ck_assert_ptr_null(annealc_describe(NULL, 0));
	const anneal_desc *d = annealc_describe(p, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(annealc_errmsg(p), "");
	ck_assert_str_eq(d->name, "sgdr");
	ck_assert_int_eq(d->nparam, 2);
	ck_assert_ptr_null(d->eval);
	annealc_free(p);
}
END_TEST

START_TEST(options_defaults)
{
	annealc_options o, init = ANNEALC_OPTIONS_INIT;
	memset(&o, 0x5a, sizeof o);
	annealc_options_init(&o);
	ck_assert_int_eq(o.opt_level, 2);
	ck_assert_int_eq(o.bind_params, 0);
	ck_assert_ptr_null(o.target);
	ck_assert_ptr_null(o.prefix);
	ck_assert_int_eq(o.self_contained, 0);
	ck_assert_int_eq(init.opt_level, 2);
	annealc_options_init(NULL);
}
END_TEST

START_TEST(emit_refused)
{
	annealc_program *p = sgdr();
	char path[] = "/tmp/check_api.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	annealc_options o = ANNEALC_OPTIONS_INIT;
	ck_assert_int_eq(annealc_emit(NULL, &o, ANNEALC_EMIT_OBJ, path, NULL), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_emit(p, &o, ANNEALC_EMIT_OBJ, NULL, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_emit: out_path is NULL");
	ck_assert_int_eq(annealc_emit(p, &o, (enum annealc_emit_kind)9, path, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_emit: unknown output kind 9");
	o.opt_level = 7;
	ck_assert_int_eq(annealc_emit(p, &o, ANNEALC_EMIT_OBJ, path, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_options.opt_level = 7: expected 0 to 3");
	o.opt_level = 2;
	o.bind_params = 3;
	ck_assert_int_eq(annealc_emit(p, &o, ANNEALC_EMIT_OBJ, path, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_options.bind_params = 3: expected 0 or 1");
	/* Nothing was written over the file. */
	FILE *f = fopen(path, "rb");
	ck_assert_int_eq(fgetc(f), EOF);
	fclose(f);
	unlink(path);
	annealc_free(p);
}
END_TEST

START_TEST(analyze_refused)
{
	annealc_program *p = sgdr();
	FILE *out = fopen("/dev/null", "w");
	annealc_analyze_options o = ANNEALC_ANALYZE_OPTIONS_INIT;
	int32_t errors = 7;
	ck_assert_int_eq(annealc_analyze(NULL, 0, &o, out, &errors), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_analyze(p, 2, &o, out, &errors), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_analyze: no schedule 2 (the program has 2)");
	ck_assert_int_eq(annealc_analyze(p, 0, &o, NULL, &errors), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_analyze: out is NULL");
	o.join_tolerance = NAN;
	ck_assert_int_eq(annealc_analyze(p, 0, &o, out, &errors), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_analyze: join_tolerance nan: expected a fraction >= 0");
	o.join_tolerance = 0.05;
	o.curvature = -1;
	ck_assert_int_eq(annealc_analyze(p, 0, &o, out, &errors), ANNEAL_ERR_INVALID);
	o.curvature = 0;
	o.batch = 64;
	ck_assert_int_eq(annealc_analyze(p, 0, &o, out, &errors), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "--batch and --base-batch go together");
	o.base_batch = 32;
	ck_assert_int_eq(annealc_analyze(p, 0, &o, out, &errors), ANNEAL_OK);
	ck_assert_int_eq(errors, 0);
	ck_assert_str_eq(annealc_errmsg(p), "");
	ck_assert_int_eq(annealc_analyze(p, 1, NULL, out, NULL), ANNEAL_OK);
	fclose(out);
	annealc_free(p);
}
END_TEST

/* The analysis as JSON, from a string stream: what a binding reads. */
START_TEST(analyze_json)
{
	annealc_program *p = sgdr();
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	annealc_analyze_options o = ANNEALC_ANALYZE_OPTIONS_INIT;
	o.json = 1;
	ck_assert_int_eq(annealc_analyze(p, 0, &o, out, NULL), ANNEAL_OK);
	fclose(out);
	ck_assert_msg(buf[0] == '{' && strstr(buf, "\"schedule\": \"sgdr\"") != NULL, "%s", buf);
	free(buf);
	annealc_free(p);
}
END_TEST

START_TEST(plot_refused)
{
	annealc_program *p = sgdr(), *q = sgdr();
	FILE *out = fopen("/dev/null", "w");
	annealc_plot_options o = ANNEALC_PLOT_OPTIONS_INIT;
	ck_assert_int_eq(annealc_plot(NULL, 0, &o, out), ANNEAL_ERR_INVALID);
	ck_assert_int_eq(annealc_plot(p, 4, &o, out), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_plot: no schedule 4 (the program has 2)");
	ck_assert_int_eq(annealc_plot(p, 0, &o, NULL), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_plot: out is NULL");
	o.count = 1;
	ck_assert_int_eq(annealc_plot(p, 0, &o, out), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p),
	                 "annealc_plot: first 0, count 1: expected first >= 0, count >= 2 and the last step within int64");
	o.count = 10;
	o.first = INT64_MAX - 5;
	ck_assert_int_eq(annealc_plot(p, 0, &o, out), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_plot: first 9223372036854775802, count 10: expected first >= 0, "
	                                    "count >= 2 and the last step within int64");
	o.first = 0;
	o.columns = -3;
	ck_assert_int_eq(annealc_plot(p, 0, &o, out), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_plot: a terminal of -3 x 0: expected 0 to 10000 each");
	o.columns = 0;
	o.channels = "lr,beta2";
	ck_assert_int_eq(annealc_plot(p, 0, &o, out), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "schedule 'sgdr' has no channel 'beta2' (it has lr, momentum)");
	o.channels = NULL;
	o.compare = q;
	o.compare_schedule = 5;
	ck_assert_int_eq(annealc_plot(p, 0, &o, out), ANNEAL_ERR_INVALID);
	ck_assert_str_eq(annealc_errmsg(p), "annealc_plot: no compare schedule 5 (its program has 2)");
	o.compare_schedule = 1;
	ck_assert_int_eq(annealc_plot(p, 0, &o, out), ANNEAL_OK);
	ck_assert_str_eq(annealc_errmsg(p), "");
	fclose(out);
	annealc_free(q);
	annealc_free(p);
}
END_TEST

/* The SVG document, and the terminal text at a given size. */
START_TEST(plot_outputs)
{
	annealc_program *p = sgdr();
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	ck_assert_int_eq(annealc_plot(p, 0, NULL, out), ANNEAL_OK);
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "<svg"));
	ck_assert_ptr_nonnull(strstr(buf, "</svg>"));
	free(buf);
	annealc_plot_options o = ANNEALC_PLOT_OPTIONS_INIT;
	o.term = 1;
	o.columns = 60;
	o.rows = 20;
	out = open_memstream(&buf, &len);
	ck_assert_int_eq(annealc_plot(p, 0, &o, out), ANNEAL_OK);
	fclose(out);
	ck_assert_msg(strncmp(buf, "sgdr  steps 0 to 109", 20) == 0, "%s", buf);
	for (char *line = buf, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		ck_assert_int_le(nl - line, 60 * 3); /* braille cells are 3 bytes */
	free(buf);
	annealc_free(p);
}
END_TEST

Suite *suite_api(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, version);
	tcase_add_test(tc, sink_structured);
	tcase_add_test(tc, sink_notes);
	tcase_add_test(tc, sink_quiet);
	tcase_add_test(tc, load_bad_arguments);
	tcase_add_test(tc, load_file_errors);
	tcase_add_test(tc, lookups);
	tcase_add_loop_test(tc, set_param_refused, 0, sizeof bad_params / sizeof *bad_params);
	tcase_add_test(tc, set_param_clears_message);
	tcase_add_test(tc, set_param_memory_bounded);
	tcase_add_test(tc, interp_and_describe_refused);
	tcase_add_test(tc, options_defaults);
	tcase_add_test(tc, emit_refused);
	tcase_add_test(tc, analyze_refused);
	tcase_add_test(tc, analyze_json);
	tcase_add_test(tc, plot_refused);
	tcase_add_test(tc, plot_outputs);
	suite_add_tcase(s, tc);
	return s;
}
