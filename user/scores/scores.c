// SPDX-License-Identifier: GPL-2.0
/* Ranking processes as oom_badness() would, and what would flip a place. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_names.h"
#include "domain_memory_stat.h"
#include "procfs_read.h"
#include "sat_math.h"
#include "scores.h"

#define SYS_FILE 4096

const char *score_skip__name(enum score_skip s)
{
	switch (s) {
	case SCORE_ELIGIBLE: return "";
	case SCORE_SKIP_INIT: return "init";
	case SCORE_SKIP_KTHREAD: return "kernel_thread";
	case SCORE_SKIP_NO_MM: return "no_mm";
	case SCORE_SKIP_ADJ_MIN: return "oom_score_adj_min";
	case SCORE_SKIP_VFORK: return "in_vfork";
	}
	return "unknown";
}

const char *score_skip__why(enum score_skip s)
{
	switch (s) {
	case SCORE_ELIGIBLE: return "";
	case SCORE_SKIP_INIT: return "init is never killed";
	case SCORE_SKIP_KTHREAD: return "a kernel thread";
	case SCORE_SKIP_NO_MM: return "no memory left to free (exited, a zombie)";
	case SCORE_SKIP_ADJ_MIN: return "oom_score_adj -1000 exempts it";
	case SCORE_SKIP_VFORK: return "a vfork child: shares its parent's memory until exec";
	}
	return "unknown";
}

const char *rss_source__name(enum rss_source r)
{
	return r == RSS_FROM_STATUS ? "status" : "stat";
}

int64_t scores_oom_score(int64_t points, bool skipped, uint64_t totalpages, bool legacy)
{
	int64_t t = totalpages ? (int64_t)totalpages : 1;

	if (skipped)
		return 0;
	if (legacy)	/* unsigned long badness, at least 1 for an eligible task */
		return (int64_t)((uint64_t)(points > 0 ? points : 1) * 1000 / (uint64_t)t);
	return (1000 + points * 1000 / t) * 2 / 3;
}

/* Read a one-number file under ROOT; -errno when absent or not a number. */
static int read_sys_int(const char *root, const char *rel, int64_t *ret)
{
	char path[PATH_MAX], buf[SYS_FILE];
	int n;

	if (procfs_path(path, sizeof(path), "%s%s", root, rel))
		return -ENAMETOOLONG;
	n = procfs_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	return procfs_parse_int(buf, INT64_MIN + 1, INT64_MAX, ret);
}

static int read_system(const char *root, struct score_set *s, char *err, size_t err_size)
{
	char path[PATH_MAX], buf[SYS_FILE];
	uint64_t page_kb;
	int64_t v;
	int n;

	s->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	page_kb = s->page_size / 1024;
	if (procfs_path(path, sizeof(path), "%s/proc/meminfo", root))
		return -ENAMETOOLONG;
	n = procfs_read_file(path, buf, sizeof(buf));
	if (n < 0) {
		snprintf(err, err_size, "cannot read %s: %s", path, strerror(-n));
		return n;
	}
	if (procfs_parse_meminfo(buf, &s->meminfo)) {
		snprintf(err, err_size, "%s: malformed (no MemTotal line)", path);
		return -EINVAL;
	}
	/* MemTotal is totalram_pages() in kB; SwapTotal is total_swap_pages (but see swapoff) */
	s->total_swap_pages = s->meminfo.swap_total_kb / page_kb;
	s->global_totalpages = s->meminfo.mem_total_kb / page_kb + s->total_swap_pages;
	if (!s->global_totalpages) {
		snprintf(err, err_size, "%s: MemTotal is 0", path);
		return -EINVAL;
	}
	s->overcommit_memory = !read_sys_int(root, "/proc/sys/vm/overcommit_memory", &v) ? (int)v
										     : -1;
	s->panic_on_oom = !read_sys_int(root, "/proc/sys/vm/panic_on_oom", &v) ? (int)v : -1;
	s->oom_kill_allocating_task =
		!read_sys_int(root, "/proc/sys/vm/oom_kill_allocating_task", &v) ? (int)v : -1;
	s->vm_swappiness = !read_sys_int(root, "/proc/sys/vm/swappiness", &v) && v >= 0 &&
					   v <= 200 ? (unsigned int)v : 60;
	if (!procfs_path(path, sizeof(path), "%s/proc/sys/kernel/osrelease", root) &&
	    procfs_read_file(path, buf, sizeof(buf)) >= 0 &&
	    !procfs_parse_release(buf, &s->kernel_major, &s->kernel_minor))
		/* 5.9 made oom_badness signed (LONG_MIN = skip) and rescaled oom_score */
	{
		s->legacy_formula = s->kernel_major < 5 ||
				    (s->kernel_major == 5 && s->kernel_minor < 9);
		/* 4.17 dropped the 3% discount for CAP_SYS_ADMIN */
		s->root_bonus = s->kernel_major < 4 ||
				(s->kernel_major == 4 && s->kernel_minor < 17);
	}
	if (!procfs_path(path, sizeof(path), "%s/proc/pressure/memory", root) &&
	    procfs_read_file(path, buf, sizeof(buf)) >= 0 && !procfs_parse_psi(buf, &s->psi))
		s->has_psi = true;
	return 0;
}

static int read_cgroup(const struct scores_config *cfg, struct score_set *s, char *err,
		       size_t err_size)
{
	int r;

	r = memcg_find_mount(cfg->root, &s->mount, err, err_size);
	if (r)
		return r;
	r = memcg_normalize_path(&s->mount, cfg->root, cfg->cgroup, s->requested,
				 sizeof(s->requested));
	if (r) {
		snprintf(err, err_size, "--cgroup: '%s' is not a cgroup path", cfg->cgroup);
		return -EINVAL;
	}
	r = memcg_read(&s->mount, s->requested, s->page_size, &s->requested_info, err,
		       err_size);
	if (r)
		return r;
	s->memcg = true;
	r = memcg_oom_domain(&s->mount, s->requested, s->page_size, &s->domain,
			     &s->domain_found, err, err_size);
	if (r)
		return r;
	if (s->domain_found)
		s->totalpages = memcg_totalpages(&s->domain, s->total_swap_pages,
						 s->vm_swappiness, s->page_size);
	return 0;
}

/* Is the task in the ranking's domain? */
static bool in_domain(const struct score_set *s, const struct proc_task *p)
{
	if (!s->memcg || !s->domain_found)
		return true;
	return p->has & PT_HAS_CGROUP && p->memcg_version == s->mount.version &&
	       memcg_path_within(p->memcg, s->domain.path);
}

static enum score_skip skip_reason(const struct proc_task *p, bool live)
{
	/* the order of oom_badness(): unkillable, no mm, then adj/vfork */
	if (p->pid == 1)
		return SCORE_SKIP_INIT;
	if (p->kthread)
		return SCORE_SKIP_KTHREAD;
	if (!(p->has & PT_HAS_MM))
		return SCORE_SKIP_NO_MM;
	if (p->oom_score_adj == -1000)
		return SCORE_SKIP_ADJ_MIN;
	if (live && p->ppid > 1 && procfs_shares_parent_mm(p->pid, p->ppid) == 1)
		return SCORE_SKIP_VFORK;
	return SCORE_ELIGIBLE;
}

static int add_task(struct score_set *s, size_t *cap, const struct proc_task *p, bool live)
{
	struct score_task *t;

	if (s->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct score_task *nt = realloc(s->tasks, ncap * sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		s->tasks = nt;
		*cap = ncap;
	}
	t = &s->tasks[s->n++];
	memset(t, 0, sizeof(*t));
	t->p = *p;
	t->skip = skip_reason(p, live);
	/* an exited leader is PF_EXITING while its threads live on: not the process */
	t->exiting = p->sigkill_pending || (p->flags & PF_EXITING_FLAG && !p->mm_tid);
	if (p->kthread)
		s->n_kthreads++;
	return 0;
}

static int read_tasks(const struct scores_config *cfg, struct score_set *s, char *err,
		      size_t err_size)
{
	bool live = !cfg->root[0];
	int32_t *pids = NULL;
	size_t n = 0, cap = 0;
	int r;

	r = procfs_list_pids(cfg->root, &pids, &n);
	if (r) {
		snprintf(err, err_size, "cannot list %s/proc: %s", cfg->root, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		struct proc_task p;
		char terr[512];

		r = procfs_read_task(cfg->root, pids[i], &p, terr, sizeof(terr));
		if (r == -ESRCH) {
			s->vanished++;
			continue;
		}
		if (r == -EACCES || r == -EPERM) {
			s->unreadable++;
			continue;
		}
		if (r) {
			if (!s->broken++)
				snprintf(s->first_error, sizeof(s->first_error), "%s", terr);
			continue;
		}
		if (!in_domain(s, &p))
			continue;
		r = add_task(s, &cap, &p, live);
		if (r) {
			free(pids);
			snprintf(err, err_size, "out of memory");
			return r;
		}
	}
	free(pids);
	return 0;
}

static uint64_t exact_rss_pages(const struct proc_task *p, uint32_t page_size)
{
	return (p->rss_anon_kb + p->rss_file_kb + p->rss_shmem_kb) / (page_size / 1024);
}

static bool has_exact(const struct proc_task *p)
{
	return (p->has & (PT_HAS_RSS_PARTS | PT_HAS_SHMEM)) == (PT_HAS_RSS_PARTS | PT_HAS_SHMEM);
}

/* rss + swap + page tables; before 4.17 less 3% for CAP_SYS_ADMIN holders. */
static int64_t mem_with(const struct score_set *s, const struct score_task *t, uint64_t rss)
{
	int64_t mem = oom_points(rss, t->swap_pages, t->pgtables_bytes, 0, 0, s->page_size);

	if (s->root_bonus && t->p.has & PT_HAS_CAPS &&
	    t->p.cap_eff & (1ull << CAP_SYS_ADMIN_BIT))
		mem -= mem * 3 / 100;
	return mem;
}

static int64_t points_with(const struct score_set *s, const struct score_task *t, uint64_t rss,
			   uint64_t totalpages)
{
	int64_t p = mem_with(s, t, rss) + oom_points_adj_part(t->p.oom_score_adj, totalpages);

	return s->legacy_formula && p < 1 ? 1 : p;
}

/*
 * Which rss does this kernel's oom_badness() read? Where the two sources
 * predict different oom_scores, the kernel's own oom_score (read right
 * after) tells. Without such a task, stat: that is what oom_badness()
 * reads from 6.2 (per-CPU counters) up to at least 6.18, and before 6.2
 * stat and status print the same counter anyway.
 */
static void pick_rss_source(struct score_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct score_task *t = &s->tasks[i];
		int64_t a, b;

		if (t->skip || !has_exact(&t->p) || !(t->p.has & PT_HAS_SCORE) ||
		    t->p.stat_rss_pages == t->rss_exact_pages)
			continue;
		a = scores_oom_score(points_with(s, t, t->p.stat_rss_pages, s->global_totalpages),
				     false, s->global_totalpages, s->legacy_formula);
		b = scores_oom_score(points_with(s, t, t->rss_exact_pages, s->global_totalpages),
				     false, s->global_totalpages, s->legacy_formula);
		if (a == b)
			continue;
		if (t->p.kernel_oom_score == a)
			s->votes_stat++;
		else if (t->p.kernel_oom_score == b)
			s->votes_status++;
	}
	s->rss_source = s->votes_status > s->votes_stat ? RSS_FROM_STATUS : RSS_FROM_STAT;
}

static void compute(struct score_set *s)
{
	uint64_t page_kb = s->page_size / 1024;

	for (size_t i = 0; i < s->n; i++) {
		struct score_task *t = &s->tasks[i];

		t->swap_pages = t->p.swap_kb / page_kb;
		t->pgtables_bytes = t->p.pgtables_kb * 1024;
		t->has_exact = has_exact(&t->p);
		t->rss_exact_pages = exact_rss_pages(&t->p, s->page_size);
	}
	pick_rss_source(s);
	for (size_t i = 0; i < s->n; i++) {
		struct score_task *t = &s->tasks[i];
		int64_t global;

		t->rss_pages = s->rss_source == RSS_FROM_STATUS && t->has_exact ?
				       t->rss_exact_pages : t->p.stat_rss_pages;
		t->adj_points = oom_points_adj_part(t->p.oom_score_adj, s->totalpages);
		t->points = points_with(s, t, t->rss_pages, s->totalpages);
		t->mem_points = mem_with(s, t, t->rss_pages);
		/* oom_score is always against the whole machine, whatever the ranking */
		global = points_with(s, t, t->rss_pages, s->global_totalpages);
		t->oom_score = scores_oom_score(global, t->skip != SCORE_ELIGIBLE,
						s->global_totalpages, s->legacy_formula);
		if (t->p.has & PT_HAS_SCORE) {
			s->score_checked++;
			s->score_agree += t->oom_score == t->p.kernel_oom_score;
		}
	}
}

/*
 * Eligible first, by points. Equal points: oom_evaluate_task() replaces its
 * choice with a later task of equal points, and tasks are visited in
 * creation order, so the newer one ranks first. Skipped tasks after.
 */
static int cmp_tasks(const void *pa, const void *pb)
{
	const struct score_task *a = pa, *b = pb;
	bool ea = a->skip == SCORE_ELIGIBLE, eb = b->skip == SCORE_ELIGIBLE;

	if (ea != eb)
		return ea ? -1 : 1;
	if (ea && a->points != b->points)
		return a->points > b->points ? -1 : 1;
	if (!ea && a->p.kthread != b->p.kthread)
		return a->p.kthread ? 1 : -1;
	if (!ea && a->mem_points != b->mem_points)
		return a->mem_points > b->mem_points ? -1 : 1;
	if (a->p.starttime != b->p.starttime)
		return a->p.starttime > b->p.starttime ? -1 : 1;
	return (a->p.pid < b->p.pid) - (a->p.pid > b->p.pid);
}

static void rank(struct score_set *s)
{
	if (s->n > 1)
		qsort(s->tasks, s->n, sizeof(*s->tasks), cmp_tasks);
	s->n_eligible = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct score_task *t = &s->tasks[i];

		if (t->skip)
			continue;
		t->rank = ++s->n_eligible;
		if (i > 0 && !s->tasks[i - 1].skip && s->tasks[i - 1].points == t->points)
			t->tie = s->tasks[i - 1].tie = true;
	}
}

/* A byte counter file of the domain's memcg, in kB; false if it cannot be read. */
static bool memcg_kb(const struct score_set *s, const char *file, uint64_t *ret)
{
	char path[PATH_MAX], buf[64];
	uint64_t v;

	if (procfs_path(path, sizeof(path), "%s%s/%s", s->mount.dir,
			strcmp(s->domain.path, "/") ? s->domain.path : "", file) ||
	    procfs_read_line(path, buf, sizeof(buf)) < 0 || procfs_parse_u64_prefix(buf, &v))
		return false;
	*ret = v / 1024;
	return true;
}

static uint64_t limit_kb(uint64_t bytes)
{
	return bytes == UINT64_MAX ? UINT64_MAX : bytes / 1024;
}

/*
 * The domain's memory now, as an OOM event would show it (domain_memory):
 * the memcg's counters and memory.stat, or /proc/meminfo; and what no kill
 * of the ranked tasks would free. Missing files leave it out.
 */
static void read_domain_memory(const struct scores_config *cfg, struct score_set *s)
{
	struct oom_domain_memory *dm = &s->dmem;
	char path[PATH_MAX], buf[16384];
	uint64_t pkb = s->page_size / 1024;
	struct dm_held h = { 0 };

	if (s->memcg && s->domain_found) {
		struct dm_counters c = {
			.has_mem = s->domain.has & MC_HAS_USAGE,
			.mem_usage = s->domain.usage_bytes / 1024,
			.mem_limit = limit_kb(s->domain.limit_bytes),
		};

		if (s->domain.version == 1) {
			c.has_memsw = s->domain.has & MC_HAS_MEMSW &&
				      memcg_kb(s, "memory.memsw.usage_in_bytes", &c.memsw_usage);
			c.memsw_limit = limit_kb(s->domain.memsw_limit_bytes);
			c.has_kmem = memcg_kb(s, "memory.kmem.usage_in_bytes", &c.kmem_usage);
		} else {
			c.has_swap = s->domain.has & MC_HAS_SWAP_MAX &&
				     memcg_kb(s, "memory.swap.current", &c.swap_usage);
			c.swap_limit = limit_kb(s->domain.swap_max_bytes);
		}
		if (!procfs_path(path, sizeof(path), "%s%s/memory.stat", s->mount.dir,
				 strcmp(s->domain.path, "/") ? s->domain.path : "") &&
		    procfs_read_file(path, buf, sizeof(buf)) >= 0)
			domain_memory_parse_stat(buf, dm);
		domain_memory_set_counters(dm, &c);
	} else if (!procfs_path(path, sizeof(path), "%s/proc/meminfo", cfg->root) &&
		   procfs_read_file(path, buf, sizeof(buf)) >= 0) {
		domain_memory_parse_meminfo(buf, dm);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct score_task *t = &s->tasks[i];

		h.tasks++;
		if (t->skip)
			continue;
		h.total += t->rss_pages * pkb + t->pgtables_bytes / 1024;	/* not swap */
		h.pgtables += t->pgtables_bytes / 1024;
		if (t->p.has & PT_HAS_SHMEM && t->p.has & PT_HAS_RSS_PARTS) {
			h.shmem += t->p.rss_shmem_kb;
			h.file += t->p.rss_file_kb;
		} else {
			h.no_split = true;
		}
	}
	/* tasks that could not be read hold memory of their own: no verdict then */
	h.unknown = s->unreadable || s->broken;
	domain_memory_unkillable_from(dm, &h);
}

int scores_collect(const struct scores_config *cfg, struct score_set *s, char *err,
		   size_t err_size)
{
	int r;

	memset(s, 0, sizeof(*s));
	err[0] = '\0';
	r = read_system(cfg->root, s, err, err_size);
	if (r)
		return r;
	s->totalpages = s->global_totalpages;
	if (cfg->cgroup) {
		r = read_cgroup(cfg, s, err, err_size);
		if (r)
			return r;
	}
	r = read_tasks(cfg, s, err, err_size);
	if (r) {
		score_set__free(s);
		return r;
	}
	compute(s);
	rank(s);
	read_domain_memory(cfg, s);
	return 0;
}

void score_set__free(struct score_set *s)
{
	free(s->tasks);
	s->tasks = NULL;
	s->n = 0;
}

const struct score_task *score_set__find(const struct score_set *s, int32_t pid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->tasks[i].p.pid == pid)
			return &s->tasks[i];
	return NULL;
}

/* Floor and ceiling of a / b for b > 0, for negative a too. */
static int64_t div_floor(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && a < 0) ? q - 1 : q;
}

static int64_t div_ceil(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b && a > 0) ? q + 1 : q;
}

void scores_flip_above(const struct score_set *s, const struct score_task *t, int64_t target,
		       struct score_flip *ret)
{
	int64_t unit = (int64_t)(s->totalpages / 1000);

	memset(ret, 0, sizeof(*ret));
	if (t->points > target) {
		ret->done = true;
		return;
	}
	/* mem + adj * unit > target */
	if (unit > 0) {
		int64_t a = div_floor(target - t->mem_points, unit) + 1;

		if (a < -999)
			a = -999;
		if (a <= 1000) {
			ret->by_adj = true;
			ret->adj = (int32_t)a;
		}
	}
	ret->by_memory = true;
	ret->mem_pages = target - t->points + 1;
}

void scores_flip_below(const struct score_set *s, const struct score_task *t, int64_t target,
		       struct score_flip *ret)
{
	int64_t unit = (int64_t)(s->totalpages / 1000);

	memset(ret, 0, sizeof(*ret));
	if (t->points < target) {
		ret->done = true;
		return;
	}
	/* mem + adj * unit < target; -1000 is always there, as an exemption */
	if (unit > 0) {
		int64_t a = div_ceil(target - t->mem_points, unit) - 1;

		if (a > 1000)
			a = 1000;
		if (a >= -999) {
			ret->by_adj = true;
			ret->adj = (int32_t)a;
		}
	}
	/* freeing memory helps only as far as the task has memory to free */
	if (sat_add64(sat_sub64(t->points, target), 1) <= t->mem_points) {
		ret->by_memory = true;
		ret->mem_pages = sat_sub64(0, sat_add64(sat_sub64(t->points, target), 1));
	}
}

/* The cgroup path up to and including the unit's own component. */
static void unit_path_of(const char *path, const char *unit, char *ret, size_t size)
{
	size_t ul = strlen(unit);
	const char *hit = NULL;

	ret[0] = '\0';
	for (const char *p = path; (p = strchr(p, '/')); p++)
		if (!strncmp(p + 1, unit, ul) && (p[1 + ul] == '/' || !p[1 + ul]))
			hit = p;
	if (hit && (size_t)(hit - path) + 1 + ul < size) {
		memcpy(ret, path, (size_t)(hit - path) + 1 + ul);
		ret[(hit - path) + 1 + ul] = '\0';
	}
}

static void explain_unit(const struct score_set *s, const struct score_task *t,
			 struct score_explain *e)
{
	struct cgroup_origin o;
	size_t ul;

	cgroup_origin_from_path(t->p.has & PT_HAS_UNIT_CGROUP ? t->p.unit_cgroup : t->p.memcg, &o);
	memcpy(e->container_id, o.container_id, sizeof(e->container_id));
	memcpy(e->pod_uid, o.pod_uid, sizeof(e->pod_uid));
	if (!o.unit[0])
		return;
	memcpy(e->unit, o.unit, sizeof(e->unit));
	ul = strlen(e->unit);
	e->is_scope = ul > 6 && !strcmp(e->unit + ul - 6, ".scope");
	unit_path_of(t->p.unit_cgroup, e->unit, e->unit_path, sizeof(e->unit_path));
	if (!e->unit_path[0])
		return;
	for (size_t i = 0; i < s->n; i++) {
		const struct score_task *u = &s->tasks[i];

		if (!(u->p.has & PT_HAS_UNIT_CGROUP) ||
		    !memcg_path_within(u->p.unit_cgroup, e->unit_path))
			continue;
		e->unit_tasks++;
		if (e->first && u == e->first)
			e->first_in_unit = true;
	}
}

int scores_explain(const struct score_set *s, int32_t pid, struct score_explain *e)
{
	const struct score_task *t = score_set__find(s, pid);

	memset(e, 0, sizeof(*e));
	if (!t)
		return -ESRCH;
	e->task = t;
	if (s->n_eligible && !s->tasks[0].skip)
		e->first = &s->tasks[0];
	if (t->rank > 1)
		e->above = t - 1;
	if (t->rank && t->rank < s->n_eligible)
		e->below = t + 1;
	if (e->first && e->first != t && !t->skip)
		scores_flip_above(s, t, e->first->points, &e->to_first);
	if (e->above)
		scores_flip_above(s, t, e->above->points, &e->to_above);
	if (e->below)
		scores_flip_below(s, t, e->below->points, &e->to_below);
	if (t->skip == SCORE_SKIP_ADJ_MIN) {
		/* where it would stand without the exemption */
		e->points_at_adj0 = t->mem_points;
		e->rank_at_adj0 = 1;
		for (size_t i = 0; i < s->n_eligible; i++)
			if (s->tasks[i].points >= e->points_at_adj0)
				e->rank_at_adj0++;
	}
	explain_unit(s, t, e);
	return 0;
}
