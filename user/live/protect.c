// SPDX-License-Identifier: GPL-2.0
/* Self-protection against the OOM killer and reclaim. */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "procfs_read.h"
#include "protect.h"

/* stack the event path may use beyond what start-up touched (it uses less) */
#define STACK_HEADROOM (32 << 10)

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

/*
 * Bring in (and lock) every mapping but the stack, [vdso]/[vvar] and the
 * BPF maps (resident already): as plain mlockall would.
 */
static int populate_but_stack(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512], perms[8];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end;
		int name = 0;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &start, &end, perms, &name) < 3 || !name)
			continue;
		/* no access (guard gaps, a library's padding): nothing to bring in */
		if (!strncmp(perms, "---", 3) || line[name] == '[' ||
		    !strncmp(line + name, "anon_inode:", 11))
			continue;
		if (line[name] != '/' && line[name] != '\0')
			continue;
		/* as mlockall does, a range that cannot be brought in is passed over */
		mlock((void *)(uintptr_t)start, end - start);
	}
	fclose(f);
	return 0;
}

/* The stack the event path may use, in (and locked with the rest) now. */
static __attribute__((noinline)) void touch_stack(void)
{
	volatile char headroom[STACK_HEADROOM];

	for (size_t i = 0; i < sizeof(headroom); i += 1024)
		headroom[i] = 0;
}

/*
 * Everything locked and resident, as mlockall(MCL_CURRENT | MCL_FUTURE)
 * makes it, but for the stack: that brings in the whole 128 KiB the kernel
 * sets up, where the event path needs a few pages (STACK_HEADROOM, touched
 * before). MCL_ONFAULT locks the stack's pages in use; every other mapping
 * is then locked whole. Kernels before 4.4 have no MCL_ONFAULT: plain
 * mlockall there.
 */
static int lock_memory(void)
{
	touch_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) {
		if (errno != EINVAL)
			return -1;
		return mlockall(MCL_CURRENT | MCL_FUTURE);
	}
	if (populate_but_stack()) {
		int err = errno;

		munlockall();
		errno = err;
		return -1;
	}
	return 0;
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
	if (lock_memory()) {
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

void protect_release(const void *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~((uintptr_t)page - 1);

	if (!p || end <= start)
		return;
	/* a locked page cannot be dropped: unlock just this range first */
	if (memory_locked)
		munlock((void *)start, end - start);
	madvise((void *)start, end - start, MADV_DONTNEED);
}

void protect_release_code(const char *const *libs, size_t n)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end;
		char perms[8];
		const char *base;
		int name = 0;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &start, &end, perms, &name) < 3 ||
		    !name || line[name] != '/' || strcmp(perms, "r-xp"))
			continue;
		line[strcspn(line, "\n")] = '\0';
		base = strrchr(line + name, '/') + 1;
		for (size_t i = 0; i < n; i++)
			if (!strncmp(base, libs[i], strlen(libs[i])))
				protect_release((void *)(uintptr_t)start, end - start);
	}
	fclose(f);
}
