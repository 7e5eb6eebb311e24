/* checkpoint.c: the optimizer's whole state to a versioned, checksummed file, written atomically, and back. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anneal_int.h"

/*
 * Layout, native byte order (an order mark rejects a foreign one):
 *   "ANNEALCK" u32 version u32 order-mark u64 file-size u64 digest
 *   the scalar state (Fields below), then per group: i64 n, f64 lr_scale,
 *   f64 wd_scale, u32 mask of the arrays that follow;
 *   then per group the arrays of its mask (p, m, v, a, swa) as float32;
 *   then the snapshot_keep kept snapshots (float32 copies of every group,
 *   then an i64 step and cycle for each);
 *   then u64 checksum of every byte before it.
 * The checksum is FNV-1a over 64-bit words: each step is a bijection of the
 * running value, so any change confined to one word always changes it.
 */
#define CK_MAGIC "ANNEALCK"
#define CK_VERSION 1u
#define CK_ORDER 0x01020304u
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

typedef struct Hash {
	uint64_t h;
	unsigned char pend[8];
	size_t npend;
} Hash;

static void hash_init(Hash *s)
{
	s->h = FNV_OFFSET;
	s->npend = 0;
}

static void hash_word(Hash *s, const unsigned char *b)
{
	uint64_t w;
	memcpy(&w, b, 8);
	s->h = (s->h ^ w) * FNV_PRIME;
}

static void hash_add(Hash *s, const void *buf, size_t len)
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

static uint64_t hash_end(Hash *s)
{
	if (s->npend > 0) {
		memset(s->pend + s->npend, 0, 8 - s->npend);
		hash_word(s, s->pend);
		s->npend = 0;
	}
	return s->h;
}

/* The scalar state, in file order. */
typedef struct Fields {
	int32_t kind, ngroup, nparam, nesterov, centered, amsgrad, bias, pad;
	double lr, momentum, beta2, weight_decay, temperature, dampening, eps;
	uint64_t seed;
	int64_t step, t_adam, swa_n;
	double prod1, prod2;
	int32_t sgd_fresh, has_swa;
	Plateau plateau;
	int64_t snap_n, snap_keep;
} Fields;

typedef struct GroupHead {
	int64_t n;
	double lr_scale, wd_scale;
	uint32_t mask;
	uint32_t pad;
} GroupHead;

static void get_fields(const anneal_opt *o, Fields *f)
{
	memset(f, 0, sizeof *f);
	f->kind = o->cfg.kind;
	f->ngroup = o->ngroup;
	f->nparam = o->desc != NULL ? o->desc->nparam : 0;
	f->nesterov = o->cfg.nesterov;
	f->centered = o->cfg.centered;
	f->amsgrad = o->cfg.amsgrad;
	f->bias = o->cfg.bias;
	f->lr = o->cfg.lr;
	f->momentum = o->cfg.momentum;
	f->beta2 = o->cfg.beta2;
	f->weight_decay = o->cfg.weight_decay;
	f->temperature = o->cfg.temperature;
	f->dampening = o->cfg.dampening;
	f->eps = o->cfg.eps;
	f->seed = o->cfg.seed;
	f->step = o->step;
	f->t_adam = o->t_adam;
	f->swa_n = o->swa_n;
	f->prod1 = o->prod1;
	f->prod2 = o->prod2;
	f->sgd_fresh = o->sgd_fresh;
	f->has_swa = o->has_swa;
	f->plateau = o->plateau;
	f->snap_n = o->snap_n;
	f->snap_keep = o->cfg.snapshot_keep;
}

static float *group_array(Group *g, int which)
{
	float *a[5] = {g->g.param, g->m, g->v, g->a, g->swa};
	return a[which];
}

static uint32_t group_mask(Group *g)
{
	uint32_t mask = 0;
	for (int w = 0; w < 5; w++)
		if (group_array(g, w) != NULL)
			mask |= 1u << w;
	return mask;
}

/* The kept snapshots (copies, then step and cycle of each) follow the group arrays. */
static uint64_t snap_bytes(const anneal_opt *o)
{
	uint64_t k = (uint64_t)o->cfg.snapshot_keep;
	return k * (uint64_t)o->total * sizeof(float) + 2 * k * sizeof(int64_t);
}

/* The size of the file this optimizer writes, and the offset of its arrays. */
static uint64_t file_size(anneal_opt *o, uint64_t *arrays_at)
{
	int32_t nparam = o->desc != NULL ? o->desc->nparam : 0;
	uint64_t size = 32 + sizeof(Fields) + 8 * (uint64_t)nparam + (uint64_t)o->ngroup * sizeof(GroupHead);
	*arrays_at = size;
	for (int32_t i = 0; i < o->ngroup; i++)
		for (int w = 0; w < 5; w++)
			if (group_array(&o->grp[i], w) != NULL)
				size += (uint64_t)o->grp[i].g.n * sizeof(float);
	return size + snap_bytes(o) + 8;
}

typedef struct Writer {
	FILE *f;
	Hash h;
	int bad;
} Writer;

static void put(Writer *w, const void *buf, size_t len)
{
	if (len == 0 || w->bad)
		return;
	hash_add(&w->h, buf, len);
	if (fwrite(buf, 1, len, w->f) != len)
		w->bad = errno ? errno : EIO;
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

int anneal_save(anneal_opt *o, const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return opt_fail(o, "checkpoint path too long: %s", path);
	Writer w = {fopen(tmp, "wb"), {0}, 0};
	if (w.f == NULL)
		return opt_fail(o, "cannot create %s: %s", tmp, strerror(errno));
	hash_init(&w.h);
	uint64_t arrays_at, size = file_size(o, &arrays_at);
	uint32_t version = CK_VERSION, order = CK_ORDER;
	uint64_t digest = o->desc != NULL ? o->desc->digest : 0;
	Fields f;
	get_fields(o, &f);
	put(&w, CK_MAGIC, 8);
	put(&w, &version, 4);
	put(&w, &order, 4);
	put(&w, &size, 8);
	put(&w, &digest, 8);
	put(&w, &f, sizeof f);
	if (f.nparam > 0)
		put(&w, o->params, 8 * (size_t)f.nparam);
	for (int32_t i = 0; i < o->ngroup; i++) {
		Group *g = &o->grp[i];
		GroupHead gh = {g->g.n, g->g.lr_scale, g->g.wd_scale, group_mask(g), 0};
		put(&w, &gh, sizeof gh);
	}
	for (int32_t i = 0; i < o->ngroup; i++)
		for (int a = 0; a < 5; a++)
			if (group_array(&o->grp[i], a) != NULL)
				put(&w, group_array(&o->grp[i], a), (size_t)o->grp[i].g.n * sizeof(float));
	if (o->cfg.snapshot_keep > 0) {
		put(&w, o->snap_keep, (size_t)o->cfg.snapshot_keep * (size_t)o->total * sizeof(float));
		put(&w, o->snap_meta, 2 * (size_t)o->cfg.snapshot_keep * sizeof(int64_t));
	}
	uint64_t sum = hash_end(&w.h);
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
		return opt_fail(o, "cannot write checkpoint %s: %s", path, strerror(w.bad));
	}
	sync_dir(path);
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *b = buf;
	while (len > 0) {
		ssize_t r = read(fd, b, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Everything load must know before it changes anything. */
typedef struct Loaded {
	Fields f;
	double *params;
	GroupHead *gh;
} Loaded;

static int check_file(anneal_opt *o, const char *path, int fd, Loaded *L)
{
	struct stat st;
	unsigned char pre[32];
	if (fstat(fd, &st) != 0)
		return opt_fail(o, "%s: %s", path, strerror(errno));
	uint64_t actual = (uint64_t)st.st_size;
	if (actual < 8 || read_full(fd, pre, actual < 32 ? (size_t)actual : 32) != 0)
		return opt_fail(o, "%s: not an anneal checkpoint (%" PRIu64 " bytes)", path, actual);
	if (memcmp(pre, CK_MAGIC, 8) != 0)
		return opt_fail(o, "%s: not an anneal checkpoint (bad magic)", path);
	if (actual < 32)
		return opt_fail(o, "%s: truncated: %" PRIu64 " bytes, shorter than the header", path, actual);
	uint32_t version, order;
	uint64_t size, digest;
	memcpy(&version, pre + 8, 4);
	memcpy(&order, pre + 12, 4);
	memcpy(&size, pre + 16, 8);
	memcpy(&digest, pre + 24, 8);
	if (order != CK_ORDER)
		return opt_fail(o, "%s: written on a machine of another byte order", path);
	if (version != CK_VERSION)
		return opt_fail(o, "%s: checkpoint format version %u, this libanneal reads version %u", path, version,
		                CK_VERSION);
	if (actual < size)
		return opt_fail(o, "%s: truncated: %" PRIu64 " of %" PRIu64 " bytes", path, actual, size);
	if (actual > size)
		return opt_fail(o, "%s: %" PRIu64 " bytes where the header says %" PRIu64 ": trailing data", path, actual,
		                size);

	/* The whole file against its checksum before any field is believed. */
	Hash h;
	hash_init(&h);
	hash_add(&h, pre, 32);
	size_t bufsz = 1 << 20;
	unsigned char *buf = malloc(bufsz);
	if (buf == NULL)
		return opt_fail(o, "%s: out of memory", path);
	for (uint64_t left = size - 8 - 32; left > 0;) {
		size_t len = left < bufsz ? (size_t)left : bufsz;
		if (read_full(fd, buf, len) != 0) {
			free(buf);
			return opt_fail(o, "%s: read error: %s", path, strerror(errno ? errno : EIO));
		}
		hash_add(&h, buf, len);
		left -= len;
	}
	free(buf);
	uint64_t stored;
	if (read_full(fd, &stored, 8) != 0)
		return opt_fail(o, "%s: read error", path);
	if (hash_end(&h) != stored)
		return opt_fail(o, "%s: checksum mismatch: the file is damaged", path);

	uint64_t mine = o->desc != NULL ? o->desc->digest : 0;
	if (digest != mine)
		return opt_fail(o, "%s: written for a schedule with digest %016" PRIx64 ", this optimizer runs '%s' with digest %016" PRIx64,
		                path, digest, o->desc != NULL && o->desc->name ? o->desc->name : "(no schedule)", mine);
	if (lseek(fd, 32, SEEK_SET) != 32 || read_full(fd, &L->f, sizeof L->f) != 0)
		return opt_fail(o, "%s: read error", path);
	static const char *const kinds[] = {"SGD", "Adam", "AdamW", "RMSProp"};
	if (L->f.kind != o->cfg.kind)
		return opt_fail(o, "%s: holds %s state, this optimizer is %s", path,
		                L->f.kind >= 0 && L->f.kind < 4 ? kinds[L->f.kind] : "unknown", kinds[o->cfg.kind]);
	int32_t nparam = o->desc != NULL ? o->desc->nparam : 0;
	if (L->f.snap_keep != o->cfg.snapshot_keep)
		return opt_fail(o, "%s: keeps %lld snapshots, this optimizer %d", path, (long long)L->f.snap_keep,
		                (int)o->cfg.snapshot_keep);
	if (L->f.ngroup != o->ngroup || L->f.nparam != nparam)
		return opt_fail(o, "%s: has %d groups and %d schedule params, this optimizer %d and %d", path,
		                (int)L->f.ngroup, (int)L->f.nparam, (int)o->ngroup, (int)nparam);
	L->params = malloc(8 * (size_t)(nparam > 0 ? nparam : 1));
	L->gh = malloc(sizeof *L->gh * (size_t)o->ngroup);
	if (L->params == NULL || L->gh == NULL)
		return opt_fail(o, "%s: out of memory", path);
	if ((nparam > 0 && read_full(fd, L->params, 8 * (size_t)nparam) != 0) ||
	    read_full(fd, L->gh, sizeof *L->gh * (size_t)o->ngroup) != 0)
		return opt_fail(o, "%s: read error", path);
	for (int32_t i = 0; i < o->ngroup; i++) {
		if (L->gh[i].n != o->grp[i].g.n)
			return opt_fail(o, "%s: group %d has %" PRId64 " elements, this optimizer's has %" PRId64, path, (int)i,
			                L->gh[i].n, o->grp[i].g.n);
		if (L->gh[i].mask != group_mask(&o->grp[i]))
			return opt_fail(o, "%s: group %d keeps other state arrays (options differ: momentum, centered, amsgrad, swa)",
			                path, (int)i);
	}
	uint64_t arrays_at;
	if (file_size(o, &arrays_at) != size)
		return opt_fail(o, "%s: size does not match this optimizer's state", path);
	return 0;
}

int anneal_load(anneal_opt *o, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return opt_fail(o, "cannot open %s: %s", path, strerror(errno));
	Loaded L = {0};
	int rc = check_file(o, path, fd, &L);
	if (rc == 0) {
		/* Validated: from here on only an I/O error while reading the arrays
		   back, which the first pass just read, could leave a partial state. */
		for (int32_t i = 0; i < o->ngroup && rc == 0; i++)
			for (int a = 0; a < 5 && rc == 0; a++)
				if (group_array(&o->grp[i], a) != NULL &&
				    read_full(fd, group_array(&o->grp[i], a), (size_t)o->grp[i].g.n * sizeof(float)) != 0)
					rc = opt_fail(o, "%s: read error while restoring: the state is now undefined", path);
		if (rc == 0 && o->cfg.snapshot_keep > 0 &&
		    (read_full(fd, o->snap_keep, (size_t)o->cfg.snapshot_keep * (size_t)o->total * sizeof(float)) != 0 ||
		     read_full(fd, o->snap_meta, 2 * (size_t)o->cfg.snapshot_keep * sizeof(int64_t)) != 0))
			rc = opt_fail(o, "%s: read error while restoring: the state is now undefined", path);
	}
	if (rc == 0) {
		const Fields *f = &L.f;
		o->cfg.nesterov = f->nesterov;
		o->cfg.centered = f->centered;
		o->cfg.amsgrad = f->amsgrad;
		o->cfg.bias = f->bias;
		o->cfg.lr = f->lr;
		o->cfg.momentum = f->momentum;
		o->cfg.beta2 = f->beta2;
		o->cfg.weight_decay = f->weight_decay;
		o->cfg.temperature = f->temperature;
		o->cfg.dampening = f->dampening;
		o->cfg.eps = f->eps;
		o->cfg.seed = f->seed;
		o->step = f->step;
		o->t_adam = f->t_adam;
		o->swa_n = f->swa_n;
		o->prod1 = f->prod1;
		o->prod2 = f->prod2;
		o->sgd_fresh = f->sgd_fresh;
		o->plateau = f->plateau;
		o->snap_n = f->snap_n;
		for (int32_t i = 0; i < f->nparam; i++)
			o->params[i] = L.params[i];
		for (int32_t i = 0; i < o->ngroup; i++) {
			o->grp[i].g.lr_scale = o->hostgrp[i].lr_scale = L.gh[i].lr_scale;
			o->grp[i].g.wd_scale = o->hostgrp[i].wd_scale = L.gh[i].wd_scale;
		}
	}
	free(L.params);
	free(L.gh);
	close(fd);
	return rc;
}
