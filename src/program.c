/* program.c: the public face of the front end -- load, check, look up, override params, interpret. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"

enum { MAX_FILE_BYTES = 16 << 20 }; /* a schedule is a few lines; this is a guard, not a budget */

/* Parses and checks prog->src into prog; the number of errors. */
static int build(annealc_program *prog, FILE *diag)
{
	Diag d = { &prog->src, diag, 0, 0 };
	if (!prog->ast)
		prog->ast = parse_file(&prog->arena, &d);
	if (!prog->ast)
		return d.nerror > 0 ? d.nerror : 1;
	return check_program(prog, prog->ast, &d);
}

annealc_program *annealc_load_buffer(const char *path, const char *text, size_t len, FILE *diag, int *status)
{
	annealc_program *prog = calloc(1, sizeof *prog);
	if (!prog)
		die("out of memory");
	prog->src.path = arena_strdup(&prog->arena, path);
	prog->src.text = arena_strndup(&prog->arena, text, len);
	prog->src.len = len;
	if (build(prog, diag) != 0) {
		annealc_free(prog);
		*status = 1;
		return NULL;
	}
	*status = 0;
	return prog;
}

annealc_program *annealc_load_file(const char *path, FILE *diag, int *status)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(diag, "annealc: error: cannot read '%s': %s\n", path, strerror(errno));
		*status = 2;
		return NULL;
	}
	char *buf = malloc(MAX_FILE_BYTES + 1);
	if (!buf)
		die("out of memory");
	size_t len = fread(buf, 1, MAX_FILE_BYTES + 1, f);
	int err = ferror(f);
	fclose(f);
	annealc_program *prog = NULL;
	if (err) {
		fprintf(diag, "annealc: error: cannot read '%s': %s\n", path, strerror(EIO));
		*status = 2;
	} else if (len > MAX_FILE_BYTES) {
		fprintf(diag, "%s:1:1: error: file is larger than %d bytes\n", path, MAX_FILE_BYTES);
		*status = 1;
	} else {
		prog = annealc_load_buffer(path, buf, len, diag, status);
	}
	free(buf);
	return prog;
}

void annealc_free(annealc_program *p)
{
	if (!p)
		return;
	arena_free(&p->arena);
	free(p->override);
	free(p);
}

int annealc_schedule_count(const annealc_program *p)
{
	return p->nschedule;
}

int annealc_schedule_find(const annealc_program *p, const char *name)
{
	if (!name)
		return p->nschedule > 0 ? 0 : -1;
	for (int i = 0; i < p->nschedule; i++)
		if (strcmp(p->schedule[i].name, name) == 0)
			return i;
	return -1;
}

const char *annealc_schedule_name(const annealc_program *p, int schedule)
{
	return p->schedule[schedule].name;
}

int annealc_set_param(annealc_program *p, int schedule, const char *name, double value, FILE *diag)
{
	const LSchedule *s = &p->schedule[schedule];
	int found = 0;
	for (int i = 0; i < s->nparam; i++)
		found |= strcmp(s->param[i].name, name) == 0;
	if (!found) {
		fprintf(diag, "annealc: error: schedule '%s' has no param '%s'\n", s->name, name);
		return -2;
	}
	Override *ov = realloc(p->override, sizeof *ov * (size_t)(p->noverride + 1));
	if (!ov)
		die("out of memory");
	p->override = ov;
	ov[p->noverride].schedule = s->name;
	ov[p->noverride].param = arena_strdup(&p->arena, name);
	ov[p->noverride].value = value;
	p->noverride++;
	/* Check again: the value may shape phase lengths. On failure the
	   previous schedules stay as they were. */
	int n = p->nschedule;
	LSchedule *old = p->schedule;
	if (build(p, diag) != 0) {
		p->noverride--;
		p->nschedule = n;
		p->schedule = old;
		return -1;
	}
	return 0;
}

void annealc_interp_eval(const annealc_program *p, int schedule, int64_t step, const double *params,
                         anneal_point *out)
{
	interp_eval(&p->schedule[schedule], step, params, out);
}

const anneal_desc *annealc_describe(annealc_program *p, int schedule)
{
	const LSchedule *s = &p->schedule[schedule];
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
	return d;
}
