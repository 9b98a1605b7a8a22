// SPDX-License-Identifier: GPL-2.0
/*
 * run_up of live events from fixture trees: the counters of cgroup v1 and
 * v2 and of the machine read, the deltas against the start or the
 * domain's previous event, a counter that went back, the reclaim window,
 * and the text verdict.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render.h"
#include "run_up_live.h"

static void put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sub(char *out, size_t size, const char *root, const char *rel)
{
	snprintf(out, size, "%s/%s", root, rel);
	assert_int_equal(mkdir(out, 0755), 0);
}

static void rm_tree(const char *root)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void psi(const char *dir, const char *name, unsigned some, unsigned full)
{
	char text[256];

	snprintf(text, sizeof(text),
		 "some avg10=0.00 avg60=0.00 avg300=0.00 total=%u\n"
		 "full avg10=0.00 avg60=0.00 avg300=0.00 total=%u\n", some, full);
	put(dir, name, text);
}

static void test_key(void **state)
{
	(void)state;
	assert_int_equal(run_up_key(NULL), run_up_key(""));
	assert_int_equal(run_up_key(NULL), run_up_key("/"));
	assert_true(run_up_key("/a") != run_up_key("/b"));
	assert_true(run_up_key("/a") != 0 && run_up_key(NULL) != 0);
}

/* v2: memory.events' keys (no oom_group_kill before 5.17) and memory.pressure */
static void test_read_v2(void **state)
{
	char root[] = "/tmp/oomtrace-test-run-up-XXXXXX", proc[4200], cg[4200], p[4200];
	struct memcg_mount m = { .version = 2 };
	struct run_up_base b;

	(void)state;
	assert_non_null(mkdtemp(root));
	sub(proc, sizeof(proc), root, "proc");
	sub(p, sizeof(p), proc, "pressure");
	psi(p, "memory", 900, 800);
	sub(m.dir, sizeof(m.dir), root, "cg");
	sub(cg, sizeof(cg), m.dir, "grp");
	put(cg, "memory.events", "low 0\nhigh 7\nmax 233\noom 2\noom_kill 1\n");
	psi(cg, "memory.pressure", 50, 40);
	run_up_read(&m, root, "/grp", &b);
	assert_int_equal(b.key, run_up_key("/grp"));
	assert_int_equal(b.has, RU_HAS_PSI_SOME | RU_HAS_PSI_FULL);
	assert_int_equal(b.psi_some_us, 50);
	assert_int_equal(b.psi_full_us, 40);
	assert_int_equal(b.events_has, (1u << RU_EV_HIGH) | (1u << RU_EV_MAX) |
				       (1u << RU_EV_OOM) | (1u << RU_EV_OOM_KILL));
	assert_int_equal(b.events[RU_EV_MAX], 233);
	/* the machine (a global OOM): /proc/pressure/memory, no events */
	run_up_read(&m, root, NULL, &b);
	assert_int_equal(b.has, RU_HAS_PSI_SOME | RU_HAS_PSI_FULL | RU_PSI_SYSTEM);
	assert_int_equal(b.psi_some_us, 900);
	assert_int_equal(b.events_has, 0);
	/* a malformed pressure file: no PSI of the domain, the machine's instead */
	put(cg, "memory.pressure", "some total=x\n");
	run_up_read(&m, root, "/grp", &b);
	assert_int_equal(b.has & RU_PSI_SYSTEM, RU_PSI_SYSTEM);
	assert_int_equal(b.psi_full_us, 800);
	rm_tree(root);
}

/* v1: memory.failcnt and oom_control's oom_kill; PSI is the machine's */
static void test_read_v1(void **state)
{
	char root[] = "/tmp/oomtrace-test-run-up-XXXXXX", proc[4200], cg[4200], p[4200];
	struct memcg_mount m = { .version = 1 };
	struct run_up_base b;

	(void)state;
	assert_non_null(mkdtemp(root));
	sub(proc, sizeof(proc), root, "proc");
	sub(p, sizeof(p), proc, "pressure");
	psi(p, "memory", 900, 800);
	sub(m.dir, sizeof(m.dir), root, "memory");
	sub(cg, sizeof(cg), m.dir, "grp");
	put(cg, "memory.failcnt", "233\n");
	put(cg, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
	run_up_read(&m, root, "/grp", &b);
	assert_int_equal(b.events_has, (1u << RU_EV_FAILCNT) | (1u << RU_EV_OOM_KILL));
	assert_int_equal(b.events[RU_EV_FAILCNT], 233);
	assert_int_equal(b.events[RU_EV_OOM_KILL], 3);
	assert_int_equal(b.has, RU_HAS_PSI_SOME | RU_HAS_PSI_FULL | RU_PSI_SYSTEM);
	/* before 4.13 oom_control has no oom_kill; without PSI (no CONFIG_PSI) no pressure */
	put(cg, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	strcat(p, "/memory");
	assert_int_equal(unlink(p), 0);
	run_up_read(&m, root, "/grp", &b);
	assert_int_equal(b.events_has, 1u << RU_EV_FAILCNT);
	assert_int_equal(b.has, 0);
	rm_tree(root);
}

static void test_delta(void **state)
{
	struct run_up_base base = { .has = RU_HAS_PSI_SOME | RU_HAS_PSI_FULL,
				    .psi_some_us = 100, .psi_full_us = 50,
				    .events_has = (1u << RU_EV_MAX) | (1u << RU_EV_OOM_KILL),
				    .events = { [RU_EV_MAX] = 10, [RU_EV_OOM_KILL] = 1 } };
	struct run_up_base now = base;
	struct oom_run_up ru = { .has = RU_HAS_RECLAIM };

	(void)state;
	now.psi_some_us = 350;
	now.psi_full_us = 50;
	now.events[RU_EV_MAX] = 15;
	now.events[RU_EV_OOM_KILL] = 2;
	now.events[RU_EV_HIGH] = 4;	/* not in the base: left out */
	now.events_has |= 1u << RU_EV_HIGH;
	run_up_delta(&base, &now, &ru);
	assert_int_equal(ru.has, RU_HAS_RECLAIM | RU_HAS_PSI_SOME | RU_HAS_PSI_FULL);
	assert_int_equal(ru.psi_some_us, 250);
	assert_int_equal(ru.psi_full_us, 0);
	assert_int_equal(ru.events_has, (1u << RU_EV_MAX) | (1u << RU_EV_OOM_KILL));
	assert_int_equal(ru.events[RU_EV_MAX], 5);
	assert_int_equal(ru.events[RU_EV_OOM_KILL], 1);
	/* no base (made after the start): the counters are the delta */
	run_up_delta(NULL, &now, &ru);
	assert_int_equal(ru.events_has, now.events_has);
	assert_int_equal(ru.events[RU_EV_HIGH], 4);
	assert_int_equal(ru.psi_some_us, 350);
	/* a counter went back: a new cgroup at the same path, from zero */
	now.events[RU_EV_MAX] = 3;
	run_up_delta(&base, &now, &ru);
	assert_int_equal(ru.events[RU_EV_MAX], 3);
	assert_int_equal(ru.events[RU_EV_OOM_KILL], 2);
	assert_int_equal(ru.events[RU_EV_HIGH], 4);
	/* the machine's PSI against the domain's: no PSI delta at all */
	now.has |= RU_PSI_SYSTEM;
	run_up_delta(&base, &now, &ru);
	assert_int_equal(ru.has & (RU_HAS_PSI_SOME | RU_HAS_PSI_FULL | RU_PSI_SYSTEM), 0);
}

/* The live sequence: start baselines, a first event, a second one, a domain made later. */
static void test_live_sequence(void **state)
{
	char root[] = "/tmp/oomtrace-test-run-up-XXXXXX", proc[4200], cg[4200], p[4200],
	     late[4200];
	struct memcg_mount m = { .version = 2 };
	struct oom_event *ev = oom_event__new();
	struct run_up_live r;

	(void)state;
	assert_non_null(mkdtemp(root));
	sub(proc, sizeof(proc), root, "proc");
	sub(p, sizeof(p), proc, "pressure");
	psi(p, "memory", 900, 800);
	sub(m.dir, sizeof(m.dir), root, "cg");
	sub(cg, sizeof(cg), m.dir, "grp");
	put(cg, "memory.events", "high 0\nmax 100\noom 1\noom_kill 1\noom_group_kill 0\n");
	psi(cg, "memory.pressure", 1000, 500);
	sub(late, sizeof(late), m.dir, "idle");	/* a cgroup that never OOMs */
	assert_int_equal(run_up_live__init(&r, &m, root, true, false), 0);
	assert_true(r.start_complete);
	assert_int_equal(r.n, 3);	/* the machine, /grp and /idle */

	/* 1: since the start; reclaim kept (memcg attached), window cut to the time run */
	put(cg, "memory.events", "high 0\nmax 160\noom 2\noom_kill 2\noom_group_kill 0\n");
	psi(cg, "memory.pressure", 4000, 2500);
	ev->has = EV_HAS_MEMCG;
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	strcpy(ev->memcg, "/grp");
	ev->time_ns = r.start_ns + 2500000000ull;
	ev->run_up.has = RU_HAS_RECLAIM;
	ev->run_up.window_s = 60;
	ev->run_up.reclaim_episodes = 9;
	run_up_live__fill(&r, ev);
	assert_true(ev->has & EV_HAS_RUN_UP);
	assert_int_equal(ev->run_up.window_s, 3);
	assert_int_equal(ev->run_up.has, RU_HAS_RECLAIM | RU_HAS_PSI_SOME | RU_HAS_PSI_FULL |
					 RU_HAS_SINCE);
	assert_int_equal(ev->run_up.psi_some_us, 3000);
	assert_int_equal(ev->run_up.psi_full_us, 2000);
	assert_int_equal(ev->run_up.events[RU_EV_MAX], 60);
	assert_int_equal(ev->run_up.events[RU_EV_OOM_KILL], 1);
	assert_int_equal(ev->run_up.events[RU_EV_OOM_GROUP_KILL], 0);

	/* 2: since the first event of /grp */
	oom_event__clear(ev);
	put(cg, "memory.events", "high 0\nmax 170\noom 3\noom_kill 3\noom_group_kill 0\n");
	ev->has = EV_HAS_MEMCG;
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	strcpy(ev->memcg, "/grp");
	ev->time_ns = r.start_ns + 120000000000ull;
	ev->run_up.has = RU_HAS_RECLAIM;
	ev->run_up.window_s = 60;
	run_up_live__fill(&r, ev);
	assert_int_equal(ev->run_up.window_s, 60);
	assert_true(ev->run_up.has & RU_SINCE_EVENT);
	assert_int_equal(ev->run_up.events[RU_EV_MAX], 10);
	assert_int_equal(ev->run_up.events[RU_EV_OOM_KILL], 1);
	assert_int_equal(ev->run_up.psi_some_us, 0);

	/* 3: a domain made after the start counts from zero; a global OOM
	 * without direct reclaim attached has no reclaim numbers */
	sub(late, sizeof(late), m.dir, "late");
	put(late, "memory.events", "high 0\nmax 5\noom 1\noom_kill 1\n");
	oom_event__clear(ev);
	ev->has = EV_HAS_MEMCG;
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	strcpy(ev->memcg, "/late");
	run_up_live__fill(&r, ev);
	assert_false(ev->run_up.has & RU_SINCE_EVENT);
	assert_int_equal(ev->run_up.events[RU_EV_MAX], 5);
	assert_int_equal(ev->run_up.psi_some_us, 0);	/* no memory.pressure: the machine's */
	assert_true(ev->run_up.has & RU_PSI_SYSTEM);
	oom_event__clear(ev);
	ev->constraint = OOM_CONSTRAINT_NONE;
	ev->run_up.has = RU_HAS_RECLAIM | RU_HAS_FIRST_HIT;
	psi(p, "memory", 1900, 800);
	run_up_live__fill(&r, ev);
	assert_int_equal(ev->run_up.has & (RU_HAS_RECLAIM | RU_HAS_FIRST_HIT), 0);
	assert_int_equal(ev->run_up.psi_some_us, 1000);

	/* 4: the table full, /idle's start baseline goes: a domain not found is no
	 * longer taken as new, and gets no deltas but a `missing` word */
	for (size_t i = 0; r.n < r.cap; i++) {
		oom_event__clear(ev);
		ev->has = EV_HAS_MEMCG;
		snprintf(ev->memcg, sizeof(ev->memcg), "/gone%zu", i);
		run_up_live__fill(&r, ev);
	}
	assert_true(r.start_complete);
	oom_event__clear(ev);
	ev->has = EV_HAS_MEMCG;
	strcpy(ev->memcg, "/one-more");
	run_up_live__fill(&r, ev);
	assert_false(r.start_complete);
	oom_event__clear(ev);
	ev->has = EV_HAS_MEMCG;
	strcpy(ev->memcg, "/late");
	put(late, "memory.events", "high 0\nmax 9\noom 2\noom_kill 2\n");
	run_up_live__fill(&r, ev);	/* its baseline from event 3 is still there */
	assert_int_equal(ev->run_up.events[RU_EV_MAX], 4);
	sub(late, sizeof(late), m.dir, "later");
	put(late, "memory.events", "high 0\nmax 5\noom 1\noom_kill 1\n");
	oom_event__clear(ev);
	ev->has = EV_HAS_MEMCG;
	strcpy(ev->memcg, "/later");
	run_up_live__fill(&r, ev);
	assert_int_equal(ev->run_up.events_has, 0);
	assert_false(ev->run_up.has & RU_HAS_SINCE);
	assert_string_equal(ev->missing, "run_up_baseline");
	run_up_live__free(&r);
	oom_event__free(ev);
	rm_tree(root);
}

static void test_verdict(void **state)
{
	struct oom_run_up ru = { .has = RU_HAS_RECLAIM | RU_HAS_FIRST_HIT, .window_s = 60,
				 .reclaim_episodes = 3120, .reclaim_stall_us = 2150000,
				 .first_limit_hit_ms_before = 12400, .pages_reclaimed = 20000 };
	char buf[160];

	(void)state;
	assert_true(render_run_up_verdict(buf, sizeof(buf), &ru));
	assert_string_equal(buf, "reclaiming for 12.4 s before the kill: 3,120 episodes, 2.1 s stalled");
	/* at the limit briefly, little stall: nothing to say */
	ru.first_limit_hit_ms_before = 112;
	ru.reclaim_stall_us = 3400;
	assert_false(render_run_up_verdict(buf, sizeof(buf), &ru));
	/* not at a limit (a global OOM), but stalled */
	ru.has = RU_HAS_RECLAIM;
	ru.reclaim_episodes = 1;
	ru.reclaim_stall_us = 1000000;
	assert_true(render_run_up_verdict(buf, sizeof(buf), &ru));
	assert_string_equal(buf, "reclaim in the last 60 s: 1 episode, 1.0 s stalled, "
				 "20,000 pages reclaimed");
	ru.has = 0;
	assert_false(render_run_up_verdict(buf, sizeof(buf), &ru));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_read_v2),
		cmocka_unit_test(test_read_v1),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_live_sequence),
		cmocka_unit_test(test_verdict),
	};

	return cmocka_run_group_tests_name("run_up_live", tests, NULL, NULL);
}
