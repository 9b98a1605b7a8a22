/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The assembled OOM event: what the live tracer, the kernel-log parser and
 * the record reader all produce, and what the text and JSON renderers print.
 *
 * Every optional fact carries a bit in a `has` mask: an absent bit means the
 * source could not tell (a tracepoint-only kernel has no gfp mask, a log
 * fragment may lack the task table). Renderers print only what is present,
 * so nothing is ever invented.
 */
#ifndef OOMTRACE_EVENT_H
#define OOMTRACE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain_memory.h"

#define OOM_COMM_MAX 64		/* kernel comms are 16, log comms can be longer */
#define OOM_PATH_MAX 512

/* Why the kernel would not kill a task (oom_badness returned LONG_MIN). */
enum oom_skip {
	OOM_SKIP_NONE = 0,
	OOM_SKIP_ADJ_MIN,	/* oom_score_adj == -1000 */
	OOM_SKIP_MM_SKIP,	/* MMF_OOM_SKIP: already reaped or being torn down */
	OOM_SKIP_VFORK,		/* a vfork child sharing its parent's mm */
	OOM_SKIP_NO_MM,		/* no thread with an mm left (exiting) */
	OOM_SKIP_UNKNOWN,	/* LONG_MIN returned, cause not identified */
};

/* Why a task appears in `victims`. */
enum oom_victim_reason {
	OOM_VICTIM_CHOSEN = 0,	/* the task oom_badness ranked highest */
	OOM_VICTIM_GROUP,	/* memory.oom.group member */
	OOM_VICTIM_SHARED_MM,	/* another process sharing the victim's mm */
};

/* Which line named the victim of a kernel-log event. */
enum oom_victim_from {
	OOM_VICTIM_FROM_KILL = 0,	/* the kill line (and every live event) */
	OOM_VICTIM_FROM_SUMMARY,	/* the oom-kill: summary; the log stops before the kill */
	OOM_VICTIM_FROM_REAPER,		/* no kill line: oom_reaper's "reaped process" */
};

enum oom_constraint {
	OOM_CONSTRAINT_UNKNOWN = -1,
	OOM_CONSTRAINT_NONE = 0,	/* kernel enum order, 6.x */
	OOM_CONSTRAINT_CPUSET,
	OOM_CONSTRAINT_MEMORY_POLICY,
	OOM_CONSTRAINT_MEMCG,
};

/* Bits of oom_task.has */
enum {
	TASK_HAS_PID = 1u << 0,
	TASK_HAS_TID = 1u << 1,
	TASK_HAS_UID = 1u << 2,
	TASK_HAS_ADJ = 1u << 3,
	TASK_HAS_POINTS = 1u << 4,	/* points is a number (not skipped) */
	TASK_HAS_MEM = 1u << 5,		/* rss_* / swap / pgtables known */
	TASK_HAS_TOTAL_VM = 1u << 6,
	TASK_HAS_CGROUP = 1u << 7,
	TASK_HAS_COMM = 1u << 8,
	TASK_HAS_EXIT = 1u << 9,	/* exit_ns known (aftermath) */
	TASK_POINTS_ESTIMATED = 1u << 10, /* recomputed, not the kernel's own */
	/*
	 * Single memory facts, for sources that know only some of them (a log's
	 * kill line has no swap, an old task table only a total rss).
	 * TASK_HAS_MEM implies all of them.
	 */
	TASK_HAS_RSS = 1u << 11,	/* rss_pages (the total) */
	TASK_HAS_RSS_ANON = 1u << 12,
	TASK_HAS_RSS_FILE = 1u << 13,
	TASK_HAS_RSS_SHMEM = 1u << 14,
	TASK_HAS_SWAP = 1u << 15,
	TASK_HAS_PGTABLES = 1u << 16,
	/* rss/swap as exact per-CPU sums (6.2+ keeps per-CPU rss counters):
	 * rss_precise_pages and swap_precise_pages, both or neither */
	TASK_HAS_RSS_PRECISE = 1u << 17,
};

/* One process in any role: trigger, victim, candidate. Memory in pages. */
struct oom_task {
	uint32_t has;
	int32_t pid;		/* thread-group id */
	int32_t tid;
	uint32_t uid;
	int32_t oom_score_adj;
	int64_t points;		/* oom_badness() value */
	uint64_t total_vm_pages;
	uint64_t rss_anon_pages;
	uint64_t rss_file_pages;
	uint64_t rss_shmem_pages;
	uint64_t swap_pages;
	uint64_t pgtables_bytes;
	uint64_t rss_pages;	/* TASK_HAS_RSS without the split; else the parts' sum */
	uint64_t rss_precise_pages;	/* TASK_HAS_RSS_PRECISE */
	uint64_t swap_precise_pages;	/* TASK_HAS_RSS_PRECISE */
	enum oom_skip skip;
	enum oom_victim_reason reason;	/* victims only */
	uint64_t kill_ns;	/* victims: CLOCK_REALTIME ns when marked */
	uint64_t exit_ns;	/* victims: when it exited (TASK_HAS_EXIT) */
	uint64_t cgroup_id;	/* kernfs id of its memory cgroup, 0 = unknown */
	char comm[OOM_COMM_MAX];
	char cgroup[OOM_PATH_MAX];
};

/*
 * How the OOM domain ran out ("run_up"): its reclaim over the last 60 s
 * (BPF, at the kill), and its pressure-stall and memory.events counters
 * since the previous event of the same domain or the tracer's start
 * (userspace, when the event is complete). Each group has its bit in `has`.
 */
enum {
	RU_HAS_RECLAIM = 1u << 0,	/* window_s, reclaim_*, pages_reclaimed, trigger_stall_us */
	RU_HAS_FIRST_HIT = 1u << 1,	/* first_limit_hit_s_before */
	RU_HAS_PSI_SOME = 1u << 2,
	RU_HAS_PSI_FULL = 1u << 3,
	RU_PSI_SYSTEM = 1u << 4,	/* the PSI totals are the machine's (/proc/pressure/memory) */
	RU_SINCE_EVENT = 1u << 5,	/* deltas since the domain's previous event, else since start */
	RU_HAS_SINCE = 1u << 6,		/* since_ms: how long the deltas cover */
};

/* memory.events keys (v2) and v1's failcnt, in JSON order */
enum ru_event {
	RU_EV_HIGH,
	RU_EV_MAX,
	RU_EV_OOM,
	RU_EV_OOM_KILL,
	RU_EV_OOM_GROUP_KILL,
	RU_EV_FAILCNT,		/* cgroup v1: memory.failcnt */
	RU_EV__COUNT,
};

struct oom_run_up {
	uint32_t has;			/* RU_* */
	uint32_t events_has;		/* 1u << enum ru_event */
	uint32_t window_s;		/* seconds of reclaim counted: 60, or since the tracer started */
	uint64_t reclaim_episodes;
	uint64_t reclaim_stall_us;	/* every task's time in those episodes, summed */
	uint64_t trigger_stall_us;	/* the allocating task's own */
	uint64_t pages_reclaimed;
	uint64_t first_limit_hit_ms_before; /* first episode at the limit, before the kill
					     * (JSON: first_limit_hit_s_before, s to the ms) */
	uint64_t psi_some_us, psi_full_us;
	uint64_t since_ms;		/* what the PSI and events deltas span */
	uint64_t events[RU_EV__COUNT];
};

const char *ru_event_name(enum ru_event e);

/* Bits of oom_event.has */
enum {
	EV_HAS_TRIGGER = 1u << 0,
	EV_HAS_GFP = 1u << 1,
	EV_HAS_ORDER = 1u << 2,
	EV_HAS_TOTALPAGES = 1u << 3,
	EV_HAS_MEMCG = 1u << 4,
	EV_HAS_VICTIM = 1u << 5,
	EV_HAS_CHOSEN = 1u << 6,	/* oc->chosen / chosen_points known */
	EV_HAS_CANDIDATES = 1u << 7,	/* the candidate list was observed */
	EV_CONSTRAINT_INFERRED = 1u << 8, /* derived, not read from oom_control */
	EV_HAS_OOM_CALLS = 1u << 9,	/* ooms_without_kill is known */
	/* kernel-log sources (oomtrace parse); bit 9 is main's EV_HAS_OOM_CALLS */
	EV_HAS_CHOSEN_SCORE = 1u << 10,	/* old kill line: "Kill process N (c) score S" */
	EV_HAS_KTIME = 1u << 11,	/* ktime_us: the kernel's own printk timestamp */
	EV_HAS_KMSG_SEQ = 1u << 12,	/* kmsg_seq: /dev/kmsg record number */
	EV_HAS_UNPARSED = 1u << 13,	/* unparsed_lines is meaningful */
	EV_HAS_DOMAIN_MEMORY = 1u << 14, /* domain_memory has at least one number */
	EV_HAS_RUN_UP = 1u << 15,	/* run_up has at least one group of numbers */
	/* the command lines of victim and trigger (victim_cmd, trigger_cmd) */
	EV_HAS_VICTIM_EXE = 1u << 20,
	EV_HAS_VICTIM_CMDLINE = 1u << 21,
	EV_HAS_TRIGGER_EXE = 1u << 22,
	EV_HAS_TRIGGER_CMDLINE = 1u << 23,
};

/*
 * The names people use for a container, where the node can tell: the
 * Kubernetes namespace, pod and container, or a docker/podman container's
 * name (container only). Keyed by the 64-hex container id that the task's
 * cgroup path shows (cgroup_origin_from_path); "" = not known.
 */
#define OOM_NAMES_MAX 16	/* distinct containers named per event */
struct oom_names {
	char container_id[65];
	char ns[64];		/* Kubernetes names are at most 63 (pods 253) */
	char pod[254];
	char container[256];	/* docker allows longer names: cut */
};

/* A process's command: its executable's path and its argv. */
#define OOM_CMDLINE_MAX 4096
struct oom_cmdline {
	char exe[OOM_PATH_MAX];
	char argv[OOM_CMDLINE_MAX];	/* the arguments, each NUL-terminated */
	uint32_t len;			/* bytes of argv used */
	bool truncated;			/* the command line was longer: the rest is cut */
};

/* bytes of code a kernel report prints around an instruction ("Code:") */
#define OOM_CODE_MAX 64

struct oom_frame {
	uint64_t addr;
	uint64_t offset;	/* into sym */
	uint64_t file_offset;	/* user: into the object (with build_id) */
	char sym[128];		/* "name" or "" when unresolved */
	char module[256];	/* user: object path; kernel: module or "" */
	unsigned char build_id[20];
	uint8_t build_id_size;
	/* user frames only */
	uint8_t unwind;		/* enum oom_unwind: how the frame was found */
	bool inlined;		/* an inlined call inside the next frame (same addr) */
	uint32_t line;		/* source line, 0 = unknown */
	char file[160];		/* source file, "" = unknown */
};

/* How a user frame was found (oom_frame.unwind). */
enum oom_unwind {
	OOM_UNWIND_UNKNOWN = 0,	/* not said (kernel-log sources, older records) */
	OOM_UNWIND_FP,		/* the kernel's frame-pointer walk (bpf_get_stack) */
	OOM_UNWIND_DWARF,	/* DWARF CFI over the copied user stack */
};

struct oom_event {
	uint32_t has;
	uint64_t seq;
	uint64_t time_ns;		/* CLOCK_REALTIME of the kill */
	const char *mode;		/* "fentry", "kprobe", "tracepoint", "kmsg" */
	const char *source;		/* "bpf" or "kmsg" */
	struct oom_task trigger;
	enum oom_constraint constraint;
	char memcg[OOM_PATH_MAX];	/* OOM domain (EV_HAS_MEMCG); global: absent */
	uint64_t memcg_id;		/* its kernfs id, 0 = unknown */
	uint32_t gfp_mask;
	char gfp_flags[256];		/* kernel's flag names when known */
	int32_t order;
	uint64_t totalpages;
	uint32_t page_size;
	int32_t chosen_pid;
	int64_t chosen_points;
	struct oom_task victim;		/* the chosen victim */
	enum oom_victim_from victim_from;	/* kernel-log sources: which line named it */
	struct oom_task *victims;	/* every task killed, victim first */
	size_t n_victims;
	struct oom_task *candidates;	/* sorted by points, highest first */
	size_t n_candidates;		/* kept (top-K) */
	size_t candidates_total;	/* evaluated, also beyond top-K */
	struct oom_frame *kernel_stack;
	size_t n_kernel_stack;
	struct oom_frame *user_stack;
	size_t n_user_stack;
	uint64_t lost_events;		/* records the kernel side could not deliver */
	/* out_of_memory() calls since the previous event that killed nothing
	 * (a victim still exiting): how long the kernel waited before this one */
	uint64_t ooms_without_kill;
	char missing[256];		/* parser: what the source lacked, comma list */
	/* names of the containers the event's tasks run in (oom_event__names_of) */
	struct oom_names names[OOM_NAMES_MAX];
	size_t n_names;
	struct oom_cmdline victim_cmd;		/* EV_HAS_VICTIM_EXE / _CMDLINE */
	struct oom_cmdline trigger_cmd;		/* EV_HAS_TRIGGER_EXE / _CMDLINE */
	/* why DWARF unwinding of the user stack stopped before its outermost
	 * frame ("" = it did not stop early, or was not tried) */
	char user_stack_stop[96];
	/* kernel-log sources only */
	int64_t chosen_score;		/* as printed: 0..1000 scale since 3.6 */
	char chosen_comm[OOM_COMM_MAX];
	uint64_t ktime_us;		/* printk time of the kill (or last line seen) */
	uint64_t kmsg_seq;		/* record number of the report's first line */
	char log_time[48];		/* the log's own wall-clock stamp, as written */
	uint64_t unparsed_lines;	/* lines inside the report not understood */
	/* the "Code:" line after the user RIP (the user frame's ip): the
	 * bytes there, user_code[user_code_at] at the ip; not rendered */
	uint8_t user_code[OOM_CODE_MAX];
	uint8_t user_code_len, user_code_at;
	/* the OOM domain's memory at the kill (EV_HAS_DOMAIN_MEMORY) */
	struct oom_domain_memory domain_memory;
	/* how the domain ran out (EV_HAS_RUN_UP) */
	struct oom_run_up run_up;
	/*
	 * Fixed storage (oom_event__new_fixed): the arrays above were allocated
	 * once with these capacities and appends never allocate; what does not
	 * fit is counted here instead of stored.
	 */
	bool fixed;
	bool grow_candidates;	/* fixed, but candidates may grow (keep all) */
	size_t cap_victims, cap_candidates, cap_kernel_stack, cap_user_stack;
	/*
	 * Candidates are kept in the order offered until more are offered
	 * than kept; from then on they are a heap (cand_heap). Ranking sorts
	 * rank_order, an index per candidate (room for cap_rank_order
	 * candidates, two indexes each: it merges), and moves each task once,
	 * instead of sorting the large tasks themselves.
	 */
	bool cand_heap;
	uint32_t *rank_order;
	size_t cap_rank_order;
	uint64_t victims_dropped;	/* victims beyond cap_victims */
	uint64_t frames_dropped;	/* stack frames beyond their cap */
};

/*
 * What happened to a victim after the kill: its exit, or the OOM reaper's
 * work on its memory. The live tracer knows the stage and the times; a
 * kernel log's reaper line also names the task and what was left of it.
 */
struct oom_aftermath {
	const char *kind;	/* "victim_exit" or "oom_reaper" */
	uint64_t oom_seq;	/* seq of the oom_kill event, 0 if unknown */
	uint64_t time_ns;	/* CLOCK_REALTIME; 0 = unknown (a log without wall-clock stamps) */
	int32_t pid;
	const char *stage;	/* reaper: "wake", "start", "finish", "skip" */
	uint64_t kill_to_exit_ns; /* victim_exit only */
	/* kernel-log sources only (oomtrace parse) */
	const char *source;	/* "kmsg"; NULL for the live tracer */
	bool failed;		/* "unable to reap" (stage "skip"): the reaper gave up */
	bool has_ktime;
	uint64_t ktime_us;	/* the line's printk time */
	const char *comm;	/* NULL when not known */
	bool has_rss;		/* what was left after reaping */
	uint64_t anon_rss_kb, file_rss_kb, shmem_rss_kb;
};

/* Capacities of an event's fixed storage. */
struct oom_event_caps {
	size_t victims, candidates, kernel_frames, user_frames;
	/* candidates beyond the preallocated ones: grow the storage (all are
	 * wanted) rather than keep the top ones; if growing fails, keep the top */
	bool grow_candidates;
};

/* Allocate a zeroed event; NULL on ENOMEM. */
struct oom_event *oom_event__new(void);
/*
 * An event whose arrays are allocated (and touched) now, once, with the
 * given capacities (each at least 1): a recorder fills and clears it for
 * every OOM without allocating under memory pressure. NULL on ENOMEM.
 */
struct oom_event *oom_event__new_fixed(const struct oom_event_caps *caps);
/* Empty an event for reuse; a fixed event keeps its storage. */
void oom_event__clear(struct oom_event *ev);
void oom_event__free(struct oom_event *ev);
/*
 * Append to the arrays; return a pointer to the new zeroed slot, or NULL on
 * ENOMEM (growable) or when the fixed storage is full (the caller counts it).
 */
struct oom_task *oom_event__add_victim(struct oom_event *ev);
struct oom_task *oom_event__add_candidate(struct oom_event *ev);
struct oom_frame *oom_event__add_kframe(struct oom_event *ev);
struct oom_frame *oom_event__add_uframe(struct oom_event *ev);
/*
 * Offer a candidate. A growable event appends it. A fixed event keeps the
 * best cap_candidates by oom_event__rank's order: when full, the new one
 * replaces the lowest-ranked if it ranks higher (a heap, so offering N
 * tasks costs O(N log cap)). Returns 0 if kept, 1 if it ranked too low to
 * be kept, -ENOMEM. Do not mix with oom_event__add_candidate on a fixed event.
 */
int oom_event__offer_candidate(struct oom_event *ev, const struct oom_task *t);
/*
 * The same heap with its own bound: keep the best `keep` (at most a fixed
 * event's cap_candidates), the storage of a growable event growing only up
 * to keep. For sources that stream more tasks than they keep (a kernel
 * log's task table). 0 kept, 1 ranked too low, -ENOMEM.
 */
int oom_event__offer_candidate_top(struct oom_event *ev, const struct oom_task *t, size_t keep);
/*
 * Sort candidates by points (highest first, skipped tasks last, ties by pid)
 * and keep the top `keep` (0 = all). candidates_total is left as counted.
 */
void oom_event__rank(struct oom_event *ev, size_t keep);
/* 1-based rank of pid among the candidates, 0 if not among them. */
size_t oom_event__rank_of(const struct oom_event *ev, int32_t pid);

/*
 * The names of the container a task runs in (by the container id of its
 * cgroup path), or NULL. oom_event__add_names: a slot for container_id, the
 * existing one if it is there; NULL when the table is full.
 */
const struct oom_names *oom_event__names_of(const struct oom_event *ev,
					    const struct oom_task *t);
struct oom_names *oom_event__add_names(struct oom_event *ev, const char *container_id);
/* Append what to the comma list `missing` (once; cut if it does not fit). */
void oom_event__add_missing(struct oom_event *ev, const char *what);

const char *oom_constraint__name(enum oom_constraint c);
const char *oom_skip__name(enum oom_skip s);
const char *oom_victim_reason__name(enum oom_victim_reason r);
/* "summary", "oom_reaper"; NULL for the kill line (nothing to say). */
const char *oom_victim_from__name(enum oom_victim_from f);

/*
 * The kernel's oom_badness() from its parts (5.9+): rss + swap + page tables,
 * plus oom_score_adj in units of totalpages/1000 (integer division first,
 * as the kernel does).
 */
int64_t oom_points(uint64_t rss_pages, uint64_t swap_pages,
		   uint64_t pgtables_bytes, int32_t adj, uint64_t totalpages,
		   uint32_t page_size);
/* The part of the points that oom_score_adj contributes. */
int64_t oom_points_adj_part(int32_t adj, uint64_t totalpages);

#endif
