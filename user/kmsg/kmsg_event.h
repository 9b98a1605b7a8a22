/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state of one kernel OOM report while its lines arrive (kmsg_report.c
 * fills it), and the step that turns a complete one into struct oom_event
 * (kmsg_event.c): the kernel's era, points estimates, the OOM domain, the
 * victim, and the facts the log lacked. Internal to user/kmsg/.
 */
#ifndef OOMTRACE_KMSG_EVENT_H
#define OOMTRACE_KMSG_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "kmsg_domain.h"
#include "kmsg_fields.h"
#include "kmsg_line.h"
#include "kmsg_report.h"

#define PENDING_REAPS 16

/* Task-table formats, by their columns: they tell the kernel's era. */
enum era {
	ERA_UNKNOWN,
	ERA_2_6,	/* cpu oom_adj [oom_score_adj]: badness on a 0..1000 scale */
	ERA_3_6,	/* nr_ptes swapents */
	ERA_4_0,	/* nr_ptes nr_pmds swapents */
	ERA_4_15,	/* pgtables_bytes swapents: 4.15 to 6.x, across 5.9 */
	ERA_6_X,	/* rss_anon rss_file rss_shmem pgtables_bytes swapents */
};

struct when {
	bool has_wall, has_ktime, has_seq;
	uint64_t wall_ns, ktime_us, seq;
	char stamp[KMSG_STAMP_MAX];
};

struct report {
	bool open, confirmed;
	bool foreign;		/* a page allocation failure dump: never an OOM report */
	struct oom_event *ev;
	struct when first, kill;
	bool has_last_ktime;
	uint64_t last_ktime_us;
	/* what the report showed */
	bool header, cpu, oom_frames, meminfo, memcg_lines, global_msg;
	bool tasks_state, table_header, in_table, table_done, rows_without_header;
	bool summary, score, victim, group, no_killable, panic, elided, lost;
	bool victim_comm_cut, user_ip, victims_cut;
	bool user_code_next;	/* the line before was the user RIP */
	bool victim_from_reaper;	/* no kill line: the reaper's line named it */
	struct kmsg_table_layout layout;
	enum era era;
	bool header_oom_adj;	/* "oom_adj=" in the header: before 3.x */
	/* the kernel's release, from dump_stack's CPU line */
	bool has_release;
	uint32_t release;	/* KMSG_RELEASE(major, minor) */
	bool after_5_10;	/* dump_stack_lvl or <TASK> in the trace */
	bool points_version_unknown;	/* a row's points depend on an unknown release */
	uint8_t unreliable[KMSG_MAX_FRAMES];
	/* totalpages, from Mem-Info or the memcg counters */
	bool has_ram, has_reserved, has_swap_total, has_mem_limit, has_memsw_limit;
	bool has_swap_limit;
	uint64_t ram_pages, reserved_pages, swap_total_kb, mem_limit_kb, memsw_limit_kb;
	uint64_t swap_limit_kb;
	/* memcg paths */
	bool has_task_in, task_in_complete, has_limit_of, has_stats_for;
	char task_in[OOM_PATH_MAX], limit_of[OOM_PATH_MAX], stats_for[OOM_PATH_MAX];
	bool has_oom_memcg, oom_memcg_cut, has_task_memcg, task_memcg_cut, global_oom;
	char oom_memcg[OOM_PATH_MAX], task_memcg[OOM_PATH_MAX];
	enum oom_constraint constraint;
	/* the summary's victim (4.19+) */
	bool has_sum_victim;
	int32_t sum_pid;
	uint32_t sum_uid;
	char sum_comm[OOM_COMM_MAX];
	/* every task-table pid (the kept candidates are only the top K) */
	int32_t *table_pids;
	size_t n_table_pids, cap_table_pids;
	struct kmsg_reaped reaps[PENDING_REAPS];
	size_t n_reaps;
	struct kmsg_domain domain;	/* domain_memory's numbers as printed */
	/*
	 * The last task-table row, held until the next line: a name with a
	 * newline reaches a syslog(2) reader (busybox dmesg, /proc/kmsg) as
	 * the row and a line of its own, which joins the held row
	 */
	bool row_held;
	struct kmsg_row held_row;
	uint64_t unknown_run;	/* lines not understood since the last that was */
	uint64_t unparsed;
};

static inline void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

/* The report's page size in kB (4 unless Mem-Info showed another). */
uint64_t kmsg_page_kb(const struct report *r);
/* The era of a task table's header. */
enum era kmsg_era_of(const struct kmsg_table_layout *l);
/*
 * oom_badness() of a task-table row, as the report's kernel computed it:
 * sets t->points (TASK_HAS_POINTS | TASK_POINTS_ESTIMATED) or t->skip, or
 * leaves them when the log cannot tell.
 */
void kmsg_estimate_points(struct report *r, const struct kmsg_row *row, struct oom_task *t);
/* Append to ev->missing's comma list. */
void kmsg_add_missing(struct oom_event *ev, const char *what);
/* Complete r->ev from everything the report showed. */
void kmsg_event_finish(struct report *r);

#endif
