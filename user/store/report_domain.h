/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `oomtrace report`'s summary of domain_memory: how many OOMs happened with
 * over half of the domain unkillable (memory no kill of a candidate frees),
 * by the part that held the most of it, and the domains whose unkillable
 * share grew from their first OOM to their last. And of run_up: how many
 * OOMs came after a second or more at the domain's limit, or of reclaim stall.
 */
#ifndef OOMTRACE_REPORT_DOMAIN_H
#define OOMTRACE_REPORT_DOMAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

/* One OOM domain's unkillable share, per mille of usage, at its first and last OOM. */
struct report_domain_share {
	char *domain;
	uint64_t events;
	uint32_t first_pm, last_pm;
};

struct report_domain_mem {
	uint64_t events;	/* with unkillable_kb and usage_kb */
	uint64_t mostly;	/* of them: over half unkillable */
	/* of those, by the largest named part (shmem, slab, kernel, page cache) or none */
	uint64_t mostly_by_part[DM__COUNT - DM_FIRST_UNK_PART + 1];
	struct report_domain_share *shares;
	size_t n_shares, cap_shares;
	/* run_up: OOMs with its reclaim numbers, and of them those whose
	 * domain was at its limit, or stalled in reclaim, a second or more
	 * (RUN_UP_VERDICT_MS) before the kill; the longest time at the limit */
	uint64_t ru_events, ru_long_at_limit, ru_long_stall;
	uint64_t ru_longest_ms;
	char *ru_longest_domain;
};

/* An event, in the order read; 0 or -ENOMEM. domain: its name in the report. */
int report_domain__add(struct report_domain_mem *r, const struct oom_event *ev,
		       const char *domain);
void report_domain__free(struct report_domain_mem *r);
/* Nothing when no event had domain_memory, nor run_up. */
void report_domain__print_text(FILE *out, const struct report_domain_mem *r);
struct json_writer;
/* "domain_memory":{...},"run_up":{...} (run_up only when an event had it) */
void report_domain__print_json(struct json_writer *w, const struct report_domain_mem *r);

#endif
