/* gen_anneal.c: prints random valid schedules r0, r1, ... (seeds FIRST..FIRST+N-1) for the AOT differential test. */
#include <stdio.h>
#include <stdlib.h>

#include "gen_program.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fputs("usage: gen_anneal FIRST COUNT\n", stderr);
		return 2;
	}
	unsigned long long first = strtoull(argv[1], NULL, 10), count = strtoull(argv[2], NULL, 10);
	static char buf[32 << 10];
	for (unsigned long long i = 0; i < count; i++) {
		char name[32];
		snprintf(name, sizeof name, "r%llu", first + i);
		gen_program(first + i, name, buf, sizeof buf);
		fputs(buf, stdout);
	}
	return 0;
}
