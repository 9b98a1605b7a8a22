// SPDX-License-Identifier: GPL-2.0
/* The cache of minimal kernel BTF (btf_cache.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <linux/btf.h>
#include <bpf/btf.h>

#include "btf_cache.h"
#include "btf_min.h"
#include "direct_walk.h"
#include "log.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"
#define CACHE_MAX (16u << 20)

struct cache_hdr {
	char magic[8];
	uint32_t version;	/* of this layout */
	uint32_t payload_len;
	uint32_t payload_crc;
	uint32_t pad;
	struct btf_cache_key key;
};
_Static_assert(sizeof(struct btf_cache_key) == 224, "no implicit padding in the key");
_Static_assert(sizeof(struct cache_hdr) == 24 + 224, "no implicit padding in the header");

static int read_all(int fd, void *buf, size_t cap, size_t *ret_len)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t n = read(fd, (char *)buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

/* The GNU build id among the kernel's notes (/sys/kernel/notes). */
static void kernel_build_id(struct btf_cache_key *k)
{
	unsigned char notes[4096];
	size_t len = 0, off = 0;
	int fd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (read_all(fd, notes, sizeof(notes), &len))
		len = 0;
	close(fd);
	while (off + 12 <= len) {
		uint32_t namesz, descsz, type;
		size_t name_off = off + 12, desc_off;

		memcpy(&namesz, notes + off, 4);
		memcpy(&descsz, notes + off + 4, 4);
		memcpy(&type, notes + off + 8, 4);
		if (namesz > len || descsz > len)
			return;
		desc_off = name_off + ((namesz + 3) & ~3u);
		if (desc_off + descsz > len)
			return;
		if (type == 3 && namesz == 4 && !memcmp(notes + name_off, "GNU", 4) &&
		    descsz > 0 && descsz <= sizeof(k->build_id)) {
			memcpy(k->build_id, notes + desc_off, descsz);
			k->build_id_len = descsz;
			return;
		}
		off = desc_off + ((descsz + 3) & ~3u);
	}
}

/* Without a build id: the CRC-32 of the kernel's BTF itself. */
static int kernel_btf_crc(uint32_t *ret)
{
	unsigned char buf[65536];
	uLong crc = crc32(0, NULL, 0);
	int fd = open(KERNEL_BTF, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		if (n == 0)
			break;
		crc = crc32(crc, buf, (uInt)n);
	}
	close(fd);
	*ret = (uint32_t)crc;
	return 0;
}

int btf_cache_key_now(const void *obj, size_t obj_size, struct btf_cache_key *k)
{
	struct utsname u;
	struct stat st;

	memset(k, 0, sizeof(*k));
	if (stat(KERNEL_BTF, &st))
		return -errno;
	k->btf_size = (uint64_t)st.st_size;
	k->obj_size = obj_size;
	k->obj_crc = (uint32_t)crc32(crc32(0, NULL, 0), obj, (uInt)obj_size);
	if (!uname(&u)) {
		snprintf(k->release, sizeof(k->release), "%s", u.release);
		snprintf(k->version, sizeof(k->version), "%s", u.version);
	}
	kernel_build_id(k);
	if (!k->build_id_len) {
		uint32_t crc;
		int err = kernel_btf_crc(&crc);

		if (err)
			return err;
		memcpy(k->build_id, &crc, sizeof(crc));
	}
	return 0;
}

int btf_cache_parse(const void *buf, size_t len, const struct btf_cache_key *key,
		    const void **payload, size_t *payload_len)
{
	struct cache_hdr h;
	const unsigned char *p = (const unsigned char *)buf + sizeof(h);
	struct btf_header bh;
	struct btf *btf;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, BTF_CACHE_MAGIC, sizeof(h.magic)) || h.version != 1 || h.pad)
		return -EINVAL;
	if (h.payload_len != len - sizeof(h) || h.payload_len < sizeof(bh) ||
	    h.payload_len > CACHE_MAX)
		return -EINVAL;
	if ((uint32_t)crc32(crc32(0, NULL, 0), p, h.payload_len) != h.payload_crc)
		return -EINVAL;
	if (memcmp(&h.key, key, sizeof(h.key)))
		return -ESTALE;
	memcpy(&bh, p, sizeof(bh));
	if (bh.magic != BTF_MAGIC || bh.hdr_len < sizeof(bh) || bh.hdr_len > h.payload_len)
		return -EINVAL;
	/* libbpf's own checks, as it will parse it again */
	btf = btf__new(p, h.payload_len);
	if (!btf)
		return -EINVAL;
	btf__free(btf);
	*payload = p;
	*payload_len = h.payload_len;
	return 0;
}

void *btf_cache_format(const struct btf_cache_key *key, const void *payload, size_t len,
		       size_t *ret_len)
{
	struct cache_hdr h = { .version = 1 };
	unsigned char *out;

	if (len > CACHE_MAX || !(out = malloc(sizeof(h) + len)))
		return NULL;
	memcpy(h.magic, BTF_CACHE_MAGIC, sizeof(h.magic));
	h.payload_len = (uint32_t)len;
	h.payload_crc = (uint32_t)crc32(crc32(0, NULL, 0), payload, (uInt)len);
	h.key = *key;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), payload, len);
	*ret_len = sizeof(h) + len;
	return out;
}

const char *btf_cache_dir(void)
{
	const char *dir = getenv("OOMTRACE_CACHE_DIR");

	if (!dir)
		return BTF_CACHE_DIR;
	return *dir ? dir : NULL;
}

/*
 * One file per object (its CRC-32 in the name), so that binaries with
 * different objects on one machine (a recorder and a newer copy run by
 * hand, a rollback) keep a file each instead of remaking one in turn.
 */
static int cache_path(const char *name, uint32_t obj_crc, char *buf, size_t size)
{
	const char *dir = btf_cache_dir();

	if (!dir)
		return -ENOENT;
	if ((size_t)snprintf(buf, size, "%s/core-btf.%s.%08x", dir, name, obj_crc) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* What becomes of a directory entry, for NAME's files (btf_cache_prune). */
enum cache_entry { ENTRY_OTHER, ENTRY_OBJECT, ENTRY_LEGACY };

static enum cache_entry cache_entry_of(const char *entry, const char *name)
{
	size_t n = strlen(name), len = strlen(entry);

	if (strncmp(entry, "core-btf.", 9) || strncmp(entry + 9, name, n))
		return ENTRY_OTHER;
	if (!entry[9 + n])
		return ENTRY_LEGACY;	/* before one file per object */
	/* core-btf.NAME.XXXXXXXX; a writer's core-btf.NAME.XXXXXXXX.PID.tmp is its own */
	if (entry[9 + n] != '.' || len != 9 + n + 9 ||
	    strspn(entry + 10 + n, "0123456789abcdef") != 8)
		return ENTRY_OTHER;
	return ENTRY_OBJECT;
}

struct cache_file {
	char entry[256];
	struct timespec mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct timespec *x = &((const struct cache_file *)a)->mtime;
	const struct timespec *y = &((const struct cache_file *)b)->mtime;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? 1 : -1;
	return x->tv_nsec < y->tv_nsec ? 1 : x->tv_nsec > y->tv_nsec ? -1 : 0;
}

int btf_cache_prune(const char *dir, const char *name, size_t keep)
{
	struct cache_file *files = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *d;
	int removed = 0;
	DIR *dp;

	if (!dir || !(dp = opendir(dir)))
		return 0;
	while ((d = readdir(dp))) {
		enum cache_entry kind = cache_entry_of(d->d_name, name);
		struct stat st;

		if (kind == ENTRY_OTHER || strlen(d->d_name) >= sizeof(files->entry) ||
		    fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (kind == ENTRY_LEGACY) {
			removed += !unlinkat(dirfd(dp), d->d_name, 0);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			grown = realloc(files, cap * sizeof(*files));
			if (!grown)
				break;
			files = grown;
		}
		snprintf(files[n].entry, sizeof(files[n].entry), "%s", d->d_name);
		files[n++].mtime = st.st_mtim;
	}
	if (n > keep) {
		qsort(files, n, sizeof(*files), newest_first);
		for (size_t i = keep; i < n; i++)
			removed += !unlinkat(dirfd(dp), files[i].entry, 0);
	}
	free(files);
	closedir(dp);
	return removed;
}

void btf_cache_drop(const char *name)
{
	btf_cache_prune(btf_cache_dir(), name, 0);
}

/* A memfd holding len bytes of data. */
static int memfd_of(const void *data, size_t len)
{
	int fd = memfd_create("oomtrace-core-btf", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;

			close(fd);
			return err;
		}
		off += (size_t)n;
	}
	return fd;
}

/* Read the cache file: 0 and a memfd of its BTF in *ret_fd, or -errno. */
static int cache_read(const char *path, const struct btf_cache_key *key, int *ret_fd,
		      struct btf_cache_got *got)
{
	const void *payload;
	size_t len = 0, payload_len;
	struct stat st;
	void *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)CACHE_MAX + 4096) {
		close(fd);
		return -EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	/* one byte more than its size: a file that grew is not whole */
	err = read_all(fd, buf, (size_t)st.st_size + 1, &len);
	close(fd);
	if (!err)
		err = btf_cache_parse(buf, len, key, &payload, &payload_len);
	if (!err) {
		*ret_fd = memfd_of(payload, payload_len);
		if (*ret_fd < 0)
			err = *ret_fd;
	}
	if (!err)
		got->ids_err = kernel_ids_from_raw(payload, payload_len, &got->ids);
	free(buf);
	return err;
}

/* mkdir -p DIR (0755): 0 or -errno. A fresh root file system may lack /var/cache itself. */
static int make_dir(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (!mkdir(dir, 0755) || errno == EEXIST)
		return 0;
	if (errno != ENOENT || n >= sizeof(buf))
		return -errno;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) && errno != EEXIST ? -errno : 0;
}

int cache_file_write(const char *path, const void *data, size_t len, bool sync)
{
	char tmp[4200];
	const char *dir = btf_cache_dir();
	int fd, err = 0;

	if (!dir)
		return -ENOENT;
	if ((err = make_dir(dir)))
		return err;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	for (size_t off = 0; off < len && !err;) {
		ssize_t n = write(fd, (const char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			err = n < 0 ? -errno : -EIO;
		else
			off += (size_t)n;
	}
	if (!err && sync && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int cache_dir_writable(void)
{
	const char *dir = btf_cache_dir();
	char probe[4200];
	int fd;

	if (!dir)
		return -ENOENT;
	if ((fd = make_dir(dir)))
		return fd;
	if ((size_t)snprintf(probe, sizeof(probe), "%s/.probe.%d.tmp", dir, (int)getpid()) >=
	    sizeof(probe))
		return -ENAMETOOLONG;
	fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	unlink(probe);
	return 0;
}

void cache_warn_unwritable(const char *path, int err)
{
	static bool said;

	if (said)
		return;
	said = true;
	log_warn("cannot write the start-up cache %s: %s: each start reads the kernel's BTF and "
		 "symbols in full, which is slower (OOMTRACE_CACHE_DIR=DIR: another directory)",
		 path, strerror(-err));
}

/* Write the cache file whole, or not at all. */
static int cache_write(const char *path, const struct btf_cache_key *key, const void *btf,
		       size_t len)
{
	size_t flen;
	void *data = btf_cache_format(key, btf, len, &flen);
	int err;

	if (!data)
		return -ENOMEM;
	err = cache_file_write(path, data, flen, true);
	free(data);
	return err;
}

/*
 * The kernel's ids that the direct candidate walk names (direct_walk.h),
 * kept with the minimal BTF: the start that finds the cache then needs no
 * pass over the kernel's BTF. *MIN is replaced.
 */
static int add_kernel_ids(void **min, size_t *len, const struct btf *kbtf, char *err,
			  size_t err_size)
{
	struct btf *b = btf__new(*min, (uint32_t)*len);
	const void *raw;
	uint32_t size = 0;
	void *copy;
	int ret;

	if (!b) {
		ret = -errno;
		snprintf(err, err_size, "the minimal BTF does not parse: %s", strerror(-ret));
		return ret;
	}
	ret = kernel_ids_add(b, kbtf);
	raw = ret ? NULL : btf__raw_data(b, &size);
	copy = raw ? malloc(size) : NULL;
	if (!copy) {
		ret = ret ? ret : -ENOMEM;
		snprintf(err, err_size, "cannot add the kernel's ids to the minimal BTF: %s",
			 strerror(-ret));
		btf__free(b);
		return ret;
	}
	memcpy(copy, raw, size);
	btf__free(b);
	free(*min);
	*min = copy;
	*len = size;
	return 0;
}

/* Make the minimal BTF now, check that it relocates as the kernel's does, and keep it. */
static int build(const char *name, const char *path, const struct btf_cache_key *key,
		 const void *obj, size_t obj_size, int *ret_fd, struct btf_cache_got *got, char *err,
		 size_t err_size)
{
	struct btf *kbtf = btf__load_vmlinux_btf();
	char fdpath[64];
	void *min = NULL;
	size_t len = 0;
	int ret, fd;

	if (!kbtf) {
		ret = -errno;
		snprintf(err, err_size, "cannot read the kernel's BTF: %s", strerror(-ret));
		return ret;
	}
	ret = btf_min_generate(obj, obj_size, kbtf, &min, &len, err, err_size);
	if (!ret)
		ret = add_kernel_ids(&min, &len, kbtf, err, err_size);
	btf__free(kbtf);
	if (ret)
		return ret;
	fd = memfd_of(min, len);
	if (fd < 0) {
		free(min);
		snprintf(err, err_size, "memfd: %s", strerror(-fd));
		return fd;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	ret = btf_min_verify(obj, obj_size, fdpath, err, err_size);
	if (ret) {
		close(fd);
		free(min);
		return ret;
	}
	if (path) {
		int w = cache_write(path, key, min, len);

		if (w)
			cache_warn_unwritable(path, w);
		else
			btf_cache_prune(btf_cache_dir(), name, BTF_CACHE_KEEP);
	}
	got->ids_err = kernel_ids_from_raw(min, len, &got->ids);
	free(min);
	*ret_fd = fd;
	return 0;
}

int btf_cache_open(const char *name, const void *obj, size_t obj_size,
		   struct btf_cache_got *ret_got, char *err, size_t err_size)
{
	struct btf_cache_key key;
	char path[4096];
	bool have_path;
	int ret, fd = -1;

	memset(ret_got, 0, sizeof(*ret_got));
	ret_got->ids_err = -ENOENT;
	if (!btf_cache_dir()) {
		snprintf(err, err_size, "OOMTRACE_CACHE_DIR is empty");
		return -ENOENT;
	}
	ret = btf_cache_key_now(obj, obj_size, &key);
	if (ret) {
		snprintf(err, err_size, "no kernel BTF: %s", strerror(-ret));
		return ret;
	}
	have_path = !cache_path(name, key.obj_crc, path, sizeof(path));
	ret = have_path ? cache_read(path, &key, &fd, ret_got) : -ENOENT;
	if (!ret)
		return fd;
	if (ret != -ENOENT)
		log_debug("%s: %s: made again", path, ret == -ESTALE ? "made for another kernel "
			  "or BPF object" : ret == -EINVAL ? "not a whole cache file" : strerror(-ret));
	/*
	 * Made and verified but not kept, it would cost every start more than
	 * relocating against the whole kernel BTF, which is what an unwritable
	 * directory then gets (as an empty OOMTRACE_CACHE_DIR does).
	 */
	if (have_path && (ret = cache_dir_writable())) {
		cache_warn_unwritable(path, ret);
		snprintf(err, err_size, "cannot write %s: %s", path, strerror(-ret));
		return ret;
	}
	ret = build(name, have_path ? path : NULL, &key, obj, obj_size, &fd, ret_got, err,
		    err_size);
	if (ret)
		return ret;
	ret_got->built = true;
	return fd;
}
