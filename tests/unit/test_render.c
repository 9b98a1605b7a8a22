// SPDX-License-Identifier: GPL-2.0
/* Renderers: the JSON schema's keys and the text block's "why", hostile names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "render.h"

#define HOSTILE "q\"n\nx\033[31mz"

static struct oom_event *sample(void)
{
	struct oom_event *ev = oom_event__new();
	struct oom_task *t;
	const int32_t pids[] = { 300, 100, 200 };
	const int64_t points[] = { 13255, 9103, 2128 };

	ev->seq = 3;
	ev->time_ns = 1795000000123456789ull;
	ev->mode = "tracepoint";
	ev->source = "bpf";
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	ev->has = EV_HAS_MEMCG | EV_HAS_TOTALPAGES | EV_HAS_TRIGGER | EV_HAS_VICTIM |
		  EV_HAS_CANDIDATES | EV_CONSTRAINT_INFERRED;
	strcpy(ev->memcg, "/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d");
	ev->totalpages = 16384;
	for (int i = 0; i < 3; i++) {
		t = oom_event__add_candidate(ev);
		t->has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_POINTS | TASK_HAS_MEM |
			 TASK_HAS_ADJ | TASK_HAS_CGROUP;
		t->pid = pids[i];
		t->points = points[i];
		t->oom_score_adj = i == 1 ? 500 : 0;
		t->rss_anon_pages = 1000;
		strcpy(t->comm, i == 2 ? HOSTILE : "hog");
		strcpy(t->cgroup, ev->memcg);
	}
	ev->candidates_total = 3;
	ev->victim = ev->candidates[0];
	t = oom_event__add_victim(ev);
	*t = ev->candidates[0];
	ev->trigger = ev->candidates[0];
	oom_event__add_kframe(ev);
	strcpy(ev->kernel_stack[0].sym, "out_of_memory");
	ev->kernel_stack[0].offset = 0x214;
	return ev;
}

static char *render(void (*fn)(FILE *, const struct oom_event *), const struct oom_event *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, ev);
	fclose(f);
	return buf;
}

static void test_json_keys(void **state)
{
	struct oom_event *ev = sample();
	char *s = render(render_event_json, ev);
	const char *keys[] = {
		"{\"type\":\"oom_kill\",\"seq\":3,", "\"time\":\"2026-", "\"mode\":\"tracepoint\"",
		"\"constraint\":\"memcg\"", "\"memcg\":\"/kubepods/", "\"totalpages\":16384",
		"\"victim\":{\"pid\":300", "\"victims\":[{", "\"reason\":\"chosen\"",
		"\"candidates\":[{", "\"candidates_total\":3", "\"kernel_stack\":[\"out_of_memory+0x214\"]",
		"\"user_stack\":[]", "\"lost_events\":0", "\"pod_uid\":\"1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d\"",
		"\"comm\":\"q\\\"n\\nx\\u001b[31mz\"", "\"victim_rank\":1", "\"rss_pages\":1000",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strstr(s, keys[i]))
			fail_msg("missing %s in %s", keys[i], s);
	}
	assert_null(strchr(s, '\033'));
	assert_int_equal(strchr(s, '\n') - s, (long)strlen(s) - 1);	/* one line */
	free(s);
	oom_event__free(ev);
}

static void test_json_absent_facts(void **state)
{
	struct oom_event *ev = sample();
	char *s;

	(void)state;
	ev->has &= ~(EV_HAS_MEMCG | EV_HAS_TOTALPAGES);
	ev->constraint = OOM_CONSTRAINT_NONE;
	s = render(render_event_json, ev);
	assert_non_null(strstr(s, "\"memcg\":null"));
	assert_null(strstr(s, "totalpages"));
	assert_null(strstr(s, "gfp_mask"));	/* never invented */
	free(s);
	oom_event__free(ev);
}

static void test_text_why(void **state)
{
	struct oom_event *ev = sample();
	char *s = render(render_event_text, ev);

	(void)state;
	assert_non_null(strstr(s, "OOM kill #3"));
	assert_non_null(strstr(s, "points 13255 (rank 1 of 3)"));
	assert_non_null(strstr(s, "runner-up pid 100"));
	assert_non_null(strstr(s, "margin 4152 points"));
	assert_non_null(strstr(s, "= memory 13255 + adj 0"));
	assert_non_null(strstr(s, "q\"n\\nx\\x1b[31mz"));
	assert_null(strchr(s, '\033'));
	assert_non_null(strstr(s, "pod 1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d"));
	free(s);
	oom_event__free(ev);
}

/*
 * Points at the ends of int64 (a garbage log or record file): the "why"
 * lines saturate, and the sanitizers would catch an overflow on the way.
 */
static void test_text_why_extreme_points(void **state)
{
	struct oom_event *ev = sample();
	char *s;

	(void)state;
	ev->candidates[0].points = ev->victim.points = INT64_MAX;
	ev->candidates[1].points = INT64_MIN;
	ev->victim.oom_score_adj = -1000;
	ev->totalpages = UINT64_MAX;
	ev->page_size = 4096;
	s = render(render_event_text, ev);
	assert_non_null(strstr(s, "runner-up pid 100"));
	assert_non_null(strstr(s, "margin 9223372036854775807 points"));
	assert_non_null(strstr(s, "= memory 9223372036854775807 + adj -"));
	free(s);
	oom_event__free(ev);
}

/* format_bytes as it was written with printf: the integer version must match it. */
static void printf_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
}

static void expect_bytes(uint64_t bytes)
{
	char got[64], want[64];

	format_bytes(got, sizeof(got), bytes);
	printf_bytes(want, sizeof(want), bytes);
	if (strcmp(got, want))
		fail_msg("format_bytes(%" PRIu64 "): \"%s\", printf: \"%s\"", bytes, got, want);
}

static void test_format_bytes_as_printf(void **state)
{
	/* 1280 B is 1.25 KiB exactly: printf rounds the tie to even, 1.2 */
	static const uint64_t edges[] = {
		0, 1, 1023, 1024, 1025, 1126, 1127, 1152, 1280, 1331, 3328, 1048575, 1048576,
		(1ull << 30) - 1, 1ull << 40, (1ull << 50) - 1, (1ull << 53) - 1, 1ull << 53,
		(1ull << 53) + 1, UINT64_MAX,
	};
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char buf[64];

	(void)state;
	format_bytes(buf, sizeof(buf), 1280);
	assert_string_equal(buf, "1.2 KiB");
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		expect_bytes(edges[i]);
	/* every half-tenth of each unit, and its neighbours */
	for (int u = 1; u <= 4; u++)
		for (uint64_t k = 0; k < 20480; k++) {
			uint64_t b = (k << (10 * u)) / 20 + (k & 1);

			expect_bytes(b);
			expect_bytes(b + 1);
			if (b)
				expect_bytes(b - 1);
		}
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		expect_bytes(x >> (x % 64));
	}
}

/* A candidate row, with the printf format it was written with. */
static void test_text_candidate_row(void **state)
{
	struct oom_event *ev = sample();
	char *s, want[512];
	struct oom_task *t = &ev->candidates[1];

	(void)state;
	t->pid = -5;
	t->points = -123456789012;
	t->oom_score_adj = -1000;
	t->pgtables_bytes = 1280;
	t->swap_pages = 3;
	t->has |= TASK_POINTS_ESTIMATED;
	ev->candidates[2].has &= ~(TASK_HAS_POINTS | TASK_HAS_MEM);
	ev->candidates[2].skip = OOM_SKIP_ADJ_MIN;
	s = render(render_event_text, ev);
	snprintf(want, sizeof(want), "    %4zu %8d %-16s %12s %10s %10s %10s %6d%s%s\n", (size_t)2, -5,
		 "hog", "-123456789012*", "3.9 MiB", "12.0 KiB", "1.2 KiB", -1000, "", "");
	assert_non_null(strstr(s, want));
	snprintf(want, sizeof(want), "    %4zu %8d %-16s %12s %10s %10s %10s %6d%s%s\n", (size_t)3, 200,
		 "q\"n\\nx\\x1b[31mz", "skip", "?", "?", "?", 0, "  ", "oom_score_adj_min");
	assert_non_null(strstr(s, want));
	free(s);
	oom_event__free(ev);
}

static char *render_am(void (*fn)(FILE *, const struct oom_aftermath *),
		       const struct oom_aftermath *am)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, am);
	fclose(f);
	return buf;
}

/* The live tracer's aftermath: the exact bytes trace and record write. */
static void test_aftermath_live(void **state)
{
	struct oom_aftermath exit_am = {
		.kind = "victim_exit", .oom_seq = 7, .time_ns = 1795000000123456789ull,
		.pid = 300, .kill_to_exit_ns = 111074000,
	};
	struct oom_aftermath reap = {
		.kind = "oom_reaper", .oom_seq = 7, .time_ns = 1795000000123456789ull,
		.pid = 300, .stage = "skip",
	};
	char *s;

	(void)state;
	s = render_am(render_aftermath_json, &exit_am);
	assert_string_equal(s, "{\"type\":\"victim_exit\",\"oom_seq\":7,"
			    "\"time\":\"2026-11-18T11:06:40.123456Z\",\"pid\":300,"
			    "\"kill_to_exit_us\":111074}\n");
	free(s);
	s = render_am(render_aftermath_text, &exit_am);
	assert_string_equal(s, "  OOM kill #7: pid 300 exited 111.074 ms after the kill\n");
	free(s);
	s = render_am(render_aftermath_json, &reap);
	assert_string_equal(s, "{\"type\":\"oom_reaper\",\"oom_seq\":7,"
			    "\"time\":\"2026-11-18T11:06:40.123456Z\",\"pid\":300,"
			    "\"stage\":\"skip\"}\n");
	free(s);
	s = render_am(render_aftermath_text, &reap);
	assert_string_equal(s, "  OOM kill #7: oom_reaper skip on pid 300\n");
	free(s);
}

/* A kernel log's reaper line: its name escaped, what was left, no wall clock. */
static void test_aftermath_kmsg(void **state)
{
	struct oom_aftermath am = {
		.kind = "oom_reaper", .oom_seq = 2, .pid = 41, .source = "kmsg",
		.has_ktime = true, .ktime_us = 5000001, .comm = HOSTILE,
		.stage = "skip", .failed = true,
		.has_rss = true, .anon_rss_kb = 2048, .file_rss_kb = 4, .shmem_rss_kb = 0,
	};
	char *s;

	(void)state;
	s = render_am(render_aftermath_json, &am);
	assert_string_equal(s, "{\"type\":\"oom_reaper\",\"oom_seq\":2,"
			    "\"kernel_time_us\":5000001,\"source\":\"kmsg\",\"pid\":41,"
			    "\"comm\":\"q\\\"n\\nx\\u001b[31mz\",\"stage\":\"skip\","
			    "\"anon_rss_kb\":2048,\"file_rss_kb\":4,\"shmem_rss_kb\":0}\n");
	free(s);
	s = render_am(render_aftermath_text, &am);
	assert_string_equal(s, "  OOM kill #2: oom_reaper could not reap on pid 41 "
			    "\"q\"n\\nx\\x1b[31mz\", left anon 2.0 MiB, file 4.0 KiB, shmem 0 B\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_keys),
		cmocka_unit_test(test_json_absent_facts),
		cmocka_unit_test(test_text_why),
		cmocka_unit_test(test_text_why_extreme_points),
		cmocka_unit_test(test_format_bytes_as_printf),
		cmocka_unit_test(test_text_candidate_row),
		cmocka_unit_test(test_aftermath_live),
		cmocka_unit_test(test_aftermath_kmsg),
	};

	return cmocka_run_group_tests_name("render", tests, NULL, NULL);
}
