// SPDX-License-Identifier: GPL-2.0
/* Command lines of victim and trigger: /proc first, the exec-time cache after. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cmdline.h"
#include "oomtrace.h"
#include "procfs_read.h"

#define GOT_ARGV 1u
#define GOT_EXE 2u

/* /proc/PID/cmdline: the NUL-separated argv; 0 when empty (exited, kernel thread). */
static unsigned int read_argv(const char *proc, int32_t pid, struct oom_cmdline *cmd)
{
	char path[64];
	ssize_t n;
	size_t len = 0;
	int fd;

	if (procfs_path(path, sizeof(path), "%s/%d/cmdline", proc, pid))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* one byte more than kept: that it came tells us the line was cut */
	while (len < sizeof(cmd->argv)) {
		n = read(fd, cmd->argv + len, sizeof(cmd->argv) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len == sizeof(cmd->argv)) {
		char more;

		cmd->truncated = read(fd, &more, 1) == 1;
	}
	close(fd);
	if (!len)
		return 0;
	/* the last argument ends in its NUL, cut or not */
	if (cmd->argv[len - 1]) {
		if (len == sizeof(cmd->argv))
			len--;
		cmd->argv[len++] = '\0';
	}
	cmd->len = (uint32_t)len;
	return GOT_ARGV;
}

static unsigned int read_exe(const char *proc, int32_t pid, struct oom_cmdline *cmd)
{
	char path[64];
	ssize_t n;

	if (procfs_path(path, sizeof(path), "%s/%d/exe", proc, pid))
		return 0;
	n = readlink(path, cmd->exe, sizeof(cmd->exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(cmd->exe) - 1)
		return 0;	/* gone, or not ours to see (ptrace access), or cut */
	cmd->exe[n] = '\0';
	return GOT_EXE;
}

unsigned int cmdline_from_proc(const char *proc, int32_t pid, struct oom_cmdline *cmd)
{
	return read_argv(proc, pid, cmd) | read_exe(proc, pid, cmd);
}

/* What the map has for pid, for the parts /proc did not give. */
static unsigned int from_map(int map_fd, int32_t pid, unsigned int got, struct oom_cmdline *cmd,
			     bool delete)
{
	struct oomt_cmdline c;
	uint32_t key = (uint32_t)pid;
	unsigned int more = 0;

	if (map_fd < 0 || bpf_map_lookup_elem(map_fd, &key, &c))
		return 0;
	if (delete)
		bpf_map_delete_elem(map_fd, &key);
	if (!(got & GOT_ARGV) && c.len && c.len <= sizeof(c.args)) {
		size_t len = c.len;

		memcpy(cmd->argv, c.args, len);
		if (cmd->argv[len - 1]) {
			/* cut inside an argument: end it */
			if (len == sizeof(cmd->argv))
				len--;
			cmd->argv[len++] = '\0';
		}
		cmd->len = (uint32_t)len;
		cmd->truncated = c.flags & OOMT_CMD_TRUNCATED;
		more |= GOT_ARGV;
	}
	/* the path execve() was given: only an absolute one says where the file is */
	c.filename[sizeof(c.filename) - 1] = '\0';
	if (!(got & GOT_EXE) && c.filename[0] == '/') {
		snprintf(cmd->exe, sizeof(cmd->exe), "%s", c.filename);
		more |= GOT_EXE;
	}
	return more;
}

static void fill_one(struct oom_event *ev, const struct oom_task *t, struct oom_cmdline *cmd,
		     int map_fd, const char *proc, uint32_t bit_exe, uint32_t bit_argv,
		     const char *what_exe, const char *what_argv, bool victim)
{
	unsigned int got = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (t->has & TASK_HAS_PID && t->pid > 0) {
		got = cmdline_from_proc(proc, t->pid, cmd);
		/* the victim's entry was kept for us past its exit: always read, then gone */
		if (got != (GOT_ARGV | GOT_EXE) || victim)
			got |= from_map(map_fd, t->pid, got, cmd, victim);
	}
	if (got & GOT_EXE)
		ev->has |= bit_exe;
	else
		oom_event__add_missing(ev, what_exe);
	if (got & GOT_ARGV)
		ev->has |= bit_argv;
	else
		oom_event__add_missing(ev, what_argv);
}

void cmdline_fill(struct oom_event *ev, int map_fd, const char *proc)
{
	if (ev->has & EV_HAS_VICTIM)
		fill_one(ev, &ev->victim, &ev->victim_cmd, map_fd, proc, EV_HAS_VICTIM_EXE,
			 EV_HAS_VICTIM_CMDLINE, "victim_exe", "victim_cmdline", true);
	if (!(ev->has & EV_HAS_TRIGGER))
		return;
	/* the grower killed itself: its entry is read (and gone) already */
	if (ev->has & EV_HAS_VICTIM && ev->trigger.has & TASK_HAS_PID &&
	    ev->victim.has & TASK_HAS_PID && ev->trigger.pid == ev->victim.pid) {
		ev->trigger_cmd = ev->victim_cmd;
		if (ev->has & EV_HAS_VICTIM_EXE)
			ev->has |= EV_HAS_TRIGGER_EXE;
		else
			oom_event__add_missing(ev, "trigger_exe");
		if (ev->has & EV_HAS_VICTIM_CMDLINE)
			ev->has |= EV_HAS_TRIGGER_CMDLINE;
		else
			oom_event__add_missing(ev, "trigger_cmdline");
		return;
	}
	fill_one(ev, &ev->trigger, &ev->trigger_cmd, map_fd, proc, EV_HAS_TRIGGER_EXE,
		 EV_HAS_TRIGGER_CMDLINE, "trigger_exe", "trigger_cmdline", false);
}

int cmdline_prefill(int map_fd, const char *proc)
{
	struct oom_cmdline cmd;
	struct oomt_cmdline c;
	struct dirent *de;
	DIR *dir = opendir(proc);
	int n = 0;

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		uint32_t key;
		unsigned int got;

		if (*end || pid <= 0 || pid > INT32_MAX)
			continue;
		memset(&cmd, 0, sizeof(cmd));
		got = cmdline_from_proc(proc, (int32_t)pid, &cmd);
		if (!(got & GOT_ARGV))
			continue;	/* a kernel thread, or gone */
		memset(&c, 0, sizeof(c));
		c.flags = OOMT_CMD_FROM_PROC;
		c.len = cmd.len < sizeof(c.args) ? cmd.len : sizeof(c.args);
		if (cmd.truncated || cmd.len > sizeof(c.args))
			c.flags |= OOMT_CMD_TRUNCATED;
		memcpy(c.args, cmd.argv, c.len);
		if (got & GOT_EXE && strlen(cmd.exe) < sizeof(c.filename))
			memcpy(c.filename, cmd.exe, strlen(cmd.exe) + 1);	/* else none: cut lies */
		key = (uint32_t)pid;
		/* an exec since the read made a fresher entry: keep that */
		if (!bpf_map_update_elem(map_fd, &key, &c, BPF_NOEXIST))
			n++;
	}
	closedir(dir);
	return n;
}
