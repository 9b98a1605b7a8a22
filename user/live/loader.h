/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loading and attaching the BPF programs in one of three attach modes
 * (README, Attach modes): fentry, kprobe, tracepoint; `auto` tries them in that order
 * and keeps the first that loads and attaches.
 */
#ifndef OOMTRACE_LOADER_H
#define OOMTRACE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "btf_cache.h"
#include "kfeatures.h"

enum attach_mode {
	MODE_AUTO = 0,
	MODE_FENTRY,
	MODE_KPROBE,
	MODE_TRACEPOINT,
};

struct kaddr_want;
struct kaddrs_async;
struct oomtrace_bpf;
struct ring_buffer;

struct oomtrace_bpf__bss;

struct loader {
	struct oomtrace_bpf *skel;
	/* the split load's (loader.c): handle_mark_victim alone; NULL if none */
	struct oomtrace_bpf *heavy;
	enum attach_mode mode;		/* the mode in use */
	struct bpf_link **links;
	size_t n_links;
	char why_not[3][256];		/* per mode that failed under auto: the reason */
	struct kfeatures features;	/* what loader__start probed (KF_START) */
	bool compat;			/* the compat BPF object is loaded */
	/* the minimal kernel BTF for CO-RE (btf_cache.h): a memfd, -1 if none,
	 * or not looked for yet (core_tried) */
	int core_fd;
	bool core_tried;
	/* what came with it: made at this start or read from the cache, and
	 * the kernel's ids it carries for the direct walk */
	struct btf_cache_got core_got;
	/* the program each of the first 32 links runs, by id (loader__bpf_time) */
	uint32_t prog_ids[32];
	/* loaded as two objects at once, handle_mark_victim alone (loader.c) */
	bool split;
	/* tracepoint mode walks the candidates with direct loads (direct_walk.h) */
	bool direct_walk;
	/* tracepoint and fentry modes wake userspace by a timer after each
	 * OOM, not while the OOM killer holds its lock (wake_later(),
	 * oomtrace.bpf.c) */
	bool wake_deferred;
	/* run_up's reclaim tracepoints attached (optional: absent in some kernels) */
	bool reclaim_memcg, reclaim_direct;
	uint64_t reclaim_since_ns;	/* CLOCK_BOOTTIME when they were attached */
	/* --precise-rss: enum oomt_pcpu (pcpu_kind, pcpu_setup), or -errno if
	 * they could not run; 0 without --precise-rss */
	int pcpu;
	int pcpu_setup_err;		/* -errno: pcpu_setup did not load, 0: it did */
	/*
	 * loader__shed_object: the libbpf object closed (skel NULL), the maps
	 * the session uses held by fds of our own, .bss by a mapping of our own
	 */
	bool shed;
	int fd_events, fd_cmdlines, fd_sent_cgroups, fd_totals;
	int fd_ring_touch;		/* the ring_touch program (loader__touch_ring) */
	int fd_wake_timer;		/* the wake_timer map, if wake_deferred, or -1 */
	size_t ring_bytes;		/* the ring buffer's size */
	struct oomtrace_bpf__bss *bss;
	size_t bss_size;
};

/*
 * fn(arg), called by the next loads once every program but
 * handle_mark_victim is attached (the exec hook among them), from the
 * thread that attached them, while that one may still be loading; called
 * again by a load that follows one that failed after attaching (new maps).
 * NULL: none.
 */
void loader__on_attached(void (*fn)(void *arg), void *arg);

/* "fentry" ... ; NULL for an unknown mode */
const char *attach_mode__name(enum attach_mode m);
/* 0 and *ret set, or -EINVAL for an unknown name */
int attach_mode__parse(const char *s, enum attach_mode *ret);

/*
 * Probe the kernel's features, then open, configure, load and attach the
 * full or the compat BPF object. The kernel symbols (kaddrs__open, of
 * loader__kernel_symbols) may still be loading: they are waited for
 * between load and attach.
 * btf_path: a BTF file for CO-RE (--btf), NULL for the kernel's own. On
 * failure returns -errno and writes one line saying what failed and why
 * into err (the caller prints it).
 */
int loader__start(struct loader *t, enum attach_mode want, struct kaddrs_async *ksyms,
		  size_t ringbuf_bytes, const char *btf_path, char *err, size_t err_size);
void loader__stop(struct loader *t);
/* The kernel symbols loader__start asks for: kaddrs__open()'s wants. */
const struct kaddr_want *loader__kernel_symbols(size_t *ret_n);
/* Bytes of user stack the programs copy per kill (--ustack-copy), for every
 * later loader__start; OOMT_USTACK_COPY_DEFAULT until set. */
void loader__set_ustack_copy(uint32_t bytes);
/* --precise-rss: tasks also carry exact per-CPU sums of their rss counters */
void loader__set_precise_rss(bool on);
/* Update BPF's copy of MemTotal/SwapTotal (pages). */
void loader__refresh_meminfo(struct loader *t);
/* _r_debug's vaddr in this machine's dynamic linker, for BPF's ULINKS (0: unknown) */
void loader__set_ldso_r_debug(struct loader *t, uint64_t vaddr);

/* Records the BPF side dropped so far (ring buffer full). */
uint64_t loader__dropped(const struct loader *t);
/* Deferred wake-ups made at once so far, the ring buffer a quarter full or more. */
uint64_t loader__wakes_at_once(const struct loader *t);
/*
 * What BPF counted for one OOM (tasks evaluated, records lost), read from its
 * map even when the ring buffer refused the records that carry them.
 * 0, or -ENOENT once the slot holds a later OOM.
 */
int loader__oom_totals(const struct loader *t, uint64_t oom_id, uint64_t *ret_candidates,
		       uint64_t *ret_lost);
/* The ring buffer's map fd, for ring_buffer__new(). */
int loader__ringbuf_fd(const struct loader *t);
/* What the attached programs cost so far (kernel.bpf_stats_enabled counts it). */
struct bpf_time {
	uint64_t run_ns, runs;		/* all programs */
	uint64_t top_ns;		/* the costliest program's */
	char top[16];			/* its name (the kernel keeps 15 characters) */
	uint64_t ooms;			/* OOM contexts the programs opened */
};
/* The attached programs' run time and counts: 0 or -errno. */
int loader__bpf_time(const struct loader *t, struct bpf_time *ret);

/*
 * Touch every page of the ring buffer from the kernel's side once (the
 * ring_touch program), calling CONSUME(ARG) after each run so that the
 * discarded records it leaves, and any OOM's records meanwhile, are read:
 * the ring never holds more than a run's 256 KiB of them. The pages
 * touched, or -errno.
 */
int loader__touch_ring(struct loader *t, int (*consume)(void *), void *arg);
/* The exec-time command line cache's map fd (cmdline.h). */
int loader__cmdlines_fd(const struct loader *t);
/* The BPF side is to name cgroup id again (its name was dropped). */
void loader__forget_cgroup(const struct loader *t, uint64_t id);
/*
 * Once attached: close the libbpf object, which only the teardown needs
 * any more, keeping what the accessors above use. 0, or -errno (then the
 * object stays, and all goes on as before).
 */
int loader__shed_object(struct loader *t);
/*
 * The ELF bytes of the two BPF objects (full and compat) in our .rodata:
 * loading reads them, nothing else does (protect_release drops them).
 */
void loader__objects(const void **full, size_t *full_size, const void **compat,
		     size_t *compat_size);

#endif
