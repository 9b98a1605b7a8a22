/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal kernel BTF for one BPF object (btf_min.c): the kernel's types
 * that the object's CO-RE relocations can reach, and no others, so that
 * libbpf relocates against a few hundred types instead of the whole kernel
 * BTF. Cached per kernel and object (btf_cache.c), checked before use.
 */
#ifndef OOMTRACE_BTF_MIN_H
#define OOMTRACE_BTF_MIN_H

#include <stddef.h>

struct btf;

/*
 * The minimal BTF of KBTF for the CO-RE relocations of the BPF ELF object
 * OBJ: raw BTF in *ret (malloc'd), its size in *ret_size. 0, or -errno
 * with the reason in err: -ENOTSUP for relocations whose result would
 * differ against a subset of the kernel's types (a target type id, a type
 * match), or for a root type only a kernel module could have.
 */
int btf_min_generate(const void *obj, size_t obj_size, const struct btf *kbtf, void **ret,
		     size_t *ret_size, char *err, size_t err_size);

/*
 * Relocate OBJ twice without loading a program, once against the kernel's
 * BTF and once against BTF_PATH, and compare every program's instructions:
 * 0 if they are the same, -EILSEQ if not, -errno if it could not tell.
 * Creates the object's maps in the kernel (with a small ring buffer) and
 * closes them.
 */
int btf_min_verify(const void *obj, size_t obj_size, const char *btf_path, char *err,
		   size_t err_size);

#endif
