/* ckpt.c: anneal_mpi_save and anneal_mpi_load -- shard files, the manifest written last, resharding on load. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "anneal_mpi_int.h"

/*
 * DIR/manifest, text, written last (temporary file, fsync, rename, fsync of
 * the directory):
 *   anneal-mpi-checkpoint 1
 *   generation G
 *   world N
 *   total T
 *   kind K
 *   digest D            (the schedule's, hex; 0 without one)
 *   shards S
 *   shard FIRST COUNT FILE SIZE HASH      (S lines, in element order)
 *   checksum C          (FNV-1a, hex, of every byte before this line)
 * FILE is shard-G-R.ck, a libanneal checkpoint of the optimizer over elements
 * [FIRST, FIRST + COUNT); HASH is FNV-1a of its bytes.  Files of other
 * generations are removed only once the new manifest is in place.
 */
#define MANIFEST_MAGIC "anneal-mpi-checkpoint 1\n"
#define MANIFEST_MAX (256 + (1 << 20) * 160) /* the header and up to 1<<20 shard lines */
#define NAME_MAX_LEN 64

typedef struct Shard {
	int64_t first, count, size;
	uint64_t hash;
	char name[NAME_MAX_LEN];
} Shard;

typedef struct Manifest {
	int64_t generation, world, total, kind, nshard;
	uint64_t digest;
	Shard *shard;
} Manifest;

/* ---- files ---- */

static int join(char *out, size_t n, const char *dir, const char *name)
{
	return snprintf(out, n, "%s/%s", dir, name) < (int)n ? 0 : -1;
}

/* A file's size and FNV-1a hash, read through once. */
static int file_hash(const char *path, int64_t *size, uint64_t *hash)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	unsigned char buf[1 << 16];
	size_t got;
	*size = 0;
	*hash = MPI_FNV_START;
	while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
		*hash = mpi_fnv(*hash, buf, got);
		*size += (int64_t)got;
	}
	int bad = ferror(f), err = errno;
	fclose(f);
	errno = err; /* the read's, for the caller's message */
	return bad ? -1 : 0;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* ---- the manifest ---- */

static int manifest_text(const Manifest *mf, char **text, size_t *len)
{
	size_t cap = 256 + (size_t)mf->nshard * (NAME_MAX_LEN + 96);
	char *t = malloc(cap);
	if (t == NULL)
		return -1;
	size_t n = (size_t)snprintf(t, cap,
	                            MANIFEST_MAGIC "generation %" PRId64 "\nworld %" PRId64 "\ntotal %" PRId64
	                                           "\nkind %" PRId64 "\ndigest %016" PRIx64 "\nshards %" PRId64 "\n",
	                            mf->generation, mf->world, mf->total, mf->kind, mf->digest, mf->nshard);
	for (int64_t i = 0; i < mf->nshard; i++) {
		const Shard *s = &mf->shard[i];
		n += (size_t)snprintf(t + n, cap - n, "shard %" PRId64 " %" PRId64 " %s %" PRId64 " %016" PRIx64 "\n",
		                      s->first, s->count, s->name, s->size, s->hash);
	}
	n += (size_t)snprintf(t + n, cap - n, "checksum %016" PRIx64 "\n", mpi_fnv(MPI_FNV_START, t, n));
	*text = t;
	*len = n;
	return 0;
}

static anneal_status write_manifest(anneal_mpi *m, const char *dir, const Manifest *mf)
{
	char path[4096], tmp[4096];
	char *text;
	size_t len;
	if (join(path, sizeof path, dir, "manifest") < 0 || join(tmp, sizeof tmp, dir, "manifest.tmp") < 0)
		return mpi_fail(m, ANNEAL_ERR_INVALID, "anneal_mpi_save: directory name too long: %s", dir);
	if (manifest_text(mf, &text, &len) < 0)
		return mpi_fail(m, ANNEAL_ERR_NOMEM, "rank 0: out of memory for the manifest");
	int err = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		err = errno;
	else {
		for (size_t at = 0; !err && at < len;) {
			ssize_t w = write(fd, text + at, len - at);
			if (w < 0 && errno != EINTR)
				err = errno;
			else if (w > 0)
				at += (size_t)w;
		}
		if (!err && fsync(fd) != 0)
			err = errno;
		if (close(fd) != 0 && !err)
			err = errno;
		if (!err && rename(tmp, path) != 0)
			err = errno;
		if (err)
			unlink(tmp);
	}
	free(text);
	if (err)
		return mpi_fail(m, ANNEAL_ERR_IO, "rank 0: cannot write %s: %s", path, strerror(err));
	sync_dir(dir);
	return ANNEAL_OK;
}

/* Parse and check the manifest's own rules (not yet against the optimizer). */
static int parse_manifest(const char *text, size_t len, Manifest *mf, char *why, size_t n)
{
	memset(mf, 0, sizeof *mf);
	const char *end = memchr(text, '\0', len) ? text + strlen(text) : text + len;
	const char *last = NULL;
	for (const char *p = text; p < end - 1; p++)
		if (*p == '\n')
			last = p + 1; /* the start of the last line */
	if (len < sizeof MANIFEST_MAGIC - 1 || memcmp(text, MANIFEST_MAGIC, sizeof MANIFEST_MAGIC - 1) != 0)
		return snprintf(why, n, "not an anneal_mpi manifest (no '%.*s' line)", (int)sizeof MANIFEST_MAGIC - 2,
		                MANIFEST_MAGIC), -1;
	uint64_t sum;
	if (last == NULL || sscanf(last, "checksum %" SCNx64, &sum) != 1)
		return snprintf(why, n, "no checksum line at the end"), -1;
	if (mpi_fnv(MPI_FNV_START, text, (size_t)(last - text)) != sum)
		return snprintf(why, n, "checksum mismatch: the manifest is damaged"), -1;
	const char *p = text + sizeof MANIFEST_MAGIC - 1;
	int used;
	if (sscanf(p, "generation %" SCNd64 "\nworld %" SCNd64 "\ntotal %" SCNd64 "\nkind %" SCNd64 "\ndigest %" SCNx64
	           "\nshards %" SCNd64 "\n%n", &mf->generation, &mf->world, &mf->total, &mf->kind, &mf->digest,
	           &mf->nshard, &used) != 6)
		return snprintf(why, n, "malformed header"), -1;
	p += used;
	if (mf->world < 1 || mf->nshard < 1 || mf->nshard > mf->world || mf->nshard > 1 << 20)
		return snprintf(why, n, "%" PRId64 " shards, world %" PRId64 ": out of range", mf->nshard, mf->world), -1;
	mf->shard = calloc((size_t)mf->nshard, sizeof *mf->shard);
	if (mf->shard == NULL)
		return snprintf(why, n, "out of memory"), -1;
	int64_t at = 0;
	for (int64_t i = 0; i < mf->nshard; i++) {
		Shard *s = &mf->shard[i];
		if (sscanf(p, "shard %" SCNd64 " %" SCNd64 " %63s %" SCNd64 " %" SCNx64 "\n%n", &s->first, &s->count, s->name,
		           &s->size, &s->hash, &used) != 5)
			return snprintf(why, n, "malformed shard line %" PRId64, i + 1), -1;
		p += used;
		if (s->first != at || s->count < 0 || s->count > mf->total - at)
			return snprintf(why, n, "shard %" PRId64 " covers [%" PRId64 ", +%" PRId64 "): the shards must tile [0, %"
			                PRId64 ") in order, and this one should start at %" PRId64, i, s->first, s->count,
			                mf->total, at), -1;
		if (strchr(s->name, '/') != NULL || strncmp(s->name, "shard-", 6) != 0)
			return snprintf(why, n, "shard %" PRId64 "'s file name '%s' is not a shard file of this directory", i,
			                s->name), -1;
		at += s->count;
	}
	if (at != mf->total)
		return snprintf(why, n, "the shards cover %" PRId64 " of %" PRId64 " elements", at, mf->total), -1;
	return 0;
}

/* Rank 0 reads the manifest and sends its bytes to every rank, which parses them. */
static anneal_status read_manifest(anneal_mpi *m, const char *dir, Manifest *mf)
{
	char path[4096];
	char *text = NULL;
	int64_t len = -1;
	anneal_status st = ANNEAL_OK;
	if (join(path, sizeof path, dir, "manifest") < 0)
		st = mpi_fail(m, ANNEAL_ERR_INVALID, "anneal_mpi_load: directory name too long: %s", dir);
	if (st == ANNEAL_OK && m->rank == 0) {
		FILE *f = fopen(path, "rb");
		if (f == NULL)
			st = mpi_fail(m, ANNEAL_ERR_IO, "rank 0: cannot open %s: %s", path, strerror(errno));
		else {
			struct stat sb;
			int64_t size = fstat(fileno(f), &sb) == 0 ? (int64_t)sb.st_size : -1;
			if (size < 0 || size > MANIFEST_MAX)
				st = mpi_fail(m, ANNEAL_ERR_INPUT, "rank 0: %s: %s", path,
				              size < 0 ? strerror(errno) : "larger than any manifest");
			else if ((text = malloc((size_t)size + 1)) == NULL)
				st = mpi_fail(m, ANNEAL_ERR_NOMEM, "rank 0: out of memory for the manifest");
			else if ((len = (int64_t)fread(text, 1, (size_t)size, f)) != size)
				st = mpi_fail(m, ANNEAL_ERR_IO, "rank 0: %s: %s", path, ferror(f) ? strerror(errno) : "cut short");
			fclose(f);
		}
	}
	if ((st = mpi_agree(m, st)) != ANNEAL_OK) {
		free(text);
		return st;
	}
	int rc = MPI_Bcast(&len, 1, MPI_INT64_T, 0, m->comm);
	if (rc == MPI_SUCCESS && m->rank != 0 && (text = malloc((size_t)len + 1)) == NULL)
		st = mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory for the manifest", m->rank);
	if (rc != MPI_SUCCESS || (st = mpi_agree(m, st)) != ANNEAL_OK) {
		free(text);
		return rc != MPI_SUCCESS ? mpi_error(m, "sharing the manifest", rc) : st;
	}
	if ((rc = MPI_Bcast(text, (int)len, MPI_CHAR, 0, m->comm)) != MPI_SUCCESS) {
		free(text);
		return mpi_error(m, "sharing the manifest", rc);
	}
	text[len] = '\0';
	char why[200];
	if (parse_manifest(text, (size_t)len, mf, why, sizeof why) < 0)
		st = mpi_fail(m, ANNEAL_ERR_INPUT, "%s: %s", path, why);
	free(text);
	/* The same bytes give the same verdict, but memory may run out on one rank only. */
	return mpi_agree(m, st);
}

static void manifest_free(Manifest *mf)
{
	free(mf->shard);
	mf->shard = NULL;
}

/* ---- save ---- */

/* The largest generation named in dir (its manifest, its shard files), or at least `gen`. */
static int64_t newest_on_disk(const char *dir, int64_t gen)
{
	char path[4096], head[256];
	int64_t g;
	FILE *f = join(path, sizeof path, dir, "manifest") == 0 ? fopen(path, "rb") : NULL;
	if (f != NULL) {
		size_t len = fread(head, 1, sizeof head - 1, f);
		head[len] = '\0';
		fclose(f);
		if (sscanf(head, MANIFEST_MAGIC "generation %" SCNd64, &g) == 1 && g > gen)
			gen = g;
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		long long lg;
		int r;
		if (sscanf(e->d_name, "shard-%lld-%d.ck", &lg, &r) == 2 && lg > gen)
			gen = lg;
	}
	if (d != NULL)
		closedir(d);
	return gen;
}

/* What each writing rank reports to rank 0 about its shard. */
typedef struct Written {
	int64_t first, count, size;
	uint64_t hash;
} Written;

static int writes(const anneal_mpi *m, int rank)
{
	return m->mode == ANNEAL_MPI_SHARDED || rank == 0;
}

/* Rank 0: remove what no manifest names -- other generations' shards and
   temporary files left by an interrupted save.  Only names this library
   writes are touched. */
static void remove_stale(const char *dir, int64_t generation)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	char path[4096];
	while ((e = readdir(d)) != NULL) {
		long long g;
		int r, used = 0;
		if (sscanf(e->d_name, "shard-%lld-%d.ck%n", &g, &r, &used) != 2 || used == 0)
			continue;
		const char *rest = e->d_name + used;
		int old_shard = rest[0] == '\0' && g != generation;
		int temporary = strcmp(rest, ".tmp") == 0; /* anneal_save's, of a save that was cut short */
		if ((old_shard || temporary) && join(path, sizeof path, dir, e->d_name) == 0)
			unlink(path);
	}
	closedir(d);
}

anneal_status anneal_mpi_save(anneal_mpi *m, const char *dir)
{
	if (m == NULL)
		return ANNEAL_ERR_INVALID;
	mpi_ok(m);
	anneal_status st = dir != NULL ? ANNEAL_OK : mpi_fail(m, ANNEAL_ERR_INVALID, "anneal_mpi_save: dir is NULL");
	if ((st = mpi_agree(m, st)) != ANNEAL_OK)
		return st;
	/* The next generation: past ours and past every one on disk -- the
	   manifest's and any shard file's, so a manifest rank 0 cannot read
	   never makes a save reuse the names of the files it points to. */
	int64_t gen = m->generation;
	if (m->rank == 0)
		gen = newest_on_disk(dir, gen);
	int rc = MPI_Bcast(&gen, 1, MPI_INT64_T, 0, m->comm);
	if (rc != MPI_SUCCESS)
		return mpi_error(m, "agreeing on the checkpoint's generation", rc);
	gen++;
	Written w = {0, 0, 0, 0};
	char name[NAME_MAX_LEN], path[4096];
	snprintf(name, sizeof name, "shard-%lld-%d.ck", (long long)gen, m->rank);
	if (writes(m, m->rank)) {
		anneal_mpi_share(m, &w.first, &w.count);
		if (join(path, sizeof path, dir, name) < 0)
			st = mpi_fail(m, ANNEAL_ERR_INVALID, "anneal_mpi_save: directory name too long: %s", dir);
		else if ((st = anneal_save(m->local, path)) != ANNEAL_OK)
			mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(m->local));
		else if (file_hash(path, &w.size, &w.hash) < 0)
			st = mpi_fail(m, ANNEAL_ERR_IO, "rank %d: cannot read back %s: %s", m->rank, path, strerror(errno));
	}
	Written *all = m->rank == 0 ? calloc((size_t)m->size, sizeof *all) : NULL;
	if (m->rank == 0 && all == NULL && st == ANNEAL_OK)
		st = mpi_fail(m, ANNEAL_ERR_NOMEM, "rank 0: out of memory");
	int unpublished = 0; /* failed before rank 0 could name this rank's file */
	if ((st = mpi_agree(m, st)) != ANNEAL_OK)
		unpublished = 1;
	else {
		rc = MPI_Gather(&w, (int)sizeof w, MPI_BYTE, all, (int)sizeof w, MPI_BYTE, 0, m->comm);
		if (rc != MPI_SUCCESS)
			st = mpi_error(m, "gathering the shards' checksums", rc);
	}
	if (st == ANNEAL_OK && m->rank == 0) {
		Manifest mf = {gen, m->size, m->total, m->cfg.kind, 0, m->desc != NULL ? m->desc->digest : 0, NULL};
		mf.shard = calloc((size_t)m->size, sizeof *mf.shard);
		if (mf.shard == NULL)
			st = mpi_fail(m, ANNEAL_ERR_NOMEM, "rank 0: out of memory");
		for (int r = 0; st == ANNEAL_OK && r < m->size; r++) {
			if (!writes(m, r))
				continue;
			Shard *s = &mf.shard[mf.nshard++];
			s->first = all[r].first;
			s->count = all[r].count;
			s->size = all[r].size;
			s->hash = all[r].hash;
			snprintf(s->name, sizeof s->name, "shard-%lld-%d.ck", (long long)gen, r);
		}
		if (st == ANNEAL_OK)
			st = write_manifest(m, dir, &mf);
		if (st == ANNEAL_OK)
			remove_stale(dir, gen);
		manifest_free(&mf);
	}
	free(all);
	if (!unpublished)
		st = mpi_agree(m, st);
	/* No manifest names it: the previous checkpoint stands.  (A file a new
	   manifest may name is left; the next save removes it if it is stale.) */
	if (unpublished && writes(m, m->rank) && join(path, sizeof path, dir, name) == 0)
		unlink(path);
	if (st == ANNEAL_OK)
		m->generation = gen;
	return st;
}

/* ---- load ---- */

static const int32_t state_kinds[] = {ANNEAL_STATE_MOMENTUM, ANNEAL_STATE_SQUARE, ANNEAL_STATE_GRAD_AVG,
                                      ANNEAL_STATE_SWA, ANNEAL_STATE_MAX_SQUARE};
#define NKIND ((int)(sizeof state_kinds / sizeof state_kinds[0]))

/* A load in progress: everything read and checked, nothing committed. */
typedef struct Staged {
	int64_t lo, hi;       /* the elements whose state this rank keeps */
	float *param;         /* every parameter */
	float *state[NKIND];  /* [lo, hi) of each state array the local optimizer has */
	anneal_opt *counters; /* the first shard's counters, over no elements (resharding only) */
	int same_layout;      /* the checkpoint's shards are this job's */
} Staged;

static void staged_free(Staged *s)
{
	free(s->param);
	for (int k = 0; k < NKIND; k++)
		free(s->state[k]);
	anneal_destroy(s->counters);
}

/* State array `kind` of an optimizer over elements [lo, hi) of the whole (its
   groups as mpi_subgroups lays them out) to or from `part`, which holds
   elements [part_lo, part_hi): the overlap only. */
static void copy_state(anneal_mpi *m, anneal_opt *o, int64_t lo, int64_t hi, int kind, float *part,
                       int64_t part_lo, int64_t part_hi, int into_o)
{
	anneal_group *sub = m->sub;
	int32_t n = mpi_subgroups(m, lo, hi, NULL, NULL, sub);
	int64_t a = lo;
	for (int32_t j = 0; j < n; a += sub[j].n, j++) {
		int64_t b = a + sub[j].n;
		int64_t c = a > part_lo ? a : part_lo, d = b < part_hi ? b : part_hi;
		float *x = anneal_state_array(o, j, state_kinds[kind]);
		if (x == NULL || c >= d)
			continue;
		if (into_o)
			memcpy(x + (c - a), part + (c - part_lo), (size_t)(d - c) * sizeof(float));
		else
			memcpy(part + (c - part_lo), x + (c - a), (size_t)(d - c) * sizeof(float));
	}
}

/* Read and check one shard into the staging area. */
static anneal_status stage_shard(anneal_mpi *m, const char *dir, const Shard *s, Staged *sg)
{
	char path[4096];
	int64_t size;
	uint64_t hash;
	if (join(path, sizeof path, dir, s->name) < 0)
		return mpi_fail(m, ANNEAL_ERR_INVALID, "anneal_mpi_load: directory name too long: %s", dir);
	if (file_hash(path, &size, &hash) < 0)
		return mpi_fail(m, ANNEAL_ERR_IO, "rank %d: cannot read %s: %s", m->rank, path, strerror(errno));
	if (size != s->size || hash != s->hash)
		return mpi_fail(m, ANNEAL_ERR_INPUT, "rank %d: %s is not the file the manifest names (size or checksum "
		                "differs)", m->rank, path);
	int64_t hi = s->first + s->count;
	float *zero = calloc((size_t)(s->count > 0 ? s->count : 1), sizeof(float));
	anneal_group *sub = m->sub;
	anneal_opt *reader = NULL;
	anneal_status st = ANNEAL_OK;
	if (zero == NULL)
		st = mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory reading %s", m->rank, path);
	else {
		anneal_config c = m->cfg;
		if (m->mode == ANNEAL_MPI_SHARDED)
			c.nonfinite = ANNEAL_NONFINITE_PASS;
		int32_t n = mpi_subgroups(m, s->first, hi, sg->param + s->first, zero, sub);
		char err[ANNEAL_ERRLEN];
		st = anneal_create(&c, sub, n, m->desc, NULL, &reader, err, sizeof err);
		if (st != ANNEAL_OK)
			mpi_fail(m, st, "rank %d: %s", m->rank, err);
		else if ((st = anneal_load(reader, path)) != ANNEAL_OK)
			mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(reader));
	}
	if (st == ANNEAL_OK && !sg->same_layout && m->cfg.snapshot_keep > 0 && anneal_snapshot_count(reader) > 0)
		st = mpi_fail(m, ANNEAL_ERR_UNSUPPORTED, "%s: its kept snapshots are of a %s layout; they load only onto "
		              "the layout that saved them", path, "different");
	if (st == ANNEAL_OK)
		for (int k = 0; k < NKIND; k++)
			if (sg->state[k] != NULL)
				copy_state(m, reader, s->first, hi, k, sg->state[k], sg->lo, sg->hi, 0);
	free(zero);
	/* The counters, kept in an optimizer of no elements: the reader's arrays
	   (the whole state, for a one-shard checkpoint) go now, not at the end. */
	if (st == ANNEAL_OK && sg->counters == NULL && !sg->same_layout) {
		anneal_config c = m->cfg;
		if (m->mode == ANNEAL_MPI_SHARDED)
			c.nonfinite = ANNEAL_NONFINITE_PASS;
		anneal_group none = {NULL, NULL, 0, 1, 1};
		char err[ANNEAL_ERRLEN];
		if ((st = anneal_create(&c, &none, 1, m->desc, NULL, &sg->counters, err, sizeof err)) != ANNEAL_OK)
			mpi_fail(m, st, "rank %d: %s", m->rank, err);
		else if ((st = anneal_adopt_counters(sg->counters, reader)) != ANNEAL_OK)
			mpi_fail(m, st, "rank %d: %s: %s", m->rank, path, anneal_errmsg(sg->counters));
	}
	anneal_destroy(reader);
	return st;
}

static int same_layout(const anneal_mpi *m, const Manifest *mf)
{
	if (m->mode == ANNEAL_MPI_REPLICATED)
		return mf->nshard == 1;
	if (mf->nshard != m->size)
		return 0;
	for (int r = 0; r < m->size; r++)
		if (mf->shard[r].first != m->first[r] || mf->shard[r].count != m->count[r])
			return 0;
	return 1;
}

static anneal_status stage(anneal_mpi *m, const char *dir, const Manifest *mf, Staged *sg)
{
	if (mf->total != m->total)
		return mpi_fail(m, ANNEAL_ERR_INPUT, "%s: holds %lld parameters, this job has %lld", dir,
		                (long long)mf->total, (long long)m->total);
	if (mf->kind != m->cfg.kind)
		return mpi_fail(m, ANNEAL_ERR_INPUT, "%s: holds optimizer kind %lld, this job's is %d", dir,
		                (long long)mf->kind, (int)m->cfg.kind);
	uint64_t digest = m->desc != NULL ? m->desc->digest : 0;
	if (mf->digest != digest)
		return mpi_fail(m, ANNEAL_ERR_INPUT, "%s: saved under schedule digest %016llx, this job's is %016llx", dir,
		                (unsigned long long)mf->digest, (unsigned long long)digest);
	int64_t first, count;
	anneal_mpi_share(m, &first, &count);
	sg->lo = first;
	sg->hi = first + count;
	sg->same_layout = same_layout(m, mf);
	sg->param = malloc((size_t)(m->total > 0 ? m->total : 1) * sizeof(float));
	if (sg->param == NULL)
		return mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory for the parameters", m->rank);
	for (int k = 0; k < NKIND; k++) {
		if (anneal_state_array(m->local, 0, state_kinds[k]) == NULL)
			continue;
		if ((sg->state[k] = malloc((size_t)(count > 0 ? count : 1) * sizeof(float))) == NULL)
			return mpi_fail(m, ANNEAL_ERR_NOMEM, "rank %d: out of memory for the state", m->rank);
	}
	anneal_status st = ANNEAL_OK;
	for (int64_t i = 0; i < mf->nshard && st == ANNEAL_OK; i++)
		st = stage_shard(m, dir, &mf->shard[i], sg);
	return st;
}

/* Nothing here can fail but a shard file changed since it was checked. */
static anneal_status commit(anneal_mpi *m, const char *dir, const Manifest *mf, const Staged *sg)
{
	anneal_status st = ANNEAL_OK;
	if (sg->same_layout) {
		/* libanneal's own load: the snapshot rings too (checked when staged). */
		char path[4096];
		const Shard *own = &mf->shard[m->mode == ANNEAL_MPI_SHARDED ? m->rank : 0];
		join(path, sizeof path, dir, own->name);
		if ((st = anneal_load(m->local, path)) != ANNEAL_OK)
			return mpi_fail(m, st, "rank %d: %s (changed since it was checked)", m->rank, anneal_errmsg(m->local));
	} else {
		if ((st = anneal_adopt_counters(m->local, sg->counters)) != ANNEAL_OK)
			return mpi_fail(m, st, "rank %d: %s", m->rank, anneal_errmsg(m->local));
		for (int k = 0; k < NKIND; k++)
			if (sg->state[k] != NULL)
				copy_state(m, m->local, sg->lo, sg->hi, k, sg->state[k], sg->lo, sg->hi, 1);
	}
	for (int32_t i = 0; i < m->ngroup; i++)
		if (m->group[i].n > 0)
			memcpy(m->group[i].param, sg->param + m->base[i], (size_t)m->group[i].n * sizeof(float));
	return st;
}

anneal_status anneal_mpi_load(anneal_mpi *m, const char *dir)
{
	if (m == NULL)
		return ANNEAL_ERR_INVALID;
	mpi_ok(m);
	anneal_status st = dir != NULL ? ANNEAL_OK : mpi_fail(m, ANNEAL_ERR_INVALID, "anneal_mpi_load: dir is NULL");
	if ((st = mpi_agree(m, st)) != ANNEAL_OK)
		return st;
	Manifest mf = {0};
	if ((st = read_manifest(m, dir, &mf)) != ANNEAL_OK) {
		manifest_free(&mf);
		return st;
	}
	Staged sg;
	memset(&sg, 0, sizeof sg);
	st = mpi_agree(m, stage(m, dir, &mf, &sg));
	if (st == ANNEAL_OK)
		st = mpi_agree(m, commit(m, dir, &mf, &sg));
	if (st == ANNEAL_OK)
		m->generation = mf.generation;
	staged_free(&sg);
	manifest_free(&mf);
	return st;
}
