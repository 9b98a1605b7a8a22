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
	assert_int_equal(s.addr, 0xffffffff81200000);	/* out_of_memory */
	assert_null(s.name);				/* names are not kept */
	assert_null(s.module);
	assert_int_equal(ksyms__find(ks, 0xffffffffc0001010, &s), 0);
	assert_int_equal(s.addr, 0xffffffffc0001000);
	assert_string_equal(s.module, "some_mod");
	assert_int_equal(ksyms__find(ks, 0xffffffffc0001104, &s), 0);
	assert_int_equal(s.addr, 0xffffffffc0001100);
	assert_string_equal(s.module, "some_mod");
	assert_int_equal(ksyms__find(ks, 0xffffffffc0002004, &s), 0);
	assert_string_equal(s.module, "other_mod");
	/* in a padding: the function before it */
	assert_int_equal(ksyms__find(ks, 0xffffffff812007f4, &s), 0);
	assert_int_equal(s.addr, 0xffffffff81200400);
	assert_int_equal(ksyms__find(ks, 0x1000, &s), -ENOENT);
	/* addresses whose upper halves differ: found across the boundary */
	assert_int_equal(ksyms__find(ks, 0xffff800000001010, &s), 0);
	assert_int_equal(s.addr, 0xffff800000001000);
	assert_null(s.module);
	assert_int_equal(ksyms__find(ks, 0xffffffff80000000, &s), 0);
	assert_int_equal(s.addr, 0xffff800000001000);
	assert_int_equal(ksyms__next_addr(ks, 0xffff800000001000), 0xffffffff81100000);
	assert_int_equal(ksyms__addr(ks, "far_fn"), 0xffff800000001000);
	assert_int_equal(ksyms__find(ks, 0xffffffff81100000, &s), 0);
	assert_int_equal(s.addr, 0xffffffff81100000);
	/* static functions may be compiler clones: their full name is read again */
	assert_string_equal(ksyms__resolve_name(ks, "oom_kill_process"),
			    "oom_kill_process.constprop.0");
	assert_string_equal(ksyms__resolve_name(ks, "oom_badness"), "oom_badness");
	assert_int_equal(ksyms__addr(ks, "oom_kill_process"), 0xffffffff81200400);
	assert_int_equal(ksyms__addr(ks, "oom_badness"), 0xffffffff81200800);
	assert_int_equal(ksyms__addr(ks, "oom_badnes"), 0);	/* prefix is not a match */
	assert_int_equal(ksyms__addr(ks, "oom_kill"), 0);
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
	assert_int_equal(s.addr, a);
	assert_null(s.module);
	assert_true(ksyms__next_addr(ks, a) > a);
	ksyms__free(ks);
}

/* The cache finds what the table finds, for every address tried. */
static void assert_cache_agrees(const struct ksyms *ks, struct ksyms_cache *kc,
				const uint64_t *addrs, size_t n)
{
	assert_int_equal(ksyms_cache__fill(kc, addrs, n), 0);
	for (size_t i = 0; i < n; i++) {
		struct ksym want, got;
		int w = ksyms__find(ks, addrs[i], &want);
		int g = ksyms_cache__find(kc, addrs[i], &got);

		if (w != g)
			fail_msg("address 0x%llx: table %d, cache %d", (unsigned long long)addrs[i], w, g);
		if (w)
			continue;
		assert_int_equal(got.addr, want.addr);
		assert_non_null(got.name);
		if (want.module)
			assert_string_equal(got.module, want.module);
		else
			assert_null(got.module);
	}
}

static void test_cache(void **state)
{
	static const uint64_t addrs[] = {
		0xffffffff81200214, 0xffffffff81200000, 0xffffffff812003ff, 0xffffffff812007f4,
		0xffffffff81200800, 0xffffffff81200950, 0xffffffffc0001010, 0xffffffffc0001104,
		0xffffffffc0002004, 0xffffffffffffff00, 0x1000, 0xffff800000001010,
		0xffffffff80000000, 0xffffffff81100000, 0xffffffff81200214,	/* twice */
	};
	struct ksyms *ks = ksyms__load(path);
	struct ksyms_cache *kc = ksyms_cache__new(path, 64);
	uint64_t failed = 1, batch[KSYMS_CACHE_BATCH];
	struct ksym s;

	(void)state;
	assert_non_null(ks);
	assert_non_null(kc);
	/* nothing filled: nothing found, no scan */
	assert_int_equal(ksyms_cache__find(kc, addrs[0], &s), -ENOENT);
	assert_int_equal(ksyms_cache__scans(kc, NULL), 0);
	assert_cache_agrees(ks, kc, addrs, sizeof(addrs) / sizeof(addrs[0]));
	assert_int_equal(ksyms_cache__scans(kc, &failed), 1);
	assert_int_equal(failed, 0);
	/* and the names */
	assert_int_equal(ksyms_cache__find(kc, 0xffffffff81200214, &s), 0);
	assert_string_equal(s.name, "out_of_memory");
	assert_int_equal(ksyms_cache__find(kc, 0xffffffff812007f4, &s), 0);
	assert_string_equal(s.name, "oom_kill_process.constprop.0");
	assert_int_equal(ksyms_cache__find(kc, 0xffffffffc0001104, &s), 0);
	assert_string_equal(s.name, "other_fn");
	assert_string_equal(s.module, "some_mod");
	assert_int_equal(ksyms_cache__find(kc, 0xffffffffffffff00, &s), 0);
	assert_string_equal(s.name, "third_fn");
	assert_int_equal(ksyms_cache__find(kc, 0xffffffff80000000, &s), 0);
	assert_string_equal(s.name, "far_fn");
	/* other addresses in the same functions are hits: no second scan */
	batch[0] = 0xffffffff81200100;
	batch[1] = 0xffffffffc0001001;
	assert_cache_agrees(ks, kc, batch, 2);
	assert_int_equal(ksyms_cache__scans(kc, NULL), 1);
	/* more functions than entries: the least recently needed make room,
	 * and whatever is asked for is still right */
	for (size_t i = 0; i < KSYMS_CACHE_BATCH; i++)
		batch[i] = 0xffffffff81200000 + i * 0x20;	/* all out_of_memory... */
	batch[KSYMS_CACHE_BATCH - 1] = 0xffffffff81200900;
	assert_cache_agrees(ks, kc, batch, KSYMS_CACHE_BATCH);
	assert_cache_agrees(ks, kc, addrs, sizeof(addrs) / sizeof(addrs[0]));
	ksyms_cache__free(kc);
	ksyms__free(ks);

	/* kallsyms unreadable: counted, nothing found */
	kc = ksyms_cache__new("/nonexistent/kallsyms", 64);
	assert_non_null(kc);
	assert_int_equal(ksyms_cache__fill(kc, addrs, 1), -ENOENT);
	assert_int_equal(ksyms_cache__scans(kc, &failed), 1);
	assert_int_equal(failed, 1);
	assert_int_equal(ksyms_cache__find(kc, addrs[0], &s), -ENOENT);
	ksyms_cache__free(kc);
}

/* Lines split across reads, overlong lines, a last line with no newline. */
static void test_scan_edges(void **state)
{
	char p[] = "/tmp/oomtrace-ksyms-edges-XXXXXX";
	int fd = mkstemp(p);
	FILE *f = fdopen(fd, "w");
	struct ksyms_cache *kc;
	uint64_t addrs[3];
	struct ksyms *ks;
	struct ksym s;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++)
		fprintf(f, "ffffffff81%06x t fn_%d_with_a_longish_name\n", i * 16, i);
	fprintf(f, "ffffffff82000000 t ");
	for (i = 0; i < 70000; i++)
		fputc('x', f);
	fprintf(f, "\nffffffff82000100 T after_long\nffffffff82000200 T last_fn");
	fclose(f);
	ks = ksyms__load(p);
	assert_non_null(ks);
	assert_int_equal(ksyms__count(ks), 5002);
	assert_int_equal(ksyms__find(ks, 0xffffffff82000104, &s), 0);
	assert_int_equal(s.addr, 0xffffffff82000100);
	assert_int_equal(ksyms__addr(ks, "last_fn"), 0xffffffff82000200);
	assert_int_equal(ksyms__addr(ks, "fn_4999_with_a_longish_name"), 0xffffffff81000000 + 4999 * 16);
	ksyms__free(ks);
	kc = ksyms_cache__new(p, 64);
	assert_non_null(kc);
	addrs[0] = 0xffffffff81000000 + 4999 * 16 + 3;
	addrs[1] = 0xffffffff82000104;
	addrs[2] = 0xffffffff82000208;
	assert_int_equal(ksyms_cache__fill(kc, addrs, 3), 0);
	assert_int_equal(ksyms_cache__find(kc, addrs[0], &s), 0);
	assert_string_equal(s.name, "fn_4999_with_a_longish_name");
	assert_int_equal(ksyms_cache__find(kc, addrs[1], &s), 0);
	assert_string_equal(s.name, "after_long");
	assert_int_equal(ksyms_cache__find(kc, addrs[2], &s), 0);
	assert_string_equal(s.name, "last_fn");
	ksyms_cache__free(kc);
	unlink(p);
}

/* The live /proc/kallsyms: the cache agrees with the table. */
static void test_cache_live(void **state)
{
	struct ksyms *ks = ksyms__load(NULL);
	struct ksyms_cache *kc;
	uint64_t addrs[32];

	(void)state;
	if (!ks || ksyms__hidden(ks)) {
		ksyms__free(ks);
		skip();
	}
	kc = ksyms_cache__new(NULL, 256);
	assert_non_null(kc);
	addrs[0] = ksyms__addr(ks, "out_of_memory") + 0x20;
	addrs[1] = ksyms__addr(ks, "oom_kill_process");
	for (size_t i = 2; i < 32; i++)
		addrs[i] = addrs[0] + (i - 2) * 0x10000;
	assert_cache_agrees(ks, kc, addrs, 32);
	ksyms_cache__free(kc);
	ksyms__free(ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookups, write_fixture, remove_fixture),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_live),
		cmocka_unit_test_setup_teardown(test_cache, write_fixture, remove_fixture),
		cmocka_unit_test(test_scan_edges),
		cmocka_unit_test(test_cache_live),
	};

	return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
