/* fuzz_parse.c: libFuzzer target -- lexer, parser, checker and formatter on arbitrary bytes must never
   crash or hang, and the formatter's layout of what parses must keep its tokens and be idempotent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

	char *once, *twice;
	size_t n1, n2;
	anneal_status st = annealc_format("fuzz.anneal", (const char *)data, size, NULL, &once, &n1);
	if (st == ANNEAL_ERR_INTERNAL) /* the layout would have changed a token */
		abort();
	if (st == ANNEAL_OK) {
		if (annealc_format("fuzz.anneal", once, n1, NULL, &twice, &n2) != ANNEAL_OK || n1 != n2 ||
		    memcmp(once, twice, n1) != 0)
			abort();
		free(twice);
	}
	free(once);
	return 0;
}
