// SPDX-License-Identifier: GPL-2.0
/*
 * BTF type ids from the raw BTF, in one pass over the type records: what
 * the fentry probe needs before anything is loaded, and the kernel's ids
 * the direct candidate walk names (direct_walk.c) where no cache has them. libbpf's
 * btf__parse() validates and indexes the whole kernel BTF (over 100,000
 * types) first, which is most of a start-up's cost: `--mode auto` asked it
 * once to learn that fentry is refused, and once more for the mode it got.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>

#include "btf_scan.h"

/* Bytes that follow struct btf_type for each kind (uapi linux/btf.h). */
static long kind_extra(unsigned kind, unsigned vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case 19:	/* BTF_KIND_ENUM64, newer than some uapi headers */
		return (long)vlen * 12;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;	/* a kind this reader does not know: cannot step over it */
	}
}

/* A pass over raw BTF's type records. */
struct scan {
	const unsigned char *types, *strs;
	size_t type_len, str_len, off;
	int id;			/* the next record's */
};

/* Start a pass over DATA: 0, or -EINVAL for data that is not BTF. */
static int scan_begin(struct scan *s, const void *data, size_t size)
{
	struct btf_header h;

	if (size < sizeof(h))
		return -EINVAL;
	memcpy(&h, data, sizeof(h));	/* the caller's buffer need not be aligned */
	if (h.magic != BTF_MAGIC || h.hdr_len < sizeof(h) || h.hdr_len > size)
		return -EINVAL;
	if ((size_t)h.type_off + h.type_len > size - h.hdr_len ||
	    (size_t)h.str_off + h.str_len > size - h.hdr_len)
		return -EINVAL;
	s->types = (const unsigned char *)data + h.hdr_len + h.type_off;
	s->strs = (const unsigned char *)data + h.hdr_len + h.str_off;
	s->type_len = h.type_len;
	s->str_len = h.str_len;
	s->off = 0;
	s->id = 1;
	return 0;
}

/*
 * The next record: its id, with *t and the offset in s->types of the bytes
 * its kind adds (*extra_off; *extra_len of them, which may run past the
 * type section: the caller that reads them checks); 0 past the last
 * record; -EINVAL for a kind this reader cannot step over.
 */
static int scan_next(struct scan *s, struct btf_type *t, size_t *extra_off, size_t *extra_len)
{
	long extra;

	if (s->off + sizeof(*t) > s->type_len)
		return 0;
	if (s->id == INT32_MAX)
		return -EINVAL;
	memcpy(t, s->types + s->off, sizeof(*t));
	extra = kind_extra(BTF_INFO_KIND(t->info), BTF_INFO_VLEN(t->info));
	if (extra < 0)
		return -EINVAL;
	*extra_off = s->off + sizeof(*t);
	*extra_len = (size_t)extra;
	s->off += sizeof(*t) + (size_t)extra;
	return s->id++;
}

/* Whether string OFF of the pass's BTF is NAME (0, the empty name, is none). */
static bool name_is(const struct scan *s, uint32_t off, const char *name)
{
	size_t len = strlen(name);

	return off && off < s->str_len && s->str_len - off > len &&
	       !memcmp(s->strs + off, name, len + 1);
}

int btf_scan_ids(const void *data, size_t size, struct btf_scan_want *want, size_t n)
{
	size_t found = 0, extra_off, extra_len;
	struct btf_type t;
	struct scan s;
	int id = 0;

	for (size_t i = 0; i < n; i++)
		want[i].id = -ENOENT;
	if (scan_begin(&s, data, size))
		return -EINVAL;
	while (found < n && (id = scan_next(&s, &t, &extra_off, &extra_len)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (want[i].id < 0 && BTF_INFO_KIND(t.info) == want[i].kind &&
			    name_is(&s, t.name_off, want[i].name)) {
				want[i].id = id;	/* the first of that name, as libbpf's lookup */
				found++;
			}
		}
	}
	return id < 0 ? id : (int)found;
}

int btf_scan_enum(const void *data, size_t size, const char *enum_name, const char *const *names,
		  int32_t *vals, size_t n)
{
	size_t extra_off, extra_len;
	struct btf_type t;
	struct scan s;
	int id;

	if (scan_begin(&s, data, size))
		return -EINVAL;
	while ((id = scan_next(&s, &t, &extra_off, &extra_len)) > 0) {
		if (BTF_INFO_KIND(t.info) != BTF_KIND_ENUM || !name_is(&s, t.name_off, enum_name))
			continue;
		/* the first enum of that name, as libbpf's lookup; its members all there */
		if (extra_len > s.type_len - extra_off)
			return -EINVAL;
		for (size_t v = 0; v < BTF_INFO_VLEN(t.info); v++) {
			struct btf_enum e;

			memcpy(&e, s.types + extra_off + v * sizeof(e), sizeof(e));
			for (size_t i = 0; i < n; i++)
				if (name_is(&s, e.name_off, names[i]))
					vals[i] = e.val;
		}
		return 0;
	}
	return id < 0 ? id : -ENOENT;
}

int btf_scan_func_id(const void *data, size_t size, const char *name)
{
	struct btf_scan_want w = { BTF_KIND_FUNC, name, 0 };
	int ret = btf_scan_ids(data, size, &w, 1);

	return ret < 0 ? ret : w.id;
}

/*
 * The file mapped: /sys/kernel/btf/vmlinux can be since 6.16 (a private,
 * read-only mapping of the kernel's own copy). Reading it costs a system
 * call per page (sysfs binary files return at most a page per read): over
 * 1,300 calls for a 6.18 kernel's 5.4 MB, tens of milliseconds where system
 * calls are dear (a guest under nested virtualization). -errno if it cannot
 * be mapped (then it is read).
 */
static int scan_mapped(int fd, struct btf_scan_want *want, size_t n)
{
	struct stat st;
	void *p;
	int ret;

	if (fstat(fd, &st) || st.st_size <= 0)
		return -EINVAL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	ret = btf_scan_ids(p, (size_t)st.st_size, want, n);
	munmap(p, (size_t)st.st_size);
	/* a mapping that showed no BTF: read it (never taken for the answer) */
	return ret == -EINVAL ? -EIO : ret;
}

int btf_scan_file_ids(const char *path, struct btf_scan_want *want, size_t n)
{
	size_t cap = 8u << 20, len = 0;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = scan_mapped(fd, want, n);
	if (ret >= 0) {
		close(fd);
		return ret;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t got;

		if (len == cap) {
			char *bigger = cap < (256u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				ret = -EFBIG;
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	ret = btf_scan_ids(buf, len, want, n);
out:
	close(fd);
	free(buf);
	return ret;
}

int btf_scan_file_func_id(const char *path, const char *name)
{
	struct btf_scan_want w = { BTF_KIND_FUNC, name, 0 };
	int ret = btf_scan_file_ids(path, &w, 1);

	return ret < 0 ? ret : w.id;
}
