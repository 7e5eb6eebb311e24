/* data.c: Fashion-MNIST from its gzipped idx files (the format of LeCun's MNIST page) into float rows. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fashion.h"

/* Read exactly len bytes; idx files are small enough to read whole. */
static int read_all(gzFile f, void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len > 0) {
		unsigned chunk = len > (1u << 30) ? 1u << 30 : (unsigned)len;
		int got = gzread(f, p, chunk);
		if (got <= 0)
			return -1;
		p += got;
		len -= (size_t)got;
	}
	return 0;
}

/* The idx header: a magic 0x0000 08 NDIM (08 = unsigned bytes), then NDIM
   big-endian 32-bit sizes. */
static gzFile open_idx(const char *path, int ndim, uint32_t *size, char *err, size_t errlen)
{
	errno = 0;
	gzFile f = gzopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		return NULL;
	}
	unsigned char h[16];
	if (read_all(f, h, 4 + 4 * (size_t)ndim) < 0) {
		snprintf(err, errlen, "%s: truncated idx header", path);
		gzclose(f);
		return NULL;
	}
	if (h[0] != 0 || h[1] != 0 || h[2] != 0x08 || h[3] != ndim) {
		snprintf(err, errlen, "%s: not an idx file of %d-dimensional unsigned bytes", path, ndim);
		gzclose(f);
		return NULL;
	}
	for (int i = 0; i < ndim; i++) {
		const unsigned char *b = h + 4 + 4 * i;
		size[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	}
	return f;
}

int data_load(Dataset *d, const char *dir, const char *prefix, int64_t limit, char *err, size_t errlen)
{
	char ipath[4096], lpath[4096];
	snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
	snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
	memset(d, 0, sizeof *d);
	uint32_t is[3], ls[1];
	gzFile fi = open_idx(ipath, 3, is, err, errlen);
	if (fi == NULL)
		return -1;
	gzFile fl = open_idx(lpath, 1, ls, err, errlen);
	if (fl == NULL) {
		gzclose(fi);
		return -1;
	}
	int rc = -1;
	unsigned char *pix = NULL;
	if (is[1] * is[2] != FASHION_PIXELS) {
		snprintf(err, errlen, "%s: images are %ux%u, expected 28x28", ipath, is[1], is[2]);
		goto out;
	}
	if (is[0] != ls[0]) {
		snprintf(err, errlen, "%s holds %u images but %s %u labels", ipath, is[0], lpath, ls[0]);
		goto out;
	}
	d->n = limit > 0 && limit < (int64_t)is[0] ? limit : (int64_t)is[0];
	pix = malloc((size_t)d->n * FASHION_PIXELS);
	d->x = malloc((size_t)d->n * FASHION_PIXELS * sizeof *d->x);
	d->y = malloc((size_t)d->n);
	if (pix == NULL || d->x == NULL || d->y == NULL) {
		snprintf(err, errlen, "out of memory for %lld images", (long long)d->n);
		goto out;
	}
	if (read_all(fi, pix, (size_t)d->n * FASHION_PIXELS) < 0) {
		snprintf(err, errlen, "%s: truncated", ipath);
		goto out;
	}
	if (read_all(fl, d->y, (size_t)d->n) < 0) {
		snprintf(err, errlen, "%s: truncated", lpath);
		goto out;
	}
	for (int64_t i = 0; i < d->n; i++)
		if (d->y[i] >= FASHION_CLASSES) {
			snprintf(err, errlen, "%s: label %u of image %lld is not 0..9", lpath, d->y[i], (long long)i);
			goto out;
		}
	for (int64_t i = 0; i < d->n * FASHION_PIXELS; i++)
		d->x[i] = (float)pix[i] / 255.0f;
	rc = 0;
out:
	free(pix);
	gzclose(fi);
	gzclose(fl);
	if (rc < 0)
		data_free(d);
	return rc;
}

void data_stats(const Dataset *d, double *mean, double *sd)
{
	double s = 0, s2 = 0;
	int64_t n = d->n * FASHION_PIXELS;
	for (int64_t i = 0; i < n; i++) {
		s += d->x[i];
		s2 += (double)d->x[i] * d->x[i];
	}
	*mean = n > 0 ? s / (double)n : 0;
	*sd = n > 0 ? sqrt(s2 / (double)n - *mean * *mean) : 1;
	if (!(*sd > 0))
		*sd = 1;
}

void data_standardise(Dataset *d, double mean, double sd)
{
	float m = (float)mean, inv = (float)(1.0 / sd);
	for (int64_t i = 0; i < d->n * FASHION_PIXELS; i++)
		d->x[i] = (d->x[i] - m) * inv;
}

void data_free(Dataset *d)
{
	free(d->x);
	free(d->y);
	memset(d, 0, sizeof *d);
}
