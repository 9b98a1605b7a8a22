// SPDX-License-Identifier: GPL-2.0
/* The OOM domain's memory: key names, and what no kill can free. */
#include <stddef.h>

#include "domain_memory.h"
#include "event.h"

static const char *const names[DM__COUNT] = {
	[DM_USAGE] = "usage_kb",
	[DM_LIMIT] = "limit_kb",
	[DM_SWAP_USAGE] = "swap_usage_kb",
	[DM_SWAP_LIMIT] = "swap_limit_kb",
	[DM_MEMSW_USAGE] = "memsw_usage_kb",
	[DM_MEMSW_LIMIT] = "memsw_limit_kb",
	[DM_ANON] = "anon_kb",
	[DM_FILE] = "file_kb",
	[DM_SHMEM] = "shmem_kb",
	[DM_KERNEL] = "kernel_kb",
	[DM_SLAB_RECLAIMABLE] = "slab_reclaimable_kb",
	[DM_SLAB_UNRECLAIMABLE] = "slab_unreclaimable_kb",
	[DM_KERNEL_STACK] = "kernel_stack_kb",
	[DM_PAGETABLES] = "pagetables_kb",
	[DM_SOCK] = "sock_kb",
	[DM_PERCPU] = "percpu_kb",
	[DM_FREE] = "free_kb",
	[DM_HUGETLB] = "hugetlb_kb",
	[DM_UNEVICTABLE] = "unevictable_kb",
	[DM_UNKILLABLE] = "unkillable_kb",
	[DM_UNK_SHMEM] = "shmem_kb",
	[DM_UNK_SLAB] = "slab_kb",
	[DM_UNK_KERNEL] = "kernel_kb",
	[DM_UNK_FILE] = "file_kb",
};

static const char *const labels[DM__COUNT] = {
	[DM_USAGE] = "usage",
	[DM_LIMIT] = "limit",
	[DM_SWAP_USAGE] = "swap",
	[DM_SWAP_LIMIT] = "swap limit",
	[DM_MEMSW_USAGE] = "memory+swap",
	[DM_MEMSW_LIMIT] = "memory+swap limit",
	[DM_ANON] = "anon",
	[DM_FILE] = "file",
	[DM_SHMEM] = "shmem",
	[DM_KERNEL] = "kernel",
	[DM_SLAB_RECLAIMABLE] = "slab reclaimable",
	[DM_SLAB_UNRECLAIMABLE] = "slab unreclaimable",
	[DM_KERNEL_STACK] = "kernel stacks",
	[DM_PAGETABLES] = "page tables",
	[DM_SOCK] = "sockets",
	[DM_PERCPU] = "percpu",
	[DM_FREE] = "free",
	[DM_HUGETLB] = "hugetlb",
	[DM_UNEVICTABLE] = "unevictable",
	[DM_UNKILLABLE] = "unkillable",
	[DM_UNK_SHMEM] = "shmem",
	[DM_UNK_SLAB] = "slab",
	[DM_UNK_KERNEL] = "kernel",
	[DM_UNK_FILE] = "page cache",
};

const char *dm_key_name(enum dm_key k)
{
	return k < DM__COUNT ? names[k] : "";
}

const char *dm_key_label(enum dm_key k)
{
	return k < DM__COUNT ? labels[k] : "";
}

bool domain_memory_verdict(const struct oom_domain_memory *dm, struct dm_verdict *ret)
{
	int worst = -1;

	if (!dm_has(dm, DM_UNKILLABLE) || !dm_has(dm, DM_USAGE) ||
	    dm->kb[DM_UNKILLABLE] * 2 <= dm->kb[DM_USAGE])
		return false;
	for (int k = DM_FIRST_UNK_PART; k < DM__COUNT; k++)
		if (dm_has(dm, k) && (worst < 0 || dm->kb[k] > dm->kb[worst]))
			worst = k;
	if (worst >= 0 && !dm->kb[worst])
		worst = -1;
	ret->usage_kb = dm->kb[DM_USAGE];
	ret->frees_kb = dm->kb[DM_USAGE] - dm->kb[DM_UNKILLABLE];
	ret->part = worst;
	ret->part_kb = worst >= 0 ? dm->kb[worst] : 0;
	return true;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static bool task_has(const struct oom_task *t, uint32_t bits)
{
	return t->has & TASK_HAS_MEM || (t->has & bits) == bits;
}

#define SPLIT (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM)

static void held_add(struct dm_held *h, const struct oom_task *t, uint32_t page_size)
{
	uint64_t pkb = page_size / 1024, rss;

	h->tasks++;
	/* an unkillable task's memory (adj -1000, ...) is not freed by any kill */
	if (t->skip != OOM_SKIP_NONE)
		return;
	if (!task_has(t, TASK_HAS_PGTABLES)) {
		h->unknown = true;
		return;
	}
	if (task_has(t, SPLIT)) {
		rss = t->rss_anon_pages + t->rss_file_pages + t->rss_shmem_pages;
		h->shmem += t->rss_shmem_pages * pkb;
		h->file += t->rss_file_pages * pkb;
	} else if (t->has & TASK_HAS_RSS) {
		rss = t->rss_pages;
		h->no_split = true;
	} else {
		h->unknown = true;
		return;
	}
	h->pgtables += t->pgtables_bytes / 1024;
	/* usage counts memory, not swap: what a kill frees of it is rss and
	 * page tables (oom_badness adds the swap too) */
	h->total += rss * pkb + t->pgtables_bytes / 1024;
}

void domain_memory_hold(struct oom_domain_memory *dm, const struct oom_task *t,
			uint32_t page_size)
{
	held_add(&dm->held, t, page_size);
}

void domain_memory_set_counters(struct oom_domain_memory *dm, const struct dm_counters *c)
{
	/* memory+swap below memory: swap accounting is off (swapaccount=0) */
	bool memsw = c->has_memsw && (!c->has_mem || c->memsw_usage >= c->mem_usage);

	if (c->has_mem) {
		dm_set(dm, DM_USAGE, c->mem_usage);
		if (!dm_limit_is_max(c->mem_limit))
			dm_set(dm, DM_LIMIT, c->mem_limit);
	}
	if (c->has_swap) {
		dm_set(dm, DM_SWAP_USAGE, c->swap_usage);
		if (!dm_limit_is_max(c->swap_limit))
			dm_set(dm, DM_SWAP_LIMIT, c->swap_limit);
	} else if (memsw && c->has_mem) {
		/* v1 has no swap limit of its own: memory and swap share memsw's */
		dm_set(dm, DM_SWAP_USAGE, c->memsw_usage - c->mem_usage);
	}
	if (memsw) {
		dm_set(dm, DM_MEMSW_USAGE, c->memsw_usage);
		if (!dm_limit_is_max(c->memsw_limit))
			dm_set(dm, DM_MEMSW_LIMIT, c->memsw_limit);
	}
	/* v1's kmem counter: every kernel allocation charged to the group */
	if (c->has_kmem && !dm_has(dm, DM_KERNEL))
		dm_set(dm, DM_KERNEL, c->kmem_usage);
}

/* What every evaluated candidate holds; false if that is not known. */
static bool candidates_held(const struct oom_event *ev, struct dm_held *h)
{
	if (!(ev->has & EV_HAS_CANDIDATES))
		return false;
	if (ev->domain_memory.held.tasks == ev->candidates_total && ev->candidates_total) {
		*h = ev->domain_memory.held;
	} else {
		if (ev->n_candidates != ev->candidates_total)
			return false;
		*h = (struct dm_held){ 0 };
		for (size_t i = 0; i < ev->n_candidates; i++)
			held_add(h, &ev->candidates[i], ev->page_size);
	}
	return !h->unknown;
}

void domain_memory_unkillable(struct oom_event *ev)
{
	struct dm_held h;

	if (candidates_held(ev, &h)) {
		domain_memory_unkillable_from(&ev->domain_memory, &h);
		return;
	}
	for (int k = DM_UNKILLABLE; k < DM__COUNT; k++)
		ev->domain_memory.has &= ~(1u << k);
}

void domain_memory_unkillable_from(struct oom_domain_memory *dm, const struct dm_held *held)
{
	const struct dm_held h = *held;
	uint64_t slab = 0, kernel;
	bool has_slab;

	for (int k = DM_UNKILLABLE; k < DM__COUNT; k++)
		dm->has &= ~(1u << k);
	if (!dm_has(dm, DM_USAGE) || h.unknown)
		return;
	dm_set(dm, DM_UNKILLABLE, sub0(dm->kb[DM_USAGE], h.total));
	if (dm_has(dm, DM_SHMEM) && !h.no_split)
		dm_set(dm, DM_UNK_SHMEM, sub0(dm->kb[DM_SHMEM], h.shmem));
	has_slab = dm_has(dm, DM_SLAB_RECLAIMABLE) || dm_has(dm, DM_SLAB_UNRECLAIMABLE);
	if (dm_has(dm, DM_SLAB_RECLAIMABLE))
		slab += dm->kb[DM_SLAB_RECLAIMABLE];
	if (dm_has(dm, DM_SLAB_UNRECLAIMABLE))
		slab += dm->kb[DM_SLAB_UNRECLAIMABLE];
	if (has_slab)
		dm_set(dm, DM_UNK_SLAB, slab);
	/* the rest of the kernel's memory: all of it but slab and what page
	 * tables the candidates own (freed with them) */
	if (dm_has(dm, DM_KERNEL)) {
		dm_set(dm, DM_UNK_KERNEL, sub0(sub0(dm->kb[DM_KERNEL], slab), h.pgtables));
	} else if (dm_has(dm, DM_KERNEL_STACK) || dm_has(dm, DM_PERCPU) || dm_has(dm, DM_SOCK)) {
		kernel = dm->kb[DM_KERNEL_STACK] * dm_has(dm, DM_KERNEL_STACK) +
			 dm->kb[DM_PERCPU] * dm_has(dm, DM_PERCPU) +
			 dm->kb[DM_SOCK] * dm_has(dm, DM_SOCK);
		if (dm_has(dm, DM_PAGETABLES))
			kernel += sub0(dm->kb[DM_PAGETABLES], h.pgtables);
		dm_set(dm, DM_UNK_KERNEL, kernel);
	}
	/* page cache outside shmem that no candidate maps */
	if (dm_has(dm, DM_FILE) && !h.no_split) {
		uint64_t cache = dm->kb[DM_FILE];

		if (dm_has(dm, DM_SHMEM))
			cache = sub0(cache, dm->kb[DM_SHMEM]);
		dm_set(dm, DM_UNK_FILE, sub0(cache, h.file));
	}
}
