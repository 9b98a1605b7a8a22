// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace [trace]`: live tracing. A session (session.c) loads the BPF
 * programs, prints the ready line and assembles events; this sink renders
 * one block (or JSON line) per OOM kill until --count/--duration or a
 * signal.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "render.h"
#include "session.h"

#define PRINTED_RING 64

struct trace_state {
	struct session_opts o;
	bool json;
	bool write_failed;	/* stdout refused output: stop, exit 1 */
	uint64_t printed;
	uint64_t printed_seqs[PRINTED_RING];
};

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
"  -k, --candidates K      candidates kept per event (default 10, 0 = all;\n"
"                          %u are preallocated)\n"
"  -m, --mode MODE         auto|fentry|kprobe|tracepoint (default auto)\n"
"      --ringbuf-size KiB  BPF ring buffer size (default %u, a power of 2)\n"
"      --no-protect        do not set own oom_score_adj -1000 nor lock memory\n"
"      --btf FILE          BTF of this kernel for CO-RE when it has none built in\n"
"                          (/sys/kernel/btf/vmlinux), e.g. from BTFHub\n"
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
		ASSEMBLE_MAX_CANDIDATES, SESSION_DEFAULT_RINGBUF_BYTES >> 10);
}

/* An event that cannot be written is an error, not a silent loss. */
static int check_output(struct session *s, struct trace_state *st)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!st->write_failed)
		log_err("cannot write events to stdout: %s", strerror(errno));
	st->write_failed = true;
	session_stop(s, EXIT_RUNTIME);
	return -EIO;
}

static void on_event(struct session *s, struct oom_event *ev, void *arg)
{
	struct trace_state *st = arg;

	if (!session_opts__wanted(&st->o, ev))
		return;
	if (st->json)
		render_event_json(stdout, ev);
	else
		render_event_text(stdout, ev);
	if (check_output(s, st))
		return;
	st->printed_seqs[st->printed % PRINTED_RING] = ev->seq;
	st->printed++;
	if (st->o.count && st->printed >= st->o.count)
		session_stop(s, EXIT_OK);
}

static bool was_printed(const struct trace_state *st, uint64_t seq)
{
	for (size_t i = 0; i < PRINTED_RING && i < st->printed; i++)
		if (st->printed_seqs[i] == seq)
			return true;
	return false;
}

static void on_aftermath(struct session *s, const struct oom_aftermath *am, void *arg)
{
	struct trace_state *st = arg;
	char when[64];

	if (!am->oom_seq || !was_printed(st, am->oom_seq))
		return;
	if (st->json) {
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
	check_output(s, st);
}

static int parse_args(int argc, char **argv, struct trace_state *st)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		SESSION_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	optind = 1;
	opterr = 0;	/* we report bad options ourselves, in one line */
	while ((c = getopt_long(argc, argv, ":j" SESSION_SHORTOPTS "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': st->json = true; continue;
		case 'h': usage(stdout); return 1;
		case ':':
			log_err("option '%s' needs a value (see 'oomtrace --help')", argv[optind - 1]);
			return -EINVAL;
		}
		if (session_opts__take(&st->o, longopts, c, optarg, argv[optind - 1], "oomtrace"))
			return -EINVAL;
	}
	if (optind < argc) {
		log_err("unexpected argument '%s' (see 'oomtrace --help')", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	struct trace_state st = {};
	struct session_sink sink = {
		.event = on_event, .aftermath = on_aftermath, .arg = &st,
	};
	int ret;

	session_opts__init(&st.o);
	ret = parse_args(argc, argv, &st);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	ret = session_run(&st.o, &sink);
	return st.write_failed ? EXIT_RUNTIME : ret;
}
