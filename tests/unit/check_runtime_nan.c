/* check_runtime_nan.c: a NaN or Inf in a gradient under each policy -- pass it on, skip the update, or stop. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "check_runtime.h"

enum { N = 1000, BAD = 517 };

static float param[N], grad[N], before[N], mom_before[N];

static anneal_opt *make(int policy)
{
	anneal_config c;
	anneal_config_init(&c, ANNEAL_SGD);
	c.lr = 0.1;
	c.momentum = 0.9;
	c.nonfinite = policy;
	for (int i = 0; i < N; i++)
		param[i] = (float)i / N;
	anneal_group g = { param, grad, N, 1, 1 };
	char err[ANNEAL_ERRLEN];
	anneal_opt *o = NULL;
	anneal_create(&c, &g, 1, NULL, NULL, &o, err, sizeof err);
	ck_assert_msg(o != NULL, "%s", err);
	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < N; i++)
			grad[i] = rt_grad(s, i, param[i]);
		ck_assert_int_eq(anneal_step(o), 0);
	}
	memcpy(before, param, sizeof before);
	memcpy(mom_before, anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM), sizeof mom_before);
	return o;
}

static const float bad_values[] = { NAN, INFINITY, -INFINITY };

START_TEST(stop_changes_nothing)
{
	anneal_opt *o = make(ANNEAL_NONFINITE_STOP);
	grad[BAD] = bad_values[_i];
	ck_assert_int_eq(anneal_step(o), ANNEAL_ERR_NONFINITE);
	ck_assert_str_eq(anneal_errmsg(o), "step 3: gradient of group 0 has a non-finite value at element 517");
	ck_assert_int_eq(anneal_get_step(o), 3);
	ck_assert(memcmp(before, param, sizeof before) == 0);
	ck_assert(memcmp(mom_before, anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM), sizeof mom_before) == 0);
	/* The host mends the gradient and the same step goes through. */
	grad[BAD] = 0;
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert_int_eq(anneal_get_step(o), 4);
	anneal_destroy(o);
}
END_TEST

START_TEST(skip_advances_without_update)
{
	anneal_opt *o = make(ANNEAL_NONFINITE_SKIP);
	grad[BAD] = bad_values[_i];
	ck_assert_int_eq(anneal_step(o), ANNEAL_OK);
	ck_assert_int_eq(anneal_last_skipped(o), 1);
	ck_assert_int_eq(anneal_get_step(o), 4);
	ck_assert(memcmp(before, param, sizeof before) == 0);
	ck_assert(memcmp(mom_before, anneal_state_array(o, 0, ANNEAL_STATE_MOMENTUM), sizeof mom_before) == 0);
	anneal_destroy(o);
}
END_TEST

START_TEST(pass_is_torch_behaviour)
{
	anneal_opt *o = make(ANNEAL_NONFINITE_PASS);
	grad[BAD] = bad_values[_i];
	ck_assert_int_eq(anneal_step(o), 0);
	ck_assert(!isfinite(param[BAD]));
	ck_assert(isfinite(param[BAD - 1]) && isfinite(param[BAD + 1]));
	anneal_destroy(o);
}
END_TEST

Suite *suite_runtime_nan(void)
{
	Suite *s = suite_create("runtime_nan");
	TCase *tc = tcase_create("nonfinite");
	tcase_add_loop_test(tc, stop_changes_nothing, 0, 3);
	tcase_add_loop_test(tc, skip_advances_without_update, 0, 3);
	tcase_add_loop_test(tc, pass_is_torch_behaviour, 0, 3);
	suite_add_tcase(s, tc);
	return s;
}
