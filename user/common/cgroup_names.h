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

/* Longer names (BPF sends at most 128 bytes) are cut. */
#define CGROUP_NAME_MAX 128

/*
 * A table of at most cap nodes, allocated here, once: adding never
 * allocates, so naming cgroups does not fail under the memory pressure of
 * the OOM being traced. When it is full,
 * the node least recently added or walked through makes room, and
 * forget(arg, id) is told, so that whoever sent the names (BPF's
 * sent_cgroups map) sends that one again when it is next needed.
 * NULL on ENOMEM.
 */
struct cgroup_names *cgroup_names__new(size_t cap, void (*forget)(void *arg, uint64_t id),
				       void *arg);
void cgroup_names__free(struct cgroup_names *cn);
/* Remember (or rename) a node: 0, or -EINVAL for id 0. */
int cgroup_names__add(struct cgroup_names *cn, uint64_t id, uint64_t parent_id,
		      const char *name);
/*
 * Write the path of id ("/" for a root, "/a/b" below it) into buf.
 * Returns 0, or -ENOENT when id (or an ancestor) is not known.
 */
int cgroup_names__path(struct cgroup_names *cn, uint64_t id, char *buf, size_t size);
/* Nodes dropped to make room so far. */
uint64_t cgroup_names__forgotten(const struct cgroup_names *cn);

struct cgroup_origin {
	char unit[256];		/* last *.service or *.scope component */
	char container_id[80];	/* docker/containerd/CRI-O 64-hex id */
	char pod_uid[40];	/* kubepods pod uid, dashes restored */
};

/* Derive unit/container/pod from a cgroup path; fields left "" if absent. */
void cgroup_origin_from_path(const char *path, struct cgroup_origin *o);

#endif
