// SPDX-License-Identifier: GPL-2.0
/* The assembled OOM event: allocation, growth, ranking, names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_names.h"
#include "event.h"
#include "sat_math.h"

struct oom_event *oom_event__new(void)
{
	struct oom_event *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->constraint = OOM_CONSTRAINT_UNKNOWN;
	ev->page_size = 4096;
	return ev;
}

/* calloc'ed memory may be untouched zero pages: write it so it is really ours */
static void *alloc_touched(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p)
		memset(p, 0, n * sz);
	return p;
}

struct oom_event *oom_event__new_fixed(const struct oom_event_caps *caps)
{
	struct oom_event *ev = oom_event__new();

	if (!ev)
		return NULL;
	ev->fixed = true;
	ev->grow_candidates = caps->grow_candidates;
	ev->cap_victims = caps->victims ? caps->victims : 1;
	ev->cap_candidates = caps->candidates ? caps->candidates : 1;
	ev->cap_kernel_stack = caps->kernel_frames ? caps->kernel_frames : 1;
	ev->cap_user_stack = caps->user_frames ? caps->user_frames : 1;
	ev->victims = alloc_touched(ev->cap_victims, sizeof(*ev->victims));
	ev->candidates = alloc_touched(ev->cap_candidates, sizeof(*ev->candidates));
	ev->kernel_stack = alloc_touched(ev->cap_kernel_stack, sizeof(*ev->kernel_stack));
	ev->user_stack = alloc_touched(ev->cap_user_stack, sizeof(*ev->user_stack));
	ev->rank_order = alloc_touched(2 * ev->cap_candidates, sizeof(*ev->rank_order));
	ev->cap_rank_order = ev->cap_candidates;
	if (!ev->victims || !ev->candidates || !ev->kernel_stack || !ev->user_stack ||
	    !ev->rank_order) {
		oom_event__free(ev);
		return NULL;
	}
	return ev;
}

void oom_event__clear(struct oom_event *ev)
{
	struct oom_event keep = *ev;

	if (!ev->fixed) {
		free(ev->victims);
		free(ev->candidates);
		free(ev->kernel_stack);
		free(ev->user_stack);
		free(ev->rank_order);
	}
	memset(ev, 0, sizeof(*ev));
	ev->constraint = OOM_CONSTRAINT_UNKNOWN;
	ev->page_size = 4096;
	if (!keep.fixed)
		return;
	ev->fixed = true;
	ev->victims = keep.victims;
	ev->candidates = keep.candidates;
	ev->kernel_stack = keep.kernel_stack;
	ev->user_stack = keep.user_stack;
	ev->rank_order = keep.rank_order;
	ev->cap_rank_order = keep.cap_rank_order;
	ev->cap_victims = keep.cap_victims;
	ev->cap_candidates = keep.cap_candidates;
	ev->cap_kernel_stack = keep.cap_kernel_stack;
	ev->cap_user_stack = keep.cap_user_stack;
	ev->grow_candidates = keep.grow_candidates;
}

void oom_event__free(struct oom_event *ev)
{
	if (!ev)
		return;
	free(ev->victims);
	free(ev->candidates);
	free(ev->kernel_stack);
	free(ev->user_stack);
	free(ev->rank_order);
	free(ev);
}

/* One more zeroed element in fixed storage of capacity cap; NULL when full. */
static void *append_fixed(void *arr, size_t *n, size_t cap, size_t sz)
{
	char *p;

	if (*n >= cap)
		return NULL;
	p = (char *)arr + *n * sz;
	memset(p, 0, sz);
	(*n)++;
	return p;
}

/* Grow *arr by one zeroed element of size sz; capacity doubles on powers of 2. */
static void *append(void **arr, size_t *n, size_t sz)
{
	size_t cap = 8;
	char *p;

	while (cap < *n)
		cap *= 2;
	if (*n == 0 || *n == cap) {
		size_t want = *n == 0 ? 8 : cap * 2;

		p = realloc(*arr, want * sz);
		if (!p)
			return NULL;
		*arr = p;
	}
	p = (char *)*arr + *n * sz;
	memset(p, 0, sz);
	(*n)++;
	return p;
}

struct oom_task *oom_event__add_victim(struct oom_event *ev)
{
	if (ev->fixed)
		return append_fixed(ev->victims, &ev->n_victims, ev->cap_victims,
				    sizeof(struct oom_task));
	return append((void **)&ev->victims, &ev->n_victims, sizeof(struct oom_task));
}

struct oom_task *oom_event__add_candidate(struct oom_event *ev)
{
	if (ev->fixed)
		return append_fixed(ev->candidates, &ev->n_candidates, ev->cap_candidates,
				    sizeof(struct oom_task));
	return append((void **)&ev->candidates, &ev->n_candidates,
		      sizeof(struct oom_task));
}

struct oom_frame *oom_event__add_kframe(struct oom_event *ev)
{
	if (ev->fixed)
		return append_fixed(ev->kernel_stack, &ev->n_kernel_stack, ev->cap_kernel_stack,
				    sizeof(struct oom_frame));
	return append((void **)&ev->kernel_stack, &ev->n_kernel_stack,
		      sizeof(struct oom_frame));
}

struct oom_frame *oom_event__add_uframe(struct oom_event *ev)
{
	if (ev->fixed)
		return append_fixed(ev->user_stack, &ev->n_user_stack, ev->cap_user_stack,
				    sizeof(struct oom_frame));
	return append((void **)&ev->user_stack, &ev->n_user_stack,
		      sizeof(struct oom_frame));
}

static int cmp_candidates(const void *pa, const void *pb)
{
	const struct oom_task *a = pa, *b = pb;
	bool ha = a->has & TASK_HAS_POINTS, hb = b->has & TASK_HAS_POINTS;

	if (ha != hb)
		return ha ? -1 : 1;
	if (ha && a->points != b->points)
		return a->points > b->points ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

/* Heap of kept candidates, the lowest-ranked at the root. */
static bool ranks_below(const struct oom_task *a, const struct oom_task *b)
{
	return cmp_candidates(a, b) > 0;
}

/*
 * The heap's moves copy each task once per level (a hole moves, not a
 * swapped pair): a task is some 700 bytes.
 */
static void sift_up(struct oom_task *h, size_t i)
{
	struct oom_task t;

	if (!i || !ranks_below(&h[i], &h[(i - 1) / 2]))
		return;
	t = h[i];
	do {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	} while (i > 0 && ranks_below(&t, &h[(i - 1) / 2]));
	h[i] = t;
}

/* Put t (not in h) at i, moving it down past the children that rank lower. */
static void sift_down(struct oom_task *h, size_t n, size_t i, const struct oom_task *t)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, worst = i;
		const struct oom_task *w = t;

		if (l < n && ranks_below(&h[l], w)) {
			worst = l;
			w = &h[l];
		}
		if (r < n && ranks_below(&h[r], w))
			worst = r;
		if (worst == i)
			break;
		h[i] = h[worst];
		i = worst;
	}
	h[i] = *t;
}

/* The kept candidates, in the order offered, made a heap (once an event). */
static void heapify(struct oom_event *ev)
{
	struct oom_task t;

	for (size_t i = ev->n_candidates / 2; i-- > 0;) {
		t = ev->candidates[i];
		sift_down(ev->candidates, ev->n_candidates, i, &t);
	}
	ev->cand_heap = true;
}

/*
 * Keep the best `cap` candidates: appended while fewer (a heap only once
 * one had to be dropped), then a better one replaces the heap's root, the
 * lowest-ranked. 0 kept, 1 too low, -ENOMEM (a growable event could not
 * grow).
 */
static int heap_offer(struct oom_event *ev, const struct oom_task *t, size_t cap)
{
	struct oom_task *slot;

	if (ev->n_candidates < cap) {
		/* (a fixed slot is not zeroed first: t covers it whole) */
		if (ev->fixed && ev->n_candidates < ev->cap_candidates)
			slot = &ev->candidates[ev->n_candidates++];
		else
			slot = oom_event__add_candidate(ev);
		if (!slot)
			return -ENOMEM;
		*slot = *t;
		if (ev->cand_heap)
			sift_up(ev->candidates, ev->n_candidates - 1);
		return 0;
	}
	if (!ev->n_candidates)
		return 1;
	if (!ev->cand_heap)
		heapify(ev);
	if (!ranks_below(&ev->candidates[0], t))
		return 1;
	sift_down(ev->candidates, ev->n_candidates, 0, t);
	return 0;
}

int oom_event__offer_candidate(struct oom_event *ev, const struct oom_task *t)
{
	struct oom_task *slot;

	if (!ev->fixed) {
		slot = oom_event__add_candidate(ev);
		if (!slot)
			return -ENOMEM;
		*slot = *t;
		return 0;
	}
	if (ev->n_candidates == ev->cap_candidates && ev->grow_candidates) {
		/* all are wanted: a larger array, the heap order stays valid */
		struct oom_task *more = realloc(ev->candidates,
						2 * ev->cap_candidates * sizeof(*more));

		if (more) {
			uint32_t *order = realloc(ev->rank_order,
						  4 * ev->cap_candidates * sizeof(*order));

			ev->candidates = more;
			ev->cap_candidates *= 2;
			/* without it, ranking falls back to qsort */
			if (order) {
				ev->rank_order = order;
				ev->cap_rank_order = ev->cap_candidates;
			}
		}
	}
	return heap_offer(ev, t, ev->cap_candidates);
}

int oom_event__offer_candidate_top(struct oom_event *ev, const struct oom_task *t, size_t keep)
{
	if (ev->fixed && keep > ev->cap_candidates)
		keep = ev->cap_candidates;
	return heap_offer(ev, t, keep);
}

/* Index a ranks before index b: cmp_candidates, ties in storage order. */
static bool order_before(const struct oom_task *c, uint32_t a, uint32_t b)
{
	int d = cmp_candidates(&c[a], &c[b]);

	return d < 0 || (d == 0 && a < b);
}

/*
 * Sort the candidates through o (2 n indexes: the order, then room to
 * merge into; no allocation): a merge sort of the indexes, then each task
 * moved once along the permutation's cycles.
 */
static void rank_by_order(struct oom_task *c, uint32_t *o, size_t n)
{
	uint32_t *a = o, *b = o + n, *x;
	struct oom_task t;

	for (size_t i = 0; i < n; i++)
		o[i] = (uint32_t)i;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = mid + w < n ? mid + w : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				b[k++] = order_before(c, a[j], a[i]) ? a[j++] : a[i++];
			while (i < mid)
				b[k++] = a[i++];
			while (j < hi)
				b[k++] = a[j++];
		}
		x = a;
		a = b;
		b = x;
	}
	if (a != o)
		memcpy(o, a, n * sizeof(*o));
	/* o[k]: the task that belongs at k */
	for (size_t k = 0; k < n; k++) {
		size_t j = k;

		if (o[k] == k)
			continue;
		t = c[k];
		for (;;) {
			size_t src = o[j];

			o[j] = (uint32_t)j;
			if (src == k) {
				c[j] = t;
				break;
			}
			c[j] = c[src];
			j = src;
		}
	}
}

void oom_event__rank(struct oom_event *ev, size_t keep)
{
	uint32_t *o;

	if (ev->n_candidates > 1 && ev->n_candidates <= UINT32_MAX) {
		/* a fixed event's index array grew with its candidates (or
		 * could not: qsort then) and is not allocated here */
		if (!ev->fixed && ev->cap_rank_order < ev->n_candidates) {
			o = realloc(ev->rank_order, 2 * ev->n_candidates * sizeof(*o));
			if (o) {
				ev->rank_order = o;
				ev->cap_rank_order = ev->n_candidates;
			}
		}
		if (ev->cap_rank_order >= ev->n_candidates)
			rank_by_order(ev->candidates, ev->rank_order, ev->n_candidates);
		else
			qsort(ev->candidates, ev->n_candidates, sizeof(*ev->candidates),
			      cmp_candidates);
	}
	ev->cand_heap = false;
	if (keep && ev->n_candidates > keep)
		ev->n_candidates = keep;
}

size_t oom_event__rank_of(const struct oom_event *ev, int32_t pid)
{
	for (size_t i = 0; i < ev->n_candidates; i++)
		if (ev->candidates[i].pid == pid)
			return i + 1;
	return 0;
}

const char *oom_constraint__name(enum oom_constraint c)
{
	switch (c) {
	case OOM_CONSTRAINT_NONE: return "none";
	case OOM_CONSTRAINT_CPUSET: return "cpuset";
	case OOM_CONSTRAINT_MEMORY_POLICY: return "mempolicy";
	case OOM_CONSTRAINT_MEMCG: return "memcg";
	default: return "unknown";
	}
}

const char *oom_skip__name(enum oom_skip s)
{
	switch (s) {
	case OOM_SKIP_NONE: return "";
	case OOM_SKIP_ADJ_MIN: return "oom_score_adj_min";
	case OOM_SKIP_MM_SKIP: return "mm_oom_skip";
	case OOM_SKIP_VFORK: return "in_vfork";
	case OOM_SKIP_NO_MM: return "no_mm";
	default: return "unknown";
	}
}

const char *oom_victim_reason__name(enum oom_victim_reason r)
{
	switch (r) {
	case OOM_VICTIM_CHOSEN: return "chosen";
	case OOM_VICTIM_GROUP: return "oom_group";
	case OOM_VICTIM_SHARED_MM: return "shared_mm";
	default: return "unknown";
	}
}

const char *oom_victim_from__name(enum oom_victim_from f)
{
	switch (f) {
	case OOM_VICTIM_FROM_SUMMARY: return "summary";
	case OOM_VICTIM_FROM_REAPER: return "oom_reaper";
	default: return NULL;
	}
}

int64_t oom_points_adj_part(int32_t adj, uint64_t totalpages)
{
	return sat_mul64(adj, sat_i64(totalpages / 1000));
}

int64_t oom_points(uint64_t rss_pages, uint64_t swap_pages,
		   uint64_t pgtables_bytes, int32_t adj, uint64_t totalpages,
		   uint32_t page_size)
{
	int64_t points = sat_add64(sat_add64(sat_i64(rss_pages), sat_i64(swap_pages)),
				   sat_i64(pgtables_bytes / (page_size ? page_size : 4096)));

	return sat_add64(points, oom_points_adj_part(adj, totalpages));
}

const struct oom_names *oom_event__names_of(const struct oom_event *ev,
					    const struct oom_task *t)
{
	struct cgroup_origin o;

	if (!ev->n_names || !(t->has & TASK_HAS_CGROUP))
		return NULL;
	cgroup_origin_from_path(t->cgroup, &o);
	if (!o.container_id[0])
		return NULL;
	for (size_t i = 0; i < ev->n_names; i++)
		if (!strcmp(ev->names[i].container_id, o.container_id))
			return &ev->names[i];
	return NULL;
}

struct oom_names *oom_event__add_names(struct oom_event *ev, const char *container_id)
{
	struct oom_names *n;

	for (size_t i = 0; i < ev->n_names; i++)
		if (!strcmp(ev->names[i].container_id, container_id))
			return &ev->names[i];
	if (ev->n_names == OOM_NAMES_MAX || strlen(container_id) >= sizeof(n->container_id))
		return NULL;
	n = &ev->names[ev->n_names++];
	memset(n, 0, sizeof(*n));
	snprintf(n->container_id, sizeof(n->container_id), "%s", container_id);
	return n;
}

void oom_event__add_missing(struct oom_event *ev, const char *what)
{
	size_t n = strlen(ev->missing), w = strlen(what);
	const char *p = ev->missing;

	/* already listed? */
	while ((p = strstr(p, what))) {
		if ((p == ev->missing || p[-1] == ',') && (p[w] == ',' || !p[w]))
			return;
		p += w;
	}
	snprintf(ev->missing + n, sizeof(ev->missing) - n, "%s%s", n ? "," : "", what);
}

const char *ru_event_name(enum ru_event e)
{
	static const char *const names[RU_EV__COUNT] = {
		[RU_EV_HIGH] = "high", [RU_EV_MAX] = "max", [RU_EV_OOM] = "oom",
		[RU_EV_OOM_KILL] = "oom_kill", [RU_EV_OOM_GROUP_KILL] = "oom_group_kill",
		[RU_EV_FAILCNT] = "failcnt",
	};

	return (unsigned)e < RU_EV__COUNT ? names[e] : NULL;
}
