/* program.c: the public face of the front end -- load, check, look up, override params, interpret. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"
#include "config.h"

const char *annealc_version(void)
{
	return PACKAGE_VERSION;
}

/* A message for p's errmsg, also sent to sink as a diagnostic with no place. */
static anneal_status fail(annealc_program *p, const annealc_sink *sink, anneal_status st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static anneal_status fail(annealc_program *p, const annealc_sink *sink, anneal_status st, const char *fmt, ...)
{
	char message[ERRMSG_SIZE];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	Diag d = { .src = p ? &p->src : NULL, .sink = sink, .msg = p ? p->errmsg : NULL, .msgsize = sizeof p->errmsg };
	diag_plain(&d, "%s", message);
	return st;
}

static void succeed(annealc_program *p)
{
	p->errmsg[0] = '\0';
}

/* Parses and checks prog->src into prog; the number of errors. */
static int build(annealc_program *prog, const annealc_sink *sink)
{
	Diag d = { .src = &prog->src, .sink = sink, .msg = prog->errmsg, .msgsize = sizeof prog->errmsg };
	if (!prog->ast)
		prog->ast = parse_file(&prog->arena, &d);
	if (!prog->ast)
		return d.nerror > 0 ? d.nerror : 1;
	return check_program(prog, prog->ast, &d);
}

anneal_status annealc_load_buffer(const char *path, const char *text, size_t len, const annealc_sink *sink,
                                  annealc_program **out)
{
	if (!out)
		return fail(NULL, sink, ANNEAL_ERR_INVALID, "annealc_load_buffer: out is NULL");
	*out = NULL;
	if (!text && len > 0)
		return fail(NULL, sink, ANNEAL_ERR_INVALID, "annealc_load_buffer: text is NULL");
	if (len > MAX_FILE_BYTES) {
		Src src = { path ? path : "<buffer>", NULL, 0 }; /* no text: the message shows no line */
		Diag d = { .src = &src, .sink = sink, .msg = NULL, .msgsize = 0 };
		diag_error(&d, (Loc){ .line = 1, .col = 1 }, "file is larger than %d bytes", MAX_FILE_BYTES);
		return ANNEAL_ERR_INPUT;
	}
	annealc_program *prog = calloc(1, sizeof *prog);
	if (!prog)
		return fail(NULL, sink, ANNEAL_ERR_NOMEM, "out of memory");
	/* volatile: read after a longjmp from the arena */
	annealc_program *volatile guarded = prog;
	jmp_buf oom;
	if (setjmp(oom)) {
		annealc_free(guarded); /* with the check under way */
		return fail(NULL, sink, ANNEAL_ERR_NOMEM, "out of memory");
	}
	prog->arena.oom = &oom;
	prog->src.path = arena_strdup(&prog->arena, path ? path : "<buffer>");
	prog->src.text = arena_strndup(&prog->arena, text ? text : "", len);
	prog->src.len = len;
	int errors = build(prog, sink);
	prog->arena.oom = NULL;
	if (errors != 0) {
		annealc_free(prog);
		return ANNEAL_ERR_INPUT;
	}
	*out = prog;
	return ANNEAL_OK;
}

anneal_status annealc_load_file(const char *path, const annealc_sink *sink, annealc_program **out)
{
	if (!out)
		return fail(NULL, sink, ANNEAL_ERR_INVALID, "annealc_load_file: out is NULL");
	*out = NULL;
	if (!path)
		return fail(NULL, sink, ANNEAL_ERR_INVALID, "annealc_load_file: path is NULL");
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(NULL, sink, ANNEAL_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	char *buf = malloc(MAX_FILE_BYTES + 1);
	if (!buf) {
		fclose(f);
		return fail(NULL, sink, ANNEAL_ERR_NOMEM, "out of memory");
	}
	errno = 0;
	size_t len = fread(buf, 1, MAX_FILE_BYTES + 1, f);
	/* fread's errno says why (a directory: EISDIR); EIO when it says nothing. */
	int err = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	anneal_status st = err ? fail(NULL, sink, ANNEAL_ERR_IO, "cannot read '%s': %s", path, strerror(err))
	                       : annealc_load_buffer(path, buf, len, sink, out);
	free(buf);
	return st;
}

void annealc_free(annealc_program *p)
{
	if (!p)
		return;
	arena_free(&p->building);
	arena_free(&p->lowered);
	arena_free(&p->arena);
	free(p->override);
	free(p);
}

const char *annealc_errmsg(const annealc_program *p)
{
	return p ? p->errmsg : "";
}

int annealc_schedule_count(const annealc_program *p)
{
	return p ? p->nschedule : 0;
}

int annealc_schedule_find(const annealc_program *p, const char *name)
{
	if (!p)
		return -1;
	if (!name)
		return p->nschedule > 0 ? 0 : -1;
	for (int i = 0; i < p->nschedule; i++)
		if (strcmp(p->schedule[i].name, name) == 0)
			return i;
	return -1;
}

/* The schedule at index, or NULL. */
static const LSchedule *schedule_at(const annealc_program *p, int schedule)
{
	return p && schedule >= 0 && schedule < p->nschedule ? &p->schedule[schedule] : NULL;
}

const char *annealc_schedule_name(const annealc_program *p, int schedule)
{
	const LSchedule *s = schedule_at(p, schedule);
	return s ? s->name : NULL;
}

int annealc_param_find(const annealc_program *p, int schedule, const char *name)
{
	const LSchedule *s = schedule_at(p, schedule);
	for (int i = 0; s && name && i < s->nparam; i++)
		if (strcmp(s->param[i].name, name) == 0)
			return i;
	return -1;
}

anneal_status annealc_set_param(annealc_program *p, int schedule, const char *name, double value,
                                const annealc_sink *sink)
{
	if (!p)
		return fail(NULL, sink, ANNEAL_ERR_INVALID, "annealc_set_param: the program is NULL");
	const LSchedule *s = schedule_at(p, schedule);
	if (!s)
		return fail(p, sink, ANNEAL_ERR_INVALID, "annealc_set_param: no schedule %d (the program has %d)",
		            schedule, p->nschedule);
	if (!name)
		return fail(p, sink, ANNEAL_ERR_INVALID, "annealc_set_param: the param name is NULL");
	if (annealc_param_find(p, schedule, name) < 0)
		return fail(p, sink, ANNEAL_ERR_INVALID, "schedule '%s' has no param '%s'", s->name, name);
	if (!isfinite(value))
		return fail(p, sink, ANNEAL_ERR_INVALID, "param '%s' of schedule '%s': %g is not a finite number", name,
		            s->name, value);
	/* One override per (schedule, param): a sweep that sets one param
	   10,000 times keeps one entry, and each check reads every entry. */
	int at = 0;
	while (at < p->noverride &&
	       (strcmp(p->override[at].schedule, s->name) != 0 || strcmp(p->override[at].param, name) != 0))
		at++;
	if (at == p->noverride) {
		Override *ov = realloc(p->override, sizeof *ov * (size_t)(p->noverride + 1));
		if (!ov)
			return fail(p, sink, ANNEAL_ERR_NOMEM, "out of memory");
		p->override = ov;
	}
	/* Check again: the value may shape phase lengths. On failure the
	   previous schedules and overrides stay as they were. */
	int n = p->nschedule, noverride = p->noverride;
	double before = at < p->noverride ? p->override[at].value : 0;
	LSchedule *old = p->schedule;
	jmp_buf oom;
	if (setjmp(oom)) {
		p->arena.oom = NULL;
		arena_free(&p->building);
		p->noverride = noverride;
		if (at < noverride)
			p->override[at].value = before;
		p->nschedule = n;
		p->schedule = old;
		return fail(p, sink, ANNEAL_ERR_NOMEM, "out of memory");
	}
	p->arena.oom = &oom;
	if (at == p->noverride) {
		/* The schedule's name lives in the AST, which outlives every check. */
		p->override[at].schedule = s->name;
		p->override[at].param = arena_strdup(&p->arena, name);
		p->noverride++;
	}
	p->override[at].value = value;
	int errors = build(p, sink);
	p->arena.oom = NULL;
	if (errors != 0) {
		p->noverride = noverride;
		if (at < noverride)
			p->override[at].value = before;
		p->nschedule = n;
		p->schedule = old;
		return ANNEAL_ERR_INPUT;
	}
	succeed(p);
	return ANNEAL_OK;
}

anneal_status annealc_interp_eval(annealc_program *p, int schedule, int64_t step, const double *params,
                                  anneal_point *out)
{
	const LSchedule *s = schedule_at(p, schedule);
	if (!p)
		return ANNEAL_ERR_INVALID;
	if (!s)
		return fail(p, NULL, ANNEAL_ERR_INVALID, "annealc_interp_eval: no schedule %d (the program has %d)",
		            schedule, p->nschedule);
	if (!out)
		return fail(p, NULL, ANNEAL_ERR_INVALID, "annealc_interp_eval: out is NULL");
	if (step < 0)
		return fail(p, NULL, ANNEAL_ERR_INVALID, "annealc_interp_eval: step %lld is negative", (long long)step);
	interp_eval(s, step, params, out);
	succeed(p);
	return ANNEAL_OK;
}

const anneal_desc *annealc_describe(annealc_program *p, int schedule)
{
	const LSchedule *s = schedule_at(p, schedule);
	if (!s) {
		if (p)
			fail(p, NULL, ANNEAL_ERR_INVALID, "annealc_describe: no schedule %d (the program has %d)", schedule,
			     p->nschedule);
		return NULL;
	}
	jmp_buf oom;
	if (setjmp(oom)) {
		p->arena.oom = NULL;
		fail(p, NULL, ANNEAL_ERR_NOMEM, "out of memory");
		return NULL;
	}
	p->arena.oom = &oom;
	anneal_desc *d = arena_alloc(&p->arena, sizeof *d);
	anneal_param *param = arena_alloc(&p->arena, sizeof *param * (size_t)(s->nparam + 1));
	anneal_hook *hook = arena_alloc(&p->arena, sizeof *hook * (size_t)(s->nhook + 1));
	for (int i = 0; i < s->nparam; i++)
		param[i] = (anneal_param){ s->param[i].name, s->param[i].value, s->param[i].structural };
	for (int h = 0; h < s->nhook; h++) {
		const LHook *lh = &s->hook[h];
		anneal_action *act = arena_alloc(&p->arena, sizeof *act * (size_t)(lh->naction + 1));
		for (int a = 0; a < lh->naction; a++)
			act[a] = (anneal_action){ lh->action[a].kind, lh->action[a].name };
		hook[h] = (anneal_hook){ lh->event, lh->arg, lh->phase, lh->naction, act };
	}
	p->arena.oom = NULL;
	d->abi_version = ANNEAL_ABI_VERSION;
	d->name = s->name;
	d->nparam = s->nparam;
	d->param = param;
	for (int c = 0; c < s->nchannel; c++) {
		d->channels |= 1u << s->channel[c].slot;
		d->channel_name[s->channel[c].slot] = s->channel[c].name;
	}
	d->primary = s->channel[s->primary].slot;
	d->nhook = s->nhook;
	d->hook = hook;
	d->horizon = s->horizon;
	d->digest = s->digest;
	succeed(p);
	return d;
}

void annealc_options_init(annealc_options *o)
{
	if (o)
		*o = (annealc_options)ANNEALC_OPTIONS_INIT;
}
