/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One tracing session: load and attach the BPF programs, protect the
 * process, print the ready line, and run the ring buffer through the
 * assembler until --count/--duration or a signal. What happens to each
 * event is the sink's business: `trace` prints it, `record` writes it to
 * durable files. The loop sleeps in epoll with no timer unless an event is
 * pending or a sink asked for one, so an idle session never wakes up.
 */
#ifndef OOMTRACE_SESSION_H
#define OOMTRACE_SESSION_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assemble.h"
#include "event.h"
#include "loader.h"

#define SESSION_DEFAULT_RINGBUF_BYTES (4u << 20)

/* Options every tracing subcommand takes (`oomtrace trace --help`). */
struct session_opts {
	uint64_t count;		/* 0 = unlimited; the sink counts what it keeps */
	uint64_t duration_s;	/* 0 = unlimited */
	const char *cgroup;	/* filter, normalized to a cgroup path */
	int32_t pid;		/* filter, 0 = none */
	size_t candidates;
	enum attach_mode mode;
	bool protect;
	size_t ringbuf_bytes;
	const char *btf_path;	/* --btf: BTF for CO-RE, NULL = the kernel's */
};

struct option;

/* Defaults: 10 candidates, auto mode, protected, 4 MiB ring buffer. */
void session_opts__init(struct session_opts *o);

/*
 * getopt_long entries for the common options, and the short option letters
 * that go with them. A command lists them in its own table and passes what
 * getopt returns to session_opts__parse.
 */
#define SESSION_SHORTOPTS "n:d:c:p:k:m:v"
#define SESSION_LONGOPTS							\
	{ "count", required_argument, NULL, 'n' },				\
	{ "duration", required_argument, NULL, 'd' },				\
	{ "cgroup", required_argument, NULL, 'c' },				\
	{ "pid", required_argument, NULL, 'p' },				\
	{ "candidates", required_argument, NULL, 'k' },				\
	{ "mode", required_argument, NULL, 'm' },				\
	{ "ringbuf-size", required_argument, NULL, 'R' },			\
	{ "no-protect", no_argument, NULL, 'P' },				\
	{ "btf", required_argument, NULL, 'B' },				\
	{ "verbose", no_argument, NULL, 'v' }

/*
 * One option from getopt: 0 taken, 1 not a common option, -EINVAL for a bad
 * value (already reported when the message is specific; -EBADMSG when the
 * caller should print its generic "invalid value" line).
 */
int session_opts__parse(struct session_opts *o, int c, const char *arg);
/*
 * session_opts__parse() for a command's option loop, every failure reported
 * in one line naming cmd ("oomtrace record"): 0 taken, -EINVAL otherwise.
 * opt is the option as written (argv[optind - 1]).
 */
int session_opts__take(struct session_opts *o, const struct option *longopts, int c,
		       const char *arg, const char *opt, const char *cmd);

/* Does an event pass the --cgroup / --pid filters? */
bool session_opts__wanted(const struct session_opts *o, const struct oom_event *ev);

struct session;

struct session_sink {
	/* Every complete event, wanted by the filters or not. */
	void (*event)(struct session *s, struct oom_event *ev, void *arg);
	void (*aftermath)(struct session *s, const struct oom_aftermath *am, void *arg);
	/*
	 * Attached and protected, before the ready line: drop privileges,
	 * write a start record. Non-zero ends the session with that exit code.
	 */
	int (*attached)(struct session *s, void *arg);
	/* After every wakeup of the loop (records read, timer, signal). */
	void (*tick)(struct session *s, void *arg);
	/* Milliseconds until the sink wants a tick; -1 for none. */
	int (*timeout_ms)(struct session *s, void *arg);
	/* The buffer is drained and the last event complete; still attached. */
	void (*stopping)(struct session *s, void *arg);
	/* Install a SIGHUP handler; session_hup() then reports it once. */
	bool want_sighup;
	void *arg;
};

/* Run a whole session; returns the exit code (log.h). */
int session_run(const struct session_opts *o, const struct session_sink *sink);
/* End the loop; the exit code is the highest any caller asked for. */
void session_stop(struct session *s, int exit_code);
/* Has a stop been asked for (by a signal, a sink, --duration)? */
bool session_stopping(const struct session *s);
/* Why the loop ended: "signal", "duration", "requested" (session_stop), "error"; NULL while running. */
const char *session_end_reason(const struct session *s);
/* Was SIGHUP received since the last call? */
bool session_hup(struct session *s);
struct tracer *session_tracer(struct session *s);
struct assembler *session_assembler(struct session *s);
const struct session_opts *session_opts(const struct session *s);

#endif
