// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the readers of container runtimes' state: a kubelet log link's file
 * name, docker's config.v2.json, podman's containers.json. The first byte
 * picks the reader; every name found must be a terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "container_names.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void check(const struct oom_names *n)
{
	if (strnlen(n->ns, sizeof(n->ns)) == sizeof(n->ns) ||
	    strnlen(n->pod, sizeof(n->pod)) == sizeof(n->pod) ||
	    strnlen(n->container, sizeof(n->container)) == sizeof(n->container) ||
	    strnlen(n->container_id, sizeof(n->container_id)) == sizeof(n->container_id))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oom_names n;
	char *text;

	if (!size)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&n, 0, sizeof(n));
	switch (data[0] % 3) {
	case 0:
		if (!k8s_log_link_names(text, ID, &n))
			check(&n);
		break;
	case 1:
		if (!docker_config_names(text, size - 1, &n))
			check(&n);
		break;
	default:
		if (!podman_containers_names(text, size - 1, ID, &n))
			check(&n);
		break;
	}
	free(text);
	return 0;
}
