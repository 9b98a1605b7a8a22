// SPDX-License-Identifier: GPL-2.0
/* Cgroup paths: the mount prefix, and "PATH or below". */
#include <string.h>

#include "cgroup_path.h"

const char *cgroup_path_strip_mount(const char *p)
{
	static const char *const mounts[] = {
		"/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified", "/sys/fs/cgroup",
	};

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		size_t n = strlen(mounts[i]);

		if (!strncmp(p, mounts[i], n) && (p[n] == '/' || !p[n]))
			return p[n] ? p + n : "/";
	}
	return p;
}

/* The length of prefix without its trailing slashes (a lone "/" stays). */
static size_t trimmed_len(const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	return n;
}

bool cgroup_path_is_root(const char *prefix)
{
	return trimmed_len(prefix) == 1 && prefix[0] == '/';
}

bool cgroup_path_within(const char *path, const char *prefix)
{
	size_t n = trimmed_len(prefix);

	if (n == 1 && prefix[0] == '/')
		return true;
	return !strncmp(path, prefix, n) && (path[n] == '/' || !path[n]);
}
