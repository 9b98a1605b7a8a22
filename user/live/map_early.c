// SPDX-License-Identifier: GPL-2.0
/* The large maps created early, in parallel (map_early.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kfeatures.h"
#include "log.h"
#include "map_early.h"
#include "oomtrace.h"
#include "tmp_thread.h"

/*
 * As bpf/oomtrace.bpf.c defines them; map_early_use() hands over only those
 * whose definition is the object's own, so a change there costs start-up
 * time, never a wrong map. In the order the load needs them: those of
 * handle_mark_victim first (the split load's heavy object waits for those
 * alone, loader.c), the ring buffer the first of them; the command lines'
 * cache, the largest (preallocated, 4096 x 776 bytes: some 5 ms), last, as
 * only the other programs use it, and made as cmdlines_map_def() says.
 */
static struct early_map {
	const char *name;
	enum bpf_map_type type;
	/* events: entries set by map_early_start(); cmdlines: type, entries
	 * and flags (cmdlines_map_def()) */
	uint32_t key, value, entries;
	uint32_t flags;
	int fd;			/* -1: not made (yet), or failed */
	atomic_bool made;	/* fd is final */
} maps[] = {
	/* the ring buffer's pages, zeroed: 0.7 ms for 4 MiB on a quiet guest,
	 * several when other work competes for memory */
	{ "events", BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0, -1 },
	{ "sent_cgroups", BPF_MAP_TYPE_LRU_HASH, sizeof(uint64_t), 1, 8192, 0, -1 },
	{ "reclaim_domains", BPF_MAP_TYPE_LRU_HASH, sizeof(uint64_t),
	  sizeof(struct oomt_reclaim_domain), OOMT_RUNUP_DOMAINS, 0, -1 },
	{ "victims", BPF_MAP_TYPE_LRU_HASH, sizeof(uint32_t), 16, 4096, 0, -1 },
	{ "reclaim_tasks", BPF_MAP_TYPE_LRU_HASH, sizeof(uint32_t),
	  sizeof(struct oomt_reclaim_task), OOMT_RUNUP_TASKS, 0, -1 },
	{ "cmdlines", BPF_MAP_TYPE_UNSPEC, sizeof(uint32_t), sizeof(struct oomt_cmdline), 0, 0, -1 },
};

#define N_MAPS (sizeof(maps) / sizeof(maps[0]))

void cmdlines_map_def(enum bpf_map_type *type, uint32_t *flags, uint32_t *entries)
{
	bool run_time = kernel_hash_alloc_in_tracing();

	*type = run_time ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_LRU_HASH;
	*flags = run_time ? BPF_F_NO_PREALLOC : 0;
	*entries = run_time ? OOMT_CMDLINES_RT : OOMT_CMDLINES;
}

static atomic_uint next;
static struct tmp_thread thread;
static bool started, joined;

/* Make the next map nobody has taken: false when none is left. */
static bool make_next(void)
{
	unsigned int i = atomic_fetch_add(&next, 1);

	if (i >= N_MAPS)
		return false;
	if (maps[i].entries) {
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = maps[i].flags);

		maps[i].fd = bpf_map_create(maps[i].type, maps[i].name, maps[i].key,
					    maps[i].value, maps[i].entries, &opts);
	}
	atomic_store(&maps[i].made, true);
	return true;
}

static void *run(void *arg)
{
	(void)arg;
	while (make_next())
		;
	return NULL;
}

void map_early_start(uint32_t ringbuf_bytes)
{
	if (started)
		return;
	for (size_t i = 0; i < N_MAPS; i++) {
		if (maps[i].type == BPF_MAP_TYPE_RINGBUF)
			maps[i].entries = ringbuf_bytes;
		if (!strcmp(maps[i].name, "cmdlines"))
			cmdlines_map_def(&maps[i].type, &maps[i].flags, &maps[i].entries);
	}
	/* a few frames deep: no need for the default 8 MiB */
	started = !tmp_thread_start(&thread, 64 << 10, run, NULL);
}

static bool same_definition(const struct bpf_map *m, const struct early_map *e)
{
	return bpf_map__type(m) == e->type && bpf_map__key_size(m) == e->key &&
	       bpf_map__value_size(m) == e->value && bpf_map__max_entries(m) == e->entries &&
	       bpf_map__map_flags(m) == e->flags;
}

/* obj creates m itself, unless it has its fd already or creates none. */
static bool wants(const struct bpf_map *m)
{
	return m && bpf_map__autocreate(m) && bpf_map__fd(m) < 0;
}

void map_early_use(struct bpf_object *obj)
{
	bool all_made;

	if (!started)
		return;
	/* the ones obj wants, made here if the thread has not taken them yet,
	 * else waited for; the thread goes on with the rest meanwhile */
	for (;;) {
		bool waiting = false;

		for (size_t i = 0; i < N_MAPS; i++)
			if (!atomic_load(&maps[i].made) &&
			    wants(bpf_object__find_map_by_name(obj, maps[i].name)))
				waiting = true;
		if (!waiting)
			break;
		if (!make_next())
			usleep(50);	/* the thread is making it */
	}
	all_made = true;
	for (size_t i = 0; i < N_MAPS; i++)
		all_made = all_made && atomic_load(&maps[i].made);
	if (all_made && !joined) {
		tmp_thread_join(&thread);
		joined = true;
	}
	for (size_t i = 0; i < N_MAPS; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, maps[i].name);
		int err;

		if (!atomic_load(&maps[i].made) || maps[i].fd < 0 || !wants(m))
			continue;
		if (!same_definition(m, &maps[i])) {
			log_debug("map %s: not as made early: libbpf makes it", maps[i].name);
			continue;
		}
		err = bpf_map__reuse_fd(m, maps[i].fd);
		if (err)
			log_debug("map %s: cannot use the one made early: %s", maps[i].name,
				  strerror(-err));
	}
}

/* The kinds map_early_own() makes: arrays, whose values here need no BTF
 * (no timer, lock or kptr in them; wake_timer's is left to libbpf). */
static bool own_kind(const struct bpf_map *m)
{
	return (bpf_map__type(m) == BPF_MAP_TYPE_ARRAY ||
		bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_ARRAY) &&
	       strcmp(bpf_map__name(m), "wake_timer");
}

int map_early_own(struct bpf_object *obj)
{
	struct bpf_map *m;
	int ret = 0;

	bpf_object__for_each_map(m, obj) {
		LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = bpf_map__map_flags(m));
		const uint32_t zero = 0;
		size_t size = 0;
		const void *init;
		int fd, err = 0;

		if (!wants(m) || !own_kind(m))
			continue;
		fd = bpf_map_create(bpf_map__type(m), bpf_map__name(m), bpf_map__key_size(m),
				    bpf_map__value_size(m), bpf_map__max_entries(m), &opts);
		if (fd < 0)
			err = -errno;
		/* as libbpf fills a global data section's map: its image, and
		 * .rodata frozen (the verifier reads its constants then) */
		init = fd >= 0 ? bpf_map__initial_value(m, &size) : NULL;
		if (init && size == bpf_map__value_size(m) && bpf_map_update_elem(fd, &zero, init, 0))
			err = -errno;
		if (!err && init && (bpf_map__map_flags(m) & BPF_F_RDONLY_PROG) && bpf_map_freeze(fd))
			err = -errno;
		if (!err)
			err = bpf_map__reuse_fd(m, fd);
		if (fd >= 0)
			close(fd);
		if (err) {
			log_debug("map %s: not made ahead: %s", bpf_map__name(m), strerror(-err));
			if (!ret)
				ret = err;
		}
	}
	return ret;
}

bool map_early_complete(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj)
		if (wants(m))
			return false;
	return true;
}

void map_early_done(void)
{
	if (started && !joined) {
		tmp_thread_join(&thread);
		joined = true;
	}
	for (size_t i = 0; i < N_MAPS; i++) {
		if (maps[i].fd >= 0)
			close(maps[i].fd);
		maps[i].fd = -1;
	}
}
