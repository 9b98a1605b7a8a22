/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's OOM reports, read line by line into struct oom_event: the
 * same event the live tracer emits, with "source":"kmsg". A report is held
 * open while its lines arrive (bounded: top-K candidates, at most
 * KMSG_MAX_FRAMES frames) and passed on when the next report starts, a line
 * that cannot belong to it arrives, the input ends or the caller flushes.
 *
 * What the log does not say stays absent and is named in ev->missing;
 * points recomputed from the task table are marked TASK_POINTS_ESTIMATED;
 * lines inside a report that no matcher understood are counted.
 */
#ifndef OOMTRACE_KMSG_REPORT_H
#define OOMTRACE_KMSG_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "kmsg_line.h"

#define KMSG_MAX_FRAMES 128
/* kept per report, also with keep 0 ("all"): the kernel's tables are this long on big hosts */
#define KMSG_MAX_CANDIDATES 65536
/* victims listed per report (memory.oom.group kills a whole group) */
#define KMSG_MAX_VICTIMS 4096

/* oom_reaper's word on a victim ("type":"oom_reaper" in the output). */
struct kmsg_reaped {
	uint64_t oom_seq;	/* seq of the event whose victim it is */
	int32_t pid;
	char comm[OOM_COMM_MAX];
	bool failed;		/* "unable to reap" */
	bool has_rss;		/* the anon/file/shmem left after reaping */
	uint64_t anon_kb, file_kb, shmem_kb;
	bool has_wall, has_ktime;
	uint64_t wall_ns, ktime_us;
};

struct kmsg_report_ops {
	/* A complete report. The event is the parser's: valid during the call. */
	void (*event)(struct oom_event *ev, void *arg);
	/* A reaper line about a victim of an event already passed on. */
	void (*reaped)(const struct kmsg_reaped *r, void *arg);
	void *arg;
};

struct kmsg_stats {
	uint64_t lines;		/* logical lines fed */
	uint64_t kernel_lines;	/* of those, the kernel's */
	uint64_t reports;	/* events passed on */
	uint64_t unparsed;	/* lines inside those reports not understood */
	uint64_t elided;	/* "...", "<cut>" markers inside reports */
	uint64_t suppressed;	/* reports dump_header() skipped ("callbacks suppressed") */
	uint64_t missing_records;	/* /dev/kmsg record numbers skipped (overwritten unread) */
};

struct kmsg_parser;

/* keep: candidates kept per event (0 = all, up to KMSG_MAX_CANDIDATES). NULL on ENOMEM. */
struct kmsg_parser *kmsg_parser__new(const struct kmsg_report_ops *ops, size_t keep);
void kmsg_parser__free(struct kmsg_parser *p);
/* One logical line (continuations joined). 0, or -ENOMEM. */
int kmsg_parser__feed(struct kmsg_parser *p, const struct kmsg_line *l);
/* The input ended (or went quiet): pass on the open report, if any. */
void kmsg_parser__flush(struct kmsg_parser *p);
/* A report is open (a quiet input should flush it after a while). */
bool kmsg_parser__pending(const struct kmsg_parser *p);
/* Records were lost before the next line (a /dev/kmsg overrun). */
void kmsg_parser__lost(struct kmsg_parser *p);
const struct kmsg_stats *kmsg_parser__stats(const struct kmsg_parser *p);

#endif
