/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers the BPF side, probed by loading tiny
 * programs (README, Kernels): the one table the loader chooses from and
 * `oomtrace doctor` prints. A feature's absence is not an error by itself;
 * kfeature_info says what oomtrace does without it.
 */
#ifndef OOMTRACE_KFEATURES_H
#define OOMTRACE_KFEATURES_H

#include <stdbool.h>
#include <stddef.h>

enum kfeature {
	KF_BTF,			/* CO-RE: the kernel's BTF, or a --btf file */
	KF_RINGBUF,		/* BPF ring buffer: required */
	KF_BPF_LOOP,		/* bpf_loop(): else the compat object */
	KF_ATOMIC_FETCH,	/* atomic fetch-add: else the compat object */
	KF_FENTRY,		/* BPF trampolines: fentry mode */
	KF_KPROBES,		/* perf kprobe PMU: kprobe mode */
	KF_MARK_VICTIM_TASK,	/* mark_victim passes the task, not a pid */
	KF_RECLAIM_TP,		/* vmscan reclaim tracepoints: run_up's reclaim */
	KF__COUNT,
};

struct kfeature_info {
	const char *key;	/* for OOMTRACE_KFEATURES_OFF (tests only) */
	const char *name;	/* as doctor prints it */
	const char *since;	/* the upstream kernel that brought it */
	const char *without;	/* what oomtrace does on a kernel without it */
};

extern const struct kfeature_info kfeature_info[KF__COUNT];

struct kfeatures {
	int have[KF__COUNT];		/* 1 yes, 0 no, -errno: could not tell */
	char detail[KF__COUNT][160];	/* how it was probed, or why it failed */
};

/*
 * Probe the features in mask (bits 1 << KF_*): 0, or -errno when nothing
 * could be probed at all. btf_path is a --btf file (NULL: the kernel's own).
 * KF_FENTRY loads and attaches a program, KF_MARK_VICTIM_TASK parses the
 * BTF: `doctor` asks for them; starting the tracer needs neither.
 * For the tests only, OOMTRACE_KFEATURES_OFF=KEY[,KEY...] (kfeature_info's
 * keys) takes those features as absent, as an older kernel lacks them.
 */
void kfeatures__probe(struct kfeatures *f, unsigned mask, const char *btf_path);
#define KF_ALL ((1u << KF__COUNT) - 1)
#define KF_START ((1u << KF_BTF) | (1u << KF_RINGBUF) | (1u << KF_BPF_LOOP) | \
		  (1u << KF_ATOMIC_FETCH) | (1u << KF_KPROBES))

/* Does this kernel need the compat BPF object (no bpf_loop or no atomic fetch)? */
bool kfeatures__need_compat(const struct kfeatures *f);
/*
 * Does an fentry program load here? Before `--mode auto` loads the object
 * for fentry: a refusal (the build machines' kernel) is then known in
 * about a millisecond, not after a parse of the kernel's BTF and its CO-RE
 * relocations. 1, 0 with the reason in DETAIL, or -errno.
 */
int kfeatures__fentry_loads(char *detail, size_t size);

/*
 * Is the kernel's mark_victim tracepoint passed the task (vs a pid)?
 * 1 or 0; -errno if its BTF (btf_path, or the kernel's) does not say.
 */
int kernel_mark_victim_has_task(const char *btf_path);
/*
 * Does the kernel have the memcg and direct reclaim tracepoints
 * (mm_vmscan_{memcg,direct}_reclaim_begin)? 1 both, 0 not both (detail
 * says which), -errno if its BTF does not say.
 */
int kernel_reclaim_tracepoints(const char *btf_path, char *detail, size_t size);
/* Does the kernel have BTF at /sys/kernel/btf/vmlinux? */
bool kernel_has_btf(void);
/*
 * May a tracing program use a hash map allocated at run time
 * (BPF_F_NO_PREALLOC)? 6.1+, where such maps allocate from bpf_mem_alloc:
 * before, the verifier allowed it with a kernel warning (WARN_ONCE, a
 * panic with panic_on_warn), or refused it (PREEMPT_RT). Told by the
 * kernel's version, so that it is known before anything loads; a kernel
 * that reports an older version than it is only loses the faster start.
 */
bool kernel_hash_alloc_in_tracing(void);
/* Is RELEASE (as uname -r says it: "6.1.0-57-cloud-amd64") at least
 * MAJOR.MINOR? false when it does not start with two numbers. */
bool release_at_least(const char *release, unsigned int major, unsigned int minor);

#endif
