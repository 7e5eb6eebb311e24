/* runner.c: the one Check runner over every unit suite listed in suites.def. */
#include <check.h>
#include <stdlib.h>

#define X(name) Suite *suite_##name(void);
#include "suites.def"
#undef X

int main(void)
{
	SRunner *sr = srunner_create(NULL);
#define X(name) srunner_add_suite(sr, suite_##name());
#include "suites.def"
#undef X
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
