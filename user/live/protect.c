// SPDX-License-Identifier: GPL-2.0
/* Self-protection against the OOM killer and reclaim. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "procfs_read.h"
#include "protect.h"

static bool memory_locked;

static int read_adj(int *ret)
{
	char buf[16];
	int64_t v;
	int n = procfs_read_file("/proc/self/oom_score_adj", buf, sizeof(buf));

	if (n < 0)
		return n;
	if (procfs_parse_int(buf, -1000, 1000, &v))
		return -EIO;
	*ret = (int)v;
	return 0;
}

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

void protect_heap_policy(void)
{
	/*
	 * glibc raises its mmap threshold to the size of any mmapped block
	 * freed (the kernel's BTF, the recorder's scan buffers: megabytes),
	 * after which blocks that large come from the heap, and freeing them
	 * leaves holes in it. mlockall() makes a mapping resident whole, holes
	 * included. A fixed threshold keeps every large block in a mapping of
	 * its own, gone from the process once freed.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
}

bool protect_adj_min(void)
{
	int adj = 0;

	return !read_adj(&adj) && adj == -1000;
}

bool protect_memory_locked(void)
{
	return memory_locked;
}

int protect_self(void)
{
	int ret = 0, err;

	err = protect_adj_min() ? 0 : write_adj("-1000");
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
	} else {
		memory_locked = true;
	}
	return ret;
}
