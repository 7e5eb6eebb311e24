/* train.c: six SGD steps of libanneal under a compiled schedule, whichever way it was compiled. */
#include <stdio.h>

#include <anneal/anneal.h>

#include "train.h"

int train(const anneal_desc *d)
{
	float param = 1.0f, grad = 1.0f;
	anneal_group g = { .param = &param, .grad = &grad, .n = 1, .lr_scale = 1.0, .wd_scale = 1.0 };
	anneal_config c;
	char err[ANNEAL_ERRLEN];

	anneal_config_init(&c, ANNEAL_SGD);
	anneal_opt *o;
	if (anneal_create(&c, &g, 1, d, NULL, &o, err, sizeof err) != ANNEAL_OK) {
		fprintf(stderr, "anneal_create: %s\n", err);
		return 1;
	}
	for (int i = 0; i < 6; i++) {
		if (anneal_step(o) != ANNEAL_OK) {
			fprintf(stderr, "anneal_step: %s\n", anneal_errmsg(o));
			anneal_destroy(o);
			return 1;
		}
		printf("step %d lr %g param %g\n", i, anneal_last_point(o)->value[ANNEAL_LR], param);
	}
	anneal_destroy(o);
	return 0;
}
