// SPDX-License-Identifier: GPL-2.0
/*
 * A BTF function's type id from the raw BTF, in one pass over the type
 * records: what the fentry probe needs before anything is loaded. libbpf's
 * btf__parse() validates and indexes the whole kernel BTF (over 100,000
 * types) first, which is most of a start-up's cost: `--mode auto` asked it
 * once to learn that fentry is refused, and once more for the mode it got.
 */
#include <errno.h>
#include <fcntl.h>
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

int btf_scan_func_id(const void *data, size_t size, const char *name)
{
	const unsigned char *types, *strs;
	size_t name_len = strlen(name), off;
	struct btf_header hb, *h = &hb;
	int id = 1;

	if (size < sizeof(hb))
		return -EINVAL;
	memcpy(&hb, data, sizeof(hb));	/* the caller's buffer need not be aligned */
	if (h->magic != BTF_MAGIC || h->hdr_len < sizeof(*h) || h->hdr_len > size)
		return -EINVAL;
	if ((size_t)h->type_off + h->type_len > size - h->hdr_len ||
	    (size_t)h->str_off + h->str_len > size - h->hdr_len)
		return -EINVAL;
	types = (const unsigned char *)data + h->hdr_len + h->type_off;
	strs = (const unsigned char *)data + h->hdr_len + h->str_off;
	for (off = 0; off + sizeof(struct btf_type) <= h->type_len; id++) {
		struct btf_type t;
		long extra;

		memcpy(&t, types + off, sizeof(t));
		extra = kind_extra(BTF_INFO_KIND(t.info), BTF_INFO_VLEN(t.info));
		if (extra < 0)
			return -EINVAL;
		if (BTF_INFO_KIND(t.info) == BTF_KIND_FUNC && t.name_off < h->str_len &&
		    h->str_len - t.name_off > name_len &&
		    !memcmp(strs + t.name_off, name, name_len + 1))
			return id;
		off += sizeof(struct btf_type) + (size_t)extra;
		if (id == INT32_MAX)
			return -EINVAL;
	}
	return -ENOENT;
}

/*
 * The file mapped: /sys/kernel/btf/vmlinux can be since 6.16 (a private,
 * read-only mapping of the kernel's own copy). Reading it costs a system
 * call per page (sysfs binary files return at most a page per read): over
 * 1,300 calls for a 6.18 kernel's 5.4 MB, tens of milliseconds where system
 * calls are dear (a guest under nested virtualization). -errno if it cannot
 * be mapped (then it is read).
 */
static int scan_mapped(int fd, const char *name)
{
	struct stat st;
	void *p;
	int ret;

	if (fstat(fd, &st) || st.st_size <= 0)
		return -EINVAL;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	ret = btf_scan_func_id(p, (size_t)st.st_size, name);
	munmap(p, (size_t)st.st_size);
	/* a mapping that showed no BTF: read it (never taken for the answer) */
	return ret == -EINVAL ? -EIO : ret;
}

int btf_scan_file_func_id(const char *path, const char *name)
{
	size_t cap = 8u << 20, len = 0;
	char *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = scan_mapped(fd, name);
	if (ret >= 0 || ret == -ENOENT) {
		close(fd);
		return ret;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *bigger = cap < (256u << 20) ? realloc(buf, cap * 2) : NULL;

			if (!bigger) {
				ret = -EFBIG;
				goto out;
			}
			buf = bigger;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	ret = btf_scan_func_id(buf, len, name);
out:
	close(fd);
	free(buf);
	return ret;
}
