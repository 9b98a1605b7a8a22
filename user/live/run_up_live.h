/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How the OOM domain ran out ("run_up") of a live event. The reclaim
 * numbers come from BPF in the KILL record (assemble.c): here they are
 * kept only when their tracepoints were attached, and the window is cut to
 * the time the tracer has run. The rest is read when the event is
 * complete: the domain's pressure-stall totals (cgroup v2's memory.pressure,
 * else the machine's /proc/pressure/memory) and its memory.events counters
 * (v1: memory.failcnt and memory.oom_control's oom_kill), as deltas against
 * the previous event of the same domain, or against the tracer's start.
 *
 * At start every memory cgroup's counters are read once (a domain created
 * later started from zero); events find their domain's baseline in a table
 * allocated then, so the event path does not allocate. A domain whose
 * baseline is not known (the table was full) gets no deltas, and says so in
 * `missing` (run_up_baseline).
 */
#ifndef OOMTRACE_RUN_UP_LIVE_H
#define OOMTRACE_RUN_UP_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "memcg_limits.h"

/* baselines kept: every memory cgroup at start (at most RUN_UP_START_MAX),
 * and RUN_UP_LATER more for domains made since; then the oldest goes */
#define RUN_UP_START_MAX 65536
#define RUN_UP_LATER 256

/* One domain's counters at one moment. */
struct run_up_base {
	uint64_t key;		/* run_up_key() of its path; 0 = unused slot */
	uint64_t time_ns;	/* CLOCK_REALTIME when read */
	uint32_t has;		/* RU_HAS_PSI_SOME, RU_HAS_PSI_FULL, RU_PSI_SYSTEM */
	uint32_t events_has;	/* 1u << enum ru_event */
	uint64_t psi_some_us, psi_full_us;
	uint64_t events[RU_EV__COUNT];
};

struct run_up_live {
	struct memcg_mount m;	/* version 0: none */
	char proc_root[256];	/* "" for the real /proc (tests: a fixture tree) */
	uint64_t start_ns;	/* CLOCK_REALTIME of the start baselines */
	bool reclaim_memcg, reclaim_direct;	/* the loader attached them */
	bool start_complete;	/* every cgroup at start has its baseline */
	struct run_up_base *b;
	size_t n, cap;
};

/* A domain's key: a hash of its path, "" for the whole machine; never 0. */
uint64_t run_up_key(const char *memcg_path);

/*
 * Read a domain's counters now: memcg_path NULL (or the root cgroup) for
 * the machine, else a path inside m's hierarchy. What cannot be read stays
 * absent in ret->has/events_has. time_ns is left to the caller.
 */
void run_up_read(const struct memcg_mount *m, const char *proc_root, const char *memcg_path,
		 struct run_up_base *ret);

/*
 * ru's PSI and events from now less base (NULL: counters that started at
 * zero, a domain created after the tracer's start). A counter that went
 * back means the cgroup was removed and made anew: then now is the delta.
 * Only counters present in both are set.
 */
void run_up_delta(const struct run_up_base *base, const struct run_up_base *now,
		  struct oom_run_up *ru);

/*
 * Set up: baselines of every memory cgroup and of the machine, read now.
 * m may be NULL. Returns 0 or -ENOMEM.
 */
int run_up_live__init(struct run_up_live *r, const struct memcg_mount *m, const char *proc_root,
		      bool reclaim_memcg, bool reclaim_direct);
/* Complete ev->run_up (see above); the domain's baseline becomes this event's. */
void run_up_live__fill(struct run_up_live *r, struct oom_event *ev);
void run_up_live__free(struct run_up_live *r);

#endif
