/* SPDX-License-Identifier: GPL-2.0 */
/* A function's type id in raw BTF, without parsing the whole BTF (btf_scan.c). */
#ifndef OOMTRACE_BTF_SCAN_H
#define OOMTRACE_BTF_SCAN_H

#include <stddef.h>

/* The id of BTF_KIND_FUNC NAME in raw BTF DATA; -ENOENT, or -EINVAL for
 * data that is not BTF this reader can step through. */
int btf_scan_func_id(const void *data, size_t size, const char *name);
/* The same for a file, e.g. /sys/kernel/btf/vmlinux; -errno. */
int btf_scan_file_func_id(const char *path, const char *name);

#endif
