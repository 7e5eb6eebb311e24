/* checkpoint.c: the checkpoint format, its checksum, and anneal_save (written atomically); ckpt_load.c reads it back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anneal_int.h"

/*
 * Layout, native byte order (an order mark rejects a foreign one):
 *   "ANNEALCK" u32 version u32 order-mark u64 file-size u64 digest
 *   the scalar fields of ckpt_fields.def, each its own width, in order;
 *   the schedule's summary: u32 length and the bytes of its name, i32
 *   nparam, per param u32 length and name, i32 structural, f64 the value
 *   the run used; u32 channel mask, i32 hook count;
 *   per group: i64 n, f64 lr_scale, f64 wd_scale, u32 mask of the arrays
 *   that follow (ckpt_arrays.def order);
 *   per group the arrays of its mask as float32;
 *   the snapshot_keep kept snapshots (float32 copies of every group, then an
 *   i64 step and cycle for each);
 *   u64 checksum of every byte before it.
 * The checksum is FNV-1a over 64-bit words: each step is a bijection of the
 * running value, so any change confined to one word always changes it.
 */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

void ck_hash_init(CkHash *s)
{
	s->h = FNV_OFFSET;
	s->npend = 0;
}

static void hash_word(CkHash *s, const unsigned char *b)
{
	uint64_t w;
	memcpy(&w, b, 8);
	s->h = (s->h ^ w) * FNV_PRIME;
}

void ck_hash_add(CkHash *s, const void *buf, size_t len)
{
	const unsigned char *b = buf;
	while (len > 0 && s->npend > 0 && s->npend < 8) {
		s->pend[s->npend++] = *b++;
		len--;
		if (s->npend == 8) {
			hash_word(s, s->pend);
			s->npend = 0;
		}
	}
	for (; len >= 8; b += 8, len -= 8)
		hash_word(s, b);
	memcpy(s->pend + s->npend, b, len);
	s->npend += len;
}

uint64_t ck_hash_end(CkHash *s)
{
	if (s->npend > 0) {
		memset(s->pend + s->npend, 0, 8 - s->npend);
		hash_word(s, s->pend);
		s->npend = 0;
	}
	return s->h;
}

float *ck_array(const Group *g, int which)
{
	switch (which) {
#define CK_ARRAY(name, member) \
	case CK_A_##name: return g->member;
#include "ckpt_arrays.def"
#undef CK_ARRAY
	}
	return NULL;
}

uint32_t ck_mask(const Group *g)
{
	uint32_t mask = 0;
	for (int w = 0; w < CK_NARRAY; w++)
		if (ck_array(g, w) != NULL)
			mask |= 1u << w;
	return mask;
}

static size_t str_len(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* The size of the file this optimizer writes. */
uint64_t ck_file_size(const anneal_opt *o)
{
	const anneal_desc *d = o->desc;
	uint64_t size = CK_HEADER;
#define CK_SAME(T, name, member) size += sizeof(T);
#define CK_STATE(T, name, member) size += sizeof(T);
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	size += 4 + (d != NULL ? str_len(d->name) : 0) + 4;
	for (int32_t i = 0; d != NULL && i < d->nparam; i++)
		size += 4 + str_len(d->param[i].name) + 4 + 8;
	size += 4 + 4;
	size += (uint64_t)o->ngroup * (8 + 8 + 8 + 4);
	for (int32_t i = 0; i < o->ngroup; i++)
		for (int w = 0; w < CK_NARRAY; w++)
			if (ck_array(&o->grp[i], w) != NULL)
				size += (uint64_t)o->grp[i].g.n * sizeof(float);
	uint64_t k = (uint64_t)o->cfg.snapshot_keep;
	size += k * (uint64_t)o->total * sizeof(float) + 2 * k * sizeof(int64_t);
	return size + 8;
}

typedef struct Writer {
	FILE *f;
	CkHash h;
	int bad;
} Writer;

static void put(Writer *w, const void *buf, size_t len)
{
	if (len == 0 || w->bad)
		return;
	ck_hash_add(&w->h, buf, len);
	if (fwrite(buf, 1, len, w->f) != len)
		w->bad = errno ? errno : EIO;
}

static void put_str(Writer *w, const char *s)
{
	uint32_t n = (uint32_t)str_len(s);
	put(w, &n, 4);
	put(w, s, n);
}

static void put_summary(Writer *w, const anneal_opt *o)
{
	const anneal_desc *d = o->desc;
	int32_t nparam = d != NULL ? d->nparam : 0, nhook = d != NULL ? d->nhook : 0;
	uint32_t channels = d != NULL ? d->channels : 0;
	put_str(w, d != NULL ? d->name : NULL);
	put(w, &nparam, 4);
	for (int32_t i = 0; i < nparam; i++) {
		int32_t structural = d->param[i].structural;
		put_str(w, d->param[i].name);
		put(w, &structural, 4);
		put(w, &o->params[i], 8);
	}
	put(w, &channels, 4);
	put(w, &nhook, 4);
}

/* fsync the directory holding path, so the rename itself is durable. */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path > 0 ? slash - path : 1), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

anneal_status anneal_save(anneal_opt *o, const char *path)
{
	char tmp[4096];
	if (o == NULL)
		return ANNEAL_ERR_INVALID;
	opt_ok(o);
	if (path == NULL)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_save: path is NULL");
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return opt_fail(o, ANNEAL_ERR_INVALID, "anneal_save: checkpoint path too long: %s", path);
	Writer w = {fopen(tmp, "wb"), {0}, 0};
	if (w.f == NULL)
		return opt_fail(o, ANNEAL_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
	ck_hash_init(&w.h);
	uint64_t size = ck_file_size(o);
	uint32_t version = CK_VERSION, order = CK_ORDER;
	uint64_t digest = o->desc != NULL ? o->desc->digest : 0;
	put(&w, CK_MAGIC, 8);
	put(&w, &version, 4);
	put(&w, &order, 4);
	put(&w, &size, 8);
	put(&w, &digest, 8);
#define CK_SAME(T, name, member) { T v = o->member; put(&w, &v, sizeof v); }
#define CK_STATE(T, name, member) CK_SAME(T, name, member)
#include "ckpt_fields.def"
#undef CK_SAME
#undef CK_STATE
	put_summary(&w, o);
	for (int32_t i = 0; i < o->ngroup; i++) {
		const Group *g = &o->grp[i];
		uint32_t mask = ck_mask(g);
		put(&w, &g->g.n, 8);
		put(&w, &g->g.lr_scale, 8);
		put(&w, &g->g.wd_scale, 8);
		put(&w, &mask, 4);
	}
	for (int32_t i = 0; i < o->ngroup; i++)
		for (int a = 0; a < CK_NARRAY; a++)
			if (ck_array(&o->grp[i], a) != NULL)
				put(&w, ck_array(&o->grp[i], a), (size_t)o->grp[i].g.n * sizeof(float));
	if (o->cfg.snapshot_keep > 0) {
		put(&w, o->snap_keep, (size_t)o->cfg.snapshot_keep * (size_t)o->total * sizeof(float));
		put(&w, o->snap_meta, 2 * (size_t)o->cfg.snapshot_keep * sizeof(int64_t));
	}
	uint64_t sum = ck_hash_end(&w.h);
	if (!w.bad && fwrite(&sum, 8, 1, w.f) != 1)
		w.bad = errno ? errno : EIO;
	if (!w.bad && fflush(w.f) != 0)
		w.bad = errno;
	if (!w.bad && fsync(fileno(w.f)) != 0)
		w.bad = errno;
	if (fclose(w.f) != 0 && !w.bad)
		w.bad = errno;
	if (!w.bad && rename(tmp, path) != 0)
		w.bad = errno;
	if (w.bad) {
		unlink(tmp);
		return opt_fail(o, ANNEAL_ERR_IO, "cannot write checkpoint %s: %s", path, strerror(w.bad));
	}
	sync_dir(path);
	return ANNEAL_OK;
}
