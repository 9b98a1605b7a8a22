/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `oomtrace replay`: which task each victim-selection policy would have
 * killed in a recorded OOM, from the candidate table's inputs alone.
 *
 * Only an OOM whose whole candidate table was kept (record/trace/parse with
 * -k 0) can be replayed: with the table cut, a policy could prefer a task
 * that was never written down. Every policy picks among the same eligible
 * tasks the kernel weighed (oom_badness() did not skip them; no-adj also
 * takes the oom_score_adj -1000 ones, since their exemption is adj's doing).
 * A policy that lacks an input for one eligible candidate does not guess:
 * the OOM is "unavailable" for it, with the reason.
 */
#ifndef OOMTRACE_REPLAY_POLICY_H
#define OOMTRACE_REPLAY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "replay_expr.h"

enum replay_kind {
	RP_KERNEL,		/* the formula of the kernel that produced the event */
	RP_PRECISE_RSS,		/* exact per-CPU rss/swap sums in place of the counters */
	RP_NO_ADJ,		/* oom_score_adj ignored */
	RP_LARGEST_MEMCG,	/* the domain's largest child memcg, then its top task */
	RP_PROTECT,		/* memory.oom.protect-style per-cgroup protection */
	RP_EXPR,		/* the user's formula */
};

/*
 * oom_badness()'s end by kernel era. The event does not name its kernel:
 * a kernel-log event whose rows have an rss but no swap or page tables
 * comes from a 2.6.36-3.5 table (RHEL 6 too) and is scaled; otherwise
 * pages, clamped to at least 1 (3.6-5.8) when a recorded row shows the
 * clamp (points 1 where the sum is below 1), else unclamped (5.9+, every
 * kernel oomtrace traces live).
 */
enum replay_formula {
	RF_PAGES,		/* 5.9+: rss + swap + pgtables + adj * totalpages/1000 */
	RF_PAGES_MIN1,		/* 3.6-5.8: the same, at least 1 */
	RF_SCALED,		/* 2.6.36-3.5: rss * 1000 / totalpages + adj, 1..1000 */
	RF_N,
};

/* Why an OOM cannot be replayed at all. */
enum replay_skip {
	RSK_NONE = 0,
	RSK_NO_TABLE,		/* no candidate table in the event */
	RSK_CUT,		/* candidates kept < candidates_total (not -k 0) */
	RSK_NO_VICTIM,		/* the event names no victim to compare with */
	RSK_N,
};

/* Why one policy has no answer for one OOM. */
enum replay_unavail {
	RU_NONE = 0,
	RU_NO_PRECISE,		/* an eligible candidate has no exact rss/swap sums */
	RU_NO_CGROUP,		/* an eligible candidate has no cgroup (largest-memcg, protect) */
	RU_OUTSIDE_DOMAIN,	/* a candidate's cgroup is not under the OOM domain */
	RU_INPUTS,		/* an eligible candidate lacks rss, swap, page tables or adj,
				 * or the event its totalpages */
	RU_FIELD,		/* expr: a field it uses is not in the event (field says which) */
	RU_EVAL,		/* expr: division by zero or overflow */
	RU_NO_ELIGIBLE,		/* nobody the policy may kill */
	RU_N,
};

struct replay_protect {
	const char *cgroup;	/* path as in the events, no trailing '/' */
	uint64_t bytes;
};

struct replay_policy {
	enum replay_kind kind;
	const char *name;		/* as the user wrote it: "kernel", "expr:rss*2" */
	const struct replay_expr *expr;	/* RP_EXPR */
	const struct replay_protect *protect;	/* RP_PROTECT */
	size_t n_protect;
};

struct replay_pick {
	enum replay_unavail unavail;
	enum rx_field field;		/* RU_FIELD */
	size_t idx;			/* the pick: index into ev->candidates */
	int64_t score;			/* its score under the policy */
	bool has_margin;		/* another candidate (group) was eligible */
	int64_t margin;			/* score over the runner-up (0 on a tie) */
	size_t runner_up;		/* index of the runner-up task (has_margin) */
	bool tie;			/* the runner-up scored the same */
	uint64_t freed_kb;		/* the pick's rss + swap */
	bool has_rec_score;		/* the recorded victim is eligible here: */
	int64_t rec_score;		/* its score (largest-memcg: its group's usage) */
	/* precise-rss: the largest |exact - approximate| rss + swap of an eligible candidate */
	uint64_t counter_error_kb;
	/* kernel only */
	enum replay_formula formula;
	uint64_t points_mismatches;	/* rows whose recorded points differ from ours */
};

/* Scratch space reused for every OOM (grows to the largest table seen). */
struct replay_ctx {
	int64_t *scores;
	unsigned char *ok;
	struct replay_group *groups;
	size_t cap;
};

void replay_ctx__free(struct replay_ctx *cx);

/*
 * Can ev be replayed? RSK_NONE with *ret_pid the recorded victim (the
 * victim, else the chosen pid), or why not.
 */
enum replay_skip replay_check_event(const struct oom_event *ev, int32_t *ret_pid);
enum replay_formula replay_kernel_formula(const struct oom_event *ev);
/*
 * The pick of policy p in ev (checked by replay_check_event). Ties go to
 * the recorded victim (the kernel breaks them by its task-list order, which
 * the event does not keep), else to the earlier row. 0, or -ENOMEM.
 */
int replay_pick(struct replay_ctx *cx, const struct replay_policy *p,
		const struct oom_event *ev, int32_t recorded_pid, struct replay_pick *ret);

/* A task's rss (the split's sum when whole) and rss + swap in kB. */
bool replay_task_rss(const struct oom_task *t, uint64_t *ret_pages);
uint64_t replay_freed_kb(const struct oom_event *ev, const struct oom_task *t);

const char *replay_skip__name(enum replay_skip s);
const char *replay_unavail__name(enum replay_unavail u);
const char *replay_formula__name(enum replay_formula f);
/* "kernel", "no-adj", ...; NULL if name is no built-in (expr: is parsed apart). */
int replay_kind_of(const char *name, enum replay_kind *ret);

#endif
