/* check_runtime_torch.c: replays torch.optim trajectories (the tables in tests/runtime) through libanneal. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <anneal/anneal.h>

/* The schedule and gradients of tests/runtime/gen_torch.py, mirrored
   operation for operation so the doubles agree exactly. */
#define WARM 20
#define PERIOD 100

static int restart_at(int64_t step)
{
	return step >= WARM + PERIOD && (step - WARM) % PERIOD == 0;
}

static void torch_eval(int64_t step, const double *params, anneal_point *out)
{
	double peak = params[0];
	memset(out, 0, sizeof *out);
	for (int i = 0; i < ANNEAL_MAX_CHANNELS; i++)
		out->value[i] = NAN;
	if (step < WARM) {
		out->value[ANNEAL_LR] = peak * (double)step / WARM;
		out->value[ANNEAL_MOMENTUM] = 0.95;
		out->value[ANNEAL_BETA2] = 0.999;
		out->cycle = -1;
		return;
	}
	int64_t k = (step - WARM) / PERIOD, t = (step - WARM) % PERIOD;
	double top = peak * pow(0.8, (double)k), floor_ = peak * 1e-3;
	out->value[ANNEAL_LR] = floor_ + (top - floor_) * (0.5 * (1.0 + cos(M_PI * (double)t / PERIOD)));
	out->value[ANNEAL_MOMENTUM] = 0.85 + 0.1 * ((double)t / PERIOD);
	out->value[ANNEAL_BETA2] = 0.99 + 0.009 * ((double)t / PERIOD);
	out->cycle = k;
	out->phase = 1;
	out->events = restart_at(step) ? 1u : 0u;
}

static float rt_torch_grad(int64_t step, int i)
{
	uint32_t x = ((uint32_t)step * 73856093u) ^ ((uint32_t)i * 19349663u);
	x *= 2654435761u;
	x ^= x >> 16;
	return (float)((i - 3) / 8.0 + ((int)(x % 4001) - 2000) / 1024.0);
}

#define MAXEL 8
#define MAXSTEP 256

typedef struct Table {
	char kind[16], bias[16], restart[32], channels[64];
	double peak, momentum, beta2, weight_decay, dampening, nesterov, centered, amsgrad, eps;
	int steps, elements;
	double lr[MAXSTEP], mom[MAXSTEP], b2[MAXSTEP];
	float p[MAXSTEP][MAXEL];
} Table;

static FILE *open_table(const char *name)
{
	char path[512];
	const char *src = getenv("srcdir");
	snprintf(path, sizeof path, "%s/tests/runtime/%s.tbl", src ? src : ".", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s (set srcdir to the source tree)", path);
	return f;
}

static void read_table(const char *name, Table *t)
{
	FILE *f = open_table(name);
	char line[4096], key[32];
	memset(t, 0, sizeof *t);
	while (fgets(line, sizeof line, f) && strncmp(line, "data", 4) != 0) {
		if (line[0] == '#' || sscanf(line, "%31s", key) != 1)
			continue;
		const char *rest = line + strlen(key) + 1;
		struct {
			const char *k;
			double *d;
		} num[] = {{"peak", &t->peak},   {"momentum", &t->momentum},   {"beta2", &t->beta2},
		           {"eps", &t->eps},     {"weight_decay", &t->weight_decay}, {"dampening", &t->dampening},
		           {"nesterov", &t->nesterov}, {"centered", &t->centered}, {"amsgrad", &t->amsgrad}};
		for (size_t i = 0; i < sizeof num / sizeof num[0]; i++)
			if (strcmp(key, num[i].k) == 0)
				*num[i].d = strtod(rest, NULL);
		if (strcmp(key, "kind") == 0)
			sscanf(rest, "%15s", t->kind);
		else if (strcmp(key, "bias") == 0)
			sscanf(rest, "%15s", t->bias);
		else if (strcmp(key, "restart") == 0)
			sscanf(rest, "%31s", t->restart);
		else if (strcmp(key, "channels") == 0)
			snprintf(t->channels, sizeof t->channels, "%s", rest);
		else if (strcmp(key, "steps") == 0)
			t->steps = atoi(rest);
		else if (strcmp(key, "elements") == 0)
			t->elements = atoi(rest);
	}
	ck_assert_int_le(t->steps, MAXSTEP);
	ck_assert_int_eq(t->elements, MAXEL);
	for (int s = 0; s < t->steps; s++) {
		int step;
		ck_assert_msg(fscanf(f, "%d %lf %lf %lf", &step, &t->lr[s], &t->mom[s], &t->b2[s]) == 4 && step == s,
		              "%s: bad row %d", name, s);
		for (int i = 0; i < t->elements; i++)
			ck_assert_msg(fscanf(f, "%f", &t->p[s][i]) == 1, "%s: bad row %d", name, s);
	}
	fclose(f);
}

/* The table names, from tests/runtime/tables.txt (written by gen_torch.py). */
#define MAXTABLE 64
static char table_name[MAXTABLE][48];
static int ntable;

static int read_index(void)
{
	char path[512], line[64];
	const char *src = getenv("srcdir");
	snprintf(path, sizeof path, "%s/tests/runtime/tables.txt", src ? src : ".");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (ntable < MAXTABLE && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%47s", table_name[ntable]) == 1)
			ntable++;
	fclose(f);
	return 0;
}

/*
 * Tolerance.  The gradients are replayed, not recomputed, so a difference in
 * p never feeds back into the dynamics; it only accumulates.  Torch and the
 * runtime perform the same float32 operations but may round a few of them
 * differently (torch's vector kernels use FMA and may divide by a scalar
 * through its reciprocal; the runtime never contracts), so each step may
 * differ by one rounding of the addition into p and a few roundings of the
 * update.  The bound is therefore the sum over steps of 1 ulp of |p| plus 4
 * float epsilons of |dp| (the moments carry earlier roundings forward),
 * checked on every element after every step.  About 60% of the values come
 * out bit-equal to torch's; the largest difference seen is under half the
 * bound (run with ANNEAL_TEST_VERBOSE=1 to print each table's figures).
 */
static void replay(const char *name)
{
	static Table t;
	read_table(name, &t);
	anneal_config c;
	int kind = strcmp(t.kind, "sgd") == 0 ? ANNEAL_SGD :
	           strcmp(t.kind, "adam") == 0 ? ANNEAL_ADAM :
	           strcmp(t.kind, "adamw") == 0 ? ANNEAL_ADAMW : ANNEAL_RMSPROP;
	anneal_config_init(&c, kind);
	c.lr = t.peak;
	c.momentum = t.momentum;
	c.beta2 = t.beta2;
	c.weight_decay = t.weight_decay;
	c.dampening = t.dampening;
	c.nesterov = t.nesterov != 0;
	c.centered = t.centered != 0;
	c.amsgrad = t.amsgrad != 0;
	c.eps = t.eps;
	c.bias = strcmp(t.bias, "power") == 0 ? ANNEAL_BIAS_POWER : ANNEAL_BIAS_PRODUCT;

	anneal_action act = {strcmp(t.restart, "reset_moments") == 0 ? ANNEAL_ACT_RESET_MOMENTS
	                                                              : ANNEAL_ACT_RESET_MOMENTUM, NULL};
	anneal_hook hook = {ANNEAL_EV_RESTART, 0, NULL, 1, &act};
	anneal_param peak = {"peak", 0.1, 0};
	anneal_desc d = {ANNEAL_ABI_VERSION, name, 1, &peak, 1u << ANNEAL_LR, {"lr"}, ANNEAL_LR,
	                 strcmp(t.restart, "none") == 0 ? 0 : 1, &hook, -1, 1, torch_eval, NULL};
	if (strstr(t.channels, "momentum"))
		d.channels |= 1u << ANNEAL_MOMENTUM;
	if (strstr(t.channels, "beta2"))
		d.channels |= 1u << ANNEAL_BETA2;

	float p[MAXEL], g[MAXEL], prev[MAXEL];
	for (int i = 0; i < MAXEL; i++)
		p[i] = (float)(((i * 37) % 11 - 5) / 4.0);
	anneal_group gr[2] = {{p, g, 5, 1.0, 1.0}, {p + 5, g + 5, 3, 0.5, 0.0}};
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(&c, gr, 2, &d, &t.peak, &o, err, sizeof err);
	ck_assert_msg(o != NULL, "%s: %s", name, err);

	double bound[MAXEL] = {0}, worst = 0;
	int worst_step = 0, worst_el = 0, exact = 0;
	for (int s = 0; s < t.steps; s++) {
		for (int i = 0; i < MAXEL; i++) {
			g[i] = rt_torch_grad(s, i);
			prev[i] = p[i];
		}
		ck_assert_msg(anneal_step(o) == 0, "%s step %d: %s", name, s, anneal_errmsg(o));
		const anneal_point *pt = anneal_last_point(o);
		ck_assert_msg(pt->value[ANNEAL_LR] == t.lr[s] && pt->value[ANNEAL_MOMENTUM] == t.mom[s] &&
		                  (kind == ANNEAL_SGD || pt->value[ANNEAL_BETA2] == t.b2[s]),
		              "%s step %d: channels (%.17g %.17g %.17g), table has (%.17g %.17g %.17g)", name, s,
		              pt->value[ANNEAL_LR], pt->value[ANNEAL_MOMENTUM], pt->value[ANNEAL_BETA2], t.lr[s], t.mom[s],
		              t.b2[s]);
		for (int i = 0; i < MAXEL; i++) {
			float ref = t.p[s][i];
			bound[i] += (nextafterf(fabsf(ref), INFINITY) - fabsf(ref)) +
			            4 * FLT_EPSILON * fabs((double)ref - (double)prev[i]);
			double diff = fabs((double)p[i] - (double)ref);
			exact += diff == 0;
			ck_assert_msg(diff <= bound[i], "%s step %d element %d: runtime %.9g, torch %.9g (diff %.3g > bound %.3g)",
			              name, s, i, p[i], ref, diff, bound[i]);
			if (diff / bound[i] > worst) {
				worst = diff / bound[i];
				worst_step = s;
				worst_el = i;
			}
		}
	}
	if (getenv("ANNEAL_TEST_VERBOSE"))
		fprintf(stderr, "%-20s %d of %d values bit-equal, worst diff/bound %.3f (step %d, element %d)\n", name,
		        exact, t.steps * MAXEL, worst, worst_step, worst_el);
	anneal_destroy(o);
}

START_TEST(test_torch_table)
{
	ck_assert_msg(ntable > 0, "no tables: cannot read tests/runtime/tables.txt (set srcdir to the source tree)");
	replay(table_name[_i]);
}
END_TEST

Suite *suite_runtime_torch(void)
{
	Suite *s = suite_create("runtime_torch");
	TCase *tc = tcase_create("trajectories");
	read_index();
	tcase_add_loop_test(tc, test_torch_table, 0, ntable > 0 ? ntable : 1);
	suite_add_tcase(s, tc);
	return s;
}
