// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the /proc/PID/maps parser behind user-stack symbolization: any
 * process names its mappings' files (memfd names, paths with spaces or
 * newlines escaped, " (deleted)"), and the parser keeps at most
 * USYM_MAX_OBJECTS objects, each a terminated absolute path (in the space's
 * pool of paths) with start < end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "usym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct usym_space s;
	static uint64_t st[USYM_MAX_OBJECTS], off[USYM_MAX_OBJECTS];
	char *text = malloc(size + 1);
	int n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	usym_space_init(&s);
	n = usym_maps_parse(&s, text, st, off);
	if (n != s.n || n < 0 || n > USYM_MAX_OBJECTS)
		abort();
	for (int i = 0; i < n; i++) {
		const struct usym_object *o = &s.obj[i];

		/* its path in the space's pool, terminated there */
		if (o->path < s.paths || o->path >= s.paths + s.paths_used)
			abort();
		if (o->fd != -1 || o->path[0] != '/' || o->start >= o->end || st[i] < o->start ||
		    strnlen(o->path, (size_t)(s.paths + s.paths_used - o->path)) ==
			    (size_t)(s.paths + s.paths_used - o->path) ||
		    usym_space_find(&s, o->start) == NULL)
			abort();
	}
	usym_space_reset(&s);
	free(text);
	return 0;
}
