// SPDX-License-Identifier: GPL-2.0
/* The loader's kernel symbols, kept per boot (kaddrs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "btf_cache.h"
#include "kaddrs.h"
#include "ksyms.h"
#include "log.h"

#define KADDRS_MAGIC "OOMTKSY1"
#define KADDRS_FILE "ksyms.boot"
#define PROBE_READ 8192		/* kallsyms' first lines: one read */

struct file_hdr {
	char magic[8];
	uint32_t version;	/* of this layout */
	uint32_t crc;		/* CRC-32 of everything after the header */
	struct kaddrs_key key;
	uint32_t pad0;
	struct kaddrs_probe probe;
	uint32_t hidden;	/* always 0: a hidden kallsyms is never kept */
	uint32_t pad;
};
_Static_assert(sizeof(struct kaddrs_key) == 124, "no implicit padding in the key");
_Static_assert(sizeof(struct kaddrs_probe) == 136, "no implicit padding in the probe");
_Static_assert(sizeof(struct kaddr_rec) == 272, "no implicit padding in a record");
_Static_assert(sizeof(struct file_hdr) == 16 + 124 + 4 + 136 + 8,
	       "no implicit padding in the header");

static const struct kaddr_rec *rec_of(const struct kaddrs *ka, const char *name, unsigned what)
{
	if (!ka)
		return NULL;
	for (size_t i = 0; i < ka->n; i++)
		if (!strcmp(ka->wants[i].name, name))
			return (ka->wants[i].what & what) ? &ka->recs[i] : NULL;
	return NULL;
}

uint64_t kaddrs__addr(const struct kaddrs *ka, const char *name)
{
	const struct kaddr_rec *r = rec_of(ka, name, KADDR_ADDR | KADDR_END);

	return r && !ka->hidden ? r->addr : 0;
}

uint64_t kaddrs__end(const struct kaddrs *ka, const char *name)
{
	const struct kaddr_rec *r = rec_of(ka, name, KADDR_END);

	return r && !ka->hidden && r->addr ? r->end : 0;
}

const char *kaddrs__full(const struct kaddrs *ka, const char *name)
{
	const struct kaddr_rec *r = rec_of(ka, name, KADDR_FULL);

	return r && r->full[0] ? r->full : NULL;
}

const char *kaddrs__part(const struct kaddrs *ka, const char *name)
{
	const struct kaddr_rec *r = rec_of(ka, name, KADDR_PART);

	return r && r->part[0] ? r->part : NULL;
}

/* Copy a name into a record's field: 0, or -ENAMETOOLONG (then not cacheable). */
static int keep_name(char *dst, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (n >= KADDR_NAME_MAX) {
		dst[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
	return 0;
}

int kaddrs__from_ksyms(struct kaddrs *ka, const struct ksyms *ks, const struct kaddr_want *wants,
		       size_t n)
{
	int ret = 0;

	memset(ka, 0, sizeof(*ka));
	if (n > KADDRS_MAX)
		return -E2BIG;
	ka->wants = wants;
	ka->n = n;
	ka->hidden = ksyms__hidden(ks);
	for (size_t i = 0; i < n && !ka->hidden; i++) {
		struct kaddr_rec *r = &ka->recs[i];
		unsigned what = wants[i].what;

		if (what & (KADDR_ADDR | KADDR_END))
			r->addr = ksyms__addr(ks, wants[i].name);
		if ((what & KADDR_END) && r->addr)
			r->end = ksyms__next_addr(ks, r->addr);
		/* too long to keep: asked answers absent, and the file not written */
		if ((what & KADDR_FULL) && keep_name(r->full, ksyms__resolve_name(ks, wants[i].name)))
			ret = -ENAMETOOLONG;
		if ((what & KADDR_PART) && keep_name(r->part, ksyms__split_part(ks, wants[i].name)))
			ret = -ENAMETOOLONG;
	}
	return ret ? 1 : 0;
}

static uint32_t wants_crc(const struct kaddr_want *wants, size_t n)
{
	uLong crc = crc32(0, NULL, 0);

	for (size_t i = 0; i < n; i++) {
		uint32_t what = wants[i].what;

		crc = crc32(crc, (const Bytef *)wants[i].name, (uInt)strlen(wants[i].name) + 1);
		crc = crc32(crc, (const Bytef *)&what, sizeof(what));
	}
	return (uint32_t)crc;
}

/* One line of a small file, without its newline: 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -ENODATA;
}

int kaddrs__key(const struct kaddrs_src *src, const struct kaddr_want *wants, size_t n,
		struct kaddrs_key *k)
{
	const char *release = src ? src->release : NULL;
	struct utsname u;
	int ret;

	memset(k, 0, sizeof(*k));
	ret = read_line(src && src->boot_id ? src->boot_id : "/proc/sys/kernel/random/boot_id",
			k->boot_id, sizeof(k->boot_id));
	if (ret)
		return ret;
	if (!release) {
		if (uname(&u))
			return -errno;
		release = u.release;
	}
	snprintf(k->release, sizeof(k->release), "%s", release);
	k->wants_crc = wants_crc(wants, n);
	k->n = (uint32_t)n;
	return 0;
}

/* Unused bytes after a string's end must be zero: one file, one meaning. */
static bool clean(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);

	if (!end)
		return false;
	for (end++; end < s + size; end++)
		if (*end)
			return false;
	return true;
}

void *kaddrs__format(const struct kaddrs *ka, const struct kaddrs_key *key, size_t *ret_len)
{
	struct file_hdr h;
	size_t len = sizeof(h) + ka->n * sizeof(struct kaddr_rec);
	unsigned char *out;

	if (ka->hidden || ka->n > KADDRS_MAX || !(out = calloc(1, len)))
		return NULL;
	memset(&h, 0, sizeof(h));	/* no byte of it undefined: the CRC covers them all */
	memcpy(h.magic, KADDRS_MAGIC, sizeof(h.magic));
	h.version = 1;
	h.key = *key;
	memset(h.probe.name, 0, sizeof(h.probe.name));
	h.pad0 = 0;
	h.probe.addr = ka->probe.addr;
	snprintf(h.probe.name, sizeof(h.probe.name), "%s", ka->probe.name);
	for (size_t i = 0; i < ka->n; i++) {
		struct kaddr_rec r = { .addr = ka->recs[i].addr, .end = ka->recs[i].end };

		snprintf(r.full, sizeof(r.full), "%s", ka->recs[i].full);
		snprintf(r.part, sizeof(r.part), "%s", ka->recs[i].part);
		memcpy(out + sizeof(h) + i * sizeof(r), &r, sizeof(r));
	}
	h.crc = (uint32_t)crc32(crc32(0, NULL, 0), out + sizeof(h), (uInt)(len - sizeof(h)));
	/* the header after its CRC field counts too */
	h.crc = (uint32_t)crc32(h.crc, (const Bytef *)&h.key,
				(uInt)(sizeof(h) - offsetof(struct file_hdr, key)));
	memcpy(out, &h, sizeof(h));
	*ret_len = len;
	return out;
}

int kaddrs__parse(struct kaddrs *ka, const struct kaddrs_key *key, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	struct file_hdr h;
	uint32_t crc;

	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, KADDRS_MAGIC, sizeof(h.magic)) || h.version != 1 || h.pad || h.pad0 ||
	    h.hidden || h.key.n > KADDRS_MAX || len != sizeof(h) + h.key.n * sizeof(struct kaddr_rec))
		return -EINVAL;
	crc = (uint32_t)crc32(crc32(0, NULL, 0), p + sizeof(h), (uInt)(len - sizeof(h)));
	crc = (uint32_t)crc32(crc, (const Bytef *)&h.key,
			      (uInt)(sizeof(h) - offsetof(struct file_hdr, key)));
	if (crc != h.crc)
		return -EINVAL;
	if (!clean(h.key.boot_id, sizeof(h.key.boot_id)) ||
	    !clean(h.key.release, sizeof(h.key.release)) || h.key.pad[0] || h.key.pad[1] ||
	    h.key.pad[2] || !clean(h.probe.name, sizeof(h.probe.name)) || !h.probe.addr)
		return -EINVAL;
	for (size_t i = 0; i < h.key.n; i++) {
		const struct kaddr_rec *r = (const void *)(p + sizeof(h) + i * sizeof(*r));

		if (!clean(r->full, sizeof(r->full)) || !clean(r->part, sizeof(r->part)))
			return -EINVAL;
	}
	if (memcmp(&h.key, key, sizeof(h.key)))
		return -ESTALE;
	ka->hidden = 0;
	ka->probe = h.probe;
	memcpy(ka->recs, p + sizeof(h), h.key.n * sizeof(struct kaddr_rec));
	return 0;
}

int kaddrs__probe(const char *kallsyms, struct kaddrs_probe *ret)
{
	char buf[PROBE_READ];
	int fd = open(kallsyms ? kallsyms : "/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char *p, *end, *nl;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	end = buf + n;
	/* whole lines only: "ADDR TYPE NAME[\t[MODULE]]" */
	for (p = buf; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
		uint64_t addr = 0;
		char *q = p, *name;
		size_t len;
		int digits = 0;

		for (; q < nl; q++, digits++) {
			int v = *q >= '0' && *q <= '9' ? *q - '0' :
				*q >= 'a' && *q <= 'f' ? *q - 'a' + 10 : -1;

			if (v < 0)
				break;
			addr = addr << 4 | (uint64_t)v;
		}
		if (!digits || digits > 16 || nl - q < 4 || q[0] != ' ' || q[2] != ' ')
			return -EINVAL;
		if (!addr)
			continue;
		name = q + 3;
		len = strcspn(name, "\t\n");
		if (name + len > nl)
			len = (size_t)(nl - name);
		if (!len || len >= sizeof(ret->name))
			return -EINVAL;
		memset(ret, 0, sizeof(*ret));
		ret->addr = addr;
		memcpy(ret->name, name, len);
		return 0;
	}
	return -ENOENT;
}

/* ---- the per-boot file, and the wait for kallsyms ----------------------------- */

struct kaddrs_async {
	struct kaddrs ka;
	struct kaddrs_src src;
	struct kaddrs_key key;
	bool have_key;
	struct ksyms_async *kas;	/* reading kallsyms; NULL once answered */
	char path[4096];		/* the file; "" without a cache */
};

/* Read the file: 0 if it serves, else -errno (-ESTALE, -EINVAL: not this boot's, not whole). */
static int file_read(struct kaddrs_async *a)
{
	unsigned char buf[sizeof(struct file_hdr) + KADDRS_MAX * sizeof(struct kaddr_rec) + 1];
	struct kaddrs_probe now;
	ssize_t n;
	int fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), ret;
	size_t len = 0;

	if (fd < 0)
		return -errno;
	/* one byte more than the largest: a longer file is not one */
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	ret = kaddrs__parse(&a->ka, &a->key, buf, len);
	if (ret)
		return ret;
	/* the same kernel layout, shown to us now */
	ret = kaddrs__probe(a->src.kallsyms, &now);
	if (ret)
		return ret == -ENOENT ? -EPERM : ret;
	if (now.addr != a->ka.probe.addr || strcmp(now.name, a->ka.probe.name))
		return -ESTALE;
	return 0;
}

struct kaddrs_async *kaddrs__open(const struct kaddrs_src *src, const struct kaddr_want *wants,
				  size_t n)
{
	struct kaddrs_async *a = calloc(1, sizeof(*a));
	const char *dir = btf_cache_dir();
	int ret;

	if (!a)
		return NULL;
	if (src)
		a->src = *src;
	a->ka.wants = wants;
	a->ka.n = n > KADDRS_MAX ? KADDRS_MAX : n;
	a->ka.hidden = 1;
	ret = kaddrs__key(&a->src, wants, n, &a->key);
	a->have_key = !ret && n <= KADDRS_MAX;
	if (ret)
		log_debug("kernel symbols: no boot id (%s): kallsyms is read whole", strerror(-ret));
	if (a->have_key && dir &&
	    (size_t)snprintf(a->path, sizeof(a->path), "%s/%s", dir, KADDRS_FILE) >= sizeof(a->path))
		a->path[0] = '\0';
	if (a->path[0]) {
		ret = file_read(a);
		if (!ret) {
			a->ka.cached = true;
			log_debug("kernel symbols from %s (this boot's)", a->path);
			return a;
		}
		memset(a->ka.recs, 0, sizeof(a->ka.recs));
		a->ka.hidden = 1;
		if (ret != -ENOENT)
			log_debug("%s: %s: kallsyms is read whole", a->path,
				  ret == -ESTALE ? "made at another boot, for another kernel or "
				  "another list of names" :
				  ret == -EINVAL ? "not a whole cache file" : strerror(-ret));
	}
	a->kas = ksyms__load_async(a->src.kallsyms);
	if (!a->kas) {
		free(a);
		return NULL;
	}
	return a;
}

static void file_write(struct kaddrs_async *a)
{
	size_t len;
	void *data;
	int ret;

	if (!a->path[0] || a->ka.hidden)
		return;
	if (kaddrs__probe(a->src.kallsyms, &a->ka.probe)) {
		log_debug("kernel symbols: kallsyms' first lines show no address: not kept");
		return;
	}
	data = kaddrs__format(&a->ka, &a->key, &len);
	if (!data)
		return;
	/* not fsync'd: a crash is another boot, whose id the file does not have */
	ret = cache_file_write(a->path, data, len, false);
	if (ret)
		cache_warn_unwritable(a->path, ret);
	free(data);
}

const struct kaddrs *kaddrs_async__get(struct kaddrs_async *a)
{
	if (a->kas) {
		const struct ksyms *ks = ksyms_async__get(a->kas);
		const struct kaddr_want *wants = a->ka.wants;
		size_t n = a->ka.n;

		if (!ks)
			log_debug("cannot read /proc/kallsyms: %s", strerror(errno));
		if (kaddrs__from_ksyms(&a->ka, ks, wants, n) == 0 && a->have_key)
			file_write(a);
		ksyms_async__free(a->kas);
		a->kas = NULL;
	}
	return &a->ka;
}

void kaddrs_async__free(struct kaddrs_async *a)
{
	if (!a)
		return;
	ksyms_async__free(a->kas);
	free(a);
}
