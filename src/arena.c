/* arena.c: one arena per compilation -- every node, string and table of a program, freed at once. */
#include <stdlib.h>
#include <string.h>

#include "annealc_int.h"

struct ArenaBlock {
	ArenaBlock *next;
	size_t used, size;
	max_align_t data[];
};

enum { ARENA_BLOCK = 64 * 1024 };

_Noreturn void arena_out_of_memory(Arena *a)
{
	if (!a->oom)
		diag_internal("out of memory outside a guarded library call");
	longjmp(*a->oom, 1);
}

void *arena_alloc(Arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	ArenaBlock *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = malloc(sizeof *b + size);
		if (!b)
			arena_out_of_memory(a);
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(Arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(Arena *a)
{
	for (ArenaBlock *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}
