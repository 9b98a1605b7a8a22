// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz what is derived from a cgroup path (unit, container id, pod uid) and
 * the two escapers every kernel string goes through before it is printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_names.h"
#include "json_writer.h"
#include "text_escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct cgroup_origin o;
	char *path, buf[64];

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	cgroup_origin_from_path(path, &o);
	/* every derived field is a terminated string */
	if (strnlen(o.unit, sizeof(o.unit)) == sizeof(o.unit) ||
	    strnlen(o.container_id, sizeof(o.container_id)) == sizeof(o.container_id) ||
	    strnlen(o.pod_uid, sizeof(o.pod_uid)) == sizeof(o.pod_uid))
		abort();
	text_escape_buf(buf, sizeof(buf), path);
	if (strnlen(buf, sizeof(buf)) == sizeof(buf))
		abort();
	text_escape(devnull, (const char *)data, size);
	json_escape(devnull, (const char *)data, size);
	free(path);
	return 0;
}
