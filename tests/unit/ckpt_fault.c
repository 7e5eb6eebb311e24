/* ckpt_fault.c: a helper for tests/faults.sh -- saves checkpoints in a loop (to be killed), or saves and verifies one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <anneal/anneal.h>

/* An AdamW over n elements with a deterministic gradient, after `steps` steps. */
static anneal_opt *make(int64_t n, float **param, float **grad)
{
	*param = malloc((size_t)n * sizeof **param);
	*grad = malloc((size_t)n * sizeof **grad);
	if (!*param || !*grad)
		exit(2);
	for (int64_t i = 0; i < n; i++)
		(*param)[i] = (float)(i % 97) / 97.0f;
	anneal_config c;
	anneal_config_init(&c, ANNEAL_ADAMW);
	anneal_group g = { *param, *grad, n, 1, 1 };
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(&c, &g, 1, NULL, NULL, &o, err, sizeof err);
	if (!o) {
		fprintf(stderr, "ckpt_fault: %s\n", err);
		exit(2);
	}
	return o;
}

static void step(anneal_opt *o, float *param, float *grad, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		grad[i] = param[i] - 0.5f;
	anneal_step(o);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fputs("usage: ckpt_fault loop|save|verify PATH N STEPS\n", stderr);
		return 2;
	}
	const char *mode = argv[1], *path = argv[2];
	int64_t n = atoll(argv[3]), steps = atoll(argv[4]);
	float *param, *grad;
	anneal_opt *o = make(n, &param, &grad);
	if (strcmp(mode, "verify") == 0) {
		/* The file must load, and hold a state this program wrote. */
		if (anneal_load(o, path) != 0) {
			fprintf(stderr, "ckpt_fault: %s\n", anneal_errmsg(o));
			anneal_destroy(o);
			return 1;
		}
		printf("%lld\n", (long long)anneal_get_step(o));
		anneal_destroy(o);
		free(param);
		free(grad);
		return 0;
	}
	for (int64_t s = 0; s < steps; s++)
		step(o, param, grad, n);
	if (strcmp(mode, "save") == 0) {
		int rc = anneal_save(o, path) != 0;
		if (rc)
			fprintf(stderr, "ckpt_fault: %s\n", anneal_errmsg(o));
		anneal_destroy(o);
		free(param);
		free(grad);
		return rc;
	}
	/* loop: a new state saved over and over until killed. */
	for (;;) {
		step(o, param, grad, n);
		if (anneal_save(o, path) != 0) {
			fprintf(stderr, "ckpt_fault: %s\n", anneal_errmsg(o));
			return 1;
		}
	}
}
