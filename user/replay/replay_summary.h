/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counts over a replay, per policy: how many OOMs it could replay, how many
 * picked another victim than the recorded one, the memory its kills would
 * free against the recorded kills', and how often it would have killed a
 * critical task (oom_score_adj <= -900, or a systemd unit named by
 * --critical). Constant size: nothing grows with the number of OOMs.
 */
#ifndef OOMTRACE_REPLAY_SUMMARY_H
#define OOMTRACE_REPLAY_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay_policy.h"

#define REPLAY_CRITICAL_ADJ (-900)

struct replay_policy_stats {
	uint64_t replayed;		/* OOMs this policy picked a victim in */
	uint64_t differ;		/* ... another than the recorded victim */
	uint64_t ties;			/* ... with the runner-up scoring the same */
	uint64_t unavail[RU_N];
	uint64_t field[RX_N_FIELDS];	/* RU_FIELD, by the field missing */
	uint64_t freed_kb, recorded_freed_kb;	/* over the replayed OOMs */
	uint64_t critical, recorded_critical;	/* over the replayed OOMs */
	uint64_t counter_error_kb;	/* precise-rss: the largest of any OOM */
	/* kernel only */
	uint64_t points_mismatch_ooms;	/* OOMs with rows whose points differ */
	uint64_t formula[RF_N];
	uint64_t first_mismatch_seq;	/* first OOM not reproduced, 0 = none */
};

struct replay_summary {
	uint64_t ooms;			/* oom_kill events read */
	uint64_t replayed;		/* ... with a full table and a victim */
	uint64_t skipped[RSK_N];
	uint64_t disagree;		/* replayed OOMs where a pick differs from the record */
	uint64_t files, bad_lines;	/* lines that are no event of ours */
	const struct replay_policy *policies;
	size_t n;
	struct replay_policy_stats *ps;
	const char *const *critical_units;	/* --critical */
	size_t n_critical;
};

/* 0 or -ENOMEM. */
int replay_summary__init(struct replay_summary *s, const struct replay_policy *policies,
			 size_t n, const char *const *critical_units, size_t n_critical);
void replay_summary__free(struct replay_summary *s);
/* Is t critical: oom_score_adj <= -900, or in a --critical unit? */
bool replay_is_critical(const struct replay_summary *s, const struct oom_task *t);
/* The recorded victim's row (its candidate row, else the event's victim). */
const struct oom_task *replay_recorded_task(const struct oom_event *ev, int32_t pid);
/* Does any pick differ from the recorded victim? */
bool replay_disagrees(const struct oom_event *ev, int32_t rec_pid,
		      const struct replay_pick *picks, size_t n);
void replay_summary__skip(struct replay_summary *s, enum replay_skip why);
/* One replayed OOM: picks[i] is policies[i]'s. */
void replay_summary__add(struct replay_summary *s, const struct oom_event *ev, int32_t rec_pid,
			 const struct replay_pick *picks);

#endif
