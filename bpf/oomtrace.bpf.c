// SPDX-License-Identifier: GPL-2.0
/*
 * oomtrace BPF programs: follow one OOM from out_of_memory() to the victims'
 * exit and stream it to userspace as records (oomtrace.h).
 *
 * The kernel serialises OOM handling with oom_lock, so there is one OOM
 * context at a time, kept in ctx_map. Three attach modes share the record
 * builders below:
 *   fentry:     fentry/fexit on out_of_memory, oom_badness, oom_kill_process
 *   kprobe:     the same with kprobes (for kernels without BPF trampolines)
 *   tracepoint: only raw tracepoints; the candidate table is recomputed at
 *               mark_victim from the inputs oom_badness() reads.
 * mark_victim, the reaper tracepoints and sched_process_exit are used in
 * every mode. Userspace turns off the programs of the other modes. The same
 * source builds the compat object for kernels before 5.17 (OOMT_COMPAT,
 * core_fixes.bpf.h).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "oomtrace.h"
#include "core_fixes.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_KTHREAD 0x00200000
#define LONG_MIN_VAL (-9223372036854775807LL - 1)
#define MAX_CGROUP_DEPTH 16
#define GROUP_STACK_FRAMES 8
#define KILL_FUNCS 3
#define KILL_STACK_FRAMES 12	/* signal_generate <- ... <- __oom_kill_process */
#define SIGKILL 9
#define SEND_SIG_PRIV 1		/* (struct kernel_siginfo *)1: sent by the kernel */

/* Set by userspace before load. */
const volatile __u32 attach_mode = OOMT_MODE_TRACEPOINT;
/*
 * Kernel addresses from /proc/kallsyms (0 = unknown: data symbols are only
 * listed with CONFIG_KALLSYMS_ALL). In .bss rather than rodata: userspace
 * reads kallsyms while the programs load and fills these in before attaching.
 */
__u64 ksym_totalram_pages;	/* &_totalram_pages */
__u64 ksym_total_swap_pages;	/* &total_swap_pages */
__u64 ksym_per_cpu_offset;	/* &__per_cpu_offset[0] */
__u64 ksym_group_member_start;	/* oom_kill_memcg_member */
__u64 ksym_group_member_end;
__u64 ksym_memcg_oom_start;	/* mem_cgroup_out_of_memory */
__u64 ksym_memcg_oom_end;
__u64 ksym_kretprobe_start;	/* the kretprobe trampoline, where unwinding stops before 5.16 */
__u64 ksym_kretprobe_end;
/* __oom_kill_process, oom_kill_process, oom_kill_memcg_member: a SIGKILL
 * sent from one of them is the OOM killer's (0 = not in kallsyms/inlined) */
__u64 ksym_kill_start[KILL_FUNCS];
__u64 ksym_kill_end[KILL_FUNCS];
/* oom_badness() reads exact per-CPU sums of the rss counters (6.17+). */
const volatile __u32 rss_precise;
/* --precise-rss: each task also gets those exact sums (OOMT_TASK_EXACT) */
const volatile __u32 want_exact;
const volatile __u32 nr_cpu_ids = 1;
/* NUMA nodes: /sys/devices/system/node/possible's highest + 1 (fill_kill_vmstat) */
const volatile __u32 nr_nodes = 1;
const volatile __u32 page_shift = 12;
const volatile __u32 max_walk = 1 << 20;
/* MMF_OOM_SKIP bit in mm->flags */
const volatile __u32 mmf_oom_skip_bit = 21;
/* tests: behave as on a kernel whose mark_victim passes only a pid (README, Tests) */
const volatile __u32 mark_victim_pid_only;
/* bytes of the trigger's user stack the USTACK record copies (0: none) */
const volatile __u32 ustack_copy = OOMT_USTACK_COPY_DEFAULT;
/*
 * Tracepoint mode: walk the candidates with direct loads (walk_one_direct()),
 * the loader having turned every OOMT_KCAST_HELPER call into a call of
 * bpf_rdonly_cast(); kid_*: the kernel's BTF ids of the types cast to.
 */
const volatile __u32 kid_task_struct;
const volatile __u32 kid_css;
const volatile __u32 kid_list_head;
const volatile __u32 kid_refcount;
const volatile __u32 direct_walk;

/*
 * The candidate walk and what it reads of a task are written once, for both
 * ways of reading the kernel: DIRECT, a literal at every call (the callers'
 * `const bool direct` parameters are all __always_inline), picks a plain
 * load through a pointer that bpf_rdonly_cast() made typed and read-only,
 * or bpf_probe_read_kernel() (BPF_CORE_READ) of the same chain. clang drops
 * the other arm, so the walk with reads (walk_one(): 6.1, the compat
 * object, kernels that refuse the kfunc) holds no kcast call, and the walk
 * with loads (walk_one_direct()) no read.
 *
 * A load costs a few instructions where a read is a helper call, 50-100 ns
 * in a guest, some twenty per candidate; the JIT guards the loads with an
 * exception table (a fault reads 0). The program calls a helper id no
 * kernel has where it means the kfunc, and the loader turns those calls
 * into the kfunc's (user/live/direct_walk.c): naming the kfunc would make
 * libbpf parse the whole kernel BTF at every start, and older verifiers
 * refuse it even unreached. Where the loader cannot, direct_walk is 0 and
 * every such call stays behind it, unreachable.
 */
static void *(*const kcast)(const void *obj, __u32 btf_id) = (void *)OOMT_KCAST_HELPER;

#define KCAST(type, id, addr) ((type *)kcast((const void *)(addr), (id)))

/* The number ADDR as a struct TYPE *: typed for loads (DIRECT), or as it
 * is, for reads. ID: the kernel's BTF id of TYPE (kid_*). */
#define KPTR(direct, type, id, addr) \
	((direct) ? KCAST(type, id, addr) : (type *)(void *)(addr))

/* SRC->A->...: loads through SRC (a KPTR, or a pointer loaded through one),
 * or BPF_CORE_READ() of the same chain. ___arrow() is bpf_core_read.h's own
 * (it types BPF_CORE_READ()'s result), so the two arms take the same
 * arguments and have the same type. */
#define KREAD(direct, src, a, ...) \
	((direct) ? ___arrow(src, a, ##__VA_ARGS__) : BPF_CORE_READ(src, a, ##__VA_ARGS__))

struct oomt_drops drops;
/* /proc/meminfo's MemTotal and SwapTotal in pages, kept current by userspace:
 * the stand-in for totalram_pages() and total_swap_pages when kallsyms does
 * not list them. */
__u64 meminfo_ram_pages;
__u64 meminfo_swap_pages;
/* _r_debug's vaddr in this machine's dynamic linker, set by userspace (ULINKS) */
__u64 ldso_r_debug;
/* set by userspace once the timer is set up (wake_init) and, in tracepoint
 * mode, wake_after_walk attached: the totals (tracepoint mode) and END
 * (fentry) then leave the wake-up to the timer (wake_later()) */
__u32 wake_deferred;
/* wake-ups made at once though deferred: the ring buffer was filling (ring_filling()) */
__u64 wakes_at_once;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);	/* resized by userspace */
} events SEC(".maps");

/*
 * A deferred wake-up (wake_later()) is made at once where a quarter of the
 * ring buffer or more is unread: records that wait WAKE_DELAY_NS for
 * their reader could otherwise fill a small ring in a storm of OOMs that
 * a wake-up at each OOM would have drained (counted: wakes_at_once).
 */
static __always_inline bool ring_filling(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) * 4 <
	    bpf_ringbuf_query(&events, BPF_RB_RING_SIZE))
		return false;
	__sync_fetch_and_add(&wakes_at_once, 1);
	return true;
}

/* Whether this OOM's last record leaves the wake-up to the timer (wake_later()). */
static __always_inline bool wake_deferrable(void)
{
	return wake_deferred && !ring_filling();
}

/*
 * Where a task walk (tracepoint mode) stands; pointers as numbers. A global
 * OOM walks the process list (pos, head); a memcg OOM walks the memcg's own
 * task lists, as mem_cgroup_scan_tasks() does (the rest).
 */
struct walk_state {
	__u64 pos;		/* global: struct task_struct * to judge next;
				 * memcg: list_head * of the next task in list `head` */
	__u64 domain;		/* struct cgroup_subsys_state * of the memcg, 0 = global */
	__u64 totalpages;
	__u64 tasks_off;	/* offsetof(struct task_struct, tasks) */
	__u64 head;		/* global: &init_task.tasks: the walk is back at the start;
				 * memcg: the task list being walked */
	__u64 css;		/* memcg: the css of the subtree being walked */
	__u64 cset_head;	/* memcg: &css->cgroup->e_csets[memory] */
	__u64 cset_node;	/* memcg: the css_set's e_cset_node[memory] in that list */
	__u64 css_kn;		/* memcg: s.css's kernfs node: every task found is in it */
	__u64 css_kn_id;
	__u32 phase;		/* memcg: enum memcg_walk_phase */
	__u32 list;		/* memcg: 0 tasks, 1 mg_tasks, 2 dying_tasks */
	__u32 done;
	__u32 pad;
};

/*
 * The current task's executable as path components, crossing mount points
 * (struct mount holds the vfsmount; its mountpoint and parent continue the
 * walk). A component longer than the slot, or a deeper path, leaves it
 * incomplete: userspace then does not guess a path. Pointers as numbers.
 */
struct exe_walk {
	__u64 d;		/* struct dentry * */
	__u64 mnt;		/* struct mount * */
	__u32 depth;
	__u32 complete;
	/* OOMT_EXE_DEPTH used; 16 so that a masked index stays inside (older
	 * verifiers forget a bound checked before a spill) */
	char name[16][OOMT_EXE_NAME];
};

/* find_oom_memcg()'s climb from the victim's memcg; pointers as numbers. */
struct domain_walk {
	__u64 css;
	__u64 found, loose, tightest;
	__s64 tightest_room;
	__u64 locked;	/* the highest memcg under the kernel's memcg OOM lock */
};

struct oom_ctx {
	__u64 oom_id;
	__u64 ts_ns;		/* when it opened: candidates carry this time */
	__u64 last_chain_kn;	/* the kernfs node whose chain was sent last */
	__u64 chain_kn;		/* send_cgroup_chain(): the node to name next */
	__u64 oc;		/* struct oom_control *, fentry/kprobe */
	__u64 badness_task;	/* kprobe: oom_badness argument until return */
	__u64 candidates;
	__u64 lost;
	__u32 active;
	__u32 trigger_tid;
	__u32 chosen_pid;
	__u32 kill_entered;	/* fentry/kprobe: oom_kill_process() ran in this OOM */
	__u32 walk_pending;	/* tracepoint mode: candidates still to list */
	__u32 walk_truncated;	/* tracepoint mode: the walk stopped at its bound */
	/* tracepoint mode: handle_mark_victim_walk, run next, lists the
	 * candidates (if walk_pending) and sends the totals */
	__u32 walk_next;
	/* fentry/kprobe: the task the OOM killer sent SIGKILL last in this OOM
	 * (handle_signal_generate), whose mark is a kill (marked_not_killed) */
	__u32 killed_tid;
	/* fentry/kprobe: oom_kill_process() marked the task it chose without a
	 * kill, that task exiting already (OOMT_END_MARKED_ONLY) */
	__u32 marked_only;
	/* tracepoint mode: the totals went out without a wake-up, which
	 * wake_after_walk, next on the tracepoint, defers (wake_deferred) */
	__u32 wake_pending;
	__u64 walk_memcg;	/* struct mem_cgroup * of the domain, 0 = global */
	struct walk_state walk;	/* tracepoint mode: the walk between calls of walk_one() */
	__u64 totalpages;	/* tracepoint mode: the OOM domain's, once known */
	__u64 victim_task;	/* the task marked last: processes sharing its mm die too */
	__u32 victim_pid;
	__u32 snap_valid;
	__u64 snap_task;	/* the struct task_struct * of snap */
	/* tracepoint mode: the task the OOM killer just sent SIGKILL, read then,
	 * before it could run and fold its cached rss deltas into the mm
	 * (pre-6.2 kernels), which mark_victim would see */
	struct oomt_task snap;
	struct domain_walk dom;
	struct exe_walk exe;
	/* fill_scratch()'s result, copied into a record by its caller */
	struct oomt_task scratch;
	/* runup_sum()'s result, copied into the KILL record by fill_runup() */
	struct oomt_runup runup;
	/* the KILL record's kernel stack, for kstack_has() */
	__u64 kstack[OOMT_KSTACK_MAX];
	__s64 kstack_len;
	/* candidates not sent yet (send_candidate(); the full object) */
	struct oomt_candidates batch;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oom_ctx);
} ctx_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OOMT_TOTALS_SLOTS);
	__type(key, __u32);
	__type(value, struct oomt_totals);
} totals SEC(".maps");

struct victim_info {
	__u64 oom_id;
	__u64 kill_ts;
};

/* Victims whose reaping and exit are still to be reported, by tgid. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct victim_info);
} victims SEC(".maps");

/* kernfs ids already named to userspace (ids are never reused). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u8);
} sent_cgroups SEC(".maps");

__u64 next_oom_id;

static __always_inline struct oom_ctx *get_ctx(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ctx_map, &zero);
}

static __always_inline void *reserve(struct oom_ctx *c, __u64 size)
{
	void *rec = bpf_ringbuf_reserve(&events, size, 0);

	if (!rec) {
		__sync_fetch_and_add(&drops.ringbuf_full, 1);
		if (c)
			__sync_fetch_and_add(&c->lost, 1);
	}
	return rec;
}

static __always_inline void fill_hdr(struct oomt_hdr *h, __u32 type, __u64 oom_id)
{
	h->type = type;
	h->mode = attach_mode;
	h->oom_id = oom_id;
	h->ts_ns = bpf_ktime_get_boot_ns();
}

/* ---- reading a task ------------------------------------------------------ */

/*
 * __per_cpu_offset[cpu] for the first pcpu_offsets_known CPUs, set once:
 * per_cpu_ptr(p, cpu) is p + __per_cpu_offset[cpu] on x86 and arm64 alike.
 * kallsyms lists __per_cpu_offset only with CONFIG_KALLSYMS_ALL, and a
 * typed __ksym of a per-CPU variable (runqueues) fails to load without it
 * too (the verifier looks its address up in kallsyms). So the offsets come
 * from a per-CPU map of our own instead: its element's per-CPU pointer as
 * allocated (bpf_array's pptrs[0], read from the map itself) against where
 * bpf_map_lookup_percpu_elem() (5.19+) finds it on each CPU. kallsyms'
 * __per_cpu_offset is the fallback (the compat object, before 5.19).
 */
__u64 pcpu_offsets[64];
__u32 pcpu_offsets_known;
__u32 pcpu_offsets_failed;	/* tried, and neither source had them */
/* scratch for pointers turned into numbers (a privileged loader may) */
__u64 pcpu_map_addr;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_probe SEC(".maps");

/* pcpu_offsets from the per-CPU map: 0 on success (a global function,
 * verified once; scalars only) */
__noinline int pcpu_offsets_from_map(void)
{
	__u32 n = nr_cpu_ids < 64 ? nr_cpu_ids : 64;
	__u32 off = bpf_core_field_offset(struct bpf_array, pptrs);
	__u64 raw = 0, map;

	if (!bpf_core_field_exists(struct bpf_array, pptrs))
		return -1;
	/* the map's address: stored as a pointer, read back as a number */
	*(volatile __u64 *)&pcpu_map_addr = (__u64)&pcpu_probe;
	map = *(volatile __u64 *)&pcpu_map_addr;
	if (bpf_probe_read_kernel(&raw, sizeof(raw), (void *)(map + off)) || !raw)
		return -1;
	for (__u32 cpu = 0; cpu < 64 && cpu < n; cpu++) {
#ifdef OOMT_COMPAT
		/* no bpf_map_lookup_percpu_elem before 5.19 (a global function
		 * is verified whether called or not) */
		void *p = NULL;
#else
		__u32 zero = 0;
		void *p = bpf_map_lookup_percpu_elem(&pcpu_probe, &zero, cpu);
#endif

		if (!p)
			return -1;
		*(volatile __u64 *)&pcpu_offsets[cpu & 63] = (__u64)p;
		pcpu_offsets[cpu & 63] = *(volatile __u64 *)&pcpu_offsets[cpu & 63] - raw;
	}
	return 0;
}

/* pcpu_offsets from kallsyms' __per_cpu_offset: 0 on success */
__noinline int pcpu_offsets_from_kallsyms(void)
{
	__u32 n = nr_cpu_ids < 64 ? nr_cpu_ids : 64;

	if (!ksym_per_cpu_offset)
		return -1;
	for (__u32 cpu = 0; cpu < 64 && cpu < n; cpu++) {
		__u64 off = 0;

		if (bpf_probe_read_kernel(&off, sizeof(off),
					  (void *)(ksym_per_cpu_offset + cpu * 8)))
			return -1;
		pcpu_offsets[cpu & 63] = off;
	}
	return 0;
}

/*
 * pcpu_offsets for an OOM: filled at start by pcpu_setup (--precise-rss),
 * else here on first use from kallsyms (pcpu_setup did not load); either
 * way 64 reads at most, once, and where they cannot be had later calls give
 * up at once. Inline, not a call: the OOM path's call chain has no stack
 * to spare for one more frame (5.10 and 6.1 count 512 bytes across it). The
 * map's way stays out of these programs: pcpu_setup alone carries it, and a
 * kernel that refuses it refuses only that one.
 */
static __always_inline bool pcpu_offsets_ready(void)
{
	__u32 n = nr_cpu_ids < 64 ? nr_cpu_ids : 64;

	if (pcpu_offsets_known >= n)
		return true;
	if (pcpu_offsets_failed || !ksym_per_cpu_offset) {
		pcpu_offsets_failed = 1;
		return false;
	}
	for (__u32 cpu = 0; cpu < 64 && cpu < n; cpu++) {
		__u64 off = 0;

		if (bpf_probe_read_kernel(&off, sizeof(off),
					  (void *)(ksym_per_cpu_offset + cpu * 8))) {
			pcpu_offsets_failed = 1;
			return false;
		}
		pcpu_offsets[cpu & 63] = off;
	}
	pcpu_offsets_known = n;
	return true;
}

/*
 * A percpu_counter's exact value: its shared count plus every possible
 * CPU's part. False if the offsets are unknown or a part could not be read;
 * the parts read are summed all the same.
 */
static __always_inline bool pcpu_counter_sum(struct percpu_counter *pc, __s64 *ret_sum)
{
	__s32 *counters = BPF_CORE_READ(pc, counters);
	__s64 sum = BPF_CORE_READ(pc, count);
	bool ok = pcpu_offsets_known >= (nr_cpu_ids < 64 ? nr_cpu_ids : 64);

	for (__u32 cpu = 0; ok && cpu < 64 && cpu < nr_cpu_ids; cpu++) {
		__s32 part = 0;

		if (bpf_probe_read_kernel(&part, sizeof(part),
					  (void *)((__u64)counters + pcpu_offsets[cpu & 63])))
			ok = false;
		sum += part;
	}
	*ret_sum = sum;
	return ok;
}

/*
 * One rss counter of the 6.2+ layout as the kernel's get_mm_counter() sees
 * it, or as oom_badness() reads it with exact per-CPU sums (rss_precise).
 * DIRECT (see KREAD): loads; the per-CPU parts are s32, loaded through
 * refcount_struct, a named type with an s32 at offset 0.
 */
static __always_inline __s64 pcpu_counter_value(struct percpu_counter *pc, const bool direct)
{
	__s64 v = KREAD(direct, pc, count);

	if (rss_precise && pcpu_offsets_ready()) {
		if (direct) {
			__u64 parts = (__u64)pc->counters;

			for (__u32 cpu = 0; cpu < 64 && cpu < nr_cpu_ids; cpu++)
				v += KCAST(struct refcount_struct, kid_refcount,
					   parts + pcpu_offsets[cpu & 63])->refs.counter;
		} else {
			pcpu_counter_sum(pc, &v);
		}
	}
	return v < 0 ? 0 : v;
}

#define PCPU_COUNTER_MAX 48	/* bytes of a percpu_counter read in one go */

/* mm_counters()'s buffer: off the stack, whose 512 bytes cover a call chain */
struct rss_buf {
	char b[4 * PCPU_COUNTER_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rss_buf);
} rss_bufs SEC(".maps");

/*
 * The four rss counters (MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS,
 * MM_SHMEMPAGES) in one read where they sit together and no per-CPU sums
 * are wanted: a kernel read is most of a candidate's cost, and the task
 * walk makes one per candidate. Otherwise one counter at a time. DIRECT
 * (see KREAD): four loads, one a counter; only 6.2+ kernels have the kfunc,
 * so only the per-CPU layout.
 */
static __always_inline void mm_counters(struct mm_struct *mm, __s64 v[4], const bool direct)
{
	struct mm_struct___old *old = (void *)mm;
	__u32 size = bpf_core_type_size(struct percpu_counter);

	if (direct) {
		/* unrolled: a loop costs the verifier a pass per counter all the same,
		 * and more for the loop's own state */
#pragma unroll
		for (int i = 0; i < 4; i++)
			v[i] = pcpu_counter_value(&((struct mm_struct___new *)mm)->rss_stat[i],
						  true);
		return;
	}
	if (bpf_core_field_exists(old->rss_stat.count)) {
		struct mm_rss_stat___old rs = {};

		bpf_core_read(&rs, sizeof(rs), &old->rss_stat);
		for (int i = 0; i < 4; i++)
			v[i] = rs.count[i].counter < 0 ? 0 : rs.count[i].counter;
		return;
	}
	if (!rss_precise && size && size <= PCPU_COUNTER_MAX) {
		struct mm_struct___new *m = (void *)mm;
		__u32 count_off = bpf_core_field_offset(struct percpu_counter, count);
		__u32 zero = 0;
		struct rss_buf *buf = bpf_map_lookup_elem(&rss_bufs, &zero);

		if (buf && !bpf_core_read(buf->b, 4 * size, &m->rss_stat)) {
			for (int i = 0; i < 4; i++) {
				__s64 c = *(__s64 *)(buf->b + i * size + count_off);

				v[i] = c < 0 ? 0 : c;
			}
			return;
		}
	}
	for (int i = 0; i < 4; i++)
		v[i] = pcpu_counter_value(&((struct mm_struct___new *)mm)->rss_stat[i], false);
}

/* MMF_OOM_SKIP. DIRECT: mm_flags_word() with a load: an unsigned long, or
 * (6.18) mm_flags_t whose bitmap starts at the same place; each layout's
 * relocation is dead code on the other's kernels. */
static __always_inline bool mm_oom_skip(struct mm_struct *mm, const bool direct)
{
	struct mm_struct___ulong_flags *old = (void *)mm;
	unsigned long w;

	if (!direct)
		w = mm_flags_word(mm);
	else if (bpf_core_field_exists(old->flags))
		w = old->flags;
	else
		w = *(unsigned long *)((void *)mm + bpf_core_field_offset(struct mm_struct, flags));
	return (w >> mmf_oom_skip_bit) & 1;
}

static __always_inline struct cgroup_subsys_state *task_memcg_css(struct task_struct *p)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	return BPF_CORE_READ(p, cgroups, subsys[id]);
}

static __always_inline __u64 css_kn_id(struct cgroup_subsys_state *css)
{
	return BPF_CORE_READ(css, cgroup, kn, id);
}

/*
 * The loops below run as bpf_loop() callbacks: the verifier checks a
 * callback's body once, where an unrolled or bounded loop of the same body
 * costs it once per iteration at every inlined call site (together over
 * 300,000 instructions and half a second of start-up). The compat object
 * (kernels before 5.17, no bpf_loop) pays that: OOMT_LOOP is a bounded loop
 * there, and the one long loop, the task walk, calls a global function.
 */

/*
 * One step of send_cgroup_chain(), from the context's c->chain_kn (a global
 * function, verified once: see walk_one()). 1 when the chain is done.
 */
__noinline int chain_one(void)
{
	struct oom_ctx *c = get_ctx();
	struct kernfs_node *kn, *parent;
	struct oomt_cgroup *rec;
	__u64 id;
	__u8 one = 1;
	long n;

	if (!c)
		return 1;
	kn = (void *)c->chain_kn;
	if (!kn)
		return 1;
	id = BPF_CORE_READ(kn, id);
	if (bpf_map_lookup_elem(&sent_cgroups, &id))
		return 1;
	parent = kn_parent(kn);
	rec = reserve(c, sizeof(*rec));
	if (!rec)
		return 1;
	fill_hdr(&rec->hdr, OOMT_REC_CGROUP, c->oom_id);
	rec->id = id;
	rec->parent_id = parent ? BPF_CORE_READ(parent, id) : 0;
	n = bpf_probe_read_kernel_str(rec->name, sizeof(rec->name), BPF_CORE_READ(kn, name));
	rec->truncated = n == sizeof(rec->name);
	rec->pad = 0;
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
	bpf_map_update_elem(&sent_cgroups, &id, &one, BPF_ANY);
	c->chain_kn = (__u64)parent;
	return 0;
}

LOOP_CB chain_cb(__u64 idx, void *data)
{
	/* a callback returns 0 or 1; a global function's result is unknown */
	return chain_one() ? 1 : 0;
}

/* Name the kernfs node and its ancestors to userspace, once each. */
static __always_inline void send_cgroup_chain(struct oom_ctx *c, struct kernfs_node *kn)
{
	/* candidates come memcg by memcg: skip the lookups for the same one */
	if ((__u64)kn == c->last_chain_kn)
		return;
	c->last_chain_kn = (__u64)kn;
	c->chain_kn = (__u64)kn;
	OOMT_LOOP(MAX_CGROUP_DEPTH, chain_cb, NULL);
}

/*
 * The four rss counters as exact sums of their per-CPU parts (6.2+ keeps
 * them per CPU; oom_badness() reads only the shared approximation, off by
 * up to the batch per CPU). False where there is nothing per CPU (before
 * 6.2), no per-CPU offsets (pcpu_offsets_ready), or more CPUs than summed.
 */
static __always_inline bool mm_counters_exact(struct mm_struct *mm, __s64 v[4])
{
	struct mm_struct___old *old = (void *)mm;

	if (bpf_core_field_exists(old->rss_stat.count) || nr_cpu_ids > 64 ||
	    !pcpu_offsets_ready())
		return false;
	for (int i = 0; i < 4; i++) {
		__s64 sum;

		if (!pcpu_counter_sum(&((struct mm_struct___new *)mm)->rss_stat[i], &sum))
			return false;
		v[i] = sum < 0 ? 0 : sum;
	}
	return true;
}

static __always_inline bool in_vfork(struct task_struct *p, struct mm_struct *mm,
				     const bool direct)
{
	if (!KREAD(direct, p, vfork_done))
		return false;
	return KREAD(direct, p, real_parent, mm) == mm;
}

/*
 * Fill t from task p: identity, memory parts, adj, its memcg's id CGROUP_ID.
 * The skip flags mirror oom_badness()'s LONG_MIN conditions so userspace
 * can say why. DIRECT (see KREAD): P is a KPTR, and every field is loaded.
 */
static __always_inline struct mm_struct *fill_task_in(struct oomt_task *t, struct task_struct *p,
						     __u64 cgroup_id, const bool direct)
{
	struct mm_struct *mm;

	t->pid = KREAD(direct, p, tgid);
	t->tid = KREAD(direct, p, pid);
	t->uid = KREAD(direct, p, real_cred, uid.val);
	t->oom_score_adj = KREAD(direct, p, signal, oom_score_adj);
	t->points = 0;
	t->flags = 0;
	t->pad = 0;
	t->total_vm = t->rss_anon = t->rss_file = t->rss_shmem = 0;
	t->swap = t->pgtables_bytes = 0;
	t->rss_exact = t->swap_exact = 0;
	if (direct) {
		/* NUL-padded by the kernel (__set_task_comm) */
		__builtin_memcpy(t->comm, p->comm, OOMT_COMM_LEN);
		t->comm[OOMT_COMM_LEN - 1] = 0;
	} else {
		BPF_CORE_READ_STR_INTO(&t->comm, p, comm);
	}
	t->cgroup_id = cgroup_id;

	mm = KREAD(direct, p, mm);
	if (!mm) {
		t->flags |= OOMT_TASK_SKIP_NO_MM;
		return NULL;
	}
	t->flags |= OOMT_TASK_MEM;
	t->total_vm = KREAD(direct, mm, total_vm);
	{
		__s64 v[4];

		mm_counters(mm, v, direct);
		t->rss_file = v[MM_FILEPAGES];
		t->rss_anon = v[MM_ANONPAGES];
		t->swap = v[MM_SWAPENTS];
		t->rss_shmem = v[MM_SHMEMPAGES];
	}
	t->pgtables_bytes = KREAD(direct, mm, pgtables_bytes.counter);
	if (want_exact) {
		__s64 e[4];

		if (mm_counters_exact(mm, e)) {
			t->rss_exact = e[MM_FILEPAGES] + e[MM_ANONPAGES] + e[MM_SHMEMPAGES];
			t->swap_exact = e[MM_SWAPENTS];
			t->flags |= OOMT_TASK_EXACT;
		}
	}
	if (t->oom_score_adj == -1000)
		t->flags |= OOMT_TASK_SKIP_ADJ_MIN;
	else if (mm_oom_skip(mm, direct))
		t->flags |= OOMT_TASK_SKIP_MM_SKIP;
	else if (in_vfork(p, mm, direct))
		t->flags |= OOMT_TASK_SKIP_VFORK;
	return mm;
}

/* fill_task_in() with reads of a task whose memory cgroup is not known yet. */
static __always_inline struct mm_struct *fill_task(struct oomt_task *t, struct task_struct *p)
{
	return fill_task_in(t, p, css_kn_id(task_memcg_css(p)), false);
}

#define OOMT_TASK_SKIPS (OOMT_TASK_SKIP_ADJ_MIN | OOMT_TASK_SKIP_MM_SKIP | \
			 OOMT_TASK_SKIP_VFORK | OOMT_TASK_SKIP_NO_MM)

/*
 * fill_task() for tracepoint mode: a task just SIGKILLed by the OOM killer
 * keeps the memory it had when signalled (c->snap), which is what
 * oom_badness() and the kernel's task table saw.
 */
static __always_inline void fill_task_tp(struct oom_ctx *c, struct oomt_task *t,
					 struct task_struct *p, __u64 cgroup_id, const bool direct)
{
	fill_task_in(t, p, cgroup_id, direct);
	if (!c->snap_valid || c->snap.tid != t->tid)
		return;
	t->total_vm = c->snap.total_vm;
	t->rss_anon = c->snap.rss_anon;
	t->rss_file = c->snap.rss_file;
	t->rss_shmem = c->snap.rss_shmem;
	t->swap = c->snap.swap;
	t->pgtables_bytes = c->snap.pgtables_bytes;
}

/*
 * fill_task_tp() of TASK into the open context's scratch slot, for the
 * caller to copy into its record. Like emit_candidate(), a global function
 * checked once by the verifier instead of at every caller (the OOM path
 * fills a task in five places); only the task handling the OOM calls it
 * (oom_lock), so one slot serves.
 */
__noinline int fill_scratch(__u64 task)
{
	struct oom_ctx *c = get_ctx();

	if (!c)
		return 0;
	fill_task_tp(c, &c->scratch, (void *)task,
		     css_kn_id(task_memcg_css((void *)task)), false);
	return 0;
}

/* The scratch slot into a record's task. */
static __always_inline void fill_task_via_scratch(struct oom_ctx *c, struct oomt_task *t,
						  struct task_struct *p)
{
	fill_scratch((__u64)p);
	__builtin_memcpy(t, &c->scratch, sizeof(*t));
}

/* oom_badness() (5.9+) from the parts fill_task() read. */
static __always_inline void compute_points(struct oomt_task *t, __u64 totalpages)
{
	__s64 adj = t->oom_score_adj;

	if (t->flags & OOMT_TASK_SKIPS)
		return;
	t->points = t->rss_file + t->rss_anon + t->rss_shmem + t->swap +
		    (t->pgtables_bytes >> page_shift);
	/* "Normalize to oom_score_adj units": integer division first */
	t->points += adj * (__s64)(totalpages / 1000);
	t->flags |= OOMT_TASK_POINTS | OOMT_TASK_COMPUTED;
}

/* ---- context lifecycle ----------------------------------------------------- */

/*
 * Publish an OOM's totals in its map slot, where a full ring buffer cannot
 * lose them; extra_lost counts a record about to be reserved as lost.
 */
static __always_inline void save_totals(struct oom_ctx *c, __u64 extra_lost)
{
	__u32 slot = c->oom_id % OOMT_TOTALS_SLOTS;
	struct oomt_totals *t = bpf_map_lookup_elem(&totals, &slot);

	if (t) {
		t->oom_id = c->oom_id;
		t->candidates = c->candidates;
		t->lost = c->lost + extra_lost;
	}
}

/*
 * Candidates go 32 to a CANDIDATES record, in a compact form (struct
 * oomt_cand), in every mode: a record a candidate cost each its ring
 * buffer reservation and commit. The batch is sent when full, and before
 * any record that must follow the candidates (KILL, COUNTS, END). The
 * compat object (kernels before 5.17) sends one CANDIDATE record each.
 */
#ifndef OOMT_COMPAT
/* The batch's candidates as one record; one the ring buffer refuses counts
 * each of them lost, as their own records would have. */
static __always_inline void flush_candidates(struct oom_ctx *c)
{
	struct oomt_candidates *b = &c->batch;
	__u32 n = b->count;

	if (!n || n > OOMT_CANDIDATES_MAX)
		return;
	b->hdr.type = OOMT_REC_CANDIDATES;
	b->hdr.mode = attach_mode;
	b->hdr.oom_id = c->oom_id;
	b->hdr.ts_ns = c->ts_ns;
	b->pad = 0;
	if (bpf_ringbuf_output(&events, b, offsetof(struct oomt_candidates, cand) +
				n * sizeof(struct oomt_cand), BPF_RB_NO_WAKEUP)) {
		__sync_fetch_and_add(&drops.ringbuf_full, 1);
		c->lost += n;
	}
	b->count = 0;
}

/* A task the compact form holds whole: a thread-group leader (its tid its
 * pid), numbers in 32 bits, no exact sums. */
static __always_inline bool fits_compact(const struct oomt_task *t)
{
	return !(t->flags & OOMT_TASK_EXACT) && t->tid == t->pid &&
	       t->rss_anon <= 0xffffffffULL && t->rss_file <= 0xffffffffULL &&
	       t->rss_shmem <= 0xffffffffULL && t->swap <= 0xffffffffULL &&
	       t->pgtables_bytes <= 0xffffffffULL &&
	       t->oom_score_adj >= -32768 && t->oom_score_adj <= 32767;
}

/* Candidate T into the batch, or, where it does not fit, a record of its own. */
static __always_inline void send_candidate(struct oom_ctx *c, const struct oomt_task *t)
{
	struct oomt_cand *e;
	__u32 n;

	if (!fits_compact(t)) {
		struct oomt_candidate *r = reserve(c, sizeof(*r));

		if (!r)
			return;
		r->hdr.type = OOMT_REC_CANDIDATE;
		r->hdr.mode = attach_mode;
		r->hdr.oom_id = c->oom_id;
		r->hdr.ts_ns = c->ts_ns;
		__builtin_memcpy(&r->task, t, sizeof(r->task));
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
		return;
	}
	n = c->batch.count & (OOMT_CANDIDATES_MAX - 1);
	e = &c->batch.cand[n];
	e->points = t->points;
	e->total_vm = t->total_vm;
	e->cgroup_id = t->cgroup_id;
	e->pid = t->pid;
	e->uid = t->uid;
	e->rss_anon = t->rss_anon;
	e->rss_file = t->rss_file;
	e->rss_shmem = t->rss_shmem;
	e->swap = t->swap;
	e->pgtables_bytes = t->pgtables_bytes;
	e->oom_score_adj = t->oom_score_adj;
	e->flags = t->flags;
	__builtin_memcpy(e->comm, t->comm, OOMT_COMM_LEN);
	c->batch.count = n + 1;
	if (n + 1 == OOMT_CANDIDATES_MAX)
		flush_candidates(c);
}
#else
#define flush_candidates(c) do { } while (0)
#endif

/*
 * END closes the OOM; COUNTS reports the same totals while it stays open.
 * The slot is written first as if this record were lost, and corrected once
 * it is not. A reservation is tested right after it is made, with nothing in
 * between: older verifiers (6.1) do not carry "non-NULL" across other code
 * and would follow an impossible path that leaks the reservation.
 */
static __always_inline void emit_counts(struct oom_ctx *c, __u32 type, __u32 killed, __u64 wake)
{
	struct oomt_end *e;

	/* the candidates come before the totals that count them */
	flush_candidates(c);
	save_totals(c, 1);
	e = reserve(c, sizeof(*e));
	if (!e)
		return;
	save_totals(c, 0);
	fill_hdr(&e->hdr, type, c->oom_id);
	e->candidates = c->candidates;
	e->lost = c->lost;
	e->killed = killed;
	e->flags = (c->walk_truncated ? OOMT_END_WALK_TRUNCATED : 0) |
		   (c->marked_only ? OOMT_END_MARKED_ONLY : 0);
	bpf_ringbuf_submit(e, wake);
}

/* WAKE: BPF_RB_FORCE_WAKEUP, or BPF_RB_NO_WAKEUP where a record of the same
 * run wakes userspace after it */
static __always_inline void emit_end(struct oom_ctx *c, __u32 killed, __u64 wake)
{
	emit_counts(c, OOMT_REC_END, killed, wake);
	c->active = 0;
}

static __always_inline void open_ctx(struct oom_ctx *c, __u64 oc)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct oomt_begin *b;

	/*
	 * A context whose close we missed (tracepoint mode: every OOM's, as
	 * out_of_memory()'s return is not seen): close it now, without a
	 * wake-up (an interrupt, 20-35 us in a guest): this OOM's last record
	 * wakes userspace, which reads both.
	 */
	if (c->active)
		emit_end(c, 0, BPF_RB_NO_WAKEUP);
#ifdef OOMT_COMPAT
	/* no fetch: OOMs are serialised by oom_lock, so the value read back
	 * is the one this add made */
	__sync_fetch_and_add(&next_oom_id, 1);
	c->oom_id = next_oom_id;
#else
	c->oom_id = __sync_fetch_and_add(&next_oom_id, 1) + 1;
#endif
	c->oc = oc;
	c->ts_ns = bpf_ktime_get_boot_ns();
	c->last_chain_kn = 0;
	c->badness_task = 0;
	c->candidates = 0;
	c->lost = 0;
	c->active = 1;
	c->trigger_tid = (__u32)bpf_get_current_pid_tgid();
	c->chosen_pid = 0;
	c->kill_entered = 0;
	c->victim_task = 0;
	c->victim_pid = 0;
	c->walk_pending = 0;
	c->walk_truncated = 0;
	c->walk_next = 0;
	c->killed_tid = 0;
	c->marked_only = 0;
#ifndef OOMT_COMPAT
	c->batch.count = 0;
#endif

	b = reserve(c, sizeof(*b));
	if (!b)
		return;
	fill_hdr(&b->hdr, OOMT_REC_BEGIN, c->oom_id);
	fill_task_via_scratch(c, &b->trigger, cur);
	send_cgroup_chain(c, BPF_CORE_READ(task_memcg_css(cur), cgroup, kn));
	/*
	 * No wake-up: the OOM's last record wakes userspace, once per OOM (a
	 * wake-up is an interrupt, some 30 us in a VM). BEGIN used to, so
	 * that the allocating process's maps were read before it could exit;
	 * its objects now come with the kill (ULINKS, the dynamic linker's
	 * list read from its memory).
	 */
	bpf_ringbuf_submit(b, BPF_RB_NO_WAKEUP);
}

/* Is the current task the one handling the open OOM? (oom_badness is also
 * called by readers of /proc/PID/oom_score; those are not candidates.) */
static __always_inline struct oom_ctx *ctx_of_current(void)
{
	struct oom_ctx *c = get_ctx();

	if (!c || !c->active || c->trigger_tid != (__u32)bpf_get_current_pid_tgid())
		return NULL;
	return c;
}

/*
 * Candidate P of the open OOM into T: its task, points (EXACT: POINTS, as
 * oom_badness() returned them; else computed from the task), its memcg's
 * chain named. KN, KN_ID: the task's memory cgroup's kernfs node and id
 * when the walk knows them, else 0 (found from the task). DIRECT (see
 * KREAD): P is a KPTR, and every field is loaded.
 */
static __always_inline void fill_candidate(struct oom_ctx *c, struct oomt_task *t,
					   struct task_struct *p, __s64 points, __u32 exact,
					   __u64 kn, __u64 kn_id, const bool direct)
{
	/* looked up once, for the record's cgroup_id and the chain */
	if (!kn) {
		int memcg = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
		struct cgroup *cg = KREAD(direct, p, cgroups, subsys[memcg], cgroup);
		struct kernfs_node *k = cg ? KREAD(direct, cg, kn) : NULL;

		kn = (__u64)k;
		kn_id = k ? KREAD(direct, k, id) : 0;
	}
	fill_task_tp(c, t, p, kn_id, direct);
	if (exact) {
		t->points = points;
		if (points != LONG_MIN_VAL)
			t->flags |= OOMT_TASK_POINTS;
	} else {
		compute_points(t, c->totalpages);
	}
	send_cgroup_chain(c, (void *)kn);
}

#ifndef OOMT_COMPAT
/* fill_candidate() into the batch (send_candidate()), through the context's
 * scratch task: the record is reserved only for a task that does not fit
 * the compact form */
static __always_inline void batch_candidate(struct oom_ctx *c, struct task_struct *p,
					    __s64 points, __u32 exact, __u64 kn, __u64 kn_id,
					    const bool direct)
{
	c->candidates++;
	fill_candidate(c, &c->scratch, p, points, exact, kn, kn_id, direct);
	send_candidate(c, &c->scratch);
}
#endif

/*
 * A candidate record of the open OOM, with reads (see fill_candidate()). A
 * global function: the verifier checks it once, on its own, rather than
 * once per caller and path (pointers are passed as numbers: a global
 * function's arguments are scalars on the older kernels).
 */
__noinline int emit_candidate(__u64 task, __s64 points, __u32 exact, __u64 kn, __u64 kn_id)
{
	struct task_struct *p = (void *)task;
	struct oom_ctx *c = get_ctx();
#ifdef OOMT_COMPAT
	struct oomt_candidate *r;
#endif

	if (!c)
		return 0;
#ifndef OOMT_COMPAT
	batch_candidate(c, p, points, exact, kn, kn_id, false);
#else
	c->candidates++;
	r = reserve(c, sizeof(*r));
	if (!r)
		return 0;
	r->hdr.type = OOMT_REC_CANDIDATE;
	r->hdr.mode = attach_mode;
	r->hdr.oom_id = c->oom_id;
	r->hdr.ts_ns = c->ts_ns;
	fill_candidate(c, &r->task, p, points, exact, kn, kn_id, false);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
#endif
	return 0;
}

/* One step up the executable's path, c->exe (struct exe_walk); a global
 * function (see walk_one()). 1 when done. */
__noinline int exe_one(void)
{
	struct oom_ctx *c = get_ctx();
	struct mount *mnt;
	struct dentry *d, *parent;
	const unsigned char *name;
	__u32 depth;
	long n;

	if (!c)
		return 1;
	mnt = (void *)c->exe.mnt;
	d = (void *)c->exe.d;
	depth = c->exe.depth;
	if (d == BPF_CORE_READ(mnt, mnt.mnt_root)) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt) {	/* the root of the namespace */
			c->exe.complete = 1;
			return 1;
		}
		c->exe.d = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		c->exe.mnt = (__u64)up;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d || depth >= OOMT_EXE_DEPTH)
		return 1;
	name = BPF_CORE_READ(d, d_name.name);
	/* the bound again, where the verifier sees it: older ones forget the
	 * check above once the compiler has spilled depth */
	barrier_var(depth);
	depth &= 15;
	n = bpf_probe_read_kernel_str(c->exe.name[depth], OOMT_EXE_NAME, name);
	if (n <= 0 || n >= OOMT_EXE_NAME)
		return 1;
	c->exe.depth = depth + 1;
	c->exe.d = (__u64)parent;
	return 0;
}

LOOP_CB exe_cb(__u64 idx, void *data)
{
	/* a callback returns 0 or 1; a global function's result is unknown */
	return exe_one() ? 1 : 0;
}

static __always_inline void fill_exe(struct oom_ctx *c, struct oomt_kill *k)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct file *exe = BPF_CORE_READ(cur, mm, exe_file);
	struct vfsmount *vm = BPF_CORE_READ(exe, f_path.mnt);

	k->exe_depth = 0;
	k->exe_complete = 0;
	k->exe_start_code = BPF_CORE_READ(cur, mm, start_code);
	c->exe.d = (__u64)BPF_CORE_READ(exe, f_path.dentry);
	c->exe.mnt = (__u64)vm - bpf_core_field_offset(struct mount, mnt);
	c->exe.depth = 0;
	c->exe.complete = 0;
	if (!exe || !c->exe.d || !vm)
		return;
	/* components plus a few mount crossings */
	OOMT_LOOP(OOMT_EXE_DEPTH + 8, exe_cb, NULL);
	if (c->exe.complete) {
		__builtin_memcpy(k->exe, c->exe.name, sizeof(k->exe));
		k->exe_depth = c->exe.depth;
		k->exe_complete = 1;
	}
}

/*
 * The kernel's task_pt_regs(): the user registers at the top of the task's
 * kernel stack. The full object asks bpf_task_pt_regs() (5.15); the compat
 * one computes it (THREAD_SIZE 16 KiB on x86-64 and arm64 without KASAN;
 * x86-64 with FRED keeps 16 bytes above them, told apart by the user
 * segment selectors there).
 */
#define OOMT_THREAD_SIZE 16384

static __always_inline void *user_regs_of(struct task_struct *cur)
{
#ifdef OOMT_COMPAT
	void *top = BPF_CORE_READ(cur, stack) + OOMT_THREAD_SIZE;
	__u32 size = bpf_core_type_size(struct pt_regs);
#ifndef bpf_target_arm64
	__u64 seg[5];

	/* ... ip cs flags sp ss: cs 0x33 and ss 0x2b are the user's */
	if (!bpf_probe_read_kernel(seg, sizeof(seg), top - 16 - 40) && seg[1] == 0x33 &&
	    seg[4] == 0x2b)
		return top - 16 - size;
#endif
	return top - size;
#else
	return (void *)bpf_task_pt_regs(bpf_get_current_task_btf());
#endif
}

/*
 * USTACK: the current task's user registers and the top of its user stack,
 * page by page from the stack pointer, so that a fault (the end of the
 * stack, a page swapped out) keeps what came before it.
 *
 * The pages go straight into the ring buffer: ustack_copy is read-only
 * data, a constant to the verifier, so the record is reserved at its size,
 * plus a page of slack that lets each page's copy be bounded (size <
 * ustack_copy, len <= 4096). Copying into a scratch map and then into the
 * ring moved every byte twice.
 */
static __always_inline void emit_ustack(__u64 oom_id)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct oomt_ustack *b;
	__u32 size = 0, pages;
	__u64 sp, top;
	void *regs;

	if (!ustack_copy || ustack_copy > OOMT_USTACK_COPY_MAX || !BPF_CORE_READ(cur, mm))
		return;
	b = bpf_ringbuf_reserve(&events, sizeof(*b) + ustack_copy + 4096, 0);
	if (!b) {
		__sync_fetch_and_add(&drops.ringbuf_full, 1);
		return;
	}
	regs = user_regs_of(cur);
	/* the user_pt_regs / pt_regs layouts are the architectures' ABI */
#ifdef bpf_target_arm64
	if (bpf_probe_read_kernel(b->regs, 33 * 8, regs)) {
		bpf_ringbuf_discard(b, BPF_RB_NO_WAKEUP);
		return;
	}
	sp = b->regs[31];
#else
	__u64 r[21];
	/* pt_regs: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss,
	 * the last word of the kernel stack: not one byte more is read */
	if (bpf_probe_read_kernel(r, sizeof(r), regs) || (r[17] & 3) != 3) {
		bpf_ringbuf_discard(b, BPF_RB_NO_WAKEUP);
		return;
	}
	b->regs[0] = r[10];		/* DWARF order: rax rdx rcx rbx rsi rdi rbp rsp */
	b->regs[1] = r[12];
	b->regs[2] = r[11];
	b->regs[3] = r[5];
	b->regs[4] = r[13];
	b->regs[5] = r[14];
	b->regs[6] = r[4];
	b->regs[7] = r[19];
	for (int i = 0; i < 8; i++)	/* r8..r15 */
		b->regs[8 + i] = i < 4 ? r[9 - i] : r[7 - i];
	b->regs[16] = r[16];	/* rip */
	sp = r[19];
#endif
	/*
	 * On the main thread's stack, the frames end at mm->start_stack (argc,
	 * where _start began): the copy ends with the page that holds it
	 * rather than at a fault past the stack's top, which costs more here
	 * than a page read (15 us against 6 us). Page by page: a byte bound
	 * would cost the verifier three times the program. ustack_copy bytes
	 * span at most that many pages plus one: a bound the verifier knows
	 * (ustack_copy is read-only data), so that it follows 3 turns of the
	 * loop at the default setting, not the 17 of the largest.
	 */
	top = BPF_CORE_READ(cur, mm, start_stack) + OOMT_USTACK_TOP_SLACK;
	if (top <= sp)
		top = -1ull;
	pages = (ustack_copy + 4095) / 4096 + 1;
	for (int i = 0; i < OOMT_USTACK_COPY_MAX / 4096 + 1 && i < pages; i++) {
		__u64 off = size, len;

		/* opaque to the compiler: the bound tested is the one the
		 * verifier sees on the offset used */
		barrier_var(off);
		if (off >= ustack_copy || sp + off >= top)
			break;
		len = 4096 - ((sp + off) & 4095);
		if (len > ustack_copy - off)
			len = ustack_copy - off;
		barrier_var(len);
		if (len > 4096)
			break;
		if (bpf_probe_read_user(b->data + off, len, (void *)(sp + off)))
			break;
		size = off + len;
	}
	fill_hdr(&b->hdr, OOMT_REC_USTACK, oom_id);
	b->pid = bpf_get_current_pid_tgid() >> 32;
	b->tid = (__u32)bpf_get_current_pid_tgid();
	b->asked = ustack_copy;
	b->size = size;
	/* no wake-up: the record that closes the OOM wakes userspace */
	bpf_ringbuf_submit(b, BPF_RB_NO_WAKEUP);
}

/* ELF and auxiliary vector constants (elf.h is not for BPF) */
#define ULK_AT_PHDR 3
#define ULK_AT_PHNUM 5
#define ULK_AT_BASE 7
#define ULK_PT_DYNAMIC 2
#define ULK_PT_PHDR 6
#define ULK_DT_DEBUG 21
#define ULK_PHDR_SIZE 56	/* Elf64_Phdr */
#define ULK_PHDRS 32		/* program headers looked at */
#define ULK_DYNS 64		/* dynamic entries looked at */
#define ULK_AUXV_MAX 1024	/* bytes of mm->saved_auxv read */

/* Where the search for the dynamic linker's list stands (scalars only). */
struct ulink_walk {
	__u64 auxv;		/* &mm->saved_auxv */
	__u64 phdr, phnum, base;
	__u64 bias, dyn, dyn_size;	/* found through the program headers */
	__u32 found;		/* 1: PT_PHDR, 2: PT_DYNAMIC */
	__u64 rdebug;
	__u64 r_version, r_ldbase;	/* of r_debug at AT_BASE + ldso_r_debug */
	__u64 l;		/* the next link_map */
	__u32 fault;
};

/*
 * The ULINKS record being built and the search's state, per CPU: the
 * stack is the whole call chain's 512 bytes, and the steps are loop
 * callbacks that find it here.
 */
struct ulinks_scratch {
	struct oomt_ulinks rec;
	struct ulink_walk w;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ulinks_scratch);
} ulinks_buf SEC(".maps");

static __always_inline struct ulinks_scratch *ulinks_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ulinks_buf, &zero);
}

static __always_inline struct ulink_walk *ulink_walk(void)
{
	struct ulinks_scratch *u = ulinks_scratch();

	return u ? &u->w : NULL;
}

/* One auxiliary vector entry; 1 at its end (AT_NULL). */
LOOP_CB ulink_auxv_cb(__u64 i, void *data)
{
	struct ulink_walk *w = ulink_walk();
	__u64 kv[2];

	if (!w)
		return 1;
	if (i * 16 + 16 > bpf_core_field_size(struct mm_struct, saved_auxv) ||
	    bpf_probe_read_kernel(kv, sizeof(kv), (void *)(w->auxv + i * 16)))
		return 1;
	if (kv[0] == ULK_AT_PHDR)
		w->phdr = kv[1];
	else if (kv[0] == ULK_AT_PHNUM)
		w->phnum = kv[1];
	else if (kv[0] == ULK_AT_BASE)
		w->base = kv[1];
	return kv[0] == 0;
}

/* One program header of the executable, in its memory. */
LOOP_CB ulink_phdr_cb(__u64 i, void *data)
{
	struct ulink_walk *w = ulink_walk();
	__u64 ph = 0, vaddr = 0;	/* p_type (and p_flags), p_vaddr */

	if (!w || i >= w->phnum)
		return 1;
	ph = w->phdr + i * ULK_PHDR_SIZE;
	if (bpf_probe_read_user(&vaddr, 8, (void *)(ph + 16)) ||
	    bpf_probe_read_user(&ph, 8, (void *)ph)) {
		w->fault = 1;
		return 1;
	}
	if ((__u32)ph == ULK_PT_PHDR) {
		w->bias = w->phdr - vaddr;
		w->found |= 1;
	} else if ((__u32)ph == ULK_PT_DYNAMIC) {
		w->dyn = vaddr;
		/* p_memsz */
		if (bpf_probe_read_user(&w->dyn_size, 8,
					(void *)(w->phdr + i * ULK_PHDR_SIZE + 40))) {
			w->fault = 1;
			return 1;
		}
		w->found |= 2;
	}
	return 0;
}

/* One entry of the executable's dynamic section; 1 at DT_DEBUG or its end. */
LOOP_CB ulink_dyn_cb(__u64 i, void *data)
{
	struct ulink_walk *w = ulink_walk();
	__u64 d[2];

	if (!w || i * 16 + 16 > w->dyn_size)
		return 1;
	if (bpf_probe_read_user(d, sizeof(d), (void *)(w->bias + w->dyn + i * 16))) {
		w->fault = 1;
		return 1;
	}
	if (d[0] == ULK_DT_DEBUG) {
		w->rdebug = d[1];
		return 1;
	}
	return d[0] == 0;
}

/* One link_map: its load bias, dynamic section and path, into ulinks_buf. */
LOOP_CB ulink_obj_cb(__u64 i, void *data)
{
	struct ulinks_scratch *u = ulinks_scratch();
	struct oomt_ulink *o;
	__u64 lm[4];	/* l_addr, l_name, l_ld, l_next */

	if (!u || !u->w.l)
		return 1;
	if (bpf_probe_read_user(lm, sizeof(lm), (void *)u->w.l)) {
		u->w.fault = 1;
		return 1;
	}
	o = &u->rec.obj[i & (OOMT_ULINKS_MAX - 1)];
	o->addr = lm[0];
	o->ld = lm[2];
	/* a name in a page not resident (the linker's own: the executable's
	 * PT_INTERP) is left empty */
	if (bpf_probe_read_user_str(o->name, sizeof(o->name), (void *)lm[1]) < 0)
		o->name[0] = '\0';
	u->rec.n = (i & (OOMT_ULINKS_MAX - 1)) + 1;
	u->w.l = lm[3];
	return 0;
}

/*
 * ULINKS (see struct oomt_ulinks): the current task's objects from its
 * dynamic linker's list. r_debug is first looked for where this machine's
 * dynamic linker keeps it, AT_BASE + ldso_r_debug: written data, resident,
 * taken only if it names that base (r_ldbase), as a process with another
 * linker (a container's) would not. Else AT_PHDR gives the executable's
 * program headers in memory, whose PT_PHDR gives its load bias and
 * PT_DYNAMIC its dynamic section, where the linker left DT_DEBUG pointing
 * at r_debug. Those headers sit in the executable's first page, clean page
 * cache that a memcg at its limit reclaims first: a read there faults (BPF
 * cannot fault pages in). r_debug's r_map starts the link_map chain
 * (l_addr, l_name, l_ld, l_next: the ABI gdb reads). A dozen objects cost
 * some 30 user reads, only when the stack is copied. Each step is a loop
 * callback, verified once.
 */
__noinline int emit_ulinks(__u64 oom_id)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(cur, mm);
	struct ulinks_scratch *u = ulinks_scratch();
	struct ulink_walk *w;
	__u32 flags = 0;

	if (!mm || !u)
		return 0;
	w = &u->w;
	__builtin_memset(w, 0, sizeof(*w));
	u->rec.n = 0;
	w->auxv = (__u64)mm + bpf_core_field_offset(struct mm_struct, saved_auxv);
	OOMT_LOOP(ULK_AUXV_MAX / 16, ulink_auxv_cb, NULL);
	if (!w->phdr || !w->phnum) {
		flags |= OOMT_ULINKS_NO_AUXV;
		goto out;
	}
	/* no interpreter: a static executable, no linker and no list */
	if (!w->base) {
		flags |= OOMT_ULINKS_NO_DYNAMIC;
		goto out;
	}
	/* r_debug: r_version (int) at 0, r_map at 8, r_ldbase at 32 */
	if (!ldso_r_debug ||
	    bpf_probe_read_user(&w->r_version, 4, (void *)(w->base + ldso_r_debug)) ||
	    (w->r_version != 1 && w->r_version != 2) ||
	    bpf_probe_read_user(&w->r_ldbase, 8, (void *)(w->base + ldso_r_debug + 32)) ||
	    w->r_ldbase != w->base ||
	    bpf_probe_read_user(&w->l, 8, (void *)(w->base + ldso_r_debug + 8)) || !w->l) {
		w->l = 0;
		OOMT_LOOP(ULK_PHDRS, ulink_phdr_cb, NULL);
		if (w->found != 3) {
			flags |= w->fault ? OOMT_ULINKS_FAULT : OOMT_ULINKS_NO_DYNAMIC;
			goto out;
		}
		OOMT_LOOP(ULK_DYNS, ulink_dyn_cb, NULL);
		if (!w->rdebug || bpf_probe_read_user(&w->l, 8, (void *)(w->rdebug + 8)) || !w->l) {
			flags |= w->fault ? OOMT_ULINKS_FAULT : OOMT_ULINKS_NO_DEBUG;
			goto out;
		}
	}
	OOMT_LOOP(OOMT_ULINKS_MAX, ulink_obj_cb, NULL);
	if (w->fault)
		flags |= OOMT_ULINKS_FAULT;
	else if (w->l)
		flags |= OOMT_ULINKS_MORE;
out:
	fill_hdr(&u->rec.hdr, OOMT_REC_ULINKS, oom_id);
	u->rec.pid = bpf_get_current_pid_tgid() >> 32;
	u->rec.flags = flags;
	u->rec.pad = 0;
	if (bpf_ringbuf_output(&events, &u->rec, sizeof(u->rec), BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&drops.ringbuf_full, 1);
	return 0;
}

static __always_inline void fill_stacks(void *ctx, struct oom_ctx *c, struct oomt_kill *k)
{
	fill_exe(c, k);
	k->kstack_len = bpf_get_stack(ctx, k->kstack, sizeof(k->kstack), 0);
	k->ustack_len = bpf_get_stack(ctx, k->ustack, sizeof(k->ustack), BPF_F_USER_STACK);
	k->ubuild_len = bpf_get_stack(ctx, k->ubuild, sizeof(k->ubuild),
				      BPF_F_USER_STACK | BPF_F_USER_BUILD_ID);
	emit_ustack(c->oom_id);
	if (ustack_copy)
		emit_ulinks(c->oom_id);
}

/*
 * The OOM memcg's page counters (issue 15): a handful of reads, once per
 * kill. swap and memsw share a union; kmem is v1's and goes with
 * CONFIG_MEMCG_V1 (6.10+), so it is tested. The breakdown (memory.stat) is
 * read by userspace when the event is complete (user/live/domain_live.c).
 */
static __always_inline void fill_kill_counters(struct oomt_kill *k, struct mem_cgroup *memcg)
{
	bool v2 = BPF_CORE_READ(memcg, css.cgroup, root, hierarchy_id) == 0;

	k->mem_usage = BPF_CORE_READ(memcg, memory.usage.counter);
	k->mem_max = BPF_CORE_READ(memcg, memory.max);
	k->swap_usage = BPF_CORE_READ(memcg, swap.usage.counter);
	k->swap_max = BPF_CORE_READ(memcg, swap.max);
	k->kmem_usage = 0;
	k->flags |= OOMT_KILL_COUNTERS | (v2 ? OOMT_KILL_V2 : 0);
	if (!v2 && bpf_core_field_exists(memcg->kmem)) {
		k->kmem_usage = BPF_CORE_READ(memcg, kmem.usage.counter);
		k->flags |= OOMT_KILL_KMEM;
	}
}

/*
 * A global OOM's counters at the kill (issue 15), as the kernel's Mem-Info
 * prints them: the nodes' vm_stat arrays summed (what vm_node_stat holds,
 * the sum Mem-Info's first lines print), and the zones' free pages. The
 * nodes are reached without kallsyms (data symbols need
 * CONFIG_KALLSYMS_ALL, which Debian's arm64 kernel lacks) through the
 * allocating task's memcg: its per-node info points at each node's
 * pglist_data. Some 20 reads on one node, once per kill.
 */
static __always_inline __s64 atomic_at(void *base, __u64 off)
{
	__s64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), base + off);
	return v;
}

static __always_inline void fill_kill_vmstat(struct oomt_kill *k)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	void *memcg = task_memcg_css(cur), *pn, *pgdat, *zone;
	__u64 nodeinfo = bpf_core_field_offset(struct mem_cgroup, nodeinfo);
	__u64 node_vm = bpf_core_field_offset(struct pglist_data, vm_stat);
	__u64 zones = bpf_core_field_offset(struct pglist_data, node_zones);
	__u64 zone_size = bpf_core_type_size(struct zone);
	__u64 zone_vm = bpf_core_field_offset(struct zone, vm_stat);
	__u32 nr_zones = bpf_core_enum_value(enum zone_type, __MAX_NR_ZONES);
	bool pt_node = bpf_core_enum_value_exists(enum node_stat_item___new, NR_PAGETABLE___new);
	bool ks_node = bpf_core_enum_value_exists(enum node_stat_item___new,
						  NR_KERNEL_STACK_KB___new);
	bool slab_b = bpf_core_enum_value_exists(enum node_stat_item___new,
						 NR_SLAB_RECLAIMABLE_B___new);
	__u64 slab_r, slab_u, ks, pt, free = bpf_core_enum_value(enum zone_stat_item, NR_FREE_PAGES);
	__s64 *sum = (__s64 *)k->vmstat;

	__builtin_memset(k->vmstat, 0, sizeof(k->vmstat));
	if (!memcg || nr_nodes > OOMT_NODES_MAX)
		return;
	slab_r = slab_b ? node_slab_r() : node_slab_r_old();
	slab_u = slab_b ? node_slab_u() : node_slab_u_old();
	ks = ks_node ? node_kernel_stack() : zone_kernel_stack();
	pt = pt_node ? node_pagetable() : zone_pagetable();
#define NODE_ADD(slot, idx) (sum[slot] += atomic_at(pgdat, node_vm + (idx) * 8))
#define ZONE_ADD(slot, idx) (sum[slot] += atomic_at(zone, zone_vm + (idx) * 8))
	for (__u32 n = 0; n < OOMT_NODES_MAX && n < nr_nodes; n++) {
		pn = NULL;
		bpf_probe_read_kernel(&pn, sizeof(pn), memcg + nodeinfo + n * 8);
		pgdat = pn ? BPF_CORE_READ((struct mem_cgroup_per_node *)pn, lruvec.pgdat) : NULL;
		if (!pgdat)
			continue;
		NODE_ADD(OOMT_VM_ACTIVE_ANON, bpf_core_enum_value(enum node_stat_item, NR_ACTIVE_ANON));
		NODE_ADD(OOMT_VM_INACTIVE_ANON,
			 bpf_core_enum_value(enum node_stat_item, NR_INACTIVE_ANON));
		NODE_ADD(OOMT_VM_ACTIVE_FILE, bpf_core_enum_value(enum node_stat_item, NR_ACTIVE_FILE));
		NODE_ADD(OOMT_VM_INACTIVE_FILE,
			 bpf_core_enum_value(enum node_stat_item, NR_INACTIVE_FILE));
		NODE_ADD(OOMT_VM_UNEVICTABLE, bpf_core_enum_value(enum node_stat_item, NR_UNEVICTABLE));
		NODE_ADD(OOMT_VM_SHMEM, bpf_core_enum_value(enum node_stat_item, NR_SHMEM));
		NODE_ADD(OOMT_VM_SLAB_RECLAIMABLE, slab_r);
		NODE_ADD(OOMT_VM_SLAB_UNRECLAIMABLE, slab_u);
		if (ks_node)
			NODE_ADD(OOMT_VM_KERNEL_STACK_KB, ks);
		if (pt_node)
			NODE_ADD(OOMT_VM_PAGETABLES, pt);
		for (__u32 z = 0; z < 8 && z < nr_zones; z++) {
			zone = pgdat + zones + z * zone_size;
			ZONE_ADD(OOMT_VM_FREE, free);
			if (!ks_node)
				ZONE_ADD(OOMT_VM_KERNEL_STACK_KB, ks);
			if (!pt_node)
				ZONE_ADD(OOMT_VM_PAGETABLES, pt);
		}
	}
#undef NODE_ADD
#undef ZONE_ADD
	for (int i = 0; i < OOMT_VM__COUNT; i++)
		if (sum[i] < 0)
			sum[i] = 0;
	k->flags |= OOMT_KILL_VMSTAT;
}

/* ---- run_up: each domain's reclaim over the last minute (issue 15) --------- */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OOMT_RUNUP_DOMAINS);
	__type(key, __u64);
	__type(value, struct oomt_reclaim_domain);
} reclaim_domains SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OOMT_RUNUP_TASKS);
	__type(key, __u32);
	__type(value, struct oomt_reclaim_task);
} reclaim_tasks SEC(".maps");

/* A new domain's value: too big for the stack (BPF's 512 bytes) */
const struct oomt_reclaim_domain reclaim_domain_zero = {};

/*
 * The KILL record's run_up: the domain's slots of the window summed, and
 * the allocating task's own stall. Two lookups and two loops of
 * OOMT_RUNUP_SLOTS: all the kill pays for it. Summed into the context by a
 * global function (scalars in, see walk_one()): verified once, not along
 * every path of the KILL record's making.
 */
/* runup_sum()'s loops: one slot per step (OOMT_LOOP) */
struct runup_step {
	__u64 domain;
	__u64 epoch;
};

LOOP_CB runup_domain_cb(__u64 idx, void *data)
{
	struct runup_step *st = data;
	struct oom_ctx *c = get_ctx();
	struct oomt_reclaim_domain *d = bpf_map_lookup_elem(&reclaim_domains, &st->domain);
	struct oomt_reclaim_slot *s;
	struct oomt_runup *r;
	__u64 i = idx;

	if (!c || !d || i >= OOMT_RUNUP_SLOTS)
		return 1;
	s = &d->slot[i];
	r = &c->runup;
	if (s->epoch > st->epoch || st->epoch - s->epoch >= OOMT_RUNUP_SLOTS)
		return 0;
	r->episodes += s->episodes;
	r->stall_ns += s->stall_ns;
	r->reclaimed += s->reclaimed;
	if (s->first_hit_ns && (!r->first_hit_ns || s->first_hit_ns < r->first_hit_ns))
		r->first_hit_ns = s->first_hit_ns;
	return 0;
}

LOOP_CB runup_task_cb(__u64 idx, void *data)
{
	struct runup_step *st = data;
	struct oom_ctx *c = get_ctx();
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct oomt_reclaim_task *t = bpf_map_lookup_elem(&reclaim_tasks, &tid);
	__u64 i = idx;

	if (!c || !t || i >= OOMT_RUNUP_SLOTS)
		return 1;
	if ((__u32)st->epoch - t->epoch[i] < OOMT_RUNUP_SLOTS)
		c->runup.trigger_stall_ns += (__u64)t->stall_us[i] * 1000;
	return 0;
}

__noinline int runup_sum(__u64 domain, __u64 now)
{
	struct runup_step st = { .domain = domain, .epoch = now / OOMT_RUNUP_SLOT_NS };
	struct oom_ctx *c = get_ctx();
	struct oomt_reclaim_task *t;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!c)
		return 0;
	__builtin_memset(&c->runup, 0, sizeof(c->runup));
	c->runup.domain = domain;
	OOMT_LOOP(OOMT_RUNUP_SLOTS, runup_domain_cb, &st);
	t = bpf_map_lookup_elem(&reclaim_tasks, &tid);
	/* the task's stall is its own, whatever it reclaimed for: counted only
	 * when its last episode was for this domain */
	if (t && t->domain == domain)
		OOMT_LOOP(OOMT_RUNUP_SLOTS, runup_task_cb, &st);
	return 0;
}

static __always_inline void fill_runup(struct oomt_kill *k, __u64 domain, __u64 now)
{
	struct oom_ctx *c;

	runup_sum(domain, now);
	c = get_ctx();
	if (c)
		__builtin_memcpy(&k->runup, &c->runup, sizeof(k->runup));
	else
		__builtin_memset(&k->runup, 0, sizeof(k->runup));
	k->runup.domain = domain;
	k->flags |= OOMT_KILL_RUNUP;
}

/* The KILL record's OOM memcg (NULL: global) and the allocating task. */
static __always_inline void fill_kill_domain(struct oomt_kill *k, struct mem_cgroup *memcg)
{
	k->memcg_id = 0;
	k->mem_usage = k->mem_max = k->swap_usage = k->swap_max = k->kmem_usage = 0;
	if (memcg) {
		k->memcg_id = css_kn_id(&memcg->css);
		k->flags |= OOMT_KILL_MEMCG;
		fill_kill_counters(k, memcg);
	} else {
		fill_kill_vmstat(k);
	}
	fill_runup(k, k->memcg_id, k->hdr.ts_ns);
	k->trigger_tid = (__u32)bpf_get_current_pid_tgid();
	k->trigger_pid = bpf_get_current_pid_tgid() >> 32;
	k->pad = 0;
}

/*
 * arm64 unwinds the kernel stack through frame records. A kprobe on a
 * function's first instruction fires before the function stores its record,
 * so the return address into its caller is only in the link register and
 * the stack skips that caller (oom_kill_process <- mem_cgroup_out_of_memory,
 * without out_of_memory). The kprobe passes the link register in CALLER and
 * it becomes the second frame again, unless the unwinder already has it.
 */
static __always_inline void kstack_add_caller(struct oomt_kill *k, __u64 caller)
{
	if (!caller || k->kstack_len < 8 || (k->kstack_len >= 16 && k->kstack[1] == caller))
		return;
	for (int i = OOMT_KSTACK_MAX - 1; i > 1; i--)
		k->kstack[i] = k->kstack[i - 1];
	k->kstack[1] = caller;
	if (k->kstack_len < OOMT_KSTACK_MAX * 8)
		k->kstack_len += 8;
}

/* The kprobe's caller for kstack_add_caller: arm64 only, see there. */
#ifdef bpf_target_arm64
#define KPROBE_ENTRY_CALLER(ctx) PT_REGS_RET(ctx)
#else
#define KPROBE_ENTRY_CALLER(ctx) 0
#endif

/*
 * KILL from the oom_control (fentry/kprobe modes): the kernel's own choice.
 * CALLER: see kstack_add_caller (0: none).
 */
static __always_inline void emit_kill_oc(void *ctx, struct oom_ctx *c, __u64 caller)
{
	struct oom_control *oc = (void *)c->oc;
	struct task_struct *chosen;
	struct mem_cgroup *memcg;
	struct oomt_kill *k;

	/* before the reservation: a full ring buffer loses the record, not
	 * the fact that this OOM kills */
	c->kill_entered = 1;
	/* the candidates the kernel weighed come before its choice */
	flush_candidates(c);
	k = reserve(c, sizeof(*k));
	if (!k)
		return;
	fill_hdr(&k->hdr, OOMT_REC_KILL, c->oom_id);
	chosen = BPF_CORE_READ(oc, chosen);
	if (chosen && (long)chosen != -1)
		fill_task_via_scratch(c, &k->chosen, chosen);
	else
		__builtin_memset(&k->chosen, 0, sizeof(k->chosen));
	c->chosen_pid = k->chosen.pid;
	k->chosen_points = BPF_CORE_READ(oc, chosen_points);
	k->totalpages = BPF_CORE_READ(oc, totalpages);
	k->gfp_mask = BPF_CORE_READ(oc, gfp_mask);
	k->order = BPF_CORE_READ(oc, order);
	k->constraint = BPF_CORE_READ(oc, constraint);
	k->flags = OOMT_KILL_OC | OOMT_KILL_TOTALPAGES | OOMT_KILL_CONSTRAINT;
	memcg = BPF_CORE_READ(oc, memcg);
	fill_kill_domain(k, memcg);
	fill_stacks(ctx, c, k);
	kstack_add_caller(k, caller);
	if (memcg)
		send_cgroup_chain(c, BPF_CORE_READ(memcg, css.cgroup, kn));
	bpf_ringbuf_submit(k, BPF_RB_NO_WAKEUP);
}

/*
 * The wake-up of userspace, out of the OOM killer's way. A forced wake-up
 * queues an irq_work that interrupts the CPU at once and wakes the
 * reader on another: 30-37 us per OOM on this build machine's
 * hypervisor, more than the candidate walk, spent while the kernel holds
 * oom_lock and the OOM memcg's lock (the in-program split: walk 3 us,
 * totals with the wake-up 29-37 us, without it 0.3 us). Deferred, a timer
 * does it WAKE_DELAY_NS later, after the locks are released and the
 * victim has been on its way out. 10 ms rather than 1: a timer due after
 * the CPU's next tick costs 2 us to arm, one due before it 5 us (the
 * clock event is programmed anew); a reader is none the worse for it.
 * Raw tracepoint programs may not use bpf_timer ("tracing progs cannot
 * use bpf_timer yet"), a tp_btf one may: wake_after_walk, attached after
 * handle_mark_victim_walk, arms it; in fentry mode out_of_memory()'s
 * fexit program does, after the END record. The timer's callback belongs
 * to wake_init, a syscall program userspace runs once after the load, so
 * that its allocation is not made at the first OOM. A timer already armed is left as it is, so that a storm of OOMs
 * cannot push the wake-up away for as long as it lasts.
 */
#define WAKE_DELAY_NS 10000000ULL
#define OOMT_CLOCK_MONOTONIC 1	/* uapi/linux/time.h, not in vmlinux.h */

struct wake_slot {
	struct bpf_timer timer;
	__u64 armed;		/* 1 from arming until the callback runs */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wake_slot);
} wake_timer SEC(".maps");

/* A discarded record with a forced wake-up: the reader wakes, reads what is there. */
static __always_inline void wake_now(void)
{
	void *r = bpf_ringbuf_reserve(&events, 8, 0);

	if (r)
		bpf_ringbuf_discard(r, BPF_RB_FORCE_WAKEUP);
}

static int wake_cb(void *map, __u32 *key, struct wake_slot *w)
{
	/* cleared first: a record made after the wake-up arms the timer again */
	__sync_lock_test_and_set(&w->armed, 0);
	wake_now();
	return 0;
}

SEC("syscall")
int wake_init(void *ctx)
{
	__u32 zero = 0;
	struct wake_slot *w = bpf_map_lookup_elem(&wake_timer, &zero);
	long err;

	if (!w)
		return -1;
	err = bpf_timer_init(&w->timer, &wake_timer, OOMT_CLOCK_MONOTONIC);
	if (err && err != -16)	/* -EBUSY: set up already */
		return (int)err;
	return (int)bpf_timer_set_callback(&w->timer, wake_cb);
}

/* The wake-up WAKE_DELAY_NS from now, or at once where the timer cannot be armed. */
static __always_inline void wake_later(void)
{
	__u32 zero = 0;
	struct wake_slot *w = bpf_map_lookup_elem(&wake_timer, &zero);

	if (!w) {
		wake_now();
		return;
	}
	if (__sync_val_compare_and_swap(&w->armed, 0, 1) != 0)
		return;
	if (bpf_timer_start(&w->timer, WAKE_DELAY_NS, 0)) {
		w->armed = 0;
		wake_now();
	}
}

/* ---- fentry mode ------------------------------------------------------------ */

SEC("fentry/out_of_memory")
int BPF_PROG(fentry_out_of_memory, struct oom_control *oc)
{
	struct oom_ctx *c = get_ctx();

	if (c)
		open_ctx(c, (__u64)oc);
	return 0;
}

SEC("fexit/out_of_memory")
int BPF_PROG(fexit_out_of_memory, struct oom_control *oc, bool ret)
{
	struct oom_ctx *c = ctx_of_current();

	if (!c)
		return 0;
#ifndef OOMT_COMPAT
	/* out_of_memory()'s caller still holds oom_lock: the wake-up later */
	if (wake_deferrable()) {
		emit_end(c, ret, BPF_RB_NO_WAKEUP);
		wake_later();
		return 0;
	}
#endif
	emit_end(c, ret, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("fexit/oom_badness")
int BPF_PROG(fexit_oom_badness, struct task_struct *p, unsigned long totalpages, long ret)
{
	struct oom_ctx *c = ctx_of_current();

	if (c) {
		/* through the map: a global function takes scalars, not the
		 * typed pointer an fexit program has */
		c->badness_task = (__u64)p;
		emit_candidate(*(volatile __u64 *)&c->badness_task, ret, 1, 0, 0);
		c->badness_task = 0;
	}
	return 0;
}

SEC("fentry/oom_kill_process")
int BPF_PROG(fentry_oom_kill_process)
{
	struct oom_ctx *c = ctx_of_current();

	if (c)
		emit_kill_oc(ctx, c, 0);
	return 0;
}

/* ---- kprobe mode ------------------------------------------------------------ */

SEC("kprobe/out_of_memory")
int BPF_KPROBE(kprobe_out_of_memory, struct oom_control *oc)
{
	struct oom_ctx *c = get_ctx();

	if (c)
		open_ctx(c, (__u64)oc);
	return 0;
}

SEC("kretprobe/out_of_memory")
int BPF_KRETPROBE(kretprobe_out_of_memory, bool ret)
{
	struct oom_ctx *c = ctx_of_current();

	if (c)
		emit_end(c, ret, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("kprobe/oom_badness")
int BPF_KPROBE(kprobe_oom_badness, struct task_struct *p)
{
	struct oom_ctx *c = ctx_of_current();

	if (c)
		c->badness_task = (__u64)p;
	return 0;
}

SEC("kretprobe/oom_badness")
int BPF_KRETPROBE(kretprobe_oom_badness, long ret)
{
	struct oom_ctx *c = ctx_of_current();

	if (c && c->badness_task) {
		emit_candidate(c->badness_task, ret, 1, 0, 0);
		c->badness_task = 0;
	}
	return 0;
}

/*
 * oom_kill_process may be a .constprop/.isra clone whose arguments were
 * rewritten, so its arguments are not read: the oom_control is the one
 * out_of_memory() received.
 */
SEC("kprobe/oom_kill_process")
int BPF_KPROBE(kprobe_oom_kill_process)
{
	struct oom_ctx *c = ctx_of_current();

	if (c)
		emit_kill_oc(ctx, c, KPROBE_ENTRY_CALLER(ctx));
	return 0;
}

/* ---- tracepoint mode: the OOM domain and candidates, recomputed ------------- */

/* Pages of room left under a page_counter's limit. */
static __always_inline __s64 counter_headroom(struct page_counter *pc)
{
	__s64 usage = BPF_CORE_READ(pc, usage.counter);
	__s64 max = BPF_CORE_READ(pc, max);

	return max - usage;
}

static __always_inline bool memcg_on_v2(struct mem_cgroup *memcg)
{
	return BPF_CORE_READ(memcg, css.cgroup, root, hierarchy_id) == 0;
}

static __always_inline __u64 read_kernel_ulong(__u64 addr, __u64 fallback)
{
	__u64 v = 0;

	if (!addr || bpf_probe_read_kernel(&v, sizeof(v), (void *)addr))
		return fallback;
	return v;
}

static __always_inline __u64 total_swap(void)
{
	return read_kernel_ulong(ksym_total_swap_pages, meminfo_swap_pages);
}

/* mem_cgroup_get_max(): the memcg's limit plus the swap it may use. */
static __always_inline __u64 memcg_totalpages(struct mem_cgroup *memcg)
{
	__u64 max = BPF_CORE_READ(memcg, memory.max);
	__u64 swap_total = total_swap();

	if (swap_total) {
		__u64 swap;

		if (memcg_on_v2(memcg))
			swap = BPF_CORE_READ(memcg, swap.max);
		else
			swap = BPF_CORE_READ(memcg, memsw.max) - max;
		max += swap < swap_total ? swap : swap_total;
	}
	return max ? max : 1;
}

/*
 * Find the memcg whose limit caused this OOM: the lowest ancestor of the
 * victim's memcg without room for the failed charge, as try_charge() found
 * it (page_counter_try_charge fails at the lowest counter over its limit).
 * The charge size is unknown here: prefer a counter short of an order-0
 * charge plus the per-CPU stock (64 pages), else the highest memcg under
 * the kernel's memcg OOM lock, else one short of a THP (512).
 * NULL means no memcg was at its limit or locked: a global OOM.
 *
 * The counters alone can be wrong: between the failed charge and the kill
 * another task may give pages back (the oom_reaper or the exit of an
 * earlier victim, or of a process that shared its mm, racing this OOM);
 * then only the lock tells.
 */
/* One step of find_oom_memcg()'s climb, on the context's c->dom (a global
 * function: see walk_one()). 1 when the climb is over. */
__noinline int domain_one(void)
{
	struct oom_ctx *c = get_ctx();
	struct cgroup_subsys_state *css, *parent;
	struct mem_cgroup *memcg;
	__s64 room;

	if (!c)
		return 1;
	css = (void *)c->dom.css;
	memcg = (void *)css;	/* css is the first member */
	if (!css)
		return 1;
	parent = BPF_CORE_READ(css, parent);
	if (!parent)	/* the root memcg has no limit */
		return 1;
	if (memcg_oom_locked(memcg))
		c->dom.locked = (__u64)memcg;
	room = counter_headroom(&memcg->memory);
	if (!memcg_on_v2(memcg) && total_swap()) {
		__s64 memsw = counter_headroom(&memcg->memsw);

		if (memsw < room)
			room = memsw;
	}
	if (room < 64) {
		c->dom.found = (__u64)memcg;
		return 1;
	}
	if (room < 512 && !c->dom.loose)
		c->dom.loose = (__u64)memcg;
	if (!c->dom.tightest || room < c->dom.tightest_room) {
		c->dom.tightest = (__u64)memcg;
		c->dom.tightest_room = room;
	}
	c->dom.css = (__u64)parent;
	return 0;
}

LOOP_CB domain_cb(__u64 idx, void *data)
{
	/* a callback returns 0 or 1; a global function's result is unknown */
	return domain_one() ? 1 : 0;
}

static __always_inline struct mem_cgroup *find_oom_memcg(struct oom_ctx *c,
							 struct task_struct *victim,
							 bool memcg_oom)
{
	struct domain_walk *w = &c->dom;

	__builtin_memset(w, 0, sizeof(*w));
	w->css = (__u64)task_memcg_css(victim);
	OOMT_LOOP(MAX_CGROUP_DEPTH, domain_cb, NULL);
	if (w->found)
		return (void *)w->found;
	if (w->locked)
		return (void *)w->locked;
	/* a memcg OOM for certain, but the victim's exit may already have given
	 * pages back: the ancestor closest to its limit is the domain */
	if (!w->loose && memcg_oom)
		return (void *)w->tightest;
	return (void *)w->loose;
}

/* kstack_has()'s scan: one frame per step (OOMT_LOOP) */
struct kstack_find {
	__u64 start, end;
	__u32 hit;
};

LOOP_CB kstack_cb(__u64 idx, void *data)
{
	struct kstack_find *f = data;
	struct oom_ctx *c = get_ctx();
	__u64 i = idx;
	__u64 ip;

	if (!c || i >= OOMT_KSTACK_MAX || (__s64)i * 8 >= c->kstack_len)
		return 1;
	ip = c->kstack[i];
	if (ip >= f->start && ip < f->end) {
		f->hit = 1;
		return 1;
	}
	return 0;
}

/*
 * Is any frame of the context's copy of the KILL record's kernel stack in
 * [start, end)? A global function (scalars in, see walk_one()) around a
 * loop of one frame per step: verified once, not along every path that
 * reaches it, nor once per frame.
 */
__noinline int kstack_has(__u64 start, __u64 end)
{
	struct kstack_find f = { .start = start, .end = end };

	OOMT_LOOP(OOMT_KSTACK_MAX, kstack_cb, &f);
	return f.hit;
}

/*
 * Judge one task as oom_evaluate_task() does and list it as a candidate.
 * TASK: a struct task_struct * as a number; DYING: it was found on a
 * css_set's dying_tasks list; KN, KN_ID: its memcg's kernfs node and id as
 * the walk knows them (0: found from the task). DIRECT: see KREAD.
 */
static __always_inline void judge_task(struct oom_ctx *c, __u64 task, bool dying, __u64 kn,
				       __u64 kn_id, const bool direct)
{
	struct task_struct *p = KPTR(direct, struct task_struct, kid_task_struct, task);
	struct mm_struct *oom_mm;
	__u32 tgid;

	/* oom_unkillable_task(): kernel threads and the global init; tgid 0 is
	 * init_task, the idle task */
	tgid = KREAD(direct, p, tgid);
	if (tgid <= 1 || KREAD(direct, p, flags) & PF_KTHREAD)
		return;
	/* css_task_iter (CSS_TASK_ITER_PROCS) passes over a dying leader
	 * whose threads have all exited */
	if (dying && !KREAD(direct, p, signal, live.counter))
		return;
	/* an earlier victim whose mm is already reaped or gone (MMF_OOM_SKIP)
	 * is passed over without calling oom_badness() */
	oom_mm = KREAD(direct, p, signal, oom_mm);
	if (oom_mm && mm_oom_skip(oom_mm, direct))
		return;
#ifndef OOMT_COMPAT
	/* with loads, inline: a global function takes numbers only, and
	 * would cast the task again */
	if (direct) {
		batch_candidate(c, p, 0, 0, kn, kn_id, true);
		return;
	}
#endif
	/* with reads, the global function the fentry and kprobe modes call:
	 * verified once for all of them */
	emit_candidate(task, 0, 0, kn, kn_id);
}

/* The next entry of a list: LIST_HEAD's next (DIRECT: see KREAD). */
static __always_inline __u64 list_next(__u64 list_head, const bool direct)
{
	__u64 next = 0;

	if (direct)
		return (__u64)KCAST(struct list_head, kid_list_head, list_head)->next;
	bpf_probe_read_kernel(&next, sizeof(next), (void *)list_head);
	return next;
}

/*
 * One step of for_each_process() (global OOMs): the process list is a ring
 * through every thread-group leader (init_task included), so the walk
 * starts anywhere and ends when it is back.
 */
static __always_inline long global_walk_step(struct oom_ctx *c, struct walk_state *s,
					     const bool direct)
{
	__u64 task = s->pos;
	__u64 next = (__u64)KREAD(direct, KPTR(direct, struct task_struct, kid_task_struct, task),
				  tasks.next);

	if (!next || next == s->head)
		s->done = 1;
	else	/* a constant: the verifier refuses a pointer minus a number it cannot bound */
		s->pos = next - bpf_core_field_offset(struct task_struct, tasks);
	judge_task(c, task, false, 0, 0, direct);
	return s->done;
}

/*
 * A memcg OOM judges the tasks of the memcg and of every memcg below it,
 * as mem_cgroup_scan_tasks() does: the subtree in pre-order
 * (css_next_descendant_pre), in each css the css_sets whose memory css it
 * is (cgroup->e_csets[memory], cgroup v1 and v2 alike), in each css_set its
 * three task lists (css_task_iter), thread-group leaders only. Processes
 * outside the memcg are never visited. A step moves one link, so the walk
 * bound counts links, not tasks.
 */
enum memcg_walk_phase {
	MW_CSS = 0,	/* at s.css: start its css_set list */
	MW_CSET,	/* at s.cset_node: start its task lists, or the next css */
	MW_TASKS,	/* in task list s.list of the css_set, at s.pos */
	MW_CHILD,	/* the css's css_sets are done: its first child next */
	MW_UP,		/* no child: the next sibling of s.css or of an ancestor */
};

static __always_inline __u64 cset_of_node(__u64 node)
{
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	return node - bpf_core_field_offset(struct css_set, e_cset_node) -
	       id * sizeof(struct list_head);
}

static __always_inline __u64 cset_task_list(__u64 cset, __u32 list)
{
	if (list == 0)
		return cset + bpf_core_field_offset(struct css_set, tasks);
	if (list == 1)
		return cset + bpf_core_field_offset(struct css_set, mg_tasks);
	return cset + bpf_core_field_offset(struct css_set, dying_tasks);
}

static __always_inline long memcg_walk_step(struct oom_ctx *c, struct walk_state *s,
					    const bool direct)
{
	__u64 sibling_off = bpf_core_field_offset(struct cgroup_subsys_state, sibling);
	__u64 children_off = bpf_core_field_offset(struct cgroup_subsys_state, children);
	int id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = KPTR(direct, struct cgroup_subsys_state, kid_css, s->css);
	__u64 next;

	switch (s->phase) {
	case MW_CSS: {
		struct cgroup *cg = KREAD(direct, css, cgroup);
		struct kernfs_node *kn = cg ? KREAD(direct, cg, kn) : NULL;

		s->css_kn = (__u64)kn;
		s->css_kn_id = kn ? KREAD(direct, kn, id) : 0;
		s->cset_head = (__u64)cg + bpf_core_field_offset(struct cgroup, e_csets) +
			       id * sizeof(struct list_head);
		s->cset_node = cg ? list_next(s->cset_head, direct) : 0;
		s->phase = MW_CSET;
		break;
	}
	case MW_CSET:
		if (!s->cset_node || s->cset_node == s->cset_head) {
			s->phase = MW_CHILD;
			break;
		}
		s->list = 0;
		s->head = cset_task_list(cset_of_node(s->cset_node), 0);
		s->pos = list_next(s->head, direct);
		s->phase = MW_TASKS;
		break;
	case MW_TASKS:
		if (s->pos && s->pos != s->head) {
			__u64 task = s->pos - bpf_core_field_offset(struct task_struct, cg_list);
			struct task_struct *p = KPTR(direct, struct task_struct, kid_task_struct,
						     task);

			s->pos = list_next(s->pos, direct);
			/* CSS_TASK_ITER_PROCS: thread-group leaders only */
			if ((__u64)KREAD(direct, p, group_leader) == task)
				judge_task(c, task, s->list == 2, s->css_kn, s->css_kn_id, direct);
			break;
		}
		if (s->list < 2) {
			s->list++;
			s->head = cset_task_list(cset_of_node(s->cset_node), s->list);
			s->pos = list_next(s->head, direct);
			break;
		}
		s->cset_node = list_next(s->cset_node, direct);
		s->phase = MW_CSET;
		break;
	case MW_CHILD:
		next = list_next(s->css + children_off, direct);
		if (next && next != s->css + children_off) {
			s->css = next - sibling_off;
			s->phase = MW_CSS;
		} else {
			s->phase = MW_UP;
		}
		break;
	default: {	/* MW_UP */
		__u64 parent;

		if (s->css == s->domain) {
			s->done = 1;
			break;
		}
		parent = (__u64)KREAD(direct, css, parent);
		next = list_next(s->css + sibling_off, direct);
		if (!parent || !next) {	/* torn under us: stop rather than wander */
			s->done = 1;
			break;
		}
		if (next != parent + children_off) {
			s->css = next - sibling_off;
			s->phase = MW_CSS;
		} else {
			s->css = parent;
		}
		break;
	}
	}
	return s->done;
}

/* One step of the open OOM's walk; 1 when it is done (DIRECT: see KREAD). */
static __always_inline int walk_step(const bool direct)
{
	struct oom_ctx *c = get_ctx();

	if (!c || c->walk.done)
		return 1;
	if (c->walk.domain)
		return memcg_walk_step(c, &c->walk, direct);
	return global_walk_step(c, &c->walk, direct);
}

/*
 * One step up from *data (a struct task_struct * as a number) to its
 * parent; 1 at the top. A loop callback: the verifier checks the step once
 * instead of 64 times (it costs it some 900 instructions inline).
 */
LOOP_CB climb_cb(__u64 idx, void *data)
{
	__u64 *pos = data;
	struct task_struct *t = (void *)*pos;
	struct task_struct *parent = BPF_CORE_READ(t, real_parent);

	if (!parent || parent == t)
		return 1;
	*pos = (__u64)parent;
	return 0;
}

/* Where the walk starts, for the OOM domain memcg (NULL: global). */
static __always_inline void walk_start(struct walk_state *s, struct mem_cgroup *memcg,
				       __u64 totalpages)
{
	__u64 start = bpf_get_current_task();

	__builtin_memset(s, 0, sizeof(*s));
	s->totalpages = totalpages;
	if (memcg) {
		s->domain = (__u64)&memcg->css;
		s->css = s->domain;
		s->phase = MW_CSS;
		return;
	}
	/* init_task heads the list and is never unhashed: climb to it (it is
	 * its own parent) rather than start at a leader that may be exiting */
	OOMT_LOOP(64, climb_cb, &start);
	s->pos = start;
	s->tasks_off = bpf_core_field_offset(struct task_struct, tasks);
	s->head = s->pos + s->tasks_off;
}

static __always_inline void walk_cut(struct oom_ctx *c)
{
	c->walk_truncated = 1;
	__sync_fetch_and_add(&drops.walk_truncated, 1);
}

/*
 * One step of the walk, a global function: the verifier checks it once, on
 * its own, instead of once per loop iteration (compat) or with the
 * callback's repeated passes (bpf_loop, 6.8+). The walk's state is in the
 * context. With reads; walk_one_direct() is the same step with loads, a
 * function of its own so that each is verified once, with its own
 * switch.
 */
__noinline int walk_one(void)
{
	return walk_step(false);
}

#ifdef OOMT_COMPAT
/*
 * The compat object's walk: a bounded loop of calls costs the verifier a
 * few instructions a step. The loop runs in runs of WALK_RUN calls that
 * return at once when the walk is done, so that the verifier keeps one
 * pending branch per run, not per step; the steps past
 * OOMT_COMPAT_WALK_MAX are cut (oomtrace.h). No bpf_loop and no kfuncs
 * before 5.17: the walk with reads only.
 */
#define WALK_RUN 64

static __always_inline void walk_candidates(struct oom_ctx *c)
{
	walk_start(&c->walk, (void *)c->walk_memcg, c->totalpages);
	for (__u32 run = 0; run < OOMT_COMPAT_WALK_MAX / WALK_RUN; run++) {
		for (__u32 i = 0; i < WALK_RUN; i++)
			walk_one();
		if (c->walk.done)
			return;
	}
	walk_cut(c);
}

/* the loader never sets direct_walk for the compat object (tested here
 * all the same: the objects' read-only variables must come in the same
 * order) */
#define walk_candidates_direct() walk_candidates(c)
#else
/*
 * The step with loads (see KREAD), tracepoint mode on 6.2+. A global
 * function is verified whether called or not, so the switch comes first:
 * without it the rest is unreachable for the verifier, and where the
 * loader could not make the kfunc calls, unreached.
 */
__noinline int walk_one_direct(void)
{
	if (!direct_walk)
		return 1;
	return walk_step(true);
}

/* a callback returns 0 or 1, and the verifier knows nothing of a global
 * function's result */
LOOP_CB walk_cb(__u64 idx, void *data)
{
	return walk_one() ? 1 : 0;
}

LOOP_CB walk_direct_cb(__u64 idx, void *data)
{
	return walk_one_direct() ? 1 : 0;
}

/* The walk, candidates in batches (struct oomt_candidates), the last sent
 * at the end. DIRECT: see KREAD. */
static __always_inline void walk_candidates_in(struct oom_ctx *c, const bool direct)
{
	walk_start(&c->walk, (void *)c->walk_memcg, c->totalpages);
	c->batch.count = 0;
	if (direct)
		OOMT_LOOP(max_walk, walk_direct_cb, NULL);
	else
		OOMT_LOOP(max_walk, walk_cb, NULL);
	flush_candidates(c);
	if (!c->walk.done)
		walk_cut(c);
}

static __always_inline void walk_candidates(struct oom_ctx *c)
{
	walk_candidates_in(c, false);
}

/* The walk with loads, a global function behind the switch (see
 * walk_one_direct()). */
__noinline int walk_candidates_direct(void)
{
	struct oom_ctx *c = get_ctx();

	if (!direct_walk || !c)
		return 0;
	walk_candidates_in(c, true);
	return 0;
}
#endif

/*
 * The parts of handle_mark_victim are global functions (see
 * emit_candidate()): each is verified once, on its own, instead of along
 * every path through the program; that halves the verifier's work and
 * start-up time with it.
 */

/* Tracepoint mode, after the VICTIM record: candidates, then the totals. */
__noinline int tp_candidates_and_counts(void)
{
	struct oom_ctx *c = get_ctx();
	bool defer;

	if (!c)
		return 0;
	if (c->walk_pending) {
		c->walk_pending = 0;
		if (direct_walk)
			walk_candidates_direct();
		else
			walk_candidates(c);
	}
	/* out_of_memory's return is not seen: send the totals now (one call:
	 * emit_counts() is inlined, and the verifier checks each copy) */
	defer = wake_deferrable();
	emit_counts(c, OOMT_REC_COUNTS, 0, defer ? BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP);
	if (defer)
		c->wake_pending = 1;
	c->snap_valid = 0;
	return 0;
}

/* Tracepoint mode: the timer armed for the totals the walk sent (wake_pending). */
SEC("tp_btf/mark_victim")
int wake_after_walk(void *ctx)
{
	struct oom_ctx *c = get_ctx();

	if (!c || !c->wake_pending)
		return 0;
	c->wake_pending = 0;
	wake_later();
	return 0;
}

/* totalpages of an OOM domain: the memcg's limit, or RAM plus swap. */
static __always_inline __u64 domain_totalpages(struct mem_cgroup *memcg)
{
	if (memcg)
		return memcg_totalpages(memcg);
	return read_kernel_ulong(ksym_totalram_pages, meminfo_ram_pages) + total_swap();
}

/* What the candidate walk after the VICTIM record needs to know. */
static __always_inline void tp_set_domain(struct oom_ctx *c, struct mem_cgroup *memcg)
{
	if (memcg)
		send_cgroup_chain(c, BPF_CORE_READ(memcg, css.cgroup, kn));
	c->walk_memcg = (__u64)memcg;
	c->walk_pending = 1;
}

/*
 * KILL reconstructed at the first mark_victim of an OOM (tracepoint mode).
 * The candidate walk comes after the VICTIM record, so that a full ring
 * buffer loses candidates rather than the kill itself.
 * The reservation is tested once, right after it is made (see emit_counts).
 */
__noinline int tp_open_oom(struct bpf_raw_tracepoint_args *ctx, __u64 victim_task)
{
	struct task_struct *victim = (void *)victim_task;
	struct oom_ctx *c = get_ctx();
	struct mem_cgroup *memcg;
	struct oomt_kill *k;
	bool memcg_oom, stack_cut;

	if (!c)
		return 0;
	open_ctx(c, 0);
	k = reserve(c, sizeof(*k));
	if (!k) {
		/* no stack to tell memcg from global: the counters and the
		 * memcg OOM lock alone */
		memcg = find_oom_memcg(c, victim, false);
		c->totalpages = domain_totalpages(memcg);
		tp_set_domain(c, memcg);
		return 0;
	}
	fill_stacks(ctx, c, k);
	/* mem_cgroup_out_of_memory() on the stack tells memcg from global;
	 * a stack cut at a kretprobe (someone's on out_of_memory, before
	 * 5.16) does not reach it, and then the counters and the memcg OOM
	 * lock tell (find_oom_memcg) */
	__builtin_memcpy(c->kstack, k->kstack, sizeof(c->kstack));
	c->kstack_len = k->kstack_len;
	memcg_oom = ksym_memcg_oom_start &&
		    kstack_has(ksym_memcg_oom_start, ksym_memcg_oom_end);
	stack_cut = ksym_kretprobe_start &&
		    kstack_has(ksym_kretprobe_start, ksym_kretprobe_end);
	memcg = find_oom_memcg(c, victim, memcg_oom);
	if (ksym_memcg_oom_start && !memcg_oom && !stack_cut)
		memcg = NULL;
	c->totalpages = domain_totalpages(memcg);

	fill_hdr(&k->hdr, OOMT_REC_KILL, c->oom_id);
	fill_task_via_scratch(c, &k->chosen, victim);
	compute_points(&k->chosen, c->totalpages);
	k->chosen_points = k->chosen.points;
	k->totalpages = c->totalpages;
	k->gfp_mask = 0;
	k->order = 0;
	k->constraint = memcg ? CONSTRAINT_MEMCG : CONSTRAINT_NONE;
	k->flags = OOMT_KILL_CONSTRAINT;
	if (ksym_totalram_pages || meminfo_ram_pages || memcg)
		k->flags |= OOMT_KILL_TOTALPAGES;
	fill_kill_domain(k, memcg);
	c->chosen_pid = k->chosen.pid;
	bpf_ringbuf_submit(k, BPF_RB_NO_WAKEUP);
	tp_set_domain(c, memcg);
	return 0;
}

/*
 * Is this mark_victim a memory.oom.group member of the OOM already open?
 * Members are killed from oom_kill_memcg_member() (via mem_cgroup_scan_tasks),
 * the chosen victim directly from oom_kill_process(): the kernel stack tells.
 */
__noinline int killed_as_group_member(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 ips[GROUP_STACK_FRAMES] = {};
	long n;

	if (!ksym_group_member_start)
		return 0;
	n = bpf_get_stack(ctx, ips, sizeof(ips), 0);
	for (int i = 0; i < GROUP_STACK_FRAMES; i++) {
		if (i * 8 >= n)
			break;
		if (ips[i] >= ksym_group_member_start && ips[i] < ksym_group_member_end)
			return 1;
	}
	return 0;
}

/* The VICTIM record of TASK (0: known by its PID alone), and its exit followed. */
__noinline int emit_victim(__u64 task, __u32 pid)
{
	struct oom_ctx *c = get_ctx();
	struct victim_info vi = {};
	struct oomt_victim *v;

	if (!c)
		return 0;
	v = reserve(c, sizeof(*v));
	if (v) {
		fill_hdr(&v->hdr, OOMT_REC_VICTIM, c->active ? c->oom_id : 0);
		if (task) {
			fill_task_via_scratch(c, &v->task, (void *)task);
			/* the OOM's own totalpages: the adj part depends on it */
			if (attach_mode == OOMT_MODE_TRACEPOINT && c->active)
				compute_points(&v->task, c->totalpages);
		} else {
			__builtin_memset(&v->task, 0, sizeof(v->task));
			v->task.pid = pid;
		}
		if (c->active && c->chosen_pid && pid != c->chosen_pid)
			v->task.flags |= OOMT_TASK_GROUP;
		vi.kill_ts = v->hdr.ts_ns;
		bpf_ringbuf_submit(v, BPF_RB_NO_WAKEUP);
	}
	if (task) {
		c->victim_task = task;
		c->victim_pid = pid;
	}
	vi.oom_id = c->active ? c->oom_id : 0;
	if (!vi.kill_ts)
		vi.kill_ts = bpf_ktime_get_boot_ns();
	if (bpf_map_update_elem(&victims, &pid, &vi, BPF_ANY))
		__sync_fetch_and_add(&drops.victims_map_full, 1);
	return 0;
}

/* ---- every mode: victims, reaper, exit ------------------------------------- */

/*
 * --precise-rss, run by userspace after load (BPF_PROG_TEST_RUN, never
 * attached), so that it can say at start whether the sums can work:
 * pcpu_kind whether there is anything to sum (enum oomt_pcpu), pcpu_setup
 * fills the offsets before the first OOM, from the per-CPU map or kallsyms.
 */
/*
 * The ring buffer's pages touched once from the kernel's side, ahead of the
 * OOMs: where a hypervisor maps a guest kernel page on its first touch
 * (this build machine: 10-20 us a page), every OOM's records otherwise pay
 * that for each page of the ring they are the first to reach, and at N
 * candidates that is a page per 56 of them. A run reserves and discards up
 * to RING_TOUCH_PAGES records of a page each (reserving writes the record's
 * header: the page is touched); userspace runs it between reads of the ring
 * until the ring has gone round once (loader__touch_ring()). Returns the
 * pages touched (fewer: the ring is full).
 */
#define RING_TOUCH_PAGES 64
#define RING_TOUCH_SIZE (4096 - 8)	/* with its 8-byte header, a record is a page */

SEC("raw_tp")
int ring_touch(void *ctx)
{
	int n = 0;

	for (int i = 0; i < RING_TOUCH_PAGES; i++) {
		void *r = bpf_ringbuf_reserve(&events, RING_TOUCH_SIZE, 0);

		if (!r)
			break;
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		n++;
	}
	return n;
}

SEC("raw_tp")
int pcpu_kind(void *ctx)
{
	if (bpf_core_field_exists(((struct mm_struct___old *)0)->rss_stat.count))
		return OOMT_PCPU_NOT_PER_CPU;
	if (nr_cpu_ids > 64)
		return OOMT_PCPU_TOO_MANY_CPUS;
	return OOMT_PCPU_OK;
}

SEC("raw_tp")
int pcpu_setup(void *ctx)
{
	__u32 n = nr_cpu_ids < 64 ? nr_cpu_ids : 64;

	if (pcpu_offsets_from_map() && pcpu_offsets_from_kallsyms()) {
		pcpu_offsets_failed = 1;
		return OOMT_PCPU_NO_OFFSETS;
	}
	pcpu_offsets_known = n;
	return OOMT_PCPU_OK;
}

/*
 * A mark without a kill? out_of_memory() marks a caller that is exiting
 * anyway (another thread of a victim, allocating on its way out), and
 * oom_kill_process() a task it chose that is exiting already (one killed
 * earlier for sharing a victim's mm, say), both task_will_free_mem(), so
 * that they may use the reserves: neither is sent SIGKILL, the kernel
 * kills and reports nothing, and neither does oomtrace (fentry/kprobe
 * count it as an OOM without a kill). A kill's mark follows the OOM
 * killer's SIGKILL to that task (handle_signal_generate(): c->snap in
 * tracepoint mode, c->killed_tid in fentry/kprobe), where kallsyms names
 * the kill functions; where it does not, only the caller's case is told
 * (fentry/kprobe: before oom_kill_process() ran) and every other mark is
 * taken as a kill.
 */
static __always_inline bool marked_not_killed(struct oom_ctx *c, struct task_struct *task)
{
	bool kills_known = ksym_kill_start[0] && ksym_kill_start[1];
	__u32 tid = BPF_CORE_READ(task, pid);

	if (attach_mode == OOMT_MODE_TRACEPOINT)
		return kills_known && !(c->snap_valid && c->snap.tid == tid);
	if (!c->active)
		return false;
	if (!c->kill_entered)
		return (__u64)task == bpf_get_current_task();
	if (!kills_known || c->killed_tid == tid)
		return false;
	/* the KILL record named it the chosen: the totals say it was not killed */
	c->marked_only = 1;
	return true;
}

SEC("raw_tp/mark_victim")
int handle_mark_victim(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = NULL;
	struct oom_ctx *c = get_ctx();
	__u32 pid, tid = 0;

	if (!c)
		return 0;
	if (mark_victim_has_task() && !mark_victim_pid_only) {
		task = (void *)ctx->args[0];
	} else {
		/* a thread id: the task is the one the OOM killer just sent
		 * SIGKILL (handle_signal_generate), or the caller itself when
		 * out_of_memory() marks an exiting current without a kill */
		tid = mark_victim_has_task() ?
		      BPF_CORE_READ((struct task_struct *)ctx->args[0], pid) : (__u32)ctx->args[0];
		if (c->snap_valid && c->snap.tid == tid)
			task = (void *)c->snap_task;
		else if ((__u32)bpf_get_current_pid_tgid() == tid)
			task = (void *)bpf_get_current_task();
	}
	pid = task ? BPF_CORE_READ(task, tgid) : tid;

	if (task && marked_not_killed(c, task))
		return 0;
	if (attach_mode == OOMT_MODE_TRACEPOINT && task) {
		bool same = c->active && c->trigger_tid == (__u32)bpf_get_current_pid_tgid();

		if (!same || !killed_as_group_member(ctx))
			tp_open_oom(ctx, (__u64)task);
	}
	emit_victim((__u64)task, pid);
	if (attach_mode == OOMT_MODE_TRACEPOINT && c->active)
		c->walk_next = 1;	/* handle_mark_victim_walk's, next */
	else
		c->snap_valid = 0;
	return 0;
}

/*
 * Tracepoint mode: the rest of handle_mark_victim's work, the candidates
 * and the totals, in a program of its own on the same tracepoint, attached
 * after it (a tracepoint calls its probes in the order they came), so that
 * the same kill's records keep their order. Apart, the two verify at the
 * same time, each on its CPU, where together they were one program whose
 * verification was most of the start-up (loader.c, load_split()).
 */
SEC("raw_tp/mark_victim")
int handle_mark_victim_walk(struct bpf_raw_tracepoint_args *ctx)
{
	struct oom_ctx *c = get_ctx();

	if (!c || !c->walk_next)
		return 0;
	c->walk_next = 0;
	tp_candidates_and_counts();
	return 0;
}

/*
 * Is a frame of the current kernel stack in one of the OOM killer's kill
 * functions? A global function, so that its frame array is not on the
 * stack together with fill_scratch()'s (BPF's 512 bytes cover a call chain).
 */
struct kill_frames {
	__u64 ips[KILL_STACK_FRAMES];
	long n;		/* bytes of ips filled */
	long hit;
};

/* One frame of sent_by_oom_killer()'s stack: a loop callback, checked by
 * the verifier once rather than once per frame (some 600 instructions) */
LOOP_CB kill_frame_cb(__u64 idx, void *data)
{
	struct kill_frames *f = data;
	__u64 ip;

	if (idx >= KILL_STACK_FRAMES || (long)idx * 8 >= f->n)
		return 1;
	ip = f->ips[idx];
	for (int j = 0; j < KILL_FUNCS; j++) {
		if (ip >= ksym_kill_start[j] && ip < ksym_kill_end[j]) {
			f->hit = 1;
			return 1;
		}
	}
	return 0;
}

__noinline int sent_by_oom_killer(struct bpf_raw_tracepoint_args *ctx)
{
	struct kill_frames f = {};

	f.n = bpf_get_stack(ctx, f.ips, sizeof(f.ips), 0);
	OOMT_LOOP(KILL_STACK_FRAMES, kill_frame_cb, &f);
	return f.hit ? 1 : 0;
}

/*
 * Does task share the mm of the task marked last? The mm is compared with
 * that victim's signal->oom_mm, which pins it: a later OOM's victim whose
 * new mm reuses a freed one's address cannot match a victim that is gone.
 * The victim itself is killed first and has its own mark_victim.
 */
static __always_inline bool shares_victim_mm(struct oom_ctx *c, struct task_struct *task)
{
	struct task_struct *victim = (void *)c->victim_task;
	__u64 mm = (__u64)BPF_CORE_READ(task, mm);

	if (!mm || BPF_CORE_READ(task, tgid) == c->victim_pid)
		return false;
	return BPF_CORE_READ(victim, tgid) == c->victim_pid &&
	       (__u64)BPF_CORE_READ(victim, signal, oom_mm) == mm;
}

/* A process killed for sharing the victim's mm: no mark_victim of its own. */
static __always_inline void emit_shared_mm_victim(struct oom_ctx *c, struct task_struct *task)
{
	struct victim_info vi = {};
	struct oomt_victim *v;
	__u32 pid;

	v = reserve(c, sizeof(*v));
	if (!v)
		return;
	fill_hdr(&v->hdr, OOMT_REC_VICTIM, c->oom_id);
	fill_task_via_scratch(c, &v->task, task);
	v->task.flags |= OOMT_TASK_SHARED_MM;
	pid = v->task.pid;
	vi.oom_id = c->oom_id;
	vi.kill_ts = v->hdr.ts_ns;
	bpf_ringbuf_submit(v, 0);
	if (bpf_map_update_elem(&victims, &pid, &vi, BPF_ANY))
		__sync_fetch_and_add(&drops.victims_map_full, 1);
}

/*
 * Every SIGKILL the OOM killer sends: the victim (just before mark_victim),
 * oom.group members, and processes that share the victim's mm, which
 * __oom_kill_process kills without marking them. Other signals return at
 * the first test, so the cost elsewhere is one comparison.
 */
SEC("raw_tp/signal_generate")
int handle_signal_generate(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (void *)ctx->args[2];
	struct oom_ctx *c;

	if ((int)ctx->args[0] != SIGKILL || ctx->args[1] != SEND_SIG_PRIV)
		return 0;
	if (!sent_by_oom_killer(ctx))
		return 0;
	c = get_ctx();
	if (!c)
		return 0;
	if (c->active && c->victim_task && c->trigger_tid == (__u32)bpf_get_current_pid_tgid() &&
	    shares_victim_mm(c, task)) {
		emit_shared_mm_victim(c, task);
		return 0;
	}
	/* its mark is a kill (marked_not_killed()) */
	c->killed_tid = BPF_CORE_READ(task, pid);
	/* tracepoint mode reads the victim's memory from it; a kernel whose
	 * mark_victim passes only a pid finds the victim's task in it */
	if (attach_mode == OOMT_MODE_TRACEPOINT || !mark_victim_has_task() || mark_victim_pid_only) {
		fill_task(&c->snap, task);
		c->snap_task = (__u64)task;
		c->snap_valid = 1;
	}
	return 0;
}

static __always_inline int emit_reap(__u32 pid, __u32 kind)
{
	struct victim_info *vi = bpf_map_lookup_elem(&victims, &pid);
	struct oomt_reap *r;

	if (!vi)
		return 0;
	r = reserve(NULL, sizeof(*r));
	if (!r)
		return 0;
	fill_hdr(&r->hdr, OOMT_REC_REAP, vi->oom_id);
	r->pid = pid;
	r->kind = kind;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("raw_tp/wake_reaper")
int handle_wake_reaper(struct bpf_raw_tracepoint_args *ctx)
{
	return emit_reap((__u32)ctx->args[0], OOMT_REAP_WAKE);
}

SEC("raw_tp/start_task_reaping")
int handle_start_task_reaping(struct bpf_raw_tracepoint_args *ctx)
{
	return emit_reap((__u32)ctx->args[0], OOMT_REAP_START);
}

SEC("raw_tp/finish_task_reaping")
int handle_finish_task_reaping(struct bpf_raw_tracepoint_args *ctx)
{
	return emit_reap((__u32)ctx->args[0], OOMT_REAP_FINISH);
}

SEC("raw_tp/skip_task_reaping")
int handle_skip_task_reaping(struct bpf_raw_tracepoint_args *ctx)
{
	return emit_reap((__u32)ctx->args[0], OOMT_REAP_SKIP);
}

/* A victim's process is gone when its last thread exits (signal->live == 0). */
static __always_inline void victim_exit(struct task_struct *task)
{
	struct victim_info *vi;
	struct oomt_exit *e;
	__u32 pid;

	pid = BPF_CORE_READ(task, tgid);
	vi = bpf_map_lookup_elem(&victims, &pid);
	if (!vi)
		return;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return;

	e = reserve(NULL, sizeof(*e));
	if (e) {
		fill_hdr(&e->hdr, OOMT_REC_EXIT, vi->oom_id);
		e->pid = pid;
		e->pad = 0;
		e->kill_ts_ns = vi->kill_ts;
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	}
	bpf_map_delete_elem(&victims, &pid);
}

/* ---- command lines cached at exec (oomtrace.h, OOMT_CMDLINES) ---------------- */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OOMT_CMDLINES);
	__type(key, __u32);
	__type(value, struct oomt_cmdline);
} cmdlines SEC(".maps");

/* One entry's worth of scratch: too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oomt_cmdline);
} cmdline_scratch SEC(".maps");

/*
 * The new image's argv, from its own memory (current is the task that
 * exec'd, and the kernel has just written those pages), and the path it was
 * given. sched_process_exec(p, old_pid, bprm), every kernel since 3.4.
 */
SEC("raw_tp/sched_process_exec")
int handle_exec_cmdline(struct bpf_raw_tracepoint_args *ctx)
{
	struct linux_binprm *bprm = (void *)ctx->args[2];
	struct task_struct *task = (void *)bpf_get_current_task();
	struct oomt_cmdline *c;
	__u64 start, end, len;
	__u32 zero = 0, tgid;

	c = bpf_map_lookup_elem(&cmdline_scratch, &zero);
	if (!c)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	len = end > start ? end - start : 0;
	c->flags = 0;
	if (len > OOMT_ARGS_MAX) {
		len = OOMT_ARGS_MAX;
		c->flags |= OOMT_CMD_TRUNCATED;
	}
	c->len = 0;
	if (len && !bpf_probe_read_user(c->args, len & (OOMT_ARGS_MAX - 1) ? len &
					(OOMT_ARGS_MAX - 1) : OOMT_ARGS_MAX, (void *)start))
		c->len = len;
	if (bpf_probe_read_kernel_str(c->filename, sizeof(c->filename),
				      BPF_CORE_READ(bprm, filename)) < 0)
		c->filename[0] = '\0';
	bpf_map_update_elem(&cmdlines, &tgid, c, BPF_ANY);
	return 0;
}

/* A forked process runs its parent's command line until it execs. */
SEC("raw_tp/sched_process_fork")
int handle_fork_cmdline(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *parent = (void *)ctx->args[0];
	struct task_struct *child = (void *)ctx->args[1];
	struct oomt_cmdline *c;
	__u32 ptgid, ctgid;

	ctgid = BPF_CORE_READ(child, tgid);
	if (BPF_CORE_READ(child, pid) != ctgid)	/* a thread: same process */
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	c = bpf_map_lookup_elem(&cmdlines, &ptgid);
	if (c)
		bpf_map_update_elem(&cmdlines, &ctgid, c, BPF_ANY);
	return 0;
}

/*
 * Gone with its last thread: the cache holds live processes only, except
 * OOM victims (signal->oom_mm set by mark_oom_victim, 4.10+): userspace
 * reads theirs after the kill, usually after the exit, and deletes it.
 */
static __always_inline void cmdline_exit(struct task_struct *task)
{
	__u32 tgid;

	if (BPF_CORE_READ(task, signal, live.counter) != 0 ||
	    BPF_CORE_READ(task, signal, oom_mm))
		return;
	tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&cmdlines, &tgid);
}

/*
 * Every exit: a victim's end, then the command-line cache's entry. One
 * program for both: one more attach to the same tracepoint cost start-up
 * a load and a live patch of the kernel's text, and every exit a second
 * program run.
 */
SEC("raw_tp/sched_process_exit")
int handle_process_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (void *)ctx->args[0];

	victim_exit(task);
	cmdline_exit(task);
	return 0;
}

/*
 * run_up's counters: the vmscan tracepoints of memcg reclaim (a charge over
 * a memcg's limit, or memory.high) and of direct reclaim (the page
 * allocator, the whole machine). They fire only under reclaim; each episode
 * updates two map entries and sends nothing. Attached where the kernel has
 * them (CONFIG_MEMCG for the memcg ones): without them run_up has no
 * reclaim numbers. The soft-limit tracepoints are not used: v1 soft-limit
 * reclaim runs inside kswapd's or a task's global reclaim, whose stall
 * direct reclaim already counts.
 */

/*
 * The memcg a reclaiming task charges against: the lowest ancestor of its
 * memcg without room for a charge, as try_charge() found it (the
 * tracepoints do not name the memcg). No room for an order-0 charge plus
 * the per-CPU stock (64 pages) is at the limit; short of a THP (512) is the
 * fallback. None (memory.high, proactive reclaim): the task's own memcg,
 * not at its limit. Returns the kernfs id; *ret_hit 1 when at the limit.
 */
/*
 * reclaim_memcg()'s climb: one memcg per step (OOMT_LOOP), so that the
 * verifier sees one step, not MAX_CGROUP_DEPTH of them with every branch.
 * The step is a global function with its state in a per-CPU slot (a
 * tracepoint's program runs with preemption off and does not nest on a
 * CPU): checked once, where a loop callback was checked again for every
 * state the climb could carry into it (some 1,200 instructions, 6.8+).
 */
struct reclaim_walk {
	__u64 css;	/* the memcg's css to look at next */
	__u64 loose;	/* the lowest short of a THP, or 0 */
	__u64 found;	/* the lowest short of an order-0 charge, or 0 */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct reclaim_walk);
} reclaim_walks SEC(".maps");

/* One memcg of the climb; 1 when it is over. */
__noinline int reclaim_step(void)
{
	__u32 zero = 0;
	struct reclaim_walk *w = bpf_map_lookup_elem(&reclaim_walks, &zero);
	struct cgroup_subsys_state *css, *parent;
	struct mem_cgroup *memcg;
	__s64 room;

	if (!w)
		return 1;
	css = (void *)w->css;
	memcg = (void *)css;
	if (!css)
		return 1;
	parent = BPF_CORE_READ(css, parent);
	if (!parent)	/* the root memcg has no limit */
		return 1;
	room = counter_headroom(&memcg->memory);
	if (!memcg_on_v2(memcg) && total_swap()) {
		__s64 memsw = counter_headroom(&memcg->memsw);

		if (memsw < room)
			room = memsw;
	}
	if (room < 64) {
		w->found = (__u64)css;
		return 1;
	}
	if (room < 512 && !w->loose)
		w->loose = (__u64)css;
	w->css = (__u64)parent;
	return 0;
}

LOOP_CB reclaim_memcg_cb(__u64 idx, void *data)
{
	/* a callback returns 0 or 1; a global function's result is unknown */
	return reclaim_step() ? 1 : 0;
}

static __always_inline __u64 reclaim_memcg(__u32 *ret_hit)
{
	struct task_struct *cur = (void *)bpf_get_current_task();
	struct cgroup_subsys_state *leaf = task_memcg_css(cur);
	__u32 zero = 0;
	struct reclaim_walk *w = bpf_map_lookup_elem(&reclaim_walks, &zero);

	*ret_hit = 0;
	if (!w)
		return leaf ? css_kn_id(leaf) : 0;
	w->css = (__u64)leaf;
	w->loose = 0;
	w->found = 0;
	OOMT_LOOP(MAX_CGROUP_DEPTH, reclaim_memcg_cb, NULL);
	if (w->found) {
		*ret_hit = 1;
		return css_kn_id((void *)w->found);
	}
	*ret_hit = w->loose != 0;
	return leaf ? css_kn_id((void *)(w->loose ? w->loose : (__u64)leaf)) : 0;
}

static __always_inline int reclaim_begin(bool memcg)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct oomt_reclaim_task *t = bpf_map_lookup_elem(&reclaim_tasks, &tid);
	__u32 hit = 0;
	__u64 domain = memcg ? reclaim_memcg(&hit) : 0;

	if (!t) {
		struct oomt_reclaim_task zero = {};

		bpf_map_update_elem(&reclaim_tasks, &tid, &zero, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&reclaim_tasks, &tid);
		if (!t)
			return 0;
	}
	t->domain = domain;
	t->hit = memcg ? hit : 0;
	t->begin_ns = bpf_ktime_get_boot_ns();
	return 0;
}

static __always_inline int reclaim_end(__u64 nr_reclaimed)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct oomt_reclaim_task *t = bpf_map_lookup_elem(&reclaim_tasks, &tid);
	struct oomt_reclaim_domain *d;
	struct oomt_reclaim_slot *s;
	__u64 now, begin, domain, epoch, stall;
	__u32 i, hit;

	if (!t || !t->begin_ns)
		return 0;
	now = bpf_ktime_get_boot_ns();
	begin = t->begin_ns;
	domain = t->domain;
	hit = t->hit;
	t->begin_ns = 0;
	stall = now > begin ? now - begin : 0;
	epoch = now / OOMT_RUNUP_SLOT_NS;
	i = (__u32)(epoch % OOMT_RUNUP_SLOTS);
	/* the compiler knows i < OOMT_RUNUP_SLOTS and drops the test; the
	 * verifier does not know it: hide i, keep the test */
	asm volatile("" : "+r"(i));
	if (i >= OOMT_RUNUP_SLOTS)
		return 0;
	if (t->epoch[i] != (__u32)epoch) {
		t->epoch[i] = (__u32)epoch;
		t->stall_us[i] = 0;
	}
	t->stall_us[i] += (__u32)(stall / 1000);

	d = bpf_map_lookup_elem(&reclaim_domains, &domain);
	if (!d) {
		bpf_map_update_elem(&reclaim_domains, &domain, &reclaim_domain_zero, BPF_NOEXIST);
		d = bpf_map_lookup_elem(&reclaim_domains, &domain);
		if (!d)
			return 0;
	}
	s = &d->slot[i];
	/* a slot reused for a newer epoch; two CPUs crossing the boundary at
	 * once may lose an episode of the old slot's last instant */
	if (s->epoch != epoch) {
		s->episodes = 0;
		s->stall_ns = 0;
		s->reclaimed = 0;
		s->first_hit_ns = 0;
		s->epoch = epoch;
	}
	__sync_fetch_and_add(&s->episodes, 1);
	__sync_fetch_and_add(&s->stall_ns, stall);
	__sync_fetch_and_add(&s->reclaimed, nr_reclaimed);
	if (hit && (!s->first_hit_ns || begin < s->first_hit_ns))
		s->first_hit_ns = begin;
	return 0;
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_begin")
int handle_memcg_reclaim_begin(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_begin(true);
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_end")
int handle_memcg_reclaim_end(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_end(ctx->args[0]);
}

SEC("raw_tp/mm_vmscan_direct_reclaim_begin")
int handle_direct_reclaim_begin(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_begin(false);
}

SEC("raw_tp/mm_vmscan_direct_reclaim_end")
int handle_direct_reclaim_end(struct bpf_raw_tracepoint_args *ctx)
{
	return reclaim_end(ctx->args[0]);
}

