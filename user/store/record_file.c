// SPDX-License-Identifier: GPL-2.0
/* Durable, rotated JSON Lines files: one write() and one fdatasync() per record. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record_file.h"
#include "write_all.h"

int record_file__rotated_name(const char *path, unsigned int n, char *buf, size_t size)
{
	int len = n ? snprintf(buf, size, "%s.%u", path, n) : snprintf(buf, size, "%s", path);

	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

/* PATH or DIR/oomtrace.jsonl, and the directory that holds it. */
static int resolve(struct record_file *rf, const char *output)
{
	size_t len = strlen(output);
	struct stat st;
	bool is_dir = (len && output[len - 1] == '/') ||
		      (!stat(output, &st) && S_ISDIR(st.st_mode));
	char tmp[PATH_MAX];
	int n;

	if (!len)
		return -EINVAL;
	if (is_dir) {
		n = snprintf(rf->dir, sizeof(rf->dir), "%s", output);
		if (n < 0 || (size_t)n >= sizeof(rf->dir))
			return -ENAMETOOLONG;
		while (n > 1 && rf->dir[n - 1] == '/')
			rf->dir[--n] = '\0';
		n = snprintf(rf->path, sizeof(rf->path), "%s/%s", rf->dir, RECORD_FILE_NAME);
		if (n < 0 || (size_t)n >= sizeof(rf->path))
			return -ENAMETOOLONG;
		/* a directory we were told to use is made if missing; its parent is not */
		if (mkdir(rf->dir, 0750) && errno != EEXIST)
			return -errno;
		return 0;
	}
	n = snprintf(rf->path, sizeof(rf->path), "%s", output);
	if (n < 0 || (size_t)n >= sizeof(rf->path))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s", output);
	snprintf(rf->dir, sizeof(rf->dir), "%s", dirname(tmp));
	return 0;
}

static int open_active(struct record_file *rf)
{
	struct stat st;
	char last;
	int fd, err;

	/* O_NOFOLLOW: a root daemon does not write through a planted symlink */
	fd = open(rf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  RECORD_FILE_MODE);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto fail;
	}
	/* records of other users' processes: no wider than 0640 */
	if (st.st_mode & 07137 && fchmod(fd, st.st_mode & RECORD_FILE_MODE)) {
		err = -errno;
		goto fail;
	}
	rf->need_newline = false;
	if (st.st_size > 0) {
		int rfd = open(rf->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

		/* a torn tail from a crash: the next record must start on its own line */
		if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			rf->need_newline = true;
		if (rfd >= 0)
			close(rfd);
	}
	rf->fd = fd;
	return 0;
fail:
	close(fd);
	return err;
}

int record_file__open(struct record_file *rf, const char *output, uint64_t max_size,
		      unsigned int max_files)
{
	int err;

	memset(rf, 0, sizeof(*rf));
	rf->fd = -1;
	rf->max_size = max_size;
	rf->max_files = max_files ? max_files : 1;
	err = resolve(rf, output);
	if (err && !rf->path[0])
		return err;
	return err ? err : open_active(rf);
}

void record_file__close(struct record_file *rf)
{
	if (rf->fd >= 0)
		close(rf->fd);
	rf->fd = -1;
}

int record_file__reopen(struct record_file *rf)
{
	record_file__close(rf);
	/* the directory may be gone too (logrotate olddir, a cleanup): make it again */
	if (!strcmp(strrchr(rf->path, '/') ? strrchr(rf->path, '/') + 1 : rf->path,
		    RECORD_FILE_NAME))
		mkdir(rf->dir, 0750);
	return open_active(rf);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Rotate now (--max-size reached). 0 or -errno; the active file stays usable. */
static int record_file__rotate(struct record_file *rf)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 16];
	int err = 0;

	if (rf->fd >= 0 && fdatasync(rf->fd))
		return -errno;
	if (rf->max_files <= 1) {
		/* nothing is kept: start the file anew */
		if (unlink(rf->path) && errno != ENOENT)
			return -errno;
	} else {
		/* oldest first, so a crash half-way leaves a gap in names, not in records */
		for (unsigned int n = rf->max_files - 1; n >= 1; n--) {
			if (record_file__rotated_name(rf->path, n - 1, from, sizeof(from)) ||
			    record_file__rotated_name(rf->path, n, to, sizeof(to)))
				return -ENAMETOOLONG;
			if (rename(from, to) && errno != ENOENT) {
				err = -errno;
				break;
			}
		}
		if (err)
			return err;
	}
	sync_dir(rf->dir);
	record_file__close(rf);
	rf->rotations++;
	return open_active(rf);
}

int record_file__write(struct record_file *rf, const void *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int err;

	if (rf->fd < 0 && (err = open_active(rf)))
		return err;
	if (rf->need_newline) {
		if (write(rf->fd, "\n", 1) != 1)
			return errno ? -errno : -EIO;
		rf->need_newline = false;
	}
	/* the size on disk, not a count of ours: logrotate's copytruncate may cut it */
	if (fstat(rf->fd, &st))
		return -errno;
	if (rf->max_size && st.st_size > 0 && (uint64_t)st.st_size + len > rf->max_size) {
		err = record_file__rotate(rf);
		if (err && rf->fd < 0)
			return err;	/* else: keep writing past the size, lose nothing */
		if (!err && fstat(rf->fd, &st))
			return -errno;
	}
	errno = 0;
	n = write(rf->fd, buf, len);
	if (n != (ssize_t)len) {
		err = n < 0 ? -errno : -ENOSPC;
		/* take the partial record back out; failing that, end it before the next */
		if (n > 0 && ftruncate(rf->fd, st.st_size))
			rf->need_newline = true;
		return err ? err : -EIO;
	}
	if (fdatasync(rf->fd))
		return -errno;
	rf->bytes_synced += len;
	return 0;
}

static ssize_t buf_write(void *cookie, const char *data, size_t size)
{
	struct record_buf *b = cookie;
	size_t room = b->cap - b->len, n = size < room ? size : room;

	memcpy(b->data + b->len, data, n);
	b->len += n;
	if (n < size)
		b->overflow = true;
	return (ssize_t)size;	/* stdio must not retry: the overflow is noted */
}

int record_buf__init(struct record_buf *b, size_t cap)
{
	cookie_io_functions_t io = { .write = buf_write };

	memset(b, 0, sizeof(*b));
	b->data = malloc(cap);
	if (!b->data)
		return -ENOMEM;
	memset(b->data, 0, cap);	/* touched now, not under pressure later */
	b->cap = cap;
	b->f = fopencookie(b, "w", io);
	if (!b->f) {
		free(b->data);
		return -ENOMEM;
	}
	setvbuf(b->f, b->stdio_buf, _IOFBF, sizeof(b->stdio_buf));
	return 0;
}

void record_buf__free(struct record_buf *b)
{
	if (b->f)
		fclose(b->f);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

FILE *record_buf__begin(struct record_buf *b)
{
	fflush(b->f);
	b->len = 0;
	b->overflow = false;
	return b->f;
}

int record_buf__end(struct record_buf *b)
{
	fflush(b->f);
	return b->overflow ? -ENOSPC : 0;
}
