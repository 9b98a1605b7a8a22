/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel layouts that changed across the versions oomtrace runs on. Each
 * ___old shadow type names the layout before a change; the programs test
 * with bpf_core_field_exists() which one the running kernel has, so one
 * object loads everywhere (CO-RE) without kernel version numbers.
 */
#ifndef OOMTRACE_CORE_FIXES_BPF_H
#define OOMTRACE_CORE_FIXES_BPF_H

#include <bpf/bpf_core_read.h>

/*
 * Before 6.2, mm->rss_stat was struct mm_rss_stat { atomic_long_t count[]; }.
 * Commit f1a7941243c1 ("mm: convert mm's rss stats into percpu_counter")
 * made it an array of percpu_counter.
 */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

/*
 * The newer layouts have shadows too, so the object also builds against an
 * older kernel's vmlinux.h (vmlinux/arm64 is Debian 12's 6.1).
 */
struct mm_struct___new {
	struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));

/*
 * Before 6.15, kernfs_node had `parent`; commit 633488947ef6 ("kernfs: Use
 * RCU to access kernfs_node::parent.") renamed it `__parent`.
 */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

struct kernfs_node___new {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

/*
 * Before 6.12 (v1 memcg split), struct mem_cgroup had `memsw` in a union
 * with `swap` on every kernel we support, so no shadow is needed for it.
 *
 * mm->flags was an unsigned long until 6.18 made it mm_flags_t, a struct
 * holding a one-word bitmap (commit "mm: introduce mm_flags_t"). CO-RE will
 * not relocate a field whose type changed kind, so each layout has its own
 * view; the first word is the same bits in both.
 */
struct mm_struct___ulong_flags {
	unsigned long flags;
} __attribute__((preserve_access_index));

static __always_inline unsigned long mm_flags_word(struct mm_struct *mm)
{
	struct mm_struct___ulong_flags *old = (void *)mm;
	unsigned long flags = 0;

	if (bpf_core_field_exists(old->flags))
		return BPF_CORE_READ(old, flags);
	bpf_probe_read_kernel(&flags, sizeof(flags),
			      (void *)mm + bpf_core_field_offset(struct mm_struct, flags));
	return flags;
}

/*
 * mark_victim passed only the victim's pid (a thread id) until 6.9: the
 * 2024 change that added the victim's memory fields to the event (also
 * backported to Debian's 6.1) made its first argument the task. The
 * event's record layout tells which prototype this kernel has.
 */
static __always_inline bool mark_victim_has_task(void)
{
	return bpf_core_field_exists(struct trace_event_raw_mark_victim, __data_loc_comm);
}

/*
 * The counters a global OOM's Mem-Info prints (oomtrace.bpf.c,
 * fill_kill_vmstat) moved between the zone and node arrays: NR_PAGETABLE
 * was a zone's until 5.11 ("mm: memcontrol: account pagetables per node"),
 * NR_KERNEL_STACK_KB until 5.9 ("mm: memcontrol: account kernel stack per
 * node"), and the slab counters were named without _B before 5.9 ("mm:
 * memcg: convert vmstat slab counters to bytes"; the node's array keeps
 * them in pages either way).
 *
 * An enumerator the kernel lacks poisons its relocation, and the compiler
 * hoists an enum value out of the branch that tests for it (it is only a
 * constant to it). So each value that may be missing is returned by a
 * function of its own, called only where it exists: the verifier never
 * walks the poisoned one.
 */
enum zone_stat_item___old {
	NR_PAGETABLE___old,
	NR_KERNEL_STACK_KB___old,
};

enum node_stat_item___old {
	NR_SLAB_RECLAIMABLE___old,
	NR_SLAB_UNRECLAIMABLE___old,
};

enum node_stat_item___new {
	NR_SLAB_RECLAIMABLE_B___new,
	NR_SLAB_UNRECLAIMABLE_B___new,
	NR_KERNEL_STACK_KB___new,
	NR_PAGETABLE___new,
};

#define OOMT_ENUM_FN(fn, type, name)					\
	static __noinline __u64 fn(void)				\
	{								\
		return bpf_core_enum_value(type, name);			\
	}
OOMT_ENUM_FN(node_slab_r, enum node_stat_item___new, NR_SLAB_RECLAIMABLE_B___new)
OOMT_ENUM_FN(node_slab_u, enum node_stat_item___new, NR_SLAB_UNRECLAIMABLE_B___new)
OOMT_ENUM_FN(node_slab_r_old, enum node_stat_item___old, NR_SLAB_RECLAIMABLE___old)
OOMT_ENUM_FN(node_slab_u_old, enum node_stat_item___old, NR_SLAB_UNRECLAIMABLE___old)
OOMT_ENUM_FN(node_kernel_stack, enum node_stat_item___new, NR_KERNEL_STACK_KB___new)
OOMT_ENUM_FN(zone_kernel_stack, enum zone_stat_item___old, NR_KERNEL_STACK_KB___old)
OOMT_ENUM_FN(node_pagetable, enum node_stat_item___new, NR_PAGETABLE___new)
OOMT_ENUM_FN(zone_pagetable, enum zone_stat_item___old, NR_PAGETABLE___old)

/*
 * BPF features, not layouts: this file is built twice (Makefile). The full
 * object uses bpf_loop() (5.17, "bpf: Add bpf_loop helper") and an atomic
 * fetch-add (5.12, "bpf: Add BPF_FETCH field / create atomic_fetch_add
 * instruction"); the compat object (OOMT_COMPAT) runs on 5.8+
 * with bounded loops, and a tracepoint-mode task walk with a bound
 * (oomtrace.bpf.c, walk_one).
 *
 * OOMT_LOOP(n, cb, data) calls cb(i, data) for i < n until it returns
 * non-zero; LOOP_CB declares such a callback.
 */
#ifdef OOMT_COMPAT
#define LOOP_CB static __always_inline long
#define OOMT_LOOP(n, cb, data)						\
	do {								\
		for (__u32 __i = 0; __i < (n); __i++)			\
			if (cb(__i, data))				\
				break;					\
	} while (0)
#else
#define LOOP_CB static long
#define OOMT_LOOP(n, cb, data) bpf_loop(n, cb, data, 0)
#endif

/*
 * mem_cgroup_oom() holds the memcg OOM lock (memcg->oom_lock, set on the
 * OOM memcg and every memcg below it) across mem_cgroup_out_of_memory()
 * since 4.19 ("memcg, oom: notify on oom killer invocation from the charge
 * path", in the 4.19 and 4.20 stable kernels): a memcg whose lock is held
 * while a victim is marked is the OOM's, or one below it. A global OOM
 * holds none (unless a memcg OOM of the victim's memcg waits for oom_lock
 * meanwhile). 6.12 keeps the field only with CONFIG_MEMCG_V1 ("mm:
 * memcg: put cgroup v1-specific memcg data under CONFIG_MEMCG_V1"): false
 * without it.
 */
static __always_inline bool memcg_oom_locked(struct mem_cgroup *memcg)
{
	if (!bpf_core_field_exists(memcg->oom_lock))
		return false;
	return BPF_CORE_READ(memcg, oom_lock);
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node___old *old = (void *)kn;
	struct kernfs_node___new *new = (void *)kn;

	if (bpf_core_field_exists(new->__parent))
		return BPF_CORE_READ(new, __parent);
	return BPF_CORE_READ(old, parent);
}

#endif
