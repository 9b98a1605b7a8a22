// SPDX-License-Identifier: GPL-2.0
/* The load/attach/ring-buffer/assembler loop shared by `trace` and `record`. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

/* the skeleton's maps; its unused static functions are not ours to fix */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "oomtrace.h"
#include "oomtrace.skel.h"
#pragma GCC diagnostic pop

#include "cgroup_path.h"
#include "clock_now.h"
#include "cmdline.h"
#include "domain_live.h"
#include "kaddrs.h"
#include "run_up_live.h"
#include "ksyms.h"
#include "log.h"
#include "map_early.h"
#include "privs.h"
#include "procfs_read.h"
#include "protect.h"
#include "cli_args.h"
#include "session.h"
#include "tmp_thread.h"
#include "usym.h"

struct session {
	const struct session_opts *o;
	const struct session_sink *sink;
	struct loader loader;
	struct assembler *a;
	int exit_code;
	bool stop;
	const char *end_reason;
	sigset_t wait_mask;	/* the signal mask while waiting: ours unblocked */
	struct exec_hooks *hooks;	/* --exec, or NULL */
	struct memcg_mount memcg_mount;	/* found once: the event path does not allocate */
	struct run_up_live run_up;	/* baselines of run_up's deltas */
	/* cmdline_prefill(), run while the rest of start-up is (prefill_start()) */
	struct tmp_thread prefill;
	int prefill_fd, prefill_ret;
};

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_hup;

static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

void session_opts__init(struct session_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->candidates = 10;
	o->mode = MODE_AUTO;
	o->protect = true;
	o->ringbuf_bytes = SESSION_DEFAULT_RINGBUF_BYTES;
	o->exec_max = EXEC_HOOK_DEFAULT_MAX;
	o->exec_timeout_s = EXEC_HOOK_DEFAULT_TIMEOUT_S;
	o->k8s_log_dir = "/var/log/containers";
	o->docker_dir = "/var/lib/docker";
	o->podman_dir = "/var/lib/containers/storage";
	o->ustack_copy = OOMT_USTACK_COPY_DEFAULT;
}

bool session_opts__wanted(const struct session_opts *o, const struct oom_event *ev)
{
	if (o->cgroup) {
		bool in_domain = ev->has & EV_HAS_MEMCG && cgroup_path_within(ev->memcg, o->cgroup);
		bool victim_in = ev->victim.has & TASK_HAS_CGROUP &&
				 cgroup_path_within(ev->victim.cgroup, o->cgroup);

		if (!in_domain && !victim_in)
			return false;
	}
	if (o->pid && ev->victim.pid != o->pid &&
	    !(ev->has & EV_HAS_TRIGGER && ev->trigger.pid == o->pid))
		return false;
	return true;
}

/*
 * One option from getopt: 0 taken, 1 not a common option, -EINVAL for a bad
 * value (already reported when the message is specific; -EBADMSG when the
 * caller should print its generic "invalid value" line).
 */
static int session_opts__parse(struct session_opts *o, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case 'n':
		if (parse_u64(arg, UINT64_MAX, &o->count) || !o->count)
			return -EBADMSG;
		return 0;
	case 'd':
		if (parse_u64(arg, 1ull << 32, &o->duration_s) || !o->duration_s)
			return -EBADMSG;
		return 0;
	case 'c':
		if (cli_check_cgroup(arg))
			return -EINVAL;
		o->cgroup = cgroup_path_strip_mount(arg);
		return 0;
	case 'p':
		if (parse_u64(arg, INT32_MAX, &v) || !v)
			return -EBADMSG;
		o->pid = (int32_t)v;
		return 0;
	case 'k':
		if (parse_u64(arg, 1u << 24, &v))
			return -EBADMSG;
		o->candidates = v;
		return 0;
	case 'm':
		if (attach_mode__parse(arg, &o->mode)) {
			log_err("--mode: unknown mode '%s' (auto, fentry, kprobe, tracepoint)", arg);
			return -EINVAL;
		}
		return 0;
	case 'R':
		if (parse_u64(arg, 1u << 20, &v) || v < 4 || (v & (v - 1)))
			return -EBADMSG;
		o->ringbuf_bytes = v << 10;
		return 0;
	case 'P':
		o->protect = false;
		return 0;
	case 'B':
		/* its content is checked when the programs load */
		if (cli_check_readable("--btf", arg))
			return -EINVAL;
		o->btf_path = arg;
		return 0;
	case 'U':
		if (parse_u64(arg, OOMT_USTACK_COPY_MAX, &v))
			return -EBADMSG;
		o->ustack_copy = (uint32_t)v;
		return 0;
	case 'E':
		o->precise_rss = true;
		return 0;
	case 'v':
		log_verbose = true;
		return 0;
	case 'X':
		if (!*arg)
			return -EBADMSG;
		o->exec_cmd = arg;
		return 0;
	case 'x':
		if (parse_u64(arg, 1024, &v) || !v)
			return -EBADMSG;
		o->exec_max = (unsigned int)v;
		return 0;
	case 'T':
		if (parse_u64(arg, 86400, &v) || !v)
			return -EBADMSG;
		o->exec_timeout_s = (unsigned int)v;
		return 0;
	case 'K':
	case 'D':
	case 'Q':
		/* read when a container needs a name: a missing one names nothing */
		if (!*arg)
			return -EBADMSG;
		*(c == 'K' ? &o->k8s_log_dir : c == 'D' ? &o->docker_dir : &o->podman_dir) = arg;
		return 0;
	}
	return 1;
}

void session_opts__usage(FILE *out, const char *counted)
{
	fprintf(out,
"  -n, --count N           exit 0 after N %s\n"
"  -d, --duration SEC      exit 0 after SEC seconds\n"
"  -c, --cgroup PATH       only OOMs whose domain or victim is PATH or below\n"
"                          (a cgroup path, or its /sys/fs/cgroup/... directory)\n"
"  -p, --pid PID           only OOMs whose victim or trigger is PID\n"
"  -k, --candidates K      candidates kept per event (default 10, 0 = all;\n"
"                          %u are preallocated)\n"
"  -m, --mode MODE         auto|fentry|kprobe|tracepoint (default auto)\n"
"      --ringbuf-size KiB  BPF ring buffer size (default %u, a power of 2)\n"
"      --no-protect        do not set own oom_score_adj -1000 nor lock memory\n"
"      --btf FILE          BTF of this kernel for CO-RE when it has none built in\n"
"                          (/sys/kernel/btf/vmlinux), e.g. from BTFHub\n"
"      --exec CMD          run 'sh -c CMD' per oom_kill event: its JSON line on\n"
"                          stdin, OOMTRACE_SEQ, _VICTIM_PID, _VICTIM_COMM,\n"
"                          _TRIGGER_PID, _CONSTRAINT, _MEMCG (and _POD,\n"
"                          _NAMESPACE, _CONTAINER when known) in its environment\n"
"      --exec-max N        hooks running at once; beyond, none runs (default %u)\n"
"      --exec-timeout SEC  kill a hook's process group after SEC (default %u)\n"
"      --k8s-log-dir DIR   kubelet's container log links, for pod names\n"
"                          (default /var/log/containers)\n"
"      --docker-dir DIR    docker's state, for container names (default\n"
"                          /var/lib/docker)\n"
"      --podman-dir DIR    podman's storage, for container names (default\n"
"                          /var/lib/containers/storage)\n"
"      --ustack-copy BYTES bytes of the allocating task's user stack copied per\n"
"                          kill for DWARF unwinding (default %u, max %u, 0 = off)\n"
"      --precise-rss       also record each task's rss and swap as exact sums of\n"
"                          the kernel's per-CPU counters (6.2+; costs a read per\n"
"                          CPU and counter, per candidate), for 'replay -P\n"
"                          precise-rss'\n"
"  -v, --verbose           libbpf diagnostics on stderr\n"
"  -h, --help              this help\n",
		counted, ASSEMBLE_MAX_CANDIDATES, SESSION_DEFAULT_RINGBUF_BYTES >> 10,
		EXEC_HOOK_DEFAULT_MAX, EXEC_HOOK_DEFAULT_TIMEOUT_S,
		OOMT_USTACK_COPY_DEFAULT, OOMT_USTACK_COPY_MAX);
}

int session_opts__take(struct session_opts *o, const struct option *longopts, int c,
		       const char *arg, const char *opt, const char *cmd)
{
	int err = session_opts__parse(o, c, arg);

	if (err == -EBADMSG)
		log_bad_value(longopts, c, arg, cmd);
	else if (err > 0)
		return cli_bad_option(c, opt, cmd);
	return err ? -EINVAL : 0;
}

void session__stop(struct session *s, int exit_code)
{
	s->stop = true;
	if (exit_code > s->exit_code)
		s->exit_code = exit_code;
}

/* Has a stop been asked for (by a signal, a sink, --duration)? */
static bool session__stopping(const struct session *s)
{
	return s->stop || got_signal;
}

const char *session__end_reason(const struct session *s)
{
	return s->end_reason;
}

bool session__hup(struct session *s)
{
	(void)s;
	if (!got_hup)
		return false;
	got_hup = 0;
	return true;
}

struct loader *session__loader(struct session *s)
{
	return &s->loader;
}

struct assembler *session__assembler(struct session *s)
{
	return s->a;
}

int session__exec_hook(struct session *s, const struct oom_event *ev, const char *json,
		       size_t len)
{
	return s->hooks ? exec_hooks__run(s->hooks, ev, json, len) : 0;
}

bool session__has_exec(const struct session *s)
{
	return s->hooks;
}

void session__exec_counts(const struct session *s, struct exec_hook_counts *ret)
{
	exec_hooks__counts(s->hooks, ret);
}

/*
 * Where command lines are read: /proc, or for the tests OOMTRACE_PROC
 * (a directory without processes: only the exec-time cache answers).
 */
static const char *proc_root(void)
{
	const char *p = getenv("OOMTRACE_PROC");

	return p && *p ? p : "/proc";
}

static void on_event(struct oom_event *ev, void *arg)
{
	struct session *s = arg;

	/* memory may have been hot-(un)plugged: keep the next OOM's totalpages right */
	loader__refresh_meminfo(&s->loader);
	cmdline_fill(ev, loader__cmdlines_fd(&s->loader), proc_root());
	domain_live_fill(ev, &s->memcg_mount, "");
	run_up_live__fill(&s->run_up, ev);
	s->sink->event(s, ev, s->sink->arg);
}

static void on_aftermath(const struct oom_aftermath *am, void *arg)
{
	struct session *s = arg;

	s->sink->aftermath(s, am, s->sink->arg);
}

static int on_totals(void *arg, uint64_t oom_id, uint64_t *ret_candidates, uint64_t *ret_lost)
{
	return loader__oom_totals(&((struct session *)arg)->loader, oom_id, ret_candidates,
				  ret_lost);
}

/* Without its mark in sent_cgroups, BPF names the cgroup again when it next sees it. */
static void on_forget_cgroup(void *arg, uint64_t id)
{
	struct session *s = arg;

	loader__forget_cgroup(&s->loader, id);
}

static uint64_t on_dropped(void *arg)
{
	return loader__dropped(&((struct session *)arg)->loader);
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct assembler *a = ctx;
	int err = assembler__feed(a, data, size);

	if (err == -EINVAL)
		log_warn("malformed record from the BPF side (%zu bytes), skipped", size);
	else if (err)
		log_warn("cannot assemble a record: %s", strerror(-err));
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	if (!log_verbose)
		return 0;	/* failures are reported once, by us, with their cause */
	return vfprintf(stderr, fmt, ap);
}

/*
 * Shared libraries left out of the memory lock (protect_lock): those that
 * unwind and symbolize user stacks, and nothing else on the event path:
 * libdw (libdwfl: DWARF unwinding over the copied stack, symbols,
 * file:line), liblzma (MiniDebugInfo, .gnu_debugdata), zlib (compressed
 * DWARF sections; libbpf's /proc/config.gz while loading), libbz2
 * (bzip2-compressed files). About 1 MiB of code that would otherwise be
 * resident for as long as we run.
 *
 * What must not wait stays locked: the ring buffer's consumer (libbpf),
 * the assembler, the renderers and writers (ours, libc), and the capture of
 * a process's objects while it may be exiting (/proc/PID/maps, the files'
 * build ids: libelf, usym.c reads the notes without libdw). Symbolizing
 * runs once an event's records are all in our storage: the records are
 * not lost if it waits, they are in the (kernel-resident) ring buffer or
 * in the assembler's locked storage. Its input is unlocked anyway: libdw
 * reads the processes' ELF and debug files through the page cache, so under
 * pressure it waits on file pages with or without its code locked; reading
 * the code back is more of the same, bounded by these libraries' size.
 */
/*
 * Our own code that `trace` and `record` never run: the other commands',
 * gathered in one section by the Makefile (OFFLINE_SRCS; absent from the
 * static build and the tests' builds: nothing is released there).
 */
extern const char __start_oomt_offline_text[] __attribute__((weak));
extern const char __stop_oomt_offline_text[] __attribute__((weak));

static const char *const unlocked_libs[] = { "libdw.so", "libdw-", "liblzma.so", "libz.so",
					      "libbz2.so" };

/*
 * ring_buffer__poll(), with our signals unblocked only while waiting: a stop
 * signal that lands between the loop's check and the wait stays pending and
 * ends the wait at once, instead of being lost to a wait without timeout.
 * Records consumed, or -errno (-EINTR for a signal).
 */
static int wait_records(struct session *s, struct ring_buffer *rb, int timeout_ms)
{
	struct epoll_event ev;
	int n;

	n = epoll_pwait(ring_buffer__epoll_fd(rb), &ev, 1, timeout_ms, &s->wait_mask);
	if (n < 0)
		return -errno;
	/* a timeout too: aftermath records come without a wake-up (assemble.h) */
	return ring_buffer__consume(rb);
}

static void *prefill_run(void *arg)
{
	struct session *s = arg;

	s->prefill_ret = cmdline_prefill(s->prefill_fd, proc_root());
	return NULL;
}

/*
 * The processes already running, into the exec-time cache (cmdline.h),
 * read by a thread of its own from the moment the exec hook is attached
 * (loader__on_attached(): exec fills the cache from then on, and a
 * fresher entry is never overwritten) while start-up goes on: the other
 * half of a 2-CPU machine reads /proc while the verifier checks the
 * largest program. Through an fd of its own: the object's is closed when
 * the loader sheds it. Attached again (a load that failed after attaching,
 * then another): the maps are new, so the prefill starts again.
 */
static void prefill_start(struct session *s)
{
	if (s->prefill.running) {
		tmp_thread_join(&s->prefill);
		close(s->prefill_fd);
		s->prefill_fd = -1;
	}
	s->prefill_fd = fcntl(loader__cmdlines_fd(&s->loader), F_DUPFD_CLOEXEC, 3);
	if (s->prefill_fd >= 0 && tmp_thread_start(&s->prefill, 64 << 10, prefill_run, s)) {
		close(s->prefill_fd);
		s->prefill_fd = -1;
	}
}

/* loader__on_attached()'s callback: the exec hook is in place, the prefill can start. */
static void prefill_on_attached(void *arg)
{
	prefill_start(arg);
}

/* The prefill done, here if no thread did it: cmdline_prefill()'s result. */
static int prefill_finish(struct session *s)
{
	if (!s->prefill.running)
		return cmdline_prefill(loader__cmdlines_fd(&s->loader), proc_root());
	tmp_thread_join(&s->prefill);
	close(s->prefill_fd);
	s->prefill_fd = -1;
	return s->prefill_ret;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/*
 * With kernel.bpf_stats_enabled=1 (the kernel then times every BPF program
 * run), say at exit what the programs cost: what an always-on tracer is
 * paid in. Nothing without it: the kernel counts nothing.
 */
static void report_bpf_time(struct session *s)
{
	struct bpf_time bt;
	char buf[8];

	if (procfs_read_line("/proc/sys/kernel/bpf_stats_enabled", buf, sizeof(buf)) < 0 ||
	    buf[0] != '1' || loader__bpf_time(&s->loader, &bt) || !bt.runs)
		return;
	fprintf(stderr, "oomtrace: BPF programs ran %" PRIu64 " times in %.3f ms "
		"(kernel.bpf_stats_enabled), %.1f us per OOM over %" PRIu64 " OOMs; "
		"costliest: %s, %.3f ms\n", bt.runs, (double)bt.run_ns / 1e6,
		bt.ooms ? (double)bt.run_ns / 1e3 / (double)bt.ooms : 0.0, bt.ooms, bt.top,
		(double)bt.top_ns / 1e6);
}

#define DROP_QUIET_MS 5000	/* events quiet this long: usym_sessions_drop(), protect_drop_unlocked() */

static int consume_ring(void *rb)
{
	return ring_buffer__consume(rb);
}

/*
 * The ring buffer's pages, touched from the kernel's side before the first
 * OOM needs them (the ring_touch program says why): after ready, as it
 * serves only the OOMs to come, and reading between runs, so that an OOM
 * meanwhile finds the ring free but for one run's discarded records.
 */
static void touch_ring(struct session *s, struct ring_buffer *rb)
{
	uint64_t since = mono_ns();
	int n;

	n = loader__touch_ring(&s->loader, consume_ring, rb);
	if (n < 0)
		log_debug("ring buffer not touched ahead: %s", strerror(-n));
	else
		log_debug("ring buffer: %d pages touched ahead in %" PRId64 " ms", n,
			  mono_ms_since(since));
}

/*
 * Memory locked (protect_lock), then what the event path never reads out of
 * it and out of memory: the BPF objects in our .rodata (both: locking
 * brought in the one not loaded too), and the other commands' code: locked
 * memory would hold them for as long as we run.
 */
static void lock_and_release(struct session *s)
{
	const void *full, *compat;
	size_t full_size, compat_size;
	uintptr_t off_start = (uintptr_t)__start_oomt_offline_text;
	uintptr_t off_stop = (uintptr_t)__stop_oomt_offline_text;

	if (s->o->protect)
		protect_lock(unlocked_libs, sizeof(unlocked_libs) / sizeof(unlocked_libs[0]));
	loader__objects(&full, &full_size, &compat, &compat_size);
	protect_release(full, full_size);
	protect_release(compat, compat_size);
	if (off_start && off_stop > off_start)
		protect_release((const void *)off_start, off_stop - off_start);
}

static int loop(struct session *s)
{
	const struct session_opts *o = s->o;
	const struct session_sink *sink = s->sink;
	struct ring_buffer *rb;
	uint64_t start, events_seen = 0, last_event = 0;
	bool drop_pending = false;
	int ret = 0;

	/* loading parsed the kernel's BTF (more than once in auto mode): give
	 * that heap back before the ring buffer is mapped and memory is locked,
	 * or both count at once in the peak; the build ids of our own objects
	 * (usym.h) go into the cache first, through memory freed here too */
	usym_cache_seed();
	malloc_trim(0);
	rb = ring_buffer__new(loader__ringbuf_fd(&s->loader), on_record, s->a, NULL);
	if (!rb) {
		log_err("cannot create the ring buffer reader: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (o->protect)
		protect_adj();
	/* a sink that reports the lock (the recorder's start record, and the
	 * capabilities it keeps for it) has it before; otherwise it is no part
	 * of being attached, and the ready line does not wait for it */
	if (sink->attached)
		lock_and_release(s);
	/*
	 * The processes already running, into the exec-time cache: now that
	 * exec fills it (a fresher entry is never overwritten), and while we
	 * may still read every /proc/PID/exe (the recorder drops that next).
	 */
	ret = prefill_finish(s);
	if (ret < 0)
		log_warn("cannot read %s for command lines: %s: victims that ran before "
			 "oomtrace may lack theirs", proc_root(), strerror(-ret));
	else
		log_debug("%d command lines cached", ret);
	ret = 0;
	if (sink->attached) {
		ret = sink->attached(s, sink->arg);
		if (ret)
			goto out;
	}
	fprintf(stderr, "oomtrace: ready (mode=%s)\n", attach_mode__name(s->loader.mode));
	if (!sink->attached)
		lock_and_release(s);
	start = mono_ns();
	touch_ring(s, rb);
	while (!session__stopping(s)) {
		int timeout = assembler__timeout_ms(s->a), err;

		if (sink->timeout_ms)
			timeout = min_timeout(timeout, sink->timeout_ms(s, sink->arg));
		timeout = min_timeout(timeout, exec_hooks__timeout_ms(s->hooks));
		if (drop_pending) {
			int64_t left = DROP_QUIET_MS - mono_ms_since(last_event);

			timeout = min_timeout(timeout, left > 0 ? (int)left : 0);
		}
		if (o->duration_s) {
			int64_t left_ms = (int64_t)o->duration_s * 1000 - mono_ms_since(start);

			if (left_ms <= 0) {
				s->end_reason = "duration";
				break;
			}
			if (timeout < 0 || left_ms < timeout)
				timeout = (int)(left_ms > INT_MAX ? INT_MAX : left_ms);
		}
		err = wait_records(s, rb, timeout);
		if (err < 0 && err != -EINTR) {
			log_err("cannot read the ring buffer: %s", strerror(-err));
			ret = EXIT_RUNTIME;
			s->end_reason = "error";
			break;
		}
		assembler__flush(s->a, 0);
		/*
		 * Symbolizing ran the unlocked libraries: their pages leave once
		 * the events have been quiet for DROP_QUIET_MS, not after each
		 * one. Dropping them per event cost every OOM of a burst their
		 * page faults back in and the madvise's TLB shootdown
		 * interrupts on the other CPUs, where the next OOM's kill runs
		 * (kill latency at N = 1, 3 interleaved rounds of 30 OOMs: 2-4 %
		 * lower without); resident meanwhile, they stay reclaimable.
		 */
		if (assembler__events(s->a) != events_seen) {
			events_seen = assembler__events(s->a);
			last_event = mono_ns();
			drop_pending = true;
		} else if (drop_pending && mono_ms_since(last_event) >= DROP_QUIET_MS) {
			/* the kept libdwfl sessions too (usym.h): their files
			 * unmapped and unlocked, their tables freed */
			usym_sessions_drop();
			protect_drop_unlocked();
			drop_pending = false;
		}
		exec_hooks__poll(s->hooks);
		if (sink->tick)
			sink->tick(s, sink->arg);
	}
	if (!s->end_reason)
		s->end_reason = got_signal ? "signal" : "requested";
	/* drain what is already in the buffer, then complete the last event */
	if (!(o->count && assembler__events(s->a) >= o->count)) {
		ring_buffer__consume(rb);
		assembler__flush(s->a, 1);
	}
	if (loader__dropped(&s->loader))
		log_warn("%" PRIu64 " records were lost (ring buffer full): events marked "
			 "lost_events are incomplete; raise --ringbuf-size",
			 loader__dropped(&s->loader));
	if (assembler__unmatched(s->a))
		log_warn("%" PRIu64 " victim exit/reaper records matched no event still known "
			 "and were not printed", assembler__unmatched(s->a));
	report_bpf_time(s);
	if (s->loader.wake_deferred)
		log_debug("wake-up: %" PRIu64 " at once, the ring buffer a quarter full or more; "
			  "the others by the timer", loader__wakes_at_once(&s->loader));
	/* hooks of the last events finish (or time out) before the summary */
	exec_hooks__wait(s->hooks);
	if (sink->stopping)
		sink->stopping(s, sink->arg);
out:
	ring_buffer__free(rb);
	return ret > s->exit_code ? ret : s->exit_code;
}
/* --precise-rss where the exact sums cannot be had: say why, once at start */
static void warn_precise_rss(const struct loader *l)
{
	char why[160];

	switch (l->pcpu) {
	case OOMT_PCPU_OK:
		return;
	case OOMT_PCPU_NOT_PER_CPU:
		log_warn("--precise-rss: this kernel keeps no per-CPU rss counters (before 6.2): "
			 "nothing to sum, tasks carry its counters only");
		return;
	case OOMT_PCPU_TOO_MANY_CPUS:
		log_warn("--precise-rss: more than 64 possible CPUs: tasks carry the approximate "
			 "rss counters only");
		return;
	case OOMT_PCPU_NO_OFFSETS:
		if (l->compat)
			snprintf(why, sizeof(why), "the compat object does without "
				 "bpf_map_lookup_percpu_elem");
		else if (l->pcpu_setup_err)
			snprintf(why, sizeof(why), "the kernel refused the per-CPU setup program: %s",
				 strerror(-l->pcpu_setup_err));
		else
			snprintf(why, sizeof(why), "bpf_map_lookup_percpu_elem failed");
		log_warn("--precise-rss: no per-CPU offsets (%s, and __per_cpu_offset is not in "
			 "/proc/kallsyms: CONFIG_KALLSYMS_ALL): tasks carry the approximate rss "
			 "counters only", why);
		return;
	default:
		log_warn("--precise-rss: cannot run the per-CPU setup programs (%s): tasks carry "
			 "the approximate rss counters only",
			 strerror(l->pcpu < 0 ? -l->pcpu : EINVAL));
	}
}


/* Loading, and what needs the BPF object before it is shed. */
struct load_job {
	struct session *s;
	struct kaddrs_async *kas;
	char *err;
	size_t err_size;
	int ret;
};

static void *load_job_run(void *arg)
{
	struct load_job *j = arg;
	const struct session_opts *o = j->s->o;
	int err;

	j->ret = loader__start(&j->s->loader, o->mode, j->kas, o->ringbuf_bytes, o->btf_path, j->err,
			       j->err_size);
	if (j->ret)
		return NULL;
	if (o->precise_rss)
		warn_precise_rss(&j->s->loader);
	if (o->ustack_copy)
		loader__set_ldso_r_debug(&j->s->loader, usym_ldso_r_debug());
	/* before what is allocated next, which takes the heap it frees */
	err = loader__shed_object(&j->s->loader);
	if (err)
		log_debug("the BPF object stays open: %s", strerror(-err));
	return NULL;
}

/*
 * Start-up work the programs' load does not need, run meanwhile by a
 * thread of its own (the verifier keeps one CPU busy): run_up's baselines
 * of every memcg (a walk of the hierarchy, a few files per memcg) and the
 * build ids of our own objects. Both only serve events, none of which
 * comes before the programs are attached; the baselines are taken a few
 * milliseconds earlier than they were, before attaching rather than after.
 */
struct side_work {
	struct session *s;
	struct tmp_thread thread;
	int run_up_err;
};

static void *side_run(void *arg)
{
	struct side_work *w = arg;

	w->run_up_err = run_up_live__init(&w->s->run_up, &w->s->memcg_mount, "", false, false);
	usym_cache_seed();
	return NULL;
}

static void side_start(struct side_work *w, struct session *s)
{
	w->s = s;
	/* nftw() and a file's read deep: far from the default 8 MiB */
	tmp_thread_start(&w->thread, 256 << 10, side_run, w);
}

/* The side work done (here, if no thread could do it): its error. */
static int side_finish(struct side_work *w)
{
	if (w->thread.running)
		tmp_thread_join(&w->thread);
	else if (w->s)
		side_run(w);
	w->s = NULL;
	return w->run_up_err;
}

#define LOAD_STACK_SIZE (8u << 20)	/* as the main thread's usual limit; touched pages only */

/*
 * load_job_run on a thread of its own, on a stack mapped for it and
 * unmapped after: what loading frees (libbpf's object, the kernel's BTF,
 * the ELF) goes to that thread's malloc cache, given back to the heap when
 * the thread ends, and the stack depth it reaches leaves with it. On the
 * main thread both stayed for as long as we run, locked: glibc's per-thread
 * cache (tcache) keeps up to 7 freed blocks of every size up to 1 KiB,
 * 50 to 150 KiB here, which no malloc_trim gives back; and a stack never
 * shrinks. Run inline if the thread cannot be had.
 *
 * The side work starts once the load thread is there, not before: on two
 * CPUs, with map_early's thread busy on one, a side thread started first
 * held up the load thread's creation by 1-5 ms, and the load is the path
 * to ready.
 */
static int load(struct load_job *j, struct side_work *side)
{
	struct tmp_thread t = {};
	bool threaded = !tmp_thread_start(&t, LOAD_STACK_SIZE, load_job_run, j);

	side_start(side, j->s);
	if (threaded)
		tmp_thread_join(&t);
	else
		load_job_run(j);
	return j->ret;
}

int session__run(const struct session_opts *o, const struct session_sink *sink)
{
	struct session s = { .o = o, .sink = sink, .prefill_fd = -1 };
	struct assembler_ops ops = {
		.event = on_event, .aftermath = on_aftermath, .totals = on_totals,
		.dropped = on_dropped, .forget_cgroup = on_forget_cgroup,
		.ustack_copy = o->ustack_copy, .arg = &s,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction hup = { .sa_handler = on_hup };
	const struct kaddrs *ka = NULL;
	struct kaddrs_async *kas = NULL;
	struct ksyms_cache *kc = NULL;
	struct side_work side = { 0 };
	const struct kaddr_want *wants;
	size_t n_wants;
	uint64_t failed_scans = 0;
	bool hidden;
	char err[512];
	int ret;

	if (!can_trace()) {
		log_err("need root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) to load BPF "
			"programs: run it with sudo");
		return EXIT_RUNTIME;
	}
	/*
	 * Our signals are blocked except while the loop waits (wait_records),
	 * so none is lost between its check and the wait; blocked before the
	 * kallsyms thread starts, so that it inherits the block and the main
	 * thread takes them. No SA_RESTART: a signal must end the wait.
	 */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (sink->want_sighup)
		sigaction(SIGHUP, &hup, NULL);
	{
		sigset_t ours;

		sigemptyset(&ours);
		sigaddset(&ours, SIGINT);
		sigaddset(&ours, SIGTERM);
		if (sink->want_sighup)
			sigaddset(&ours, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &ours, &s.wait_mask);
	}
	libbpf_set_print(libbpf_print);
	/* the large maps, made while the rest of start-up runs (map_early.h) */
	map_early_start((uint32_t)o->ringbuf_bytes);
	if (o->protect)
		protect_heap_policy();

	/* the kallsyms thread allocates too: without this it gets a malloc arena
	 * of its own, which stays partly resident for as long as we run */
	mallopt(M_ARENA_MAX, 1);
	/* this boot's, or read while the programs load: kallsyms is slow to produce */
	wants = loader__kernel_symbols(&n_wants);
	kas = kaddrs__open(NULL, wants, n_wants);
	if (!kas) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	loader__set_ustack_copy(o->ustack_copy);
	loader__set_precise_rss(o->precise_rss);
	/* where memory.stat is, for domain_memory (none found: counters alone) */
	if (memcg_find_mount("", &s.memcg_mount, err, sizeof(err)))
		s.memcg_mount.version = 0;
	loader__on_attached(prefill_on_attached, &s);
	{
		struct load_job job = { &s, kas, err, sizeof(err), 0 };

		if (load(&job, &side)) {
			loader__on_attached(NULL, NULL);
			side_finish(&side);
			log_err("%s", err);
			ret = EXIT_RUNTIME;
			goto out;
		}
	}
	loader__on_attached(NULL, NULL);
	if (side_finish(&side)) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	s.run_up.reclaim_memcg = s.loader.reclaim_memcg;
	s.run_up.reclaim_direct = s.loader.reclaim_direct;
	map_early_done();
	ka = kaddrs_async__get(kas);
	hidden = ka->hidden;
	if (hidden)
		log_warn("kernel symbols are hidden (/proc/kallsyms): stacks stay unsymbolized "
			 "and tracepoint mode cannot tell a memcg OOM from a global one");
	/*
	 * The loader needed a few addresses (from the whole table at the
	 * boot's first start); stacks need a few dozen functions, resolved on
	 * demand into fixed storage. Freed before the ring buffer is mapped and
	 * memory locked.
	 */
	kaddrs_async__free(kas);
	kas = NULL;
	if (!hidden && !(kc = ksyms_cache__new(NULL, SESSION_KSYMS_CACHE))) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (o->exec_cmd &&
	    !(s.hooks = exec_hooks__new(o->exec_cmd, o->exec_max, o->exec_timeout_s))) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	s.a = assembler__new(&ops, o->candidates, kc);
	if (!s.a) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = loop(&s);
	if (ksyms_cache__scans(kc, &failed_scans) && failed_scans)
		log_warn("%" PRIu64 " reads of /proc/kallsyms failed: kernel stacks of those "
			 "events are left as addresses", failed_scans);
out:
	if (s.prefill.running)
		prefill_finish(&s);
	map_early_done();
	run_up_live__free(&s.run_up);
	exec_hooks__free(s.hooks);
	assembler__free(s.a);
	usym_sessions_drop();
	ksyms_cache__free(kc);
	loader__stop(&s.loader);
	pthread_sigmask(SIG_SETMASK, &s.wait_mask, NULL);
	kaddrs_async__free(kas);
	return ret;
}
