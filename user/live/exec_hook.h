/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --exec CMD: `sh -c CMD` once per oom_kill event, the event's JSON line on
 * its stdin and its facts in OOMTRACE_* environment variables.
 *
 * Nothing here waits on a hook: it is forked into a process group of its
 * own, its stdin is a socket written without blocking (what does not fit
 * is written on later ticks), and exits are reaped with WNOHANG when the session ticks
 * (exec_hooks__timeout_ms asks for those ticks only while hooks run). At
 * most `max` run at once; an event beyond that runs no hook and is counted.
 * A hook past its timeout has its process group killed.
 *
 * The hook's values are passed as environment and stdin, never put into
 * the command string: a process can name itself anything.
 */
#ifndef OOMTRACE_EXEC_HOOK_H
#define OOMTRACE_EXEC_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define EXEC_HOOK_DEFAULT_MAX 4
#define EXEC_HOOK_DEFAULT_TIMEOUT_S 30

struct exec_hooks;

struct exec_hook_counts {
	uint64_t started;	/* forked */
	uint64_t ok;		/* exited 0 */
	uint64_t failed;	/* exited non-zero, or killed by a signal we did not send */
	uint64_t timed_out;	/* killed at the timeout */
	uint64_t not_run;	/* --exec-max hooks running already, or fork/socket failed */
};

/* NULL on ENOMEM. cmd is run by /bin/sh -c; timeout_s > 0, max > 0. */
struct exec_hooks *exec_hooks__new(const char *cmd, unsigned int max, unsigned int timeout_s);
/* Kill (process group) and reap the hooks still running, then free. */
void exec_hooks__free(struct exec_hooks *h);
/*
 * Start a hook for ev; json is its JSON line (with its newline). 0 started,
 * -EBUSY (max running), or -errno (fork, socket): counted as not run.
 */
int exec_hooks__run(struct exec_hooks *h, const struct oom_event *ev, const char *json,
		    size_t len);
/* Feed stdin, reap exits, kill hooks past their timeout. Never blocks. */
void exec_hooks__poll(struct exec_hooks *h);
/* Milliseconds until the next poll is due; -1 when no hook runs. */
int exec_hooks__timeout_ms(const struct exec_hooks *h);
/* Poll until every hook has ended (each waits at most its timeout). */
void exec_hooks__wait(struct exec_hooks *h);
void exec_hooks__counts(const struct exec_hooks *h, struct exec_hook_counts *ret);
/*
 * The environment variables for ev ("OOMTRACE_SEQ=1", ...) in buf, each
 * NUL-terminated, and pointers to them in vars (at most max_vars). Values
 * never contain NUL (they come from C strings). Returns how many.
 */
size_t exec_hook_env(const struct oom_event *ev, char *buf, size_t size, const char **vars,
		     size_t max_vars);

#endif
