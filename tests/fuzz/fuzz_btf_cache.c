// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the cache file reader (btf_cache.c): any bytes, with the key they
 * carry or another, must be refused or give a payload inside the buffer
 * that libbpf parses; never a read past the end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "btf_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct btf_cache_key key;
	const void *payload;
	size_t len;
	uint8_t *copy;

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	/* the key the input carries, so the checks past it are reached */
	memset(&key, 0, sizeof(key));
	if (size >= 24 + sizeof(key))
		memcpy(&key, data + 24, sizeof(key));
	if (!btf_cache_parse(copy, size, &key, &payload, &len) &&
	    ((const uint8_t *)payload < copy || (const uint8_t *)payload + len > copy + size))
		abort();
	free(copy);
	return 0;
}
