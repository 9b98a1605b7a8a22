/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Durable JSON Lines files for `oomtrace record`.
 *
 * A record is rendered whole into a preallocated buffer (record_buf), then
 * written with one write() and fdatasync()ed before the next is taken: a
 * crash leaves every earlier record on disk, and at worst a torn last line
 * that readers skip (jsonl_reader.h). A write cut short (a full disk) is
 * truncated away at once, and a file found ending without its newline gets
 * one before the next record, so a torn line never swallows a good one.
 *
 * Rotation (--max-size, --max-files) follows logrotate's numbering: the
 * active file PATH, then PATH.1 (newest) .. PATH.N-1 (oldest, deleted at
 * the next rotation). A record is never split across files, and renames
 * happen only after the old file is synced, so a burst across a rotation
 * loses nothing. Files are created 0640 (an existing wider file is narrowed).
 */
#ifndef OOMTRACE_RECORD_FILE_H
#define OOMTRACE_RECORD_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RECORD_FILE_NAME "oomtrace.jsonl"	/* in --output DIR */
#define RECORD_FILE_MODE 0640

struct record_file {
	char path[PATH_MAX];	/* the active file */
	char dir[PATH_MAX];	/* its directory, fsynced after renames */
	int fd;			/* -1 while it cannot be opened */
	uint64_t max_size;	/* rotate before a record would pass it; 0 = never */
	unsigned int max_files;	/* files kept, the active one included */
	bool need_newline;	/* it ends inside a line: terminate that first */
	uint64_t rotations;
	uint64_t bytes_synced;	/* written and fdatasync'ed, all files */
};

/*
 * Where records go: output is a directory (existing, or named with a
 * trailing '/', created 0750) holding RECORD_FILE_NAME, or a file path.
 * Then open it. Returns 0, or -errno: rf is then still set up, with fd -1,
 * and record_file__write retries the open.
 */
int record_file__open(struct record_file *rf, const char *output, uint64_t max_size,
		      unsigned int max_files);
/* Close and open again (SIGHUP: logrotate moved it). 0 or -errno. */
int record_file__reopen(struct record_file *rf);
void record_file__close(struct record_file *rf);
/*
 * Append one whole record (ending in '\n'), rotating first if it would pass
 * max_size, and fdatasync it. 0, or -errno with nothing of the record left
 * in the file when the write itself failed (-EIO from fdatasync: the bytes
 * may be there or not).
 */
int record_file__write(struct record_file *rf, const void *buf, size_t len);
/* The name of rotated file n (1 = newest): "PATH.n". 0 or -ENAMETOOLONG. */
int record_file__rotated_name(const char *path, unsigned int n, char *buf, size_t size);

/*
 * A render target in memory, allocated once: stdio writes into it (no
 * allocation per record), and the whole record is then written at once.
 */
struct record_buf {
	char *data;
	size_t len, cap;
	bool overflow;		/* the last record did not fit */
	FILE *f;
	char stdio_buf[4096];
};

int record_buf__init(struct record_buf *b, size_t cap);
void record_buf__free(struct record_buf *b);
/* Start a record: the stream to render into. */
FILE *record_buf__begin(struct record_buf *b);
/* End it: 0, or -ENOSPC if it did not fit (then it must not be written). */
int record_buf__end(struct record_buf *b);

#endif
