// SPDX-License-Identifier: GPL-2.0
/* The OOM domain's memory of a live event (see domain_live.h). */
#include <stdio.h>

#include "cgroup_path.h"
#include "domain_live.h"
#include "domain_memory_stat.h"
#include "procfs_read.h"

#define STAT_BUF 16384	/* memory.stat is about 2 KiB, meminfo 1.5 KiB */

/* The victims' page tables, kB: what their exit takes out of kernel memory. */
static uint64_t victims_pgtables_kb(const struct oom_event *ev)
{
	uint64_t kb = 0;

	for (size_t i = 0; i < ev->n_victims; i++) {
		const struct oom_task *v = &ev->victims[i];

		if (v->has & (TASK_HAS_MEM | TASK_HAS_PGTABLES))
			kb += v->pgtables_bytes / 1024;
	}
	return kb;
}

/* Kernel memory as usage counts it: "kernel", or the sum of its parts; false if neither. */
static bool kernel_kb(const struct oom_domain_memory *dm, uint64_t *ret)
{
	static const enum dm_key parts[] = {
		DM_SLAB_RECLAIMABLE, DM_SLAB_UNRECLAIMABLE, DM_KERNEL_STACK, DM_PAGETABLES,
		DM_PERCPU,
	};
	bool any = false;

	*ret = 0;
	if (dm_has(dm, DM_KERNEL)) {
		*ret = dm->kb[DM_KERNEL];
		return true;
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (dm_has(dm, parts[i])) {
			*ret += dm->kb[parts[i]];
			any = true;
		}
	}
	return any;
}

/*
 * memory.stat is read when the event is complete (tracepoint mode: 100 ms
 * after the last record, or when the next OOM opens), while the kernel
 * printed its report, and BPF read the counters, at the kill. By then the
 * victims have exited or been reaped, and another OOM of the group may have
 * killed more: anon memory is what moved. It is taken as the usage at the
 * kill less what does not move with a kill, as usage counts them (page
 * cache with shmem, kernel memory, socket buffers): those read the same now
 * as then, unless the group's tasks changed them in those milliseconds (a
 * file deleted from a tmpfs, say). The victims' page tables, gone from the
 * kernel memory now, are given back up to what usage dropped since.
 */
static void fill_memcg(struct oom_event *ev, const struct memcg_mount *m)
{
	struct oom_domain_memory *dm = &ev->domain_memory, now = { 0 };
	char path[4096], buf[STAT_BUF];
	uint64_t usage_now, freed, pt, other;

	if (!m || !m->version || !(ev->has & EV_HAS_MEMCG))
		return;
	if (procfs_path(path, sizeof(path), "%s%s/memory.stat", m->dir,
			cgroup_path_is_root(ev->memcg) ? "" : ev->memcg) ||
	    procfs_read_file(path, buf, sizeof(buf)) < 0 ||
	    domain_memory_parse_stat(buf, &now))
		return;	/* the group is gone already: the counters alone */
	for (int k = 0; k < DM_UNKILLABLE; k++)
		if (dm_has(&now, k) && !dm_has(dm, k))
			dm_set(dm, k, now.kb[k]);
	if (!dm_has(dm, DM_USAGE))
		return;
	if (!procfs_path(path, sizeof(path), "%s%s/%s", m->dir,
			 cgroup_path_is_root(ev->memcg) ? "" : ev->memcg,
			 m->version == 1 ? "memory.usage_in_bytes" : "memory.current") &&
	    procfs_read_line(path, buf, sizeof(buf)) >= 0 &&
	    !procfs_parse_u64_prefix(buf, &usage_now) && usage_now / 1024 < dm->kb[DM_USAGE]) {
		freed = dm->kb[DM_USAGE] - usage_now / 1024;
		pt = victims_pgtables_kb(ev);
		if (pt > freed)
			pt = freed;
		if (dm_has(&now, DM_PAGETABLES))
			dm->kb[DM_PAGETABLES] += pt;
		if (dm_has(&now, DM_KERNEL))	/* v2's "kernel" holds the page tables */
			dm->kb[DM_KERNEL] += pt;
	}
	/* v1: kernel_kb is kmem at the kill (BPF); v2: memory.stat's, corrected
	 * above; before 5.18 v2 has no "kernel": its parts */
	if (!dm_has(dm, DM_ANON) || !dm_has(dm, DM_FILE) || !kernel_kb(dm, &other))
		return;
	other += dm->kb[DM_FILE] + (dm_has(dm, DM_SOCK) ? dm->kb[DM_SOCK] : 0);
	dm->kb[DM_ANON] = dm->kb[DM_USAGE] > other ? dm->kb[DM_USAGE] - other : 0;
}

/*
 * A global OOM. BPF read what a kill changes at the kill (free pages, the
 * LRU lists, slab, kernel stacks, page tables: assemble.c's domain_vmstat),
 * as the kernel's Mem-Info prints them; /proc/meminfo, read now, gives what
 * it does not change (MemTotal, hugetlb, percpu, swap), and everything when
 * BPF could not read (more nodes than it sums). Usage is MemTotal less free.
 */
static void fill_global(struct oom_event *ev, const char *proc_root)
{
	struct oom_domain_memory *dm = &ev->domain_memory, now = { 0 };
	char path[4096], buf[STAT_BUF];

	if (ev->has & EV_HAS_MEMCG || ev->constraint == OOM_CONSTRAINT_MEMCG)
		return;
	if (procfs_path(path, sizeof(path), "%s/proc/meminfo", proc_root) ||
	    procfs_read_file(path, buf, sizeof(buf)) < 0 ||
	    domain_memory_parse_meminfo(buf, &now))
		return;
	for (int k = 0; k < DM_UNKILLABLE; k++)
		if (dm_has(&now, k) && !dm_has(dm, k))
			dm_set(dm, k, now.kb[k]);
	if (dm_has(dm, DM_LIMIT) && dm_has(dm, DM_FREE))
		dm_set(dm, DM_USAGE, dm->kb[DM_LIMIT] > dm->kb[DM_FREE] ?
				     dm->kb[DM_LIMIT] - dm->kb[DM_FREE] : 0);
}

void domain_live_fill(struct oom_event *ev, const struct memcg_mount *m, const char *proc_root)
{
	fill_memcg(ev, m);
	fill_global(ev, proc_root);
	if (!ev->domain_memory.has)
		return;
	ev->has |= EV_HAS_DOMAIN_MEMORY;
	domain_memory_unkillable(ev);
}
