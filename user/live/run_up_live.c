// SPDX-License-Identifier: GPL-2.0
/* How the OOM domain ran out, for live events (see run_up_live.h). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup_path.h"
#include "clock_now.h"
#include "procfs.h"
#include "procfs_read.h"
#include "run_up_live.h"

#define SMALL_FILE 4096	/* memory.events, pressure files: a few hundred bytes */

uint64_t run_up_key(const char *memcg_path)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	const char *p = memcg_path && !cgroup_path_is_root(memcg_path) ? memcg_path : "";

	/* "" is the machine; a path always starts with "/" */
	for (; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ull;
	}
	return h ? h : 1;
}

static void read_psi(const char *path, struct run_up_base *ret)
{
	char buf[SMALL_FILE];
	struct proc_psi psi;

	if (procfs_read_file(path, buf, sizeof(buf)) < 0 || procfs_parse_psi(buf, &psi))
		return;
	ret->psi_some_us = psi.some.total_us;
	ret->has |= RU_HAS_PSI_SOME;
	if (psi.full.present) {
		ret->psi_full_us = psi.full.total_us;
		ret->has |= RU_HAS_PSI_FULL;
	}
}

static void set_event(struct run_up_base *ret, enum ru_event e, uint64_t v)
{
	ret->events[e] = v;
	ret->events_has |= 1u << e;
}

/* v2: memory.events, each key where this kernel has it (oom_group_kill: 5.17+) */
static void read_events_v2(const char *dir, struct run_up_base *ret)
{
	static const enum ru_event keys[] = {
		RU_EV_HIGH, RU_EV_MAX, RU_EV_OOM, RU_EV_OOM_KILL, RU_EV_OOM_GROUP_KILL,
	};
	char path[4096], buf[SMALL_FILE];
	uint64_t v;

	if (procfs_path(path, sizeof(path), "%s/memory.events", dir) ||
	    procfs_read_file(path, buf, sizeof(buf)) < 0)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!procfs_find_key_u64(buf, ru_event_name(keys[i]), &v))
			set_event(ret, keys[i], v);
}

/* v1: memory.failcnt (charges refused at the limit), memory.oom_control's oom_kill (4.13+) */
static void read_events_v1(const char *dir, struct run_up_base *ret)
{
	char path[4096], buf[SMALL_FILE];
	uint64_t v;

	if (!procfs_path(path, sizeof(path), "%s/memory.failcnt", dir) &&
	    procfs_read_line(path, buf, sizeof(buf)) >= 0 && !procfs_parse_u64_prefix(buf, &v))
		set_event(ret, RU_EV_FAILCNT, v);
	if (!procfs_path(path, sizeof(path), "%s/memory.oom_control", dir) &&
	    procfs_read_file(path, buf, sizeof(buf)) >= 0 &&
	    !procfs_find_key_u64(buf, "oom_kill", &v))
		set_event(ret, RU_EV_OOM_KILL, v);
}

void run_up_read(const struct memcg_mount *m, const char *proc_root, const char *memcg_path,
		 struct run_up_base *ret)
{
	bool global = !memcg_path || cgroup_path_is_root(memcg_path);
	char dir[4096], path[4096];

	memset(ret, 0, sizeof(*ret));
	ret->key = run_up_key(global ? NULL : memcg_path);
	if (!global && m && m->version &&
	    !procfs_path(dir, sizeof(dir), "%s%s", m->dir, memcg_path)) {
		if (m->version == 2) {
			read_events_v2(dir, ret);
			if (!procfs_path(path, sizeof(path), "%s/memory.pressure", dir))
				read_psi(path, ret);
		} else {
			read_events_v1(dir, ret);
		}
	}
	/* v1 has no pressure of its own: the machine's, said so (RU_PSI_SYSTEM) */
	if (!(ret->has & RU_HAS_PSI_SOME) &&
	    !procfs_path(path, sizeof(path), "%s/proc/pressure/memory", proc_root)) {
		read_psi(path, ret);
		if (ret->has & RU_HAS_PSI_SOME)
			ret->has |= RU_PSI_SYSTEM;
	}
}

void run_up_delta(const struct run_up_base *base, const struct run_up_base *now,
		  struct oom_run_up *ru)
{
	static const struct run_up_base zero;
	bool reset = false;
	uint32_t psi, evs;

	if (!base) {
		base = &zero;
		psi = now->has & (RU_HAS_PSI_SOME | RU_HAS_PSI_FULL);
		evs = now->events_has;
	} else {
		/* the machine's PSI on one side, the domain's on the other: no delta */
		psi = (base->has & RU_PSI_SYSTEM) == (now->has & RU_PSI_SYSTEM) ?
		      base->has & now->has & (RU_HAS_PSI_SOME | RU_HAS_PSI_FULL) : 0;
		evs = base->events_has & now->events_has;
	}
	for (int e = 0; e < RU_EV__COUNT; e++)
		if (evs & (1u << e) && now->events[e] < base->events[e])
			reset = true;
	if (reset) {	/* a new cgroup at the same path: its counters began at 0 */
		base = &zero;
		evs = now->events_has;
	}
	ru->has &= ~(RU_HAS_PSI_SOME | RU_HAS_PSI_FULL | RU_PSI_SYSTEM);
	if (psi & RU_HAS_PSI_SOME && now->psi_some_us >= base->psi_some_us) {
		ru->psi_some_us = now->psi_some_us - base->psi_some_us;
		ru->has |= RU_HAS_PSI_SOME;
	}
	if (psi & RU_HAS_PSI_FULL && now->psi_full_us >= base->psi_full_us) {
		ru->psi_full_us = now->psi_full_us - base->psi_full_us;
		ru->has |= RU_HAS_PSI_FULL;
	}
	if (ru->has & (RU_HAS_PSI_SOME | RU_HAS_PSI_FULL))
		ru->has |= now->has & RU_PSI_SYSTEM;
	ru->events_has = evs;
	for (int e = 0; e < RU_EV__COUNT; e++)
		ru->events[e] = evs & (1u << e) ? now->events[e] - base->events[e] : 0;
}

static struct run_up_base *find(struct run_up_live *r, uint64_t key)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->b[i].key == key)
			return &r->b[i];
	return NULL;
}

/* The slot for key: its own, a free one, or the one read longest ago. */
static struct run_up_base *slot_for(struct run_up_live *r, uint64_t key)
{
	struct run_up_base *s = find(r, key), *oldest = NULL;

	if (s)
		return s;
	if (r->n < r->cap)
		return &r->b[r->n++];
	for (size_t i = 0; i < r->n; i++)
		if (!oldest || r->b[i].time_ns < oldest->time_ns)
			oldest = &r->b[i];
	/* a cgroup of the start loses its baseline: a domain not found is no
	 * longer one made since, with counters from zero */
	if (oldest->time_ns == r->start_ns)
		r->start_complete = false;
	return oldest;
}

/* Room for one more baseline while the start is read (the only time it grows). */
static int grow(struct run_up_live *r, size_t want)
{
	struct run_up_base *b;
	size_t cap = r->cap;

	if (want <= cap)
		return 0;
	while (cap < want)
		cap = cap ? cap * 2 : 64;
	b = realloc(r->b, cap * sizeof(*b));
	if (!b)
		return -ENOMEM;
	memset(b + r->cap, 0, (cap - r->cap) * sizeof(*b));
	r->b = b;
	r->cap = cap;
	return 0;
}

/* nftw has no argument for its callback */
static struct run_up_live *walking;

static int walk_cb(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	struct run_up_live *r = walking;
	const char *rel = fpath + strlen(r->m.dir);
	struct run_up_base *b;

	(void)sb;
	if (type != FTW_D || ftw->level == 0)
		return 0;
	if (r->n >= RUN_UP_START_MAX || grow(r, r->n + 1)) {
		r->start_complete = false;
		return 1;
	}
	b = &r->b[r->n++];
	run_up_read(&r->m, r->proc_root, rel, b);
	b->time_ns = r->start_ns;
	return 0;
}

int run_up_live__init(struct run_up_live *r, const struct memcg_mount *m, const char *proc_root,
		      bool reclaim_memcg, bool reclaim_direct)
{
	memset(r, 0, sizeof(*r));
	if (m)
		r->m = *m;
	snprintf(r->proc_root, sizeof(r->proc_root), "%s", proc_root);
	r->reclaim_memcg = reclaim_memcg;
	r->reclaim_direct = reclaim_direct;
	if (grow(r, 1))
		return -ENOMEM;
	r->start_ns = clock_now_ns(CLOCK_REALTIME);
	r->start_complete = true;
	run_up_read(&r->m, r->proc_root, NULL, &r->b[r->n]);
	r->b[r->n++].time_ns = r->start_ns;
	if (r->m.version) {
		walking = r;
		if (nftw(r->m.dir, walk_cb, 16, FTW_PHYS) < 0)
			r->start_complete = false;
		walking = NULL;
	}
	/* and room for the domains made later, so that the event path never allocates */
	return grow(r, r->n + RUN_UP_LATER) ? -ENOMEM : 0;
}

void run_up_live__free(struct run_up_live *r)
{
	free(r->b);
	r->b = NULL;
	r->n = r->cap = 0;
}

void run_up_live__fill(struct run_up_live *r, struct oom_event *ev)
{
	struct oom_run_up *ru = &ev->run_up;
	const char *path = ev->has & EV_HAS_MEMCG ? ev->memcg : NULL;
	bool memcg = ev->has & EV_HAS_MEMCG || ev->constraint == OOM_CONSTRAINT_MEMCG;
	struct run_up_base now, fresh, *base, *slot;

	if (!r->b)
		return;
	/* reclaim: only where its tracepoints counted, over the time they did */
	if (ru->has & RU_HAS_RECLAIM) {
		if (!(memcg ? r->reclaim_memcg : r->reclaim_direct)) {
			ru->has &= ~(RU_HAS_RECLAIM | RU_HAS_FIRST_HIT);
		} else if (ev->time_ns > r->start_ns) {
			/* whole seconds, rounded up: a kill 0.5 s after the start had 1 s */
			uint64_t ran = (ev->time_ns - r->start_ns + 999999999ull) / 1000000000ull;

			if (ran < ru->window_s)
				ru->window_s = (uint32_t)ran;
		}
	}
	if (memcg && !path) {	/* the domain's path is not known: no counters to read */
		ev->has |= ru->has ? EV_HAS_RUN_UP : 0;
		return;
	}
	run_up_read(&r->m, r->proc_root, path, &now);
	now.time_ns = clock_now_ns(CLOCK_REALTIME);
	base = find(r, now.key);
	if (!base && r->start_complete) {
		/* not in the table of a complete start: created since, its
		 * counters from zero; the machine's PSI from the start's */
		const struct run_up_base *machine = find(r, run_up_key(NULL));

		memset(&fresh, 0, sizeof(fresh));
		fresh.events_has = now.events_has;
		fresh.time_ns = r->start_ns;
		if (now.has & RU_PSI_SYSTEM && machine) {
			fresh.has = machine->has;
			fresh.psi_some_us = machine->psi_some_us;
			fresh.psi_full_us = machine->psi_full_us;
		}
		base = &fresh;
	}
	if (base) {
		run_up_delta(base, &now, ru);
		ru->has |= RU_HAS_SINCE | (base->time_ns != r->start_ns ? RU_SINCE_EVENT : 0);
		ru->since_ms = (now.time_ns - base->time_ns) / 1000000;
	} else if (now.has || now.events_has) {
		oom_event__add_missing(ev, "run_up_baseline");
	}
	slot = slot_for(r, now.key);
	*slot = now;
	if (ru->has || ru->events_has)
		ev->has |= EV_HAS_RUN_UP;
}
