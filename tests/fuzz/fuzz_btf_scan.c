// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the raw BTF scanner (btf_scan.c): it steps through a kernel file's
 * type records by their kinds' sizes, and a corrupt or truncated file must
 * end the scan, never read past the buffer. The first byte picks the name
 * searched (a function, or an enum whose members are read), so hits are
 * reached too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btf_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "out_of_memory", "floor_mark_victim", "", "x",
					     "oomtrace_kernel_ids" };
	const char *name;
	uint8_t *copy;

	if (size < 1)
		return 0;
	name = names[data[0] % 5];
	/* an exact-size heap copy: ASan sees any read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	(void)btf_scan_func_id(copy, size - 1, name);
	/* an enum's members read too: they must lie inside the type section */
	{
		static const char *const members[] = { "task_struct", "x", "" };
		int32_t vals[3];

		(void)btf_scan_enum(copy, size - 1, name, members, vals, 3);
	}
	free(copy);
	return 0;
}
