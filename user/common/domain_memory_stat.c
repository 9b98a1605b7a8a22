// SPDX-License-Identifier: GPL-2.0
/*
 * domain_memory's breakdown from the files the kernel keeps it in: a
 * memcg's memory.stat (v1 or v2) and /proc/meminfo for the whole machine.
 * Parsers of text (fuzzed with the other procfs parsers).
 */
#include <errno.h>
#include <string.h>

#include "domain_memory_stat.h"
#include "procfs_read.h"

/* memory.stat key -> fact; v1's hierarchical "total_" keys come first and win */
static const struct {
	const char *key;
	enum dm_key k;
} stat_keys[] = {
	/* cgroup v1 (use_hierarchy: the totals are the group's whole subtree) */
	{ "total_rss", DM_ANON }, { "total_cache", DM_FILE }, { "total_shmem", DM_SHMEM },
	{ "total_unevictable", DM_UNEVICTABLE },
	/* cgroup v2 */
	{ "anon", DM_ANON }, { "file", DM_FILE }, { "shmem", DM_SHMEM }, { "kernel", DM_KERNEL },
	{ "kernel_stack", DM_KERNEL_STACK }, { "pagetables", DM_PAGETABLES },
	{ "percpu", DM_PERCPU }, { "sock", DM_SOCK },
	{ "slab_reclaimable", DM_SLAB_RECLAIMABLE },
	{ "slab_unreclaimable", DM_SLAB_UNRECLAIMABLE }, { "unevictable", DM_UNEVICTABLE },
	/* cgroup v1 without hierarchy totals */
	{ "rss", DM_ANON }, { "cache", DM_FILE },
};

int domain_memory_parse_stat(const char *buf, struct oom_domain_memory *dm)
{
	uint32_t seen = 0;
	uint64_t v;
	int err;

	for (size_t i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++) {
		enum dm_key k = stat_keys[i].k;

		if (seen & (1u << k))
			continue;
		err = procfs_find_key_u64(buf, stat_keys[i].key, &v);
		if (err == -ENOENT)
			continue;
		if (err || v / 1024 > PROCFS_MAX_KB)
			return -EINVAL;
		dm_set(dm, k, v / 1024);	/* bytes */
		seen |= 1u << k;
	}
	return seen ? 0 : -EINVAL;
}

/* "Key:   123 kB" */
static int meminfo_kb(const char *buf, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	const char *l, *next;

	for (l = buf; l && *l; l = next) {
		size_t len = procfs_line_len(l, &next);
		const char *val = procfs_key_value(l, len, key);

		if (!val || klen >= len)
			continue;
		if (procfs_parse_u64_prefix(val, ret) || *ret > PROCFS_MAX_KB)
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

int domain_memory_parse_meminfo(const char *buf, struct oom_domain_memory *dm)
{
	static const struct {
		const char *key;
		enum dm_key k;
	} same[] = {
		{ "MemTotal:", DM_LIMIT }, { "MemFree:", DM_FREE }, { "Shmem:", DM_SHMEM },
		{ "SReclaimable:", DM_SLAB_RECLAIMABLE }, { "SUnreclaim:", DM_SLAB_UNRECLAIMABLE },
		{ "KernelStack:", DM_KERNEL_STACK }, { "PageTables:", DM_PAGETABLES },
		{ "Percpu:", DM_PERCPU }, { "Unevictable:", DM_UNEVICTABLE },
		{ "Hugetlb:", DM_HUGETLB },
	};
	uint64_t aa, ia, af, inf, shmem, v, pages, size;
	int err;

	if (meminfo_kb(buf, "MemTotal:", &v))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		err = meminfo_kb(buf, same[i].key, &v);
		if (err == -ENOENT)
			continue;
		if (err)
			return -EINVAL;
		dm_set(dm, same[i].k, v);
	}
	/* Hugetlb: is 4.16+; before it, the default size's pool */
	if (!dm_has(dm, DM_HUGETLB) && !meminfo_kb(buf, "HugePages_Total:", &pages) &&
	    !meminfo_kb(buf, "Hugepagesize:", &size))
		dm_set(dm, DM_HUGETLB, pages * size);
	if (!meminfo_kb(buf, "SwapTotal:", &size) && !meminfo_kb(buf, "SwapFree:", &v)) {
		dm_set(dm, DM_SWAP_LIMIT, size);
		dm_set(dm, DM_SWAP_USAGE, size > v ? size - v : 0);
	}
	if (dm_has(dm, DM_FREE))
		dm_set(dm, DM_USAGE, dm->kb[DM_LIMIT] > dm->kb[DM_FREE] ?
				     dm->kb[DM_LIMIT] - dm->kb[DM_FREE] : 0);
	/* as kmsg_domain.c reads Mem-Info: shmem sits on the anon LRU lists */
	shmem = dm_has(dm, DM_SHMEM) ? dm->kb[DM_SHMEM] : 0;
	if (dm_has(dm, DM_SHMEM) && !meminfo_kb(buf, "Active(anon):", &aa) &&
	    !meminfo_kb(buf, "Inactive(anon):", &ia))
		dm_set(dm, DM_ANON, aa + ia > shmem ? aa + ia - shmem : 0);
	if (dm_has(dm, DM_SHMEM) && !meminfo_kb(buf, "Active(file):", &af) &&
	    !meminfo_kb(buf, "Inactive(file):", &inf))
		dm_set(dm, DM_FILE, af + inf + shmem);
	return 0;
}
