/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `oomtrace scores`: rank the current processes as oom_badness() would for
 * a global OOM (totalpages = RAM + swap) or for a memory cgroup's OOM
 * (totalpages = mem_cgroup_get_max() of the OOM domain, only the tasks in
 * its subtree), mark the tasks the kernel skips, and explain what would
 * flip a process's place.
 */
#ifndef OOMTRACE_SCORES_H
#define OOMTRACE_SCORES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memcg_limits.h"
#include "procfs.h"

/* Why oom_badness() (or oom_evaluate_task) would not consider a task. */
enum score_skip {
	SCORE_ELIGIBLE = 0,
	SCORE_SKIP_INIT,	/* oom_unkillable_task(): global init */
	SCORE_SKIP_KTHREAD,	/* oom_unkillable_task(): PF_KTHREAD */
	SCORE_SKIP_NO_MM,	/* find_lock_task_mm() finds no thread with an mm */
	SCORE_SKIP_ADJ_MIN,	/* oom_score_adj -1000 */
	SCORE_SKIP_VFORK,	/* in_vfork(): shares its parent's mm until exec */
};

/* Where the rss part comes from; see procfs.h for why they differ. */
enum rss_source {
	RSS_FROM_STAT = 0,	/* get_mm_rss(): /proc/PID/stat (oom_badness up to at least 6.18) */
	RSS_FROM_STATUS,	/* the exact sum: status' RssAnon+RssFile+RssShmem */
};

struct score_task {
	struct proc_task p;
	enum score_skip skip;
	uint64_t rss_pages;		/* the rss oom_badness reads (rss_source) */
	bool has_exact;			/* status gives the exact anon/file/shmem split */
	uint64_t rss_exact_pages;
	uint64_t swap_pages;
	uint64_t pgtables_bytes;
	int64_t mem_points;		/* rss + swap + page tables, in pages */
	int64_t adj_points;		/* oom_score_adj x (totalpages / 1000) */
	int64_t points;			/* oom_badness() in the ranking's domain */
	int64_t oom_score;		/* what /proc/PID/oom_score shows, from the same inputs */
	size_t rank;			/* 1-based among eligible tasks; 0 = skipped */
	bool tie;			/* equal points with a neighbour */
	bool exiting;			/* PF_EXITING or SIGKILL pending */
};

struct scores_config {
	const char *root;	/* "" for the live system, else a fixture tree */
	const char *cgroup;	/* NULL: global ranking */
};

struct score_set {
	struct score_task *tasks;	/* eligible by points (highest first), then skipped */
	size_t n;
	size_t n_eligible;
	size_t n_kthreads;
	size_t unreadable;		/* permission denied (hidepid, not root) */
	size_t broken;			/* malformed or missing files */
	char first_error[512];		/* the first broken file, for the warning */
	size_t vanished;		/* exited while being read */
	uint32_t page_size;
	uint64_t totalpages;		/* of the ranking's domain */
	uint64_t global_totalpages;	/* totalram_pages() + total_swap_pages */
	uint64_t total_swap_pages;
	struct proc_meminfo meminfo;
	bool has_psi;
	struct proc_psi psi;
	int overcommit_memory;		/* vm.overcommit_memory, -1 unknown */
	int panic_on_oom;		/* -1 unknown */
	int oom_kill_allocating_task;	/* -1 unknown */
	unsigned int vm_swappiness;
	int kernel_major, kernel_minor;	/* 0.0 unknown */
	bool legacy_formula;		/* before 5.9: points >= 1, oom_score 0..1000 */
	bool root_bonus;		/* before 4.17: CAP_SYS_ADMIN tasks get 3% off */
	enum rss_source rss_source;
	size_t votes_stat, votes_status;	/* tasks whose oom_score told the source */
	size_t score_checked, score_agree;	/* our oom_score vs the kernel's */
	bool memcg;			/* --cgroup given */
	bool domain_found;		/* a limited memcg: else the OOM would be global */
	struct memcg_mount mount;
	char requested[OOM_PATH_MAX];	/* the cgroup asked for */
	struct memcg_info domain;	/* the OOM domain (domain_found) */
	struct memcg_info requested_info;
	/* the domain's memory now: memory.stat or /proc/meminfo (has 0: not read) */
	struct oom_domain_memory dmem;
};

/*
 * Read everything and rank. Returns 0; -errno with a one-line reason in err
 * when a system-wide file is missing or broken, or the cgroup does not
 * exist. Per-process problems are counted (unreadable, broken, vanished).
 */
int scores_collect(const struct scores_config *cfg, struct score_set *ret, char *err,
		   size_t err_size);
void score_set__free(struct score_set *s);
const struct score_task *score_set__find(const struct score_set *s, int32_t pid);

const char *score_skip__name(enum score_skip s);	/* JSON: "in_vfork" ... */
const char *score_skip__why(enum score_skip s);		/* text for people */
const char *rss_source__name(enum rss_source r);

/*
 * /proc/PID/oom_score from a badness value: 5.9+ scales into 0..2000 as
 * (1000 + points * 1000 / totalpages) * 2 / 3 with signed division; older
 * kernels showed points * 1000 / totalpages. A skipped task reads 0.
 */
int64_t scores_oom_score(int64_t points, bool skipped, uint64_t totalpages, bool legacy);

/* What it takes to move a task past a given number of points. */
struct score_flip {
	bool done;		/* already there */
	bool by_adj;		/* some oom_score_adj in -999..1000 does it */
	int32_t adj;		/* the least (to rise) or greatest (to fall) such value */
	bool by_memory;		/* a memory change at the current adj does it */
	int64_t mem_pages;	/* pages to add (> 0) or to free (< 0) */
};

/* Strictly above target points (the kernel keeps the later of equal ones). */
void scores_flip_above(const struct score_set *s, const struct score_task *t, int64_t target,
		       struct score_flip *ret);
/* Strictly below target points. */
void scores_flip_below(const struct score_set *s, const struct score_task *t, int64_t target,
		       struct score_flip *ret);

/* Everything --explain PID says, worked out. */
struct score_explain {
	const struct score_task *task;
	const struct score_task *first;		/* rank 1 (NULL if none) */
	const struct score_task *above;		/* rank - 1 */
	const struct score_task *below;		/* rank + 1 */
	struct score_flip to_first;		/* be picked instead of first */
	struct score_flip to_above;		/* pass the next one up */
	struct score_flip to_below;		/* fall under the next one down (spared if first) */
	size_t rank_at_adj0;			/* a skipped -1000 task's rank at adj 0 */
	int64_t points_at_adj0;
	char unit[256];				/* systemd unit, "" when none */
	char unit_path[OOM_PATH_MAX];
	size_t unit_tasks;			/* processes of the unit in this ranking */
	bool first_in_unit;			/* the first is in the same unit */
	bool is_scope;
	char container_id[80];
	char pod_uid[40];
};

/* Returns 0, or -ESRCH when pid is not in the set. */
int scores_explain(const struct score_set *s, int32_t pid, struct score_explain *ret);

#endif
