/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Records the BPF programs stream to userspace over the ring buffer.
 *
 * Fixed-width types only (this header is compiled both by clang -target bpf
 * and by the host compiler); every record starts with struct oomt_hdr. One
 * OOM produces BEGIN, CANDIDATE x N, KILL, VICTIM x M, END, all tagged with
 * the same oom_id; CGROUP records name the cgroup ids the others refer to;
 * REAP and EXIT records follow later, tagged with the victim's OOM.
 */
#ifndef OOMTRACE_ABI_H
#define OOMTRACE_ABI_H

#ifndef __bpf__
#include <linux/types.h>	/* vmlinux.h provides these on the BPF side */
#endif

#define OOMT_COMM_LEN 16
#define OOMT_CGROUP_NAME_LEN 128
#define OOMT_KSTACK_MAX 32
#define OOMT_USTACK_MAX 32
#define OOMT_BUILD_ID_SIZE 20
#define OOMT_EXE_DEPTH 12	/* path components of the trigger's executable */
#define OOMT_EXE_NAME 48

enum oomt_rec_type {
	OOMT_REC_BEGIN = 1,	/* an OOM context opens */
	OOMT_REC_CANDIDATE,	/* one task evaluated by oom_badness */
	OOMT_REC_KILL,		/* the kernel's choice, oom_control, stacks */
	OOMT_REC_VICTIM,	/* one task marked as OOM victim */
	OOMT_REC_END,		/* the context closes (out_of_memory returned) */
	OOMT_REC_CGROUP,	/* a kernfs node: id, parent id, name */
	OOMT_REC_REAP,		/* oom_reaper progress on a victim */
	OOMT_REC_EXIT,		/* a victim's process exited */
	OOMT_REC_COUNTS,	/* running totals of an OOM still open (tracepoint mode) */
	OOMT_REC_USTACK,	/* the trigger's user registers and top of its user stack */
	OOMT_REC_ULINKS,	/* the trigger's shared objects, from the dynamic linker's list */
	OOMT_REC_CANDIDATES,	/* up to OOMT_CANDIDATES_MAX candidates in one record */
};


/* Which attach mode produced a record (oomt_hdr.mode). */
enum oomt_mode {
	OOMT_MODE_FENTRY = 1,
	OOMT_MODE_KPROBE,
	OOMT_MODE_TRACEPOINT,
};

/* Bits of oomt_task.flags */
enum {
	OOMT_TASK_MEM = 1 << 0,		/* memory fields were read (task had an mm) */
	OOMT_TASK_POINTS = 1 << 1,	/* points is a number, not LONG_MIN */
	OOMT_TASK_SKIP_ADJ_MIN = 1 << 2,
	OOMT_TASK_SKIP_MM_SKIP = 1 << 3,
	OOMT_TASK_SKIP_VFORK = 1 << 4,
	OOMT_TASK_SKIP_NO_MM = 1 << 5,
	OOMT_TASK_COMPUTED = 1 << 6,	/* points recomputed in BPF, not returned by the kernel */
	OOMT_TASK_GROUP = 1 << 7,	/* victim killed as a memory.oom.group member */
	OOMT_TASK_SHARED_MM = 1 << 8,	/* victim killed for sharing the chosen mm */
	OOMT_TASK_EXACT = 1 << 9,	/* rss_exact, swap_exact: per-CPU sums (--precise-rss) */
};

/* What pcpu_setup (--precise-rss, run once after load) found */
enum oomt_pcpu {
	OOMT_PCPU_OK = 1,		/* per-CPU offsets known: tasks get exact sums */
	OOMT_PCPU_NOT_PER_CPU,		/* rss counters are not per CPU (before 6.2) */
	OOMT_PCPU_TOO_MANY_CPUS,	/* more than 64 possible CPUs */
	OOMT_PCPU_NO_OFFSETS,		/* neither the per-CPU map nor kallsyms gave offsets */
};

/* Bits of oomt_kill.flags */
enum {
	OOMT_KILL_OC = 1 << 0,		/* gfp/order/constraint/totalpages read from oom_control */
	OOMT_KILL_MEMCG = 1 << 1,	/* memcg_id names the OOM domain */
	OOMT_KILL_TOTALPAGES = 1 << 2,	/* totalpages known (read or derived) */
	OOMT_KILL_CONSTRAINT = 1 << 3,	/* constraint known (read or derived) */
	OOMT_KILL_COUNTERS = 1 << 4,	/* mem_* and swap_* read from the OOM memcg */
	OOMT_KILL_V2 = 1 << 5,		/* ... on cgroup v2: swap_* is swap, not memory+swap */
	OOMT_KILL_KMEM = 1 << 6,	/* kmem_usage read (cgroup v1's kmem counter) */
	OOMT_KILL_VMSTAT = 1 << 7,	/* vmstat[] read: a global OOM's counters at the kill */
	OOMT_KILL_RUNUP = 1 << 8,	/* run_up: the domain's reclaim window was read */
};

/*
 * How the OOM domain ran out (issue 15, run_up): the vmscan tracepoints
 * (memcg and direct reclaim) count each domain's reclaim in BPF maps, in
 * OOMT_RUNUP_SLOTS slots of OOMT_RUNUP_SLOT_NS by the time an episode
 * ended; the kill reads the domain's slots of the last 60 s into the KILL
 * record. Nothing is sent while reclaim runs: no ring buffer, no wake-up.
 * The window is whole slots: the oldest began 55 to 60 s before the kill.
 */
#define OOMT_RUNUP_SLOTS 12
#define OOMT_RUNUP_SLOT_NS (5ull * 1000000000ull)
#define OOMT_RUNUP_DOMAINS 1024	/* domains counted (LRU) */
#define OOMT_RUNUP_TASKS 2048	/* tasks in or recently out of reclaim (LRU) */

/* One slot of a domain: episodes that ended in it. Key: the domain's
 * memcg kernfs id, 0 for the whole machine (direct reclaim). */
struct oomt_reclaim_slot {
	__u64 epoch;		/* ts / OOMT_RUNUP_SLOT_NS of the slot's episodes */
	__u64 episodes;
	__u64 stall_ns;		/* summed over every task's episodes */
	__u64 reclaimed;	/* pages, as the end tracepoint reports them */
	__u64 first_hit_ns;	/* earliest begin of an episode at the limit, 0 = none */
};

struct oomt_reclaim_domain {
	struct oomt_reclaim_slot slot[OOMT_RUNUP_SLOTS];
};

/* A task's reclaim: the episode under way and its own stall per slot. Key: tid. */
struct oomt_reclaim_task {
	__u64 begin_ns;		/* 0: not in reclaim */
	__u64 domain;		/* where the episode under way is counted */
	__u32 hit;		/* 1: the domain was at its limit when it began */
	__u32 pad;
	__u32 epoch[OOMT_RUNUP_SLOTS];	/* low 32 bits of the slot's epoch */
	__u32 stall_us[OOMT_RUNUP_SLOTS];
};

/* The KILL record's run_up (OOMT_KILL_RUNUP): sums over the window. */
struct oomt_runup {
	__u64 domain;		/* the key read */
	__u64 episodes;
	__u64 stall_ns;
	__u64 reclaimed;
	__u64 trigger_stall_ns;	/* the allocating task's own, if its last episode was for this domain */
	__u64 first_hit_ns;	/* same clock as oomt_hdr.ts_ns; 0 = not at its limit in the window */
};

/*
 * A global OOM's memory at the kill (oomt_kill.vmstat), summed over every
 * node and zone as the kernel's Mem-Info sums them: pages, except
 * kernel_stack in kB (as the kernel keeps it).
 */
enum oomt_vmstat {
	OOMT_VM_FREE,		/* zones' NR_FREE_PAGES */
	OOMT_VM_ACTIVE_ANON,	/* the nodes' LRU lists (shmem on the anon ones) */
	OOMT_VM_INACTIVE_ANON,
	OOMT_VM_ACTIVE_FILE,
	OOMT_VM_INACTIVE_FILE,
	OOMT_VM_UNEVICTABLE,
	OOMT_VM_SHMEM,
	OOMT_VM_SLAB_RECLAIMABLE,
	OOMT_VM_SLAB_UNRECLAIMABLE,
	OOMT_VM_KERNEL_STACK_KB,
	OOMT_VM_PAGETABLES,	/* a node's since 5.11, a zone's before */
	OOMT_VM__COUNT,
};

#define OOMT_VMSTAT_SLOTS 12	/* OOMT_VM__COUNT, rounded up */

#define OOMT_NODES_MAX 16	/* NUMA nodes summed; more: vmstat[] left unread */

enum oomt_reap_kind {
	OOMT_REAP_WAKE = 1,
	OOMT_REAP_START,
	OOMT_REAP_FINISH,
	OOMT_REAP_SKIP,
};

struct oomt_hdr {
	__u32 type;		/* enum oomt_rec_type */
	__u32 mode;		/* enum oomt_mode */
	__u64 oom_id;		/* 1, 2, ... per tracer run; 0 = none */
	__u64 ts_ns;		/* bpf_ktime_get_boot_ns() */
};

/* A task as any record describes it; memory in pages except pgtables. */
struct oomt_task {
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 uid;
	__s32 oom_score_adj;
	__s64 points;
	__u64 total_vm;
	__u64 rss_anon;
	__u64 rss_file;
	__u64 rss_shmem;
	__u64 swap;
	__u64 pgtables_bytes;
	__u64 cgroup_id;	/* kernfs id of the task's memory cgroup; 0 = none */
	/* rss (file + anon + shmem) and swap as exact sums of the per-CPU
	 * counters (6.2+), beside the approximate ones oom_badness() reads */
	__u64 rss_exact;
	__u64 swap_exact;
	__u32 flags;		/* OOMT_TASK_* */
	__u32 pad;
	char comm[OOMT_COMM_LEN];
};

struct oomt_begin {
	struct oomt_hdr hdr;
	struct oomt_task trigger;
};

struct oomt_candidate {
	struct oomt_hdr hdr;
	struct oomt_task task;
};

/*
 * Candidates in one record (tracepoint mode's walk with direct loads). A
 * ring buffer reservation costs more than reading a candidate, and every
 * byte written to the ring counts too, so the walk sends candidates in
 * batches, each in the compact form below: what oom_badness() reads and
 * the candidate table shows. A task whose numbers do not fit it, or any
 * task under --precise-rss, comes as a CANDIDATE record of its own. The
 * record is offsetof(cand) + count entries long.
 */
#define OOMT_CANDIDATES_MAX 32	/* a power of two (the BPF side masks) */
struct oomt_cand {
	__s64 points;
	__u64 total_vm;
	__u64 cgroup_id;
	__u32 pid;		/* tgid: a thread-group leader, so its tid too */
	__u32 uid;
	__u32 rss_anon;		/* pages */
	__u32 rss_file;
	__u32 rss_shmem;
	__u32 swap;
	__u32 pgtables_bytes;
	__s16 oom_score_adj;
	__u16 flags;		/* OOMT_TASK_* (all below 1 << 16) */
	char comm[OOMT_COMM_LEN];
};

struct oomt_candidates {
	struct oomt_hdr hdr;
	__u32 count;		/* entries in cand[], 1 .. OOMT_CANDIDATES_MAX */
	__u32 pad;
	struct oomt_cand cand[OOMT_CANDIDATES_MAX];
};

/*
 * The helper id the BPF side calls where it means the bpf_rdonly_cast()
 * kfunc (6.2+). No kernel has a helper of this id: the loader turns each
 * such call into the kfunc call, with the kfunc's id in the kernel's BTF
 * (direct_walk.c), and where it cannot, the calls stay unreachable.
 */
#define OOMT_KCAST_HELPER 0x7ea7

/* One frame of a user stack as bpf_get_stack(BPF_F_USER_BUILD_ID) gives it. */
struct oomt_ubuild {
	__s32 status;		/* 0 empty, 1 valid build id + offset, 2 ip only */
	__u8 build_id[OOMT_BUILD_ID_SIZE];
	__u64 offset_or_ip;
};

struct oomt_kill {
	struct oomt_hdr hdr;
	struct oomt_task chosen;
	__s64 chosen_points;
	__u64 totalpages;
	__u64 memcg_id;		/* kernfs id of the OOM memcg; 0 = global */
	__u32 gfp_mask;
	__s32 order;
	__s32 constraint;	/* kernel enum oom_constraint; -1 unknown */
	__u32 flags;		/* OOMT_KILL_* */
	__u32 trigger_pid;
	__u32 trigger_tid;
	__s32 kstack_len;	/* bytes from bpf_get_stack, or -errno */
	__s32 ustack_len;
	__s32 ubuild_len;
	__u32 pad;
	__u64 kstack[OOMT_KSTACK_MAX];
	__u64 ustack[OOMT_USTACK_MAX];
	struct oomt_ubuild ubuild[OOMT_USTACK_MAX];
	/*
	 * The trigger's executable, as path components from the file up
	 * (exe[0] is its name): once the process is gone its user frames can
	 * still be symbolized from the file whose build id they carry.
	 */
	/* mm->start_code: where the executable's code was mapped, so that a
	 * PIE's frames are placed once the process (and its maps) is gone */
	__u64 exe_start_code;
	__u32 exe_depth;	/* components filled */
	__u32 exe_complete;	/* 1: they reach the root; 0: cut (deep or long) */
	char exe[OOMT_EXE_DEPTH][OOMT_EXE_NAME];
	/*
	 * The OOM memcg's page counters at the kill, in pages
	 * (OOMT_KILL_COUNTERS): what the kill is about to change, read before
	 * the victim frees anything.
	 */
	__u64 mem_usage, mem_max;
	__u64 swap_usage, swap_max;	/* v2: swap; v1: memory+swap (memsw) */
	__u64 kmem_usage;		/* OOMT_KILL_KMEM */
	/* A global OOM's (OOMT_KILL_VMSTAT): enum oomt_vmstat, as s64 sums
	 * clamped at 0 (a counter can dip below while CPUs hold deltas) */
	__u64 vmstat[OOMT_VMSTAT_SLOTS];
	struct oomt_runup runup;	/* OOMT_KILL_RUNUP */
};

struct oomt_victim {
	struct oomt_hdr hdr;
	struct oomt_task task;
};

/* END and COUNTS: what BPF counted for one OOM. */
struct oomt_end {
	struct oomt_hdr hdr;
	__u64 candidates;	/* oom_badness calls seen (or tasks walked) */
	__u64 lost;		/* records of this OOM the ring buffer refused */
	__u32 killed;		/* END: out_of_memory's return value, 1 = progress */
	__u32 flags;		/* OOMT_END_* */
};

/* Bits of oomt_end.flags */
enum {
	/* tracepoint mode: the task walk stopped at its bound (drops.walk_truncated) */
	OOMT_END_WALK_TRUNCATED = 1 << 0,
	/* fentry/kprobe: oom_kill_process() marked the task it chose (the KILL
	 * record's) without killing it, that task exiting already: no kill */
	OOMT_END_MARKED_ONLY = 1 << 1,
};

struct oomt_cgroup {
	struct oomt_hdr hdr;
	__u64 id;
	__u64 parent_id;	/* 0 for a hierarchy root */
	__u32 truncated;	/* name longer than the buffer */
	__u32 pad;
	char name[OOMT_CGROUP_NAME_LEN];
};

struct oomt_reap {
	struct oomt_hdr hdr;
	__u32 pid;
	__u32 kind;		/* enum oomt_reap_kind */
};

struct oomt_exit {
	struct oomt_hdr hdr;
	__u32 pid;
	__u32 pad;
	__u64 kill_ts_ns;	/* when it was marked, same clock as ts_ns */
};

/*
 * The USTACK record: the trigger's user registers when it entered the
 * kernel and a copy of its user stack from the stack pointer up, for DWARF
 * unwinding in userspace (as perf --call-graph dwarf). Its size is
 * offsetof(data) + size, variable: at most OOMT_USTACK_COPY_MAX bytes of
 * stack, as many as the `ustack_copy` setting asks and the stack has.
 */
#define OOMT_USTACK_COPY_MAX 65536	/* a power of two (the BPF side masks) */
#define OOMT_USTACK_COPY_DEFAULT 8192	/* perf --call-graph dwarf's default too */
/* bytes copied above mm->start_stack: _start's frame, where unwinding ends */
#define OOMT_USTACK_TOP_SLACK 64
#define OOMT_UREGS 34	/* x86-64: DWARF registers 0-16; arm64: x0-x30, sp, pc */
struct oomt_ustack {
	struct oomt_hdr hdr;
	__u32 pid;		/* the trigger's tgid */
	__u32 tid;
	__u32 size;		/* bytes of stack in data */
	__u32 asked;		/* bytes asked for (a smaller size: the stack ended or faulted) */
	__u64 regs[OOMT_UREGS];
	__u8 data[];
};

/*
 * The ULINKS record: the trigger's loaded ELF objects as its dynamic linker
 * lists them (r_debug's link_map chain, found through the auxiliary
 * vector's AT_PHDR and the executable's DT_DEBUG), read from its memory at
 * the OOM. The process is often gone, and its maps with it, before
 * userspace unwinds its stack: these place the frames of libraries that no
 * frame-pointer frame named (libc's __libc_start_call_main, below main).
 * Sent with USTACK (it serves the DWARF unwinding of that copy).
 */
#define OOMT_ULINKS_MAX 64	/* objects kept, in the list's order */
#define OOMT_ULINK_NAME 128	/* bytes of each l_name kept */
struct oomt_ulink {
	__u64 addr;		/* l_addr: the load bias (address - ELF vaddr) */
	__u64 ld;		/* l_ld: the address of its dynamic section */
	char name[OOMT_ULINK_NAME];	/* l_name: the path it was loaded from */
};

/* Bits of oomt_ulinks.flags: why the list is short or missing */
enum {
	OOMT_ULINKS_MORE = 1 << 0,	/* longer than OOMT_ULINKS_MAX */
	OOMT_ULINKS_NO_AUXV = 1 << 1,	/* no AT_PHDR / AT_PHNUM */
	OOMT_ULINKS_NO_DYNAMIC = 1 << 2,	/* no AT_BASE (static), PT_PHDR or PT_DYNAMIC */
	OOMT_ULINKS_NO_DEBUG = 1 << 3,	/* no DT_DEBUG, or the linker left it 0 */
	OOMT_ULINKS_FAULT = 1 << 4,	/* a read of its memory failed (not resident) */
};

struct oomt_ulinks {
	struct oomt_hdr hdr;
	__u32 pid;		/* the trigger's tgid */
	__u32 n;		/* objects in obj */
	__u32 flags;		/* OOMT_ULINKS_* */
	__u32 pad;
	struct oomt_ulink obj[OOMT_ULINKS_MAX];
};

/*
 * Per-OOM totals, kept in the `totals` array map at slot oom_id % OOMT_TOTALS_SLOTS.
 * END/COUNTS records carry the same numbers, but a full ring buffer may refuse
 * them too: userspace reads the slot when it completes an event.
 */
#define OOMT_TOTALS_SLOTS 64
struct oomt_totals {
	__u64 oom_id;
	__u64 candidates;
	__u64 lost;
};

/*
 * The compat object (kernels before 5.17, no bpf_loop) takes at most this
 * many steps in a tracepoint-mode OOM's task walk (a step judges a task or,
 * in a memcg OOM, moves to the next task list); the rest are cut and counted.
 */
#define OOMT_COMPAT_WALK_MAX 16384

/* Drop counters, in .bss: userspace reads them through the skeleton. */
struct oomt_drops {
	__u64 ringbuf_full;	/* any record the ring buffer refused */
	__u64 victims_map_full;	/* a victim whose exit cannot be followed */
	__u64 walk_truncated;	/* tracepoint mode: OOMs whose task walk hit its bound */
};

/*
 * Command lines cached at exec (issue 17): the victim of an OOM is not the
 * task running, so its argv cannot be read then. The cmdlines map, keyed
 * by tgid, holds what execve() got, copied to forked children and removed
 * at exit; userspace fills in processes that ran before it started. No
 * record is sent: userspace looks an entry up when an event names a pid.
 */
#define OOMT_ARGS_MAX 512	/* argv bytes kept (NUL-separated, as /proc/PID/cmdline) */
#define OOMT_FILENAME_MAX 256	/* the path execve() was given */
#define OOMT_CMDLINES 4096	/* processes cached */
/*
 * The map is defined as a preallocated LRU hash of OOMT_CMDLINES entries;
 * on 6.1+ the loader makes it a hash allocated at run time of up to
 * OOMT_CMDLINES_RT (cmdlines_map_def(), user/live/map_early.h): its memory
 * then follows the processes that live, and creating it costs nothing,
 * where preallocating 4096 x 776 bytes took 5 ms of a 2-CPU guest's
 * start-up. Full, an entry is not added (the event says victim_cmdline
 * missing).
 */
#define OOMT_CMDLINES_RT 16384
#define OOMT_CMD_TRUNCATED 1u	/* argv was longer than OOMT_ARGS_MAX */
#define OOMT_CMD_FROM_PROC 2u	/* filled by userspace from /proc at start */

struct oomt_cmdline {
	__u32 len;		/* bytes of args */
	__u32 flags;		/* OOMT_CMD_* */
	char filename[OOMT_FILENAME_MAX];
	char args[OOMT_ARGS_MAX];
};

#ifndef __bpf__
_Static_assert(sizeof(struct oomt_cmdline) == 8 + OOMT_FILENAME_MAX + OOMT_ARGS_MAX,
	       "oomt_cmdline ABI");
_Static_assert(sizeof(struct oomt_hdr) == 24, "oomt_hdr ABI");
_Static_assert(sizeof(struct oomt_task) == 120, "oomt_task ABI");
_Static_assert(sizeof(struct oomt_ubuild) == 32, "oomt_ubuild ABI");
_Static_assert(sizeof(struct oomt_cand) == 72, "oomt_cand ABI");
_Static_assert(OOMT_TASK_EXACT < (1 << 16), "oomt_cand.flags holds every task flag");
_Static_assert(sizeof(struct oomt_cgroup) % 8 == 0, "oomt_cgroup ABI");
_Static_assert(sizeof(struct oomt_kill) % 8 == 0, "oomt_kill ABI");
_Static_assert(OOMT_VM__COUNT <= OOMT_VMSTAT_SLOTS, "oomt_kill.vmstat holds every counter");
_Static_assert(sizeof(struct oomt_reclaim_domain) == 40 * OOMT_RUNUP_SLOTS, "reclaim ABI");
_Static_assert(sizeof(struct oomt_reclaim_task) == 24 + 8 * OOMT_RUNUP_SLOTS, "reclaim ABI");
#endif

#endif
