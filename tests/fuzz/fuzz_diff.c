/* fuzz_diff.c: libFuzzer target -- every program that checks agrees under the interpreter and the JIT. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "anneal/annealc.h"
#include "../unit/lib_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Channels within 4 ulp (NaN only with NaN); events, phase, cycle identical. */
static int agree(const anneal_point *a, const anneal_point *b)
{
	if (a->events != b->events || a->phase != b->phase || a->cycle != b->cycle)
		return 0;
	for (int c = 0; c < ANNEAL_MAX_CHANNELS; c++) {
		double x = a->value[c], y = b->value[c];
		if (isnan(x) || isnan(y)) {
			if (isnan(x) != isnan(y))
				return 0;
			continue;
		}
		if (x == y)
			continue;
		double scale = fmax(fabs(x), fabs(y));
		if (!isfinite(scale) || fabs(x - y) > 4 * (nextafter(scale, INFINITY) - scale))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static annealc_jit *jit;
	if (!jit)
		jit = test_jit_new();
	annealc_program *p;
	annealc_load_buffer("fuzz.anneal", (const char *)data, size, NULL, &p);
	if (!p)
		return 0;
	annealc_options o = { .opt_level = (int)(size % 3) };
	const anneal_desc *d = test_compile(jit, p, 0, &o);
	if (!d)
		abort(); /* a checked program that does not compile is a compiler bug */
	uint64_t h = 1469598103934665603u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211u;
	/* The first steps, then scattered ones of every magnitude, then half
	   of them near the top of the range, where sums of cycle lengths and
	   the search tables' padding live. */
	for (int i = 0; i < 300; i++) {
		h = h * 6364136223846793005u + 1;
		int64_t step = i < 100   ? i
		               : i < 200 ? (int64_t)(h >> (24 + i % 40))
		                         : INT64_MAX - (int64_t)(h >> (1 + i % 63));
		anneal_point a, b;
		annealc_interp_eval(p, 0, step, NULL, &a);
		d->eval(step, NULL, &b);
		if (!agree(&a, &b)) {
			fprintf(stderr, "step %lld: interp and JIT disagree\n", (long long)step);
			abort();
		}
	}
	/* fill agrees with eval over the last steps there are, channel by channel. */
	enum { TAIL = 16 };
	int64_t first = INT64_MAX - (TAIL - 1) - (int64_t)(h % 64);
	for (int ch = 0; ch < ANNEAL_MAX_CHANNELS; ch++) {
		if (!(d->channels >> ch & 1))
			continue;
		double out[TAIL];
		d->fill(first, TAIL, NULL, ch, out);
		for (int i = 0; i < TAIL; i++) {
			anneal_point b;
			d->eval(first + i, NULL, &b);
			double v = b.value[ch], w = out[i];
			/* fill's vector cos and exp (libmvec) are held to 1e-9, as in check_random.c */
			if (!(v == w || (isnan(v) && isnan(w)) || fabs(v - w) <= 1e-9 * fmax(1, fabs(v)))) {
				fprintf(stderr, "step %lld channel %d: fill and eval disagree\n", (long long)(first + i), ch);
				abort();
			}
		}
	}
	annealc_free(p);
	return 0;
}
