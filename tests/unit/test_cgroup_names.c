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
	struct cgroup_names *cn = cgroup_names__new();
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
	struct cgroup_names *cn = cgroup_names__new();
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
		cmocka_unit_test(test_origin),
	};

	return cmocka_run_group_tests_name("cgroup_names", tests, NULL, NULL);
}
