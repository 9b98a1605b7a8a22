/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroup names as the BPF side reports them (kernfs id, parent id, name),
 * turned into paths; and what a path says about where a task runs: the
 * systemd unit, the container id, the Kubernetes pod uid.
 */
#ifndef OOMTRACE_CGROUP_NAMES_H
#define OOMTRACE_CGROUP_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct cgroup_names;

struct cgroup_names *cgroup_names__new(void);
void cgroup_names__free(struct cgroup_names *cn);
/* Remember a node; 0 or -ENOMEM. */
int cgroup_names__add(struct cgroup_names *cn, uint64_t id, uint64_t parent_id,
		      const char *name);
/*
 * Write the path of id ("/" for a root, "/a/b" below it) into buf.
 * Returns 0, or -ENOENT when id (or an ancestor) was never named.
 */
int cgroup_names__path(const struct cgroup_names *cn, uint64_t id, char *buf, size_t size);

struct cgroup_origin {
	char unit[256];		/* last *.service or *.scope component */
	char container_id[80];	/* docker/containerd/CRI-O 64-hex id */
	char pod_uid[40];	/* kubepods pod uid, dashes restored */
};

/* Derive unit/container/pod from a cgroup path; fields left "" if absent. */
void cgroup_origin_from_path(const char *path, struct cgroup_origin *o);

#endif
