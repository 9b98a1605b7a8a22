// SPDX-License-Identifier: GPL-2.0
/* Report summaries: counts, repeated and largest victims, protected tasks, runs, output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl_reader.h"
#include "record_reader.h"
#include "report_stats.h"

#define MIN_NS (60ull * 1000000000ull)
#define T0 1795513631000000000ull

/* An event in memcg, victim comm/cgroup with rss in MiB, plus optional candidates. */
static struct oom_event *event(uint64_t seq, uint64_t t, const char *memcg, const char *comm,
			       uint64_t rss_mib)
{
	struct oom_event *ev = oom_event__new();
	struct oom_task *v = oom_event__add_victim(ev);

	ev->seq = seq;
	ev->time_ns = t;
	if (memcg) {
		ev->has |= EV_HAS_MEMCG;
		ev->constraint = OOM_CONSTRAINT_MEMCG;
		snprintf(ev->memcg, sizeof(ev->memcg), "%s", memcg);
	} else {
		ev->constraint = OOM_CONSTRAINT_NONE;
	}
	v->has = TASK_HAS_COMM | TASK_HAS_MEM | TASK_HAS_CGROUP | TASK_HAS_PID;
	v->pid = (int32_t)(1000 + seq);
	snprintf(v->comm, sizeof(v->comm), "%s", comm);
	snprintf(v->cgroup, sizeof(v->cgroup), "%s", memcg ? memcg : "/system.slice/x.service");
	v->rss_anon_pages = rss_mib * 256;
	ev->victim = *v;
	ev->has |= EV_HAS_VICTIM;
	return ev;
}

static void candidate(struct oom_event *ev, const char *comm, int32_t adj, uint64_t rss_mib)
{
	struct oom_task *c = oom_event__add_candidate(ev);

	ev->has |= EV_HAS_CANDIDATES;
	c->has = TASK_HAS_COMM | TASK_HAS_MEM | TASK_HAS_ADJ;
	c->oom_score_adj = adj;
	c->rss_anon_pages = rss_mib * 256;
	snprintf(c->comm, sizeof(c->comm), "%s", comm);
	ev->candidates_total = ev->n_candidates;
}

static void add(struct report_stats *st, struct oom_event *ev)
{
	assert_int_equal(report_stats__add_event(st, ev), 0);
	oom_event__free(ev);
}

static void own(struct report_stats *st, const char *json)
{
	struct jr_doc d;

	assert_int_equal(jr_doc__init(&d, 64), 0);
	assert_int_equal(jr_parse(&d, json, strlen(json)), 0);
	report_stats__add_own(st, record_type(&d), &d);
	jr_doc__free(&d);
}

static char *text(const struct report_stats *st, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (json)
		report_print_json(f, st);
	else
		report_print_text(f, st);
	fclose(f);
	return buf;
}

static void test_summaries(void **state)
{
	struct report_stats st;
	struct oom_event *ev;
	char *s;

	(void)state;
	report_stats__init(&st);
	own(&st, "{\"type\":\"recorder_start\",\"time\":\"2026-11-24T09:00:00Z\"}");
	add(&st, event(1, T0, "/web", "java", 500));
	add(&st, event(2, T0 + 5 * MIN_NS, "/web", "java", 700));
	ev = event(3, T0 + 30 * MIN_NS, NULL, "cc1plus", 2000);
	candidate(ev, "cc1plus", 0, 2000);
	candidate(ev, "postgres", -1000, 1500);	/* second by memory: near the top */
	candidate(ev, "bash", 0, 1);
	add(&st, ev);
	ev = event(4, T0 + 31 * MIN_NS, "/batch", "python3", 100);
	for (int i = 0; i < 4; i++)
		candidate(ev, "worker", 0, 200);
	candidate(ev, "agent", -1000, 10);	/* last by memory: not near */
	ev->candidates_total = 40;		/* and the list was cut */
	add(&st, ev);
	own(&st, "{\"type\":\"lost\",\"records\":3}");
	own(&st, "{\"type\":\"reconcile\",\"scope\":\"run\",\"gap\":1}");
	own(&st, "{\"type\":\"recorder_start\"}");	/* a new run: the first never stopped */
	own(&st, "{\"type\":\"reconcile\",\"scope\":\"downtime\",\"gap\":2}");
	own(&st, "{\"type\":\"recorder_stop\",\"gap\":0,\"records_to_stdout\":5}");
	report_stats__finish(&st);

	assert_int_equal(st.events, 4);
	assert_int_equal(st.kills, 4);
	assert_int_equal(st.by_domain.n, 3);
	assert_int_equal(st.runs, 2);
	assert_int_equal(st.unclean_runs, 1);
	assert_int_equal(st.lost_records, 3);
	assert_int_equal(st.gap_recording, 1);
	assert_int_equal(st.gap_downtime, 2);
	assert_int_equal(st.records_to_stdout, 5);
	assert_int_equal(st.protected_near_top, 1);
	assert_int_equal(st.events_with_candidates, 2);
	assert_int_equal(st.truncated_candidates, 1);
	assert_int_equal(st.n_largest, 4);
	assert_int_equal(st.largest[0].seq, 3);		/* 2000 MiB first */
	assert_int_equal(st.largest[3].seq, 4);
	assert_int_equal(report_bucket_s(T0, T0 + 31 * MIN_NS), 60);

	s = text(&st, false);
	assert_non_null(strstr(s, "4 OOM kills in 4 events"));
	assert_non_null(strstr(s, "        2  /web\n"));
	assert_non_null(strstr(s, "        1  global\n"));
	/* java killed twice in /web: a repeated victim */
	assert_non_null(strstr(s, "        2  2026-11-24 09:47:11Z"));
	assert_non_null(strstr(s, "java  /web\n"));
	assert_non_null(strstr(s, "1 of 2 OOMs had a protected task"));
	assert_non_null(strstr(s, "postgres"));
	assert_null(strstr(s, "agent"));
	assert_non_null(strstr(s, "2 runs (1 without a clean stop)"));
	free(s);
	s = text(&st, true);
	{
		struct jr_doc d;
		uint64_t v;
		int arr;

		assert_int_equal(jr_doc__init(&d, 4096), 0);
		assert_int_equal(jr_parse(&d, s, strlen(s)), 0);	/* valid JSON */
		assert_int_equal(jr_get_u64(&d, 0, "kills", &v), 0);
		assert_int_equal(v, 4);
		arr = jr_member(&d, 0, "repeated_victims");
		assert_int_equal(d.toks[arr].n, 1);
		assert_true(jr_get_str_is(&d, jr_first(&d, arr), "comm", "java"));
		assert_true(jr_get_str_is(&d, jr_first(&d, arr), "cgroup", "/web"));
		jr_doc__free(&d);
	}
	free(s);
	report_stats__free(&st);
}

/* A command name holding any byte stays apart from its cgroup. */
static void test_hostile_names(void **state)
{
	struct report_stats st;
	char *s;

	(void)state;
	report_stats__init(&st);
	add(&st, event(1, T0, "/a\x1f" "b", "x\x1fy\n", 1));
	add(&st, event(2, T0, "/a\x1f" "b", "x\x1fy\n", 1));
	report_stats__finish(&st);
	s = text(&st, false);
	assert_non_null(strstr(s, "x\\x1fy\\n  /a\\x1fb\n"));
	free(s);
	report_stats__free(&st);
}

/*
 * Parsed events: no wall-clock time (counted, "time unknown" in the
 * timeline, never placed at 1970), memory facts only in part.
 */
static void test_time_unknown_and_partial_memory(void **state)
{
	struct report_stats st;
	struct oom_event *ev;
	struct jr_doc d;
	uint64_t v;
	char *s;

	(void)state;
	report_stats__init(&st);
	add(&st, event(1, T0, "/web", "java", 500));
	ev = event(1, 0, NULL, "mysqld", 0);	/* a kill line before 4.5: anon and file */
	ev->victims[0].has &= ~TASK_HAS_MEM;
	ev->victims[0].has |= TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE;
	ev->victims[0].rss_anon_pages = 256 * 900;
	ev->victims[0].rss_file_pages = 256 * 100;
	add(&st, ev);
	ev = event(2, 0, NULL, "R", 0);		/* a task table's total only */
	ev->victims[0].has &= ~TASK_HAS_MEM;
	ev->victims[0].has |= TASK_HAS_RSS;
	ev->victims[0].rss_pages = 256 * 700;
	ev->victims_dropped = 1;
	add(&st, ev);
	report_stats__finish(&st);

	assert_int_equal(st.events, 3);
	assert_int_equal(st.kills, 4);
	assert_int_equal(st.events_time_unknown, 2);
	assert_int_equal(st.kills_time_unknown, 3);
	assert_int_equal(st.n_kill_times, 1);
	assert_true(st.first_ns == T0 && st.last_ns == T0);
	assert_int_equal(st.n_largest, 3);
	assert_int_equal(st.largest[0].rss_kb, 1000 * 1024);	/* anon + file */
	assert_int_equal(st.largest[1].rss_kb, 700 * 1024);	/* the table's rss */
	s = text(&st, false);
	assert_non_null(strstr(s, "4 OOM kills in 3 events, 2026-11-24 09:47:11Z .. "
				  "2026-11-24 09:47:11Z; 2 events at an unknown time\n"));
	assert_non_null(strstr(s, "  time unknown"));
	assert_null(strstr(s, "1970"));
	free(s);
	s = text(&st, true);
	assert_int_equal(jr_doc__init(&d, 4096), 0);
	assert_int_equal(jr_parse(&d, s, strlen(s)), 0);
	assert_int_equal(jr_get_u64(&d, 0, "kills_time_unknown", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(jr_get_u64(&d, jr_member(&d, 0, "timeline"), "time_unknown", &v), 0);
	assert_int_equal(v, 3);
	assert_null(strstr(s, "1970"));
	jr_doc__free(&d);
	free(s);
	report_stats__free(&st);

	/* only events without a time: no buckets, no dates */
	report_stats__init(&st);
	add(&st, event(1, 0, "/a", "x", 1));
	report_stats__finish(&st);
	s = text(&st, false);
	assert_non_null(strstr(s, "1 OOM kills in 1 events, 1 event at an unknown time\n"));
	assert_non_null(strstr(s, "time unknown       1 kills"));
	assert_null(strstr(s, "1970"));
	free(s);
	s = text(&st, true);
	assert_non_null(strstr(s, "\"buckets\":[],\"time_unknown\":1"));
	free(s);
	report_stats__free(&st);
}

static void test_empty(void **state)
{
	struct report_stats st;
	char *s;

	(void)state;
	report_stats__init(&st);
	report_stats__finish(&st);
	s = text(&st, false);
	assert_non_null(strstr(s, "0 OOM kills in 0 events"));
	free(s);
	s = text(&st, true);
	assert_non_null(strstr(s, "\"first\":null"));
	free(s);
	report_stats__free(&st);
}

/* run_up: OOMs after a second or more at the limit, the longest, and long reclaim stalls */
static void test_run_up(void **state)
{
	static const struct { uint64_t hit_ms, stall_us; bool hit, reclaim; } in[] = {
		{ 12400, 2100000, true, true },		/* long at the limit, long stall */
		{ 300, 50000, true, true },		/* short */
		{ 0, 1500000, false, true },		/* no limit hit, long stall */
		{ 42000, 10, true, true },		/* the longest */
		{ 0, 0, false, false },			/* no reclaim numbers: not counted */
	};
	struct report_stats st;
	char *s;

	(void)state;
	report_stats__init(&st);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		struct oom_event *ev = event(i + 1, 1000 + i, i == 3 ? "/shop" : "/a", "w", 8);

		ev->has |= EV_HAS_RUN_UP;
		ev->run_up.has = (in[i].reclaim ? RU_HAS_RECLAIM : 0) | (in[i].hit ? RU_HAS_FIRST_HIT : 0) |
				 RU_HAS_PSI_SOME;
		ev->run_up.first_limit_hit_ms_before = in[i].hit_ms;
		ev->run_up.reclaim_stall_us = in[i].stall_us;
		add(&st, ev);
	}
	report_stats__finish(&st);
	s = text(&st, false);
	assert_non_null(strstr(s, "how the domains ran out (run_up)\n"
				  "  2 of 4 OOMs: at the limit 1 s or more before the kill (longest 42.0 s, /shop)\n"
				  "  2 of 4 OOMs: tasks stalled 1 s or more in reclaim in the minute before\n"));
	free(s);
	s = text(&st, true);
	assert_non_null(strstr(s, "\"run_up\":{\"events\":4,\"long_at_limit\":2,\"long_stall\":2,"
				  "\"longest_at_limit_s\":42.000,\"longest_domain\":\"/shop\"}"));
	free(s);
	report_stats__free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_up),
		cmocka_unit_test(test_summaries),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_time_unknown_and_partial_memory),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests_name("report_stats", tests, NULL, NULL);
}
