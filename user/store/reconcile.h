/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Completeness: the kernel counts every OOM kill (vmstat oom_kill, and per
 * memory cgroup memory.events oom_kill in v2 or memory.oom_control oom_kill
 * in v1, both counting the victim's cgroup and its ancestors). A recorder
 * compares what it captured with those counters and says so when they
 * disagree.
 *
 * The counter moves in __oom_kill_process just before mark_victim fires,
 * and an event completes up to ASSEMBLE_QUIET_MS later, so a difference is
 * only believed once it has held still: the same counter and the same
 * captured count, no event open, at two checks RECONCILE_SETTLE_MS apart.
 * Each settled difference is reported once; agreement again is reported too.
 *
 * Readers take a path (the real file by default) so tests can use fixtures,
 * and read with open/read into the stack: no stdio buffer to allocate while
 * the machine is out of memory.
 */
#ifndef OOMTRACE_RECONCILE_H
#define OOMTRACE_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECONCILE_SETTLE_MS 1000
#define VMSTAT_PATH "/proc/vmstat"

/* oom_kill of /proc/vmstat (or a fixture). */
int kernel_oom_kills(const char *vmstat_path, uint64_t *ret);
/*
 * The kill counter of cgroup (a path like "/a/b") under the cgroup mounts
 * in root (NULL: /sys/fs/cgroup): v2 memory.events, else v1
 * memory.oom_control. Writes the file used into ret_path. 0, -ENOENT when
 * neither exists (or the cgroup is the root, which the kernel does not count).
 */
int cgroup_oom_kills(const char *root, const char *cgroup, uint64_t *ret, char *ret_path,
		     size_t path_size);

struct reconciler {
	uint64_t base;		/* the kernel's counter when recording began */
	uint64_t captured;	/* kills captured since then */
	int64_t reported_gap;	/* the gap last reported (0 at start) */
	uint64_t mismatches;	/* reports of a non-zero gap */
	/* a difference waiting to settle */
	bool pending;
	uint64_t pending_kernel, pending_captured, pending_since_ms;
};

void reconciler__init(struct reconciler *r, uint64_t base);
/* The gap now: kernel kills since base minus captured (negative: more captured). */
int64_t reconciler__gap(const struct reconciler *r, uint64_t kernel_now);
/*
 * A check at now_ms with the kernel's counter; busy: an event is still
 * being assembled. Returns true when a report is due (the settled gap
 * differs from the last reported one), and makes it the reported gap.
 * force: at the end, report any difference without waiting.
 */
bool reconciler__check(struct reconciler *r, uint64_t kernel_now, uint64_t now_ms, bool busy,
		       bool force);
/* Milliseconds until a pending difference can settle; -1 if none. */
int reconciler__settle_in(const struct reconciler *r, uint64_t now_ms);

struct oom_event;
/* Kills an event stands for, as the kernel counts them: every task marked, stored or not. */
uint64_t reconcile_kills_of(const struct oom_event *ev);
/*
 * Those of tasks within cgroup (a path), which its memory cgroup counts; a
 * victim whose cgroup is not known is counted in.
 */
uint64_t reconcile_kills_within(const struct oom_event *ev, const char *cgroup);

/*
 * The previous run, from what its files say (the tail of the newest ones):
 * where its event numbers ended, so a restart continues them, and its last
 * checkpoint of the kernel's counter, so the kills while no recorder ran
 * are found (scope "downtime").
 */
#define PREV_RUN_SCAN_BYTES (8u << 20)

struct prev_run {
	bool found;			/* any valid record */
	bool clean;			/* it ended with a recorder_stop */
	bool filtered;			/* its run wrote only some events */
	uint64_t max_seq;
	/* the last record carrying the kernel's counter */
	bool checkpoint;
	uint64_t checkpoint_kernel, checkpoint_ns, kills_after;
	char checkpoint_boot[64];
};

struct jr_doc;

/* Nothing seen yet. */
void prev_run__init(struct prev_run *p);
/* The records of the last scan_bytes of a file (from its first whole line); none if missing. */
void prev_run__scan_file(struct prev_run *p, const char *path, size_t scan_bytes);
/* The run that wrote to path: init, then its newest rotation and path itself. */
void prev_run__scan(struct prev_run *p, const char *path);
/*
 * Kills nobody recorded between the previous run's last checkpoint and now
 * (kernel_now, boot boot_id): > 0 with the kernel's count since then in
 * *ret_since; 0 when none, or when it cannot be told (no checkpoint, a
 * reboot since, or an unclean run that wrote only some events).
 */
int64_t prev_run__downtime_gap(const struct prev_run *p, const char *boot_id,
			       uint64_t kernel_now, uint64_t *ret_since);

#endif
