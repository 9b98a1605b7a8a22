// SPDX-License-Identifier: GPL-2.0
/* Cgroup ids to paths, and what a path says about its workload. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_names.h"

#define MAX_DEPTH 64

struct cg_node {
	uint64_t id;		/* 0 = empty slot (kernfs ids start at 1) */
	uint64_t parent_id;
	char *name;
};

struct cgroup_names {
	struct cg_node *slots;
	size_t cap, n;		/* cap is a power of two */
};

struct cgroup_names *cgroup_names__new(void)
{
	struct cgroup_names *cn = calloc(1, sizeof(*cn));

	if (!cn)
		return NULL;
	cn->cap = 256;
	cn->slots = calloc(cn->cap, sizeof(*cn->slots));
	if (!cn->slots) {
		free(cn);
		return NULL;
	}
	return cn;
}

void cgroup_names__free(struct cgroup_names *cn)
{
	if (!cn)
		return;
	for (size_t i = 0; i < cn->cap; i++)
		free(cn->slots[i].name);
	free(cn->slots);
	free(cn);
}

static size_t slot_of(const struct cgroup_names *cn, uint64_t id)
{
	size_t i = (size_t)(id * 0x9e3779b97f4a7c15ull) & (cn->cap - 1);

	while (cn->slots[i].id && cn->slots[i].id != id)
		i = (i + 1) & (cn->cap - 1);
	return i;
}

static int grow(struct cgroup_names *cn)
{
	struct cgroup_names bigger = { .cap = cn->cap * 2 };

	bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; i < cn->cap; i++)
		if (cn->slots[i].id)
			bigger.slots[slot_of(&bigger, cn->slots[i].id)] = cn->slots[i];
	free(cn->slots);
	cn->slots = bigger.slots;
	cn->cap = bigger.cap;
	return 0;
}

int cgroup_names__add(struct cgroup_names *cn, uint64_t id, uint64_t parent_id,
		      const char *name)
{
	struct cg_node *s;
	char *copy;

	if (!id)
		return -EINVAL;
	if ((cn->n + 1) * 2 > cn->cap && grow(cn))
		return -ENOMEM;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	s = &cn->slots[slot_of(cn, id)];
	if (!s->id)
		cn->n++;
	free(s->name);
	s->id = id;
	s->parent_id = parent_id;
	s->name = copy;
	return 0;
}

int cgroup_names__path(const struct cgroup_names *cn, uint64_t id, char *buf, size_t size)
{
	const struct cg_node *chain[MAX_DEPTH];
	size_t depth = 0, used = 0;

	if (!size)
		return -EINVAL;
	buf[0] = '\0';
	while (id && depth < MAX_DEPTH) {
		const struct cg_node *s = &cn->slots[slot_of(cn, id)];

		if (!s->id)
			return -ENOENT;
		chain[depth++] = s;
		id = s->parent_id;
	}
	if (id)		/* deeper than we follow */
		return -ENOENT;
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
