// SPDX-License-Identifier: GPL-2.0
/* Cgroup ids to paths; unit, container and pod from a path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>

#include "cgroup_names.h"

static void test_paths(void **state)
{
	struct cgroup_names *cn = cgroup_names__new(4096, NULL, NULL);
	char buf[256];

	(void)state;
	assert_int_equal(cgroup_names__add(cn, 1, 0, ""), 0);	/* hierarchy root */
	assert_int_equal(cgroup_names__add(cn, 7, 1, "system.slice"), 0);
	assert_int_equal(cgroup_names__add(cn, 42, 7, "nginx.service"), 0);
	assert_int_equal(cgroup_names__path(cn, 42, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/system.slice/nginx.service");
	assert_int_equal(cgroup_names__path(cn, 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
	assert_int_equal(cgroup_names__path(cn, 99, buf, sizeof(buf)), -ENOENT);
	/* a child whose parent was never named is not guessed */
	assert_int_equal(cgroup_names__add(cn, 50, 49, "orphan"), 0);
	assert_int_equal(cgroup_names__path(cn, 50, buf, sizeof(buf)), -ENOENT);
	/* renamed node: the latest name wins */
	assert_int_equal(cgroup_names__add(cn, 42, 7, "web.service"), 0);
	assert_int_equal(cgroup_names__path(cn, 42, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/system.slice/web.service");
	cgroup_names__free(cn);
}

static void test_many_nodes_rehash(void **state)
{
	struct cgroup_names *cn = cgroup_names__new(4096, NULL, NULL);
	char name[32], buf[64], want[64];

	(void)state;
	cgroup_names__add(cn, 1, 0, "");
	for (uint64_t id = 2; id < 3000; id++) {
		snprintf(name, sizeof(name), "c%llu", (unsigned long long)id);
		assert_int_equal(cgroup_names__add(cn, id, 1, name), 0);
	}
	for (uint64_t id = 2; id < 3000; id += 111) {
		snprintf(want, sizeof(want), "/c%llu", (unsigned long long)id);
		assert_int_equal(cgroup_names__path(cn, id, buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
	}
	cgroup_names__free(cn);
}

static uint64_t forgotten[16];
static size_t n_forgotten;

static void on_forget(void *arg, uint64_t id)
{
	(void)arg;
	if (n_forgotten < 16)
		forgotten[n_forgotten++] = id;
}

/* A full table makes room with the least recently used node, and says which. */
static void test_full_forgets(void **state)
{
	struct cgroup_names *cn = cgroup_names__new(4, on_forget, NULL);
	char buf[64];

	(void)state;
	assert_non_null(cn);
	n_forgotten = 0;
	assert_int_equal(cgroup_names__add(cn, 1, 0, ""), 0);
	assert_int_equal(cgroup_names__add(cn, 2, 1, "a"), 0);
	assert_int_equal(cgroup_names__add(cn, 3, 2, "b"), 0);
	assert_int_equal(cgroup_names__add(cn, 4, 1, "c"), 0);
	assert_int_equal(n_forgotten, 0);
	/* walking /a/b makes 1, 2, 3 recent: 4 is the one to go */
	assert_int_equal(cgroup_names__path(cn, 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a/b");
	assert_int_equal(cgroup_names__add(cn, 5, 1, "d"), 0);
	assert_int_equal(n_forgotten, 1);
	assert_int_equal(forgotten[0], 4);
	assert_int_equal(cgroup_names__forgotten(cn), 1);
	assert_int_equal(cgroup_names__path(cn, 4, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup_names__path(cn, 5, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/d");
	assert_int_equal(cgroup_names__path(cn, 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a/b");
	/* renaming a known node takes no room */
	assert_int_equal(cgroup_names__add(cn, 2, 1, "a2"), 0);
	assert_int_equal(n_forgotten, 1);
	assert_int_equal(cgroup_names__path(cn, 3, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a2/b");
	/* sent again after being forgotten: known again */
	assert_int_equal(cgroup_names__add(cn, 4, 1, "c"), 0);
	assert_int_equal(n_forgotten, 2);
	assert_int_equal(cgroup_names__path(cn, 4, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/c");
	cgroup_names__free(cn);
}

/* Many ids through a small table: every one still known is found right. */
static void test_churn(void **state)
{
	struct cgroup_names *cn = cgroup_names__new(64, NULL, NULL);
	char name[32], buf[64], want[64];
	size_t found = 0;

	(void)state;
	for (uint64_t id = 1; id < 5000; id++) {
		snprintf(name, sizeof(name), "n%llu", (unsigned long long)id);
		assert_int_equal(cgroup_names__add(cn, id * 7919, 0, name), 0);
		for (uint64_t back = id > 80 ? id - 80 : 1; back <= id; back++) {
			int r = cgroup_names__path(cn, back * 7919, buf, sizeof(buf));

			if (back + 64 > id)	/* the last 64 added are all there */
				assert_int_equal(r, 0);
			if (r)
				continue;
			/* a root: its own name is not in the path */
			snprintf(want, sizeof(want), "/");
			assert_string_equal(buf, want);
			found++;
		}
	}
	assert_int_equal(cgroup_names__forgotten(cn), 4999 - 64);
	assert_true(found > 0);
	cgroup_names__free(cn);
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_origin(void **state)
{
	struct cgroup_origin o;

	(void)state;
	cgroup_origin_from_path("/system.slice/nginx.service", &o);
	assert_string_equal(o.unit, "nginx.service");
	assert_string_equal(o.container_id, "");
	cgroup_origin_from_path("/system.slice/docker-" HEX64 ".scope", &o);
	assert_string_equal(o.unit, "docker-" HEX64 ".scope");
	assert_string_equal(o.container_id, HEX64);
	cgroup_origin_from_path("/docker/" HEX64, &o);
	assert_string_equal(o.container_id, HEX64);
	assert_string_equal(o.unit, "");
	cgroup_origin_from_path("/kubepods.slice/kubepods-burstable.slice/"
				"kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/"
				"cri-containerd-" HEX64 ".scope", &o);
	assert_string_equal(o.pod_uid, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d");
	assert_string_equal(o.container_id, HEX64);
	cgroup_origin_from_path("/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/"
				HEX64, &o);
	assert_string_equal(o.pod_uid, "1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d");
	assert_string_equal(o.container_id, HEX64);
	/* not ids: absent, never guessed */
	cgroup_origin_from_path("/docker/short", &o);
	assert_string_equal(o.container_id, "");
	cgroup_origin_from_path("/user.slice/user-0.slice/session-1.scope", &o);
	assert_string_equal(o.unit, "session-1.scope");
	cgroup_origin_from_path("/", &o);
	assert_string_equal(o.unit, "");
	assert_string_equal(o.pod_uid, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_many_nodes_rehash),
		cmocka_unit_test(test_full_forgets),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests_name("cgroup_names", tests, NULL, NULL);
}
