// SPDX-License-Identifier: GPL-2.0
/* The OOM domain's memory from the kernel's report (see kmsg_domain.h). */
#include <string.h>

#include "kmsg_domain.h"
#include "kmsg_event.h"
#include "scan.h"

static const char *const stat_names[KD__COUNT] = {
	[KD_ANON] = "anon", [KD_FILE] = "file", [KD_SHMEM] = "shmem", [KD_KERNEL] = "kernel",
	[KD_KERNEL_STACK] = "kernel_stack", [KD_PAGETABLES] = "pagetables",
	[KD_PERCPU] = "percpu", [KD_SOCK] = "sock",
	[KD_SLAB_RECLAIMABLE] = "slab_reclaimable",
	[KD_SLAB_UNRECLAIMABLE] = "slab_unreclaimable", [KD_UNEVICTABLE] = "unevictable",
	[KD_CACHE] = "cache", [KD_RSS] = "rss",
};

static const char *const mem_names[KM__COUNT] = {
	[KM_ACTIVE_ANON] = "active_anon", [KM_INACTIVE_ANON] = "inactive_anon",
	[KM_ACTIVE_FILE] = "active_file", [KM_INACTIVE_FILE] = "inactive_file",
	[KM_UNEVICTABLE] = "unevictable", [KM_SLAB_RECLAIMABLE] = "slab_reclaimable",
	[KM_SLAB_UNRECLAIMABLE] = "slab_unreclaimable", [KM_SHMEM] = "shmem",
	[KM_PAGETABLES] = "pagetables", [KM_FREE] = "free",
};

static int find(const char *const *names, int n, const char *key, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], key, len))
			return i;
	return -1;
}

/* A line break inside a message: "\n" (joined), or syslog's "#012" escape. */
static size_t line_break(const char *p, const char *end)
{
	if (p < end && *p == '\n')
		return 1;
	if (end - p >= 4 && !memcmp(p, "#012", 4))
		return 4;
	return 0;
}

static const char *skip_blanks(const char *p, const char *end)
{
	size_t n;

	for (;;) {
		if (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) {
			p++;
		} else if ((n = line_break(p, end))) {
			p += n;
		} else {
			return p;
		}
	}
}

static const char *token_end(const char *p, const char *end)
{
	while (p < end && *p != ' ' && *p != '\t' && !line_break(p, end))
		p++;
	return p;
}

/* "123", "123kB", "123KB" (kb set) exactly, in [p, e) */
static bool number(const char *p, const char *e, uint64_t *ret, bool *kb)
{
	if (p >= e || !scan_is_digit(*p) || !scan_u64(&p, ret))
		return false;
	*kb = false;
	if (e - p == 2 && (!memcmp(p, "kB", 2) || !memcmp(p, "KB", 2))) {
		*kb = true;
		p += 2;
	}
	return p == e;
}

/*
 * Call fn for each "key:value" (sep ':') or "key=value" (sep '=') token of
 * [p, end), skipping tokens of another shape.
 */
typedef void (*pair_fn)(void *arg, const char *key, size_t klen, uint64_t v, bool kb);

static void each_pair(const char *p, const char *end, char sep, pair_fn fn, void *arg)
{
	for (p = skip_blanks(p, end); p < end; p = skip_blanks(p, end)) {
		const char *e = token_end(p, end), *s = memchr(p, sep, (size_t)(e - p));
		uint64_t v;
		bool kb;

		if (s && s > p && number(s + 1, e, &v, &kb))
			fn(arg, p, (size_t)(s - p), v, kb);
		p = e;
	}
}

/* --- memcg stats -------------------------------------------------------------------- */

static void set_stat(struct kmsg_domain *d, const char *key, size_t klen, uint64_t bytes,
		     bool add)
{
	bool total = klen > 6 && !memcmp(key, "total_", 6);
	int i = total ? find(stat_names, KD__COUNT, key + 6, klen - 6) :
			find(stat_names, KD__COUNT, key, klen);
	uint32_t *has = total ? &d->total_has : &d->stat_has;
	uint64_t *val = total ? d->total : d->stat;

	if (i < 0)
		return;
	if (add && *has & (1u << i))
		val[i] += bytes;
	else
		val[i] = bytes;
	*has |= 1u << i;
}

/* v1 before 5.x: " cache:52KB rss:4194252KB ..." after the path, local to each group */
static void old_stat_pair(void *arg, const char *key, size_t klen, uint64_t v, bool kb)
{
	if (kb)
		set_stat(arg, key, klen, v * 1024, true);
}

/* The first time this group's stats line is seen? (FNV-1a of "...stats for /path") */
static bool first_time(struct kmsg_domain *d, const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	for (size_t i = 0; i < d->n_stats_seen; i++)
		if (d->stats_seen[i] == h)
			return false;
	if (d->n_stats_seen < KD_STATS_SEEN)
		d->stats_seen[d->n_stats_seen++] = h;
	return true;
}

/*
 * "Memory cgroup stats for /a: cache:..KB ...": the path ends at the first
 * ": " before a "word:digits" pair (kmsg_fields.c's match_stats_for). Old
 * kernels print one such line for every group of the subtree, each with its
 * own (local) counts: their sum is the OOM group's.
 */
static void take_stats_for(struct kmsg_domain *d, const struct kmsg_line *l)
{
	const char *end = l->text + l->len;

	for (const char *c = strstr(l->text, ": "); c && c < end; c = strstr(c + 1, ": ")) {
		const char *w = c + 2;

		while (w < end && *w != ':' && *w != ' ')
			w++;
		if (w < end && *w == ':' && w + 1 < end && scan_is_digit(w[1])) {
			if (!first_time(d, l->text, (size_t)(c - l->text)))
				return;
			each_pair(c + 2, end, ':', old_stat_pair, d);
			return;
		}
	}
}

/* memory.stat lines, in bytes: "anon 421888", one or more a message */
static void take_stat_lines(struct kmsg_domain *d, const struct kmsg_line *l)
{
	const char *p = l->text, *end = l->text + l->len;

	for (p = skip_blanks(p, end); p < end; p = skip_blanks(p, end)) {
		const char *k = p, *ke = token_end(p, end), *v, *ve;
		uint64_t n;
		bool kb;

		v = ke;
		while (v < end && *v == ' ')
			v++;
		ve = token_end(v, end);
		if (ve > v && number(v, ve, &n, &kb) && !kb)
			set_stat(d, k, (size_t)(ke - k), n, false);
		p = ve;
	}
}

/* --- show_mem ----------------------------------------------------------------------- */

static void summary_pair(void *arg, const char *key, size_t klen, uint64_t v, bool kb)
{
	struct kmsg_domain *d = arg;
	int i = find(mem_names, KM__COUNT, key, klen);

	/* the summary counts pages; kB pairs are a zone's or a node's */
	if (i < 0 || kb || d->mem_has & (1u << i))
		return;
	d->mem[i] = v;
	d->mem_has |= 1u << i;
}

static void stack_pair(void *arg, const char *key, size_t klen, uint64_t v, bool kb)
{
	struct kmsg_domain *d = arg;

	if (kb && klen == 12 && !memcmp(key, "kernel_stack", 12)) {
		d->kernel_stack_kb += v;
		d->has_kernel_stack = true;
	}
}

struct huge {
	bool has_total, has_size;
	uint64_t total, size_kb;
};

static void huge_pair(void *arg, const char *key, size_t klen, uint64_t v, bool kb)
{
	struct huge *h = arg;

	if (klen == 15 && !memcmp(key, "hugepages_total", 15) && !kb) {
		h->total = v;
		h->has_total = true;
	} else if (klen == 14 && !memcmp(key, "hugepages_size", 14) && kb) {
		h->size_kb = v;
		h->has_size = true;
	}
}

/* A zone line without "Node N" (32-bit kernels): "DMA free:572kB ..." */
static bool zone_line(const char *s)
{
	const char *p = s;

	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || scan_is_digit(*p))
		p++;
	return p > s && *s >= 'A' && *s <= 'Z' && !strncmp(p, " free:", 6);
}

static void take_meminfo(struct kmsg_domain *d, const struct kmsg_line *l)
{
	const char *end = l->text + l->len, *s = skip_blanks(l->text, end);
	struct huge h = { 0 };
	uint64_t v;

	if (!strncmp(s, "Free swap", 9)) {	/* "Free swap  = 123kB" */
		const char *p = s + 9;

		while (*p == ' ')
			p++;
		if (*p++ == '=') {
			while (*p == ' ')
				p++;
			if (scan_u64(&p, &v) && !strcmp(p, "kB") && !d->has_swap_free) {
				d->swap_free_kb = v;
				d->has_swap_free = true;
			}
		}
		return;
	}
	if (!strncmp(s, "Node ", 5) && scan_is_digit(s[5])) {
		if (strstr(s, "hugepages_total=")) {
			each_pair(s, end, '=', huge_pair, &h);
			if (h.has_total && h.has_size) {
				d->hugetlb_kb += h.total * h.size_kb;
				d->has_hugetlb = true;
			}
			return;
		}
		/* kernel stacks: a node's line since 5.9, its zones' lines before */
		each_pair(s, end, ':', stack_pair, d);
		return;
	}
	if (zone_line(s)) {
		each_pair(s, end, ':', stack_pair, d);
		return;
	}
	each_pair(s, end, ':', summary_pair, d);
}

/* --- counters ----------------------------------------------------------------------- */

static void take_counter(struct kmsg_domain *d, const struct kmsg_fact *f,
			 const struct kmsg_line *l)
{
	/* a pasted log may repeat a line: the first one counts */
	switch (f->counter) {
	case KCNT_MEMORY:
		if (d->has_mem)
			return;
		d->has_mem = true;
		d->mem_usage = f->usage_kb;
		d->mem_limit = f->limit_kb;
		return;
	case KCNT_MEMSW:
		if (d->has_memsw)
			return;
		d->has_memsw = true;
		d->memsw_usage = f->usage_kb;
		d->memsw_limit = f->limit_kb;
		return;
	case KCNT_SWAP:
		if (d->has_swap)
			return;
		d->has_swap = true;
		d->swap_usage = f->usage_kb;
		d->swap_limit = f->limit_kb;
		return;
	default:
		if (!strncmp(l->text, "kmem: ", 6) && !d->has_kmem) {
			d->has_kmem = true;
			d->kmem_usage = f->usage_kb;
		}
		return;
	}
}

void kmsg_domain_take(struct kmsg_domain *d, const struct kmsg_fact *f,
		      const struct kmsg_line *l)
{
	switch (f->kind) {
	case KMSG_MEMCG_COUNTER:
		take_counter(d, f, l);
		return;
	case KMSG_MEMCG_STATS_FOR:
		d->in_stats = true;
		take_stats_for(d, l);
		return;
	case KMSG_STAT:
		if (d->in_stats)
			take_stat_lines(d, l);
		return;
	case KMSG_MEMINFO:
		take_meminfo(d, l);
		return;
	case KMSG_MEMINFO_BUDDY:
		/* kmsg_report.c takes the size: the smallest free-list block */
		if (f->value >= 4096 && f->value <= (1u << 20) && !(f->value & (f->value - 1)))
			d->page_known = true;
		return;
	default:
		return;
	}
}

/* --- the facts ---------------------------------------------------------------------- */

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* A stat in bytes: v1's hierarchical "total_" one when printed. */
static bool stat_bytes(const struct kmsg_domain *d, enum kd_stat s, uint64_t *ret)
{
	if (d->total_has & (1u << s)) {
		*ret = d->total[s];
		return true;
	}
	if (d->stat_has & (1u << s)) {
		*ret = d->stat[s];
		return true;
	}
	return false;
}

static void set_from_stat(struct oom_domain_memory *dm, enum dm_key k,
			  const struct kmsg_domain *d, enum kd_stat s)
{
	uint64_t b;

	if (stat_bytes(d, s, &b))
		dm_set(dm, k, b / 1024);
}

static void finish_memcg(const struct kmsg_domain *d, struct oom_domain_memory *dm)
{
	static const struct { enum dm_key k; enum kd_stat s; } same[] = {
		{ DM_ANON, KD_ANON }, { DM_FILE, KD_FILE }, { DM_SHMEM, KD_SHMEM },
		{ DM_KERNEL, KD_KERNEL }, { DM_KERNEL_STACK, KD_KERNEL_STACK },
		{ DM_PAGETABLES, KD_PAGETABLES }, { DM_PERCPU, KD_PERCPU }, { DM_SOCK, KD_SOCK },
		{ DM_SLAB_RECLAIMABLE, KD_SLAB_RECLAIMABLE },
		{ DM_SLAB_UNRECLAIMABLE, KD_SLAB_UNRECLAIMABLE },
		{ DM_UNEVICTABLE, KD_UNEVICTABLE },
		/* v1: rss is the anon memory (huge pages included), cache the file (shmem included) */
		{ DM_ANON, KD_RSS }, { DM_FILE, KD_CACHE },
	};

	struct dm_counters c = {
		.has_mem = d->has_mem, .mem_usage = d->mem_usage, .mem_limit = d->mem_limit,
		.has_memsw = d->has_memsw, .memsw_usage = d->memsw_usage,
		.memsw_limit = d->memsw_limit,
		.has_swap = d->has_swap, .swap_usage = d->swap_usage, .swap_limit = d->swap_limit,
		.has_kmem = d->has_kmem, .kmem_usage = d->kmem_usage,
	};

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (!dm_has(dm, same[i].k))
			set_from_stat(dm, same[i].k, d, same[i].s);
	domain_memory_set_counters(dm, &c);
}

static bool mem(const struct kmsg_domain *d, enum kd_mem m)
{
	return d->mem_has & (1u << m);
}

/*
 * Mem-Info counts shmem on the anon LRU lists (it is swap-backed): anon is
 * given without it and file with it, as memory.stat counts them. The live
 * tracer derives them from /proc/meminfo the same way.
 */
static void finish_global(const struct report *r, const struct kmsg_domain *d,
			  struct oom_domain_memory *dm)
{
	static const struct { enum dm_key k; enum kd_mem m; } same[] = {
		{ DM_SHMEM, KM_SHMEM }, { DM_SLAB_RECLAIMABLE, KM_SLAB_RECLAIMABLE },
		{ DM_SLAB_UNRECLAIMABLE, KM_SLAB_UNRECLAIMABLE }, { DM_PAGETABLES, KM_PAGETABLES },
		{ DM_UNEVICTABLE, KM_UNEVICTABLE }, { DM_FREE, KM_FREE },
	};
	uint64_t kb = kmsg_page_kb(r), shmem = mem(d, KM_SHMEM) ? d->mem[KM_SHMEM] : 0;

	/* counts in pages need the page size, which only a buddy line tells
	 * (64 KiB on many arm64 and ppc64 kernels): no guess */
	if (d->has_kernel_stack)
		dm_set(dm, DM_KERNEL_STACK, d->kernel_stack_kb);
	if (d->has_hugetlb)
		dm_set(dm, DM_HUGETLB, d->hugetlb_kb);
	/* show_swap_cache_info: "Free swap  = NkB", "Total swap = NkB" */
	if (d->has_swap_free && r->has_swap_total) {
		dm_set(dm, DM_SWAP_LIMIT, r->swap_total_kb);
		dm_set(dm, DM_SWAP_USAGE, sub0(r->swap_total_kb, d->swap_free_kb));
	}
	if (!d->page_known)
		return;
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		if (mem(d, same[i].m))
			dm_set(dm, same[i].k, d->mem[same[i].m] * kb);
	if (mem(d, KM_ACTIVE_ANON) && mem(d, KM_INACTIVE_ANON) && mem(d, KM_SHMEM))
		dm_set(dm, DM_ANON, sub0(d->mem[KM_ACTIVE_ANON] + d->mem[KM_INACTIVE_ANON],
					 shmem) * kb);
	if (mem(d, KM_ACTIVE_FILE) && mem(d, KM_INACTIVE_FILE) && mem(d, KM_SHMEM))
		dm_set(dm, DM_FILE, (d->mem[KM_ACTIVE_FILE] + d->mem[KM_INACTIVE_FILE] + shmem) * kb);
	/* the managed pages (MemTotal): RAM less what the kernel reserved at boot */
	if (r->has_ram) {
		uint64_t managed = sub0(r->ram_pages, r->has_reserved ? r->reserved_pages : 0) * kb;

		dm_set(dm, DM_LIMIT, managed);
		if (mem(d, KM_FREE))
			dm_set(dm, DM_USAGE, sub0(managed, d->mem[KM_FREE] * kb));
	}
}

void kmsg_domain_finish(struct report *r)
{
	const struct kmsg_domain *d = &r->domain;
	struct oom_event *ev = r->ev;
	struct oom_domain_memory *dm = &ev->domain_memory;

	dm->has = 0;
	if (d->has_mem || d->in_stats)
		finish_memcg(d, dm);
	else if (r->meminfo)
		finish_global(r, d, dm);
	if (!dm->has)
		return;
	ev->has |= EV_HAS_DOMAIN_MEMORY;
	domain_memory_unkillable(ev);
}
