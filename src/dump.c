/* dump.c: the canonical text of a lowered schedule -- the JIT cache's key (jit.c) and the digest it hashes into. */
#include <inttypes.h>
#include <stdlib.h>

#include "annealc_int.h"

static void dump_expr(FILE *out, const LExpr *e)
{
	switch (e->kind) {
	case EX_NUM: fprintf(out, "%a", e->num); return;
	case EX_PARAM: fprintf(out, "$%d", e->param); return;
	case EX_OPERAND: fprintf(out, "#%d", e->operand); return;
	default: break;
	}
	if (ops_arity[e->kind] == 0) {
		fputs(ops_name[e->kind], out);
		return;
	}
	fprintf(out, "(%s", ops_name[e->kind]);
	const LExpr *op[3] = { e->a, e->b, e->c };
	for (int i = 0; i < ops_arity[e->kind]; i++) {
		fputc(' ', out);
		dump_expr(out, op[i]);
	}
	fputc(')', out);
}

static void dump_sched(FILE *out, const LSched *n, int depth)
{
	fprintf(out, "%*s", 2 * depth, "");
	switch (n->kind) {
	case SC_LEAF:
		dump_expr(out, n->leaf);
		fputc('\n', out);
		return;
	case SC_COMBINE:
		fprintf(out, "combine %d ", n->noperand);
		dump_expr(out, n->leaf);
		fputc('\n', out);
		for (int i = 0; i < n->noperand; i++)
			dump_sched(out, n->operand[i], depth + 1);
		return;
	case SC_SEQ:
		fprintf(out, "%s %d\n", n->cycle_list ? "cycles" : "seq", n->nphase);
		for (int i = 0; i < n->nphase; i++) {
			const LPhase *ph = &n->phase[i];
			/* Empty phases leave no code behind, only the others' indices. */
			fprintf(out, "%*sphase %d: %" PRId64 " %" PRId64 " enter=%#" PRIx64 "\n", 2 * depth + 2, "",
			        ph->index, ph->start, ph->len, ph->enter_mask);
			dump_sched(out, ph->body, depth + 2);
		}
		return;
	case SC_RESTARTS: {
		const LCycles *cy = &n->cycles;
		int table = cy->kind == CYCLES_UNIFORM ? 0 : cy->n;
		if (cycles_real(cy))
			fprintf(out, "restarts period=%a mult=%a count=%" PRId64 " table=%d lap=%" PRId64 "/%" PRId64 "\n",
			        cy->period, cy->mult, cy->count, table, cy->kind == CYCLES_LAP ? cy->lap : 0,
			        cy->kind == CYCLES_LAP ? (int64_t)cy->n : 0);
		else
			fprintf(out, "restarts period=%" PRId64 " mult=%" PRId64 " count=%" PRId64 " table=%d\n",
			        (int64_t)cy->period, (int64_t)cy->mult, cy->count, table);
		if (cy->lengths != LENGTHS_EXACT)
			fprintf(out, "%*slengths=%s mult=%a\n", 2 * depth + 2, "",
			        cy->lengths == LENGTHS_FLOOR ? "floor" : "floor_power", cy->mult);
		dump_sched(out, n->body, depth + 1);
		return;
	}
	}
	UNREACHABLE();
}

/* values 0: the structure alone -- a param that is not structural is
   a run-time input (the params array), so its value is left out. */
static void dump(FILE *out, const LSchedule *s, int values)
{
	fprintf(out, "schedule %s primary=%d horizon=%" PRId64 " restart=%#" PRIx64 "\n", s->name, s->primary,
	        s->horizon, s->restart_mask);
	for (int i = 0; i < s->nparam; i++) {
		if (values || s->param[i].structural)
			fprintf(out, "param $%d %s = %a%s\n", i, s->param[i].name, s->param[i].value,
			        s->param[i].structural ? " structural" : "");
		else
			fprintf(out, "param $%d %s\n", i, s->param[i].name);
	}
	for (int h = 0; h < s->nhook; h++) {
		const LHook *hk = &s->hook[h];
		fprintf(out, "hook %d event=%d arg=%" PRId64 " phase=%s:", h, hk->event, hk->arg,
		        hk->phase ? hk->phase : "-");
		for (int a = 0; a < hk->naction; a++)
			fprintf(out, " %d%s%s", hk->action[a].kind, hk->action[a].name ? "=" : "",
			        hk->action[a].name ? hk->action[a].name : "");
		fputc('\n', out);
	}
	for (int c = 0; c < s->nchannel; c++) {
		fprintf(out, "channel %s slot=%d\n", s->channel[c].name, s->channel[c].slot);
		dump_sched(out, s->channel[c].sched, 1);
	}
}

void dump_schedule(FILE *out, const LSchedule *s)
{
	dump(out, s, 1);
}

/* FNV-1a over the canonical dump of the structure: equal digests mean
   the same schedule, whatever defaults its run-time params were given,
   so a checkpoint moves between JIT and AOT runs and across --param. */
uint64_t dump_digest(const LSchedule *s, Arena *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		arena_out_of_memory(a);
	dump(mem, s, 0);
	if (fclose(mem) != 0) {
		free(buf);
		arena_out_of_memory(a);
	}
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)buf[i];
		h *= UINT64_C(0x100000001b3);
	}
	free(buf);
	return h;
}
