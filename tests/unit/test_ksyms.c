// SPDX-License-Identifier: GPL-2.0
/* kallsyms parsing and lookups, from a fixture file. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"

static char path[64];

static int write_fixture(void **state)
{
	FILE *f;
	int fd;

	(void)state;
	strcpy(path, "/tmp/oomtrace-ksyms-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs("ffffffff81200000 T out_of_memory\n"
	      "ffffffff81100000 T _stext\n"
	      "ffffffff81200400 t oom_kill_process.constprop.0\n"
	      "ffffffff812007f0 t __pfx_oom_badness\n"
	      "ffffffff81200800 t oom_badness\n"
	      "ffffffff812008f0 t __cfi_dump_header\n"
	      "ffffffff81200900 t dump_header\n"
	      "ffffffffc0001000 t helper_fn\t[some_mod]\n"
	      "ffffffffc0001100 t other_fn\t[some_mod]\n"
	      "ffffffffc0002000 t third_fn\t[other_mod]\n"
	      "ffff800000001000 t far_fn\n"
	      "garbage line\n"
	      "ffffffff8120 X\n", f);
	fclose(f);
	return 0;
}

static int remove_fixture(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_lookups(void **state)
{
	struct ksyms *ks = ksyms__load(path);
	struct ksym s;

	(void)state;
	assert_non_null(ks);
	assert_false(ksyms__hidden(ks));
	/* the padding symbols before functions are not kept */
	assert_int_equal(ksyms__count(ks), 9);
	assert_int_equal(ksyms__find(ks, 0xffffffff81200214, &s), 0);
	assert_string_equal(s.name, "out_of_memory");
	assert_int_equal(s.addr, 0xffffffff81200000);
	assert_null(s.module);
	assert_int_equal(ksyms__find(ks, 0xffffffffc0001010, &s), 0);
	assert_string_equal(s.name, "helper_fn");
	assert_string_equal(s.module, "some_mod");
	assert_int_equal(ksyms__find(ks, 0xffffffffc0001104, &s), 0);
	assert_string_equal(s.name, "other_fn");
	assert_string_equal(s.module, "some_mod");
	assert_int_equal(ksyms__find(ks, 0xffffffffc0002004, &s), 0);
	assert_string_equal(s.module, "other_mod");
	/* in a padding: the function before it */
	assert_int_equal(ksyms__find(ks, 0xffffffff812007f4, &s), 0);
	assert_string_equal(s.name, "oom_kill_process.constprop.0");
	assert_int_equal(ksyms__find(ks, 0x1000, &s), -ENOENT);
	/* addresses whose upper halves differ: found across the boundary */
	assert_int_equal(ksyms__find(ks, 0xffff800000001010, &s), 0);
	assert_string_equal(s.name, "far_fn");
	assert_int_equal(s.addr, 0xffff800000001000);
	assert_null(s.module);
	assert_int_equal(ksyms__find(ks, 0xffffffff80000000, &s), 0);
	assert_string_equal(s.name, "far_fn");
	assert_int_equal(ksyms__next_addr(ks, 0xffff800000001000), 0xffffffff81100000);
	assert_int_equal(ksyms__addr(ks, "far_fn"), 0xffff800000001000);
	assert_int_equal(ksyms__find(ks, 0xffffffff81100000, &s), 0);
	assert_string_equal(s.name, "_stext");
	/* static functions may be compiler clones */
	assert_string_equal(ksyms__resolve_name(ks, "oom_kill_process"),
			    "oom_kill_process.constprop.0");
	assert_int_equal(ksyms__addr(ks, "oom_kill_process"), 0xffffffff81200400);
	assert_int_equal(ksyms__addr(ks, "oom_badness"), 0xffffffff81200800);
	assert_int_equal(ksyms__addr(ks, "oom_badnes"), 0);	/* prefix is not a match */
	assert_int_equal(ksyms__addr(ks, "helper_fn"), 0);	/* modules not attachable */
	assert_int_equal(ksyms__next_addr(ks, 0xffffffff81200800), 0xffffffff81200900);
	/* a function ends where the next one starts, not at its padding */
	assert_int_equal(ksyms__next_addr(ks, 0xffffffff81200400), 0xffffffff81200800);
	assert_null(ksyms__resolve_name(ks, "__pfx_oom_badness"));
	ksyms__free(ks);
}

static void test_hidden(void **state)
{
	char p[] = "/tmp/oomtrace-ksyms-hidden-XXXXXX";
	int fd = mkstemp(p);
	FILE *f = fdopen(fd, "w");
	struct ksyms *ks;
	struct ksym s;

	(void)state;
	fputs("0000000000000000 T out_of_memory\n0000000000000000 t oom_badness\n", f);
	fclose(f);
	ks = ksyms__load(p);
	assert_non_null(ks);
	assert_true(ksyms__hidden(ks));
	assert_int_equal(ksyms__addr(ks, "out_of_memory"), 0);
	/* names are still known (doctor reports them) */
	assert_string_equal(ksyms__resolve_name(ks, "oom_badness"), "oom_badness");
	assert_int_equal(ksyms__find(ks, 0xffffffff81200214, &s), -ENOENT);
	ksyms__free(ks);
	unlink(p);
	assert_null(ksyms__load("/nonexistent/kallsyms"));
}

/* The live /proc/kallsyms: sorted, every kept name found again by address. */
static void test_live(void **state)
{
	struct ksyms *ks = ksyms__load(NULL);
	struct ksym s;
	uint64_t a;

	(void)state;
	if (!ks || ksyms__hidden(ks)) {
		ksyms__free(ks);
		skip();
	}
	assert_true(ksyms__count(ks) > 1000);
	a = ksyms__addr(ks, "out_of_memory");
	assert_true(a != 0);
	assert_int_equal(ksyms__find(ks, a + 1, &s), 0);
	assert_string_equal(s.name, "out_of_memory");
	assert_null(s.module);
	assert_true(ksyms__next_addr(ks, a) > a);
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookups, write_fixture, remove_fixture),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
