// SPDX-License-Identifier: GPL-2.0
/*
 * The ranking over fixture trees (tests/fixtures/proc-*): every computed
 * oom_score equals what the tree's kernel wrote in oom_score (worked out by
 * tests/fixtures/proc-generate.py from the kernel's formula, independently
 * of this code), skipped tasks and why, ties, memcg domains and their
 * totalpages, the explain arithmetic at its exact edges, the pre-5.9 and
 * pre-4.17 formulas, and broken trees.
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

#include "scores.h"
#include "scores_render.h"

static char root[512];

static const char *tree(const char *name)
{
	const char *d = getenv("OOMTRACE_FIXTURES");

	snprintf(root, sizeof(root), "%s/%s", d ? d : "tests/fixtures", name);
	return root;
}

static void collect(struct score_set *s, const char *name, const char *cgroup)
{
	struct scores_config cfg = { .root = tree(name), .cgroup = cgroup };
	char err[512];
	int r = scores_collect(&cfg, s, err, sizeof(err));

	if (r)
		fail_msg("%s: %s", name, err);
}

/* Every process: the oom_score computed here is the kernel's. */
static void assert_scores_match(const struct score_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct score_task *t = &s->tasks[i];

		assert_true(t->p.has & PT_HAS_SCORE);
		if (t->oom_score != t->p.kernel_oom_score)
			fail_msg("pid %d: oom_score %lld, kernel %lld", t->p.pid,
				 (long long)t->oom_score, (long long)t->p.kernel_oom_score);
	}
	assert_int_equal(s->score_agree, s->score_checked);
	assert_int_equal(s->score_checked, s->n);
}

static const struct score_task *find(const struct score_set *s, int32_t pid)
{
	const struct score_task *t = score_set__find(s, pid);

	if (!t)
		fail_msg("pid %d not in the set", pid);
	return t;
}

static void test_global_618(void **state)
{
	struct score_set s;

	(void)state;
	collect(&s, "proc-6.18-v1", NULL);
	assert_int_equal(s.n, 11);
	assert_int_equal(s.global_totalpages, 2097152 + 262144);
	assert_int_equal(s.totalpages, s.global_totalpages);
	assert_false(s.legacy_formula);
	assert_scores_match(&s);
	/* postgres's stat and status straddle an oom_score step: the kernel sided with stat */
	assert_int_equal(s.votes_stat, 1);
	assert_int_equal(s.votes_status, 0);
	assert_int_equal(s.rss_source, RSS_FROM_STAT);
	/* java: 30000 + 1000 swap + 100 page-table pages + 500 x 2359 */
	assert_int_equal(s.tasks[0].p.pid, 200);
	assert_int_equal(s.tasks[0].points, 31100 + 500 * 2359);
	assert_int_equal(s.tasks[0].adj_points, 500 * 2359);
	assert_int_equal(s.tasks[0].rank, 1);
	assert_int_equal(s.tasks[1].p.pid, 100);
	/* equal points: the newer one ranks first, both flagged */
	assert_int_equal(find(&s, 902)->rank + 1, find(&s, 901)->rank);
	assert_true(find(&s, 902)->tie && find(&s, 901)->tie);
	assert_int_equal(find(&s, 1)->skip, SCORE_SKIP_INIT);
	assert_int_equal(find(&s, 2)->skip, SCORE_SKIP_KTHREAD);
	assert_int_equal(find(&s, 300)->skip, SCORE_SKIP_ADJ_MIN);
	assert_int_equal(find(&s, 400)->skip, SCORE_SKIP_NO_MM);
	assert_int_equal(find(&s, 600)->skip, SCORE_ELIGIBLE);	/* its thread's mm */
	assert_false(find(&s, 600)->exiting);	/* the leader is, the process is not */
	assert_string_equal(find(&s, 600)->p.memcg, "/test/a");	/* the thread's cgroup */
	assert_true(find(&s, 800)->exiting);
	assert_int_equal(s.n_eligible, 7);
	assert_int_equal(s.n_kthreads, 1);
	assert_true(s.has_psi);
	score_set__free(&s);
}

static void test_memcg_618(void **state)
{
	struct score_set s;

	(void)state;
	/* /test/a's own limit is looser: the domain is /test, 256 MiB + 64 MiB of swap */
	collect(&s, "proc-6.18-v1", "/test/a");
	assert_true(s.memcg && s.domain_found);
	assert_string_equal(s.domain.path, "/test");
	assert_int_equal(s.totalpages, 65536 + 16384);
	/* the whole /test subtree, nothing else */
	assert_int_equal(s.n, 7);
	for (size_t i = 0; i < s.n; i++)
		assert_true(!strncmp(s.tasks[i].p.memcg, "/test/", 6));
	assert_null(score_set__find(&s, 100));
	assert_int_equal(s.tasks[0].p.pid, 200);
	assert_int_equal(s.tasks[0].points, 31100 + 500 * 81);
	/* oom_score stays the machine-wide figure */
	assert_scores_match(&s);
	score_set__free(&s);

	collect(&s, "proc-6.18-v1", "/sys/fs/cgroup/memory/test/noswap");
	assert_string_equal(s.domain.path, "/test/noswap");
	assert_int_equal(s.totalpages, 16384);	/* swappiness 0: no swap counted */
	assert_int_equal(s.n, 0);
	score_set__free(&s);

	/* nothing limited up to the root: a global ranking */
	collect(&s, "proc-6.18-v1", "/system.slice");
	assert_true(s.memcg);
	assert_false(s.domain_found);
	assert_int_equal(s.totalpages, s.global_totalpages);
	assert_int_equal(s.n, 11);
	score_set__free(&s);
}

static void test_v2(void **state)
{
	struct score_set s;
	struct score_explain e;

	(void)state;
	collect(&s, "proc-6.1-v2", NULL);
	assert_scores_match(&s);
	assert_int_equal(s.oom_kill_allocating_task, 1);
	assert_int_equal(s.overcommit_memory, 2);
	assert_int_equal(s.tasks[0].p.pid, 20);
	assert_string_equal(find(&s, 50)->p.memcg, "/system.slice/gone.service");
	assert_int_equal(scores_explain(&s, 20, &e), 0);
	assert_string_equal(e.container_id,
			    "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b");
	assert_string_equal(e.pod_uid, "1b4d6f5e-9a0c-4b8e-8f3a-2c7d9e0f1a2b");
	score_set__free(&s);

	collect(&s, "proc-6.1-v2", "/system.slice/nginx.service");
	assert_int_equal(s.mount.version, 2);
	assert_int_equal(s.totalpages, 65536);	/* no swap on this host */
	assert_int_equal(s.n, 2);
	assert_int_equal(scores_explain(&s, 10, &e), 0);
	assert_string_equal(e.unit, "nginx.service");
	assert_false(e.is_scope);
	assert_int_equal(e.unit_tasks, 2);
	assert_true(e.first_in_unit);
	score_set__free(&s);

	collect(&s, "proc-6.1-v2", NULL);
	assert_int_equal(scores_explain(&s, 30, &e), 0);
	assert_string_equal(e.unit, "session-3.scope");
	assert_true(e.is_scope);
	score_set__free(&s);
}

static void test_legacy_44(void **state)
{
	struct score_set s;

	(void)state;
	collect(&s, "proc-4.4-legacy", NULL);
	assert_true(s.legacy_formula);
	assert_true(s.root_bonus);
	assert_false(s.has_psi);
	assert_scores_match(&s);
	/* same memory; root (CAP_SYS_ADMIN) gets 3% off before 4.17 */
	assert_int_equal(find(&s, 100)->points, 102203);
	assert_int_equal(find(&s, 200)->points, 102203 - 102203 * 3 / 100);
	assert_int_equal(s.tasks[0].p.pid, 100);
	/* an eligible task never drops below 1 point */
	assert_int_equal(find(&s, 300)->points, 1);
	score_set__free(&s);
}

/* The explain thresholds are exact: the advised adj flips, one step less does not. */
static void test_explain_edges(void **state)
{
	struct score_set s;
	struct score_explain e;
	struct score_task t;
	int64_t unit;

	(void)state;
	collect(&s, "proc-6.18-v1", "/test/a");
	unit = (int64_t)(s.totalpages / 1000);
	assert_int_equal(scores_explain(&s, 600, &e), 0);
	assert_ptr_equal(e.first, &s.tasks[0]);
	assert_true(e.to_first.by_adj);
	t = *e.task;
	assert_true(t.mem_points + e.to_first.adj * unit > e.first->points);
	assert_true(t.mem_points + (e.to_first.adj - 1) * unit <= e.first->points);
	assert_true(e.to_first.by_memory);
	assert_int_equal(t.points + e.to_first.mem_pages, e.first->points + 1);
	/* the first, to be spared: fall below the second */
	assert_int_equal(scores_explain(&s, 200, &e), 0);
	assert_int_equal(e.task->rank, 1);
	assert_null(e.above);
	assert_non_null(e.below);
	assert_true(e.to_below.by_adj);
	t = *e.task;
	assert_true(t.mem_points + e.to_below.adj * unit < e.below->points);
	assert_true(t.mem_points + (e.to_below.adj + 1) * unit >= e.below->points);
	/* freeing memory cannot undo 40500 adj points with 31100 pages */
	assert_false(e.to_below.by_memory);
	assert_int_equal(scores_explain(&s, 4242, &e), -ESRCH);
	score_set__free(&s);

	/* an exempt task: where it would stand at adj 0 */
	collect(&s, "proc-6.18-v1", NULL);
	assert_int_equal(scores_explain(&s, 300, &e), 0);
	assert_int_equal(e.points_at_adj0, 2016);
	assert_int_equal(e.rank_at_adj0, 7);
	score_set__free(&s);
}

static void test_flip_math(void **state)
{
	struct score_set s = { .totalpages = 16384 };	/* unit 16 */
	struct score_task t = { .mem_points = 1000, .points = 1000 };
	struct score_flip f;

	(void)state;
	scores_flip_above(&s, &t, 5000, &f);
	assert_true(f.by_adj);
	assert_int_equal(f.adj, 251);	/* 1000 + 251*16 = 5016 > 5000, 250 gives 5000 */
	assert_int_equal(f.mem_pages, 4001);
	scores_flip_above(&s, &t, 1000000, &f);
	assert_false(f.by_adj);		/* beyond adj 1000 */
	assert_true(f.by_memory);
	scores_flip_below(&s, &t, 500, &f);
	assert_true(f.by_adj);
	assert_int_equal(f.adj, -32);	/* 1000 - 32*16 = 488 < 500, -31 gives 504 */
	assert_int_equal(f.mem_pages, -501);
	scores_flip_below(&s, &t, -100000, &f);
	assert_false(f.by_adj);		/* only -1000 */
	assert_false(f.by_memory);
	scores_flip_below(&s, &t, 2000, &f);
	assert_true(f.done);
	/* totalpages under 1000: oom_score_adj weighs nothing */
	s.totalpages = 999;
	scores_flip_above(&s, &t, 5000, &f);
	assert_false(f.by_adj);
	assert_true(f.by_memory);
}

static void test_oom_score_formula(void **state)
{
	(void)state;
	/* the figures platform.md reports from the host: an idle shell 666 */
	assert_int_equal(scores_oom_score(1000, false, 6171023, false), 666);
	assert_int_equal(scores_oom_score(0, true, 6171023, false), 0);
	/* signed division: a negative badness rounds toward zero */
	assert_int_equal(scores_oom_score(-6172, false, 6171023, false), (1000 - 1) * 2 / 3);
	assert_int_equal(scores_oom_score(-1000 * 6171, false, 6171023, false),
			 (1000 - 999) * 2 / 3);
	assert_int_equal(scores_oom_score(500, false, 1000, true), 500);
	assert_int_equal(scores_oom_score(-5, false, 1000, true), 1);	/* clamped to 1 */
}

static void test_broken_trees(void **state)
{
	struct scores_config cfg = { .root = tree("proc-bad") };
	struct score_set s;
	char err[512];

	(void)state;
	assert_int_equal(scores_collect(&cfg, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.broken, 3);
	assert_non_null(strstr(s.first_error, "proc/20/stat: malformed"));
	score_set__free(&s);
	cfg.cgroup = "/bad";
	assert_int_equal(scores_collect(&cfg, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "memory.limit_in_bytes: malformed"));
	cfg.cgroup = "/missing";
	assert_int_equal(scores_collect(&cfg, &s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no memory cgroup /missing"));
	cfg = (struct scores_config){ .root = tree("proc-bad-meminfo") };
	assert_int_equal(scores_collect(&cfg, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "proc/meminfo: malformed"));
	cfg = (struct scores_config){ .root = tree("proc-does-not-exist") };
	assert_int_equal(scores_collect(&cfg, &s, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot read"));
	assert_null(strchr(err, '\n'));
}

/* A hostile comm never reaches the output raw, in text or JSON. */
static void test_render_escapes(void **state)
{
	struct scores_view v = { .all = true };
	struct score_explain e;
	struct score_set s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	collect(&s, "proc-6.18-v1", NULL);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	scores_render_header(f, &s);
	scores_render_table(f, &s, &v);
	scores_render_footer(f, &s, &v);
	assert_int_equal(scores_explain(&s, 500, &e), 0);
	scores_render_explain_text(f, &s, &e);
	fclose(f);
	assert_null(memchr(buf, 0x1b, len));
	assert_non_null(strstr(buf, "q\") S 1 (\\n\\x1b[31m"));
	assert_non_null(strstr(buf, "first: pid 200 \"java\", ahead of pid 100 \"postgres\""));
	assert_non_null(strstr(buf, "[tie]"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	scores_render_json(f, &s, &v);
	scores_render_explain_json(f, &s, &e);
	fclose(f);
	assert_null(memchr(buf, 0x1b, len));
	assert_non_null(strstr(buf, "\"comm\":\"q\\\") S 1 (\\n\\u001b[31m\""));
	/* one object per process and line, plus the explain object */
	{
		size_t lines = 0;

		for (size_t i = 0; i < len; i++)
			lines += buf[i] == '\n';
		assert_int_equal(lines, s.n + 1);
	}
	free(buf);
	score_set__free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_618),
		cmocka_unit_test(test_memcg_618),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_legacy_44),
		cmocka_unit_test(test_explain_edges),
		cmocka_unit_test(test_flip_math),
		cmocka_unit_test(test_oom_score_formula),
		cmocka_unit_test(test_broken_trees),
		cmocka_unit_test(test_render_escapes),
	};

	return cmocka_run_group_tests_name("scores", tests, NULL, NULL);
}
