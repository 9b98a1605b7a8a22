/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OOM domain's memory from the kernel's report (domain_memory): the
 * memcg's counters ("memory: usage ..kB, limit ..kB", "memory+swap:",
 * "swap:", "kmem:") and its stats ("Memory cgroup stats for ...", in the
 * three formats kernels printed: v1's "cache:..KB rss:..KB" pairs before
 * 5.x, memory.stat lines in bytes since), or for a global OOM show_mem's
 * Mem-Info summary, its per-node lines and the hugepages lines. Collected
 * while the lines arrive, turned into kB facts when the report is complete.
 * Internal to user/kmsg/.
 */
#ifndef OOMTRACE_KMSG_DOMAIN_H
#define OOMTRACE_KMSG_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "kmsg_fields.h"
#include "kmsg_line.h"

/* The stat keys read, from any of the formats. */
enum kd_stat {
	KD_ANON, KD_FILE, KD_SHMEM, KD_KERNEL, KD_KERNEL_STACK, KD_PAGETABLES, KD_PERCPU,
	KD_SOCK, KD_SLAB_RECLAIMABLE, KD_SLAB_UNRECLAIMABLE, KD_UNEVICTABLE,
	KD_CACHE, KD_RSS,	/* v1 */
	KD__COUNT,
};

/* Mem-Info's summary, in pages. */
enum kd_mem {
	KM_ACTIVE_ANON, KM_INACTIVE_ANON, KM_ACTIVE_FILE, KM_INACTIVE_FILE, KM_UNEVICTABLE,
	KM_SLAB_RECLAIMABLE, KM_SLAB_UNRECLAIMABLE, KM_SHMEM, KM_PAGETABLES, KM_FREE,
	KM__COUNT,
};

#define KD_STATS_SEEN 64

struct kmsg_domain {
	/* counters, kB */
	bool has_mem, has_memsw, has_swap, has_kmem;
	uint64_t mem_usage, mem_limit, memsw_usage, memsw_limit, swap_usage, swap_limit;
	uint64_t kmem_usage;
	/* memcg stats, in bytes; "total_" (v1's hierarchical) kept apart */
	uint32_t stat_has, total_has;
	uint64_t stat[KD__COUNT], total[KD__COUNT];
	bool in_stats;		/* a "Memory cgroup stats for" line was seen */
	/* the groups whose old-format stats were added (a pasted log repeats lines) */
	uint64_t stats_seen[KD_STATS_SEEN];
	size_t n_stats_seen;
	/* global */
	uint32_t mem_has;
	uint64_t mem[KM__COUNT];
	bool has_kernel_stack, has_hugetlb;
	bool page_known;	/* a buddy line told the page size */
	bool has_swap_free;
	uint64_t swap_free_kb;	/* "Free swap  = NkB" */
	uint64_t kernel_stack_kb, hugetlb_kb;
};

/* A line of the report that may carry them (any kind: it picks its own). */
void kmsg_domain_take(struct kmsg_domain *d, const struct kmsg_fact *f,
		      const struct kmsg_line *l);

struct report;
/* Fill r->ev->domain_memory from what the report showed, and what no kill frees. */
void kmsg_domain_finish(struct report *r);

#endif
