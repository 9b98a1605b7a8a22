// SPDX-License-Identifier: GPL-2.0
/* The kernel's OOM kill counters, and the recorder's agreement with them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs_read.h"
#include "reconcile.h"

int kernel_oom_kills(const char *vmstat_path, uint64_t *ret)
{
	return procfs_read_key_u64(vmstat_path ? vmstat_path : VMSTAT_PATH, "oom_kill", ret);
}

int cgroup_oom_kills(const char *root, const char *cgroup, uint64_t *ret, char *ret_path,
		     size_t path_size)
{
	static const struct { const char *mount, *file; } where[] = {
		{ "", "memory.events" },		/* v2 unified at the root */
		{ "/unified", "memory.events" },	/* v2 beside v1 (hybrid) */
		{ "/memory", "memory.oom_control" },	/* v1 */
	};

	if (!root)
		root = "/sys/fs/cgroup";
	if (!cgroup[0] || !strcmp(cgroup, "/"))
		return -ENOENT;
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		int n = snprintf(ret_path, path_size, "%s%s%s/%s", root, where[i].mount, cgroup,
				 where[i].file);

		if (n < 0 || (size_t)n >= path_size)
			return -ENAMETOOLONG;
		if (!procfs_read_key_u64(ret_path, "oom_kill", ret))
			return 0;
	}
	return -ENOENT;
}

void reconciler__init(struct reconciler *r, uint64_t base)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
}

int64_t reconciler__gap(const struct reconciler *r, uint64_t kernel_now)
{
	return (int64_t)(kernel_now - r->base) - (int64_t)r->captured;
}

bool reconciler__check(struct reconciler *r, uint64_t kernel_now, uint64_t now_ms, bool busy,
		       bool force)
{
	int64_t gap = reconciler__gap(r, kernel_now);

	if (gap == r->reported_gap) {
		r->pending = false;
		return false;
	}
	if (!force) {
		if (busy)
			return false;	/* its kills are not counted yet */
		if (!r->pending || r->pending_kernel != kernel_now ||
		    r->pending_captured != r->captured) {
			r->pending = true;
			r->pending_kernel = kernel_now;
			r->pending_captured = r->captured;
			r->pending_since_ms = now_ms;
			return false;
		}
		if (now_ms - r->pending_since_ms < RECONCILE_SETTLE_MS)
			return false;
	}
	r->pending = false;
	r->reported_gap = gap;
	if (gap)
		r->mismatches++;
	return true;
}

int reconciler__settle_in(const struct reconciler *r, uint64_t now_ms)
{
	uint64_t due;

	if (!r->pending)
		return -1;
	due = r->pending_since_ms + RECONCILE_SETTLE_MS;
	return now_ms >= due ? 0 : (int)(due - now_ms);
}
