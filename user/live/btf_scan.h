/* SPDX-License-Identifier: GPL-2.0 */
/* Type ids in raw BTF, without parsing the whole BTF (btf_scan.c). */
#ifndef OOMTRACE_BTF_SCAN_H
#define OOMTRACE_BTF_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* One type to find: its kind (BTF_KIND_*) and name; id: the result. */
struct btf_scan_want {
	unsigned kind;
	const char *name;
	int id;			/* the first type of that kind and name, or -ENOENT */
};

/* Every WANT's id in one pass over raw BTF DATA: how many were found, or
 * -EINVAL for data that is not BTF this reader can step through. */
int btf_scan_ids(const void *data, size_t size, struct btf_scan_want *want, size_t n);
/* The same for a file, e.g. /sys/kernel/btf/vmlinux; -errno. */
int btf_scan_file_ids(const char *path, struct btf_scan_want *want, size_t n);

/*
 * The values of enum ENUM_NAME's members NAMES[0..n) in raw BTF DATA, in
 * one pass and without parsing it whole: vals[i] is set where the first
 * enum of that name has a member names[i] (the last such member), left as
 * it is where not. 0, -ENOENT where there is no such enum, or -EINVAL for
 * data that is not BTF this reader can step through.
 */
int btf_scan_enum(const void *data, size_t size, const char *enum_name, const char *const *names,
		  int32_t *vals, size_t n);

/* The id of BTF_KIND_FUNC NAME in raw BTF DATA; -ENOENT, or -EINVAL for
 * data that is not BTF this reader can step through. */
int btf_scan_func_id(const void *data, size_t size, const char *name);
/* The same for a file, e.g. /sys/kernel/btf/vmlinux; -errno. */
int btf_scan_file_func_id(const char *path, const char *name);

#endif
