/* jit_host.c: a JIT host built against the installed libannealc and libanneal only (tests/install.sh). */
#include <stdio.h>

#include <anneal/annealc.h>
#include <anneal/version.h>

#include "train.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: jit_host FILE.anneal\n");
		return 2;
	}
	printf("anneal %s\n", ANNEAL_VERSION_STRING);

	/* libannealc's calls as annealc.h declares them today: load, JIT,
	   free. Update them here when their signatures change. */
	int status = 0, rc = 1;
	annealc_program *p = annealc_load_file(argv[1], stderr, &status);
	if (!p) {
		fprintf(stderr, "annealc_load_file: status %d\n", status);
		return 1;
	}
	annealc_jit *j = annealc_jit_new(stderr);
	const anneal_desc *d = j ? annealc_jit_compile(j, p, 0, NULL, stderr) : NULL;
	if (d) {
		printf("schedule %s\n", d->name);
		rc = train(d);
	} else {
		fprintf(stderr, "the JIT failed\n");
	}
	annealc_jit_free(j); /* d dies with j */
	annealc_free(p);
	return rc;
}
