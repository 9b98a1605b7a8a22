/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A memory cgroup's limit, usage and OOM counters, for cgroup v1 and v2, and
 * the totalpages the kernel scores a memcg OOM against
 * (mem_cgroup_get_max()). Like procfs.h, everything takes a root directory
 * so tests can feed fixture trees, and the parsers take text.
 */
#ifndef OOMTRACE_MEMCG_LIMITS_H
#define OOMTRACE_MEMCG_LIMITS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Where the memory controller's hierarchy is mounted. */
struct memcg_mount {
	int version;		/* 1 or 2 */
	char dir[PATH_MAX];	/* ROOT + mount point, e.g. /sys/fs/cgroup/memory */
};

/* Bits of memcg_info.has */
enum {
	MC_HAS_LIMIT = 1u << 0,		/* memory.limit_in_bytes / memory.max read */
	MC_HAS_MEMSW = 1u << 1,		/* v1 memory.memsw.limit_in_bytes */
	MC_HAS_SWAP_MAX = 1u << 2,	/* v2 memory.swap.max */
	MC_HAS_USAGE = 1u << 3,
	MC_HAS_SWAPPINESS = 1u << 4,	/* v1 memory.swappiness */
	MC_HAS_FAILCNT = 1u << 5,	/* v1 */
	MC_HAS_OOM_CONTROL = 1u << 6,	/* v1 memory.oom_control */
	MC_HAS_EVENTS = 1u << 7,	/* v2 memory.events */
	MC_HAS_OOM_GROUP = 1u << 8,	/* v2 memory.oom.group */
	MC_HAS_HIERARCHY = 1u << 9,	/* v1 memory.use_hierarchy */
};

/* memory.events (v2); absent keys stay 0. */
struct memcg_events {
	uint64_t low, high, max, oom, oom_kill, oom_group_kill;
};

/* memory.oom_control (v1). */
struct memcg_oom_control {
	bool oom_kill_disable;
	bool under_oom;
	bool has_oom_kill;	/* the oom_kill counter is 4.13+ */
	uint64_t oom_kill;
};

/* Byte values of "unlimited" are kept as UINT64_MAX. */
struct memcg_info {
	uint32_t has;
	int version;
	char path[OOM_PATH_MAX];	/* cgroup path, "/" for the root */
	uint64_t limit_bytes;		/* memory.max / limit_in_bytes */
	uint64_t memsw_limit_bytes;	/* v1 memory+swap */
	uint64_t swap_max_bytes;	/* v2 swap alone */
	uint64_t usage_bytes;
	uint64_t failcnt;
	unsigned int swappiness;
	bool use_hierarchy;
	bool oom_group;
	struct memcg_events events;
	struct memcg_oom_control oom_control;
};

/*
 * Parse mountinfo text: the v1 hierarchy carrying "memory" and the first
 * cgroup2 mount point (either may be missing: ""). Octal escapes (\040) in
 * mount points are decoded. Returns 0, -EINVAL on malformed text.
 */
int memcg_parse_mountinfo(const char *buf, char *v1_dir, size_t v1_size, char *v2_dir,
			  size_t v2_size);
/*
 * A limit file: a number of bytes or "max". Values at or above the kernel's
 * PAGE_COUNTER_MAX (LONG_MAX/page_size pages) mean unlimited too.
 * Returns 0 (UINT64_MAX for unlimited) or -EINVAL.
 */
int memcg_parse_limit(const char *buf, uint32_t page_size, uint64_t *ret_bytes);
int memcg_parse_events(const char *buf, struct memcg_events *ret);
int memcg_parse_oom_control(const char *buf, struct memcg_oom_control *ret);

/*
 * Find the memory controller: from ROOT/proc/self/mountinfo, else the usual
 * places (/sys/fs/cgroup/memory for v1, /sys/fs/cgroup for v2).
 * Returns 0, or -ENOENT with a one-line reason in err.
 */
int memcg_find_mount(const char *root, struct memcg_mount *ret, char *err, size_t err_size);

/*
 * "/sys/fs/cgroup/memory/a/b" or "/a/b" -> "/a/b" (a path inside the
 * hierarchy). -EINVAL for a relative path or one that climbs with "..".
 */
int memcg_normalize_path(const struct memcg_mount *m, const char *root, const char *arg,
			 char *ret, size_t size);

/*
 * Read the cgroup at path (a hierarchy path). Returns 0; -ENOENT (no such
 * cgroup) or -EINVAL (a file is malformed), with the reason in err.
 */
int memcg_read(const struct memcg_mount *m, const char *path, uint32_t page_size,
	       struct memcg_info *ret, char *err, size_t err_size);

/* A memory (v1: or memory+swap) limit is set: this cgroup can have an OOM of its own. */
bool memcg_is_limited(const struct memcg_info *mi);

/*
 * The kernel's OOM domain for tasks in path: path itself or the nearest
 * ancestor with a limit (the one whose limit a charge hits). Sets
 * *ret_found false when nothing up to the root is limited (the OOM would
 * be global). Returns 0 or -errno with err.
 */
int memcg_oom_domain(const struct memcg_mount *m, const char *path, uint32_t page_size,
		     struct memcg_info *ret, bool *ret_found, char *err, size_t err_size);

/*
 * mem_cgroup_get_max(): the memcg's limit in pages, plus the swap it may use
 * when its swappiness is not 0 (v1: memsw limit minus memory limit; v2:
 * memory.swap.max), capped at the system's swap. vm_swappiness is the global
 * value (v2 has no per-cgroup one). Never 0 (the kernel uses 1 then).
 */
uint64_t memcg_totalpages(const struct memcg_info *mi, uint64_t total_swap_pages,
			  unsigned int vm_swappiness, uint32_t page_size);

/*
 * Is path (a cgroup path from /proc or an argument) prefix or below it?
 * cgroup_path_within, except that the root holds only paths that start
 * with "/": a task whose path is no path is in no domain.
 */
bool memcg_path_within(const char *path, const char *prefix);

#endif
