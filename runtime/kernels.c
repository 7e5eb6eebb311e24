/* kernels.c: the fused per-element update loops, one pass per array per step, and their thread split. */
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "anneal_int.h"

/*
 * Each body repeats torch's operation order (mul_ then add_, addcmul's
 * value*t1*t2, addcdiv's value*t1/t2) so the float32 roundings are the same
 * ones; the file is built with -ffp-contract=off so no fused multiply-add
 * changes a rounding and the vector and scalar paths agree bit for bit,
 * which is what makes the result independent of where the threads split.
 * The flags arguments are compile-time constants at every call, so each
 * variant is its own branch-free loop.
 */
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define CLONES
#endif

/* SplitMix64's output function (Steele, Lea, Flood 2014): a bijective mix,
   so distinct counters never collide. */
uint64_t kern_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* A standard normal from counter (key, index) by Box-Muller: a pure function
   of its arguments, so the noise is the same for any thread count. */
float kern_normal(uint64_t key, uint64_t index)
{
	uint64_t r = kern_mix(key + index * 0x9e3779b97f4a7c15ULL);
	float u1 = ((float)(uint32_t)(r >> 40) + 1.0f) * 0x1p-24f; /* (0, 1] */
	float u2 = (float)(uint32_t)((r >> 8) & 0xffffff) * 0x1p-24f;
	return sqrtf(-2.0f * logf(u1)) * cosf(6.28318530717958648f * u2);
}

ALWAYS_INLINE float grad_at(const Kern *k, const float *restrict g, int64_t i, const int noisy)
{
	if (!noisy)
		return g[i];
	return g[i] + k->sigma * kern_normal(k->key, (uint64_t)(k->base + i));
}

ALWAYS_INLINE void sgd_body(const Kern *k, int64_t lo, int64_t hi, const int mom, const int nesterov,
                            const int noisy)
{
	float *restrict p = k->p;
	const float *restrict g = k->g;
	float *restrict b = k->m;
	const float lr = k->lr, wd = k->wd, mu = k->mu, mu_b = k->mu_b, c_b = k->c_b;
	for (int64_t i = lo; i < hi; i++) {
		float d = grad_at(k, g, i, noisy) + wd * p[i];
		if (mom) {
			float bi = b[i] * mu_b + c_b * d;
			b[i] = bi;
			d = nesterov ? d + mu * bi : bi;
		}
		p[i] = p[i] - lr * d;
	}
}

/* unit: sqrt(c2) rounds to 1.0f (after ~17K steps at beta2 = 0.999), and
   x / 1.0f == x, so the division can go with the result unchanged. */
ALWAYS_INLINE void adam_body(const Kern *k, int64_t lo, int64_t hi, const int ams, const int unit, const int noisy)
{
	float *restrict p = k->p;
	const float *restrict g = k->g;
	float *restrict m = k->m;
	float *restrict v = k->v;
	float *restrict vmax = k->a;
	const float wd = k->wd, decay = k->decay, b1 = k->b1, omb1 = k->omb1, b2 = k->b2, omb2 = k->omb2;
	const float step_neg = k->step_neg, bc2s = k->bc2s, eps = k->eps;
	for (int64_t i = lo; i < hi; i++) {
		float pi = p[i] * decay;
		float gi = grad_at(k, g, i, noisy) + wd * pi;
		float mi = m[i] * b1 + omb1 * gi;
		float vi = v[i] * b2 + omb2 * gi * gi;
		m[i] = mi;
		v[i] = vi;
		if (ams) {
			float mx = vmax[i];
			vi = vi > mx ? vi : mx;
			vmax[i] = vi;
		}
		float den = (unit ? sqrtf(vi) : sqrtf(vi) / bc2s) + eps;
		p[i] = pi + step_neg * mi / den;
	}
}

ALWAYS_INLINE void rms_body(const Kern *k, int64_t lo, int64_t hi, const int mom, const int centered,
                            const int noisy)
{
	float *restrict p = k->p;
	const float *restrict g = k->g;
	float *restrict b = k->m;
	float *restrict v = k->v;
	float *restrict a = k->a;
	const float lr = k->lr, wd = k->wd, mu = k->mu, al = k->b2, omal = k->omb2, eps = k->eps;
	for (int64_t i = lo; i < hi; i++) {
		float gi = grad_at(k, g, i, noisy) + wd * p[i];
		float vi = v[i] * al + omal * gi * gi;
		v[i] = vi;
		float s;
		if (centered) {
			float ai = a[i] * al + omal * gi;
			a[i] = ai;
			s = sqrtf(vi + -1.0f * ai * ai);
		} else {
			s = sqrtf(vi);
		}
		s = s + eps;
		if (mom) {
			float bi = b[i] * mu + gi / s;
			b[i] = bi;
			p[i] = p[i] + -lr * bi;
		} else {
			p[i] = p[i] + -lr * gi / s;
		}
	}
}

CLONES static void run_clean(const Kern *k, int64_t lo, int64_t hi)
{
	switch (k->variant) {
	case KV_SGD: sgd_body(k, lo, hi, 0, 0, 0); break;
	case KV_SGD_MOM: sgd_body(k, lo, hi, 1, 0, 0); break;
	case KV_SGD_NESTEROV: sgd_body(k, lo, hi, 1, 1, 0); break;
	case KV_ADAM:
		if (k->bc2s == 1.0f)
			adam_body(k, lo, hi, 0, 1, 0);
		else
			adam_body(k, lo, hi, 0, 0, 0);
		break;
	case KV_ADAM_AMS:
		if (k->bc2s == 1.0f)
			adam_body(k, lo, hi, 1, 1, 0);
		else
			adam_body(k, lo, hi, 1, 0, 0);
		break;
	case KV_RMS: rms_body(k, lo, hi, 0, 0, 0); break;
	case KV_RMS_MOM: rms_body(k, lo, hi, 1, 0, 0); break;
	case KV_RMS_CENTERED: rms_body(k, lo, hi, 0, 1, 0); break;
	case KV_RMS_CENTERED_MOM: rms_body(k, lo, hi, 1, 1, 0); break;
	}
}

/* The noise path is scalar (the generator's log and cos do not vectorise
   without libmvec); it is only taken when a temperature is set. */
static void run_noisy(const Kern *k, int64_t lo, int64_t hi)
{
	switch (k->variant) {
	case KV_SGD: sgd_body(k, lo, hi, 0, 0, 1); break;
	case KV_SGD_MOM: sgd_body(k, lo, hi, 1, 0, 1); break;
	case KV_SGD_NESTEROV: sgd_body(k, lo, hi, 1, 1, 1); break;
	case KV_ADAM: adam_body(k, lo, hi, 0, 0, 1); break;
	case KV_ADAM_AMS: adam_body(k, lo, hi, 1, 0, 1); break;
	case KV_RMS: rms_body(k, lo, hi, 0, 0, 1); break;
	case KV_RMS_MOM: rms_body(k, lo, hi, 1, 0, 1); break;
	case KV_RMS_CENTERED: rms_body(k, lo, hi, 0, 1, 1); break;
	case KV_RMS_CENTERED_MOM: rms_body(k, lo, hi, 1, 1, 1); break;
	}
}

void kern_range(const Kern *k, int64_t lo, int64_t hi)
{
	if (k->noisy)
		run_noisy(k, lo, hi);
	else
		run_clean(k, lo, hi);
}

/* Thread tid's share of n elements: contiguous, cut at multiples of KERN_ALIGN. */
static void share(int64_t n, int tid, int nthr, int64_t *lo, int64_t *hi)
{
	int64_t chunk = (n + nthr - 1) / nthr;
	chunk = (chunk + KERN_ALIGN - 1) / KERN_ALIGN * KERN_ALIGN;
	*lo = (int64_t)tid * chunk;
	*hi = *lo + chunk;
	if (*lo > n)
		*lo = n;
	if (*hi > n)
		*hi = n;
}

static int want_threads(const anneal_opt *o)
{
#ifdef _OPENMP
	return o->cfg.threads > 0 ? o->cfg.threads : omp_get_max_threads();
#else
	(void)o;
	return 1;
#endif
}

/* Small groups run on the calling thread first: waking sleeping OpenMP
   threads costs ~57 us here, more than a whole small step. */
void kern_run_all(anneal_opt *o)
{
	int nthr = want_threads(o);
	int nbig = 0;
	for (int32_t i = 0; i < o->ngroup; i++) {
		if (nthr > 1 && o->grp[i].g.n >= o->cfg.parallel_min)
			nbig++;
		else
			kern_range(&o->kern[i], 0, o->grp[i].g.n);
	}
	if (nbig == 0)
		return;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthr)
	{
		int tid = omp_get_thread_num(), nt = omp_get_num_threads();
		for (int32_t i = 0; i < o->ngroup; i++) {
			if (o->grp[i].g.n < o->cfg.parallel_min)
				continue;
			int64_t lo, hi;
			share(o->grp[i].g.n, tid, nt, &lo, &hi);
			if (lo < hi)
				kern_range(&o->kern[i], lo, hi);
		}
	}
#endif
}

/* Zero a state array with the kernels' partition, so each page is first
   touched by the thread that will stream it. */
void kern_zero(anneal_opt *o, float *x, int64_t n)
{
	int nthr = want_threads(o);
	if (nthr <= 1 || n < o->cfg.parallel_min) {
		memset(x, 0, (size_t)n * sizeof *x);
		return;
	}
#ifdef _OPENMP
#pragma omp parallel num_threads(nthr)
	{
		int64_t lo, hi;
		share(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
		if (lo < hi)
			memset(x + lo, 0, (size_t)(hi - lo) * sizeof *x);
	}
#endif
}
