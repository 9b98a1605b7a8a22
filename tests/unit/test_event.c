// SPDX-License-Identifier: GPL-2.0
/* Event model: ranking, the oom_badness formula, text escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "sat_math.h"
#include "text_escape.h"

static void add(struct oom_event *ev, int32_t pid, int64_t points, bool has_points)
{
	struct oom_task *t = oom_event__add_candidate(ev);

	assert_non_null(t);
	t->pid = pid;
	t->points = points;
	t->has = TASK_HAS_PID | (has_points ? TASK_HAS_POINTS : 0);
	if (!has_points)
		t->skip = OOM_SKIP_ADJ_MIN;
}

static void test_rank_orders_by_points_skipped_last(void **state)
{
	struct oom_event *ev = oom_event__new();

	(void)state;
	add(ev, 10, 100, true);
	add(ev, 11, 0, false);		/* skipped: -1000 */
	add(ev, 12, 300, true);
	add(ev, 9, 100, true);		/* tie with 10: lower pid first */
	add(ev, 13, -500, true);	/* negative points are still points */
	ev->candidates_total = 5;
	oom_event__rank(ev, 0);
	assert_int_equal(ev->candidates[0].pid, 12);
	assert_int_equal(ev->candidates[1].pid, 9);
	assert_int_equal(ev->candidates[2].pid, 10);
	assert_int_equal(ev->candidates[3].pid, 13);
	assert_int_equal(ev->candidates[4].pid, 11);
	assert_int_equal(oom_event__rank_of(ev, 10), 3);
	assert_int_equal(oom_event__rank_of(ev, 99), 0);
	oom_event__rank(ev, 2);
	assert_int_equal(ev->n_candidates, 2);
	assert_int_equal(ev->candidates_total, 5);	/* counted, not kept */
	oom_event__free(ev);
}

static void test_many_candidates_grow(void **state)
{
	struct oom_event *ev = oom_event__new();

	(void)state;
	for (int i = 0; i < 5000; i++)
		add(ev, i + 1, i % 97, true);
	assert_int_equal(ev->n_candidates, 5000);
	oom_event__rank(ev, 10);
	assert_int_equal(ev->n_candidates, 10);
	assert_int_equal(ev->candidates[0].points, 96);
	oom_event__free(ev);
}

/* A fixed event keeps exactly the top K that ranking a full list would keep. */
static void test_fixed_offer_keeps_top_k(void **state)
{
	struct oom_event_caps caps = { .victims = 2, .candidates = 7, .kernel_frames = 3,
				       .user_frames = 3 };
	struct oom_event *fixed = oom_event__new_fixed(&caps), *all = oom_event__new();
	struct oom_task *storage;

	(void)state;
	assert_non_null(fixed);
	storage = fixed->candidates;
	for (int round = 0; round < 2; round++) {
		oom_event__clear(fixed);
		oom_event__clear(all);
		for (int i = 0; i < 500; i++) {
			struct oom_task t = { .has = TASK_HAS_PID | TASK_HAS_POINTS,
					      .pid = 1000 + (i * 7919) % 500,
					      .points = (i * 37 + round) % 23 };

			if (i % 11 == 0) {	/* skipped tasks rank last */
				t.has = TASK_HAS_PID;
				t.skip = OOM_SKIP_ADJ_MIN;
			}
			assert_true(oom_event__offer_candidate(fixed, &t) >= 0);
			assert_int_equal(oom_event__offer_candidate(all, &t), 0);
		}
		assert_int_equal(fixed->n_candidates, 7);
		oom_event__rank(fixed, 7);
		oom_event__rank(all, 7);
		for (size_t i = 0; i < 7; i++) {
			assert_int_equal(fixed->candidates[i].pid, all->candidates[i].pid);
			assert_int_equal(fixed->candidates[i].points, all->candidates[i].points);
		}
		/* the storage is reused, never reallocated */
		assert_ptr_equal(fixed->candidates, storage);
	}
	oom_event__free(fixed);
	oom_event__free(all);
}

/* A growable event with its own bound keeps the same top K, and grows only to K. */
static void test_offer_top_keeps_top_k(void **state)
{
	struct oom_event *top = oom_event__new(), *all = oom_event__new();
	int kept = 0;

	(void)state;
	for (int i = 0; i < 500; i++) {
		struct oom_task t = { .has = TASK_HAS_PID | TASK_HAS_POINTS,
				      .pid = 1000 + (i * 7919) % 500, .points = (i * 37) % 23 };
		int r;

		if (i % 11 == 0) {
			t.has = TASK_HAS_PID;
			t.skip = OOM_SKIP_ADJ_MIN;
		}
		r = oom_event__offer_candidate_top(top, &t, 5);
		assert_true(r == 0 || r == 1);
		kept += r == 0;
		assert_true(top->n_candidates <= 5);
		assert_int_equal(oom_event__offer_candidate(all, &t), 0);
	}
	assert_true(kept > 5);
	oom_event__rank(top, 0);
	oom_event__rank(all, 5);
	assert_int_equal(top->n_candidates, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(top->candidates[i].pid, all->candidates[i].pid);
		assert_int_equal(top->candidates[i].points, all->candidates[i].points);
	}
	/* keep 0 keeps nothing, and says so */
	oom_event__clear(top);
	assert_int_equal(oom_event__offer_candidate_top(top, &all->candidates[0], 0), 1);
	assert_int_equal(top->n_candidates, 0);
	oom_event__free(top);
	oom_event__free(all);
}

/* keep 0 ("all"): past the preallocated capacity the storage grows, nothing is cut */
static void test_fixed_grows_when_all_are_wanted(void **state)
{
	struct oom_event_caps caps = { .victims = 1, .candidates = 4, .kernel_frames = 1,
				       .user_frames = 1, .grow_candidates = true };
	struct oom_event *ev = oom_event__new_fixed(&caps);

	(void)state;
	assert_non_null(ev);
	for (int i = 0; i < 5000; i++) {
		struct oom_task t = { .has = TASK_HAS_PID | TASK_HAS_POINTS, .pid = 10 + i,
				      .points = i % 97 };

		assert_int_equal(oom_event__offer_candidate(ev, &t), 0);
	}
	assert_int_equal(ev->n_candidates, 5000);
	oom_event__rank(ev, 0);
	assert_int_equal(ev->candidates[0].points, 96);
	assert_int_equal(ev->candidates[4999].points, 0);
	oom_event__clear(ev);		/* keeps the grown storage for the next event */
	assert_int_equal(ev->n_candidates, 0);
	assert_true(ev->cap_candidates >= 5000);
	oom_event__free(ev);
}

static void test_fixed_appends_stop_at_cap(void **state)
{
	struct oom_event_caps caps = { .victims = 2, .candidates = 1, .kernel_frames = 3,
				       .user_frames = 1 };
	struct oom_event *ev = oom_event__new_fixed(&caps);

	(void)state;
	assert_non_null(oom_event__add_victim(ev));
	assert_non_null(oom_event__add_victim(ev));
	assert_null(oom_event__add_victim(ev));
	assert_int_equal(ev->n_victims, 2);
	for (int i = 0; i < 3; i++)
		assert_non_null(oom_event__add_kframe(ev));
	assert_null(oom_event__add_kframe(ev));
	ev->victims_dropped = 4;
	oom_event__clear(ev);
	assert_int_equal(ev->n_victims, 0);
	assert_int_equal(ev->n_kernel_stack, 0);
	assert_int_equal(ev->victims_dropped, 0);
	assert_int_equal(ev->constraint, OOM_CONSTRAINT_UNKNOWN);
	assert_true(ev->fixed);
	assert_int_equal(ev->cap_victims, 2);
	assert_non_null(oom_event__add_victim(ev));
	oom_event__free(ev);
}

static void test_points_formula_matches_kernel(void **state)
{
	(void)state;
	/* the dmesg row of a real OOM on the host: rss 1091, pgtables 49152,
	 * adj 500 in a 64 MiB memcg (16384 pages): the kernel said 9103 */
	assert_int_equal(oom_points(1091, 0, 49152, 500, 16384, 4096), 9103);
	/* adj is scaled by totalpages/1000 with integer division first */
	assert_int_equal(oom_points_adj_part(500, 16384), 8000);
	assert_int_equal(oom_points_adj_part(-1000, 999), 0);
	assert_int_equal(oom_points_adj_part(-999, 2000000), -1998000);
	assert_int_equal(oom_points(10, 2, 8192, 0, 1, 4096), 14);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(oom_constraint__name(OOM_CONSTRAINT_MEMCG), "memcg");
	assert_string_equal(oom_constraint__name(OOM_CONSTRAINT_NONE), "none");
	assert_string_equal(oom_constraint__name(OOM_CONSTRAINT_UNKNOWN), "unknown");
	assert_string_equal(oom_skip__name(OOM_SKIP_ADJ_MIN), "oom_score_adj_min");
	assert_string_equal(oom_victim_reason__name(OOM_VICTIM_GROUP), "oom_group");
}

static void test_text_escape(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(text_escape_buf(buf, sizeof(buf), "q\"n\nx\033[31mz"),
			    "q\"n\\nx\\x1b[31mz");
	assert_string_equal(text_escape_buf(buf, sizeof(buf), "a\\b\t\x7f\xff"),
			    "a\\\\b\\t\\x7f\\xff");
	/* truncation never splits an escape */
	assert_string_equal(text_escape_buf(buf, 6, "ab\033c"), "ab");
	assert_string_equal(text_escape_buf(buf, 1, "abc"), "");
}

/* oom_badness's sum at the ends of its inputs: the limits, never a wrap */
static void test_points_saturate(void **state)
{
	(void)state;
	assert_true(oom_points(UINT64_MAX, UINT64_MAX, 0, 0, 0, 4096) == INT64_MAX);
	assert_true(oom_points(0, 0, 0, -1000, UINT64_MAX, 4096) == INT64_MIN);
	assert_true(oom_points_adj_part(INT32_MAX, UINT64_MAX) == INT64_MAX);
	assert_true(oom_points(10, 5, 8192, 0, 0, 4096) == 17);
	assert_true(sat_sub64(INT64_MIN, 1) == INT64_MIN);
	assert_true(sat_sub64(INT64_MAX, -1) == INT64_MAX);
	assert_true(sat_sub64(5, 7) == -2);
	assert_true(abs_u64(INT64_MIN) == (uint64_t)INT64_MAX + 1);
	assert_true(sat_mul_u64(UINT64_MAX / 2, 3) == UINT64_MAX);
	assert_true(sat_mul_u64(3, 4096) == 12288);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank_orders_by_points_skipped_last),
		cmocka_unit_test(test_many_candidates_grow),
		cmocka_unit_test(test_fixed_offer_keeps_top_k),
		cmocka_unit_test(test_points_saturate),
		cmocka_unit_test(test_offer_top_keeps_top_k),
		cmocka_unit_test(test_fixed_grows_when_all_are_wanted),
		cmocka_unit_test(test_fixed_appends_stop_at_cap),
		cmocka_unit_test(test_points_formula_matches_kernel),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_text_escape),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
