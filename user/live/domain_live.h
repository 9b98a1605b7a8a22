/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OOM domain's memory of a live event. What the kill changes was read
 * on the OOM path, in the KILL record (assemble.c puts it in the event):
 * the memcg's page counters (usage, limit, swap or memory+swap, v1's kmem),
 * or for a global OOM the counters the kernel's Mem-Info prints (free
 * pages, LRU lists, shmem, slab, kernel stacks, page tables). The rest is
 * read here, when the event is complete, from the memcg's memory.stat or,
 * for a global OOM, /proc/meminfo (MemTotal, hugetlb, percpu, swap).
 */
#ifndef OOMTRACE_DOMAIN_LIVE_H
#define OOMTRACE_DOMAIN_LIVE_H

#include "event.h"
#include "memcg_limits.h"

/*
 * Complete ev->domain_memory: the breakdown, then unkillable_kb. m is the
 * memory controller's mount (NULL or version 0: not found; a memcg event
 * keeps its counters alone). proc_root: "" for the real /proc (tests: a
 * fixture tree). Never allocates; what cannot be read stays absent.
 */
void domain_live_fill(struct oom_event *ev, const struct memcg_mount *m, const char *proc_root);

#endif
