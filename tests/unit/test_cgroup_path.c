// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup_path: "PATH or below" and the mount prefix, shared by the --cgroup
 * filters (trace, record, parse) and the memcg domain of scores. The two
 * "or below" each of them had before are kept here, and every pair of a
 * table of awkward paths must give the same answer as before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cgroup_path.h"
#include "memcg_limits.h"

/* session.c's cgroup_path_within and parse.c's path_within (the same text) */
static bool old_filter_within(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return true;
	return !strncmp(path, prefix, n) && (path[n] == '/' || !path[n]);
}

/* memcg_limits.c's memcg_path_within */
static bool old_memcg_within(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return !strncmp(path, prefix, n) && (path[n] == '/' || !path[n]);
}

static const char *const paths[] = {
	"", "/", "//", "/a", "/a/", "/a//", "/ab", "/a/b", "/a/b/c", "/b", "a", "a/b", "ab",
	"/a b/c", "/system.slice/x.service", "/system.slice", "/sys/fs/cgroup",
	"/sys/fs/cgroup/", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/a/b",
	"/sys/fs/cgroup/memoryx/a", "/sys/fs/cgroup/unified/a", "/sys/fs/cgroupx",
	"/sys/fs/cgroup//a", "/sys/fs", "sys/fs/cgroup/a",
};

static void test_same_as_before(void **state)
{
	size_t n = sizeof(paths) / sizeof(paths[0]);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			if (cgroup_path_within(paths[i], paths[j]) !=
			    old_filter_within(paths[i], paths[j]))
				fail_msg("cgroup_path_within('%s', '%s')", paths[i], paths[j]);
			if (memcg_path_within(paths[i], paths[j]) !=
			    old_memcg_within(paths[i], paths[j]))
				fail_msg("memcg_path_within('%s', '%s')", paths[i], paths[j]);
		}
	}
}

static void test_semantics(void **state)
{
	(void)state;
	assert_true(cgroup_path_within("/a/b", "/a"));
	assert_true(cgroup_path_within("/a", "/a/"));
	assert_true(cgroup_path_within("/a", "/a//"));
	assert_false(cgroup_path_within("/ab", "/a"));
	assert_false(cgroup_path_within("/a", "/a/b"));
	/* the root keeps everything, even a log's path without its slash */
	assert_true(cgroup_path_within("/x", "/"));
	assert_true(cgroup_path_within("x", "//"));
	assert_true(cgroup_path_within("", "/"));
	/* a memcg domain of "/" holds only real paths */
	assert_true(memcg_path_within("/x", "/"));
	assert_false(memcg_path_within("", "/"));
	assert_false(memcg_path_within("x", "//"));
	assert_true(cgroup_path_is_root("/"));
	assert_true(cgroup_path_is_root("///"));
	assert_false(cgroup_path_is_root(""));
	assert_false(cgroup_path_is_root("/a"));
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup/memory/a/b"), "/a/b");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup/unified/a"), "/a");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup/a.slice"), "/a.slice");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup"), "/");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup/memory"), "/");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup/unified/"), "/");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup/memoryx/a"), "/memoryx/a");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroup//a"), "//a");
	assert_string_equal(cgroup_path_strip_mount("/sys/fs/cgroupx/a"), "/sys/fs/cgroupx/a");
	assert_string_equal(cgroup_path_strip_mount("/a"), "/a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_before),
		cmocka_unit_test(test_semantics),
	};

	return cmocka_run_group_tests_name("cgroup_path", tests, NULL, NULL);
}
