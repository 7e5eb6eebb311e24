/* ckpt_load.c: anneal_load -- a checkpoint read into scratch memory, validated whole, then committed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anneal_int.h"

/* Bytes read in order from the file, hashed, never past `left`. */
typedef struct Reader {
	int fd;
	uint64_t left;
	CkHash h;
	int err;   /* errno of a failed read */
	int short_; /* a field ran past the end */
} Reader;

static int read_full(int fd, void *buf, size_t len)
{
	char *b = buf;
	while (len > 0) {
		ssize_t r = read(fd, b, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO; /* the file shrank under us */
			return -1;
		}
		b += r;
		len -= (size_t)r;
	}
	return 0;
}

static int get(Reader *r, void *buf, size_t len)
{
	if (r->err || r->short_)
		return -1;
	if (len > r->left) {
		r->short_ = 1;
		return -1;
	}
	if (len > 0 && read_full(r->fd, buf, len) != 0) {
		r->err = errno ? errno : EIO;
		return -1;
	}
	ck_hash_add(&r->h, buf, len);
	r->left -= len;
	return 0;
}

/* The schedule summary of the file, or of the optimizer's own descriptor. */
typedef struct Summary {
	char *name;
	int32_t nparam;
	char **pname;
	int32_t *structural;
	double *value;
	uint32_t channels;
	int32_t nhook;
} Summary;

static char *get_str(Reader *r)
{
	uint32_t n;
	if (get(r, &n, 4) != 0)
		return NULL;
	if (n > r->left) {
		r->short_ = 1;
		return NULL;
	}
	char *s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	if (get(r, s, n) != 0) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

static void summary_free(Summary *s)
{
	for (int32_t i = 0; s->pname != NULL && i < s->nparam; i++)
		free(s->pname[i]);
	free(s->pname);
	free(s->structural);
	free(s->value);
	free(s->name);
}

/* -1 on a read error or a short file (r says which), -2 out of memory. */
static int get_summary(Reader *r, Summary *s)
{
	if ((s->name = get_str(r)) == NULL)
		return r->err || r->short_ ? -1 : -2;
	if (get(r, &s->nparam, 4) != 0)
		return -1;
	/* Each param takes at least 16 bytes, so a forged count cannot make a huge allocation. */
	if (s->nparam < 0 || (uint64_t)s->nparam > r->left / 16) {
		r->short_ = 1;
		return -1;
	}
	size_t np = (size_t)s->nparam + 1;
	s->pname = calloc(np, sizeof *s->pname);
	s->structural = calloc(np, sizeof *s->structural);
	s->value = calloc(np, sizeof *s->value);
	if (s->pname == NULL || s->structural == NULL || s->value == NULL)
		return -2;
	for (int32_t i = 0; i < s->nparam; i++) {
		if ((s->pname[i] = get_str(r)) == NULL)
			return r->err || r->short_ ? -1 : -2;
		if (get(r, &s->structural[i], 4) != 0 || get(r, &s->value[i], 8) != 0)
			return -1;
	}
	if (get(r, &s->channels, 4) != 0 || get(r, &s->nhook, 4) != 0)
		return -1;
	return 0;
}

static const char *nz(const char *s)
{
	return s != NULL ? s : "";
}

/* What differs between the file's schedule and the optimizer's, field by
   field, the first difference into err; 0 when they agree.  Param
   defaults are not compared: a run's values travel in the file. */
static int summary_differs(const anneal_opt *o, const Summary *f, uint64_t digest, char *err, size_t n)
{
	const anneal_desc *d = o->desc;
	const char *mine = d != NULL ? nz(d->name) : "", *shown;
	int32_t np = d != NULL ? d->nparam : 0;
#define SNAME(s) ((s)[0] ? (s) : "(no schedule)")
	if (strcmp(f->name, mine) != 0)
		return snprintf(err, n, "written for schedule '%s', this optimizer runs '%s'", SNAME(f->name), SNAME(mine)), 1;
	shown = SNAME(mine);
	if (f->nparam != np)
		return snprintf(err, n, "schedule '%s': the file has %d params, this one %d", shown, (int)f->nparam, (int)np), 1;
	for (int32_t i = 0; i < np; i++) {
		const anneal_param *p = &d->param[i];
		if (strcmp(f->pname[i], nz(p->name)) != 0)
			return snprintf(err, n, "schedule '%s': param %d is '%s' in the file, '%s' here", shown, (int)i, f->pname[i],
			                nz(p->name)), 1;
		if ((f->structural[i] != 0) != (p->structural != 0))
			return snprintf(err, n, "schedule '%s': param '%s' is %s in the file, %s here", shown, nz(p->name),
			                f->structural[i] ? "structural" : "not structural", p->structural ? "structural" : "not structural"), 1;
		if (p->structural && memcmp(&f->value[i], &p->value, sizeof p->value) != 0)
			return snprintf(err, n, "schedule '%s': structural param '%s' is %.17g in the file, %.17g here", shown,
			                nz(p->name), f->value[i], p->value), 1;
	}
	uint32_t ch = d != NULL ? d->channels : 0;
	if (f->channels != ch)
		return snprintf(err, n, "schedule '%s': channel mask 0x%x in the file, 0x%x here", shown, f->channels, ch), 1;
	int32_t nh = d != NULL ? d->nhook : 0;
	if (f->nhook != nh)
		return snprintf(err, n, "schedule '%s': %d hooks in the file, %d here", shown, (int)f->nhook, (int)nh), 1;
	uint64_t md = d != NULL ? d->digest : 0;
	if (digest != md)
		return snprintf(err, n, "schedule '%s': same names, params, channels and hooks, but another structure (digest %016" PRIx64 " in the file, %016" PRIx64 " here)",
		                shown, digest, md), 1;
#undef SNAME
	return 0;
}

/* The scalar fields as the file holds them. */
typedef struct Fields {
#define CK_SAME(T, name, member) T name;
#define CK_STATE(T, name, member) T name;
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
} Fields;

typedef struct GroupHead {
	int64_t n;
	double lr_scale, wd_scale;
	uint32_t mask;
} GroupHead;

/* Everything a load holds before it commits. */
typedef struct Loaded {
	Fields f;
	Summary s;
	GroupHead *gh;
	unsigned char *arrays; /* the group arrays and kept snapshots, file order */
	uint64_t arrays_len;
} Loaded;

static const char *kind_name(int32_t k)
{
	return k >= 0 && k < 4 ? opt_kind_name[k] : "an unknown optimizer's";
}

/* The fields that fix the layout or the options, against this optimizer. */
static anneal_status same_fields(anneal_opt *o, const char *path, const Fields *f)
{
	if (f->kind != o->cfg.kind)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: holds %s state, this optimizer is %s", path, kind_name(f->kind),
		                opt_kind_name[o->cfg.kind]);
#define CK_SAME(T, name, member) \
	if (f->name != (T)o->member) \
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: holds " #name " = %lld, this optimizer has %lld", path, \
		                (long long)f->name, (long long)o->member);
#define CK_STATE(T, name, member)
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	return ANNEAL_OK;
}

/* Every restored field, by the rules of anneal_create and anneal_plateau_enable. */
static anneal_status restored_valid(anneal_opt *o, const char *path, const Loaded *L)
{
	const Fields *f = &L->f;
	char why[ANNEAL_ERRLEN];
	anneal_opt *c = malloc(sizeof *c);
	if (c == NULL)
		return opt_fail(o, ANNEAL_ERR_NOMEM, "%s: out of memory", path);
	*c = *o;
#define CK_SAME(T, name, member)
#define CK_STATE(T, name, member) c->member = f->name;
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	anneal_status st = cfg_check(&c->cfg, o->desc, why, sizeof why);
	if (st == ANNEAL_OK)
		st = plateau_check(&c->plateau, why, sizeof why);
	/* A velocity kept but unused is harmless; one used but not kept is not. */
	if (st == ANNEAL_OK && opt_need_m(&c->cfg, o->desc) && o->grp[0].m == NULL)
		st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID,
		             "momentum = %g: needs a velocity array, and this optimizer keeps none", c->cfg.momentum);
	int adam = c->cfg.kind == ANNEAL_ADAM || c->cfg.kind == ANNEAL_ADAMW;
	if (st == ANNEAL_OK && !(c->step >= 0 && c->step < INT64_MAX))
		st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID, "step = %lld: must be in [0, INT64_MAX)", (long long)c->step);
	if (st == ANNEAL_OK && !(c->t_adam >= 0 && c->t_adam <= c->step && (adam || c->t_adam == 0)))
		st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID, "t_adam = %lld: must be in [0, step]%s", (long long)c->t_adam,
		             adam ? "" : ", 0 outside Adam");
	if (st == ANNEAL_OK && !(c->prod1 >= 0 && c->prod1 <= 1 && c->prod2 >= 0 && c->prod2 <= 1))
		st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID, "prod1 = %g, prod2 = %g: products of betas must be in [0, 1]",
		             c->prod1, c->prod2);
	if (st == ANNEAL_OK && c->sgd_fresh != 0 && c->sgd_fresh != 1)
		st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID, "sgd_fresh = %d: must be 0 or 1", (int)c->sgd_fresh);
	if (st == ANNEAL_OK && !(c->swa_n >= 0 && (c->has_swa || c->swa_n == 0)))
		st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID, "swa_n = %lld: must be >= 0, and 0 without swa",
		             (long long)c->swa_n);
	if (st == ANNEAL_OK && c->snap_n < 0)
		st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID, "snap_n = %lld: must be >= 0", (long long)c->snap_n);
	for (int32_t i = 0; st == ANNEAL_OK && i < o->ngroup; i++)
		st = group_scales_check(i, L->gh[i].lr_scale, L->gh[i].wd_scale, why, sizeof why);
	for (int32_t i = 0; st == ANNEAL_OK && i < L->s.nparam; i++)
		if (!L->s.structural[i] && !isfinite(L->s.value[i]))
			st = st_fail(why, sizeof why, ANNEAL_ERR_INVALID, "param '%s' = %g: must be finite", L->s.pname[i],
			             L->s.value[i]);
	free(c);
	if (st != ANNEAL_OK)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: refused restored field: %s", path, why);
	return ANNEAL_OK;
}

/* Header, size and checksum: nothing of the file is believed before these pass. */
static anneal_status check_whole(anneal_opt *o, const char *path, int fd, uint64_t *digest)
{
	struct stat st;
	unsigned char pre[CK_HEADER];
	if (fstat(fd, &st) != 0)
		return opt_fail(o, ANNEAL_ERR_IO, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return opt_fail(o, ANNEAL_ERR_IO, "%s: %s", path, strerror(EISDIR));
	if (!S_ISREG(st.st_mode))
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: not a regular file (a checkpoint is one)", path);
	uint64_t actual = (uint64_t)st.st_size;
	if (actual < 8)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: not an anneal checkpoint (%" PRIu64 " bytes)", path, actual);
	if (read_full(fd, pre, actual < CK_HEADER ? (size_t)actual : CK_HEADER) != 0)
		return opt_fail(o, ANNEAL_ERR_IO, "%s: read error: %s", path, strerror(errno));
	if (memcmp(pre, CK_MAGIC, 8) != 0)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: not an anneal checkpoint (bad magic)", path);
	if (actual < CK_HEADER)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: truncated: %" PRIu64 " bytes, shorter than the header", path, actual);
	uint32_t version, order;
	uint64_t size;
	memcpy(&version, pre + 8, 4);
	memcpy(&order, pre + 12, 4);
	memcpy(&size, pre + 16, 8);
	memcpy(digest, pre + 24, 8);
	if (order != CK_ORDER)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: written on a machine of another byte order", path);
	if (version != CK_VERSION)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: checkpoint format version %u, this libanneal reads version %u", path,
		                version, CK_VERSION);
	if (size < CK_HEADER + 8)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: size field %" PRIu64 " is below the header size (%d bytes and a checksum)",
		                path, size, CK_HEADER);
	if (actual < size)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: truncated: %" PRIu64 " of %" PRIu64 " bytes", path, actual, size);
	if (actual > size)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: %" PRIu64 " bytes where the header says %" PRIu64 ": trailing data", path,
		                actual, size);
	CkHash h;
	ck_hash_init(&h);
	ck_hash_add(&h, pre, CK_HEADER);
	size_t bufsz = 1 << 20;
	unsigned char *buf = malloc(bufsz);
	if (buf == NULL)
		return opt_fail(o, ANNEAL_ERR_NOMEM, "%s: out of memory", path);
	for (uint64_t left = size - 8 - CK_HEADER; left > 0;) {
		size_t len = left < bufsz ? (size_t)left : bufsz;
		if (read_full(fd, buf, len) != 0) {
			free(buf);
			return opt_fail(o, ANNEAL_ERR_IO, "%s: read error: %s", path, strerror(errno));
		}
		ck_hash_add(&h, buf, len);
		left -= len;
	}
	free(buf);
	uint64_t stored;
	if (read_full(fd, &stored, 8) != 0)
		return opt_fail(o, ANNEAL_ERR_IO, "%s: read error: %s", path, strerror(errno));
	if (ck_hash_end(&h) != stored)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: checksum mismatch: the file is damaged", path);
	return ANNEAL_OK;
}

static anneal_status read_fail(anneal_opt *o, const char *path, const Reader *r)
{
	if (r->err)
		return opt_fail(o, ANNEAL_ERR_IO, "%s: read error: %s", path, strerror(r->err));
	return opt_fail(o, ANNEAL_ERR_INPUT, "%s: damaged: a field runs past the end of the file", path);
}

/* The second pass: every field and array into L, validated; the hash again,
   so a file changed between the passes is caught too. */
static anneal_status read_state(anneal_opt *o, const char *path, int fd, uint64_t digest, Loaded *L)
{
	unsigned char pre[CK_HEADER];
	uint64_t size;
	anneal_status st;
	if (lseek(fd, 0, SEEK_SET) != 0 || read_full(fd, pre, CK_HEADER) != 0)
		return opt_fail(o, ANNEAL_ERR_IO, "%s: read error: %s", path, strerror(errno));
	memcpy(&size, pre + 16, 8);
	Reader r = {fd, size - CK_HEADER - 8, {0}, 0, 0};
	ck_hash_init(&r.h);
	ck_hash_add(&r.h, pre, CK_HEADER);
#define CK_SAME(T, name, member) get(&r, &L->f.name, sizeof(T));
#define CK_STATE(T, name, member) CK_SAME(T, name, member)
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	if (r.err || r.short_)
		return read_fail(o, path, &r);
	int rc = get_summary(&r, &L->s);
	if (rc == -2)
		return opt_fail(o, ANNEAL_ERR_NOMEM, "%s: out of memory", path);
	if (rc != 0)
		return read_fail(o, path, &r);
	char why[ANNEAL_ERRLEN];
	if (summary_differs(o, &L->s, digest, why, sizeof why))
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: %s", path, why);
	if ((st = same_fields(o, path, &L->f)) != ANNEAL_OK)
		return st;
	L->gh = calloc((size_t)o->ngroup, sizeof *L->gh);
	if (L->gh == NULL)
		return opt_fail(o, ANNEAL_ERR_NOMEM, "%s: out of memory", path);
	for (int32_t i = 0; i < o->ngroup; i++) {
		GroupHead *g = &L->gh[i];
		if (get(&r, &g->n, 8) != 0 || get(&r, &g->lr_scale, 8) != 0 || get(&r, &g->wd_scale, 8) != 0 ||
		    get(&r, &g->mask, 4) != 0)
			return read_fail(o, path, &r);
		if (g->n != o->grp[i].g.n)
			return opt_fail(o, ANNEAL_ERR_INPUT, "%s: group %d has %" PRId64 " elements, this optimizer's has %" PRId64,
			                path, (int)i, g->n, o->grp[i].g.n);
		if (g->mask != ck_mask(&o->grp[i]))
			return opt_fail(o, ANNEAL_ERR_INPUT,
			                "%s: group %d keeps other state arrays (mask 0x%x, this optimizer 0x%x: momentum, centered, amsgrad, swa differ)",
			                path, (int)i, g->mask, ck_mask(&o->grp[i]));
	}
	if (size != ck_file_size(o))
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: %" PRIu64 " bytes, this optimizer's state takes %" PRIu64, path, size,
		                ck_file_size(o));
	if ((st = restored_valid(o, path, L)) != ANNEAL_OK)
		return st;
	L->arrays_len = r.left;
	L->arrays = malloc(L->arrays_len > 0 ? (size_t)L->arrays_len : 1);
	if (L->arrays == NULL)
		return opt_fail(o, ANNEAL_ERR_NOMEM, "%s: out of memory for %" PRIu64 " bytes of scratch state", path,
		                L->arrays_len);
	if (get(&r, L->arrays, (size_t)L->arrays_len) != 0)
		return read_fail(o, path, &r);
	uint64_t stored;
	if (read_full(fd, &stored, 8) != 0)
		return opt_fail(o, ANNEAL_ERR_IO, "%s: read error: %s", path, strerror(errno));
	if (ck_hash_end(&r.h) != stored)
		return opt_fail(o, ANNEAL_ERR_INPUT, "%s: checksum mismatch: the file changed while it was read", path);
	return ANNEAL_OK;
}

/* Nothing here can fail: every byte was read and checked. */
static void commit(anneal_opt *o, const Loaded *L)
{
	const unsigned char *b = L->arrays;
	for (int32_t i = 0; i < o->ngroup; i++)
		for (int a = 0; a < CK_NARRAY; a++) {
			float *x = ck_array(&o->grp[i], a);
			if (x == NULL)
				continue;
			size_t len = (size_t)o->grp[i].g.n * sizeof(float);
			memcpy(x, b, len);
			b += len;
		}
	if (o->cfg.snapshot_keep > 0) {
		size_t len = (size_t)o->cfg.snapshot_keep * (size_t)o->total * sizeof(float);
		memcpy(o->snap_keep, b, len);
		memcpy(o->snap_meta, b + len, 2 * (size_t)o->cfg.snapshot_keep * sizeof(int64_t));
	}
#define CK_SAME(T, name, member)
#define CK_STATE(T, name, member) o->member = L->f.name;
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	for (int32_t i = 0; i < L->s.nparam; i++)
		o->params[i] = L->s.value[i];
	for (int32_t i = 0; i < o->ngroup; i++) {
		o->grp[i].g.lr_scale = o->hostgrp[i].lr_scale = L->gh[i].lr_scale;
		o->grp[i].g.wd_scale = o->hostgrp[i].wd_scale = L->gh[i].wd_scale;
	}
	o->skipped = 0;
}

anneal_status anneal_load(anneal_opt *o, const char *path)
{
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (path == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_load: path is NULL");
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return opt_fail(o, ANNEAL_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	Loaded L;
	memset(&L, 0, sizeof L);
	uint64_t digest = 0;
	anneal_status st = check_whole(o, path, fd, &digest);
	if (st == ANNEAL_OK)
		st = read_state(o, path, fd, digest, &L);
	if (st == ANNEAL_OK)
		commit(o, &L);
	summary_free(&L.s);
	free(L.gh);
	free(L.arrays);
	close(fd);
	return st;
}
