/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cache of minimal kernel BTF (btf_min.h), one file per BPF object
 * (core-btf.NAME.CRC, BTF_CACHE_KEEP of each NAME kept) under
 * /var/cache/oomtrace (OOMTRACE_CACHE_DIR; empty: no cache), each
 * keyed by the kernel it was made for (build id, BTF size, release and
 * version) and the object's bytes (size and CRC-32). A file that does not
 * parse, fails its CRC or was made for another kernel or object is not
 * used: the start relocates against the whole kernel BTF and writes it anew.
 */
#ifndef OOMTRACE_BTF_CACHE_H
#define OOMTRACE_BTF_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "direct_walk.h"

struct btf_cache_key {
	uint64_t btf_size;	/* of /sys/kernel/btf/vmlinux */
	uint64_t obj_size;
	uint32_t obj_crc;
	uint32_t build_id_len;	/* 0: none found, the BTF's CRC-32 stands in */
	uint8_t build_id[64];
	char release[65];	/* uname */
	char version[65];
	uint8_t pad[6];
};

#define BTF_CACHE_DIR "/var/cache/oomtrace"
#define BTF_CACHE_MAGIC "OOMTBTF1"

/* The key of this kernel for object OBJ: 0 or -errno (no kernel BTF). */
int btf_cache_key_now(const void *obj, size_t obj_size, struct btf_cache_key *ret);

/*
 * Check a cache file's bytes against KEY: 0 with *payload and *payload_len
 * (raw BTF, inside buf), -ESTALE if it was made for another kernel or
 * object, -EINVAL if it is not a whole, intact cache file of raw BTF.
 */
int btf_cache_parse(const void *buf, size_t len, const struct btf_cache_key *key,
		    const void **payload, size_t *payload_len);

/* A cache file's bytes for KEY and PAYLOAD (malloc'd), or NULL. */
void *btf_cache_format(const struct btf_cache_key *key, const void *payload, size_t len,
		       size_t *ret_len);

/* The cache's directory: OOMTRACE_CACHE_DIR, or BTF_CACHE_DIR; NULL if disabled. */
const char *btf_cache_dir(void);

/* What btf_cache_open() hands back besides the BTF. */
struct btf_cache_got {
	bool built;		/* made now (and verified, and written), not read from the cache */
	/*
	 * The kernel's ids for the direct walk, as the minimal BTF carries
	 * them (kernel_ids_from_raw() on the bytes in the memfd): ids_err 0,
	 * or -ENOENT where it carries none, -EINVAL where the scan cannot
	 * step through it (then ids are all 0, and the loader scans the
	 * kernel's BTF for them).
	 */
	int ids_err;
	struct kernel_ids ids;
};

/*
 * The minimal BTF of object OBJ (named NAME in the cache), from the cache
 * or made now (and verified, and written): a memfd holding the raw BTF,
 * for libbpf's btf_custom_path as /proc/self/fd/N, and *ret_got; -errno with
 * the reason in err when the start must relocate against the whole kernel
 * BTF.
 */
int btf_cache_open(const char *name, const void *obj, size_t obj_size,
		   struct btf_cache_got *ret_got, char *err, size_t err_size);
/*
 * Write PATH (in the cache's directory, made if missing) whole or not at
 * all: a temporary file renamed, fsync'd first if sync. 0 or -errno.
 */
int cache_file_write(const char *path, const void *data, size_t len, bool sync);
/* Whether files can be made in the cache's directory (made if missing): 0 or -errno. */
int cache_dir_writable(void);
/* Say once, as a warning, that PATH cannot be written (-errno err) and what that costs. */
void cache_warn_unwritable(const char *path, int err);

/*
 * The files of NAME's objects kept in the cache's directory: the newest
 * (by when they were made) past that many are removed as another is
 * written, so that a machine that ran many builds keeps a few.
 */
#define BTF_CACHE_KEEP 4
/*
 * Remove from DIR all but the KEEP newest core-btf.NAME.* files, and the
 * single core-btf.NAME of versions before one file per object (another
 * writer's temporary files are left alone): how many were removed.
 */
int btf_cache_prune(const char *dir, const char *name, size_t keep);
/* Remove NAME's cache files (a BTF of them did not serve). */
void btf_cache_drop(const char *name);

#endif
