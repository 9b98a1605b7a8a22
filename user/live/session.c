// SPDX-License-Identifier: GPL-2.0
/* The load/attach/ring-buffer/assembler loop shared by `trace` and `record`. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cgroup_path.h"
#include "ksyms.h"
#include "log.h"
#include "privs.h"
#include "protect.h"
#include "cli_args.h"
#include "session.h"

struct session {
	const struct session_opts *o;
	const struct session_sink *sink;
	struct tracer tracer;
	struct assembler *a;
	int exit_code;
	bool stop;
	const char *end_reason;
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
}

int session_opts__take(struct session_opts *o, const struct option *longopts, int c,
		       const char *arg, const char *opt, const char *cmd)
{
	int err = session_opts__parse(o, c, arg);

	if (err == -EBADMSG)
		log_bad_value(longopts, c, arg, cmd);
	else if (err > 0)
		log_err("unrecognized option '%s' (see '%s --help')", opt, cmd);
	return err ? -EINVAL : 0;
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

int session_opts__parse(struct session_opts *o, int c, const char *arg)
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
		if (arg[0] != '/') {
			log_err("--cgroup: '%s' is not an absolute cgroup path", arg);
			return -EINVAL;
		}
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
		/* read now, so a wrong path is a usage error; its content is
		 * checked when the programs load */
		if (access(arg, R_OK)) {
			log_err("--btf: cannot read '%s': %s", arg, strerror(errno));
			return -EINVAL;
		}
		o->btf_path = arg;
		return 0;
	case 'v':
		log_verbose = true;
		return 0;
	}
	return 1;
}

void session_stop(struct session *s, int exit_code)
{
	s->stop = true;
	if (exit_code > s->exit_code)
		s->exit_code = exit_code;
}

bool session_stopping(const struct session *s)
{
	return s->stop || got_signal;
}

const char *session_end_reason(const struct session *s)
{
	return s->end_reason;
}

bool session_hup(struct session *s)
{
	(void)s;
	if (!got_hup)
		return false;
	got_hup = 0;
	return true;
}

struct tracer *session_tracer(struct session *s)
{
	return &s->tracer;
}

struct assembler *session_assembler(struct session *s)
{
	return s->a;
}

const struct session_opts *session_opts(const struct session *s)
{
	return s->o;
}

static void on_event(struct oom_event *ev, void *arg)
{
	struct session *s = arg;

	/* memory may have been hot-(un)plugged: keep the next OOM's totalpages right */
	tracer__refresh_meminfo(&s->tracer);
	s->sink->event(s, ev, s->sink->arg);
}

static void on_aftermath(const struct oom_aftermath *am, void *arg)
{
	struct session *s = arg;

	s->sink->aftermath(s, am, s->sink->arg);
}

static int on_totals(void *arg, uint64_t oom_id, uint64_t *ret_candidates, uint64_t *ret_lost)
{
	return tracer__oom_totals(&((struct session *)arg)->tracer, oom_id, ret_candidates,
				  ret_lost);
}

static uint64_t on_dropped(void *arg)
{
	return tracer__dropped(&((struct session *)arg)->tracer);
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

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int loop(struct session *s)
{
	const struct session_opts *o = s->o;
	const struct session_sink *sink = s->sink;
	struct ring_buffer *rb;
	struct timespec start;
	int ret = 0;

	/* loading parsed the kernel's BTF (more than once in auto mode): give
	 * that heap back before the ring buffer is mapped and memory is locked,
	 * or both count at once in the peak */
	malloc_trim(0);
	rb = ring_buffer__new(tracer__ringbuf_fd(&s->tracer), on_record, s->a, NULL);
	if (!rb) {
		log_err("cannot create the ring buffer reader: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (o->protect)
		protect_self();
	if (sink->attached) {
		ret = sink->attached(s, sink->arg);
		if (ret)
			goto out;
	}
	fprintf(stderr, "oomtrace: ready (mode=%s)\n", attach_mode__name(s->tracer.mode));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!session_stopping(s)) {
		int timeout = assembler__timeout_ms(s->a), err;

		if (sink->timeout_ms)
			timeout = min_timeout(timeout, sink->timeout_ms(s, sink->arg));
		if (o->duration_s) {
			struct timespec now;
			int64_t left_ms;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left_ms = (int64_t)o->duration_s * 1000 -
				  ((now.tv_sec - start.tv_sec) * 1000 +
				   (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left_ms <= 0) {
				s->end_reason = "duration";
				break;
			}
			if (timeout < 0 || left_ms < timeout)
				timeout = (int)(left_ms > INT_MAX ? INT_MAX : left_ms);
		}
		err = ring_buffer__poll(rb, timeout);
		if (err < 0 && err != -EINTR) {
			log_err("cannot read the ring buffer: %s", strerror(-err));
			ret = EXIT_RUNTIME;
			s->end_reason = "error";
			break;
		}
		assembler__flush(s->a, 0);
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
	if (tracer__dropped(&s->tracer))
		log_warn("%" PRIu64 " records were lost (ring buffer full): events marked "
			 "lost_events are incomplete; raise --ringbuf-size",
			 tracer__dropped(&s->tracer));
	if (assembler__unmatched(s->a))
		log_warn("%" PRIu64 " victim exit/reaper records matched no event still known "
			 "and were not printed", assembler__unmatched(s->a));
	if (sink->stopping)
		sink->stopping(s, sink->arg);
out:
	ring_buffer__free(rb);
	return ret > s->exit_code ? ret : s->exit_code;
}

int session_run(const struct session_opts *o, const struct session_sink *sink)
{
	struct session s = { .o = o, .sink = sink };
	struct assembler_ops ops = {
		.event = on_event, .aftermath = on_aftermath, .totals = on_totals,
		.dropped = on_dropped, .arg = &s,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct sigaction hup = { .sa_handler = on_hup };
	const struct ksyms *ks = NULL;
	struct ksyms_async *kas = NULL;
	char err[512];
	int ret;

	if (!can_trace()) {
		log_err("need root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) to load BPF "
			"programs: run it with sudo");
		return EXIT_RUNTIME;
	}
	/* no SA_RESTART: a signal must interrupt epoll_wait */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (sink->want_sighup)
		sigaction(SIGHUP, &hup, NULL);
	libbpf_set_print(libbpf_print);
	if (o->protect)
		protect_heap_policy();

	/* read while the programs load: kallsyms is slow to produce */
	kas = ksyms__load_async(NULL);
	if (tracer__start(&s.tracer, o->mode, kas, o->ringbuf_bytes, o->btf_path, err,
			  sizeof(err))) {
		log_err("%s", err);
		ret = EXIT_RUNTIME;
		goto out;
	}
	ks = ksyms_async__get(kas);
	if (!ks || ksyms__hidden(ks))
		log_warn("kernel symbols are hidden (/proc/kallsyms): stacks stay unsymbolized "
			 "and tracepoint mode cannot tell a memcg OOM from a global one");
	s.a = assembler__new(&ops, o->candidates, ks);
	if (!s.a) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = loop(&s);
out:
	assembler__free(s.a);
	tracer__stop(&s.tracer);
	ksyms_async__free(kas);
	return ret;
}
