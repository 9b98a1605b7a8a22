// SPDX-License-Identifier: GPL-2.0
/* Memory cgroup limits, usage and OOM counters (v1 and v2), and the memcg OOM's totalpages. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup_path.h"
#include "memcg_limits.h"
#include "procfs.h"

#define MOUNTINFO_MAX (1u << 20)
#define SMALL_FILE 4096

bool memcg_path_within(const char *path, const char *prefix)
{
	/* a task whose /proc path is no path is in no domain, not even the root */
	return (path[0] == '/' || !cgroup_path_is_root(prefix)) &&
	       cgroup_path_within(path, prefix);
}

/* Decode mountinfo's octal escapes (\040 for a space) of field f[0..len). */
static void unescape_field(const char *f, size_t len, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < size; i++) {
		if (f[i] == '\\' && i + 3 < len && f[i + 1] >= '0' && f[i + 1] <= '3' &&
		    f[i + 2] >= '0' && f[i + 2] <= '7' &&
		    f[i + 3] >= '0' && f[i + 3] <= '7') {
			out[o++] = (char)((f[i + 1] - '0') << 6 | (f[i + 2] - '0') << 3 |
					  (f[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = f[i];
		}
	}
	out[o] = '\0';
}

int memcg_parse_mountinfo(const char *buf, char *v1_dir, size_t v1_size, char *v2_dir,
			  size_t v2_size)
{
	const char *l = buf;

	v1_dir[0] = v2_dir[0] = '\0';
	while (l && *l) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *f[16];
		size_t fl[16], nf = 0, dash = 0;

		/* split on spaces: id parent dev root mountpoint opts [optional...] - type src super */
		for (size_t i = 0; i < len && nf < 16;) {
			size_t j = i;

			while (j < len && l[j] != ' ')
				j++;
			f[nf] = l + i;
			fl[nf] = j - i;
			if (fl[nf] == 1 && l[i] == '-' && nf >= 6 && !dash)
				dash = nf;
			nf++;
			i = j + 1;
		}
		if (len && (nf < 10 || !dash || nf < dash + 4))
			return -EINVAL;
		if (len) {
			const char *type = f[dash + 1], *super = f[dash + 3];
			size_t tl = fl[dash + 1], sl = fl[dash + 3];

			if (tl == 6 && !memcmp(type, "cgroup", 6) && !v1_dir[0] &&
			    procfs_in_list(super, sl, "memory"))
				unescape_field(f[4], fl[4], v1_dir, v1_size);
			else if (tl == 7 && !memcmp(type, "cgroup2", 7) && !v2_dir[0])
				unescape_field(f[4], fl[4], v2_dir, v2_size);
		}
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

int memcg_parse_limit(const char *buf, uint32_t page_size, uint64_t *ret_bytes)
{
	int64_t v;
	const char *s = buf;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!strncmp(s, "max", 3)) {
		for (s += 3; *s == ' ' || *s == '\n' || *s == '\t'; s++)
			;
		if (*s)
			return -EINVAL;
		*ret_bytes = UINT64_MAX;
		return 0;
	}
	if (procfs_parse_int(buf, 0, INT64_MAX, &v))
		return -EINVAL;
	/* v1 prints PAGE_COUNTER_MAX pages in bytes for "no limit" */
	if ((uint64_t)v / (page_size ? page_size : 4096) >= (uint64_t)INT64_MAX /
							     (page_size ? page_size : 4096))
		*ret_bytes = UINT64_MAX;
	else
		*ret_bytes = (uint64_t)v;
	return 0;
}

/* "key value" lines; calls back for each. Returns -EINVAL on a malformed line. */
static int parse_flat_keyed(const char *buf, void (*cb)(const char *key, size_t klen,
							uint64_t v, void *arg), void *arg)
{
	const char *l = buf;

	while (l && *l) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *sp = memchr(l, ' ', len);
		char num[32];
		int64_t v;
		size_t nlen;

		if (len) {
			if (!sp || sp == l)
				return -EINVAL;
			nlen = len - (size_t)(sp + 1 - l);
			if (nlen == 0 || nlen >= sizeof(num))
				return -EINVAL;
			memcpy(num, sp + 1, nlen);
			num[nlen] = '\0';
			if (procfs_parse_int(num, 0, INT64_MAX, &v))
				return -EINVAL;
			cb(l, (size_t)(sp - l), (uint64_t)v, arg);
		}
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

static bool key_is(const char *k, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(k, want, len);
}

static void events_cb(const char *k, size_t len, uint64_t v, void *arg)
{
	struct memcg_events *e = arg;

	if (key_is(k, len, "low"))
		e->low = v;
	else if (key_is(k, len, "high"))
		e->high = v;
	else if (key_is(k, len, "max"))
		e->max = v;
	else if (key_is(k, len, "oom"))
		e->oom = v;
	else if (key_is(k, len, "oom_kill"))
		e->oom_kill = v;
	else if (key_is(k, len, "oom_group_kill"))
		e->oom_group_kill = v;
}

int memcg_parse_events(const char *buf, struct memcg_events *ret)
{
	memset(ret, 0, sizeof(*ret));
	return parse_flat_keyed(buf, events_cb, ret);
}

static void oom_control_cb(const char *k, size_t len, uint64_t v, void *arg)
{
	struct memcg_oom_control *c = arg;

	if (key_is(k, len, "oom_kill_disable"))
		c->oom_kill_disable = v != 0;
	else if (key_is(k, len, "under_oom"))
		c->under_oom = v != 0;
	else if (key_is(k, len, "oom_kill")) {
		c->oom_kill = v;
		c->has_oom_kill = true;
	}
}

int memcg_parse_oom_control(const char *buf, struct memcg_oom_control *ret)
{
	memset(ret, 0, sizeof(*ret));
	return parse_flat_keyed(buf, oom_control_cb, ret);
}

static bool file_has_word(const char *path, const char *word)
{
	char buf[SMALL_FILE];
	const char *s;
	size_t w = strlen(word);

	if (procfs_read_file(path, buf, sizeof(buf)) < 0)
		return false;
	for (s = buf; (s = strstr(s, word)); s += w)
		if ((s == buf || s[-1] == ' ') && (!s[w] || s[w] == ' ' || s[w] == '\n'))
			return true;
	return false;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st);
}

int memcg_find_mount(const char *root, struct memcg_mount *ret, char *err, size_t err_size)
{
	char path[PATH_MAX], v1[PATH_MAX], v2[PATH_MAX], *buf;
	int n;

	memset(ret, 0, sizeof(*ret));
	buf = malloc(MOUNTINFO_MAX);
	if (!buf)
		return -ENOMEM;
	n = procfs_path(path, sizeof(path), "%s/proc/self/mountinfo", root);
	if (!n)
		n = procfs_read_file(path, buf, MOUNTINFO_MAX);
	if (n >= 0 && !memcg_parse_mountinfo(buf, v1, sizeof(v1), v2, sizeof(v2))) {
		free(buf);
		if (v1[0]) {
			ret->version = 1;
			if (!procfs_path(ret->dir, sizeof(ret->dir), "%s%s", root, v1))
				return 0;
		}
		if (v2[0]) {
			if (!procfs_path(path, sizeof(path), "%s%s/cgroup.controllers", root, v2) &&
			    file_has_word(path, "memory") &&
			    !procfs_path(ret->dir, sizeof(ret->dir), "%s%s", root, v2)) {
				ret->version = 2;
				return 0;
			}
		}
		snprintf(err, err_size, "no memory cgroup controller is mounted (%s)", path);
		return -ENOENT;
	}
	free(buf);
	/* no mountinfo: the places systemd and distributions use */
	if (!procfs_path(path, sizeof(path), "%s/sys/fs/cgroup/memory/memory.limit_in_bytes",
			 root) && path_exists(path) &&
	    !procfs_path(ret->dir, sizeof(ret->dir), "%s/sys/fs/cgroup/memory", root)) {
		ret->version = 1;
		return 0;
	}
	if (!procfs_path(path, sizeof(path), "%s/sys/fs/cgroup/cgroup.controllers", root) &&
	    file_has_word(path, "memory") &&
	    !procfs_path(ret->dir, sizeof(ret->dir), "%s/sys/fs/cgroup", root)) {
		ret->version = 2;
		return 0;
	}
	snprintf(err, err_size, "no memory cgroup controller found (%s/proc/self/mountinfo "
		 "unreadable, nothing at %s/sys/fs/cgroup)", root, root);
	return -ENOENT;
}

int memcg_normalize_path(const struct memcg_mount *m, const char *root, const char *arg,
			 char *ret, size_t size)
{
	const char *rel = m->dir + strlen(root);	/* the mount point as the host sees it */
	const char *p = arg;
	size_t n;

	if (arg[0] != '/')
		return -EINVAL;
	if (memcg_path_within(arg, m->dir))
		p = arg + strlen(m->dir);
	else if (rel[0] && memcg_path_within(arg, rel))
		p = arg + strlen(rel);
	if (strstr(p, "/../") || !strcmp(p, "/..") ||
	    (strlen(p) >= 3 && !strcmp(p + strlen(p) - 3, "/..")))
		return -EINVAL;
	n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	if (n == 0) {
		snprintf(ret, size, "/");
		return 0;
	}
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(ret, p, n);
	ret[n] = '\0';
	return 0;
}

/* Read DIR/NAME; 0 with buf, -ENOENT when absent, -errno otherwise. */
static int read_cg_file(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];
	int n;

	if (procfs_path(path, sizeof(path), "%s/%s", dir, name))
		return -ENAMETOOLONG;
	n = procfs_read_file(path, buf, size);
	return n < 0 ? n : 0;
}

static int bad_cg_file(char *err, size_t err_size, const char *dir, const char *name)
{
	snprintf(err, err_size, "%s/%s: malformed", dir, name);
	return -EINVAL;
}

/* Optional number file: absent leaves *ret alone and returns 0. */
static int read_cg_u64(const char *dir, const char *name, uint64_t *ret, bool *ret_present,
		       char *err, size_t err_size)
{
	char buf[SMALL_FILE];
	int64_t v;
	int r = read_cg_file(dir, name, buf, sizeof(buf));

	*ret_present = false;
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, err_size, "%s/%s: %s", dir, name, strerror(-r));
		return r;
	}
	if (procfs_parse_int(buf, 0, INT64_MAX, &v))
		return bad_cg_file(err, err_size, dir, name);
	*ret = (uint64_t)v;
	*ret_present = true;
	return 0;
}

static int read_cg_limit(const char *dir, const char *name, uint32_t page_size, uint64_t *ret,
			 bool *ret_present, char *err, size_t err_size)
{
	char buf[SMALL_FILE];
	int r = read_cg_file(dir, name, buf, sizeof(buf));

	*ret_present = false;
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, err_size, "%s/%s: %s", dir, name, strerror(-r));
		return r;
	}
	if (memcg_parse_limit(buf, page_size, ret))
		return bad_cg_file(err, err_size, dir, name);
	*ret_present = true;
	return 0;
}

static int read_v1(const char *dir, uint32_t page_size, struct memcg_info *mi, char *err,
		   size_t err_size)
{
	char buf[SMALL_FILE];
	uint64_t v;
	bool ok;
	int r;

	if ((r = read_cg_limit(dir, "memory.limit_in_bytes", page_size, &mi->limit_bytes, &ok,
			       err, err_size)))
		return r;
	if (!ok) {
		snprintf(err, err_size, "%s: not a v1 memory cgroup (no memory.limit_in_bytes)",
			 dir);
		return -ENOENT;
	}
	mi->has |= MC_HAS_LIMIT;
	if ((r = read_cg_limit(dir, "memory.memsw.limit_in_bytes", page_size,
			       &mi->memsw_limit_bytes, &ok, err, err_size)))
		return r;
	mi->has |= ok ? MC_HAS_MEMSW : 0;
	if ((r = read_cg_u64(dir, "memory.usage_in_bytes", &mi->usage_bytes, &ok, err,
			     err_size)))
		return r;
	mi->has |= ok ? MC_HAS_USAGE : 0;
	if ((r = read_cg_u64(dir, "memory.failcnt", &mi->failcnt, &ok, err, err_size)))
		return r;
	mi->has |= ok ? MC_HAS_FAILCNT : 0;
	if ((r = read_cg_u64(dir, "memory.swappiness", &v, &ok, err, err_size)))
		return r;
	if (ok) {
		mi->swappiness = v > 200 ? 200 : (unsigned int)v;
		mi->has |= MC_HAS_SWAPPINESS;
	}
	if ((r = read_cg_u64(dir, "memory.use_hierarchy", &v, &ok, err, err_size)))
		return r;
	mi->use_hierarchy = !ok || v;	/* always on since 5.x, and the file may be gone */
	mi->has |= ok ? MC_HAS_HIERARCHY : 0;
	r = read_cg_file(dir, "memory.oom_control", buf, sizeof(buf));
	if (!r) {
		if (memcg_parse_oom_control(buf, &mi->oom_control))
			return bad_cg_file(err, err_size, dir, "memory.oom_control");
		mi->has |= MC_HAS_OOM_CONTROL;
	}
	return 0;
}

static int read_v2(const char *dir, const char *path, uint32_t page_size,
		   struct memcg_info *mi, char *err, size_t err_size)
{
	char buf[SMALL_FILE];
	uint64_t v;
	bool ok;
	int r;

	if ((r = read_cg_limit(dir, "memory.max", page_size, &mi->limit_bytes, &ok, err,
			       err_size)))
		return r;
	if (!ok) {
		/* the root has no memory.max; anywhere else it means no memory controller */
		if (strcmp(path, "/")) {
			snprintf(err, err_size, "%s: the memory controller is not enabled here "
				 "(no memory.max)", dir);
			return -ENOENT;
		}
		mi->limit_bytes = UINT64_MAX;
	}
	mi->has |= MC_HAS_LIMIT;
	if ((r = read_cg_limit(dir, "memory.swap.max", page_size, &mi->swap_max_bytes, &ok, err,
			       err_size)))
		return r;
	mi->has |= ok ? MC_HAS_SWAP_MAX : 0;
	if ((r = read_cg_u64(dir, "memory.current", &mi->usage_bytes, &ok, err, err_size)))
		return r;
	mi->has |= ok ? MC_HAS_USAGE : 0;
	if ((r = read_cg_u64(dir, "memory.oom.group", &v, &ok, err, err_size)))
		return r;
	if (ok) {
		mi->oom_group = v != 0;
		mi->has |= MC_HAS_OOM_GROUP;
	}
	r = read_cg_file(dir, "memory.events", buf, sizeof(buf));
	if (!r) {
		if (memcg_parse_events(buf, &mi->events))
			return bad_cg_file(err, err_size, dir, "memory.events");
		mi->has |= MC_HAS_EVENTS;
	}
	mi->use_hierarchy = true;
	return 0;
}

int memcg_read(const struct memcg_mount *m, const char *path, uint32_t page_size,
	       struct memcg_info *ret, char *err, size_t err_size)
{
	char dir[PATH_MAX];
	struct stat st;

	memset(ret, 0, sizeof(*ret));
	ret->version = m->version;
	ret->limit_bytes = ret->memsw_limit_bytes = ret->swap_max_bytes = UINT64_MAX;
	snprintf(ret->path, sizeof(ret->path), "%s", path);
	if (procfs_path(dir, sizeof(dir), "%s%s", m->dir, strcmp(path, "/") ? path : "")) {
		snprintf(err, err_size, "cgroup path too long: %s", path);
		return -ENAMETOOLONG;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, err_size, "no memory cgroup %s (%s does not exist)", path, dir);
		return -ENOENT;
	}
	return m->version == 1 ? read_v1(dir, page_size, ret, err, err_size)
			       : read_v2(dir, path, page_size, ret, err, err_size);
}

bool memcg_is_limited(const struct memcg_info *mi)
{
	if (mi->limit_bytes != UINT64_MAX)
		return true;
	return mi->version == 1 && mi->has & MC_HAS_MEMSW && mi->memsw_limit_bytes != UINT64_MAX;
}

/* Bytes a charge can still take before this cgroup's own limit fails it. */
static uint64_t headroom(const struct memcg_info *mi)
{
	uint64_t h = UINT64_MAX;

	if (!(mi->has & MC_HAS_USAGE))
		return UINT64_MAX;
	if (mi->limit_bytes != UINT64_MAX)
		h = mi->limit_bytes > mi->usage_bytes ? mi->limit_bytes - mi->usage_bytes : 0;
	/* v1 memsw usage is not read: the memory+swap limit counts as at least as close */
	if (mi->version == 1 && mi->has & MC_HAS_MEMSW && mi->memsw_limit_bytes != UINT64_MAX) {
		uint64_t s = mi->memsw_limit_bytes > mi->usage_bytes ?
				     mi->memsw_limit_bytes - mi->usage_bytes : 0;

		if (s < h)
			h = s;
	}
	return h;
}

/* "/a/b" -> "/a"; "/a" -> "/" */
static void parent_path(char *p)
{
	char *slash = strrchr(p, '/');

	if (!slash || slash == p)
		strcpy(p, "/");
	else
		*slash = '\0';
}

int memcg_oom_domain(const struct memcg_mount *m, const char *path, uint32_t page_size,
		     struct memcg_info *ret, bool *ret_found, char *err, size_t err_size)
{
	char cur[OOM_PATH_MAX];
	struct memcg_info mi;
	uint64_t best = UINT64_MAX;
	int r;

	*ret_found = false;
	snprintf(cur, sizeof(cur), "%s", path);
	for (;;) {
		r = memcg_read(m, cur, page_size, &mi, err, err_size);
		if (r)
			return r;
		/* the root cgroup's "limit" is the machine: an OOM there is global */
		if (strcmp(cur, "/") && memcg_is_limited(&mi)) {
			uint64_t h = headroom(&mi);

			/*
			 * A charge climbs from the task's cgroup to the root and fails at
			 * the first counter over its limit: as usage grows, the one with
			 * the least room left fails first. Ties go to the nearest.
			 */
			if (!*ret_found || h < best) {
				*ret = mi;
				best = h;
				*ret_found = true;
			}
		}
		if (!strcmp(cur, "/"))
			break;
		parent_path(cur);
		/* v1 parent without use_hierarchy (before 5.x): charges stop below it */
		if (m->version == 1) {
			struct memcg_info parent;

			r = memcg_read(m, cur, page_size, &parent, err, err_size);
			if (r)
				return r;
			if (!parent.use_hierarchy)
				break;
		}
	}
	return 0;
}

uint64_t memcg_totalpages(const struct memcg_info *mi, uint64_t total_swap_pages,
			  unsigned int vm_swappiness, uint32_t page_size)
{
	uint64_t ps = page_size ? page_size : 4096;
	uint64_t counter_max = (uint64_t)INT64_MAX / ps;	/* PAGE_COUNTER_MAX */
	uint64_t max = mi->limit_bytes == UINT64_MAX ? counter_max : mi->limit_bytes / ps;

	if (mi->version == 1) {
		unsigned int swappiness = mi->has & MC_HAS_SWAPPINESS ? mi->swappiness
								      : vm_swappiness;

		if (swappiness) {
			uint64_t memsw = mi->has & MC_HAS_MEMSW &&
						 mi->memsw_limit_bytes != UINT64_MAX ?
					 mi->memsw_limit_bytes / ps : counter_max;
			/* unsigned, as in the kernel: memsw is never below the memory limit */
			uint64_t swap = memsw - max;

			max += swap < total_swap_pages ? swap : total_swap_pages;
		}
	} else if (vm_swappiness) {
		uint64_t swap = mi->has & MC_HAS_SWAP_MAX && mi->swap_max_bytes != UINT64_MAX ?
					mi->swap_max_bytes / ps : counter_max;

		max += swap < total_swap_pages ? swap : total_swap_pages;
	}
	return max ? max : 1;
}
