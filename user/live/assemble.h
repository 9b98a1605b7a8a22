/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembly of ring-buffer records (bpf/oomtrace.h) into events. One OOM is
 * in flight at a time; it is complete at its END record, or, in tracepoint
 * mode (which cannot see out_of_memory return), when the next OOM opens or
 * no record of it arrived for ASSEMBLE_QUIET_MS.
 */
#ifndef OOMTRACE_ASSEMBLE_H
#define OOMTRACE_ASSEMBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define ASSEMBLE_QUIET_MS 100
/*
 * Aftermath records (reaper, exit) are sent without waking us: a wake-up
 * from BPF costs the OOM path an inter-processor interrupt. Only the record
 * that closes an OOM wakes us; after it we look for aftermath every
 * ASSEMBLE_AFTERMATH_POLL_MS, for ASSEMBLE_REAPER_WATCH_MS (the reaper
 * starts 2 s after the kill on 5.19+) and while a victim killed less than
 * ASSEMBLE_EXIT_WATCH_MS ago has not exited. Idle, nothing polls.
 */
#define ASSEMBLE_AFTERMATH_POLL_MS 100
#define ASSEMBLE_REAPER_WATCH_MS 3000
#define ASSEMBLE_EXIT_WATCH_MS 30000
#define ASSEMBLE_EXIT_WATCH_MAX 64	/* victims watched; more wait for the next wake-up */
/*
 * The event being assembled lives in storage allocated once, by
 * assembler__new: nothing on the event path allocates, so a recorder does
 * not fail for want of memory in the middle of the OOM it records. These
 * bound it; what does not fit is counted (oom_event.victims_dropped,
 * frames_dropped; candidates beyond the kept ones in candidates_total).
 */
#define ASSEMBLE_MAX_VICTIMS 256	/* a memory.oom.group kill of more is counted */
/* preallocated when "all" (keep 0) is asked for; more grow the storage */
#define ASSEMBLE_MAX_CANDIDATES 4096
/* user stack frames kept (UUNWIND_MAX unwound, with their inlined calls) */
#define ASSEMBLE_MAX_USER_FRAMES 160
/*
 * Aftermath records held while their event is pending (a victim's exit
 * and reaper stages), in storage allocated with the assembler: more grow
 * it, and one that cannot be held for want of memory is counted unmatched.
 */
#define ASSEMBLE_HELD_PREALLOC 64
/* cgroup names held (the least recently used make room; BPF sends them again) */
#define ASSEMBLE_CGROUP_NAMES 256

struct ksyms_cache;
struct cgroup_names;

struct assembler_ops {
	/* A complete event; it is the assembler's and reused after the call. */
	void (*event)(struct oom_event *ev, void *arg);
	void (*aftermath)(const struct oom_aftermath *a, void *arg);
	/*
	 * The BPF side's own totals for an OOM (tasks evaluated, records lost),
	 * 0 or -errno if no longer known; NULL when there is no BPF side.
	 */
	int (*totals)(void *arg, uint64_t oom_id, uint64_t *ret_candidates, uint64_t *ret_lost);
	/* Records the BPF side failed to deliver so far (all kinds); NULL if unknown. */
	uint64_t (*dropped)(void *arg);
	/*
	 * A cgroup name was dropped from the full name table: the BPF side
	 * must name that cgroup again when it next sees it. NULL if none.
	 */
	void (*forget_cgroup)(void *arg, uint64_t id);
	/*
	 * The most stack a USTACK record carries (the BPF side's --ustack-copy),
	 * the room kept for it; 0: OOMT_USTACK_COPY_MAX.
	 */
	uint32_t ustack_copy;
	void *arg;
};

struct assembler;

/*
 * ksyms: kernel stacks are symbolized through it (NULL: left as addresses).
 * keep_candidates: the top K kept per event (0 = all: ASSEMBLE_MAX_CANDIDATES
 * preallocated, more allocated as they come; should that fail, the top ones
 * are kept). NULL on ENOMEM.
 */
struct assembler *assembler__new(const struct assembler_ops *ops, size_t keep_candidates,
				 struct ksyms_cache *ksyms);
void assembler__free(struct assembler *a);
/* Feed one ring-buffer record; 0, or -EINVAL for a malformed one. */
int assembler__feed(struct assembler *a, const void *data, size_t size);
/*
 * Milliseconds until the next look at the ring buffer: a pending event must
 * be flushed, or aftermath is expected (see ASSEMBLE_AFTERMATH_POLL_MS);
 * -1 if nothing is.
 */
int assembler__timeout_ms(struct assembler *a);
/* Complete a pending event if it has been quiet long enough (or force). */
void assembler__flush(struct assembler *a, int force);
/* Aftermath records (exit, reaper) that matched no event still known. */
uint64_t assembler__unmatched(const struct assembler *a);
/* Events emitted so far. */
uint64_t assembler__events(const struct assembler *a);
/* Is an event open (records arrived, not complete yet)? */
bool assembler__pending(const struct assembler *a);

#endif
