// SPDX-License-Identifier: GPL-2.0
/* Cgroup ids to paths, and what a path says about its workload. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_names.h"

#define MAX_DEPTH 64

struct cg_node {
	uint64_t id;		/* 0 = free (kernfs ids start at 1) */
	uint64_t parent_id;
	uint64_t used;		/* when last added or walked through */
	char name[CGROUP_NAME_MAX + 1];
};

/*
 * Open addressing over node indexes (+1; 0 is an empty slot), linear
 * probing, at most half full; deletions shift the probe run back, so there
 * are no tombstones.
 */
struct cgroup_names {
	struct cg_node *nodes;
	uint32_t *slots;
	size_t cap, n, n_slots;
	uint64_t clock;
	uint64_t forgotten;
	void (*forget)(void *arg, uint64_t id);
	void *arg;
};

struct cgroup_names *cgroup_names__new(size_t cap, void (*forget)(void *arg, uint64_t id),
				       void *arg)
{
	struct cgroup_names *cn = calloc(1, sizeof(*cn));

	if (!cn || !cap)
		goto err;
	cn->cap = cap;
	for (cn->n_slots = 16; cn->n_slots < cap * 2; cn->n_slots *= 2)
		;
	cn->forget = forget;
	cn->arg = arg;
	cn->nodes = malloc(cap * sizeof(*cn->nodes));
	cn->slots = malloc(cn->n_slots * sizeof(*cn->slots));
	if (!cn->nodes || !cn->slots)
		goto err;
	/* allocated now, not on the event path; locking memory brings it all in */
	memset(cn->nodes, 0, cap * sizeof(*cn->nodes));
	memset(cn->slots, 0, cn->n_slots * sizeof(*cn->slots));
	return cn;
err:
	cgroup_names__free(cn);
	return NULL;
}

void cgroup_names__free(struct cgroup_names *cn)
{
	if (!cn)
		return;
	free(cn->nodes);
	free(cn->slots);
	free(cn);
}

static size_t home_of(const struct cgroup_names *cn, uint64_t id)
{
	return (size_t)(id * 0x9e3779b97f4a7c15ull >> 20) & (cn->n_slots - 1);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t slot_of(const struct cgroup_names *cn, uint64_t id)
{
	size_t i = home_of(cn, id);

	while (cn->slots[i] && cn->nodes[cn->slots[i] - 1].id != id)
		i = (i + 1) & (cn->n_slots - 1);
	return i;
}

static struct cg_node *lookup(const struct cgroup_names *cn, uint64_t id)
{
	uint32_t k = cn->slots[slot_of(cn, id)];

	return k ? &cn->nodes[k - 1] : NULL;
}

/* Empty slot i and move later entries of its probe run back into the gap. */
static void unslot(struct cgroup_names *cn, size_t i)
{
	size_t mask = cn->n_slots - 1, j = i;

	cn->slots[i] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!cn->slots[j])
			return;
		home = home_of(cn, cn->nodes[cn->slots[j] - 1].id);
		/* stays if its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		cn->slots[i] = cn->slots[j];
		cn->slots[j] = 0;
		i = j;
	}
}

/* A node to (re)use: a free one, else the least recently used, forgotten. */
static struct cg_node *make_room(struct cgroup_names *cn)
{
	struct cg_node *v = NULL;
	uint64_t id;

	if (cn->n < cn->cap)
		return &cn->nodes[cn->n++];
	for (size_t i = 0; i < cn->cap; i++)
		if (!v || cn->nodes[i].used < v->used)
			v = &cn->nodes[i];
	id = v->id;
	unslot(cn, slot_of(cn, id));
	v->id = 0;
	cn->forgotten++;
	if (cn->forget)
		cn->forget(cn->arg, id);
	return v;
}

int cgroup_names__add(struct cgroup_names *cn, uint64_t id, uint64_t parent_id,
		      const char *name)
{
	struct cg_node *s;
	size_t slot;

	if (!id)
		return -EINVAL;
	s = lookup(cn, id);
	if (!s) {
		s = make_room(cn);
		slot = slot_of(cn, id);
		cn->slots[slot] = (uint32_t)(s - cn->nodes) + 1;
		s->id = id;
	}
	s->parent_id = parent_id;
	s->used = ++cn->clock;
	snprintf(s->name, sizeof(s->name), "%s", name);
	return 0;
}

uint64_t cgroup_names__forgotten(const struct cgroup_names *cn)
{
	return cn->forgotten;
}

int cgroup_names__path(struct cgroup_names *cn, uint64_t id, char *buf, size_t size)
{
	struct cg_node *chain[MAX_DEPTH];
	size_t depth = 0, used = 0;

	if (!size)
		return -EINVAL;
	buf[0] = '\0';
	while (id && depth < MAX_DEPTH) {
		struct cg_node *s = lookup(cn, id);

		if (!s)
			return -ENOENT;
		chain[depth++] = s;
		id = s->parent_id;
	}
	if (id)		/* deeper than we follow */
		return -ENOENT;
	cn->clock++;
	for (size_t i = 0; i < depth; i++)
		chain[i]->used = cn->clock;
	/* chain[depth-1] is the hierarchy root: its name is not in the path */
	for (size_t i = depth - 1; i-- > 0;) {
		size_t len = strlen(chain[i]->name);

		if (used + 1 + len + 1 > size)
			break;
		buf[used++] = '/';
		memcpy(buf + used, chain[i]->name, len);
		used += len;
	}
	if (!used)
		buf[used++] = '/';
	buf[used] = '\0';
	return 0;
}

static bool is_hex_id(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/* A container id in one path component: bare, or prefix-<id>[.scope]. */
static void match_container(const char *c, size_t len, struct cgroup_origin *o)
{
	static const char *prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-", "" };

	if (has_suffix(c, len, ".scope"))
		len -= strlen(".scope");
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t p = strlen(prefixes[i]);

		if (len > p && !memcmp(c, prefixes[i], p) && is_hex_id(c + p, len - p)) {
			memcpy(o->container_id, c + p, 64);
			o->container_id[64] = '\0';
			return;
		}
	}
}

/* "pod<uid>" (cgroupfs driver) or "...-pod<uid_with_underscores>.slice" (systemd). */
static void match_pod(const char *c, size_t len, struct cgroup_origin *o)
{
	const char *p = NULL;
	size_t n;

	if (len > 3 && !memcmp(c, "pod", 3))
		p = c + 3;
	for (size_t i = 0; i + 4 < len && !p; i++)
		if (!memcmp(c + i, "-pod", 4))
			p = c + i + 4;
	if (!p)
		return;
	n = len - (size_t)(p - c);
	if (has_suffix(p, n, ".slice"))
		n -= strlen(".slice");
	if (n != 36)
		return;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i] == '_' ? '-' : p[i];

		if (!isxdigit((unsigned char)ch) && ch != '-')
			return;
		o->pod_uid[i] = ch;
	}
	o->pod_uid[n] = '\0';
}

void cgroup_origin_from_path(const char *path, struct cgroup_origin *o)
{
	const char *c = path;

	memset(o, 0, sizeof(*o));
	while (c && *c) {
		const char *end;
		size_t len;

		while (*c == '/')
			c++;
		end = strchr(c, '/');
		len = end ? (size_t)(end - c) : strlen(c);
		if (len && (has_suffix(c, len, ".service") || has_suffix(c, len, ".scope")) &&
		    len < sizeof(o->unit)) {
			memcpy(o->unit, c, len);
			o->unit[len] = '\0';
		}
		match_container(c, len, o);
		match_pod(c, len, o);
		c = end;
	}
}
