// SPDX-License-Identifier: GPL-2.0
/*
 * record --journal: the entry as journald's native protocol decodes it
 * (KEY=value lines, the length form for values with a newline), through a
 * socket of our own, as a datagram and as a sealed memfd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"

#define MAXF 64

struct fields {
	size_t n;
	char key[MAXF][64];
	char val[MAXF][8192];
	size_t len[MAXF];
};

/* journald's server_process_native_message(), for what we send */
static int decode(const char *p, size_t n, struct fields *f)
{
	const char *end = p + n;

	f->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eq;
		size_t klen;

		if (!nl || f->n == MAXF)
			return -1;
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			klen = (size_t)(eq - p);
			f->len[f->n] = (size_t)(nl - eq - 1);
			memcpy(f->val[f->n], eq + 1, f->len[f->n]);
			p = nl + 1;
		} else {
			uint64_t l = 0;

			klen = (size_t)(nl - p);
			if (end - nl - 1 < 8)
				return -1;
			for (int i = 0; i < 8; i++)
				l |= (uint64_t)(unsigned char)nl[1 + i] << (8 * i);
			if (l >= sizeof(f->val[0]) || (size_t)(end - nl - 9) < l + 1 || nl[9 + l] != '\n')
				return -1;
			memcpy(f->val[f->n], nl + 9, l);
			f->len[f->n] = l;
			p = nl + 10 + l;
		}
		if (!klen || klen >= sizeof(f->key[0]))
			return -1;
		/* keys: A-Z, 0-9, _, not starting with _ (journald drops others) */
		if (p[0] == '_')
			return -1;
		memcpy(f->key[f->n], eq ? eq - klen : nl - klen, klen);
		f->key[f->n][klen] = '\0';
		for (size_t i = 0; i < klen; i++) {
			char c = f->key[f->n][i];

			if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
				return -1;
		}
		f->val[f->n][f->len[f->n]] = '\0';
		f->n++;
	}
	return 0;
}

static const char *get(const struct fields *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->key[i], key))
			return f->val[i];
	return NULL;
}

static struct oom_event *event(void)
{
	static const char argv[] = "python3\0-m\0worker\0--queue=a\nb\0";
	struct oom_event *ev = oom_event__new();
	struct oom_names *n;

	ev->seq = 7;
	ev->has = EV_HAS_VICTIM | EV_HAS_TRIGGER | EV_HAS_MEMCG | EV_HAS_VICTIM_CMDLINE |
		  EV_HAS_VICTIM_EXE;
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	snprintf(ev->memcg, sizeof(ev->memcg), "/kubepods/pod1");
	ev->victim.has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_CGROUP | TASK_HAS_POINTS |
			 TASK_HAS_MEM;
	ev->victim.pid = 4242;
	ev->victim.points = 1203;
	ev->victim.rss_anon_pages = 256;
	snprintf(ev->victim.comm, sizeof(ev->victim.comm), "ja\nva");
	snprintf(ev->victim.cgroup, sizeof(ev->victim.cgroup),
		 "/kubepods/pod1/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope");
	ev->trigger = ev->victim;
	ev->trigger.pid = 17;
	memcpy(ev->victim_cmd.argv, argv, sizeof(argv) - 1);
	ev->victim_cmd.len = sizeof(argv) - 1;
	snprintf(ev->victim_cmd.exe, sizeof(ev->victim_cmd.exe), "/usr/bin/python3.11");
	n = oom_event__add_names(ev, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	snprintf(n->ns, sizeof(n->ns), "shop");
	snprintf(n->pod, sizeof(n->pod), "cart-7d9");
	snprintf(n->container, sizeof(n->container), "app");
	return ev;
}

static int receiver(char *path, size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(path, size, "/tmp/oomtrace-journal-test.%d", getpid());
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* One datagram, or the memfd it carries. */
static size_t receive(int fd, char *buf, size_t size, bool *ret_memfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	assert_true(n >= 0);
	cm = CMSG_FIRSTHDR(&mh);
	*ret_memfd = cm && cm->cmsg_type == SCM_RIGHTS;
	if (*ret_memfd) {
		int mfd;

		assert_int_equal(n, 0);
		memcpy(&mfd, CMSG_DATA(cm), sizeof(int));
		/* journald refuses an unsealed one */
		assert_int_equal(fcntl(mfd, F_GET_SEALS) & (F_SEAL_WRITE | F_SEAL_SHRINK),
				 F_SEAL_WRITE | F_SEAL_SHRINK);
		n = pread(mfd, buf, size, 0);
		close(mfd);
	}
	return (size_t)n;
}

static void test_entry(void **state)
{
	static struct fields f;
	static char buf[1 << 17];
	struct oom_event *ev = event();
	struct journal j;
	char path[108];
	int rfd = receiver(path, sizeof(path));
	bool memfd;
	size_t n;

	(void)state;
	assert_int_equal(journal__init(&j, path), 0);
	assert_int_equal(journal__send(&j, ev), 0);
	n = receive(rfd, buf, sizeof(buf), &memfd);
	assert_false(memfd);
	assert_int_equal(decode(buf, n, &f), 0);
	assert_string_equal(get(&f, "MESSAGE"), "OOM kill: pid 4242 \"ja\\nva\" (pod shop/cart-7d9 "
				"container app) in memcg /kubepods/pod1, 1.0 MiB rss, points 1203");
	assert_string_equal(get(&f, "PRIORITY"), "3");
	assert_string_equal(get(&f, "SYSLOG_IDENTIFIER"), "oomtrace");
	assert_string_equal(get(&f, "MESSAGE_ID"), JOURNAL_MESSAGE_ID);
	assert_string_equal(get(&f, "OOMTRACE_SEQ"), "7");
	assert_string_equal(get(&f, "OOMTRACE_VICTIM_PID"), "4242");
	/* raw bytes, newline and all, in the length form */
	assert_string_equal(get(&f, "OOMTRACE_VICTIM_COMM"), "ja\nva");
	assert_string_equal(get(&f, "OOMTRACE_VICTIM_CMDLINE"), "python3 -m worker --queue=a\nb");
	assert_string_equal(get(&f, "OOMTRACE_VICTIM_EXE"), "/usr/bin/python3.11");
	assert_string_equal(get(&f, "OOMTRACE_VICTIM_POINTS"), "1203");
	assert_string_equal(get(&f, "OOMTRACE_VICTIM_RSS_KB"), "1024");
	assert_string_equal(get(&f, "OOMTRACE_POD"), "cart-7d9");
	assert_string_equal(get(&f, "OOMTRACE_NAMESPACE"), "shop");
	assert_string_equal(get(&f, "OOMTRACE_CONTAINER"), "app");
	assert_string_equal(get(&f, "OOMTRACE_TRIGGER_PID"), "17");
	assert_string_equal(get(&f, "OOMTRACE_MEMCG"), "/kubepods/pod1");
	assert_string_equal(get(&f, "OOMTRACE_CONSTRAINT"), "memcg");
	assert_int_equal(j.sent, 1);

	/* too large for a datagram here: a sealed memfd, decoded the same */
	{
		int small = 1024;	/* the kernel makes it about 4.5 KiB */

		memset(ev->victim_cmd.argv, 'a', sizeof(ev->victim_cmd.argv));
		ev->victim_cmd.argv[sizeof(ev->victim_cmd.argv) - 1] = '\0';
		ev->victim_cmd.len = sizeof(ev->victim_cmd.argv);
		ev->trigger_cmd = ev->victim_cmd;
		ev->has |= EV_HAS_TRIGGER_CMDLINE;
		assert_int_equal(setsockopt(j.fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
		assert_int_equal(journal__send(&j, ev), 0);
		n = receive(rfd, buf, sizeof(buf), &memfd);
		assert_true(memfd);
		assert_int_equal(decode(buf, n, &f), 0);
		assert_int_equal(strlen(get(&f, "OOMTRACE_VICTIM_CMDLINE")), OOM_CMDLINE_MAX - 1);
	}

	/* nobody listening: counted, and the caller goes on */
	close(rfd);
	unlink(path);
	assert_true(journal__send(&j, ev) < 0);
	assert_int_equal(j.failed, 1);
	assert_true(j.failing);
	journal__free(&j);
	oom_event__free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
