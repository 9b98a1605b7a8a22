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
#include <stdio.h>

#include "assemble.h"
#include "event.h"
#include "exec_hook.h"
#include "loader.h"

#define SESSION_DEFAULT_RINGBUF_BYTES (4u << 20)
/* kernel functions whose names are kept for stacks (ksyms_cache) */
#define SESSION_KSYMS_CACHE 128

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
	const char *exec_cmd;	/* --exec: run per oom_kill event (exec_hook.h) */
	unsigned int exec_max;
	unsigned int exec_timeout_s;
	const char *k8s_log_dir;	/* where container names are read (container_names.h) */
	const char *docker_dir;
	const char *podman_dir;
	uint32_t ustack_copy;	/* --ustack-copy: bytes of user stack copied per kill */
	bool precise_rss;	/* --precise-rss: exact per-CPU rss sums too */
};

struct option;

/* Defaults: 10 candidates, auto mode, protected, 4 MiB ring buffer. */
void session_opts__init(struct session_opts *o);
/* Their lines of a command's --help; counted: what --count counts ("oom_kill events"). */
void session_opts__usage(FILE *out, const char *counted);

/*
 * getopt_long entries for the common options, and the short option letters
 * that go with them. A command lists them in its own table and passes what
 * getopt returns to session_opts__take.
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
	{ "exec", required_argument, NULL, 'X' },				\
	{ "exec-max", required_argument, NULL, 'x' },				\
	{ "exec-timeout", required_argument, NULL, 'T' },			\
	{ "k8s-log-dir", required_argument, NULL, 'K' },			\
	{ "docker-dir", required_argument, NULL, 'D' },				\
	{ "podman-dir", required_argument, NULL, 'Q' },				\
	{ "ustack-copy", required_argument, NULL, 'U' },			\
	{ "precise-rss", no_argument, NULL, 'E' },				\
	{ "verbose", no_argument, NULL, 'v' }

/*
 * One option from a command's option loop, every failure reported in one
 * line naming cmd ("oomtrace record"): 0 taken, -EINVAL otherwise (a bad
 * value, or not an option of this command). opt is the option as written
 * (argv[optind - 1]).
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
	/* Install a SIGHUP handler; session__hup() then reports it once. */
	bool want_sighup;
	void *arg;
};

/* Run a whole session; returns the exit code (log.h). */
int session__run(const struct session_opts *o, const struct session_sink *sink);
/* End the loop; the exit code is the highest any caller asked for. */
void session__stop(struct session *s, int exit_code);
/* Why the loop ended: "signal", "duration", "requested" (session__stop), "error"; NULL while running. */
const char *session__end_reason(const struct session *s);
/* Was SIGHUP received since the last call? */
bool session__hup(struct session *s);
struct loader *session__loader(struct session *s);
/*
 * Run the --exec hook for an event (its JSON line, as written): 0, or
 * -errno when it could not run (counted). Without --exec: 0, nothing runs.
 */
int session__exec_hook(struct session *s, const struct oom_event *ev, const char *json,
		       size_t len);
/* Did the session run with --exec? And the hooks' counts so far (final in stopping). */
bool session__has_exec(const struct session *s);
void session__exec_counts(const struct session *s, struct exec_hook_counts *ret);
struct assembler *session__assembler(struct session *s);

#endif
