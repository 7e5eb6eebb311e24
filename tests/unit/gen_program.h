/* gen_program.h: a generator of random, valid Anneal programs for differential tests. */
#ifndef GEN_PROGRAM_H
#define GEN_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

/* Writes schedule `name` into buf (NUL-terminated, truncated programs are
   never produced: size must be >= 16 KiB). Deterministic in seed. */
void gen_program(uint64_t seed, const char *name, char *buf, size_t size);

/* Steps worth evaluating for a program of this generator: the first few
   hundred, and a spread out to 2^40. */
int64_t gen_step(uint64_t *state, int i);

uint64_t gen_next(uint64_t *state);

#endif
