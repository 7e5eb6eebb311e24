/* setup.c: anneal_mpi_create -- the ranks agree on the model, the shares are laid out, the local optimizer is built. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anneal_mpi_int.h"

anneal_status mpi_fail(anneal_mpi *m, anneal_status s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof m->err, fmt, ap);
	va_end(ap);
	return s;
}

void mpi_ok(const anneal_mpi *m)
{
	((anneal_mpi *)m)->err[0] = '\0';
}

anneal_status mpi_error(anneal_mpi *m, const char *what, int code)
{
	char text[MPI_MAX_ERROR_STRING];
	int len = 0;
	if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
		snprintf(text, sizeof text, "MPI error %d", code);
	return mpi_fail(m, ANNEAL_ERR_IO, "rank %d: %s: %s", m->rank, what, text);
}

anneal_status mpi_agree(anneal_mpi *m, anneal_status mine)
{
	/* The lowest failing rank speaks for all: its status and message. */
	int key = mine != ANNEAL_OK ? m->rank : m->size, first;
	int rc = MPI_Allreduce(&key, &first, 1, MPI_INT, MPI_MIN, m->comm);
	if (rc != MPI_SUCCESS)
		return mpi_error(m, "agreeing on the outcome", rc);
	if (first == m->size)
		return ANNEAL_OK;
	int32_t st = (int32_t)mine;
	if ((rc = MPI_Bcast(&st, 1, MPI_INT32_T, first, m->comm)) != MPI_SUCCESS ||
	    (rc = MPI_Bcast(m->err, (int)sizeof m->err, MPI_CHAR, first, m->comm)) != MPI_SUCCESS)
		return mpi_error(m, "sharing a failure", rc);
	m->err[sizeof m->err - 1] = '\0';
	return (anneal_status)st;
}

int32_t mpi_subgroups(const anneal_mpi *m, int64_t lo, int64_t hi, float *param_base, const float *grad_base,
                      anneal_group *out)
{
	int32_t n = 0;
	for (int32_t i = 0; i < m->ngroup; i++) {
		int64_t a = m->base[i] > lo ? m->base[i] : lo;
		int64_t b = m->base[i] + m->group[i].n < hi ? m->base[i] + m->group[i].n : hi;
		/* An empty group goes with the part holding its place, so the whole keeps every group. */
		int empty_here = m->group[i].n == 0 && m->base[i] >= lo && (m->base[i] < hi || hi == m->total);
		if (a >= b && !empty_here)
			continue;
		out[n].n = a < b ? b - a : 0;
		out[n].param = out[n].n == 0 ? NULL
		               : param_base != NULL ? param_base + (a - lo) : m->group[i].param + (a - m->base[i]);
		out[n].grad = out[n].n == 0 || grad_base == NULL ? NULL : grad_base + (a - lo);
		out[n].lr_scale = m->group[i].lr_scale;
		out[n].wd_scale = m->group[i].wd_scale;
		n++;
	}
	if (n == 0)
		out[n++] = (anneal_group){NULL, NULL, 0, 1, 1};
	return n;
}

/* ---- the ranks agree ---- */

/* What must be equal on every rank, reduced to numbers; hashes where a
   list is compared (FNV-1a over each value's bytes). */
typedef struct Fingerprint {
	int64_t mode, kind, ngroup, nparam, total;
	uint64_t groups, config, digest, params;
} Fingerprint;

uint64_t mpi_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static Fingerprint fingerprint(const anneal_mpi *m, const double *params)
{
	Fingerprint f = {m->mode, m->cfg.kind, m->ngroup, m->desc != NULL ? m->desc->nparam : 0, m->total,
	                 MPI_FNV_START, MPI_FNV_START, m->desc != NULL ? m->desc->digest : 0, MPI_FNV_START};
	for (int32_t i = 0; i < m->ngroup; i++) {
		f.groups = mpi_fnv(f.groups, &m->group[i].n, sizeof m->group[i].n);
		f.groups = mpi_fnv(f.groups, &m->group[i].lr_scale, sizeof m->group[i].lr_scale);
		f.groups = mpi_fnv(f.groups, &m->group[i].wd_scale, sizeof m->group[i].wd_scale);
	}
	/* Field by field through the library's own table: padding bytes may differ. */
	int32_t nf;
	const anneal_field *fld = anneal_config_fields(&nf);
	static const size_t width[] = {[ANNEAL_FIELD_INT32] = 4, [ANNEAL_FIELD_INT64] = 8, [ANNEAL_FIELD_UINT64] = 8,
	                               [ANNEAL_FIELD_DOUBLE] = 8};
	for (int32_t i = 0; i < nf; i++) {
		/* how a rank splits its work among threads does not change a result */
		if (strcmp(fld[i].name, "threads") == 0 || strcmp(fld[i].name, "parallel_min") == 0)
			continue;
		f.config = mpi_fnv(f.config, (const char *)&m->cfg + fld[i].offset, width[fld[i].type]);
	}
	for (int32_t i = 0; i < (int32_t)f.nparam; i++) {
		const anneal_param *p = &m->desc->param[i];
		double v = params != NULL && !p->structural ? params[i] : p->value; /* as anneal_create takes it */
		f.params = mpi_fnv(f.params, &v, sizeof v);
	}
	return f;
}

/* The first field where rank r differs from rank 0, as a message. */
static int differs(anneal_mpi *m, int r, const Fingerprint *a, const Fingerprint *z)
{
#define SAME_NUM(field, what) \
	if (a->field != z->field) \
		return mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d differs from rank 0: " what " %lld, rank 0's %lld", r, \
		                (long long)a->field, (long long)z->field), 1;
#define SAME_HASH(field, what) \
	if (a->field != z->field) \
		return mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d differs from rank 0: " what, r), 1;
	SAME_NUM(mode, "its mode is")
	SAME_NUM(kind, "its optimizer kind is")
	SAME_NUM(ngroup, "its number of groups is")
	SAME_NUM(total, "its parameter count is")
	SAME_HASH(groups, "its groups' sizes or lr/weight-decay scales are not the same")
	SAME_HASH(config, "its optimizer config is not the same")
	SAME_NUM(nparam, "its schedule's number of params is")
	SAME_HASH(digest, "its schedule is another (the digests differ)")
	SAME_HASH(params, "its schedule's param values are not the same")
#undef SAME_NUM
#undef SAME_HASH
	return 0;
}

static anneal_status check_agreement(anneal_mpi *m, const double *params)
{
	Fingerprint mine = fingerprint(m, params);
	Fingerprint *all = malloc((size_t)m->size * sizeof *all);
	anneal_status st = all != NULL ? ANNEAL_OK : mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory", m->rank);
	if ((st = mpi_agree(m, st)) != ANNEAL_OK) {
		free(all);
		return st;
	}
	int rc = MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, m->comm);
	if (rc != MPI_SUCCESS) {
		free(all);
		return mpi_error(m, "comparing the ranks' setups", rc);
	}
	for (int r = 1; r < m->size && st == ANNEAL_OK; r++)
		if (differs(m, r, &all[r], &all[0]))
			st = ANNEAL_ERR_INVALID;
	free(all);
	return st; /* every rank compared the same table: all agree already */
}

/* ---- the layout ---- */

/* Shares of whole blocks, balanced: rank r starts at block floor(r*B/N).
   Fails when the whole is beyond MPI's int counts and offsets. */
static anneal_status lay_out(anneal_mpi *m)
{
	int64_t blocks = (m->total + ANNEAL_MPI_BLOCK - 1) / ANNEAL_MPI_BLOCK;
	for (int r = 0; r <= m->size; r++) {
		int64_t b = (int64_t)((__int128)blocks * r / m->size);
		m->first[r] = b * ANNEAL_MPI_BLOCK < m->total ? b * ANNEAL_MPI_BLOCK : m->total;
	}
	if (m->total > INT_MAX)
		return mpi_fail(m, ANNEAL_ERR_UNSUPPORTED, "%lld parameters: more than MPI's int counts and offsets reach "
		                "(%d)", (long long)m->total, INT_MAX);
	for (int r = 0; r < m->size; r++) {
		m->displ[r] = (int)m->first[r];
		m->count[r] = (int)(m->first[r + 1] - m->first[r]);
	}
	return ANNEAL_OK;
}

static anneal_status check_groups(anneal_mpi *m, const anneal_group *group, int32_t ngroup)
{
	if (ngroup < 1)
		return mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: ngroup = %d: an optimizer needs at least one group", m->rank,
		                (int)ngroup);
	if (group == NULL)
		return mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: group is NULL", m->rank);
	for (int32_t i = 0; i < ngroup; i++) {
		if (group[i].n < 0 || group[i].n > INT64_MAX / 16 - m->total)
			return mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: group[%d].n = %lld: out of range", m->rank, (int)i,
			                (long long)group[i].n);
		if (group[i].n > 0 && (group[i].param == NULL || group[i].grad == NULL))
			return mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: group[%d].%s is NULL", m->rank, (int)i,
			                group[i].param == NULL ? "param" : "grad");
		m->total += group[i].n;
	}
	return ANNEAL_OK;
}

static anneal_status allocate(anneal_mpi *m)
{
	int64_t share = m->first[m->rank + 1] - m->first[m->rank];
	m->avg = malloc((size_t)(share > 0 ? share : 1) * sizeof(float));
	int largest = 1;
	for (int r = 0; r < m->size; r++)
		largest = m->count[r] > largest ? m->count[r] : largest;
	m->ring[0] = malloc((size_t)largest * sizeof(float));
	m->ring[1] = malloc((size_t)largest * sizeof(float));
	if (m->avg == NULL || m->ring[0] == NULL || m->ring[1] == NULL)
		return mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory for the gradient share", m->rank);
	if (m->ngroup > 1) {
		m->flat_grad = malloc((size_t)m->total * sizeof(float));
		if (m->mode == ANNEAL_MPI_SHARDED)
			m->flat_param = malloc((size_t)m->total * sizeof(float));
		else
			m->full_avg = malloc((size_t)m->total * sizeof(float));
		if (m->flat_grad == NULL || (m->flat_param == NULL && m->full_avg == NULL))
			return mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory for the flattened arrays", m->rank);
	}
	return ANNEAL_OK;
}

/* The optimizer over this rank's share (sharded) or the whole (replicated). */
static anneal_status build_local(anneal_mpi *m, const double *params)
{
	int32_t n;
	anneal_config c = m->cfg;
	if (m->mode == ANNEAL_MPI_SHARDED) {
		n = mpi_subgroups(m, m->first[m->rank], m->first[m->rank + 1], NULL, m->avg, m->sub);
		c.nonfinite = ANNEAL_NONFINITE_PASS; /* decided by all ranks in anneal_mpi_step */
	} else {
		const float *avg = m->ngroup > 1 ? m->full_avg : m->group[0].grad;
		n = mpi_subgroups(m, 0, m->total, NULL, avg, m->sub);
	}
	char err[ANNEAL_ERRLEN];
	anneal_status st = anneal_create(&c, m->sub, n, m->desc, params, &m->local, err, sizeof err);
	if (st != ANNEAL_OK)
		return mpi_fail(m, st, "rank %d: %s", m->rank, err);
	if (m->mode == ANNEAL_MPI_SHARDED &&
	    (st = anneal_set_shard(m->local, m->first[m->rank], m->total)) != ANNEAL_OK)
		return mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(m->local));
	return ANNEAL_OK;
}

static anneal_status set_up(anneal_mpi *m, int32_t mode, const anneal_config *c, const anneal_group *group,
                            int32_t ngroup, const double *params)
{
	anneal_status st = ANNEAL_OK;
	if (mode != ANNEAL_MPI_REPLICATED && mode != ANNEAL_MPI_SHARDED)
		st = mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: mode %d is not an enum anneal_mpi_mode", m->rank, (int)mode);
	else if (c == NULL)
		st = mpi_fail(m, ANNEAL_ERR_INVALID, "rank %d: the config c is NULL", m->rank);
	else
		st = check_groups(m, group, ngroup);
	if (st == ANNEAL_OK) {
		m->mode = mode;
		m->cfg = *c;
		m->ngroup = ngroup;
		m->group = malloc((size_t)ngroup * sizeof *m->group);
		m->base = malloc((size_t)ngroup * sizeof *m->base);
		m->first = malloc((size_t)(m->size + 1) * sizeof *m->first);
		m->count = malloc((size_t)m->size * sizeof *m->count);
		m->displ = malloc((size_t)m->size * sizeof *m->displ);
		m->sub = malloc((size_t)ngroup * sizeof *m->sub);
		if (m->group == NULL || m->base == NULL || m->first == NULL || m->count == NULL || m->displ == NULL ||
		    m->sub == NULL)
			st = mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory", m->rank);
	}
	if ((st = mpi_agree(m, st)) != ANNEAL_OK)
		return st;
	memcpy(m->group, group, (size_t)ngroup * sizeof *group);
	for (int32_t i = 0; i < ngroup; i++)
		m->base[i] = i == 0 ? 0 : m->base[i - 1] + group[i - 1].n;
	if ((st = check_agreement(m, params)) != ANNEAL_OK)
		return st;
	st = lay_out(m);
	if (st == ANNEAL_OK)
		st = allocate(m);
	if (st == ANNEAL_OK)
		st = build_local(m, params);
	return mpi_agree(m, st);
}

anneal_status anneal_mpi_create(MPI_Comm comm, int32_t mode, const anneal_config *c, const anneal_group *group,
                                int32_t ngroup, const anneal_desc *desc, const double *params, anneal_mpi **out,
                                char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (comm == MPI_COMM_NULL) { /* no communicator: nothing to agree over */
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "anneal_mpi_create: comm is MPI_COMM_NULL");
		return ANNEAL_ERR_INVALID;
	}
	if (out != NULL)
		*out = NULL;
	anneal_mpi *m = calloc(1, sizeof *m);
	anneal_status st = ANNEAL_OK;
	if (m == NULL || out == NULL) {
		/* Still a collective: the others dup and then agree, so this rank
		   does both, over a stand-in, and its failure reaches them. */
		anneal_mpi spare;
		memset(&spare, 0, sizeof spare);
		if (MPI_Comm_dup(comm, &spare.comm) == MPI_SUCCESS) {
			MPI_Comm_set_errhandler(spare.comm, MPI_ERRORS_RETURN);
			MPI_Comm_rank(spare.comm, &spare.rank);
			MPI_Comm_size(spare.comm, &spare.size);
			st = mpi_agree(&spare, mpi_fail(&spare, m == NULL ? ANNEAL_ERR_NOMEM : ANNEAL_ERR_INVALID,
			                                "rank %d: anneal_mpi_create: %s", spare.rank,
			                                m == NULL ? "out of memory" : "out is NULL"));
			MPI_Comm_free(&spare.comm);
		} else {
			st = ANNEAL_ERR_IO;
			snprintf(spare.err, sizeof spare.err, "anneal_mpi_create: the communicator cannot be duplicated");
		}
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", spare.err);
		free(m);
		return st;
	}
	int rc = MPI_Comm_dup(comm, &m->comm);
	if (rc != MPI_SUCCESS) {
		m->comm = MPI_COMM_NULL;
		st = mpi_error(m, "duplicating the communicator", rc);
	} else {
		MPI_Comm_set_errhandler(m->comm, MPI_ERRORS_RETURN);
		MPI_Comm_rank(m->comm, &m->rank);
		MPI_Comm_size(m->comm, &m->size);
		m->desc = desc;
		st = set_up(m, mode, c, group, ngroup, params);
	}
	if (st != ANNEAL_OK) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s", m->err);
		anneal_mpi_destroy(m);
		return st;
	}
	*out = m;
	return ANNEAL_OK;
}

void anneal_mpi_destroy(anneal_mpi *m)
{
	if (m == NULL)
		return;
	anneal_destroy(m->local);
	if (m->comm != MPI_COMM_NULL)
		MPI_Comm_free(&m->comm);
	free(m->group);
	free(m->base);
	free(m->first);
	free(m->count);
	free(m->displ);
	free(m->sub);
	free(m->flat_grad);
	free(m->flat_param);
	free(m->avg);
	free(m->ring[0]);
	free(m->ring[1]);
	free(m->full_avg);
	free(m);
}

const char *anneal_mpi_errmsg(const anneal_mpi *m)
{
	return m != NULL ? m->err : "anneal_mpi_errmsg: m is NULL";
}

anneal_opt *anneal_mpi_local(anneal_mpi *m)
{
	return m != NULL ? m->local : NULL;
}

anneal_status anneal_mpi_share(const anneal_mpi *m, int64_t *first, int64_t *count)
{
	if (m == NULL)
		return ANNEAL_ERR_INVALID;
	mpi_ok(m);
	if (first == NULL || count == NULL)
		return mpi_fail((anneal_mpi *)m, ANNEAL_ERR_INVALID, "anneal_mpi_share: first or count is NULL");
	*first = m->mode == ANNEAL_MPI_SHARDED ? m->first[m->rank] : 0;
	*count = m->mode == ANNEAL_MPI_SHARDED ? m->first[m->rank + 1] - m->first[m->rank] : m->total;
	return ANNEAL_OK;
}

int64_t anneal_mpi_state_bytes(const anneal_mpi *m)
{
	if (m == NULL)
		return -1;
	static const int32_t kinds[] = {ANNEAL_STATE_MOMENTUM, ANNEAL_STATE_SQUARE, ANNEAL_STATE_GRAD_AVG,
	                                ANNEAL_STATE_SWA, ANNEAL_STATE_MAX_SQUARE};
	int64_t arrays = 0;
	int64_t count = m->mode == ANNEAL_MPI_SHARDED ? m->first[m->rank + 1] - m->first[m->rank] : m->total;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		arrays += anneal_state_array(m->local, 0, kinds[k]) != NULL;
	return (arrays + m->cfg.snapshot_keep) * count * (int64_t)sizeof(float);
}
