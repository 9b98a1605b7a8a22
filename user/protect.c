// SPDX-License-Identifier: GPL-2.0
/* Self-protection against the OOM killer and reclaim. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "protect.h"

static int write_adj(const char *value)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

int protect_self(void)
{
	int ret = 0, err;

	err = write_adj("-1000");
	if (err) {
		log_warn("cannot set oom_score_adj to -1000 (%s): the OOM killer may pick "
			 "oomtrace itself; run with CAP_SYS_RESOURCE to protect it", strerror(-err));
		ret = err;
	}
	if (mlockall(MCL_CURRENT | MCL_FUTURE)) {
		err = -errno;
		log_warn("cannot lock memory (%s): under pressure oomtrace may be slowed by "
			 "reclaim; raise RLIMIT_MEMLOCK to avoid it", strerror(-err));
		if (!ret)
			ret = err;
	}
	return ret;
}
