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
	static const struct {
		const char *release;
		bool at_least_6_1;
	} cases[] = {
		{ "6.1.0-57-cloud-amd64", true },
		{ "6.12.118+deb12-cloud-amd64", true },
		{ "6.18.44-fc-v1272", true },
		{ "7.0.0", true },
		{ "6.1-rc3", true },
		{ "6.0.19-generic", false },
		{ "5.10.0-46-cloud-amd64", false },
		{ "5.15.0-91-generic", false },
		{ "4.19.0", false },
		/* not two numbers: the older, safer answer */
		{ "6", false },
		{ "", false },
		{ "linux-6.1", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = release_at_least(cases[i].release, 6, 1);

		if (got != cases[i].at_least_6_1)
			print_message("release \"%s\"\n", cases[i].release);
		assert_int_equal(got, cases[i].at_least_6_1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_at_least),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
