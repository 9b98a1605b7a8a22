// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace [trace]`: live tracing. Loads the BPF programs, prints the ready
 * line, and renders one event per OOM kill until --count/--duration or a
 * signal. The loop sleeps in epoll with no timer unless an event is pending,
 * so an idle tracer never wakes up.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "assemble.h"
#include "commands.h"
#include "ksyms.h"
#include "loader.h"
#include "log.h"
#include "privs.h"
#include "protect.h"
#include "render.h"

#define DEFAULT_RINGBUF_BYTES (4u << 20)
#define PRINTED_RING 64

struct trace_opts {
	bool json;
	uint64_t count;		/* 0 = unlimited */
	uint64_t duration_s;	/* 0 = unlimited */
	const char *cgroup;	/* filter, normalized to a cgroup path */
	int32_t pid;		/* filter, 0 = none */
	size_t candidates;
	enum attach_mode mode;
	bool protect;
	size_t ringbuf_bytes;
};

struct trace_state {
	struct trace_opts *o;
	struct tracer *tracer;
	bool write_failed;	/* stdout refused output: stop, exit 1 */
	uint64_t printed;
	uint64_t printed_seqs[PRINTED_RING];
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace [trace] [options]\n"
"Trace OOM kills live: one block (or JSON line) per kill, with the victim,\n"
"every candidate the kernel weighed, the OOM domain and the stacks.\n"
"\n"
"  -j, --json              JSON Lines on stdout\n"
"  -n, --count N           exit 0 after N oom_kill events\n"
"  -d, --duration SEC      exit 0 after SEC seconds\n"
"  -c, --cgroup PATH       only OOMs whose domain or victim is PATH or below\n"
"                          (a cgroup path, or its /sys/fs/cgroup/... directory)\n"
"  -p, --pid PID           only OOMs whose victim or trigger is PID\n"
"  -k, --candidates K      candidates kept per event (default 10, 0 = all)\n"
"  -m, --mode MODE         auto|fentry|kprobe|tracepoint (default auto)\n"
"      --ringbuf-size KiB  BPF ring buffer size (default %u, a power of 2)\n"
"      --no-protect        do not set own oom_score_adj -1000 nor lock memory\n"
"  -v, --verbose           libbpf diagnostics on stderr\n"
"  -h, --help              this help\n"
"\n"
"examples:\n"
"  sudo oomtrace                       # watch, one text block per kill\n"
"  sudo oomtrace -j -k 0 > oom.jsonl   # every candidate, as JSON Lines\n"
"  sudo oomtrace -c /system.slice/nginx.service -n 1\n"
"\n"
"Once attached it prints 'oomtrace: ready (mode=...)' on stderr.\n"
"Exit codes: 0 done, 1 runtime failure, 2 bad usage.\n",
		DEFAULT_RINGBUF_BYTES >> 10);
}

/* Parse a whole non-negative decimal number; -EINVAL otherwise. */
static int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* "/sys/fs/cgroup/memory/a/b" -> "/a/b": filters compare cgroup paths. */
static const char *normalize_cgroup(const char *p)
{
	static const char *mounts[] = {
		"/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/sys/fs/cgroup",
	};

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		size_t n = strlen(mounts[i]);

		if (!strncmp(p, mounts[i], n) && (p[n] == '/' || !p[n]))
			return p[n] ? p + n : "/";
	}
	return p;
}

static bool path_within(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (n == 1 && prefix[0] == '/')
		return true;
	return !strncmp(path, prefix, n) && (path[n] == '/' || !path[n]);
}

static bool event_wanted(const struct trace_opts *o, const struct oom_event *ev)
{
	if (o->cgroup) {
		bool in_domain = ev->has & EV_HAS_MEMCG && path_within(ev->memcg, o->cgroup);
		bool victim_in = ev->victim.has & TASK_HAS_CGROUP &&
				 path_within(ev->victim.cgroup, o->cgroup);

		if (!in_domain && !victim_in)
			return false;
	}
	if (o->pid && ev->victim.pid != o->pid &&
	    !(ev->has & EV_HAS_TRIGGER && ev->trigger.pid == o->pid))
		return false;
	return true;
}

/* An event that cannot be written is an error, not a silent loss. */
static int check_output(struct trace_state *st)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!st->write_failed)
		log_err("cannot write events to stdout: %s", strerror(errno));
	st->write_failed = true;
	exiting = 1;
	return -EIO;
}

static void on_event(struct oom_event *ev, void *arg)
{
	struct trace_state *st = arg;

	/* memory may have been hot-(un)plugged: keep the next OOM's totalpages right */
	tracer__refresh_meminfo(st->tracer);
	if (!event_wanted(st->o, ev))
		return;
	if (st->o->json)
		render_event_json(stdout, ev);
	else
		render_event_text(stdout, ev);
	if (check_output(st))
		return;
	st->printed_seqs[st->printed % PRINTED_RING] = ev->seq;
	st->printed++;
	if (st->o->count && st->printed >= st->o->count)
		exiting = 1;
}

static bool was_printed(const struct trace_state *st, uint64_t seq)
{
	for (size_t i = 0; i < PRINTED_RING && i < st->printed; i++)
		if (st->printed_seqs[i] == seq)
			return true;
	return false;
}

static void on_aftermath(const struct oom_aftermath *am, void *arg)
{
	struct trace_state *st = arg;
	char when[64];

	if (!am->oom_seq || !was_printed(st, am->oom_seq))
		return;
	if (st->o->json) {
		format_time_iso(when, sizeof(when), am->time_ns);
		printf("{\"type\":\"%s\",\"oom_seq\":%" PRIu64 ",\"time\":\"%s\",\"pid\":%d",
		       am->kind, am->oom_seq, when, am->pid);
		if (am->stage)
			printf(",\"stage\":\"%s\"", am->stage);
		else
			printf(",\"kill_to_exit_us\":%" PRIu64, am->kill_to_exit_ns / 1000);
		printf("}\n");
	} else if (am->stage) {
		printf("  OOM kill #%" PRIu64 ": oom_reaper %s on pid %d\n", am->oom_seq,
		       am->stage, am->pid);
	} else {
		printf("  OOM kill #%" PRIu64 ": pid %d exited %.3f ms after the kill\n",
		       am->oom_seq, am->pid, (double)am->kill_to_exit_ns / 1e6);
	}
	check_output(st);
}

static int on_totals(void *arg, uint64_t oom_id, uint64_t *ret_candidates, uint64_t *ret_lost)
{
	return tracer__oom_totals(((struct trace_state *)arg)->tracer, oom_id, ret_candidates,
				  ret_lost);
}

static uint64_t on_dropped(void *arg)
{
	return tracer__dropped(((struct trace_state *)arg)->tracer);
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

static int parse_args(int argc, char **argv, struct trace_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'd' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "candidates", required_argument, NULL, 'k' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ringbuf-size", required_argument, NULL, 'R' },
		{ "no-protect", no_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;	/* we report bad options ourselves, in one line */
	while ((c = getopt_long(argc, argv, ":jn:d:c:p:k:m:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'n':
			if (parse_u64(optarg, UINT64_MAX, &o->count) || !o->count)
				goto bad;
			break;
		case 'd':
			if (parse_u64(optarg, 1ull << 32, &o->duration_s) || !o->duration_s)
				goto bad;
			break;
		case 'c':
			if (optarg[0] != '/') {
				log_err("--cgroup: '%s' is not an absolute cgroup path", optarg);
				return -EINVAL;
			}
			o->cgroup = normalize_cgroup(optarg);
			break;
		case 'p':
			if (parse_u64(optarg, INT32_MAX, &v) || !v)
				goto bad;
			o->pid = (int32_t)v;
			break;
		case 'k':
			if (parse_u64(optarg, 1u << 24, &v))
				goto bad;
			o->candidates = v;
			break;
		case 'm':
			if (attach_mode__parse(optarg, &o->mode)) {
				log_err("--mode: unknown mode '%s' (auto, fentry, kprobe, tracepoint)",
					optarg);
				return -EINVAL;
			}
			break;
		case 'R':
			if (parse_u64(optarg, 1u << 20, &v) || v < 4 || (v & (v - 1)))
				goto bad;
			o->ringbuf_bytes = v << 10;
			break;
		case 'P': o->protect = false; break;
		case 'v': log_verbose = true; break;
		case 'h': usage(stdout); return 1;
		case ':':
			log_err("option '%s' needs a value (see 'oomtrace --help')", argv[optind - 1]);
			return -EINVAL;
		default:
			log_err("unrecognized option '%s' (see 'oomtrace --help')", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("unexpected argument '%s' (see 'oomtrace --help')", argv[optind]);
		return -EINVAL;
	}
	return 0;
bad:
	for (const struct option *lo = longopts; lo->name; lo++)
		if (lo->val == c)
			log_err("invalid value '%s' for --%s (see 'oomtrace --help')", optarg,
				lo->name);
	return -EINVAL;
}

static int run(struct trace_opts *o, struct tracer *t, struct assembler *a,
	       struct trace_state *st)
{
	struct ring_buffer *rb;
	struct timespec start;
	int ret = 0;

	rb = ring_buffer__new(tracer__ringbuf_fd(t), on_record, a, NULL);
	if (!rb) {
		log_err("cannot create the ring buffer reader: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	if (o->protect)
		protect_self();
	fprintf(stderr, "oomtrace: ready (mode=%s)\n", attach_mode__name(t->mode));
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!exiting) {
		int timeout = assembler__timeout_ms(a), err;

		if (o->duration_s) {
			struct timespec now;
			int64_t left_ms;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left_ms = (int64_t)o->duration_s * 1000 -
				  ((now.tv_sec - start.tv_sec) * 1000 +
				   (now.tv_nsec - start.tv_nsec) / 1000000);
			if (left_ms <= 0)
				break;
			if (timeout < 0 || left_ms < timeout)
				timeout = (int)(left_ms > INT_MAX ? INT_MAX : left_ms);
		}
		err = ring_buffer__poll(rb, timeout);
		if (err < 0 && err != -EINTR) {
			log_err("cannot read the ring buffer: %s", strerror(-err));
			ret = EXIT_RUNTIME;
			break;
		}
		assembler__flush(a, 0);
	}
	/* drain what is already in the buffer, then complete the last event */
	if (!(o->count && assembler__events(a) >= o->count)) {
		ring_buffer__consume(rb);
		assembler__flush(a, 1);
	}
	if (tracer__dropped(t))
		log_warn("%" PRIu64 " records were lost (ring buffer full): events marked "
			 "lost_events are incomplete; raise --ringbuf-size", tracer__dropped(t));
	if (assembler__unmatched(a))
		log_warn("%" PRIu64 " victim exit/reaper records matched no event still known "
			 "and were not printed", assembler__unmatched(a));
	ring_buffer__free(rb);
	return st->write_failed ? EXIT_RUNTIME : ret;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_opts o = {
		.candidates = 10,
		.mode = MODE_AUTO,
		.protect = true,
		.ringbuf_bytes = DEFAULT_RINGBUF_BYTES,
	};
	struct tracer t = {};
	struct trace_state st = { .o = &o, .tracer = &t };
	struct assembler_ops ops = {
		.event = on_event, .aftermath = on_aftermath, .totals = on_totals,
		.dropped = on_dropped, .arg = &st,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct assembler *a = NULL;
	struct ksyms *ks = NULL;
	char err[512];
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (!can_trace()) {
		log_err("need root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) to load BPF "
			"programs: run it with sudo");
		return EXIT_RUNTIME;
	}
	/* no SA_RESTART: a signal must interrupt epoll_wait */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(libbpf_print);

	ks = ksyms__load(NULL);
	if (!ks || ksyms__hidden(ks))
		log_warn("kernel symbols are hidden (/proc/kallsyms): stacks stay unsymbolized "
			 "and tracepoint mode cannot list candidates");
	if (tracer__start(&t, o.mode, ks, o.ringbuf_bytes, err, sizeof(err))) {
		log_err("%s", err);
		ret = EXIT_RUNTIME;
		goto out;
	}
	a = assembler__new(&ops, o.candidates, ks);
	if (!a) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = run(&o, &t, a, &st);
out:
	assembler__free(a);
	tracer__stop(&t);
	ksyms__free(ks);
	return ret;
}
