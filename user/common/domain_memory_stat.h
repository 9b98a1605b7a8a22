/* SPDX-License-Identifier: GPL-2.0 */
/*
 * domain_memory's breakdown from a memcg's memory.stat (cgroup v1 or v2,
 * values in bytes) and from /proc/meminfo (a global OOM's domain). They
 * set only the keys the text has; what the counters give (usage and limit
 * of a memcg) is not read here.
 */
#ifndef OOMTRACE_DOMAIN_MEMORY_STAT_H
#define OOMTRACE_DOMAIN_MEMORY_STAT_H

#include "domain_memory.h"

/* 0, or -EINVAL (a known key without a number, or no known key at all). */
int domain_memory_parse_stat(const char *buf, struct oom_domain_memory *dm);
/*
 * limit_kb (MemTotal), free, usage (MemTotal - MemFree), anon and file as
 * Mem-Info's lists give them (shmem moved from anon to file), shmem, slab,
 * kernel stacks, page tables, percpu, unevictable, hugetlb.
 * 0, or -EINVAL (no MemTotal, or a malformed number).
 */
int domain_memory_parse_meminfo(const char *buf, struct oom_domain_memory *dm);

#endif
