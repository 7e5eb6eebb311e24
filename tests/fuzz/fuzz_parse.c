/* fuzz_parse.c: libFuzzer target -- lexer, parser and checker on arbitrary bytes must never crash or hang. */
#include <stdint.h>
#include <stdio.h>

#include "anneal/annealc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	annealc_program *p;
	annealc_load_buffer("fuzz.anneal", (const char *)data, size, NULL, &p);
	if (p) {
		/* A program that checks must evaluate anywhere without trouble. */
		anneal_point pt;
		for (int s = 0; s < annealc_schedule_count(p); s++)
			for (int64_t step = 0; step < 64; step += 7)
				annealc_interp_eval(p, s, step * step * step, NULL, &pt);
	}
	annealc_free(p);
	return 0;
}
