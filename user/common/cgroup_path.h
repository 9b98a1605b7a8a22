/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroup paths as the filters compare them: the one place that says what
 * "PATH or below" means (--cgroup of trace, record and parse; the memcg
 * domain of scores) and how a path under the cgroup mount is written.
 */
#ifndef OOMTRACE_CGROUP_PATH_H
#define OOMTRACE_CGROUP_PATH_H

#include <stdbool.h>

/*
 * "/sys/fs/cgroup/memory/a/b" -> "/a/b", also under /sys/fs/cgroup/unified
 * and /sys/fs/cgroup (v2); a mount point itself is "/". Any other path is
 * returned as it is. The result points into p (or is "/").
 */
const char *cgroup_path_strip_mount(const char *p);
/* Is prefix the root: "/", or only slashes? */
bool cgroup_path_is_root(const char *prefix);
/*
 * Is path prefix itself or below it, component by component ("/ab" is not
 * below "/a")? Trailing slashes of prefix are ignored. The root holds every
 * path, even one a log wrote without its leading slash: a filter of "/"
 * keeps everything.
 */
bool cgroup_path_within(const char *path, const char *prefix);

#endif
