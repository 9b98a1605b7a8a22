// SPDX-License-Identifier: GPL-2.0
/*
 * readyrun: start a tracer, time it from fork+exec to its ready line, then
 * optionally sample its memory and its idle cost, and stop it.
 *   readyrun -p PREFIX [-l LABEL] [-s SETTLE_MS] [-i IDLE_MS [-w WINDOWS]]
 *            [-m SMAPS_FILE] [-t TIMEOUT_MS] -- COMMAND ARGS...
 * The command's stdout and stderr go to one pipe that is read line by line;
 * ready is the first line starting with PREFIX. Prints one JSON object:
 *   ready_ms               fork to the ready line (CLOCK_MONOTONIC)
 *   hwm_kb rss_kb ...      /proc/PID/status after SETTLE_MS (-s)
 *   idle_*                 over IDLE_MS after that (-i), summed over threads:
 *                          context switches (voluntary, involuntary), CPU time
 *                          and timeslices (/proc/PID/task/TID/schedstat), and
 *                          the kernel's oom_kill count meanwhile (a kill
 *                          anywhere wakes a tracer: not idle then, and the
 *                          window is taken again, WINDOWS times at most)
 * Then SIGINT to its process group, and SIGKILL if still alive after 5 s.
 * Exit 0 if it got ready.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct reader {
	int fd;
	char buf[8192];
	size_t len;
	char tail[2048];	/* the last output, shown if it never gets ready */
	size_t tail_len;
	int eof;
};

static void keep_tail(struct reader *r, const char *s, size_t n)
{
	if (n >= sizeof(r->tail)) {
		s += n - sizeof(r->tail) + 1;
		n = sizeof(r->tail) - 1;
	}
	if (r->tail_len + n >= sizeof(r->tail)) {
		size_t drop = r->tail_len + n - (sizeof(r->tail) - 1);

		memmove(r->tail, r->tail + drop, r->tail_len - drop);
		r->tail_len -= drop;
	}
	memcpy(r->tail + r->tail_len, s, n);
	r->tail_len += n;
	r->tail[r->tail_len] = '\0';
}

/* Read what is there (waiting up to timeout_ms); 1 once a line starts with prefix. */
static int pump(struct reader *r, const char *prefix, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	ssize_t n;
	int found = 0;

	if (r->eof) {
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return 0;
	}
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	n = read(r->fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);
	if (n <= 0) {
		r->eof = 1;
		return 0;
	}
	keep_tail(r, r->buf + r->len, (size_t)n);
	r->len += (size_t)n;
	r->buf[r->len] = '\0';
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		size_t line;

		if (!nl) {
			if (r->len == sizeof(r->buf) - 1)	/* an endless line: drop it */
				r->len = 0;
			break;
		}
		line = (size_t)(nl - r->buf) + 1;
		if (prefix && !strncmp(r->buf, prefix, strlen(prefix)))
			found = 1;
		memmove(r->buf, r->buf + line, r->len - line);
		r->len -= line;
	}
	return found;
}

/* Wait ms while draining the pipe (a tracer blocked on output is not idle). */
static void drain_for(struct reader *r, int ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ull;
	uint64_t t;

	while ((t = now_ns()) < end)
		pump(r, NULL, (int)((end - t) / 1000000ull) + 1);
}

static long status_kb(int pid, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

struct idle_sample {
	uint64_t vol, invol, cpu_ns, slices, oom_kills;
	int threads;
};

static uint64_t vmstat_oom_kill(void)
{
	char line[128];
	uint64_t v = 0;
	FILE *f = fopen("/proc/vmstat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "oom_kill %" SCNu64, &v) == 1)
			break;
	fclose(f);
	return v;
}

static void idle_sample(int pid, struct idle_sample *s)
{
	char path[320], line[256];
	struct dirent *d;
	DIR *dir;

	memset(s, 0, sizeof(*s));
	s->oom_kills = vmstat_oom_kill();
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		unsigned long long run, wait, slices;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		s->threads++;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pid, d->d_name);
		if ((f = fopen(path, "re"))) {
			while (fgets(line, sizeof(line), f)) {
				unsigned long long v;

				if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1)
					s->vol += v;
				else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1)
					s->invol += v;
			}
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", pid, d->d_name);
		if ((f = fopen(path, "re"))) {
			if (fscanf(f, "%llu %llu %llu", &run, &wait, &slices) == 3) {
				s->cpu_ns += run;
				s->slices += slices;
			}
			fclose(f);
		}
	}
	closedir(dir);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
	return 0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static int stop_child(struct reader *r, int pid)
{
	int status = 0;

	kill(-pid, SIGINT);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		pump(r, NULL, 10);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

int main(int argc, char **argv)
{
	const char *prefix = NULL, *label = "", *smaps_to = NULL;
	int settle_ms = -1, idle_ms = 0, windows = 1, timeout_ms = 30000, opt, pid, fds[2], status;
	struct reader r = { 0 };
	uint64_t t0, t_ready = 0;

	while ((opt = getopt(argc, argv, "+p:l:s:i:w:m:t:")) != -1) {
		switch (opt) {
		case 'p': prefix = optarg; break;
		case 'l': label = optarg; break;
		case 's': settle_ms = atoi(optarg); break;
		case 'i': idle_ms = atoi(optarg); break;
		case 'w': windows = atoi(optarg); break;
		case 'm': smaps_to = optarg; break;
		case 't': timeout_ms = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (!prefix || optind >= argc)
		goto usage;
	if (pipe2(fds, O_CLOEXEC))
		return perror("readyrun: pipe"), 1;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return perror("readyrun: fork"), 1;
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		/* its own process group: a wrapper (strace) and what it runs stop together */
		setpgid(0, 0);
		/* a background job of a shell starts with SIGINT ignored: undo that */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	setpgid(pid, pid);	/* as the child does: whichever runs first */
	close(fds[1]);
	r.fd = fds[0];
	while (now_ns() - t0 < (uint64_t)timeout_ms * 1000000ull) {
		if (pump(&r, prefix, 100)) {
			t_ready = now_ns();
			break;
		}
		if (r.eof)
			break;
	}
	printf("{\"label\":");
	json_str(label);
	if (!t_ready) {
		status = stop_child(&r, pid);
		printf(",\"error\":\"not ready\",\"output\":");
		json_str(r.tail);
		printf("}\n");
		return 1;
	}
	printf(",\"ready_ms\":%.3f", (double)(t_ready - t0) / 1e6);
	if (settle_ms >= 0) {
		char path[64];

		drain_for(&r, settle_ms);
		printf(",\"hwm_kb\":%ld,\"rss_kb\":%ld,\"rss_anon_kb\":%ld,\"rss_file_kb\":%ld"
		       ",\"locked_kb\":%ld",
		       status_kb(pid, "VmHWM"), status_kb(pid, "VmRSS"), status_kb(pid, "RssAnon"),
		       status_kb(pid, "RssFile"), status_kb(pid, "VmLck"));
		snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
		if (smaps_to)
			copy_file(path, smaps_to);
	}
	if (idle_ms > 0) {
		struct idle_sample a, b;
		int disturbed = 0;

		/* an OOM kill anywhere on the machine wakes a tracer: that window
		 * says nothing about idle; take another (-w windows at most) */
		for (;;) {
			idle_sample(pid, &a);
			drain_for(&r, idle_ms);
			idle_sample(pid, &b);
			if (b.oom_kills == a.oom_kills || disturbed + 1 >= windows)
				break;
			disturbed++;
		}
		printf(",\"idle_ms\":%d,\"idle_threads\":%d,\"idle_vol_cs\":%" PRIu64
		       ",\"idle_invol_cs\":%" PRIu64 ",\"idle_cpu_ns\":%" PRIu64
		       ",\"idle_slices\":%" PRIu64 ",\"idle_oom_kills_anywhere\":%" PRIu64
		       ",\"idle_windows_disturbed\":%d",
		       idle_ms, b.threads, b.vol - a.vol, b.invol - a.invol, b.cpu_ns - a.cpu_ns,
		       b.slices - a.slices, b.oom_kills - a.oom_kills, disturbed);
	}
	status = stop_child(&r, pid);
	printf(",\"exit\":%d}\n", WIFEXITED(status) ? WEXITSTATUS(status) :
				  128 + WTERMSIG(status));
	return 0;
usage:
	fprintf(stderr, "usage: readyrun -p PREFIX [-l LABEL] [-s SETTLE_MS] [-i IDLE_MS [-w WINDOWS]] "
		"[-m SMAPS_FILE] [-t TIMEOUT_MS] -- COMMAND ARGS...\n");
	return 2;
}
