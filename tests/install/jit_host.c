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

	/* Diagnostics to stderr as annealc prints them; each call's status. */
	const annealc_sink diag = { stderr, NULL, NULL };
	int rc = 1;
	annealc_program *p;
	anneal_status st = annealc_load_file(argv[1], &diag, &p);
	if (st != ANNEAL_OK) {
		fprintf(stderr, "annealc_load_file: %s\n", anneal_status_text(st));
		return 1;
	}
	annealc_jit *j = NULL;
	const anneal_desc *d = NULL;
	if (annealc_jit_new(&diag, &j) == ANNEAL_OK && annealc_jit_compile(j, p, 0, NULL, &d) == ANNEAL_OK) {
		printf("schedule %s\n", d->name);
		rc = train(d);
	} else {
		fprintf(stderr, "the JIT failed: %s\n", annealc_jit_errmsg(j));
	}
	annealc_jit_free(j); /* d dies with j */
	annealc_free(p);
	return rc;
}
