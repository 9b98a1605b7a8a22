// SPDX-License-Identifier: GPL-2.0
/*
 * Reconciliation: counters read from fixtures (vmstat, v1 and v2 memory
 * cgroup files), and a gap believed only once it has settled.
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
#include <sys/stat.h>

#include "reconcile.h"

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_counters(void **state)
{
	char root[] = "/tmp/oomtrace-rc-XXXXXX", p[256], used[256], cmd[300];
	uint64_t v;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/vmstat", root);
	put(p, "nr_free_pages 1\noom_kill_x 9\noom_kill 23\nnuma_hit 4\n");
	assert_int_equal(kernel_oom_kills(p, &v), 0);
	assert_int_equal(v, 23);
	put(p, "nr_free_pages 1\n");
	assert_int_equal(kernel_oom_kills(p, &v), -ENOENT);
	put(p, "oom_kill x\n");
	assert_int_equal(kernel_oom_kills(p, &v), -EINVAL);
	/* v1: memory/<cg>/memory.oom_control */
	snprintf(p, sizeof(p), "%s/memory/a/b", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s %s/x/y", p, root);
	assert_int_equal(system(cmd), 0);
	strcat(p, "/memory.oom_control");
	put(p, "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
	assert_int_equal(cgroup_oom_kills(root, "/a/b", &v, used, sizeof(used)), 0);
	assert_int_equal(v, 5);
	assert_string_equal(used, p);
	/* v2: <cg>/memory.events is preferred */
	snprintf(p, sizeof(p), "%s/x/y/memory.events", root);
	put(p, "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\noom_group_kill 0\n");
	assert_int_equal(cgroup_oom_kills(root, "/x/y", &v, used, sizeof(used)), 0);
	assert_int_equal(v, 2);
	/* the root is not counted by the kernel; a missing cgroup has no counter */
	assert_int_equal(cgroup_oom_kills(root, "/", &v, used, sizeof(used)), -ENOENT);
	assert_int_equal(cgroup_oom_kills(root, "/nope", &v, used, sizeof(used)), -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void test_gap_settles(void **state)
{
	struct reconciler r;

	(void)state;
	reconciler__init(&r, 100);
	/* agreement: nothing to say */
	r.captured = 2;
	assert_false(reconciler__check(&r, 102, 0, false, false));
	assert_int_equal(reconciler__settle_in(&r, 0), -1);
	/* the kernel counts a kill whose event is still being assembled: wait */
	assert_false(reconciler__check(&r, 103, 10, true, false));
	/* no event open: a candidate gap, not yet believed */
	assert_false(reconciler__check(&r, 103, 20, false, false));
	assert_int_equal(reconciler__settle_in(&r, 20), RECONCILE_SETTLE_MS);
	assert_false(reconciler__check(&r, 103, 500, false, false));
	/* the event arrived meanwhile: the gap is gone, nothing reported */
	r.captured = 3;
	assert_false(reconciler__check(&r, 103, 600, false, false));
	/* a kill never captured: reported once it has held still */
	assert_false(reconciler__check(&r, 104, 700, false, false));
	assert_true(reconciler__check(&r, 104, 700 + RECONCILE_SETTLE_MS, false, false));
	assert_int_equal(r.reported_gap, 1);
	assert_int_equal(r.mismatches, 1);
	assert_false(reconciler__check(&r, 104, 5000, false, false));	/* said already */
	/* the end: any difference at once */
	assert_true(reconciler__check(&r, 106, 5001, true, true));
	assert_int_equal(r.reported_gap, 3);
	assert_int_equal(reconciler__gap(&r, 106), 3);
	/* more captured than counted (a kill before the baseline was read) */
	r.captured = 10;
	assert_true(reconciler__check(&r, 106, 6000, false, true));
	assert_int_equal(r.reported_gap, -4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_gap_settles),
	};

	return cmocka_run_group_tests_name("reconcile", tests, NULL, NULL);
}
