// SPDX-License-Identifier: GPL-2.0
/* systemd-journald's native protocol, for `record --journal`. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup_names.h"
#include "journal.h"
#include "log.h"
#include "render.h"
#include "text_escape.h"

int journal__init(struct journal *j, const char *path)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (!path)
		path = JOURNAL_SOCKET;
	if (strlen(path) >= sizeof(j->path))
		return -ENAMETOOLONG;
	memcpy(j->path, path, strlen(path) + 1);
	j->buf = malloc(JOURNAL_ENTRY_MAX);
	if (!j->buf)
		return -ENOMEM;
	memset(j->buf, 0, JOURNAL_ENTRY_MAX);	/* touched now */
	j->cap = JOURNAL_ENTRY_MAX;
	j->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (j->fd < 0) {
		int err = -errno;

		journal__free(j);
		return err;
	}
	return 0;
}

void journal__free(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->buf);
	j->buf = NULL;
	j->fd = -1;
}

static void put(struct journal *j, const void *p, size_t n)
{
	if (j->overflow || n > j->cap - j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

/* KEY=value, or the length form for a value with a newline (whole, or not at all). */
static void field_n(struct journal *j, const char *key, const char *val, size_t n)
{
	size_t klen = strlen(key), start = j->len;

	if (j->overflow)
		return;
	if (memchr(val, '\n', n)) {
		unsigned char le[8];

		for (int i = 0; i < 8; i++)
			le[i] = (unsigned char)((uint64_t)n >> (8 * i));
		put(j, key, klen);
		put(j, "\n", 1);
		put(j, le, sizeof(le));
	} else {
		put(j, key, klen);
		put(j, "=", 1);
	}
	put(j, val, n);
	put(j, "\n", 1);
	if (j->overflow) {
		/* this field did not fit: leave it out whole, keep the ones before */
		j->len = start;
	}
}

static void field(struct journal *j, const char *key, const char *val)
{
	field_n(j, key, val, strlen(val));
}

static void field_fmt(struct journal *j, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void field_fmt(struct journal *j, const char *key, const char *fmt, ...)
{
	char buf[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	field(j, key, buf);
}

static uint64_t rss_pages(const struct oom_task *t)
{
	if (t->has & TASK_HAS_MEM || (t->has & (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE |
						 TASK_HAS_RSS_SHMEM)) ==
	    (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM))
		return t->rss_anon_pages + t->rss_file_pages + t->rss_shmem_pages;
	return t->rss_pages;
}

static bool rss_known(const struct oom_task *t)
{
	return t->has & (TASK_HAS_MEM | TASK_HAS_RSS) ||
	       (t->has & (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM)) ==
	       (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM);
}

/* One line for people: every string from the kernel escaped (text_escape). */
static void message(struct journal *j, const struct oom_event *ev)
{
	const struct oom_task *v = &ev->victim;
	const struct oom_names *n = ev->has & EV_HAS_VICTIM ? oom_event__names_of(ev, v) : NULL;
	char msg[2048], e[768], b[32];
	size_t len = 0;

#define ADD(...)	do { if (len < sizeof(msg)) \
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, __VA_ARGS__); } while (0)
	if (ev->has & EV_HAS_VICTIM && v->has & TASK_HAS_PID)
		ADD("OOM kill: pid %d \"%s\"", v->pid, text_escape_buf(e, sizeof(e), v->comm));
	else
		ADD("OOM kill: victim unknown");
	if (n && n->pod[0]) {
		ADD(" (pod %s", text_escape_buf(e, sizeof(e), n->ns));
		ADD("/%s", text_escape_buf(e, sizeof(e), n->pod));
		if (n->container[0])
			ADD(" container %s", text_escape_buf(e, sizeof(e), n->container));
		ADD(")");
	} else if (n && n->container[0]) {
		ADD(" (container %s)", text_escape_buf(e, sizeof(e), n->container));
	}
	if (ev->has & EV_HAS_MEMCG)
		ADD(" in memcg %s", text_escape_buf(e, sizeof(e), ev->memcg));
	else
		ADD(" (constraint %s)", oom_constraint__name(ev->constraint));
	if (ev->has & EV_HAS_VICTIM && rss_known(v)) {
		format_bytes(b, sizeof(b), rss_pages(v) * ev->page_size);
		ADD(", %s rss", b);
	}
	if (ev->has & EV_HAS_VICTIM && v->has & TASK_HAS_POINTS)
		ADD(", points %" PRId64, v->points);
#undef ADD
	field(j, "MESSAGE", msg);
}

/* argv joined with spaces, as ps shows it (the JSON record has the exact array). */
static void cmdline_field(struct journal *j, const char *key, const struct oom_cmdline *cmd)
{
	char joined[OOM_CMDLINE_MAX];
	size_t n = cmd->len;

	if (!n)
		return;
	memcpy(joined, cmd->argv, n);
	for (size_t i = 0; i + 1 < n; i++)
		if (!joined[i])
			joined[i] = ' ';
	field_n(j, key, joined, n - 1);
}

static void task_fields(struct journal *j, const struct oom_event *ev, const struct oom_task *t,
			const char *who)
{
	char key[64];

#define KEY(s)	(snprintf(key, sizeof(key), "OOMTRACE_%s_%s", who, s), key)
	if (t->has & TASK_HAS_PID)
		field_fmt(j, KEY("PID"), "%d", t->pid);
	if (t->has & TASK_HAS_COMM)
		field(j, KEY("COMM"), t->comm);
	if (t->has & TASK_HAS_UID)
		field_fmt(j, KEY("UID"), "%u", t->uid);
	if (t->has & TASK_HAS_CGROUP) {
		struct cgroup_origin o;

		field(j, KEY("CGROUP"), t->cgroup);
		cgroup_origin_from_path(t->cgroup, &o);
		if (o.unit[0])
			field(j, KEY("UNIT"), o.unit);
		if (o.container_id[0])
			field(j, KEY("CONTAINER_ID"), o.container_id);
	}
	(void)ev;
#undef KEY
}

void journal__build(struct journal *j, const struct oom_event *ev)
{
	const struct oom_task *v = &ev->victim;

	j->len = 0;
	j->overflow = false;
	message(j, ev);
	field(j, "PRIORITY", "3");
	field(j, "SYSLOG_IDENTIFIER", "oomtrace");
	field(j, "MESSAGE_ID", JOURNAL_MESSAGE_ID);
	field_fmt(j, "OOMTRACE_SEQ", "%" PRIu64, ev->seq);
	field(j, "OOMTRACE_CONSTRAINT", oom_constraint__name(ev->constraint));
	if (ev->has & EV_HAS_MEMCG)
		field(j, "OOMTRACE_MEMCG", ev->memcg);
	if (ev->has & EV_HAS_VICTIM) {
		const struct oom_names *n = oom_event__names_of(ev, v);

		task_fields(j, ev, v, "VICTIM");
		if (v->has & TASK_HAS_ADJ)
			field_fmt(j, "OOMTRACE_VICTIM_OOM_SCORE_ADJ", "%d", v->oom_score_adj);
		if (v->has & TASK_HAS_POINTS)
			field_fmt(j, "OOMTRACE_VICTIM_POINTS", "%" PRId64, v->points);
		if (rss_known(v))
			field_fmt(j, "OOMTRACE_VICTIM_RSS_KB", "%" PRIu64,
				  rss_pages(v) * (ev->page_size / 1024));
		if (ev->has & EV_HAS_VICTIM_EXE)
			field(j, "OOMTRACE_VICTIM_EXE", ev->victim_cmd.exe);
		if (ev->has & EV_HAS_VICTIM_CMDLINE)
			cmdline_field(j, "OOMTRACE_VICTIM_CMDLINE", &ev->victim_cmd);
		if (n && n->ns[0])
			field(j, "OOMTRACE_NAMESPACE", n->ns);
		if (n && n->pod[0])
			field(j, "OOMTRACE_POD", n->pod);
		if (n && n->container[0])
			field(j, "OOMTRACE_CONTAINER", n->container);
	}
	field_fmt(j, "OOMTRACE_VICTIMS", "%" PRIu64, (uint64_t)ev->n_victims + ev->victims_dropped);
	if (ev->has & EV_HAS_TRIGGER) {
		task_fields(j, ev, &ev->trigger, "TRIGGER");
		if (ev->has & EV_HAS_TRIGGER_EXE)
			field(j, "OOMTRACE_TRIGGER_EXE", ev->trigger_cmd.exe);
		if (ev->has & EV_HAS_TRIGGER_CMDLINE)
			cmdline_field(j, "OOMTRACE_TRIGGER_CMDLINE", &ev->trigger_cmd);
	}
}

/* Too large for a datagram: the entry in a sealed memfd, its fd passed along. */
static int send_memfd(struct journal *j, const struct sockaddr_un *sa, socklen_t salen)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct msghdr mh = {
		.msg_name = (void *)sa, .msg_namelen = salen,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd, err = 0;
	ssize_t n;

	fd = memfd_create("oomtrace-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < j->len; off += (size_t)n) {
		n = write(fd, j->buf + off, j->len - off);
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			goto out;
		}
	}
	/* journald takes only a sealed memfd: it reads what cannot change */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)) {
		err = -errno;
		goto out;
	}
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(j->fd, &mh, MSG_NOSIGNAL) < 0)
		err = -errno;
out:
	close(fd);
	return err;
}

int journal__send(struct journal *j, const struct oom_event *ev)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t salen;
	int err = 0;

	journal__build(j, ev);
	memcpy(sa.sun_path, j->path, strlen(j->path) + 1);
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(j->path) + 1);
	if (sendto(j->fd, j->buf, j->len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		err = -errno;
	if (err == -EMSGSIZE || err == -ENOBUFS)
		err = send_memfd(j, &sa, salen);
	if (!err) {
		j->sent++;
		if (j->failing)
			log_warn("the journal (%s) takes events again", j->path);
		j->failing = false;
		return 0;
	}
	j->failed++;
	if (!j->failing)
		log_warn("cannot send OOM kill #%" PRIu64 " to the journal (%s): %s; the record "
			 "files go on", ev->seq, j->path, strerror(-err));
	j->failing = true;
	return err;
}
