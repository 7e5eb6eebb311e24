/* fuzz_checkpoint.c: libFuzzer target -- the checkpoint loader on arbitrary bytes fails cleanly and changes nothing. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "anneal/anneal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

enum { N = 64 };

/* With FUZZ_SEED_OUT set, first write real checkpoints there (SGD and
   AdamW, a few steps in), so mutations start from valid files. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_SEED_OUT");
	for (int kind = 0; dir && kind < 2; kind++) {
		static float param[N], grad[N];
		anneal_config c;
		anneal_config_init(&c, kind ? ANNEAL_ADAMW : ANNEAL_SGD);
		c.lr = 0.1;
		c.momentum = 0.9;
		c.snapshot_keep = kind;
		anneal_group g = { param, grad, N, 1, 1 };
		char err[ANNEAL_ERRLEN], path[512];
		anneal_opt *o = NULL;
		anneal_create(&c, &g, 1, NULL, NULL, &o, err, sizeof err);
		for (int s = 0; o && s < 3; s++) {
			for (int i = 0; i < N; i++)
				grad[i] = (float)(i % 7) - 3.0f;
			anneal_step(o);
		}
		snprintf(path, sizeof path, "%s/seed-%s.ckpt", dir, kind ? "adamw" : "sgd");
		if (!o || anneal_save(o, path) != 0)
			abort();
		anneal_destroy(o);
	}
	return 0;
}

/* The file's checksum recomputed over a mutated input (FNV-1a over 64-bit
   words, the tail zero-padded), so mutations reach the field validation. */
static void fix_checksum(uint8_t *b, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t body = n - 8;
	for (size_t i = 0; i < body; i += 8) {
		uint8_t w8[8] = {0};
		memcpy(w8, b + i, body - i < 8 ? body - i : 8);
		uint64_t w;
		memcpy(&w, w8, 8);
		h = (h ^ w) * 0x100000001b3ULL;
	}
	memcpy(b + body, &h, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static float param[N], grad[N], before[N];
	if (!path[0])
		snprintf(path, sizeof path, "/tmp/fuzz-ckpt-%d", (int)getpid());
	uint8_t *copy = malloc(size + 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	/* Half the inputs (by length) with a valid checksum. */
	if (size >= 40 && size % 2 == 0)
		fix_checksum(copy, size);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(copy, 1, size, f) != size || fclose(f) != 0)
		abort();
	free(copy);
	anneal_config c;
	anneal_config_init(&c, size > 0 && data[size / 2] % 2 ? ANNEAL_ADAMW : ANNEAL_SGD);
	c.lr = 0.1;
	c.momentum = 0.9;
	for (int i = 0; i < N; i++) {
		param[i] = (float)i;
		grad[i] = 1.0f / (float)(i + 1);
	}
	anneal_group g = { param, grad, N, 1, 1 };
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(&c, &g, 1, NULL, NULL, &o, err, sizeof err);
	if (!o)
		abort();
	anneal_step(o);
	memcpy(before, param, sizeof before);
	int64_t step = anneal_get_step(o);
	if (anneal_load(o, path) != 0) {
		/* A failed load leaves the optimizer exactly as it was. */
		if (anneal_get_step(o) != step || memcmp(before, param, sizeof before) != 0)
			abort();
	} else {
		/* A state that loads is one a step can run on. */
		anneal_step(o);
	}
	anneal_destroy(o);
	return 0;
}
