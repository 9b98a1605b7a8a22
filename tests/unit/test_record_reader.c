// SPDX-License-Identifier: GPL-2.0
/*
 * The strict JSON reader and the recorded-line decoder: what it refuses,
 * what it accepts, and that a recorded event renders again byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "jsonl_reader.h"
#include "kmsg_input.h"
#include "kmsg_report.h"
#include "record_reader.h"
#include "render.h"

static int parse(struct jr_doc *d, const char *s)
{
	return jr_parse(d, s, strlen(s));
}

static void test_strict_grammar(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.",
		".5", "1e", "+1", "NaN", "tru", "nulll", "\"abc", "\"a\\x\"", "\"\\u12\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u0000\"", "\"a\tb\"",
		"\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "{} {}", "[1] x", "{\"a\":1}}",
		"'a'", "[\"a\",]", "[,1]", "\"\\",
	};
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5e-3", "true", "null", " {\"a\" : [1, 2, {\"b\":null}]} ",
		"\"\\ud83d\\ude00\"", "\"\xe2\x82\xac\"", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
	};
	struct jr_doc d;

	(void)state;
	assert_int_equal(jr_doc__init(&d, 64), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(&d, bad[i]) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse(&d, good[i]))
			fail_msg("refused '%s'", good[i]);
	}
	jr_doc__free(&d);
}

static void test_bounds(void **state)
{
	char deep[200] = "", buf[8];
	struct jr_doc d;

	(void)state;
	assert_int_equal(jr_doc__init(&d, 4), 0);
	assert_int_equal(parse(&d, "[1,2,3]"), 0);
	assert_int_equal(parse(&d, "[1,2,3,4]"), -E2BIG);	/* 5 values in 4 tokens */
	jr_doc__free(&d);
	assert_int_equal(jr_doc__init(&d, 1000), 0);
	for (int i = 0; i < JR_MAX_DEPTH + 1; i++)
		strcat(deep, "[");
	for (int i = 0; i < JR_MAX_DEPTH + 1; i++)
		strcat(deep, "]");
	assert_int_equal(parse(&d, deep), -E2BIG);
	deep[JR_MAX_DEPTH * 2 + 1] = '\0';
	memmove(deep + JR_MAX_DEPTH, deep + JR_MAX_DEPTH + 1, JR_MAX_DEPTH + 1);
	assert_int_equal(parse(&d, deep), 0);			/* exactly the limit */
	assert_int_equal(parse(&d, "\"abcdefgh\""), 0);
	assert_int_equal(jr_str(&d, 0, buf, sizeof(buf), NULL), -ENAMETOOLONG);
	jr_doc__free(&d);
}

static void test_accessors(void **state)
{
	const char *s = "{\"u\":18446744073709551615,\"o\":18446744073709551616,\"n\":-9223372036854775808,"
			"\"f\":1.5,\"neg\":-1,\"s\":\"a\\u00ffb\\u20ac\\ud83d\\ude00\",\"b\":true,"
			"\"k\\u0065y\":7,\"arr\":[1,[2,3],{\"x\":4}],\"last\":5}";
	struct jr_doc d;
	uint64_t u;
	int64_t i;
	char buf[32];
	size_t len;
	int a, e, n = 0;

	(void)state;
	assert_int_equal(jr_doc__init(&d, 64), 0);
	assert_int_equal(parse(&d, s), 0);
	assert_int_equal(jr_get_u64(&d, 0, "u", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(jr_get_u64(&d, 0, "o", &u), -ERANGE);
	assert_int_equal(jr_get_i64(&d, 0, "n", &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(jr_get_u64(&d, 0, "f", &u), -EINVAL);	/* not an integer */
	assert_int_equal(jr_get_u64(&d, 0, "neg", &u), -EINVAL);
	assert_int_equal(jr_get_i64(&d, 0, "neg", &i), 0);
	assert_int_equal(i, -1);
	/* \u00ff is the raw byte 0xff (json_writer's escape for non-UTF-8) */
	assert_int_equal(jr_str(&d, jr_member(&d, 0, "s"), buf, sizeof(buf), &len), 0);
	assert_memory_equal(buf, "a\xff" "b\xe2\x82\xac\xf0\x9f\x98\x80", 10);
	assert_int_equal(len, 10);
	assert_int_equal(jr_get_u64(&d, 0, "key", &u), 0);	/* an escaped key */
	assert_int_equal(u, 7);
	assert_int_equal(jr_get_u64(&d, 0, "missing", &u), -ENOENT);
	a = jr_member(&d, 0, "arr");
	for (e = jr_first(&d, a); e >= 0; e = jr_next(&d, a, e))
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(jr_get_u64(&d, 0, "last", &u), 0);	/* found past the nesting */
	assert_int_equal(u, 5);
	assert_true(jr_get_str_is(&d, 0, "s", "a\xff" "b\xe2\x82\xac\xf0\x9f\x98\x80"));
	/* seconds to the millisecond (first_limit_hit_s_before) */
	assert_int_equal(jr_get_milli(&d, 0, "f", &u), 0);
	assert_int_equal(u, 1500);
	assert_int_equal(jr_get_milli(&d, 0, "last", &u), 0);
	assert_int_equal(u, 5000);
	assert_int_equal(jr_get_milli(&d, 0, "neg", &u), -EINVAL);
	assert_int_equal(jr_get_milli(&d, 0, "s", &u), -EINVAL);
	assert_int_equal(jr_get_milli(&d, 0, "missing", &u), -ENOENT);
	assert_int_equal(parse(&d, "{\"a\":0.211,\"b\":12.4,\"c\":1.2345,\"d\":1e3,\"e\":18446744073709551.615,"
			       "\"f\":18446744073709551.616}"), 0);
	assert_int_equal(jr_get_milli(&d, 0, "a", &u), 0);
	assert_int_equal(u, 211);
	assert_int_equal(jr_get_milli(&d, 0, "b", &u), 0);
	assert_int_equal(u, 12400);
	assert_int_equal(jr_get_milli(&d, 0, "c", &u), -EINVAL);	/* finer than a ms */
	assert_int_equal(jr_get_milli(&d, 0, "d", &u), -EINVAL);
	assert_int_equal(jr_get_milli(&d, 0, "e", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(jr_get_milli(&d, 0, "f", &u), -ERANGE);
	jr_doc__free(&d);
}

static void test_lines_torn_and_overlong(void **state)
{
	const char text[] = "{\"a\":1}\n\n0123456789abcdef\n{\"b\":2}\n{\"c\":";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct jsonl_file jf;
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(jsonl_file__init(&jf, f, 10), 0);
	assert_int_equal(jsonl_file__next(&jf, &line, &len), 1);
	assert_string_equal(line, "{\"a\":1}");
	assert_int_equal(jsonl_file__next(&jf, &line, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(jsonl_file__next(&jf, &line, &len), 1);	/* skipped the long one */
	assert_string_equal(line, "{\"b\":2}");
	assert_int_equal(jf.line_no, 4);
	assert_int_equal(jf.too_long, 1);
	assert_int_equal(jsonl_file__next(&jf, &line, &len), 0);
	assert_true(jf.torn);
	jsonl_file__free(&jf);
	fclose(f);
}

#define HOSTILE "q\"n\nx\033[31mz\xff\xc3"

static struct oom_event *sample(void)
{
	struct oom_event *ev = oom_event__new();
	struct oom_task *t;

	ev->seq = 42;
	ev->time_ns = 1795000000123456000ull;
	ev->mode = "tracepoint";
	ev->source = "bpf";
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	ev->has = EV_HAS_MEMCG | EV_HAS_TOTALPAGES | EV_HAS_TRIGGER | EV_HAS_VICTIM |
		  EV_HAS_CANDIDATES | EV_CONSTRAINT_INFERRED | EV_HAS_GFP | EV_HAS_ORDER |
		  EV_HAS_CHOSEN;
	strcpy(ev->memcg, "/kubepods/burstable/pod1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d/"
			  "cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope");
	ev->totalpages = 16384;
	ev->gfp_mask = 0xcc0;
	strcpy(ev->gfp_flags, "GFP_KERNEL");
	ev->order = -1;
	ev->chosen_pid = 300;
	ev->chosen_points = 13255;
	for (int i = 0; i < 4; i++) {
		t = oom_event__add_candidate(ev);
		t->has = TASK_HAS_PID | TASK_HAS_TID | TASK_HAS_COMM | TASK_HAS_MEM | TASK_HAS_ADJ |
			 TASK_HAS_CGROUP | TASK_HAS_UID | TASK_HAS_TOTAL_VM |
			 (i < 3 ? TASK_HAS_POINTS : 0) | (i == 1 ? TASK_POINTS_ESTIMATED : 0);
		t->pid = t->tid = 300 - 50 * i;
		t->uid = 1000;
		t->points = 13255 - 4000 * i;
		t->oom_score_adj = i == 3 ? -1000 : i == 1 ? 500 : 0;
		t->skip = i == 3 ? OOM_SKIP_ADJ_MIN : OOM_SKIP_NONE;
		t->rss_anon_pages = 1000 + i;
		t->rss_file_pages = 7;
		t->rss_shmem_pages = 3;
		t->swap_pages = 2;
		t->pgtables_bytes = 143360;
		t->total_vm_pages = 5000;
		strcpy(t->comm, i == 2 ? HOSTILE : "hog");
		strcpy(t->cgroup, ev->memcg);
	}
	ev->candidates_total = 9;
	ev->victim = ev->candidates[0];
	ev->victim.has &= ~TASK_HAS_TID;
	t = oom_event__add_victim(ev);
	*t = ev->victim;
	t = oom_event__add_victim(ev);
	*t = ev->candidates[2];
	t->reason = OOM_VICTIM_GROUP;
	ev->trigger = ev->candidates[0];
	ev->trigger.has &= ~(TASK_HAS_POINTS | TASK_HAS_MEM | TASK_HAS_TOTAL_VM);
	oom_event__add_kframe(ev);
	strcpy(ev->kernel_stack[0].sym, "out_of_memory");
	ev->kernel_stack[0].offset = 0x214;
	oom_event__add_kframe(ev);
	strcpy(ev->kernel_stack[1].sym, "a+0x1 [odd]");
	ev->kernel_stack[1].offset = 0x2;
	strcpy(ev->kernel_stack[1].module, "mod+0x3 [x");
	oom_event__add_kframe(ev)->addr = 0xffffffff81000010ull;
	oom_event__add_uframe(ev)->addr = 0x4016dc;
	oom_event__add_uframe(ev);
	ev->user_stack[1].addr = 0x7f0000001000ull;
	strcpy(ev->user_stack[1].sym, "malloc");
	strcpy(ev->user_stack[1].module, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	ev->user_stack[1].offset = 0x12;
	ev->user_stack[1].file_offset = 0x9a000;
	ev->user_stack[1].build_id_size = 20;
	for (int b = 0; b < 20; b++)
		ev->user_stack[1].build_id[b] = (unsigned char)(b * 13);
	ev->lost_events = 3;
	ev->victims_dropped = 1;
	strcpy(ev->missing, "gfp_mask,order");
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

/* JSON -> event -> JSON is the identity; so is the text block. */
static void round_trip(struct oom_event *ev, struct oom_event *back)
{
	char *json = render(render_event_json, ev), *json2, *text, *text2;
	struct record_strings rs;
	struct jr_doc d;

	assert_int_equal(jr_doc__init(&d, 4096), 0);
	assert_int_equal(jr_parse(&d, json, strlen(json) - 1), 0);	/* without the newline */
	assert_int_equal(record_type(&d), REC_OOM_KILL);
	assert_int_equal(record_decode_event(&d, back, &rs), 0);
	json2 = render(render_event_json, back);
	assert_string_equal(json2, json);
	text = render(render_event_text, ev);
	text2 = render(render_event_text, back);
	assert_string_equal(text2, text);
	free(json);
	free(json2);
	free(text);
	free(text2);
	jr_doc__free(&d);
}

static void test_event_round_trip(void **state)
{
	struct oom_event *ev = sample(), *back = oom_event__new();
	struct oom_event_caps caps = { 4, 8, 8, 8 };
	struct oom_event *fixed = oom_event__new_fixed(&caps);

	(void)state;
	round_trip(ev, back);
	assert_int_equal(back->victims[1].reason, OOM_VICTIM_GROUP);
	assert_int_equal(back->victim.pgtables_bytes, 143360);
	/* "a+0x1 [odd]+0x2 [mod+0x3 [x]" splits another way, yet renders the same */
	assert_string_equal(back->kernel_stack[0].sym, "out_of_memory");
	assert_int_equal(back->kernel_stack[0].offset, 0x214);
	round_trip(ev, fixed);				/* into fixed storage too */
	/* the domain's memory: the keys given, a 0 that was given, the unkillable parts */
	ev->has |= EV_HAS_DOMAIN_MEMORY;
	dm_set(&ev->domain_memory, DM_USAGE, 65536);
	dm_set(&ev->domain_memory, DM_LIMIT, 65536);
	dm_set(&ev->domain_memory, DM_SHMEM, 49152);
	dm_set(&ev->domain_memory, DM_SWAP_USAGE, 0);
	dm_set(&ev->domain_memory, DM_UNKILLABLE, 50000);
	dm_set(&ev->domain_memory, DM_UNK_SHMEM, 49152);
	round_trip(ev, back);
	assert_int_equal(back->domain_memory.has, ev->domain_memory.has);
	assert_int_equal(back->domain_memory.kb[DM_UNK_SHMEM], 49152);
	assert_false(dm_has(&back->domain_memory, DM_ANON));
	/* run_up: every group, then a partial one (reclaim not attached, v1 events) */
	ev->has |= EV_HAS_RUN_UP;
	ev->run_up = (struct oom_run_up){
		.has = RU_HAS_RECLAIM | RU_HAS_FIRST_HIT | RU_HAS_PSI_SOME | RU_HAS_PSI_FULL |
		       RU_HAS_SINCE | RU_SINCE_EVENT,
		.window_s = 60, .reclaim_episodes = 3120, .reclaim_stall_us = 2100000,
		.trigger_stall_us = 900000, .pages_reclaimed = 0, .first_limit_hit_ms_before = 12400,
		.psi_some_us = 5017, .psi_full_us = 0, .since_ms = 1500,
		.events_has = (1u << RU_EV_MAX) | (1u << RU_EV_OOM_KILL) | (1u << RU_EV_OOM_GROUP_KILL),
		.events = { [RU_EV_MAX] = 233, [RU_EV_OOM_KILL] = 1 },
	};
	round_trip(ev, back);
	assert_int_equal(back->run_up.has, ev->run_up.has);
	assert_int_equal(back->run_up.events_has, ev->run_up.events_has);
	assert_int_equal(back->run_up.first_limit_hit_ms_before, 12400);
	assert_int_equal(back->run_up.events[RU_EV_MAX], 233);
	assert_int_equal(back->run_up.events[RU_EV_OOM_GROUP_KILL], 0);
	ev->run_up = (struct oom_run_up){
		.has = RU_HAS_PSI_SOME | RU_PSI_SYSTEM | RU_HAS_SINCE, .psi_some_us = 7,
		.since_ms = 20, .events_has = 1u << RU_EV_FAILCNT, .events = { [RU_EV_FAILCNT] = 5 },
	};
	oom_event__clear(back);
	round_trip(ev, back);
	assert_int_equal(back->run_up.has, ev->run_up.has);
	assert_int_equal(back->run_up.events[RU_EV_FAILCNT], 5);
	/* a minimal event: global OOM, no trigger, no candidates */
	oom_event__clear(ev);
	ev->seq = 1;
	ev->mode = "kmsg";
	ev->source = "kmsg";
	ev->page_size = 65536;
	round_trip(ev, back);
	oom_event__free(ev);
	oom_event__free(back);
	oom_event__free(fixed);
}

/*
 * What only a kernel log gives (oomtrace parse): partial memory facts, a
 * score and comm of the chosen task, printk time and record number, a log
 * stamp, no wall-clock time, a trigger known by its tid; and the counters
 * that are written only when not 0.
 */
static void test_kmsg_event_round_trip(void **state)
{
	struct oom_event *ev = oom_event__new(), *back = oom_event__new();
	struct oom_task *t;

	(void)state;
	ev->seq = 7;
	ev->mode = "kmsg";
	ev->source = "kmsg";
	ev->constraint = OOM_CONSTRAINT_UNKNOWN;
	ev->has = EV_HAS_TRIGGER | EV_HAS_VICTIM | EV_HAS_CHOSEN_SCORE | EV_HAS_KTIME |
		  EV_HAS_KMSG_SEQ | EV_HAS_UNPARSED | EV_HAS_OOM_CALLS | EV_HAS_CANDIDATES;
	ev->trigger.has = TASK_HAS_TID | TASK_HAS_COMM | TASK_HAS_ADJ;
	ev->trigger.tid = 977;
	strcpy(ev->trigger.comm, "CPU 0/KVM");
	ev->ktime_us = 1310061327439ull;
	ev->kmsg_seq = 123456;
	strcpy(ev->log_time, "Jul 16 11:53:24");
	ev->unparsed_lines = 2;
	ev->ooms_without_kill = 4;
	ev->chosen_pid = 27438;
	strcpy(ev->chosen_comm, "R");
	ev->chosen_score = 31;
	/* a kill line before 4.5 (anon, file) and a table's total */
	ev->victim.has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_RSS | TASK_HAS_RSS_ANON |
			 TASK_HAS_RSS_FILE | TASK_HAS_TOTAL_VM | TASK_HAS_POINTS |
			 TASK_POINTS_ESTIMATED;
	ev->victim.pid = 27438;
	strcpy(ev->victim.comm, "R");
	ev->victim.rss_pages = 437298;
	ev->victim.rss_anon_pages = 437292;
	ev->victim.rss_file_pages = 6;
	ev->victim.total_vm_pages = 965531;
	ev->victim.points = 851;
	*oom_event__add_victim(ev) = ev->victim;
	t = oom_event__add_candidate(ev);	/* an old table: rss, swap, nr_ptes */
	*t = ev->victim;
	t->has = TASK_HAS_PID | TASK_HAS_TID | TASK_HAS_COMM | TASK_HAS_RSS | TASK_HAS_SWAP |
		 TASK_HAS_PGTABLES | TASK_HAS_POINTS | TASK_POINTS_ESTIMATED;
	t->tid = t->pid;
	t->pgtables_bytes = 12 * 4096;
	t = oom_event__add_candidate(ev);	/* a 6.x table: the split, swap, bytes */
	t->has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_RSS | TASK_HAS_RSS_ANON |
		 TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM | TASK_HAS_SWAP | TASK_HAS_PGTABLES |
		 TASK_HAS_MEM | TASK_HAS_POINTS | TASK_POINTS_ESTIMATED;
	t->pid = 10228;
	strcpy(t->comm, "exe");
	t->rss_pages = 544;
	t->rss_anon_pages = 160;
	t->rss_file_pages = 384;
	t->pgtables_bytes = 73728;
	t->points = 562;
	ev->candidates_total = 5;
	oom_event__add_kframe(ev);
	strcpy(ev->kernel_stack[0].sym, "dump_stack");
	ev->kernel_stack[0].offset = 0x63;
	strcpy(ev->missing, "header,task_table");
	round_trip(ev, back);
	assert_true(back->has & EV_HAS_CHOSEN_SCORE && !(back->has & EV_HAS_CHOSEN));
	assert_true(back->victim.has & TASK_HAS_RSS && !(back->victim.has & TASK_HAS_MEM));
	assert_true(back->trigger.has & TASK_HAS_TID && !(back->trigger.has & TASK_HAS_PID));
	assert_int_equal(back->time_ns, 0);
	assert_int_equal(back->ooms_without_kill, 4);

	/* a kill line of 4.5+ only, both chosen facts, dropped frames */
	ev->has |= EV_HAS_CHOSEN;
	ev->chosen_points = 900;
	ev->victim.has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE |
			 TASK_HAS_RSS_SHMEM | TASK_HAS_PGTABLES;
	ev->victim.pgtables_bytes = 180 * 1024;
	ev->victims[0] = ev->victim;
	ev->frames_dropped = 3;
	ev->victims_dropped = 2;
	ev->time_ns = 1725343068000000000ull;
	ev->log_time[0] = '\0';
	round_trip(ev, back);
	assert_true(back->has & EV_HAS_CHOSEN && back->has & EV_HAS_CHOSEN_SCORE);
	assert_int_equal(back->frames_dropped, 3);
	oom_event__free(ev);
	oom_event__free(back);
}

static void on_parsed(struct oom_event *ev, void *arg)
{
	struct oom_event *back = oom_event__new();

	round_trip(ev, back);
	oom_event__free(back);
	(*(size_t *)arg)++;
}

/* Every event `oomtrace parse` makes of the kernel-log fixtures, all and top 3. */
static void test_parsed_fixtures_round_trip(void **state)
{
	const char *dir = getenv("OOMTRACE_FIXTURES") ? getenv("OOMTRACE_FIXTURES") :
			  "tests/fixtures";
	char path[4096];
	size_t files = 0, events = 0;
	struct dirent *de;
	DIR *dp;

	(void)state;
	snprintf(path, sizeof(path), "%s/kmsg", dir);
	dp = opendir(path);
	assert_non_null(dp);
	while ((de = readdir(dp))) {
		size_t n = strlen(de->d_name);

		if (n < 4 || strcmp(de->d_name + n - 4, ".log"))
			continue;
		snprintf(path, sizeof(path), "%s/kmsg/%s", dir, de->d_name);
		for (size_t keep = 0; keep <= 3; keep += 3) {
			struct kmsg_report_ops ops = { .event = on_parsed, .arg = &events };
			struct kmsg_parser *p = kmsg_parser__new(&ops, keep);
			int fd = open(path, O_RDONLY);
			struct kmsg_input *in;
			struct kmsg_line l;

			assert_true(fd >= 0);
			in = kmsg_input__new(fd, false, 0);
			while (kmsg_input__next(in, &l, -1) == 1)
				assert_int_equal(kmsg_parser__feed(p, &l), 0);
			kmsg_parser__flush(p);
			kmsg_input__free(in);
			kmsg_parser__free(p);
			close(fd);
		}
		files++;
	}
	closedir(dp);
	assert_true(files >= 20);
	assert_true(events >= 2 * files);
}

/* Every line is JSON, and decoding it gives want (0 or -EINVAL). */
static void expect_decode(const char *const *lines, size_t n, int want)
{
	struct oom_event *ev = oom_event__new();
	struct record_strings rs;
	struct jr_doc d;

	assert_int_equal(jr_doc__init(&d, 256), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(parse(&d, lines[i]), 0);
		if (record_decode_event(&d, ev, &rs) != want)
			fail_msg("%s %s", want ? "decoded bad line" : "refused good line", lines[i]);
	}
	jr_doc__free(&d);
	oom_event__free(ev);
}

static void test_event_refused(void **state)
{
	static const char *const bad[] = {
		/* required members missing or mistyped, values out of range */
		"{\"type\":\"oom_kill\"}",
		"{\"type\":\"oom_kill\",\"seq\":\"1\",\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":1000,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[{\"pid\":4294967296}],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[\"nonsense\"],\"user_stack\":[],\"lost_events\":0}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[{\"build_id\":\"abc\"}],\"lost_events\":0}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0,\"time\":\"yesterday\"}",
		/* run_up: a reclaim group cut short, unknown keys, PSI without its scope, since without since_ms */
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0,\"run_up\":{\"window_s\":60,\"reclaim_episodes\":1}}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0,\"run_up\":{\"events\":{\"low\":1}}}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0,\"run_up\":{\"psi_some_us\":1}}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0,\"run_up\":{\"since\":\"start\"}}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0,\"run_up\":{}}",
		"{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"x\",\"source\":\"bpf\",\"constraint\":\"none\",\"memcg\":null,\"page_size\":4096,\"victims\":[{\"comm\":\"01234567890123456789012345678901234567890123456789012345678901234\"}],\"kernel_stack\":[],\"user_stack\":[],\"lost_events\":0}",
	};

	(void)state;
	expect_decode(bad, sizeof(bad) / sizeof(bad[0]), -EINVAL);
}

#define BASE_NO_USTACK "\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"kmsg\",\"source\":\"kmsg\"," \
	     "\"memcg\":null,\"page_size\":4096,\"kernel_stack\":[],\"lost_events\":0"
#define BASE BASE_NO_USTACK ",\"user_stack\":[]"

/*
 * Strict: unknown or repeated members, and values the writer never writes
 * (they would not render back to the same line).
 */
static void test_event_refused_strict(void **state)
{
	static const char *const bad[] = {
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"bogus\":1}",
		/* domain_memory: empty, unknown keys, parts without their total, not a number */
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"domain_memory\":{}}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"domain_memory\":{\"rss_kb\":1}}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"domain_memory\":{\"usage_kb\":1,\"unkillable\":{\"shmem_kb\":1}}}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"domain_memory\":{\"usage_kb\":1,\"unkillable_kb\":1,\"unkillable\":{}}}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"domain_memory\":{\"usage_kb\":-1}}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"domain_memory\":{\"usage_kb\":1,\"unkillable\":{\"usage_kb\":1},\"unkillable_kb\":1}}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"seq\":2}",
		"{" BASE ",\"constraint\":\"bogus\",\"victims\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"constraint_inferred\":false,\"victims\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"missing\":\"\"}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"log_time\":\"\"}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"victims_dropped\":0}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"kmsg_seq\":-1}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"unparsed_lines\":\"2\"}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"time\":\"1970-01-01T00:00:00.000000Z\"}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"gfp_flags\":\"GFP_KERNEL\"}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"gfp_mask\":\"0xCC0\"}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"gfp_mask\":\"0x0cc0\"}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"chosen_pid\":1}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"chosen_pid\":1,\"chosen_score\":3}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"chosen_comm\":\"x\",\"chosen_score\":3}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"candidates_total\":3}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"candidates\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"victim_rank\":1}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"victim_from\":\"summary\"}",
		"{" BASE ",\"constraint\":\"none\",\"victim\":{\"pid\":1},\"victim_from\":\"guess\","
			"\"victims\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"victim\":{\"pid\":1},\"victim_from\":\"\","
			"\"victims\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"trigger\":{\"tid\":1,\"points\":3},\"victims\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"trigger\":{\"tid\":1,\"unit\":\"a.service\"},\"victims\":[]}",
		/* victims: reason always, points null only with a skip reason, whole pages */
		"{" BASE ",\"constraint\":\"none\",\"victims\":[{\"pid\":1}]}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[{\"pid\":1,\"reason\":\"chosen\",\"x\":1}]}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[{\"pid\":1,\"points\":null,\"reason\":\"chosen\"}]}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[{\"pid\":1,\"skip\":\"no_mm\",\"reason\":\"chosen\"}]}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[{\"pid\":1,\"anon_rss_kb\":6,\"reason\":\"chosen\"}]}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[{\"pid\":1,\"rss_kb\":12,\"anon_rss_kb\":4,"
			"\"file_rss_kb\":4,\"shmem_rss_kb\":4,\"reason\":\"chosen\"}]}",
		"{" BASE ",\"constraint\":\"none\",\"victim\":{\"pid\":1,\"points\":5},\"victims\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"victim\":{\"pid\":1,\"points\":5},\"victim_rank\":2,"
			"\"victims\":[],\"candidates\":[{\"pid\":1,\"points\":5}],\"candidates_total\":1}",
		/* candidates: points always, rss_pages is the split's sum */
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"candidates\":[{\"pid\":1}],"
			"\"candidates_total\":1}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"candidates\":[{\"pid\":1,\"points\":1,"
			"\"points_estimated\":false}],\"candidates_total\":1}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"candidates\":[{\"pid\":1,\"points\":1,"
			"\"rss_pages\":9,\"rss_anon_pages\":1,\"rss_file_pages\":1,\"rss_shmem_pages\":1}],"
			"\"candidates_total\":1}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[],\"candidates\":[{\"pid\":1,\"points\":1,"
			"\"pid\":2}],\"candidates_total\":1}",
	};
	static const char *const user_bad[] = {
		"{\"ip\":\"0x0\"}", "{\"ip\":\"0x10\",\"sym\":\"f\"}", "{\"ip\":\"0x10\",\"sym_offset\":\"0x1\"}",
		"{\"ip\":\"0x10\",\"object\":\"/a\"}", "{\"ip\":\"0x10\",\"file_offset\":\"0x1\"}",
		"{\"ip\":\"0x10\",\"sym\":\"\",\"sym_offset\":\"0x1\"}", "{\"ip\":\"0x10\",\"frame\":1}",
	};
	static const char *const good[] = {
		"{" BASE ",\"constraint\":\"unknown\",\"victims\":[]}",
		"{" BASE ",\"constraint\":\"none\",\"trigger\":{\"tid\":1},\"victims\":[],"
			"\"chosen_pid\":1,\"chosen_comm\":\"x\",\"chosen_score\":3,\"ooms_without_kill\":0}",
		"{" BASE ",\"constraint\":\"none\",\"victims\":[{\"pid\":1,\"points\":null,"
			"\"skip\":\"no_mm\",\"rss_kb\":8,\"anon_rss_kb\":4,\"reason\":\"chosen\"}]}",
		"{" BASE_NO_USTACK ",\"constraint\":\"none\",\"victims\":[],\"user_stack\":[{\"ip\":\"0x10\",\"sym\":\"f\","
			"\"object\":\"/a\",\"sym_offset\":\"0x0\",\"file_offset\":\"0xa\"}]}",
	};
	char frames[sizeof(user_bad) / sizeof(user_bad[0])][512];
	const char *frame_lines[sizeof(user_bad) / sizeof(user_bad[0])];

	(void)state;
	expect_decode(bad, sizeof(bad) / sizeof(bad[0]), -EINVAL);
	for (size_t i = 0; i < sizeof(user_bad) / sizeof(user_bad[0]); i++) {
		snprintf(frames[i], sizeof(frames[i]), "{" BASE_NO_USTACK ",\"constraint\":\"none\","
			 "\"victims\":[],\"user_stack\":[%s]}", user_bad[i]);
		frame_lines[i] = frames[i];
	}
	expect_decode(frame_lines, sizeof(frame_lines) / sizeof(frame_lines[0]), -EINVAL);
	expect_decode(good, sizeof(good) / sizeof(good[0]), 0);
}

static void test_aftermath_and_types(void **state)
{
	struct oom_aftermath am;
	struct jr_doc d;

	(void)state;
	assert_int_equal(jr_doc__init(&d, 64), 0);
	assert_int_equal(parse(&d, "{\"type\":\"victim_exit\",\"oom_seq\":3,\"time\":"
				   "\"2026-11-24T09:47:11.568458Z\",\"pid\":10760,\"kill_to_exit_us\":4839}"), 0);
	assert_int_equal(record_type(&d), REC_VICTIM_EXIT);
	assert_int_equal(record_decode_aftermath(&d, &am), 0);
	assert_int_equal(am.oom_seq, 3);
	assert_int_equal(am.pid, 10760);
	assert_true(am.kill_to_exit_ns == 4839000);
	assert_true(am.time_ns == 1795513631568458000ull);
	assert_int_equal(parse(&d, "{\"type\":\"oom_reaper\",\"oom_seq\":3,\"time\":"
				   "\"2026-11-24T09:47:11Z\",\"pid\":1,\"stage\":\"finish\"}"), 0);
	assert_int_equal(record_decode_aftermath(&d, &am), 0);
	assert_string_equal(am.stage, "finish");
	/* parse's reaper line from a log without wall-clock stamps */
	assert_int_equal(parse(&d, "{\"type\":\"oom_reaper\",\"oom_seq\":1,\"kernel_time_us\":"
				   "170370130845,\"source\":\"kmsg\",\"pid\":174205,\"comm\":\"test\","
				   "\"stage\":\"finish\",\"anon_rss_kb\":0}"), 0);
	assert_int_equal(record_decode_aftermath(&d, &am), 0);
	assert_true(am.time_ns == 0 && am.pid == 174205);
	assert_int_equal(parse(&d, "{\"type\":\"oom_reaper\",\"oom_seq\":1,\"time\":\"then\","
				   "\"pid\":1,\"stage\":\"finish\"}"), 0);
	assert_int_equal(record_decode_aftermath(&d, &am), -EINVAL);
	assert_int_equal(parse(&d, "{\"type\":\"something_new\"}"), 0);
	assert_int_equal(record_type(&d), REC_UNKNOWN);
	assert_int_equal(parse(&d, "[1]"), 0);
	assert_int_equal(record_type(&d), -EINVAL);
	assert_int_equal(parse(&d, "{\"type\":\"recorder_stop\"}"), 0);
	assert_int_equal(record_type(&d), REC_RECORDER_STOP);
	assert_string_equal(rec_type__name(REC_RECONCILE), "reconcile");
	jr_doc__free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_grammar),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_lines_torn_and_overlong),
		cmocka_unit_test(test_event_round_trip),
		cmocka_unit_test(test_kmsg_event_round_trip),
		cmocka_unit_test(test_parsed_fixtures_round_trip),
		cmocka_unit_test(test_event_refused),
		cmocka_unit_test(test_event_refused_strict),
		cmocka_unit_test(test_aftermath_and_types),
	};

	return cmocka_run_group_tests_name("record_reader", tests, NULL, NULL);
}
