// SPDX-License-Identifier: GPL-2.0
/*
 * Reconciliation: counters read from fixtures (vmstat, v1 and v2 memory
 * cgroup files), a gap believed only once it has settled, and what the
 * previous run's files say (its last seq, its checkpoint, kills after it).
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
#include <unistd.h>

#include "event.h"
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

#define START(kills, boot, filter) \
	"{\"type\":\"recorder_start\",\"time\":\"2026-11-24T09:00:00.000000Z\",\"run_id\":\"r1\"," \
	"\"seq_base\":0" filter ",\"kernel_oom_kill\":" #kills ",\"boot_id\":\"" boot "\"}\n"
#define KILL(seq, victims) \
	"{\"type\":\"oom_kill\",\"seq\":" #seq ",\"time\":\"2026-11-24T09:01:00.000000Z\"" victims "}\n"
#define STOP(kills, last) \
	"{\"type\":\"recorder_stop\",\"time\":\"2026-11-24T10:00:00.000000Z\",\"run_id\":\"r1\"," \
	"\"last_seq\":" #last ",\"kernel_oom_kill\":" #kills ",\"boot_id\":\"b1\"}\n"

static void scan_text(struct prev_run *p, const char *text)
{
	char path[] = "/tmp/oomtrace-prev-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	prev_run__init(p);
	prev_run__scan_file(p, path, PREV_RUN_SCAN_BYTES);
	unlink(path);
}

/* Where the numbers ended, whether it stopped cleanly, kills since the checkpoint. */
static void test_prev_run_scan(void **state)
{
	struct prev_run p;

	(void)state;
	prev_run__init(&p);
	prev_run__scan_file(&p, "/nonexistent/oomtrace.jsonl", PREV_RUN_SCAN_BYTES);
	assert_false(p.found);
	assert_true(p.clean);
	/* a group kill counts each victim; a kill without the array counts one */
	scan_text(&p, START(10, "b1", "") KILL(1, ",\"victims\":[{\"pid\":1},{\"pid\":2}]")
		      "garbage, not JSON\n" KILL(2, ""));
	assert_true(p.found);
	assert_false(p.clean);
	assert_false(p.filtered);
	assert_int_equal(p.max_seq, 2);
	assert_true(p.checkpoint);
	assert_int_equal(p.checkpoint_kernel, 10);
	assert_string_equal(p.checkpoint_boot, "b1");
	assert_int_equal(p.checkpoint_ns, 1795510800000000000ull);
	assert_int_equal(p.kills_after, 3);
	/* a stop is a new checkpoint, and its last_seq counts (events sent to stdout) */
	scan_text(&p, START(10, "b1", ",\"filter\":{\"pid\":7}") KILL(4, "") STOP(14, 9));
	assert_true(p.clean);
	assert_true(p.filtered);
	assert_int_equal(p.max_seq, 9);
	assert_int_equal(p.checkpoint_kernel, 14);
	assert_int_equal(p.kills_after, 0);
}

/* Only the tail of a large file is read, from its first whole line. */
static void test_prev_run_tail(void **state)
{
	char path[] = "/tmp/oomtrace-prev-XXXXXX";
	const char *tail = KILL(6, "");
	struct prev_run p;
	FILE *f;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(START(1, "b1", ""), f);
	for (int i = 0; i < 100; i++)
		fputs(KILL(5, ""), f);
	fputs(tail, f);
	fclose(f);
	prev_run__init(&p);
	/* a few bytes more than the last line: the cut line before it is skipped */
	prev_run__scan_file(&p, path, strlen(tail) + 10);
	unlink(path);
	assert_true(p.found);
	assert_int_equal(p.max_seq, 6);
	assert_int_equal(p.kills_after, 1);
	assert_false(p.checkpoint);	/* the start record was outside the tail */
}

/* Kills while no recorder ran: only on the same boot, only when it can be told. */
static void test_prev_run_downtime(void **state)
{
	struct prev_run p;
	uint64_t since = 0;

	(void)state;
	scan_text(&p, START(10, "b1", "") KILL(1, "") STOP(12, 1));
	/* 12 at the stop, 15 now: three kills nobody recorded */
	assert_int_equal(prev_run__downtime_gap(&p, "b1", 15, &since), 3);
	assert_int_equal(since, 3);
	assert_int_equal(prev_run__downtime_gap(&p, "b1", 12, &since), 0);
	/* another boot, or a counter that went back: nothing can be said */
	assert_int_equal(prev_run__downtime_gap(&p, "b2", 15, &since), 0);
	assert_int_equal(prev_run__downtime_gap(&p, "b1", 11, &since), 0);
	/* an unclean run: its kills after the checkpoint were recorded */
	scan_text(&p, START(10, "b1", "") KILL(1, "") KILL(2, ""));
	assert_int_equal(prev_run__downtime_gap(&p, "b1", 15, &since), 3);
	assert_int_equal(since, 5);
	/* an unclean filtered run did not write every kill it saw */
	scan_text(&p, START(10, "b1", ",\"filter\":{\"pid\":7}") KILL(1, ""));
	assert_int_equal(prev_run__downtime_gap(&p, "b1", 15, &since), 0);
	/* no checkpoint at all */
	scan_text(&p, KILL(1, ""));
	assert_int_equal(prev_run__downtime_gap(&p, "b1", 15, &since), 0);
}

/* What an event adds to the captured count: every victim, and within --cgroup. */
static void test_kills_counted(void **state)
{
	struct oom_event *ev = oom_event__new();
	struct oom_task *t;

	(void)state;
	assert_non_null(ev);
	assert_int_equal(reconcile_kills_of(ev), 0);	/* no victim: nothing killed */
	ev->has |= EV_HAS_VICTIM;
	assert_int_equal(reconcile_kills_of(ev), 1);	/* a victim but no list (kernel log) */
	assert_int_equal(reconcile_kills_within(ev, "/a"), 1);
	/* an oom.group kill: one victim in /a/b, one in /c, one of unknown cgroup, 2 not stored */
	t = oom_event__add_victim(ev);
	t->has = TASK_HAS_CGROUP;
	strcpy(t->cgroup, "/a/b");
	t = oom_event__add_victim(ev);
	t->has = TASK_HAS_CGROUP;
	strcpy(t->cgroup, "/c");
	oom_event__add_victim(ev);
	ev->victims_dropped = 2;
	assert_int_equal(reconcile_kills_of(ev), 5);
	assert_int_equal(reconcile_kills_within(ev, "/a"), 4);
	assert_int_equal(reconcile_kills_within(ev, "/c"), 4);
	assert_int_equal(reconcile_kills_within(ev, "/a/b/x"), 3);
	oom_event__free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_gap_settles),
		cmocka_unit_test(test_prev_run_scan),
		cmocka_unit_test(test_prev_run_tail),
		cmocka_unit_test(test_prev_run_downtime),
		cmocka_unit_test(test_kills_counted),
	};

	return cmocka_run_group_tests_name("reconcile", tests, NULL, NULL);
}
