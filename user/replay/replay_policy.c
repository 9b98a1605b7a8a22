// SPDX-License-Identifier: GPL-2.0
/*
 * The replay policies: a score per eligible candidate, then the highest.
 * Definitions (README, replay section, says the same for users):
 *
 *   kernel         oom_badness() of the event's kernel era (replay_kernel_formula)
 *   precise-rss    the same with the exact per-CPU rss and swap sums
 *   no-adj         the same with oom_score_adj 0, -1000 tasks included
 *   largest-memcg  the OOM domain's child cgroup (or a task directly in the
 *                  domain, on its own) with the largest usage, the sum of its
 *                  candidates' rss + swap + page tables; in it, the task with
 *                  the highest kernel score. Score: the group's usage.
 *   protect        the kernel formula with each task's memory reduced by its
 *                  share of its cgroup's protection: a task in the deepest
 *                  --protect cgroup C above it, using m of the usage U of C's
 *                  candidates, counts m - m * min(size, U) / U
 *   expr:EXPR      the user's formula (replay_expr.h)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay_policy.h"
#include "sat_math.h"

struct replay_group {
	const char *key;	/* the child cgroup's path, NULL: a task in the domain itself */
	size_t klen;
	size_t idx;
};

#define RSS_SPLIT (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM)

static bool has_bits(const struct oom_task *t, uint32_t bits)
{
	return (t->has & TASK_HAS_MEM) || (t->has & bits) == bits;
}

static uint32_t page_size(const struct oom_event *ev)
{
	return ev->page_size ? ev->page_size : 4096;
}

bool replay_task_rss(const struct oom_task *t, uint64_t *ret_pages)
{
	if (has_bits(t, RSS_SPLIT)) {
		*ret_pages = t->rss_anon_pages + t->rss_file_pages + t->rss_shmem_pages;
		return true;
	}
	if (t->has & TASK_HAS_RSS) {
		*ret_pages = t->rss_pages;
		return true;
	}
	return false;
}

uint64_t replay_freed_kb(const struct oom_event *ev, const struct oom_task *t)
{
	uint64_t rss = 0;

	replay_task_rss(t, &rss);
	if (has_bits(t, TASK_HAS_SWAP))
		rss += t->swap_pages;
	return rss * (page_size(ev) / 1024);
}

void replay_ctx__free(struct replay_ctx *cx)
{
	free(cx->scores);
	free(cx->ok);
	free(cx->groups);
	memset(cx, 0, sizeof(*cx));
}

static int ctx_reserve(struct replay_ctx *cx, size_t n)
{
	int64_t *s;
	unsigned char *ok;
	struct replay_group *g;

	if (n <= cx->cap)
		return 0;
	s = realloc(cx->scores, n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	cx->scores = s;
	ok = realloc(cx->ok, n);
	if (!ok)
		return -ENOMEM;
	cx->ok = ok;
	g = realloc(cx->groups, n * sizeof(*g));
	if (!g)
		return -ENOMEM;
	cx->groups = g;
	cx->cap = n;
	return 0;
}

enum replay_skip replay_check_event(const struct oom_event *ev, int32_t *ret_pid)
{
	if (!(ev->has & EV_HAS_CANDIDATES) || !ev->n_candidates)
		return RSK_NO_TABLE;
	if (ev->n_candidates != ev->candidates_total)
		return RSK_CUT;
	if ((ev->has & EV_HAS_VICTIM) && (ev->victim.has & TASK_HAS_PID))
		*ret_pid = ev->victim.pid;
	else if (ev->has & EV_HAS_CHOSEN)
		*ret_pid = ev->chosen_pid;
	else
		return RSK_NO_VICTIM;
	return RSK_NONE;
}

/* The inputs of one candidate's oom_badness(). */
struct inputs {
	uint64_t rss, swap, pgtables;	/* pages (pgtables: bytes / page size) */
	int32_t adj;
};

static enum replay_unavail task_inputs(const struct oom_event *ev, const struct oom_task *t,
				       enum replay_formula f, bool precise, struct inputs *in)
{
	memset(in, 0, sizeof(*in));
	if (precise) {
		if (!(t->has & TASK_HAS_RSS_PRECISE))
			return RU_NO_PRECISE;
		in->rss = t->rss_precise_pages;
		in->swap = t->swap_precise_pages;
	} else {
		if (!replay_task_rss(t, &in->rss))
			return RU_INPUTS;
		if (has_bits(t, TASK_HAS_SWAP))
			in->swap = t->swap_pages;
		else if (f != RF_SCALED)
			return RU_INPUTS;
	}
	if (has_bits(t, TASK_HAS_PGTABLES))
		in->pgtables = t->pgtables_bytes / page_size(ev);
	else if (f != RF_SCALED)
		return RU_INPUTS;
	if (!(t->has & TASK_HAS_ADJ))
		return RU_INPUTS;
	in->adj = t->oom_score_adj;
	return RU_NONE;
}

/* The memory oom_badness() counts: a 2.6-era table shows only the rss. */
static uint64_t mem_pages(enum replay_formula f, const struct inputs *in)
{
	return f == RF_SCALED ? in->rss : in->rss + in->swap + in->pgtables;
}

/* oom_badness()'s end for memory mem and oom_score_adj adj. */
static enum replay_unavail badness(const struct oom_event *ev, enum replay_formula f,
				   uint64_t mem, int32_t adj, int64_t *ret)
{
	bool has_total = (ev->has & EV_HAS_TOTALPAGES) && ev->totalpages;
	int64_t pts;

	if (mem > INT64_MAX / 1000)
		return RU_INPUTS;	/* no kernel counts that much */
	if (f == RF_SCALED) {
		if (!has_total)
			return RU_INPUTS;
		pts = (int64_t)(mem * 1000 / ev->totalpages) + adj;
		*ret = pts <= 0 ? 1 : pts > 1000 ? 1000 : pts;
		return RU_NONE;
	}
	if (adj && !has_total)
		return RU_INPUTS;
	pts = (int64_t)mem + (adj ? oom_points_adj_part(adj, ev->totalpages) : 0);
	if (f == RF_PAGES_MIN1 && pts < 1)
		pts = 1;
	*ret = pts;
	return RU_NONE;
}

static bool is_kmsg(const struct oom_event *ev)
{
	return ev->source && !strcmp(ev->source, "kmsg");
}

enum replay_formula replay_kernel_formula(const struct oom_event *ev)
{
	bool any_rss = false, any_parts = false, clamp = false, raw = false;

	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *t = &ev->candidates[i];
		uint64_t rss;

		any_rss |= replay_task_rss(t, &rss);
		any_parts |= has_bits(t, TASK_HAS_SWAP) || has_bits(t, TASK_HAS_PGTABLES);
	}
	if (is_kmsg(ev) && any_rss && !any_parts)
		return RF_SCALED;
	/* the clamp shows only in a row whose sum is below 1 */
	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *t = &ev->candidates[i];
		struct inputs in;
		int64_t pts;

		if (t->skip != OOM_SKIP_NONE || !(t->has & TASK_HAS_POINTS) ||
		    task_inputs(ev, t, RF_PAGES, false, &in) ||
		    badness(ev, RF_PAGES, mem_pages(RF_PAGES, &in), in.adj, &pts) || pts >= 1)
			continue;
		if (t->points == pts)
			raw = true;
		else if (t->points == 1)
			clamp = true;
	}
	return clamp && !raw ? RF_PAGES_MIN1 : RF_PAGES;
}

static bool eligible(const struct replay_policy *p, const struct oom_task *t)
{
	return t->skip == OOM_SKIP_NONE || (p->kind == RP_NO_ADJ && t->skip == OOM_SKIP_ADJ_MIN);
}

/* path is prefix or below it (prefix "/" holds everything) */
static bool is_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return path[0] == '/';
	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

/* The deepest --protect entry above t, or NULL. */
static const struct replay_protect *protect_of(const struct replay_policy *p,
					       const struct oom_task *t)
{
	const struct replay_protect *best = NULL;

	for (size_t j = 0; j < p->n_protect; j++)
		if (is_under(t->cgroup, p->protect[j].cgroup) &&
		    (!best || strlen(p->protect[j].cgroup) > strlen(best->cgroup)))
			best = &p->protect[j];
	return best;
}

/* Usage of the candidates under pr: the sum of their counted memory. */
static uint64_t protect_usage(const struct oom_event *ev, enum replay_formula f,
			      const struct replay_protect *pr)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *t = &ev->candidates[i];
		struct inputs in;

		if ((t->has & TASK_HAS_CGROUP) && is_under(t->cgroup, pr->cgroup) &&
		    !task_inputs(ev, t, f, false, &in))
			sum += mem_pages(f, &in);
	}
	return sum;
}

static enum replay_unavail protect_score(const struct replay_policy *p,
					 const struct oom_event *ev, enum replay_formula f,
					 const struct oom_task *t, int64_t *ret)
{
	const struct replay_protect *pr;
	struct inputs in;
	enum replay_unavail u;
	uint64_t mem;

	if (!(t->has & TASK_HAS_CGROUP))
		return RU_NO_CGROUP;
	if ((u = task_inputs(ev, t, f, false, &in)))
		return u;
	mem = mem_pages(f, &in);
	pr = protect_of(p, t);
	if (pr) {
		uint64_t usage = protect_usage(ev, f, pr);
		uint64_t prot = pr->bytes / page_size(ev);

		if (prot > usage)
			prot = usage;
		if (usage)
			mem -= (uint64_t)((unsigned __int128)mem * prot / usage);
	}
	return badness(ev, f, mem, in.adj, ret);
}

static enum replay_unavail expr_score(const struct replay_policy *p, const struct oom_event *ev,
				      const struct oom_task *t, enum rx_field *ret_field,
				      int64_t *ret)
{
	int64_t vals[RX_N_FIELDS] = { 0 };
	uint32_t used = p->expr->fields;
	uint64_t rss = 0;

	/* never recorded: the kernel's OOM path does not look at them */
	for (int f = RX_CGROUP_USAGE; f <= RX_AGE_S; f++) {
		if (used & (1u << f)) {
			*ret_field = f;
			return RU_FIELD;
		}
	}
	if ((used & (1u << RX_RSS)) && !replay_task_rss(t, &rss)) {
		*ret_field = RX_RSS;
		return RU_FIELD;
	}
	if ((used & (1u << RX_SWAP)) && !has_bits(t, TASK_HAS_SWAP)) {
		*ret_field = RX_SWAP;
		return RU_FIELD;
	}
	if ((used & (1u << RX_PGTABLES)) && !has_bits(t, TASK_HAS_PGTABLES)) {
		*ret_field = RX_PGTABLES;
		return RU_FIELD;
	}
	if ((used & (1u << RX_ADJ)) && !(t->has & TASK_HAS_ADJ)) {
		*ret_field = RX_ADJ;
		return RU_FIELD;
	}
	if ((used & (1u << RX_TOTALPAGES)) && !(ev->has & EV_HAS_TOTALPAGES)) {
		*ret_field = RX_TOTALPAGES;
		return RU_FIELD;
	}
	if (used & (1u << RX_RSS))
		vals[RX_RSS] = rss > INT64_MAX ? INT64_MAX : (int64_t)rss;
	vals[RX_SWAP] = t->swap_pages > INT64_MAX ? INT64_MAX : (int64_t)t->swap_pages;
	vals[RX_PGTABLES] = (int64_t)(t->pgtables_bytes / page_size(ev));
	vals[RX_ADJ] = t->oom_score_adj;
	vals[RX_TOTALPAGES] = ev->totalpages > INT64_MAX ? INT64_MAX : (int64_t)ev->totalpages;
	return replay_expr_eval(p->expr, vals, ret) ? RU_EVAL : RU_NONE;
}

/* Is candidate i a better pick than the current best b (-1: none yet)? */
static bool better(const struct oom_event *ev, int64_t si, size_t i, int64_t sb, long b,
		   int32_t rec_pid)
{
	if (b < 0 || si > sb)
		return true;
	return si == sb && ev->candidates[i].pid == rec_pid && ev->candidates[b].pid != rec_pid;
}

/* The best and the runner-up among cx->ok; false if nobody is eligible. */
static bool pick_best(struct replay_ctx *cx, const struct oom_event *ev, int32_t rec_pid,
		      struct replay_pick *r)
{
	long b = -1, s = -1;

	for (size_t i = 0; i < ev->n_candidates; i++)
		if (cx->ok[i] && better(ev, cx->scores[i], i, b < 0 ? 0 : cx->scores[b], b, rec_pid))
			b = (long)i;
	if (b < 0)
		return false;
	for (size_t i = 0; i < ev->n_candidates; i++)
		if (cx->ok[i] && (long)i != b && (s < 0 || cx->scores[i] > cx->scores[s]))
			s = (long)i;
	r->idx = (size_t)b;
	r->score = cx->scores[b];
	if (s >= 0) {
		r->has_margin = true;
		r->runner_up = (size_t)s;
		r->margin = sat_sub64(cx->scores[b], cx->scores[s]);
		r->tie = !r->margin;
	}
	return true;
}

/* How far a task's approximate counters are from its exact sums. */
static void note_counter_error(const struct oom_event *ev, const struct oom_task *t,
			       struct replay_pick *r)
{
	uint64_t rss = 0, approx, exact, err_kb;

	replay_task_rss(t, &rss);
	approx = rss + (has_bits(t, TASK_HAS_SWAP) ? t->swap_pages : 0);
	exact = t->rss_precise_pages + t->swap_precise_pages;
	err_kb = (approx > exact ? approx - exact : exact - approx) * (page_size(ev) / 1024);
	if (err_kb > r->counter_error_kb)
		r->counter_error_kb = err_kb;
}

/* Scores of every eligible candidate under a per-task policy. */
static enum replay_unavail score_tasks(struct replay_ctx *cx, const struct replay_policy *p,
				       const struct oom_event *ev, enum replay_formula f,
				       struct replay_pick *r)
{
	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *t = &ev->candidates[i];
		enum replay_unavail u = RU_NONE;
		struct inputs in;
		int64_t *sc = &cx->scores[i];

		cx->ok[i] = eligible(p, t);
		if (!cx->ok[i])
			continue;
		switch (p->kind) {
		case RP_KERNEL:
		case RP_PRECISE_RSS:
		case RP_NO_ADJ:
		case RP_LARGEST_MEMCG:
			u = task_inputs(ev, t, f, p->kind == RP_PRECISE_RSS, &in);
			if (!u)
				u = badness(ev, f, mem_pages(f, &in),
					    p->kind == RP_NO_ADJ ? 0 : in.adj, sc);
			break;
		case RP_PROTECT:
			u = protect_score(p, ev, f, t, sc);
			break;
		case RP_EXPR:
			u = expr_score(p, ev, t, &r->field, sc);
			break;
		}
		if (u)
			return u;
		if (p->kind == RP_KERNEL && (t->has & TASK_HAS_POINTS) && t->points != *sc)
			r->points_mismatches++;
		if (p->kind == RP_PRECISE_RSS)
			note_counter_error(ev, t, r);
	}
	return RU_NONE;
}

static int group_cmp(const void *a, const void *b)
{
	const struct replay_group *x = a, *y = b;
	int c;

	if (!x->key || !y->key) {
		if (x->key != y->key)
			return x->key ? -1 : 1;
		return x->idx < y->idx ? -1 : x->idx > y->idx;
	}
	c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);
	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool same_group(const struct replay_group *x, const struct replay_group *y)
{
	return x->key && y->key && x->klen == y->klen && !memcmp(x->key, y->key, x->klen);
}

/*
 * largest-memcg: task scores are the kernel's (already in cx); group the
 * candidates by the domain's child cgroup they are in.
 */
static enum replay_unavail largest_memcg(struct replay_ctx *cx, const struct oom_event *ev,
					 enum replay_formula f, int32_t rec_pid,
					 struct replay_pick *r)
{
	const char *domain = (ev->has & EV_HAS_MEMCG) && ev->memcg[0] ? ev->memcg : "/";
	size_t dlen = strlen(domain), n = 0;
	long best_top = -1, second_top = -1;
	uint64_t best_use = 0, second_use = 0;
	bool best_has_rec = false;

	if (dlen == 1)
		dlen = 0;	/* "/": children start right after the root's slash */
	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *t = &ev->candidates[i];
		struct replay_group *g = &cx->groups[n];
		const char *rest;

		if (!(t->has & TASK_HAS_CGROUP)) {
			if (cx->ok[i])
				return RU_NO_CGROUP;
			continue;	/* not killable: its memory is not counted either */
		}
		if (!is_under(t->cgroup, dlen ? domain : "/")) {
			if (cx->ok[i])
				return RU_OUTSIDE_DOMAIN;
			continue;
		}
		rest = t->cgroup + dlen;
		g->idx = i;
		if (rest[0] != '/' || !rest[1]) {
			g->key = NULL;		/* in the domain itself: on its own */
			g->klen = 0;
		} else {
			const char *slash = strchr(rest + 1, '/');

			g->key = t->cgroup;
			g->klen = slash ? (size_t)(slash - t->cgroup) : strlen(t->cgroup);
		}
		n++;
	}
	qsort(cx->groups, n, sizeof(*cx->groups), group_cmp);
	for (size_t s = 0, e; s < n; s = e) {
		uint64_t use = 0;
		long top = -1;
		bool has_rec = false;

		for (e = s; e < n && (e == s || same_group(&cx->groups[s], &cx->groups[e])); e++) {
			size_t i = cx->groups[e].idx;
			struct inputs in;

			if (!task_inputs(ev, &ev->candidates[i], f, false, &in))
				use += mem_pages(f, &in);
			if (cx->ok[i] && better(ev, cx->scores[i], i, top < 0 ? 0 : cx->scores[top],
						top, rec_pid))
				top = (long)i;
		}
		if (top < 0)
			continue;	/* nobody in it may be killed */
		has_rec = ev->candidates[top].pid == rec_pid;
		for (size_t k = s; k < e && !r->has_rec_score; k++) {
			if (ev->candidates[cx->groups[k].idx].pid == rec_pid &&
			    cx->ok[cx->groups[k].idx]) {
				r->has_rec_score = true;
				r->rec_score = use > INT64_MAX ? INT64_MAX : (int64_t)use;
			}
		}
		if (best_top < 0 || use > best_use || (use == best_use && has_rec && !best_has_rec)) {
			second_top = best_top;
			second_use = best_use;
			best_top = top;
			best_use = use;
			best_has_rec = has_rec;
		} else if (second_top < 0 || use > second_use) {
			second_top = top;
			second_use = use;
		}
	}
	if (best_top < 0)
		return RU_NO_ELIGIBLE;
	r->idx = (size_t)best_top;
	r->score = best_use > INT64_MAX ? INT64_MAX : (int64_t)best_use;
	if (second_top >= 0) {
		r->has_margin = true;
		r->runner_up = (size_t)second_top;
		r->margin = sat_i64(best_use - second_use);
		r->tie = !r->margin;
	}
	return RU_NONE;
}

int replay_pick(struct replay_ctx *cx, const struct replay_policy *p,
		const struct oom_event *ev, int32_t recorded_pid, struct replay_pick *r)
{
	enum replay_formula f = replay_kernel_formula(ev);

	memset(r, 0, sizeof(*r));
	r->formula = f;
	if (ctx_reserve(cx, ev->n_candidates))
		return -ENOMEM;
	r->unavail = score_tasks(cx, p, ev, f, r);
	if (r->unavail)
		return 0;
	if (p->kind == RP_LARGEST_MEMCG) {
		r->unavail = largest_memcg(cx, ev, f, recorded_pid, r);
	} else {
		for (size_t i = 0; i < ev->n_candidates && !r->has_rec_score; i++) {
			if (cx->ok[i] && ev->candidates[i].pid == recorded_pid) {
				r->has_rec_score = true;
				r->rec_score = cx->scores[i];
			}
		}
		if (!pick_best(cx, ev, recorded_pid, r))
			r->unavail = RU_NO_ELIGIBLE;
	}
	if (!r->unavail)
		r->freed_kb = replay_freed_kb(ev, &ev->candidates[r->idx]);
	return 0;
}

const char *replay_skip__name(enum replay_skip s)
{
	static const char *const names[RSK_N] = {
		[RSK_NONE] = "none",
		[RSK_NO_TABLE] = "no_candidate_table",
		[RSK_CUT] = "candidates_cut",
		[RSK_NO_VICTIM] = "no_recorded_victim",
	};
	return (unsigned)s < RSK_N ? names[s] : "?";
}

const char *replay_unavail__name(enum replay_unavail u)
{
	static const char *const names[RU_N] = {
		[RU_NONE] = "none",
		[RU_NO_PRECISE] = "no_precise_inputs",
		[RU_NO_CGROUP] = "no_cgroup",
		[RU_OUTSIDE_DOMAIN] = "cgroup_outside_domain",
		[RU_INPUTS] = "candidate_inputs_missing",
		[RU_FIELD] = "missing_input",
		[RU_EVAL] = "eval_error",
		[RU_NO_ELIGIBLE] = "no_eligible_candidate",
	};
	return (unsigned)u < RU_N ? names[u] : "?";
}

const char *replay_formula__name(enum replay_formula f)
{
	static const char *const names[RF_N] = {
		[RF_PAGES] = "pages",
		[RF_PAGES_MIN1] = "pages_min1",
		[RF_SCALED] = "scaled_1000",
	};
	return (unsigned)f < RF_N ? names[f] : "?";
}

int replay_kind_of(const char *name, enum replay_kind *ret)
{
	static const struct { const char *name; enum replay_kind kind; } kinds[] = {
		{ "kernel", RP_KERNEL }, { "precise-rss", RP_PRECISE_RSS },
		{ "no-adj", RP_NO_ADJ }, { "largest-memcg", RP_LARGEST_MEMCG },
		{ "protect", RP_PROTECT },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(name, kinds[i].name)) {
			*ret = kinds[i].kind;
			return 0;
		}
	}
	return -ENOENT;
}
