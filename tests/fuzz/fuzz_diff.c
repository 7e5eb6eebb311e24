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
	for (int i = 0; i < 200; i++) {
		int64_t step = i < 100 ? i : (int64_t)((h = h * 6364136223846793005u + 1) >> (24 + i % 40));
		anneal_point a, b;
		annealc_interp_eval(p, 0, step, NULL, &a);
		d->eval(step, NULL, &b);
		if (!agree(&a, &b)) {
			fprintf(stderr, "step %lld: interp and JIT disagree\n", (long long)step);
			abort();
		}
	}
	annealc_free(p);
	return 0;
}
