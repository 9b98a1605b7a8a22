// SPDX-License-Identifier: GPL-2.0
/* Container names from the kubelet's log links, docker's and podman's state. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_names.h"
#include "container_names.h"
#include "jsonl_reader.h"

#define ID_LEN 64
#define DOCKER_MAX_BYTES (1u << 20)
#define DOCKER_MAX_TOKENS (1u << 15)
#define PODMAN_MAX_BYTES (16u << 20)
#define PODMAN_MAX_TOKENS (1u << 20)

struct cached {
	char id[ID_LEN + 1];	/* "" = free */
	bool found;
	uint64_t checked_ms;	/* when last looked up on disk */
	uint64_t used;
	struct oom_names names;
};

struct container_names {
	char *k8s_log_dir, *docker_dir, *podman_dir;
	struct cached *cache;
	uint64_t clock;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*failed = true;
	return d;
}

struct container_names *container_names__new(const char *k8s_log_dir, const char *docker_dir,
					     const char *podman_dir)
{
	struct container_names *cn = calloc(1, sizeof(*cn));
	bool failed = false;

	if (!cn)
		return NULL;
	cn->k8s_log_dir = dup_or_null(k8s_log_dir, &failed);
	cn->docker_dir = dup_or_null(docker_dir, &failed);
	cn->podman_dir = dup_or_null(podman_dir, &failed);
	cn->cache = calloc(CONTAINER_NAMES_CACHE, sizeof(*cn->cache));
	if (failed || !cn->cache) {
		container_names__free(cn);
		return NULL;
	}
	return cn;
}

void container_names__free(struct container_names *cn)
{
	if (!cn)
		return;
	free(cn->k8s_log_dir);
	free(cn->docker_dir);
	free(cn->podman_dir);
	free(cn->cache);
	free(cn);
}

/* Tokens len bytes of JSON can hold (a value and its comma take two), at most cap. */
static size_t tokens_for(size_t len, size_t cap)
{
	return len / 2 + 2 < cap ? len / 2 + 2 : cap;
}

/* Copy [s, s+len) into a field: -EINVAL when empty or too long (a cut name misleads). */
static int set_field(char *dst, size_t size, const char *s, size_t len)
{
	if (!len || len >= size || memchr(s, '\0', len))
		return -EINVAL;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

int k8s_log_link_names(const char *file_name, const char *id, struct oom_names *ret)
{
	size_t len = strlen(file_name), idl = strlen(id);
	const char *pod = file_name, *ns, *ctr, *end;
	struct oom_names n = {};

	/* <pod>_<namespace>_<container>-<id>.log */
	if (idl != ID_LEN || len < idl + 6 || strcmp(file_name + len - 4, ".log") ||
	    memcmp(file_name + len - 4 - idl, id, idl) || file_name[len - 5 - idl] != '-')
		return -ENOENT;
	end = file_name + len - 5 - idl;
	/* pod and namespace are DNS names: no '_' in them, so the first two split */
	ns = memchr(pod, '_', (size_t)(end - pod));
	if (!ns)
		return -EINVAL;
	ctr = memchr(ns + 1, '_', (size_t)(end - ns - 1));
	if (!ctr)
		return -EINVAL;
	if (set_field(n.pod, sizeof(n.pod), pod, (size_t)(ns - pod)) ||
	    set_field(n.ns, sizeof(n.ns), ns + 1, (size_t)(ctr - ns - 1)) ||
	    set_field(n.container, sizeof(n.container), ctr + 1, (size_t)(end - ctr - 1)))
		return -EINVAL;
	memcpy(n.container_id, id, idl + 1);
	*ret = n;
	return 0;
}

/* A string member, decoded; "" when absent or not a string that fits. */
static void get_name(const struct jr_doc *d, int obj, const char *key, char *buf, size_t size)
{
	if (obj < 0 || jr_get_str(d, obj, key, buf, size))
		buf[0] = '\0';
}

int docker_config_names(const char *text, size_t len, struct oom_names *ret)
{
	struct oom_names n = {};
	struct jr_doc d;
	char name[sizeof(n.container) + 1];
	int cfg, labels = -1, err;

	if (jr_doc__init(&d, tokens_for(len, DOCKER_MAX_TOKENS)))
		return -ENOMEM;
	err = jr_parse(&d, text, len);
	if (err || !jr_is(&d, 0, JR_OBJECT)) {
		err = -EINVAL;
		goto out;
	}
	/* a pod's container run by the kubelet through docker: its labels say all */
	cfg = jr_member(&d, 0, "Config");
	if (cfg >= 0 && jr_is(&d, cfg, JR_OBJECT))
		labels = jr_member(&d, cfg, "Labels");
	if (labels >= 0 && jr_is(&d, labels, JR_OBJECT)) {
		get_name(&d, labels, "io.kubernetes.pod.namespace", n.ns, sizeof(n.ns));
		get_name(&d, labels, "io.kubernetes.pod.name", n.pod, sizeof(n.pod));
		get_name(&d, labels, "io.kubernetes.container.name", n.container,
			 sizeof(n.container));
	}
	if (!n.container[0]) {
		/* docker's own: "/web-1" */
		const char *p = name;

		get_name(&d, 0, "Name", name, sizeof(name));
		if (*p == '/')
			p++;
		if (set_field(n.container, sizeof(n.container), p, strlen(p)))
			n.container[0] = '\0';
	}
	err = n.container[0] || n.pod[0] ? 0 : -ENOENT;
	if (!err)
		*ret = n;
out:
	jr_doc__free(&d);
	return err;
}

int podman_containers_names(const char *text, size_t len, const char *id,
			    struct oom_names *ret)
{
	struct oom_names n = {};
	struct jr_doc d;
	int err = -ENOENT;

	if (jr_doc__init(&d, tokens_for(len, PODMAN_MAX_TOKENS)))
		return -ENOMEM;
	if (jr_parse(&d, text, len) || !jr_is(&d, 0, JR_ARRAY)) {
		err = -EINVAL;
		goto out;
	}
	/* [{"id":"<64 hex>","names":["web"],...}, ...] */
	for (int e = jr_first(&d, 0); e >= 0; e = jr_next(&d, 0, e)) {
		char eid[ID_LEN + 1];
		int names;

		if (!jr_is(&d, e, JR_OBJECT) || jr_get_str(&d, e, "id", eid, sizeof(eid)) ||
		    strcmp(eid, id))
			continue;
		names = jr_member(&d, e, "names");
		if (names >= 0 && jr_is(&d, names, JR_ARRAY) && jr_first(&d, names) >= 0 &&
		    !jr_str(&d, jr_first(&d, names), n.container, sizeof(n.container), NULL) &&
		    n.container[0]) {
			err = 0;
			*ret = n;
		}
		break;
	}
out:
	jr_doc__free(&d);
	return err;
}

/* A whole small file, NUL-terminated: its length, or -errno (-EFBIG past max). */
static ssize_t read_file(const char *path, size_t max, char **ret)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL, *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (!buf || len + 1 >= cap) {
			if (buf)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			if (buf && len + 1 >= cap) {
				err = -EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*ret = buf;
	return (ssize_t)len;
}

static int from_k8s(const struct container_names *cn, const char *id, struct oom_names *ret)
{
	struct dirent *de;
	int err = -ENOENT;
	DIR *dir;

	if (!cn->k8s_log_dir || !(dir = opendir(cn->k8s_log_dir)))
		return -ENOENT;
	while ((de = readdir(dir)))
		if (!(err = k8s_log_link_names(de->d_name, id, ret)))
			break;
	closedir(dir);
	return err ? -ENOENT : 0;
}

static int from_docker(const struct container_names *cn, const char *id, struct oom_names *ret)
{
	char path[4096], *text;
	ssize_t len;
	int err;

	if (!cn->docker_dir ||
	    snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", cn->docker_dir, id) >=
	    (int)sizeof(path))
		return -ENOENT;
	len = read_file(path, DOCKER_MAX_BYTES, &text);
	if (len < 0)
		return -ENOENT;
	err = docker_config_names(text, (size_t)len, ret);
	free(text);
	return err;
}

static int from_podman(const struct container_names *cn, const char *id, struct oom_names *ret)
{
	char path[4096], *text;
	ssize_t len;
	int err;

	if (!cn->podman_dir ||
	    snprintf(path, sizeof(path), "%s/overlay-containers/containers.json",
		     cn->podman_dir) >= (int)sizeof(path))
		return -ENOENT;
	len = read_file(path, PODMAN_MAX_BYTES, &text);
	if (len < 0)
		return -ENOENT;
	err = podman_containers_names(text, (size_t)len, id, ret);
	free(text);
	return err;
}

static struct cached *cache_slot(struct container_names *cn, const char *id)
{
	struct cached *lru = NULL;

	for (size_t i = 0; i < CONTAINER_NAMES_CACHE; i++) {
		struct cached *c = &cn->cache[i];

		if (!strcmp(c->id, id))
			return c;
		if (!lru || c->used < lru->used)
			lru = c;
	}
	memset(lru, 0, sizeof(*lru));
	snprintf(lru->id, sizeof(lru->id), "%s", id);
	return lru;
}

int container_names__lookup(struct container_names *cn, const char *id, struct oom_names *ret)
{
	struct cached *c;
	uint64_t now;

	if (strlen(id) != ID_LEN)
		return -ENOENT;
	c = cache_slot(cn, id);
	c->used = ++cn->clock;
	now = mono_ms();
	/* a miss is retried now and then: the container may be new, its link not yet made */
	if (!c->found && (!c->checked_ms || now - c->checked_ms >= CONTAINER_NAMES_RETRY_MS)) {
		struct oom_names n = {};

		c->checked_ms = now ? now : 1;
		c->found = !from_k8s(cn, id, &n) || !from_docker(cn, id, &n) ||
			   !from_podman(cn, id, &n);
		if (c->found) {
			snprintf(n.container_id, sizeof(n.container_id), "%s", id);
			c->names = n;
		}
	}
	if (!c->found)
		return -ENOENT;
	*ret = c->names;
	return 0;
}

static void name_task(struct container_names *cn, struct oom_event *ev, const struct oom_task *t)
{
	struct cgroup_origin o;
	struct oom_names n, *slot;

	if (!(t->has & TASK_HAS_CGROUP))
		return;
	cgroup_origin_from_path(t->cgroup, &o);
	if (!o.container_id[0] || oom_event__names_of(ev, t))
		return;
	if (container_names__lookup(cn, o.container_id, &n))
		return;
	slot = oom_event__add_names(ev, o.container_id);
	if (slot)
		*slot = n;
}

void container_names__fill(struct container_names *cn, struct oom_event *ev)
{
	if (!cn)
		return;
	/* the ones people ask about first, while the table has room */
	if (ev->has & EV_HAS_VICTIM)
		name_task(cn, ev, &ev->victim);
	if (ev->has & EV_HAS_TRIGGER)
		name_task(cn, ev, &ev->trigger);
	for (size_t i = 0; i < ev->n_victims; i++)
		name_task(cn, ev, &ev->victims[i]);
	for (size_t i = 0; i < ev->n_candidates; i++)
		name_task(cn, ev, &ev->candidates[i]);
}
