/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names people use for a container, from what the node keeps on disk,
 * without any API server:
 *  - Kubernetes: the kubelet's log links in /var/log/containers,
 *    <pod>_<namespace>_<container>-<container id>.log;
 *  - docker: /var/lib/docker/containers/<id>/config.v2.json, its "Name",
 *    or the kubelet's io.kubernetes.* labels (dockershim) when it has them;
 *  - podman: containers/storage's overlay-containers/containers.json, the
 *    container's "names" (podman's own database is BoltDB or SQLite, not
 *    read here).
 *
 * Lookups are cached (CONTAINER_NAMES_CACHE ids, least recently used
 * replaced), and an id found nowhere is looked up again at most every
 * CONTAINER_NAMES_RETRY_MS: an OOM storm in one container reads the disk
 * once. The reads are small and local (a directory listing, one file),
 * and allocate nothing: they run where events are written, under memory
 * pressure (files are scanned a piece at a time, in fixed storage).
 */
#ifndef OOMTRACE_CONTAINER_NAMES_H
#define OOMTRACE_CONTAINER_NAMES_H

#include <stddef.h>

#include "event.h"

/*
 * Four events' worth of distinct containers (OOM_NAMES_MAX each): the
 * cache is preallocated and, in the live tracer, locked resident.
 */
#define CONTAINER_NAMES_CACHE 64
#define CONTAINER_NAMES_RETRY_MS 5000

struct container_names;

/* The roots; NULL = not looked at. NULL on ENOMEM. */
struct container_names *container_names__new(const char *k8s_log_dir, const char *docker_dir,
					     const char *podman_dir);
void container_names__free(struct container_names *cn);
/*
 * Name the containers of the event's tasks (victim, victims, trigger,
 * candidates) into ev->names, up to OOM_NAMES_MAX of them.
 */
void container_names__fill(struct container_names *cn, struct oom_event *ev);
/* One id (64 hex): 0 and *ret filled (container_id too), or -ENOENT. */
int container_names__lookup(struct container_names *cn, const char *id, struct oom_names *ret);

/*
 * The parsers, on their input only (fuzzed): 0 with *ret filled, -ENOENT
 * (not this id / no name in it), -EINVAL (malformed). docker's and
 * podman's go through the streaming scanner the lookups read files with:
 * no allocation, one thread at a time (its storage is static).
 * A kubelet log link's file name for id.
 */
int k8s_log_link_names(const char *file_name, const char *id, struct oom_names *ret);
/* docker's config.v2.json. */
int docker_config_names(const char *text, size_t len, struct oom_names *ret);
/* containers/storage's containers.json: the entry of id. */
int podman_containers_names(const char *text, size_t len, const char *id,
			    struct oom_names *ret);

#endif
