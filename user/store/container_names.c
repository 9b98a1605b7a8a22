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
#include "clock_now.h"
#include "container_names.h"
#include "jsonl_reader.h"

#define ID_LEN 64
#define DOCKER_MAX_BYTES (1u << 20)
#define PODMAN_MAX_BYTES (16u << 20)

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

/*
 * docker's and podman's files are read a piece at a time through a
 * streaming scanner in fixed storage: the lookups run where events are
 * written, and nothing there may allocate (they took the whole file, up to
 * 1 or 16 MiB, and a token array for it). The scanner checks the structure
 * (brackets, commas, colons, strings, where values may be) and hands the
 * string values it meets, with their keys and array positions, to the
 * caller; the strings are decoded as jsonl_reader decodes them (jr_str).
 * Not shared between threads: the storage is static.
 */
#define JS_DEPTH JR_MAX_DEPTH
#define JS_KEY_MAX 48		/* longer keys match none of ours */
#define JS_STR 1536		/* a raw string value (escapes intact) longer is one that fits nowhere */

enum js_state {
	JS_VALUE,		/* a value expected */
	JS_ARR_FIRST,		/* after '[': a value or ']' */
	JS_OBJ_FIRST,		/* after '{': a key or '}' */
	JS_KEY,			/* after ',' in an object: a key */
	JS_COLON,
	JS_AFTER,		/* after a value: ',' or a closing bracket (or the end) */
	JS_STRING,
	JS_ESC,
	JS_UHEX,
	JS_LITERAL,		/* numbers, true, false, null: skipped */
};

struct jscan {
	int depth;		/* containers open */
	char type[JS_DEPTH];	/* 'o' or 'a' */
	uint32_t idx[JS_DEPTH];	/* arrays: the element's index */
	char key[JS_DEPTH][JS_KEY_MAX];	/* objects: the member's key, decoded ("" if none of ours) */
	char root;		/* the root value's type: 'o', 'a', or 0 for a scalar */
	bool done, bad, str_is_key, str_over;
	enum js_state state;
	int hex_left;
	size_t str_len;
	char str[JS_STR];
	/* a string value inside the open containers (depth, type, idx, key) */
	void (*on_str)(struct jscan *js, const char *raw, size_t len, bool over);
	/* a container closes; depth is still its own */
	void (*on_close)(struct jscan *js);
	void *arg;
};

/* raw (a string's bytes between the quotes) decoded into buf, as jr_str does. */
static int js_decode(const char *raw, size_t len, char *buf, size_t size)
{
	struct jr_tok tok = { .type = JR_STRING, .start = 0, .len = (uint32_t)len };
	struct jr_doc d = { .text = raw, .toks = &tok, .n_toks = 1, .cap = 1 };

	return jr_str(&d, 0, buf, size, NULL);
}

static void js_init(struct jscan *js, void (*on_str)(struct jscan *, const char *, size_t, bool),
		    void (*on_close)(struct jscan *), void *arg)
{
	js->depth = 0;
	js->root = 0;
	js->done = js->bad = false;
	js->state = JS_VALUE;
	js->on_str = on_str;
	js->on_close = on_close;
	js->arg = arg;
}

static void js_value_end(struct jscan *js)
{
	if (!js->depth)
		js->done = true;
	js->state = JS_AFTER;
}

static void js_open(struct jscan *js, char type)
{
	if (js->depth >= JS_DEPTH) {
		js->bad = true;
		return;
	}
	if (!js->depth)
		js->root = type;
	js->type[js->depth] = type;
	js->idx[js->depth] = 0;
	js->key[js->depth][0] = '\0';
	js->depth++;
	js->state = type == 'o' ? JS_OBJ_FIRST : JS_ARR_FIRST;
}

static void js_close(struct jscan *js, char type)
{
	if (!js->depth || js->type[js->depth - 1] != type) {
		js->bad = true;
		return;
	}
	if (js->on_close)
		js->on_close(js);
	js->depth--;
	js_value_end(js);
}

static void js_string_end(struct jscan *js)
{
	if (js->str_is_key) {
		char *k = js->key[js->depth - 1];

		if (js->str_over || js_decode(js->str, js->str_len, k, JS_KEY_MAX))
			k[0] = '\0';
		js->state = JS_COLON;
		return;
	}
	if (js->on_str)
		js->on_str(js, js->str, js->str_len, js->str_over);
	js_value_end(js);
}

static void js_byte(struct jscan *js, char c)
{
	switch (js->state) {
	case JS_STRING:
		if (c == '"') {
			js_string_end(js);
			return;
		}
		if (c == '\\')
			js->state = JS_ESC;
		break;
	case JS_ESC:
		js->state = c == 'u' ? JS_UHEX : JS_STRING;
		js->hex_left = 4;
		break;
	case JS_UHEX:
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
			js->bad = true;
			return;
		}
		if (!--js->hex_left)
			js->state = JS_STRING;
		break;
	case JS_LITERAL:
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
		    c == '-' || c == 'E')
			return;
		js_value_end(js);
		js_byte(js, c);
		return;
	default:
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			return;
		switch (js->state) {
		case JS_ARR_FIRST:
			if (c == ']') {
				js_close(js, 'a');
				return;
			}
			/* fall through */
		case JS_VALUE:
			if (js->done) {
				js->bad = true;
			} else if (c == '"') {
				js->state = JS_STRING;
				js->str_is_key = false;
				js->str_len = 0;
				js->str_over = false;
			} else if (c == '{' || c == '[') {
				js_open(js, c == '{' ? 'o' : 'a');
			} else if ((c >= '0' && c <= '9') || c == '-' || c == 't' || c == 'f' ||
				   c == 'n') {
				js->state = JS_LITERAL;
			} else {
				js->bad = true;
			}
			return;
		case JS_OBJ_FIRST:
			if (c == '}') {
				js_close(js, 'o');
				return;
			}
			/* fall through */
		case JS_KEY:
			if (c != '"') {
				js->bad = true;
				return;
			}
			js->state = JS_STRING;
			js->str_is_key = true;
			js->str_len = 0;
			js->str_over = false;
			return;
		case JS_COLON:
			if (c != ':')
				js->bad = true;
			js->state = JS_VALUE;
			return;
		case JS_AFTER:
			if (!js->depth) {
				js->bad = true;
			} else if (c == ',') {
				if (js->type[js->depth - 1] == 'a') {
					js->idx[js->depth - 1]++;
					js->state = JS_VALUE;
				} else {
					js->state = JS_KEY;
				}
			} else if (c == '}' || c == ']') {
				js_close(js, c == '}' ? 'o' : 'a');
			} else {
				js->bad = true;
			}
			return;
		default:
			return;
		}
	}
	/* inside a string: its raw bytes, kept while they fit */
	if (js->str_len < sizeof(js->str))
		js->str[js->str_len++] = c;
	else
		js->str_over = true;
}

/* Feed len bytes; false once the text cannot be JSON. */
static bool js_feed(struct jscan *js, const char *s, size_t len)
{
	for (size_t i = 0; i < len && !js->bad; i++)
		js_byte(js, s[i]);
	return !js->bad;
}

/* At the end of the text: was it one whole JSON value? */
static bool js_end(struct jscan *js)
{
	if (js->state == JS_LITERAL)
		js_value_end(js);
	return !js->bad && js->done && !js->depth && js->state == JS_AFTER;
}

/* The open containers are these, outermost first ('o'/'a', and "key" for objects). */
static bool js_at(const struct jscan *js, int depth, const char *key0, const char *key1,
		  const char *key2)
{
	const char *keys[3] = { key0, key1, key2 };

	if (js->depth != depth)
		return false;
	for (int i = 0; i < depth && i < 3; i++)
		if (keys[i] && (js->type[i] != 'o' || strcmp(js->key[i], keys[i])))
			return false;
	return true;
}

/* What docker's config.v2.json names, as it is scanned. */
struct docker_scan {
	struct oom_names n;
	bool have_ns, have_pod, have_ctr, have_name;
	char name[sizeof(((struct oom_names *)0)->container) + 1];
};

/* A string field, decoded, the first time its key comes; "" when it does not fit. */
static void js_take(const char *raw, size_t len, bool over, char *buf, size_t size, bool *have)
{
	if (*have)
		return;
	*have = true;
	if (over || js_decode(raw, len, buf, size))
		buf[0] = '\0';
}

static void docker_str(struct jscan *js, const char *raw, size_t len, bool over)
{
	struct docker_scan *d = js->arg;

	if (js_at(js, 1, "Name", NULL, NULL)) {
		js_take(raw, len, over, d->name, sizeof(d->name), &d->have_name);
		return;
	}
	/* a pod's container run by the kubelet through docker: its labels say all */
	if (!js_at(js, 3, "Config", "Labels", NULL) || js->type[2] != 'o')
		return;
	if (!strcmp(js->key[2], "io.kubernetes.pod.namespace"))
		js_take(raw, len, over, d->n.ns, sizeof(d->n.ns), &d->have_ns);
	else if (!strcmp(js->key[2], "io.kubernetes.pod.name"))
		js_take(raw, len, over, d->n.pod, sizeof(d->n.pod), &d->have_pod);
	else if (!strcmp(js->key[2], "io.kubernetes.container.name"))
		js_take(raw, len, over, d->n.container, sizeof(d->n.container), &d->have_ctr);
}

static int docker_result(struct jscan *js, struct docker_scan *d, struct oom_names *ret)
{
	if (!js_end(js) || js->root != 'o')
		return -EINVAL;
	if (!d->n.container[0]) {
		/* docker's own: "/web-1" */
		const char *p = d->name;

		if (*p == '/')
			p++;
		if (set_field(d->n.container, sizeof(d->n.container), p, strlen(p)))
			d->n.container[0] = '\0';
	}
	if (!d->n.container[0] && !d->n.pod[0])
		return -ENOENT;
	*ret = d->n;
	return 0;
}

/* containers/storage's containers.json, as it is scanned: the entry of id. */
struct podman_scan {
	const char *id;
	/* the entry being scanned */
	char eid[ID_LEN + 1];
	bool have_eid, eid_ok, have_name, name_ok;
	char name[sizeof(((struct oom_names *)0)->container)];
	/* the first entry of id */
	bool matched;
	struct oom_names n;
	bool found;
};

static void podman_str(struct jscan *js, const char *raw, size_t len, bool over)
{
	struct podman_scan *p = js->arg;

	/* [{"id":"<64 hex>","names":["web"],...}, ...] */
	if (js->depth < 2 || js->type[0] != 'a' || js->type[1] != 'o')
		return;
	if (js->depth == 2 && !strcmp(js->key[1], "id") && !p->have_eid) {
		p->have_eid = true;
		p->eid_ok = !over && !js_decode(raw, len, p->eid, sizeof(p->eid));
	} else if (js->depth == 3 && !strcmp(js->key[1], "names") && js->type[2] == 'a' &&
		   js->idx[2] == 0 && !p->have_name) {
		p->have_name = true;
		p->name_ok = !over && !js_decode(raw, len, p->name, sizeof(p->name)) && p->name[0];
	}
}

static void podman_close(struct jscan *js)
{
	struct podman_scan *p = js->arg;

	/* an entry ends: the first of id decides */
	if (js->depth != 2 || js->type[0] != 'a' || js->type[1] != 'o')
		return;
	if (!p->matched && p->eid_ok && !strcmp(p->eid, p->id)) {
		p->matched = true;
		if (p->name_ok) {
			memcpy(p->n.container, p->name, sizeof(p->name));
			p->found = true;
		}
	}
	p->have_eid = p->eid_ok = p->have_name = p->name_ok = false;
}

static int podman_result(struct jscan *js, struct podman_scan *p, struct oom_names *ret)
{
	if (!js_end(js) || js->root != 'a')
		return -EINVAL;
	if (!p->found)
		return -ENOENT;
	*ret = p->n;
	return 0;
}

static struct jscan scanner;

int docker_config_names(const char *text, size_t len, struct oom_names *ret)
{
	struct docker_scan d = {};

	js_init(&scanner, docker_str, NULL, &d);
	js_feed(&scanner, text, len);
	return docker_result(&scanner, &d, ret);
}

int podman_containers_names(const char *text, size_t len, const char *id,
			    struct oom_names *ret)
{
	struct podman_scan p = { .id = id };

	js_init(&scanner, podman_str, podman_close, &p);
	js_feed(&scanner, text, len);
	return podman_result(&scanner, &p, ret);
}

/*
 * The file at path through the scanner, a piece at a time: 0, or -errno
 * (-EFBIG past max bytes, -EINVAL once it cannot be JSON).
 */
static int scan_file(struct jscan *js, const char *path, size_t max)
{
	static char piece[4096];
	size_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, piece, sizeof(piece));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (!n)
			break;
		total += (size_t)n;
		if (total > max) {
			err = -EFBIG;
			break;
		}
		if (!js_feed(js, piece, (size_t)n)) {
			err = -EINVAL;
			break;
		}
	}
	close(fd);
	return err;
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
	struct docker_scan d = {};
	char path[4096];

	if (!cn->docker_dir ||
	    snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", cn->docker_dir, id) >=
	    (int)sizeof(path))
		return -ENOENT;
	js_init(&scanner, docker_str, NULL, &d);
	if (scan_file(&scanner, path, DOCKER_MAX_BYTES))
		return -ENOENT;
	return docker_result(&scanner, &d, ret);
}

static int from_podman(const struct container_names *cn, const char *id, struct oom_names *ret)
{
	struct podman_scan p = { .id = id };
	char path[4096];

	if (!cn->podman_dir ||
	    snprintf(path, sizeof(path), "%s/overlay-containers/containers.json",
		     cn->podman_dir) >= (int)sizeof(path))
		return -ENOENT;
	js_init(&scanner, podman_str, podman_close, &p);
	if (scan_file(&scanner, path, PODMAN_MAX_BYTES))
		return -ENOENT;
	return podman_result(&scanner, &p, ret);
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
