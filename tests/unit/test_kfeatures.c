// SPDX-License-Identifier: GPL-2.0
/* kfeatures' reading of the kernel's release string (no kernel needed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>

#include "kfeatures.h"

/* The command lines' map is allocated at run time from 6.1 on. */
static void test_release_at_least(void **state)
{
	(void)state;
	assert_true(release_at_least("6.1.0-57-cloud-amd64", 6, 1));
	assert_true(release_at_least("6.12.118+deb12-cloud-amd64", 6, 1));
	assert_true(release_at_least("6.18.44-fc-v1272", 6, 1));
	assert_true(release_at_least("7.0.0", 6, 1));
	assert_true(release_at_least("6.1-rc3", 6, 1));
	assert_false(release_at_least("6.0.19-generic", 6, 1));
	assert_false(release_at_least("5.10.0-46-cloud-amd64", 6, 1));
	assert_false(release_at_least("5.15.0-91-generic", 6, 1));
	assert_false(release_at_least("4.19.0", 6, 1));
	/* not two numbers: the older, safer answer */
	assert_false(release_at_least("6", 6, 1));
	assert_false(release_at_least("", 6, 1));
	assert_false(release_at_least("linux-6.1", 6, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_at_least),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
