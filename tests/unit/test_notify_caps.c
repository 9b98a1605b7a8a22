// SPDX-License-Identifier: GPL-2.0
/* The systemd notify datagram (to a socket of our own) and capability helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "caps.h"
#include "notify.h"

static int bound_socket(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	strcpy(sa->sun_path, name);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));
	if (name[0] == '@')
		sa->sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)sa, *len), 0);
	return fd;
}

static void test_notify(void **state)
{
	char path[64], abstract[64], buf[256];
	struct sockaddr_un sa;
	socklen_t len;
	ssize_t n;
	int fd;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 1);	/* not under systemd */
	snprintf(path, sizeof(path), "/tmp/oomtrace-notify-%d", getpid());
	unlink(path);
	fd = bound_socket(path, &sa, &len);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_send("READY=1\nSTATUS=recording"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1\nSTATUS=recording");
	close(fd);
	unlink(path);
	/* the abstract namespace */
	snprintf(abstract, sizeof(abstract), "@oomtrace-notify-%d", getpid());
	fd = bound_socket(abstract, &sa, &len);
	setenv("NOTIFY_SOCKET", abstract, 1);
	assert_int_equal(notify_send("STOPPING=1"), 0);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	assert_string_equal(buf, "STOPPING=1");
	close(fd);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_true(notify_send("READY=1") < 0);
	unsetenv("NOTIFY_SOCKET");
}

static void test_caps_helpers(void **state)
{
	char names[128];
	struct cap_sets cs;

	(void)state;
	caps_names(CAPBIT(14) | CAPBIT(39), names, sizeof(names));
	assert_string_equal(names, "cap_ipc_lock,cap_bpf");
	caps_names(0, names, sizeof(names));
	assert_string_equal(names, "");
	caps_names(CAPBIT(62), names, sizeof(names));
	assert_string_equal(names, "cap_62");
	assert_int_equal(caps_read(NULL, &cs), 0);
	assert_true((cs.eff & ~cs.prm) == 0);		/* effective within permitted */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_caps_helpers),
	};

	return cmocka_run_group_tests_name("notify_caps", tests, NULL, NULL);
}
