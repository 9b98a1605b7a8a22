// SPDX-License-Identifier: GPL-2.0
/* The reader of small kernel files, and the formats more than one stage parses. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs_read.h"

size_t procfs_line_len(const char *s, const char **next)
{
	const char *nl = strchr(s, '\n');

	if (!nl) {
		*next = NULL;
		return strlen(s);
	}
	*next = nl + 1;
	return (size_t)(nl - s);
}

int procfs_parse_u64_prefix(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

int procfs_parse_list_max(const char *buf, uint64_t *ret)
{
	const char *p = buf;
	uint64_t v, max = 0;

	for (;;) {
		if (procfs_parse_u64_prefix(p, &v))
			return -EINVAL;
		while (*p == ' ' || *p == '\t')
			p++;
		while (*p >= '0' && *p <= '9')
			p++;
		if (v > max)
			max = v;
		if (*p != ',' && *p != '-')
			break;
		p++;
	}
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*ret = max;
	return 0;
}

const char *procfs_key_value(const char *l, size_t len, const char *key)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(l, key, k))
		return NULL;
	return l + k;
}

int procfs_parse_int(const char *buf, int64_t min, int64_t max, int64_t *ret)
{
	bool neg = false;
	uint64_t v;
	const char *s = buf;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9' || procfs_parse_u64_prefix(s, &v))
		return -EINVAL;
	while (*s >= '0' && *s <= '9')
		s++;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s || v > (uint64_t)INT64_MAX)
		return -EINVAL;
	if ((neg ? -(int64_t)v : (int64_t)v) < min || (neg ? -(int64_t)v : (int64_t)v) > max)
		return -EINVAL;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

int procfs_parse_meminfo(const char *buf, struct proc_meminfo *m)
{
	static const struct {
		const char *key;
		size_t off;
		uint32_t bit;
	} keys[] = {
		{ "MemTotal:", offsetof(struct proc_meminfo, mem_total_kb), MI_HAS_TOTAL },
		{ "MemFree:", offsetof(struct proc_meminfo, mem_free_kb), 0 },
		{ "MemAvailable:", offsetof(struct proc_meminfo, mem_available_kb), MI_HAS_AVAILABLE },
		{ "SwapTotal:", offsetof(struct proc_meminfo, swap_total_kb), MI_HAS_SWAP },
		{ "SwapFree:", offsetof(struct proc_meminfo, swap_free_kb), 0 },
		{ "CommitLimit:", offsetof(struct proc_meminfo, commit_limit_kb), MI_HAS_COMMIT },
		{ "Committed_AS:", offsetof(struct proc_meminfo, committed_as_kb), 0 },
	};
	const char *l, *next, *val;
	uint64_t v;

	memset(m, 0, sizeof(*m));
	for (l = buf; l && *l; l = next) {
		size_t len = procfs_line_len(l, &next);
		char line[128];

		if (len >= sizeof(line))
			continue;
		memcpy(line, l, len);
		line[len] = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (!(val = procfs_key_value(line, len, keys[i].key)))
				continue;
			if (procfs_parse_u64_prefix(val, &v) || v > PROCFS_MAX_KB)
				return -EINVAL;
			*(uint64_t *)((char *)m + keys[i].off) = v;
			m->has |= keys[i].bit;
			break;
		}
	}
	return m->has & MI_HAS_TOTAL ? 0 : -EINVAL;
}

int procfs_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		if (size)
			buf[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}

int procfs_read_file(const char *path, char *buf, size_t size)
{
	size_t used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (used + 1 < size) {
		ssize_t n = read(fd, buf + used, size - 1 - used);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return (int)n;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used + 1 >= size) {
		char c;

		if (read(fd, &c, 1) == 1) {
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	buf[used] = '\0';
	return (int)used;
}

int procfs_read_line(const char *path, char *buf, size_t size)
{
	int n = procfs_read_file(path, buf, size);

	if (n < 0) {
		if (size)
			buf[0] = '\0';
		return n;
	}
	buf[strcspn(buf, "\n")] = '\0';
	return (int)strlen(buf);
}

int procfs_find_key_u64(const char *buf, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	const char *l, *next, *num;
	char *end;

	for (l = buf; l && *l; l = next) {
		procfs_line_len(l, &next);
		if (strncmp(l, key, klen) || l[klen] != ' ')
			continue;
		num = l + klen + 1;
		/* strtoull would skip blanks, the newline too, into the next line */
		if (*num < '0' || *num > '9')
			return -EINVAL;
		errno = 0;
		*ret = strtoull(num, &end, 10);
		if (errno || end == num || (*end && *end != '\n'))
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

int procfs_read_key_u64(const char *path, const char *key, uint64_t *ret)
{
	char buf[16384];
	int n = procfs_read_file(path, buf, sizeof(buf));

	return n < 0 ? n : procfs_find_key_u64(buf, key, ret);
}
