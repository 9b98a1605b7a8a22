// SPDX-License-Identifier: GPL-2.0
/*
 * oomtrace replay: the expr: grammar and its errors, each policy on a
 * hand-built OOM whose right answer the test computes from the policy's
 * definition (not through the code under test), the kernel formula's era,
 * and the exact rss/swap sums through the JSON writer and reader.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "jsonl_reader.h"
#include "record_reader.h"
#include "render.h"
#include "replay_expr.h"
#include "replay_policy.h"
#include "replay_render.h"
#include "replay_summary.h"

/* ---- expr ---------------------------------------------------------------- */

static int64_t eval_str(const char *s, const int64_t *vals)
{
	struct replay_expr e;
	struct rx_error err;
	int64_t v = 0;

	assert_int_equal(replay_expr_parse(s, &e, &err), 0);
	assert_int_equal(replay_expr_eval(&e, vals, &v), 0);
	return v;
}

static void test_expr_values(void **state)
{
	int64_t vals[RX_N_FIELDS] = { [RX_RSS] = 100, [RX_SWAP] = 7, [RX_PGTABLES] = 3,
				      [RX_ADJ] = -50, [RX_TOTALPAGES] = 4000 };

	(void)state;
	assert_int_equal(eval_str("2 + 3 * 4", vals), 14);
	assert_int_equal(eval_str("(2 + 3) * 4", vals), 20);
	assert_int_equal(eval_str("10 - 4 - 3", vals), 3);		/* left to right */
	assert_int_equal(eval_str("100 / 7 / 2", vals), 7);
	assert_int_equal(eval_str("-7 / 2", vals), -3);			/* toward zero */
	assert_int_equal(eval_str("- -5", vals), 5);
	assert_int_equal(eval_str("-(rss)", vals), -100);
	assert_int_equal(eval_str("rss + swap + pgtables + adj * (totalpages / 1000)", vals),
			 100 + 7 + 3 + -50 * 4);
	assert_int_equal(eval_str("min(rss, swap) + max(adj, 0)", vals), 7);
	assert_int_equal(eval_str("max(min(1,2),min(3,4))", vals), 3);
	assert_int_equal(eval_str("rss > 99", vals), 1);
	assert_int_equal(eval_str("rss <= 99", vals), 0);
	assert_int_equal(eval_str("adj == -50", vals), 1);
	assert_int_equal(eval_str("adj != -50", vals), 0);
	assert_int_equal(eval_str("rss + (adj >= 0) * 1000", vals), 100);
	assert_int_equal(eval_str("\t rss\t", vals), 100);
	assert_int_equal(eval_str("9223372036854775807", vals), INT64_MAX);
	assert_int_equal(eval_str("-9223372036854775807 - 1", vals), INT64_MIN);
}

static void test_expr_fields_used(void **state)
{
	struct replay_expr e;
	struct rx_error err;

	(void)state;
	assert_int_equal(replay_expr_parse("rss + age_s", &e, &err), 0);
	assert_int_equal(e.fields, (1u << RX_RSS) | (1u << RX_AGE_S));
	assert_int_equal(replay_expr_parse("1", &e, &err), 0);
	assert_int_equal(e.fields, 0);
}

static void test_expr_runtime_errors(void **state)
{
	int64_t vals[RX_N_FIELDS] = { [RX_RSS] = 1, [RX_ADJ] = 0 };
	struct replay_expr e;
	struct rx_error err;
	int64_t v;

	(void)state;
	assert_int_equal(replay_expr_parse("rss / adj", &e, &err), 0);
	assert_int_equal(replay_expr_eval(&e, vals, &v), -EDOM);
	assert_int_equal(replay_expr_parse("9223372036854775807 + rss", &e, &err), 0);
	assert_int_equal(replay_expr_eval(&e, vals, &v), -ERANGE);
	assert_int_equal(replay_expr_parse("(-9223372036854775807 - 1) / -1", &e, &err), 0);
	assert_int_equal(replay_expr_eval(&e, vals, &v), -ERANGE);
	assert_int_equal(replay_expr_parse("-(-9223372036854775807 - rss)", &e, &err), 0);
	assert_int_equal(replay_expr_eval(&e, vals, &v), -ERANGE);
}

static void expect_error(const char *s, size_t column, const char *msg_part)
{
	struct replay_expr e;
	struct rx_error err;

	assert_int_equal(replay_expr_parse(s, &e, &err), -EINVAL);
	if (err.column != column || !strstr(err.msg, msg_part))
		fail_msg("'%s': got column %zu '%s', want column %zu '%s'", s, err.column, err.msg,
			 column, msg_part);
}

static void test_expr_errors_name_the_column(void **state)
{
	char deep[300], longs[RX_MAX_LEN + 2];

	(void)state;
	expect_error("", 1, "found end of expression");
	expect_error("rss +", 6, "found end of expression");
	expect_error("rss )", 5, "unexpected ')'");
	expect_error("rsss * 2", 1, "unknown name 'rsss'");
	expect_error("rss * Swap", 7, "unknown name 'Swap'");
	expect_error("min(1 2)", 7, "expected ','");
	expect_error("max(1, 2", 9, "expected ')' closing max");
	expect_error("min 1", 5, "expected '(' after min");
	expect_error("(rss + 1", 9, "expected ')' matching column 1");
	expect_error("1 < 2 < 3", 7, "do not chain");
	expect_error("12abc", 3, "after a number");
	expect_error("99999999999999999999", 1, "too large");
	expect_error("rss # 2", 5, "unexpected '#'");
	expect_error("rss \x01", 5, "byte 0x01");
	expect_error("rss ++ 1", 6, "found '+'");
	memset(deep, '(', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	expect_error(deep, RX_MAX_DEPTH + 1, "nested too deeply");
	memset(longs, '1', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	expect_error(longs, RX_MAX_LEN + 1, "longer than");
}

static void test_expr_node_bound(void **state)
{
	char s[RX_MAX_NODES * 4 + 8];
	size_t n = 0;

	(void)state;
	/* 1+1+...: each term and each + is a node; past RX_MAX_NODES it is refused */
	for (int i = 0; i < RX_MAX_NODES / 2 + 2; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, i ? "+1" : "1");
	expect_error(s, RX_MAX_NODES, "too long");
}

/* ---- policies on a hand-built OOM ----------------------------------------- */

#define TOTAL 10000
#define PAGE 4096

struct row {
	int32_t pid;
	const char *comm;
	uint64_t rss, swap, pgt_bytes;
	int32_t adj;
	const char *cgroup;	/* NULL: unknown */
	enum oom_skip skip;
	bool precise;
	uint64_t rss_precise, swap_precise;
};

/*
 * The OOM of memcg /dom with totalpages 10000: A and B in child /dom/a and
 * /dom/b, C also in /dom/b, D (-1000, the largest) in /dom/c, E in /dom itself.
 */
static const struct row rows[] = {
	{ 1, "A", 1000, 0, 2 * PAGE, 0, "/dom/a", OOM_SKIP_NONE, true, 900, 0 },
	{ 2, "B", 600, 100, 1 * PAGE, 100, "/dom/b", OOM_SKIP_NONE, true, 650, 100 },
	{ 3, "C", 700, 0, 0, 0, "/dom/b/x", OOM_SKIP_NONE, true, 2000, 0 },
	{ 4, "D", 5000, 0, 0, -1000, "/dom/c", OOM_SKIP_ADJ_MIN, true, 5000, 0 },
	{ 5, "E", 200, 0, 0, 0, "/dom", OOM_SKIP_NONE, true, 200, 0 },
};

static void fill(struct oom_event *ev, const struct row *r, size_t n, int32_t victim)
{
	oom_event__clear(ev);
	ev->seq = 7;
	ev->source = "bpf";
	ev->has = EV_HAS_CANDIDATES | EV_HAS_TOTALPAGES | EV_HAS_MEMCG | EV_HAS_VICTIM;
	ev->totalpages = TOTAL;
	ev->page_size = PAGE;
	snprintf(ev->memcg, sizeof(ev->memcg), "/dom");
	for (size_t i = 0; i < n; i++) {
		struct oom_task *t = oom_event__add_candidate(ev);

		assert_non_null(t);
		t->pid = r[i].pid;
		snprintf(t->comm, sizeof(t->comm), "%s", r[i].comm);
		t->has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_ADJ | TASK_HAS_RSS |
			 TASK_HAS_SWAP | TASK_HAS_PGTABLES;
		t->rss_pages = r[i].rss;
		t->swap_pages = r[i].swap;
		t->pgtables_bytes = r[i].pgt_bytes;
		t->oom_score_adj = r[i].adj;
		t->skip = r[i].skip;
		if (r[i].cgroup) {
			t->has |= TASK_HAS_CGROUP;
			snprintf(t->cgroup, sizeof(t->cgroup), "%s", r[i].cgroup);
		}
		if (r[i].precise) {
			t->has |= TASK_HAS_RSS_PRECISE;
			t->rss_precise_pages = r[i].rss_precise;
			t->swap_precise_pages = r[i].swap_precise;
		}
		if (!r[i].skip) {
			/* the kernel's own points, 5.9+: pages plus adj * totalpages/1000 */
			t->points = (int64_t)(r[i].rss + r[i].swap + r[i].pgt_bytes / PAGE) +
				    r[i].adj * (TOTAL / 1000);
			t->has |= TASK_HAS_POINTS;
		}
		if (t->pid == victim)
			ev->victim = *t;
	}
	ev->candidates_total = n;
}

/* Expected kernel points of row i, from oom_badness()'s definition (5.9+). */
static int64_t kpoints(const struct row *r)
{
	return (int64_t)(r->rss + r->swap + r->pgt_bytes / PAGE) + r->adj * (TOTAL / 1000);
}

static struct replay_pick pick(const struct replay_policy *p, const struct oom_event *ev,
			       int32_t rec)
{
	struct replay_ctx cx = { 0 };
	struct replay_pick r;

	assert_int_equal(replay_pick(&cx, p, ev, rec, &r), 0);
	replay_ctx__free(&cx);
	return r;
}

/* The row with the highest f among those keep() takes: the definition, by brute force. */
static size_t argmax(int64_t (*f)(const struct row *), bool (*keep)(const struct row *),
		     int64_t *ret_best, int64_t *ret_margin)
{
	size_t best = SIZE_MAX;
	int64_t second = INT64_MIN;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!keep(&rows[i]))
			continue;
		if (best == SIZE_MAX || f(&rows[i]) > f(&rows[best])) {
			if (best != SIZE_MAX)
				second = f(&rows[best]);
			best = i;
		} else if (f(&rows[i]) > second) {
			second = f(&rows[i]);
		}
	}
	*ret_best = f(&rows[best]);
	*ret_margin = *ret_best - second;
	return best;
}

static bool kernel_eligible(const struct row *r) { return r->skip == OOM_SKIP_NONE; }
static bool any_row(const struct row *r) { (void)r; return true; }
static int64_t noadj_points(const struct row *r)
{
	return (int64_t)(r->rss + r->swap + r->pgt_bytes / PAGE);
}
static int64_t precise_points(const struct row *r)
{
	return (int64_t)(r->rss_precise + r->swap_precise + r->pgt_bytes / PAGE) +
	       r->adj * (TOTAL / 1000);
}

static void test_policy_kernel_reproduces(void **state)
{
	struct replay_policy p = { .kind = RP_KERNEL, .name = "kernel" };
	struct oom_event *ev = oom_event__new();
	int64_t best, margin;
	size_t want = argmax(kpoints, kernel_eligible, &best, &margin);
	struct replay_pick r;
	int32_t rec = 0;

	(void)state;
	fill(ev, rows, 5, rows[want].pid);
	assert_int_equal(replay_check_event(ev, &rec), RSK_NONE);
	assert_int_equal(rec, rows[want].pid);
	r = pick(&p, ev, rec);
	assert_int_equal(r.unavail, RU_NONE);
	assert_int_equal(ev->candidates[r.idx].pid, rows[want].pid);
	assert_int_equal(r.score, best);
	assert_true(r.has_margin);
	assert_int_equal(r.margin, margin);
	assert_int_equal(r.points_mismatches, 0);
	assert_int_equal(r.formula, RF_PAGES);
	assert_int_equal(r.freed_kb, (rows[want].rss + rows[want].swap) * 4);
	/* a row whose recorded points differ from its inputs is counted */
	ev->candidates[0].points += 1;
	assert_int_equal(pick(&p, ev, rec).points_mismatches, 1);
	oom_event__free(ev);
}

static void test_policy_no_adj(void **state)
{
	struct replay_policy p = { .kind = RP_NO_ADJ, .name = "no-adj" };
	struct oom_event *ev = oom_event__new();
	int64_t best, margin;
	/* adj ignored: the -1000 task is no longer exempt */
	size_t want = argmax(noadj_points, any_row, &best, &margin);
	struct replay_pick r;

	(void)state;
	fill(ev, rows, 5, 2);
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_NONE);
	assert_int_equal(ev->candidates[r.idx].pid, rows[want].pid);
	assert_int_equal(rows[want].pid, 4);	/* the scenario is meant to show it */
	assert_int_equal(r.score, best);
	assert_int_equal(r.margin, margin);
	oom_event__free(ev);
}

static void test_policy_precise_rss(void **state)
{
	struct replay_policy p = { .kind = RP_PRECISE_RSS, .name = "precise-rss" };
	struct oom_event *ev = oom_event__new();
	int64_t best, margin;
	size_t want = argmax(precise_points, kernel_eligible, &best, &margin);
	struct replay_pick r;

	(void)state;
	fill(ev, rows, 5, 2);
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_NONE);
	assert_int_equal(ev->candidates[r.idx].pid, rows[want].pid);
	assert_int_not_equal(rows[want].pid, 2);	/* exact sums change the victim */
	assert_int_equal(r.score, best);
	assert_int_equal(r.margin, margin);
	/* C's counters say 700 pages, its exact sum 2000: the largest error, in kB */
	assert_int_equal(r.counter_error_kb, (2000 - 700) * (PAGE / 1024));
	/* one eligible candidate without the exact sums: no guess */
	ev->candidates[0].has &= ~TASK_HAS_RSS_PRECISE;
	assert_int_equal(pick(&p, ev, 2).unavail, RU_NO_PRECISE);
	/* an ineligible one without them does not matter */
	fill(ev, rows, 5, 2);
	ev->candidates[3].has &= ~TASK_HAS_RSS_PRECISE;
	assert_int_equal(pick(&p, ev, 2).unavail, RU_NONE);
	oom_event__free(ev);
}

/* The child of /dom a row counts in, or its own pid for a task in /dom. */
static void child_of_dom(const struct row *r, char *buf, size_t size)
{
	const char *rest = r->cgroup + strlen("/dom");
	const char *slash = rest[0] == '/' ? strchr(rest + 1, '/') : NULL;

	if (!rest[0])
		snprintf(buf, size, "pid:%d", r->pid);
	else
		snprintf(buf, size, "%.*s", slash ? (int)(slash - r->cgroup) : (int)strlen(r->cgroup),
			 r->cgroup);
}

static void test_policy_largest_memcg(void **state)
{
	struct replay_policy p = { .kind = RP_LARGEST_MEMCG, .name = "largest-memcg" };
	struct oom_event *ev = oom_event__new();
	size_t n = sizeof(rows) / sizeof(rows[0]);
	char key[64], other[64];
	int64_t best_use = -1, second_use = -1;
	size_t best_task = SIZE_MAX;
	struct replay_pick r;

	(void)state;
	/* by definition: usage per child group; groups with a killable task compete */
	for (size_t i = 0; i < n; i++) {
		int64_t use = 0;
		size_t top = SIZE_MAX;

		child_of_dom(&rows[i], key, sizeof(key));
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++) {
			child_of_dom(&rows[j], other, sizeof(other));
			seen = !strcmp(key, other);
		}
		if (seen)
			continue;
		for (size_t j = 0; j < n; j++) {
			child_of_dom(&rows[j], other, sizeof(other));
			if (strcmp(key, other))
				continue;
			use += noadj_points(&rows[j]);
			if (rows[j].skip == OOM_SKIP_NONE &&
			    (top == SIZE_MAX || kpoints(&rows[j]) > kpoints(&rows[top])))
				top = j;
		}
		if (top == SIZE_MAX)
			continue;
		if (use > best_use) {
			second_use = best_use;
			best_use = use;
			best_task = top;
		} else if (use > second_use) {
			second_use = use;
		}
	}
	fill(ev, rows, n, 2);
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_NONE);
	assert_int_equal(ev->candidates[r.idx].pid, rows[best_task].pid);
	assert_int_equal(r.score, best_use);
	assert_int_equal(r.margin, best_use - second_use);
	/* an eligible task without a cgroup: cannot be placed */
	ev->candidates[4].has &= ~TASK_HAS_CGROUP;
	assert_int_equal(pick(&p, ev, 2).unavail, RU_NO_CGROUP);
	fill(ev, rows, n, 2);
	snprintf(ev->candidates[0].cgroup, OOM_PATH_MAX, "/domain-else");
	assert_int_equal(pick(&p, ev, 2).unavail, RU_OUTSIDE_DOMAIN);
	oom_event__free(ev);
}

static void test_policy_protect(void **state)
{
	/* /dom/b protected: 1400 pages of its usage do not count */
	const uint64_t prot_pages = 1400;
	struct replay_protect pr = { .cgroup = "/dom/b", .bytes = prot_pages * PAGE };
	struct replay_policy p = { .kind = RP_PROTECT, .name = "protect", .protect = &pr,
				   .n_protect = 1 };
	struct oom_event *ev = oom_event__new();
	int64_t use_b = 0, score[5], best = INT64_MIN;
	size_t want = 0;
	struct replay_pick r;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		if (!strncmp(rows[i].cgroup, "/dom/b", 6))
			use_b += noadj_points(&rows[i]);
	for (size_t i = 0; i < 5; i++) {
		int64_t m = noadj_points(&rows[i]);
		int64_t prot = (int64_t)prot_pages < use_b ? (int64_t)prot_pages : use_b;

		if (!strncmp(rows[i].cgroup, "/dom/b", 6))
			m -= m * prot / use_b;
		score[i] = m + rows[i].adj * (TOTAL / 1000);
		if (rows[i].skip == OOM_SKIP_NONE && score[i] > best) {
			best = score[i];
			want = i;
		}
	}
	fill(ev, rows, 5, 2);
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_NONE);
	assert_int_equal(ev->candidates[r.idx].pid, rows[want].pid);
	assert_int_not_equal(rows[want].pid, 2);	/* protection moves the kill */
	assert_int_equal(r.score, best);
	assert_true(r.has_rec_score);
	assert_int_equal(r.rec_score, score[1]);
	/* the deeper entry wins for C: a huge protection of /dom/b/x */
	struct replay_protect two[2] = { pr, { .cgroup = "/dom/b/x", .bytes = 1ull << 40 } };

	p.protect = two;
	p.n_protect = 2;
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_NONE);
	assert_int_not_equal(ev->candidates[r.idx].pid, 3);
	oom_event__free(ev);
}

static void expr_policy(struct replay_policy *p, struct replay_expr *e, const char *s)
{
	struct rx_error err;

	assert_int_equal(replay_expr_parse(s, e, &err), 0);
	memset(p, 0, sizeof(*p));
	p->kind = RP_EXPR;
	p->name = s;
	p->expr = e;
}

static int64_t rss_minus_adj(const struct row *r) { return (int64_t)r->rss - r->adj; }

static void test_policy_expr(void **state)
{
	struct replay_policy p;
	struct replay_expr e;
	struct oom_event *ev = oom_event__new();
	int64_t best, margin;
	size_t want = argmax(rss_minus_adj, kernel_eligible, &best, &margin);
	struct replay_pick r;

	(void)state;
	fill(ev, rows, 5, 2);
	expr_policy(&p, &e, "rss - adj");
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_NONE);
	assert_int_equal(ev->candidates[r.idx].pid, rows[want].pid);
	assert_int_equal(r.score, best);
	assert_int_equal(r.margin, margin);
	/* fields the events do not carry: said, not taken as 0 */
	expr_policy(&p, &e, "rss + age_s");
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_FIELD);
	assert_int_equal(r.field, RX_AGE_S);
	expr_policy(&p, &e, "cgroup_usage");
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_FIELD);
	assert_int_equal(r.field, RX_CGROUP_USAGE);
	/* a candidate without swap, for a formula that uses swap */
	ev->candidates[2].has &= ~TASK_HAS_SWAP;
	expr_policy(&p, &e, "rss + swap");
	r = pick(&p, ev, 2);
	assert_int_equal(r.unavail, RU_FIELD);
	assert_int_equal(r.field, RX_SWAP);
	expr_policy(&p, &e, "rss");	/* that one does not need it */
	assert_int_equal(pick(&p, ev, 2).unavail, RU_NONE);
	/* B has adj 100: division by zero */
	expr_policy(&p, &e, "rss / (adj - 100)");
	assert_int_equal(pick(&p, ev, 2).unavail, RU_EVAL);
	oom_event__free(ev);
}

static void test_ties_go_to_the_recorded_victim(void **state)
{
	static const struct row tie[] = {
		{ 10, "x", 500, 0, 0, 0, "/dom/a", OOM_SKIP_NONE, false, 0, 0 },
		{ 11, "y", 500, 0, 0, 0, "/dom/b", OOM_SKIP_NONE, false, 0, 0 },
	};
	struct replay_policy p = { .kind = RP_KERNEL, .name = "kernel" };
	struct oom_event *ev = oom_event__new();
	struct replay_pick r;

	(void)state;
	fill(ev, tie, 2, 11);
	r = pick(&p, ev, 11);
	assert_int_equal(ev->candidates[r.idx].pid, 11);
	assert_true(r.tie);
	assert_int_equal(r.margin, 0);
	r = pick(&p, ev, 10);
	assert_int_equal(ev->candidates[r.idx].pid, 10);
	oom_event__free(ev);
}

static void test_skips(void **state)
{
	struct oom_event *ev = oom_event__new();
	int32_t rec;

	(void)state;
	fill(ev, rows, 5, 2);
	ev->candidates_total = 9;	/* recorded with -k 5 */
	assert_int_equal(replay_check_event(ev, &rec), RSK_CUT);
	ev->candidates_total = 5;
	ev->has &= ~EV_HAS_VICTIM;
	assert_int_equal(replay_check_event(ev, &rec), RSK_NO_VICTIM);
	ev->has |= EV_HAS_CHOSEN;
	ev->chosen_pid = 3;
	assert_int_equal(replay_check_event(ev, &rec), RSK_NONE);
	assert_int_equal(rec, 3);
	oom_event__clear(ev);
	assert_int_equal(replay_check_event(ev, &rec), RSK_NO_TABLE);
	oom_event__free(ev);
}

/* ---- kernel eras ---------------------------------------------------------- */

static void test_formula_pre_5_9_clamp(void **state)
{
	/* 3.6-5.8: a -998 task with a few pages gets 1, not a negative sum */
	static const struct row old[] = {
		{ 20, "java", 5000, 0, 4 * PAGE, 0, NULL, OOM_SKIP_NONE, false, 0, 0 },
		{ 21, "tini", 30, 0, PAGE, -998, NULL, OOM_SKIP_NONE, false, 0, 0 },
		{ 22, "exp", 40, 0, PAGE, -998, NULL, OOM_SKIP_NONE, false, 0, 0 },
	};
	struct replay_policy p = { .kind = RP_KERNEL, .name = "kernel" };
	struct oom_event *ev = oom_event__new();
	struct replay_pick r;

	(void)state;
	fill(ev, old, 3, 20);
	ev->source = "kmsg";
	ev->candidates[1].points = 1;
	ev->candidates[2].points = 1;
	assert_int_equal(replay_kernel_formula(ev), RF_PAGES_MIN1);
	r = pick(&p, ev, 20);
	assert_int_equal(r.formula, RF_PAGES_MIN1);
	assert_int_equal(r.points_mismatches, 0);
	assert_int_equal(r.margin, 5004 - 1);
	/* 5.9+: the same rows keep their negative sums */
	fill(ev, old, 3, 20);
	assert_int_equal(replay_kernel_formula(ev), RF_PAGES);
	assert_int_equal(pick(&p, ev, 20).margin, 5004 - (40 + 1 - 998 * 10));
	oom_event__free(ev);
}

static void test_formula_2_6_scaled(void **state)
{
	/* 2.6.36-3.5 (RHEL 6): rss * 1000 / totalpages + adj, within 1..1000 */
	static const struct row old[] = {
		{ 30, "a", 5000, 0, 0, 0, NULL, OOM_SKIP_NONE, false, 0, 0 },
		{ 31, "b", 1000, 0, 0, 600, NULL, OOM_SKIP_NONE, false, 0, 0 },
		{ 32, "c", 100, 0, 0, -500, NULL, OOM_SKIP_NONE, false, 0, 0 },
	};
	struct replay_policy p = { .kind = RP_KERNEL, .name = "kernel" };
	struct oom_event *ev = oom_event__new();
	struct replay_pick r;
	int64_t a = 5000 * 1000 / TOTAL + 0, b = 1000 * 1000 / TOTAL + 600;

	(void)state;
	fill(ev, old, 3, 31);
	ev->source = "kmsg";
	for (size_t i = 0; i < 3; i++) {
		ev->candidates[i].has &= ~(TASK_HAS_SWAP | TASK_HAS_PGTABLES);
		ev->candidates[i].has |= TASK_POINTS_ESTIMATED;
	}
	ev->candidates[0].points = a;
	ev->candidates[1].points = b;
	ev->candidates[2].points = 1;	/* 10 - 500 clamped */
	assert_int_equal(replay_kernel_formula(ev), RF_SCALED);
	r = pick(&p, ev, 31);
	assert_int_equal(ev->candidates[r.idx].pid, 31);
	assert_int_equal(r.score, b);
	assert_int_equal(r.margin, b - a);
	assert_int_equal(r.points_mismatches, 0);
	/* above 1000 it stays 1000 */
	ev->candidates[0].oom_score_adj = 900;
	r = pick(&p, ev, 31);
	assert_int_equal(ev->candidates[r.idx].pid, 30);
	assert_int_equal(r.score, 1000);
	oom_event__free(ev);
}

/* ---- exact sums through JSON ---------------------------------------------- */

static void test_precise_round_trip(void **state)
{
	struct oom_event *ev = oom_event__new(), *back = oom_event__new();
	struct record_strings rs;
	struct jr_doc d;
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f;

	(void)state;
	fill(ev, rows, 2, 2);
	ev->mode = "fentry";
	ev->time_ns = 1764900000ull * 1000000000ull;
	ev->candidates[1].has &= ~TASK_HAS_RSS_PRECISE;
	f = open_memstream(&buf, &len);
	render_event_json(f, ev);
	fclose(f);
	assert_non_null(strstr(buf, "\"rss_pages_precise\":900,\"swap_pages_precise\":0"));
	assert_int_equal(jr_doc__init(&d, 4096), 0);
	assert_int_equal(jr_parse(&d, buf, len - 1), 0);
	assert_int_equal(record_decode_event(&d, back, &rs), 0);
	assert_true(back->candidates[0].has & TASK_HAS_RSS_PRECISE);
	assert_int_equal(back->candidates[0].rss_precise_pages, 900);
	assert_false(back->candidates[1].has & TASK_HAS_RSS_PRECISE);
	/* the writer puts both or neither: one alone is not ours */
	p = strstr(buf, ",\"swap_pages_precise\":0");
	memmove(p, p + strlen(",\"swap_pages_precise\":0"), strlen(p + 23) + 1);
	assert_int_equal(jr_parse(&d, buf, strlen(buf) - 1), 0);
	assert_int_equal(record_decode_event(&d, back, &rs), -EINVAL);
	jr_doc__free(&d);
	free(buf);
	oom_event__free(ev);
	oom_event__free(back);
}

static void test_json_line(void **state)
{
	struct replay_policy ps[2] = {
		{ .kind = RP_KERNEL, .name = "kernel" },
		{ .kind = RP_NO_ADJ, .name = "no-adj" },
	};
	struct replay_pick picks[2];
	struct replay_summary s;
	struct replay_ctx cx = { 0 };
	struct oom_event *ev = oom_event__new();
	const char *crit[] = { "db.service" };
	struct jr_doc d;
	char *buf = NULL;
	size_t len = 0;
	int pol, k, n;
	FILE *f;

	(void)state;
	fill(ev, rows, 5, 2);
	assert_int_equal(replay_summary__init(&s, ps, 2, crit, 1), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(replay_pick(&cx, &ps[i], ev, 2, &picks[i]), 0);
	replay_summary__add(&s, ev, 2, picks);
	f = open_memstream(&buf, &len);
	replay_render_json(f, &s, ev, 2, picks);
	fclose(f);
	assert_int_equal(jr_doc__init(&d, 256), 0);
	assert_int_equal(jr_parse(&d, buf, len - 1), 0);
	assert_int_equal(jr_get_i64(&d, 0, "recorded_pid", &(int64_t){ 0 }), 0);
	pol = jr_member(&d, 0, "policies");
	assert_true(pol > 0);
	k = jr_member(&d, pol, "kernel");
	assert_true(jr_get_str_is(&d, k, "comm", "B"));
	assert_true(jr_is(&d, jr_member(&d, k, "reproduced"), JR_TRUE));
	n = jr_member(&d, pol, "no-adj");
	assert_true(jr_get_str_is(&d, n, "comm", "D"));
	assert_true(jr_is(&d, jr_member(&d, n, "critical"), JR_TRUE));	/* adj -1000 */
	/* the summary: no-adj differs once and kills a critical task */
	assert_int_equal(s.ps[0].differ, 0);
	assert_int_equal(s.ps[1].differ, 1);
	assert_int_equal(s.ps[1].critical, 1);
	assert_int_equal(s.ps[1].freed_kb, 5000 * 4);
	assert_int_equal(s.ps[1].recorded_freed_kb, 700 * 4);
	assert_int_equal(s.disagree, 1);
	/* --critical UNIT */
	snprintf(ev->candidates[1].cgroup, OOM_PATH_MAX, "/system.slice/db.service");
	assert_true(replay_is_critical(&s, &ev->candidates[1]));
	assert_false(replay_is_critical(&s, &ev->candidates[0]));
	jr_doc__free(&d);
	free(buf);
	replay_ctx__free(&cx);
	replay_summary__free(&s);
	oom_event__free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expr_values),
		cmocka_unit_test(test_expr_fields_used),
		cmocka_unit_test(test_expr_runtime_errors),
		cmocka_unit_test(test_expr_errors_name_the_column),
		cmocka_unit_test(test_expr_node_bound),
		cmocka_unit_test(test_policy_kernel_reproduces),
		cmocka_unit_test(test_policy_no_adj),
		cmocka_unit_test(test_policy_precise_rss),
		cmocka_unit_test(test_policy_largest_memcg),
		cmocka_unit_test(test_policy_protect),
		cmocka_unit_test(test_policy_expr),
		cmocka_unit_test(test_ties_go_to_the_recorded_victim),
		cmocka_unit_test(test_skips),
		cmocka_unit_test(test_formula_pre_5_9_clamp),
		cmocka_unit_test(test_formula_2_6_scaled),
		cmocka_unit_test(test_precise_round_trip),
		cmocka_unit_test(test_json_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
