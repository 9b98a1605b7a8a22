/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one reader of the kernel's small text files (/proc, /sys, cgroupfs),
 * and the formats more than one stage parses. Reads go with open/read into
 * the caller's buffer: nothing is allocated, so a recorder can read them
 * while the machine is out of memory. Parsers take text, so the fuzzer and
 * the unit tests feed them directly; readers take a path, so tests can point
 * them at fixtures.
 */
#ifndef OOMTRACE_PROCFS_READ_H
#define OOMTRACE_PROCFS_READ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Far above any real machine (2^48 pages is 1 EiB), low enough that the
 * scoring arithmetic (points x 1000) cannot overflow: larger values are
 * treated as malformed.
 */
#define PROCFS_MAX_PAGES (1ull << 48)
#define PROCFS_MAX_KB (PROCFS_MAX_PAGES * 4)

/* /proc/meminfo, in kB. */
enum {
	MI_HAS_TOTAL = 1u << 0,
	MI_HAS_AVAILABLE = 1u << 1,	/* 3.14+ */
	MI_HAS_SWAP = 1u << 2,
	MI_HAS_COMMIT = 1u << 3,
};

struct proc_meminfo {
	uint32_t has;
	uint64_t mem_total_kb;
	uint64_t mem_free_kb;
	uint64_t mem_available_kb;
	uint64_t swap_total_kb;
	uint64_t swap_free_kb;
	uint64_t committed_as_kb;
	uint64_t commit_limit_kb;
};

/*
 * snprintf for paths: -ENAMETOOLONG instead of a silently truncated path
 * (which could name another file). Returns 0.
 */
int procfs_path(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Read a whole small file into buf (NUL-terminated). Returns its length, or
 * -errno (-EFBIG when it does not fit).
 */
int procfs_read_file(const char *path, char *buf, size_t size);
/* Its first line, without the newline ("" on failure): the length, or -errno. */
int procfs_read_line(const char *path, char *buf, size_t size);
/*
 * The number after "key " on a line of "key value" text (vmstat,
 * memory.events): 0, -ENOENT (no such key) or -EINVAL (not a number).
 */
int procfs_find_key_u64(const char *buf, const char *key, uint64_t *ret);
/* The same, of a file. */
int procfs_read_key_u64(const char *path, const char *key, uint64_t *ret);

/* A whole decimal integer, optionally signed, surrounded by whitespace only. */
int procfs_parse_int(const char *buf, int64_t min, int64_t max, int64_t *ret);
/*
 * The highest number of a kernel list ("0", "0-3", "0,2-5\n": a node or
 * CPU mask as sysfs prints it): 0 or -EINVAL (empty or not a list).
 */
int procfs_parse_list_max(const char *buf, uint64_t *ret);
/* Fills what it finds; -EINVAL when the text is not meminfo (no MemTotal). */
int procfs_parse_meminfo(const char *buf, struct proc_meminfo *m);

/* Pieces for line parsers. */
/* The line starting at s, its length without the newline; *next after it (NULL at the end). */
size_t procfs_line_len(const char *s, const char **next);
/* Leading blanks, then a decimal number; stops at the first non-digit. 0 or -EINVAL. */
int procfs_parse_u64_prefix(const char *s, uint64_t *ret);
/* "Key:" at the start of line l (of length len)? Then the value after it, else NULL. */
const char *procfs_key_value(const char *l, size_t len, const char *key);

#endif
