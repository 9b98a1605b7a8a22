// SPDX-License-Identifier: GPL-2.0
/* Per-policy counts of a replay (replay_summary.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_names.h"
#include "replay_summary.h"

int replay_summary__init(struct replay_summary *s, const struct replay_policy *policies,
			 size_t n, const char *const *critical_units, size_t n_critical)
{
	memset(s, 0, sizeof(*s));
	s->ps = calloc(n ? n : 1, sizeof(*s->ps));
	if (!s->ps)
		return -ENOMEM;
	s->policies = policies;
	s->n = n;
	s->critical_units = critical_units;
	s->n_critical = n_critical;
	return 0;
}

void replay_summary__free(struct replay_summary *s)
{
	free(s->ps);
	s->ps = NULL;
}

bool replay_is_critical(const struct replay_summary *s, const struct oom_task *t)
{
	struct cgroup_origin o;

	if ((t->has & TASK_HAS_ADJ) && t->oom_score_adj <= REPLAY_CRITICAL_ADJ)
		return true;
	if (!s->n_critical || !(t->has & TASK_HAS_CGROUP))
		return false;
	cgroup_origin_from_path(t->cgroup, &o);
	for (size_t i = 0; i < s->n_critical && o.unit[0]; i++)
		if (!strcmp(o.unit, s->critical_units[i]))
			return true;
	return false;
}

const struct oom_task *replay_recorded_task(const struct oom_event *ev, int32_t pid)
{
	for (size_t i = 0; i < ev->n_candidates; i++)
		if (ev->candidates[i].pid == pid)
			return &ev->candidates[i];
	return &ev->victim;
}

bool replay_disagrees(const struct oom_event *ev, int32_t rec_pid,
		      const struct replay_pick *picks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!picks[i].unavail && ev->candidates[picks[i].idx].pid != rec_pid)
			return true;
	return false;
}

void replay_summary__skip(struct replay_summary *s, enum replay_skip why)
{
	s->ooms++;
	s->skipped[why < RSK_N ? why : RSK_NO_TABLE]++;
}

void replay_summary__add(struct replay_summary *s, const struct oom_event *ev, int32_t rec_pid,
			 const struct replay_pick *picks)
{
	const struct oom_task *rec = replay_recorded_task(ev, rec_pid);
	uint64_t rec_freed = replay_freed_kb(ev, rec);
	bool rec_critical = replay_is_critical(s, rec);

	s->ooms++;
	s->replayed++;
	s->disagree += replay_disagrees(ev, rec_pid, picks, s->n);
	for (size_t i = 0; i < s->n; i++) {
		struct replay_policy_stats *st = &s->ps[i];
		const struct replay_pick *r = &picks[i];
		const struct oom_task *t;

		if (s->policies[i].kind == RP_KERNEL) {
			st->formula[r->formula < RF_N ? r->formula : RF_PAGES]++;
			st->points_mismatch_ooms += r->points_mismatches > 0;
		}
		if (r->unavail) {
			st->unavail[r->unavail < RU_N ? r->unavail : RU_INPUTS]++;
			if (r->unavail == RU_FIELD && r->field < RX_N_FIELDS)
				st->field[r->field]++;
			continue;
		}
		t = &ev->candidates[r->idx];
		st->replayed++;
		if (t->pid != rec_pid) {
			st->differ++;
			if (s->policies[i].kind == RP_KERNEL && !st->first_mismatch_seq)
				st->first_mismatch_seq = ev->seq;
		}
		st->ties += r->tie;
		if (r->counter_error_kb > st->counter_error_kb)
			st->counter_error_kb = r->counter_error_kb;
		st->freed_kb += r->freed_kb;
		st->recorded_freed_kb += rec_freed;
		st->critical += replay_is_critical(s, t);
		st->recorded_critical += rec_critical;
	}
}
