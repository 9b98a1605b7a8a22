/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What one line of the kernel's OOM report says: its kind and the facts it
 * carries. Only the line's own text is read; what a line means in its
 * report (which table it belongs to, whose victim it names) is decided by
 * kmsg_report.c. Every matcher is strict: a line that does not have the
 * exact shape is not that kind, so a process named "Killed process " cannot
 * pass for a kill line. Names from the kernel (comm, cgroup paths) are
 * copied as bytes, truncated to their buffers, never interpreted.
 */
#ifndef OOMTRACE_KMSG_FIELDS_H
#define OOMTRACE_KMSG_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

enum kmsg_kind {
	KMSG_OTHER = 0,		/* not part of any OOM report we know */
	KMSG_BLANK,
	KMSG_ELISION,		/* "...", "<cut>": whoever pasted it left lines out */
	KMSG_HEADER,		/* "c invoked oom-killer: gfp_mask=0x..(..), order=N, ..." */
	KMSG_CPUSET,		/* "c cpuset=/ mems_allowed=0" (before 4.19) */
	KMSG_CPU,		/* "CPU: 1 PID: 7 Comm: c ..." / "Pid: 7, comm: c ..." */
	KMSG_DUMP_INFO,		/* "Hardware name:", "Workqueue:", "Call Trace:", <TASK> */
	KMSG_FRAME,		/* one call trace frame */
	KMSG_REGS,		/* registers, "Code:", raw stack words */
	KMSG_USER_IP,		/* "RIP: 0033:0x4016dc": where user space was */
	KMSG_CODE,		/* "Code: 48 8b .. <4c> 89 10 ..": the bytes around a RIP */
	KMSG_MEMINFO,		/* Mem-Info and everything show_mem prints */
	KMSG_MEMINFO_RAM,	/* "N pages RAM" */
	KMSG_MEMINFO_RESERVED,	/* "N pages reserved" */
	KMSG_MEMINFO_SWAP,	/* "Total swap = NkB" */
	KMSG_MEMINFO_BUDDY,	/* "Node 0 DMA: 1*4kB ...": the first size is the page size */
	KMSG_MEMCG_TASK_IN,	/* "Task in X killed as a result of limit of Y" */
	KMSG_MEMCG_COUNTER,	/* "memory: usage NkB, limit NkB, failcnt N" */
	KMSG_MEMCG_STATS_FOR,	/* "Memory cgroup stats for X:" */
	KMSG_STAT,		/* "anon 421888": a memory.stat line */
	KMSG_SLAB,		/* "Unreclaimable slab info:" and its rows */
	KMSG_TASKS_STATE,	/* "Tasks state (memory values in pages):" */
	KMSG_TABLE_HEADER,	/* "[ pid ]   uid  tgid total_vm ... name" */
	KMSG_TABLE_ROW,		/* "[  123]  0  123 ...": parse with kmsg_parse_row() */
	KMSG_SUMMARY,		/* "oom-kill:constraint=...,task=c,pid=N,uid=N" (4.19+) */
	KMSG_GROUP,		/* "Tasks in X are going to be killed due to memory.oom.group set" */
	KMSG_KILL_SCORE,	/* "...: Kill process N (c) score S or sacrifice child" */
	KMSG_KILLED,		/* "...Killed process N (c) total-vm:..." */
	KMSG_KILL_SHARED,	/* "Kill process N (c) sharing same memory" */
	KMSG_MM_PINNED,		/* "oom killer N (c) has mm pinned by M (d)" */
	KMSG_REAPED,		/* "oom_reaper: reaped process N (c), now anon-rss:..." */
	KMSG_REAP_FAILED,	/* "oom_reaper: unable to reap pid:N (c)" */
	KMSG_NO_KILLABLE,	/* "Out of memory and no killable processes..." */
	KMSG_PANIC,		/* "Kernel panic - not syncing: ..." */
	KMSG_ALLOC_FAIL,	/* "c: page allocation failure: ...": a dump, not an OOM */
	KMSG_SUPPRESSED,	/* "oom_kill_process: N callbacks suppressed": N reports not printed */
};

/* A kernel release as major.minor, comparable: KMSG_RELEASE(5, 9). */
#define KMSG_RELEASE(major, minor) ((uint32_t)(major) << 16 | (uint32_t)(minor))

/* Task-table columns, as named in the table's header line. */
enum kmsg_col {
	KCOL_UNKNOWN = 0,
	KCOL_UID,
	KCOL_TGID,
	KCOL_TOTAL_VM,
	KCOL_RSS,
	KCOL_RSS_ANON,
	KCOL_RSS_FILE,
	KCOL_RSS_SHMEM,
	KCOL_NR_PTES,
	KCOL_NR_PMDS,
	KCOL_PGTABLES_BYTES,
	KCOL_SWAPENTS,
	KCOL_OOM_SCORE_ADJ,
	KCOL_OOM_ADJ,
	KCOL_CPU,
	KCOL__COUNT,
};

#define KMSG_MAX_COLS 16

struct kmsg_table_layout {
	uint8_t n;			/* numeric columns between "[pid]" and name */
	uint8_t col[KMSG_MAX_COLS];	/* enum kmsg_col of each */
	bool has[KCOL__COUNT];
};

struct kmsg_row {
	int32_t pid;			/* the "[pid]" column: a thread's id */
	int64_t v[KCOL__COUNT];		/* by enum kmsg_col; valid where layout has it */
	char comm[OOM_COMM_MAX];
};

/* Which counter a KMSG_MEMCG_COUNTER line gives. */
enum kmsg_counter {
	KCNT_MEMORY,
	KCNT_MEMSW,	/* cgroup v1 "memory+swap" */
	KCNT_SWAP,	/* cgroup v2 "swap" */
	KCNT_OTHER,	/* "kmem", "tcpmem": not part of totalpages */
};

/* Which facts of a kill or reaper line were printed. */
enum {
	KF_TOTAL_VM = 1u << 0,
	KF_ANON = 1u << 1,
	KF_FILE = 1u << 2,
	KF_SHMEM = 1u << 3,
	KF_UID = 1u << 4,
	KF_PGTABLES = 1u << 5,
	KF_ADJ = 1u << 6,
	KF_COMM = 1u << 7,	/* the comm's closing ")" was seen */
};

struct kmsg_fact {
	enum kmsg_kind kind;
	uint32_t has;			/* KF_* for kill/reaper lines */
	bool memcg_msg;			/* "Memory cgroup out of memory: ..." */
	int32_t pid;
	uint32_t uid;
	bool has_uid;
	int32_t adj;			/* oom_score_adj */
	bool has_adj;
	int32_t oom_adj;		/* the old -17..15 knob (header, before 3.x) */
	bool has_oom_adj;
	uint32_t gfp;
	bool has_gfp;
	bool has_gfp_names;		/* kernel printed "(GFP_KERNEL|...)" */
	int32_t order;
	bool has_order;
	int64_t score;
	uint64_t total_vm_kb, anon_kb, file_kb, shmem_kb, pgtables_kb;
	uint64_t value;			/* RAM/reserved pages, swap kB, page size, user ip,
					 * suppressed reports */
	bool has_release;		/* CPU line: the kernel release it printed */
	uint32_t release;		/* KMSG_RELEASE() */
	bool after_5_10;		/* a trace line only kernels after 5.10 print ("<TASK>") */
	enum kmsg_counter counter;
	uint64_t usage_kb, limit_kb;
	enum oom_constraint constraint;
	bool global_oom;
	/* paths: task in / oom_memcg / group / stats (path), limit of / task_memcg (path2) */
	bool has_path, path_complete, has_path2, path2_complete;
	uint64_t offset, addr;		/* a frame */
	uint8_t code[OOM_CODE_MAX];	/* KMSG_CODE: the bytes, code[code_at] at the RIP */
	uint8_t code_len, code_at;
	bool unreliable;
	struct kmsg_table_layout layout;
	/* strings last: a reset between matchers clears only their first byte */
	char comm[OOM_COMM_MAX];
	char gfp_names[256];
	char path[OOM_PATH_MAX];
	char path2[OOM_PATH_MAX];
	char sym[128];
	char module[64];
};

/* Classify text[0..len) and extract its facts. Returns ret->kind. */
enum kmsg_kind kmsg_classify(const char *text, size_t len, struct kmsg_fact *ret);

/*
 * Parse a task-table row by its table's layout. Returns 0, or -EINVAL when
 * the row does not have exactly the layout's numeric columns.
 */
int kmsg_parse_row(const char *text, size_t len, const struct kmsg_table_layout *layout,
		   struct kmsg_row *ret);

#endif
