/* mlp.c: a ReLU MLP with softmax cross-entropy, every matrix product through cblas_sgemm. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "fashion.h"

int mlp_blas_threads(int n)
{
#ifdef OPENBLAS_VERSION
	openblas_set_num_threads(n);
	return 0;
#else
	return n == 1 ? 0 : -1;
#endif
}

uint64_t fashion_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [-bound, bound): torch.nn.Linear's default initialisation
   (kaiming_uniform with a = sqrt(5) gives bound = 1/sqrt(fan_in) for the
   weights, and the bias uses the same bound). */
static void uniform(float *p, int64_t n, double bound, uint64_t *s)
{
	for (int64_t i = 0; i < n; i++)
		p[i] = (float)(bound * (2.0 * (double)(fashion_rand(s) >> 11) * 0x1p-53 - 1.0));
}

int mlp_init(Mlp *m, const int *dim, int nlayer, int batch, uint64_t seed)
{
	memset(m, 0, sizeof *m);
	if (nlayer < 1 || nlayer > FASHION_MAX_LAYERS)
		return -1;
	m->nlayer = nlayer;
	m->batch = batch;
	int widest = 0;
	for (int l = 0; l <= nlayer; l++) {
		m->dim[l] = dim[l];
		if (l > 0 && dim[l] > widest)
			widest = dim[l];
	}
	for (int l = 0; l < nlayer; l++) {
		m->woff[l] = m->nweight;
		m->boff[l] = m->nbias;
		m->nweight += (int64_t)dim[l] * dim[l + 1];
		m->nbias += dim[l + 1];
	}
	m->w = malloc((size_t)m->nweight * sizeof(float));
	m->gw = malloc((size_t)m->nweight * sizeof(float));
	m->b = malloc((size_t)m->nbias * sizeof(float));
	m->gb = malloc((size_t)m->nbias * sizeof(float));
	int ok = m->w && m->gw && m->b && m->gb;
	for (int l = 0; l <= nlayer && ok; l++)
		ok = (m->act[l] = malloc((size_t)batch * (size_t)dim[l] * sizeof(float))) != NULL;
	for (int k = 0; k < 2 && ok; k++)
		ok = (m->delta[k] = malloc((size_t)batch * (size_t)widest * sizeof(float))) != NULL;
	if (!ok) {
		mlp_free(m);
		return -1;
	}
	uint64_t s = seed;
	for (int l = 0; l < nlayer; l++) {
		double bound = 1.0 / sqrt((double)dim[l]);
		uniform(m->w + m->woff[l], (int64_t)dim[l] * dim[l + 1], bound, &s);
		uniform(m->b + m->boff[l], dim[l + 1], bound, &s);
	}
	memset(m->gw, 0, (size_t)m->nweight * sizeof(float));
	memset(m->gb, 0, (size_t)m->nbias * sizeof(float));
	return 0;
}

void mlp_free(Mlp *m)
{
	free(m->w);
	free(m->gw);
	free(m->b);
	free(m->gb);
	for (int l = 0; l <= FASHION_MAX_LAYERS; l++)
		free(m->act[l]);
	free(m->delta[0]);
	free(m->delta[1]);
	memset(m, 0, sizeof *m);
}

/* act[l+1] = relu(act[l] W_l^T + b_l) for the hidden layers, the softmax of
   the logits for the last; x (n rows) stands for act[0]. */
static void forward(Mlp *m, const float *w, const float *b, const float *x, int n)
{
	const float *in = x;
	for (int l = 0; l < m->nlayer; l++) {
		int din = m->dim[l], dout = m->dim[l + 1];
		float *out = m->act[l + 1];
		const float *bl = b + m->boff[l];
		for (int i = 0; i < n; i++)
			memcpy(out + (size_t)i * dout, bl, (size_t)dout * sizeof *out);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, dout, din, 1.0f, in, din,
		            w + m->woff[l], din, 1.0f, out, dout);
		if (l + 1 < m->nlayer) {
			for (int64_t i = 0; i < (int64_t)n * dout; i++)
				out[i] = out[i] > 0 ? out[i] : 0;
		} else {
			for (int i = 0; i < n; i++) {
				float *z = out + (size_t)i * dout, mx = z[0];
				for (int k = 1; k < dout; k++)
					mx = z[k] > mx ? z[k] : mx;
				double sum = 0;
				for (int k = 0; k < dout; k++)
					sum += (z[k] = expf(z[k] - mx));
				for (int k = 0; k < dout; k++)
					z[k] = (float)(z[k] / sum);
			}
		}
		in = out;
	}
}

static int argmax(const float *p, int n)
{
	int best = 0;
	for (int k = 1; k < n; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

double mlp_train_batch(Mlp *m, const Dataset *d, const int64_t *idx, int n, int64_t *correct)
{
	int L = m->nlayer, ncls = m->dim[L];
	for (int i = 0; i < n; i++)
		memcpy(m->act[0] + (size_t)i * FASHION_PIXELS, d->x + idx[i] * FASHION_PIXELS,
		       FASHION_PIXELS * sizeof(float));
	forward(m, m->w, m->b, m->act[0], n);
	/* d(mean loss)/d(logits) = (p - onehot(y)) / n */
	const float *prob = m->act[L];
	float *delta = m->delta[0];
	double loss = 0;
	int64_t hits = 0;
	for (int i = 0; i < n; i++) {
		const float *p = prob + (size_t)i * ncls;
		int y = d->y[idx[i]];
		loss -= log(fmax(p[y], 1e-30));
		hits += argmax(p, ncls) == y;
		for (int k = 0; k < ncls; k++)
			delta[(size_t)i * ncls + k] = (p[k] - (k == y)) / (float)n;
	}
	for (int l = L - 1; l >= 0; l--) {
		int din = m->dim[l], dout = m->dim[l + 1];
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, dout, din, n, 1.0f, delta, dout, m->act[l], din,
		            0.0f, m->gw + m->woff[l], din);
		float *gb = m->gb + m->boff[l];
		memset(gb, 0, (size_t)dout * sizeof *gb);
		for (int i = 0; i < n; i++)
			for (int k = 0; k < dout; k++)
				gb[k] += delta[(size_t)i * dout + k];
		if (l == 0)
			break;
		float *next = delta == m->delta[0] ? m->delta[1] : m->delta[0];
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, din, dout, 1.0f, delta, dout, m->w + m->woff[l],
		            din, 0.0f, next, din);
		const float *a = m->act[l];
		for (int64_t i = 0; i < (int64_t)n * din; i++)
			next[i] = a[i] > 0 ? next[i] : 0;
		delta = next;
	}
	*correct = hits;
	return loss / n;
}

int64_t mlp_predict(Mlp *m, const float *w, const float *b, const Dataset *d, double *acc)
{
	int ncls = m->dim[m->nlayer];
	int64_t hits = 0;
	for (int64_t first = 0; first < d->n; first += m->batch) {
		int n = d->n - first < m->batch ? (int)(d->n - first) : m->batch;
		forward(m, w, b, d->x + first * FASHION_PIXELS, n);
		const float *p = m->act[m->nlayer];
		for (int i = 0; i < n; i++) {
			hits += argmax(p + (size_t)i * ncls, ncls) == d->y[first + i];
			if (acc != NULL)
				for (int k = 0; k < ncls; k++)
					acc[(first + i) * ncls + k] += p[(size_t)i * ncls + k];
		}
	}
	return hits;
}
