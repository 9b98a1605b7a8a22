// SPDX-License-Identifier: GPL-2.0
/*
 * The one reader of small kernel files: whole files or a refusal (never a
 * silent cut), first lines, and "key value" lookups as in vmstat.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs_read.h"

static void put(char *path, const char *text)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/oomtrace-pr-XXXXXX", buf[8];

	(void)state;
	put(path, "1234567");	/* 7 bytes and the NUL: fits exactly */
	assert_int_equal(procfs_read_file(path, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "1234567");
	/* one byte more does not fit: refused, not cut */
	assert_int_equal(procfs_read_file(path, buf, 7), -EFBIG);
	unlink(path);
	assert_int_equal(procfs_read_file(path, buf, sizeof(buf)), -ENOENT);
}

static void test_read_line(void **state)
{
	char path[] = "/tmp/oomtrace-pr-XXXXXX", buf[64];

	(void)state;
	put(path, "none [integrity] confidentiality\nsecond\n");
	assert_int_equal(procfs_read_line(path, buf, sizeof(buf)), 32);
	assert_string_equal(buf, "none [integrity] confidentiality");
	unlink(path);
	strcpy(buf, "stale");
	assert_int_equal(procfs_read_line(path, buf, sizeof(buf)), -ENOENT);
	assert_string_equal(buf, "");
}

static void test_find_key(void **state)
{
	const char *vmstat = "nr_free_pages 1\noom_kill_x 9\noom_kill 23\nnuma_hit 4";
	uint64_t v;

	(void)state;
	assert_int_equal(procfs_find_key_u64(vmstat, "oom_kill", &v), 0);
	assert_int_equal(v, 23);
	assert_int_equal(procfs_find_key_u64(vmstat, "numa_hit", &v), 0);	/* no newline */
	assert_int_equal(v, 4);
	assert_int_equal(procfs_find_key_u64(vmstat, "oom", &v), -ENOENT);	/* a prefix */
	assert_int_equal(procfs_find_key_u64("oom_kill 2x\n", "oom_kill", &v), -EINVAL);
	assert_int_equal(procfs_find_key_u64("oom_kill \n", "oom_kill", &v), -EINVAL);
	assert_int_equal(procfs_find_key_u64("oom_kill \n5\n", "oom_kill", &v), -EINVAL);
	assert_int_equal(procfs_find_key_u64("oom_kill -1\n", "oom_kill", &v), -EINVAL);
	assert_int_equal(procfs_find_key_u64("", "oom_kill", &v), -ENOENT);
}

/* /sys/devices/system/node/possible and its kin */
static void test_list_max(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(procfs_parse_list_max("0\n", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(procfs_parse_list_max("0-3\n", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(procfs_parse_list_max("0,2-5,7", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(procfs_parse_list_max("4-5,1", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(procfs_parse_list_max("", &v), -EINVAL);
	assert_int_equal(procfs_parse_list_max("0-", &v), -EINVAL);
	assert_int_equal(procfs_parse_list_max("0-3x", &v), -EINVAL);
	assert_int_equal(procfs_parse_list_max("all", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_line),
		cmocka_unit_test(test_find_key),
		cmocka_unit_test(test_list_max),
	};

	return cmocka_run_group_tests_name("procfs_read", tests, NULL, NULL);
}
