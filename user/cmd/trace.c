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
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "container_names.h"
#include "log.h"
#include "render.h"
#include "session.h"

#define CMD "oomtrace"
#define PRINTED_RING 64

struct trace_state {
	struct session_opts o;
	struct container_names *names;
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
"  -j, --json              JSON Lines on stdout\n");
	session_opts__usage(out, "oom_kill events");
	fprintf(out,
"\n"
"examples:\n"
"  sudo oomtrace                       # watch, one text block per kill\n"
"  sudo oomtrace -j -k 0 > oom.jsonl   # every candidate, as JSON Lines\n"
"  sudo oomtrace -c /system.slice/nginx.service -n 1\n"
"\n"
"Once attached it prints 'oomtrace: ready (mode=...)' on stderr.\n"
"Exit codes: 0 done, 1 runtime failure, 2 bad usage.\n");
}

/* An event that cannot be written is an error, not a silent loss. */
static int check_output(struct session *s, struct trace_state *st)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!st->write_failed)
		log_err("cannot write events to stdout: %s", strerror(errno));
	st->write_failed = true;
	session__stop(s, EXIT_RUNTIME);
	return -EIO;
}

/* --exec: the hook reads the same JSON line as --json writes. */
static void run_hook(struct session *s, const struct oom_event *ev)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	if (!session__has_exec(s))
		return;
	f = open_memstream(&json, &len);
	if (!f) {
		log_warn("--exec: out of memory: no hook for OOM kill #%" PRIu64, ev->seq);
		return;
	}
	render_event_json(f, ev);
	if (fclose(f)) {
		log_warn("--exec: out of memory: no hook for OOM kill #%" PRIu64, ev->seq);
		free(json);
		return;
	}
	session__exec_hook(s, ev, json, len);
	free(json);
}

/* What the hooks did, once at the end: a hook that failed is no silent loss. */
static void on_stopping(struct session *s, void *arg)
{
	struct exec_hook_counts c;

	(void)arg;
	if (!session__has_exec(s))
		return;
	session__exec_counts(s, &c);
	fprintf(stderr, "oomtrace: --exec hooks: %" PRIu64 " run, %" PRIu64 " ok, %" PRIu64
		" failed, %" PRIu64 " timed out, %" PRIu64 " not run\n", c.started, c.ok,
		c.failed, c.timed_out, c.not_run);
}

static void on_event(struct session *s, struct oom_event *ev, void *arg)
{
	struct trace_state *st = arg;

	/* --count reached: one read of the ring buffer can complete two events
	 * (the first when the second opens), and the stop comes after both */
	if (st->o.count && st->printed >= st->o.count)
		return;
	if (!session_opts__wanted(&st->o, ev))
		return;
	container_names__fill(st->names, ev);
	if (st->json)
		render_event_json(stdout, ev);
	else
		render_event_text(stdout, ev);
	run_hook(s, ev);
	if (check_output(s, st))
		return;
	st->printed_seqs[st->printed % PRINTED_RING] = ev->seq;
	st->printed++;
	if (st->o.count && st->printed >= st->o.count)
		session__stop(s, EXIT_OK);
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

	if (!am->oom_seq || !was_printed(st, am->oom_seq))
		return;
	if (st->json)
		render_aftermath_json(stdout, am);
	else
		render_aftermath_text(stdout, am);
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
		case ':': return cli_bad_option(c, argv[optind - 1], CMD);
		}
		if (session_opts__take(&st->o, longopts, c, optarg, argv[optind - 1], CMD))
			return -EINVAL;
	}
	return cli_no_operands(argc, argv, optind, CMD);
}

int cmd_trace(int argc, char **argv)
{
	struct trace_state st = {};
	struct session_sink sink = {
		.event = on_event, .aftermath = on_aftermath, .stopping = on_stopping,
		.arg = &st,
	};
	int ret;

	session_opts__init(&st.o);
	ret = parse_args(argc, argv, &st);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	st.names = container_names__new(st.o.k8s_log_dir, st.o.docker_dir, st.o.podman_dir);
	if (!st.names) {
		log_err("out of memory");
		return EXIT_RUNTIME;
	}
	ret = session__run(&st.o, &sink);
	container_names__free(st.names);
	return st.write_failed ? EXIT_RUNTIME : ret;
}
