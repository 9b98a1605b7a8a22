/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OOM domain's memory at the kill ("domain_memory" in an event): usage
 * and limit, where the memory went, and how much of it no kill can free.
 *
 * Every number is a kB count with its own bit in `has`: a kernel, a cgroup
 * version or a log shows only some of them, and an absent bit means the
 * source did not give it (never 0). The keys are the schema's, in
 * dm_key order (the JSON renderer writes them in that order).
 */
#ifndef OOMTRACE_DOMAIN_MEMORY_H
#define OOMTRACE_DOMAIN_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

enum dm_key {
	DM_USAGE,
	DM_LIMIT,
	DM_SWAP_USAGE,
	DM_SWAP_LIMIT,
	DM_MEMSW_USAGE,		/* cgroup v1: memory+swap, limited together */
	DM_MEMSW_LIMIT,
	DM_ANON,		/* anonymous memory, shmem not included */
	DM_FILE,		/* page cache, shmem included (as memory.stat's "file") */
	DM_SHMEM,
	DM_KERNEL,		/* every kernel allocation charged (v1: kmem usage) */
	DM_SLAB_RECLAIMABLE,
	DM_SLAB_UNRECLAIMABLE,
	DM_KERNEL_STACK,
	DM_PAGETABLES,
	DM_SOCK,
	DM_PERCPU,
	DM_FREE,		/* global OOMs */
	DM_HUGETLB,		/* global: the hugetlb pools, used or not */
	DM_UNEVICTABLE,
	DM_UNKILLABLE,		/* usage no kill of a candidate frees (less their rss, page tables) */
	/* its named parts ("unkillable":{...}) */
	DM_UNK_SHMEM,		/* shmem no candidate maps */
	DM_UNK_SLAB,
	DM_UNK_KERNEL,		/* kernel memory besides slab and candidates' page tables */
	DM_UNK_FILE,		/* page cache no candidate maps */
	DM__COUNT,
};

#define DM_FIRST_UNK_PART DM_UNK_SHMEM

/* What the killable candidates hold, in kB, by the parts oom_badness counts. */
struct dm_held {
	uint64_t tasks;		/* candidates summed (skipped ones included) */
	uint64_t total, shmem, file, pgtables;
	bool no_split;		/* some rss known only as a total */
	bool unknown;		/* some rss, swap or page tables not known */
};

struct oom_domain_memory {
	uint32_t has;		/* 1u << enum dm_key */
	uint64_t kb[DM__COUNT];
	/*
	 * The candidates' memory summed as they stream in (not rendered): a
	 * source that keeps only the top K still knows what all of them hold.
	 */
	struct dm_held held;
};

/* The JSON key of k: "usage_kb"; inside "unkillable": "shmem_kb". */
const char *dm_key_name(enum dm_key k);
/* The word for a part in text: "anon", "slab_reclaimable" -> "slab (reclaimable)". */
const char *dm_key_label(enum dm_key k);

static inline bool dm_has(const struct oom_domain_memory *dm, enum dm_key k)
{
	return dm->has & (1u << k);
}

static inline void dm_set(struct oom_domain_memory *dm, enum dm_key k, uint64_t kb)
{
	dm->kb[k] = kb;
	dm->has |= 1u << k;
}

static inline void dm_add(struct oom_domain_memory *dm, enum dm_key k, uint64_t kb)
{
	dm_set(dm, k, (dm_has(dm, k) ? dm->kb[k] : 0) + kb);
}

/*
 * A page counter's limit as shown: the kernel's "no limit" is
 * PAGE_COUNTER_MAX pages (9007199254740988kB with 4 KiB pages on 64 bit,
 * less on 32 bit): any limit of 2^50 kB or more stands for it.
 */
static inline bool dm_limit_is_max(uint64_t kb)
{
	return kb >= (1ull << 50);
}

/* A memcg's page counters, in kB, as the kernel prints or BPF reads them. */
struct dm_counters {
	bool has_mem, has_memsw, has_swap, has_kmem;
	uint64_t mem_usage, mem_limit;
	uint64_t memsw_usage, memsw_limit;	/* cgroup v1: memory+swap */
	uint64_t swap_usage, swap_limit;	/* cgroup v2 */
	uint64_t kmem_usage;			/* cgroup v1 */
};

/*
 * usage, limit, swap and v1's memory+swap from the counters; kernel_kb from
 * v1's kmem unless already set (memory.stat's "kernel" is the same count).
 * A limit at the kernel's maximum is no limit: left absent.
 */
void domain_memory_set_counters(struct oom_domain_memory *dm, const struct dm_counters *c);

/*
 * The verdict on a domain: over half of its usage is memory no kill of a
 * candidate frees. frees_kb is what killing them all could free at most;
 * part the largest unkillable part (DM_UNK_*, -1 when none is named or all
 * are 0).
 */
struct dm_verdict {
	uint64_t frees_kb, usage_kb;
	int part;
	uint64_t part_kb;
};

/* true and *ret filled when the verdict applies (unkillable > usage / 2). */
bool domain_memory_verdict(const struct oom_domain_memory *dm, struct dm_verdict *ret);

struct oom_event;
struct oom_task;
/* Add an evaluated candidate to dm->held (before any top-K cut). */
void domain_memory_hold(struct oom_domain_memory *dm, const struct oom_task *t,
			uint32_t page_size);
/*
 * unkillable_kb and its parts from usage, the breakdown and the candidates
 * (their rss and page tables is what killing them can free of usage, which
 * counts no swap): from dm->held when it counted every evaluated
 * candidate, else from the kept ones when none was cut. Otherwise absent: a
 * top-K cut would make the sum too small and the verdict too grim. Clears
 * the bits first; sets what can be derived.
 */
void domain_memory_unkillable(struct oom_event *ev);
/* The same from a known dm_held (every candidate summed): for sources without an event. */
void domain_memory_unkillable_from(struct oom_domain_memory *dm, const struct dm_held *h);

#endif
