/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Summaries of recorded events for `oomtrace report`: kills per OOM domain
 * and per victim command, a timeline, repeated victims, the largest ones,
 * how often a task protected with oom_score_adj -1000 was near the top,
 * and what the recorder's own records say about completeness. Fed one
 * decoded record at a time; printed as text or as one JSON object.
 */
#ifndef OOMTRACE_REPORT_STATS_H
#define OOMTRACE_REPORT_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "jsonl_reader.h"
#include "report_domain.h"

#define REPORT_TOP 10		/* rows per table in text output */
#define REPORT_NEAR_TOP 3	/* "near the top": among the first 3 by memory */

/* Counts by a string key (a growable hash table). */
struct tally_entry {
	char *key;
	uint64_t count;
	uint64_t first_ns, last_ns;	/* when seen first and last */
	uint64_t max;			/* largest value seen with it (rss kB) */
};

struct tally {
	struct tally_entry *e;
	size_t n, cap;
};

/* A victim worth listing among the largest. */
struct report_victim {
	uint64_t seq, time_ns, rss_kb;
	int32_t pid;
	char comm[OOM_COMM_MAX];
	char domain[OOM_PATH_MAX];
};

struct report_stats {
	/* input */
	uint64_t files, records, bad_lines, torn_lines, too_long, unknown_types;
	uint64_t outside_range;		/* --since/--until */
	uint64_t outside_range_time_unknown;	/* of them: no time to compare */
	/* events; first_ns and last_ns of those with a time */
	uint64_t events, kills, first_ns, last_ns;
	/* without a wall-clock time (parse of a log with boot-relative or
	 * year-less stamps): in every count, in no timeline bucket */
	uint64_t events_time_unknown, kills_time_unknown;
	struct tally by_domain, by_comm, repeated;	/* repeated: comm + cgroup */
	struct report_victim largest[REPORT_TOP];
	size_t n_largest;
	/* times of every kill with a time, for the timeline */
	uint64_t *kill_times;
	size_t n_kill_times, cap_kill_times;
	/* protected (-1000) tasks */
	uint64_t events_with_candidates, protected_near_top, truncated_candidates;
	struct tally protected_comms;
	/* the recorder's own records */
	uint64_t runs, unclean_runs, lost_records, records_to_stdout, output_gaps;
	int64_t gap_recording, gap_downtime;
	uint64_t reconcile_records;
	/* parsed kernel logs: reports the kernel's rate limit left out */
	uint64_t kernel_suppressed;
	struct report_domain_mem domain_mem;	/* what no kill could free */
	int64_t run_gap;		/* the gap last reported in the current run */
	bool in_run, run_stopped;
};

int report_stats__init(struct report_stats *st);
void report_stats__free(struct report_stats *st);
/* One decoded oom_kill event; 0 or -ENOMEM. */
int report_stats__add_event(struct report_stats *st, const struct oom_event *ev);
/* One of the recorder's own records (start, stop, lost, reconcile, output_gap). */
void report_stats__add_own(struct report_stats *st, int type, const struct jr_doc *d);
/* Close the counts (the last run's gap); call once, before printing. */
void report_stats__finish(struct report_stats *st);
void report_print_text(FILE *out, const struct report_stats *st);
void report_print_json(FILE *out, const struct report_stats *st);
/* Timeline bucket: the smallest of 1m 5m 15m 1h 6h 1d 7d 30d giving at most 48 buckets. */
uint64_t report_bucket_s(uint64_t first_ns, uint64_t last_ns);

#endif
