// SPDX-License-Identifier: GPL-2.0
/* --exec hooks: forked, fed and reaped without ever waiting on one. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock_now.h"
#include "exec_hook.h"
#include "log.h"

#define POLL_MS 50		/* reaping and feeding while hooks run */
#define ENV_VARS 9
#define ENV_BYTES (4 * OOM_PATH_MAX + 1024)

extern char **environ;

struct hook {
	pid_t pid;		/* 0 = free slot; also its process group */
	int fd;			/* its stdin's write end, -1 once written or closed */
	char *buf;		/* the JSON line, until written */
	size_t len, off;
	uint64_t seq;
	uint64_t start_ms;
	bool killed;		/* at the timeout */
};

struct exec_hooks {
	char *cmd;
	unsigned int max, timeout_s, running;
	struct hook *slots;
	struct exec_hook_counts counts;
};

struct exec_hooks *exec_hooks__new(const char *cmd, unsigned int max, unsigned int timeout_s)
{
	struct exec_hooks *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->cmd = strdup(cmd);
	h->slots = calloc(max ? max : 1, sizeof(*h->slots));
	if (!h->cmd || !h->slots) {
		free(h->cmd);
		free(h->slots);
		free(h);
		return NULL;
	}
	h->max = max ? max : 1;
	h->timeout_s = timeout_s ? timeout_s : 1;
	return h;
}

static void close_stdin(struct hook *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	free(k->buf);
	k->buf = NULL;
}

/* Write what the socket takes now; close it when all is written or the hook is gone. */
static void feed(struct hook *k)
{
	while (k->fd >= 0 && k->off < k->len) {
		/* MSG_NOSIGNAL: a hook that exits unread must not SIGPIPE the tracer */
		ssize_t n = send(k->fd, k->buf + k->off, k->len - k->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {	/* EPIPE: it does not read its stdin, which is its right */
			break;
		}
		k->off += (size_t)n;
	}
	close_stdin(k);
}

static size_t add_var(char *buf, size_t size, size_t *used, const char **vars, size_t n,
		      size_t max, const char *key, const char *value)
{
	int len;

	if (n >= max || *used >= size)
		return n;
	len = snprintf(buf + *used, size - *used, "OOMTRACE_%s=%s", key, value);
	if (len < 0 || (size_t)len >= size - *used)
		return n;	/* cut would be a lie: leave it out */
	vars[n] = buf + *used;
	*used += (size_t)len + 1;
	return n + 1;
}

size_t exec_hook_env(const struct oom_event *ev, char *buf, size_t size, const char **vars,
		     size_t max_vars)
{
	const struct oom_names *nm = NULL;
	char num[32];
	size_t used = 0, n = 0;

	snprintf(num, sizeof(num), "%" PRIu64, ev->seq);
	n = add_var(buf, size, &used, vars, n, max_vars, "SEQ", num);
	if (ev->has & EV_HAS_VICTIM && ev->victim.has & TASK_HAS_PID) {
		snprintf(num, sizeof(num), "%d", ev->victim.pid);
		n = add_var(buf, size, &used, vars, n, max_vars, "VICTIM_PID", num);
	}
	if (ev->has & EV_HAS_VICTIM && ev->victim.has & TASK_HAS_COMM)
		n = add_var(buf, size, &used, vars, n, max_vars, "VICTIM_COMM", ev->victim.comm);
	if (ev->has & EV_HAS_TRIGGER && ev->trigger.has & TASK_HAS_PID) {
		snprintf(num, sizeof(num), "%d", ev->trigger.pid);
		n = add_var(buf, size, &used, vars, n, max_vars, "TRIGGER_PID", num);
	}
	n = add_var(buf, size, &used, vars, n, max_vars, "CONSTRAINT",
		    oom_constraint__name(ev->constraint));
	/* a global OOM has no memcg: empty, as the JSON has no "memcg" */
	n = add_var(buf, size, &used, vars, n, max_vars, "MEMCG",
		    ev->has & EV_HAS_MEMCG ? ev->memcg : "");
	if (ev->has & EV_HAS_VICTIM)
		nm = oom_event__names_of(ev, &ev->victim);
	if (nm && nm->pod[0])
		n = add_var(buf, size, &used, vars, n, max_vars, "POD", nm->pod);
	if (nm && nm->ns[0])
		n = add_var(buf, size, &used, vars, n, max_vars, "NAMESPACE", nm->ns);
	if (nm && nm->container[0])
		n = add_var(buf, size, &used, vars, n, max_vars, "CONTAINER", nm->container);
	return n;
}

/*
 * Our environment without OOMTRACE_* (a hook must not see a stale value
 * from whoever started us where this event has none), then the event's.
 */
static char **make_envp(const char **vars, size_t n_vars)
{
	size_t n = 0, k = 0;
	char **envp;

	while (environ && environ[n])
		n++;
	envp = calloc(n + n_vars + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "OOMTRACE_", 9))
			envp[k++] = environ[i];
	for (size_t i = 0; i < n_vars; i++)
		envp[k++] = (char *)vars[i];
	return envp;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn)) child(int stdin_fd, char *const argv[], char *const envp[])
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int fd;

	/* the tracer blocks its stop signals and ignores SIGPIPE: neither is the hook's */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &dfl, NULL);
	setpgid(0, 0);
	if (dup2(stdin_fd, 0) < 0)
		_exit(126);
	/* stdout carries trace's events: the hook writes to our stderr instead */
	dup2(2, 1);
	if (syscall(SYS_close_range, 3u, ~0u, 0u))
		for (fd = 3; fd < 1024; fd++)
			close(fd);
	/* the tracer's -1000 is its own protection, not the hook's */
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "0", 1) < 0) {
			/* left as it is: nothing to do about it here */
		}
		close(fd);
	}
	execve("/bin/sh", argv, envp);
	_exit(127);
}

int exec_hooks__run(struct exec_hooks *h, const struct oom_event *ev, const char *json,
		    size_t len)
{
	char *argv[] = { "sh", "-c", h->cmd, NULL };
	const char *vars[ENV_VARS];
	char env[ENV_BYTES];
	struct hook *k = NULL;
	char **envp = NULL;
	int fds[2] = { -1, -1 }, err;
	size_t n;

	for (unsigned int i = 0; i < h->max && !k; i++)
		if (!h->slots[i].pid)
			k = &h->slots[i];
	if (!k) {
		h->counts.not_run++;
		log_warn("--exec: %u hooks still running: none run for OOM kill #%" PRIu64,
			 h->max, ev->seq);
		return -EBUSY;
	}
	n = exec_hook_env(ev, env, sizeof(env), vars, ENV_VARS);
	envp = make_envp(vars, n);
	k->buf = malloc(len ? len : 1);
	if (!envp || !k->buf) {
		err = -ENOMEM;
		goto fail;
	}
	memcpy(k->buf, json, len);
	/*
	 * A socket rather than a pipe: send() takes MSG_NOSIGNAL, so the
	 * tracer's own SIGPIPE disposition stays as it is; to the hook it reads
	 * like any stdin.
	 */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds)) {
		err = -errno;
		goto fail;
	}
	shutdown(fds[0], SHUT_WR);
	shutdown(fds[1], SHUT_RD);
	{
		/* room for the whole line where the system allows: one send, no waiting */
		int sz = (int)(len < (1u << 20) ? len : 1u << 20);

		if (sz > 65536)
			setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	k->pid = fork();
	if (k->pid < 0) {
		err = -errno;
		k->pid = 0;
		goto fail;
	}
	if (!k->pid)
		child(fds[0], argv, envp);
	/* also here: a kill at the timeout must find the group even if the
	 * child has not run its own setpgid yet */
	setpgid(k->pid, k->pid);
	close(fds[0]);
	free(envp);
	k->fd = fds[1];
	k->len = len;
	k->off = 0;
	k->seq = ev->seq;
	k->killed = false;
	k->start_ms = mono_ms();
	h->running++;
	h->counts.started++;
	log_debug("--exec: hook pid %d for OOM kill #%" PRIu64, k->pid, ev->seq);
	feed(k);
	return 0;
fail:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(envp);
	free(k->buf);
	k->buf = NULL;
	h->counts.not_run++;
	log_warn("--exec: cannot start a hook for OOM kill #%" PRIu64 ": %s", ev->seq,
		 strerror(-err));
	return err;
}

static void ended(struct exec_hooks *h, struct hook *k, int status)
{
	if (k->killed) {
		h->counts.timed_out++;
		log_warn("--exec: hook for OOM kill #%" PRIu64 " killed after %us", k->seq,
			 h->timeout_s);
	} else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		h->counts.ok++;
	} else {
		h->counts.failed++;
		if (WIFEXITED(status))
			log_warn("--exec: hook for OOM kill #%" PRIu64 " exited with %d", k->seq,
				 WEXITSTATUS(status));
		else
			log_warn("--exec: hook for OOM kill #%" PRIu64 " killed by signal %d",
				 k->seq, WTERMSIG(status));
	}
	close_stdin(k);
	k->pid = 0;
	h->running--;
}

void exec_hooks__poll(struct exec_hooks *h)
{
	uint64_t now;

	if (!h || !h->running)
		return;
	now = mono_ms();
	for (unsigned int i = 0; i < h->max; i++) {
		struct hook *k = &h->slots[i];
		int status;
		pid_t r;

		if (!k->pid)
			continue;
		feed(k);
		r = waitpid(k->pid, &status, WNOHANG);
		if (r == k->pid || (r < 0 && errno == ECHILD)) {
			ended(h, k, r == k->pid ? status : 0);
			continue;
		}
		if (!k->killed && now - k->start_ms >= (uint64_t)h->timeout_s * 1000) {
			/* the group: what the hook started goes with it */
			kill(-k->pid, SIGKILL);
			kill(k->pid, SIGKILL);
			k->killed = true;
			close_stdin(k);
		}
	}
}

int exec_hooks__timeout_ms(const struct exec_hooks *h)
{
	return h && h->running ? POLL_MS : -1;
}

void exec_hooks__wait(struct exec_hooks *h)
{
	struct timespec ts = { 0, POLL_MS * 1000000L };

	while (h && h->running) {
		exec_hooks__poll(h);
		if (h->running)
			nanosleep(&ts, NULL);
	}
}

void exec_hooks__counts(const struct exec_hooks *h, struct exec_hook_counts *ret)
{
	if (h)
		*ret = h->counts;
	else
		memset(ret, 0, sizeof(*ret));
}

void exec_hooks__free(struct exec_hooks *h)
{
	if (!h)
		return;
	for (unsigned int i = 0; i < h->max; i++) {
		struct hook *k = &h->slots[i];

		if (!k->pid)
			continue;
		kill(-k->pid, SIGKILL);
		kill(k->pid, SIGKILL);
		waitpid(k->pid, NULL, 0);
		close_stdin(k);
	}
	free(h->slots);
	free(h->cmd);
	free(h);
}
