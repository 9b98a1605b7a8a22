/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the bench programs (header-only: each is one file). */
#ifndef OOMTRACE_BENCH_UTIL_H
#define OOMTRACE_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* 0 or -errno */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The value of "KEY N" in a file of such lines (memory.oom_control, vmstat); 0 or -errno. */
static inline int read_key(const char *path, const char *key, uint64_t *ret)
{
	char line[256];
	size_t n = strlen(key);
	FILE *f = fopen(path, "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ') {
			*ret = strtoull(line + n + 1, NULL, 10);
			err = 0;
			break;
		}
	fclose(f);
	return err;
}

static inline int read_u64(const char *path, uint64_t *ret)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	*ret = strtoull(buf, NULL, 10);
	return 0;
}

static inline uint64_t memcg_oom_kills(const char *cg)
{
	char path[512];
	uint64_t v = 0;

	snprintf(path, sizeof(path), "%s/memory.oom_control", cg);
	read_key(path, "oom_kill", &v);
	return v;
}

/*
 * The OOM victim: join the memory cgroup, then touch fresh anonymous pages
 * one at a time until the OOM killer ends it. Before each touch it stores
 * the time, so the last one stored is the time just before the fault that
 * crossed the limit. Never returns.
 */
static inline void grow_until_killed(const char *cg, volatile uint64_t *t_last)
{
	size_t len = 1ull << 30, page = 4096;
	char path[512];
	char *p;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	if (write_str(path, "0"))
		_exit(3);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		_exit(4);
	for (size_t off = 0; off < len; off += page) {
		*t_last = now_ns();
		__asm__ __volatile__("" ::: "memory");
		p[off] = 1;
	}
	_exit(5);	/* a 1 GiB limit is not what a bench sets */
}

#endif
