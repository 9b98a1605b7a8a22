/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading what oom_badness() reads, from /proc, under a root directory (""
 * for the live system, a fixture tree in tests). Parsers take text, so the
 * fuzzer and the unit tests feed them directly; readers take a root and a
 * pid and say which file failed and why.
 *
 * Which counter is the kernel's rss: oom_badness() reads get_mm_rss(), the
 * per-CPU counters' global part without the per-CPU deltas (6.2+). Since
 * 6.16 /proc/PID/status and statm print the exact sum instead
 * (get_mm_counter_sum), while /proc/PID/stat still prints get_mm_rss(). So
 * stat's rss is what oom_badness() sees; status gives the split into anon,
 * file and shmem (exact, and it may differ by a few dozen pages per CPU).
 */
#ifndef OOMTRACE_PROCFS_H
#define OOMTRACE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "procfs_read.h"

#define PF_EXITING_FLAG 0x00000004u	/* task->flags: getting shut down */
#define PF_KTHREAD_FLAG 0x00200000u	/* task->flags: a kernel thread */

/* Bits of proc_task.has */
enum {
	PT_HAS_STAT = 1u << 0,		/* /proc/PID/stat parsed */
	PT_HAS_STATUS = 1u << 1,	/* /proc/PID/status parsed */
	PT_HAS_MM = 1u << 2,		/* status shows Vm* lines: the task has an mm */
	PT_HAS_RSS_PARTS = 1u << 3,	/* RssAnon/RssFile (4.5+) */
	PT_HAS_SHMEM = 1u << 4,		/* RssShmem (4.5+) */
	PT_HAS_SWAP = 1u << 5,		/* VmSwap (2.6.34+) */
	PT_HAS_PTE = 1u << 6,		/* VmPTE */
	PT_HAS_ADJ = 1u << 7,		/* oom_score_adj */
	PT_HAS_SCORE = 1u << 8,		/* the kernel's own oom_score */
	PT_HAS_CGROUP = 1u << 9,	/* memory cgroup path */
	PT_HAS_UID = 1u << 10,
	PT_HAS_UNIT_CGROUP = 1u << 11,	/* the systemd hierarchy's path */
	PT_HAS_CAPS = 1u << 12,		/* CapEff */
};

#define CAP_SYS_ADMIN_BIT 21

/* One process as /proc shows it. Memory in kB as the files print it. */
struct proc_task {
	uint32_t has;
	int32_t pid;
	int32_t ppid;
	uint32_t uid;
	char state;			/* R, S, D, Z, ... */
	uint32_t flags;			/* task->flags (PF_*) */
	uint64_t starttime;		/* clock ticks after boot */
	uint64_t stat_rss_pages;	/* get_mm_rss(), what oom_badness reads */
	uint64_t vmrss_kb;
	uint64_t rss_anon_kb;
	uint64_t rss_file_kb;
	uint64_t rss_shmem_kb;
	uint64_t swap_kb;
	uint64_t pgtables_kb;		/* VmPTE (+ VmPMD on 4.0-4.14) */
	uint64_t cap_eff;		/* effective capabilities (pre-4.17 root bonus) */
	int32_t oom_score_adj;
	int64_t kernel_oom_score;	/* /proc/PID/oom_score when PT_HAS_SCORE */
	bool kthread;			/* PF_KTHREAD, or status "Kthread: 1" */
	bool sigkill_pending;		/* SIGKILL in SigPnd/ShdPnd: dying */
	int32_t mm_tid;			/* thread whose mm was read (leader exited) */
	int memcg_version;		/* 1, 2, or 0 when unknown */
	char comm[OOM_COMM_MAX];	/* raw bytes from stat: escape before printing */
	char memcg[OOM_PATH_MAX];	/* memory controller's cgroup path */
	char unit_cgroup[OOM_PATH_MAX];	/* name=systemd (v1) or unified path */
};

/* One line of /proc/pressure/memory (or a cgroup's memory.pressure). */
struct psi_line {
	bool present;
	double avg10, avg60, avg300;
	uint64_t total_us;
};

struct proc_psi {
	struct psi_line some;
	struct psi_line full;
};

/*
 * Parsers: buf is NUL-terminated text. They fill what they find and return
 * 0, or -EINVAL when the text is not that file (no ')' in stat, no MemTotal
 * in meminfo, ...). A missing optional line is not an error: its PT_HAS_
 * bit stays clear.
 */
int procfs_parse_stat(const char *buf, struct proc_task *t);
int procfs_parse_status(const char *buf, struct proc_task *t);
/* /proc/PID/cgroup: the memory controller's path (v1 line, else the v2 "0::" line). */
int procfs_parse_cgroup(const char *buf, struct proc_task *t);
int procfs_parse_psi(const char *buf, struct proc_psi *p);
/* Is word one of the comma-separated names in list[0..len)? ("rw,memory", "cpu,memory") */
bool procfs_in_list(const char *list, size_t len, const char *word);
/* "6.18.44-foo" -> 6, 18; -EINVAL when it does not start with N.N */
int procfs_parse_release(const char *buf, int *ret_major, int *ret_minor);

/*
 * Read one process: stat, status, oom_score_adj, oom_score and cgroup, in
 * that order and back to back, so the memory counters and the kernel's own
 * score are sampled as close together as possible. When the thread-group
 * leader has exited but other threads live (the kernel's find_lock_task_mm()
 * case), the memory is read from a live thread.
 * Returns 0; -ESRCH when the process is gone (a normal race); -EACCES when
 * it may not be read; -ENOENT or -EINVAL when the tree is broken, with
 * "FILE: what is wrong" in err.
 */
int procfs_read_task(const char *root, int32_t pid, struct proc_task *t, char *err,
		     size_t err_size);

/* Every numeric entry of ROOT/proc, ascending. Returns 0 or -errno. */
int procfs_list_pids(const char *root, int32_t **ret_pids, size_t *ret_n);

/*
 * 1 if pid shares its memory with ppid without being one of its threads
 * (a vfork child before exec), 0 if not, -errno when it cannot be told
 * (only on the live system: it asks the kernel with kcmp(KCMP_VM)).
 */
int procfs_shares_parent_mm(int32_t pid, int32_t ppid);

#endif
