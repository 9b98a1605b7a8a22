// SPDX-License-Identifier: GPL-2.0
/* kallsyms parsing and lookups, from a fixture file. */
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
	      "ffffffff81200800 t oom_badness\n"
	      "ffffffff81200900 t dump_header\n"
	      "ffffffffc0001000 t helper_fn\t[some_mod]\n"
	      "garbage line\n", f);
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
	const struct ksym *s;

	(void)state;
	assert_non_null(ks);
	assert_false(ksyms__hidden(ks));
	s = ksyms__find(ks, 0xffffffff81200214);
	assert_non_null(s);
	assert_string_equal(s->name, "out_of_memory");
	assert_null(s->module);
	s = ksyms__find(ks, 0xffffffffc0001010);
	assert_string_equal(s->module, "some_mod");
	assert_null(ksyms__find(ks, 0x1000));
	/* static functions may be compiler clones */
	assert_string_equal(ksyms__resolve_name(ks, "oom_kill_process"),
			    "oom_kill_process.constprop.0");
	assert_int_equal(ksyms__addr(ks, "oom_kill_process"), 0xffffffff81200400);
	assert_int_equal(ksyms__addr(ks, "oom_badness"), 0xffffffff81200800);
	assert_int_equal(ksyms__addr(ks, "oom_badnes"), 0);	/* prefix is not a match */
	assert_int_equal(ksyms__addr(ks, "helper_fn"), 0);	/* modules not attachable */
	assert_int_equal(ksyms__next_addr(ks, 0xffffffff81200800), 0xffffffff81200900);
	ksyms__free(ks);
}

static void test_hidden(void **state)
{
	char p[] = "/tmp/oomtrace-ksyms-hidden-XXXXXX";
	int fd = mkstemp(p);
	FILE *f = fdopen(fd, "w");
	struct ksyms *ks;

	(void)state;
	fputs("0000000000000000 T out_of_memory\n0000000000000000 t oom_badness\n", f);
	fclose(f);
	ks = ksyms__load(p);
	assert_non_null(ks);
	assert_true(ksyms__hidden(ks));
	assert_int_equal(ksyms__addr(ks, "out_of_memory"), 0);
	assert_null(ksyms__find(ks, 0xffffffff81200214));
	ksyms__free(ks);
	unlink(p);
	assert_null(ksyms__load("/nonexistent/kallsyms"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookups, write_fixture, remove_fixture),
		cmocka_unit_test(test_hidden),
	};

	return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
