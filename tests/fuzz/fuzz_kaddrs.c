// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the per-boot kernel symbols file reader (kaddrs.c): any bytes, with
 * the key they carry or another, must be refused or give answers whose
 * names are terminated within their fields; never a read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kaddrs.h"

static const struct kaddr_want wants[KADDRS_MAX] = {
	{ "a", KADDR_END }, { "b", KADDR_FULL | KADDR_PART },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kaddrs ka = { .wants = wants, .n = KADDRS_MAX };
	struct kaddrs_key key;
	uint8_t *copy;

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	/* the key the input carries (after magic, version, CRC), so the checks past it are reached */
	memset(&key, 0, sizeof(key));
	if (size >= 16 + sizeof(key))
		memcpy(&key, data + 16, sizeof(key));
	if (!kaddrs__parse(&ka, &key, copy, size)) {
		for (size_t i = 0; i < KADDRS_MAX; i++)
			if (strnlen(ka.recs[i].full, KADDR_NAME_MAX) == KADDR_NAME_MAX ||
			    strnlen(ka.recs[i].part, KADDR_NAME_MAX) == KADDR_NAME_MAX)
				abort();
	}
	free(copy);
	return 0;
}
