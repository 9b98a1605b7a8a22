// SPDX-License-Identifier: GPL-2.0
/*
 * The report state machine: classified lines (kmsg_fields) in, one
 * struct oom_event per OOM report out.
 *
 * Where a report starts and ends. The "invoked oom-killer" header always
 * starts one. Lines that only OOM reports print (the task table, the
 * oom-kill summary, the kill lines, the memcg "limit of" and usage lines)
 * start one when none is open: the input began mid-report. Lines that other
 * dumps print too (a call trace, Mem-Info, memory.stat lines) open a
 * tentative report, kept only if an OOM-only line follows, and its stack
 * only if it went through the OOM killer. A report ends at the first line
 * that cannot follow its kill (anything but more kills of the same OOM and
 * the reaper), at a second header, summary or kill line, after a pause of
 * REPORT_GAP_US in the kernel's timestamps (printing a report takes
 * milliseconds; a longer pause in a pasted log means lines were elided
 * between two reports), or after UNKNOWN_RUN_MAX lines in a row that are
 * not part of any report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfp_names.h"
#include "kmsg_fields.h"
#include "kmsg_report.h"

#define REPORT_GAP_US 2000000
#define UNKNOWN_RUN_MAX 32
#define RECENT_VICTIMS 64
#define PENDING_REAPS 16

/* Task-table formats, by their columns: they tell the kernel's era. */
enum era {
	ERA_UNKNOWN,
	ERA_2_6,	/* cpu oom_adj [oom_score_adj]: badness on a 0..1000 scale */
	ERA_3_6,	/* nr_ptes swapents */
	ERA_4_0,	/* nr_ptes nr_pmds swapents */
	ERA_4_15,	/* pgtables_bytes swapents */
	ERA_6_X,	/* rss_anon rss_file rss_shmem pgtables_bytes swapents */
};

struct when {
	bool has_wall, has_ktime, has_seq;
	uint64_t wall_ns, ktime_us, seq;
	char stamp[KMSG_STAMP_MAX];
};

struct report {
	bool open, confirmed;
	bool foreign;		/* a page allocation failure dump: never an OOM report */
	struct oom_event *ev;
	struct when first, kill;
	bool has_last_ktime;
	uint64_t last_ktime_us;
	/* what the report showed */
	bool header, cpu, oom_frames, meminfo, memcg_lines, global_msg;
	bool tasks_state, table_header, in_table, table_done, rows_without_header;
	bool summary, score, victim, group, no_killable, panic, elided, lost;
	bool victim_comm_cut, user_ip, victims_cut;
	struct kmsg_table_layout layout;
	enum era era;
	bool header_oom_adj;	/* "oom_adj=" in the header: before 3.x */
	uint8_t unreliable[KMSG_MAX_FRAMES];
	/* totalpages, from Mem-Info or the memcg counters */
	bool has_ram, has_reserved, has_swap_total, has_mem_limit, has_memsw_limit;
	bool has_swap_limit;
	uint64_t ram_pages, reserved_pages, swap_total_kb, mem_limit_kb, memsw_limit_kb;
	uint64_t swap_limit_kb;
	/* memcg paths */
	bool has_task_in, task_in_complete, has_limit_of, has_stats_for;
	char task_in[OOM_PATH_MAX], limit_of[OOM_PATH_MAX], stats_for[OOM_PATH_MAX];
	bool has_oom_memcg, oom_memcg_cut, has_task_memcg, task_memcg_cut, global_oom;
	char oom_memcg[OOM_PATH_MAX], task_memcg[OOM_PATH_MAX];
	enum oom_constraint constraint;
	/* the summary's victim (4.19+) */
	bool has_sum_victim;
	int32_t sum_pid;
	uint32_t sum_uid;
	char sum_comm[OOM_COMM_MAX];
	struct kmsg_reaped reaps[PENDING_REAPS];
	size_t n_reaps;
	uint64_t unknown_run;	/* lines not understood since the last that was */
	uint64_t unparsed;
};

struct recent {
	int32_t pid;
	uint64_t seq;
};

struct kmsg_parser {
	struct kmsg_report_ops ops;
	size_t keep;
	uint64_t seq;
	bool lost;		/* records lost before the next line */
	struct report r;
	struct recent recent[RECENT_VICTIMS];
	size_t n_recent;
	struct kmsg_stats stats;
};

struct kmsg_parser *kmsg_parser__new(const struct kmsg_report_ops *ops, size_t keep)
{
	struct kmsg_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->ops = *ops;
	p->keep = !keep || keep > KMSG_MAX_CANDIDATES ? KMSG_MAX_CANDIDATES : keep;
	return p;
}

static void report_reset(struct report *r)
{
	oom_event__free(r->ev);
	memset(r, 0, sizeof(*r));
}

void kmsg_parser__free(struct kmsg_parser *p)
{
	if (!p)
		return;
	report_reset(&p->r);
	free(p);
}

const struct kmsg_stats *kmsg_parser__stats(const struct kmsg_parser *p)
{
	return &p->stats;
}

bool kmsg_parser__pending(const struct kmsg_parser *p)
{
	return p->r.open;
}

void kmsg_parser__lost(struct kmsg_parser *p)
{
	if (p->r.open)
		p->r.lost = true;
	else
		p->lost = true;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src);
}

static void set_when(struct when *w, const struct kmsg_line *l)
{
	w->has_wall = l->has_wall;
	w->wall_ns = l->wall_ns;
	w->has_ktime = l->has_ktime;
	w->ktime_us = l->ktime_us;
	w->has_seq = l->has_seq;
	w->seq = l->seq;
	copy_str(w->stamp, sizeof(w->stamp), l->stamp);
}

static int report_open(struct kmsg_parser *p, const struct kmsg_line *l, bool confirmed)
{
	struct report *r = &p->r;

	report_reset(r);
	r->ev = oom_event__new();
	if (!r->ev)
		return -ENOMEM;
	r->open = true;
	r->confirmed = confirmed;
	r->constraint = OOM_CONSTRAINT_UNKNOWN;
	r->lost = p->lost;
	p->lost = false;
	set_when(&r->first, l);
	return 0;
}

/* --- what the lines say ---------------------------------------------------------- */

static uint64_t page_kb(const struct report *r)
{
	return r->ev->page_size / 1024 ? r->ev->page_size / 1024 : 4;
}

/*
 * The OOM domain's size in pages, as oom_badness() divides by it.
 * memcg (mem_cgroup_get_max, and mem_cgroup_get_limit before it): the
 * limit plus the swap the group may use, which is the smaller of its swap
 * allowance and the system's swap. Global: totalram_pages + total_swap_pages,
 * where show_mem's "pages RAM" less "pages reserved" is the managed pages.
 * The report does not print the system's swap for a memcg OOM: when the
 * group may swap, *ret_swap_unknown says the swap part is missing.
 * (mem_cgroup_swappiness() == 0 also drops the swap part; the report does
 * not print it either.)
 */
static bool report_totalpages(const struct report *r, uint64_t *ret, bool *ret_swap_unknown)
{
	uint64_t kb = page_kb(r), allowance_kb = 0;
	bool allowance_known = true;

	*ret_swap_unknown = false;
	if (r->has_mem_limit) {
		if (r->has_memsw_limit)
			allowance_kb = r->memsw_limit_kb > r->mem_limit_kb ?
				       r->memsw_limit_kb - r->mem_limit_kb : 0;
		else if (r->has_swap_limit)
			allowance_kb = r->swap_limit_kb;
		else
			allowance_known = false;	/* v1 without swap accounting */
		*ret = r->mem_limit_kb / kb;
		if (allowance_known && !allowance_kb)
			return true;
		if (r->has_swap_total) {
			uint64_t swap = r->swap_total_kb;

			if (allowance_known && allowance_kb < swap)
				swap = allowance_kb;
			*ret += swap / kb;
			return true;
		}
		*ret_swap_unknown = true;
		return true;
	}
	if (r->has_ram && r->has_reserved && r->ram_pages >= r->reserved_pages) {
		*ret = r->ram_pages - r->reserved_pages;
		if (r->has_swap_total)
			*ret += r->swap_total_kb / kb;
		else
			*ret_swap_unknown = true;
		return true;
	}
	return false;
}

static enum era era_of(const struct kmsg_table_layout *l)
{
	if (l->has[KCOL_RSS_ANON])
		return ERA_6_X;
	if (l->has[KCOL_PGTABLES_BYTES])
		return ERA_4_15;
	if (l->has[KCOL_NR_PMDS])
		return ERA_4_0;
	if (l->has[KCOL_NR_PTES])
		return ERA_3_6;
	if (l->has[KCOL_CPU] || l->has[KCOL_OOM_ADJ])
		return ERA_2_6;
	return ERA_UNKNOWN;
}

/*
 * oom_badness() of a row, as the kernel of the table's era computed it.
 * 2.6.36-3.5 scaled to 0..1000 and clamped (its table lacks the ptes and
 * swap that went into it: a lower bound); 3.6-5.8 counted pages, with at
 * least 1 for an eligible task; 5.9+ may go negative. The 3% bonus for
 * CAP_SYS_ADMIN tasks (until 4.17) cannot be seen in the table and is
 * left out. -1000 tasks are not eligible. Everything here is an estimate.
 */
static void estimate_points(const struct report *r, const struct kmsg_row *row,
			    struct oom_task *t)
{
	const struct kmsg_table_layout *l = &r->layout;
	int64_t adj = row->v[KCOL_OOM_SCORE_ADJ], pts;
	uint64_t total = 0;
	bool has_total, swap_unknown;

	if (!l->has[KCOL_OOM_SCORE_ADJ] || !l->has[KCOL_RSS])
		return;		/* 2.6.32 upstream: the old heuristic, not in the table */
	if (adj <= -1000) {
		t->skip = OOM_SKIP_ADJ_MIN;
		return;
	}
	has_total = report_totalpages(r, &total, &swap_unknown) && total;
	switch (r->era) {
	case ERA_2_6:
		if (!has_total)
			return;
		pts = row->v[KCOL_RSS] * 1000 / (int64_t)total + adj;
		pts = pts <= 0 ? 1 : pts > 1000 ? 1000 : pts;
		break;
	case ERA_3_6:
	case ERA_4_0:
		if (adj && !has_total)
			return;
		pts = row->v[KCOL_RSS] + row->v[KCOL_NR_PTES] + row->v[KCOL_NR_PMDS] +
		      row->v[KCOL_SWAPENTS] + (adj ? oom_points_adj_part((int32_t)adj, total) : 0);
		if (pts <= 0)
			pts = 1;
		break;
	case ERA_4_15:
	case ERA_6_X:
		if (adj && !has_total)
			return;
		if (row->v[KCOL_RSS] < 0 || row->v[KCOL_SWAPENTS] < 0 ||
		    row->v[KCOL_PGTABLES_BYTES] < 0)
			return;
		pts = oom_points((uint64_t)row->v[KCOL_RSS], (uint64_t)row->v[KCOL_SWAPENTS],
				 (uint64_t)row->v[KCOL_PGTABLES_BYTES], (int32_t)adj,
				 adj ? total : 0, r->ev->page_size);
		break;
	default:
		return;
	}
	t->points = pts;
	t->has |= TASK_HAS_POINTS | TASK_POINTS_ESTIMATED;
}

/*
 * Keep the best `keep` candidates while the table streams by, in
 * oom_event__offer_candidate_top's heap (O(log keep) a row);
 * oom_event__rank() sorts them when the report is complete.
 */
static int keep_candidate(struct kmsg_parser *p, const struct oom_task *t)
{
	int err = oom_event__offer_candidate_top(p->r.ev, t, p->keep);

	return err < 0 ? err : 0;
}

static uint64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

/* A task-table row: a candidate. -EINVAL if it does not fit the header. */
static int add_row(struct kmsg_parser *p, const struct kmsg_line *l)
{
	struct report *r = &p->r;
	const struct kmsg_table_layout *lay = &r->layout;
	struct oom_task t = {};
	struct kmsg_row row;

	if (kmsg_parse_row(l->text, l->len, lay, &row))
		return -EINVAL;
	t.has = TASK_HAS_PID | TASK_HAS_COMM;
	t.pid = lay->has[KCOL_TGID] ? (int32_t)row.v[KCOL_TGID] : row.pid;
	if (lay->has[KCOL_TGID]) {
		t.tid = row.pid;
		t.has |= TASK_HAS_TID;
	}
	memcpy(t.comm, row.comm, sizeof(t.comm));
	if (lay->has[KCOL_UID] && row.v[KCOL_UID] >= 0) {
		t.uid = (uint32_t)row.v[KCOL_UID];
		t.has |= TASK_HAS_UID;
	}
	if (lay->has[KCOL_OOM_SCORE_ADJ]) {
		t.oom_score_adj = (int32_t)row.v[KCOL_OOM_SCORE_ADJ];
		t.has |= TASK_HAS_ADJ;
	}
	if (lay->has[KCOL_TOTAL_VM]) {
		t.total_vm_pages = nonneg(row.v[KCOL_TOTAL_VM]);
		t.has |= TASK_HAS_TOTAL_VM;
	}
	if (lay->has[KCOL_RSS]) {
		t.rss_pages = nonneg(row.v[KCOL_RSS]);
		t.has |= TASK_HAS_RSS;
	}
	if (lay->has[KCOL_RSS_ANON] && lay->has[KCOL_RSS_FILE] && lay->has[KCOL_RSS_SHMEM]) {
		t.rss_anon_pages = nonneg(row.v[KCOL_RSS_ANON]);
		t.rss_file_pages = nonneg(row.v[KCOL_RSS_FILE]);
		t.rss_shmem_pages = nonneg(row.v[KCOL_RSS_SHMEM]);
		t.has |= TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM;
	}
	if (lay->has[KCOL_SWAPENTS]) {
		t.swap_pages = nonneg(row.v[KCOL_SWAPENTS]);
		t.has |= TASK_HAS_SWAP;
	}
	if (lay->has[KCOL_PGTABLES_BYTES]) {
		t.pgtables_bytes = nonneg(row.v[KCOL_PGTABLES_BYTES]);
		t.has |= TASK_HAS_PGTABLES;
	} else if (lay->has[KCOL_NR_PTES]) {
		/* page-table pages, counted the way pgtables_bytes later counted them */
		t.pgtables_bytes = (nonneg(row.v[KCOL_NR_PTES]) + nonneg(row.v[KCOL_NR_PMDS])) *
				   r->ev->page_size;
		t.has |= TASK_HAS_PGTABLES;
	}
	if ((t.has & (TASK_HAS_RSS_ANON | TASK_HAS_SWAP | TASK_HAS_PGTABLES)) ==
	    (TASK_HAS_RSS_ANON | TASK_HAS_SWAP | TASK_HAS_PGTABLES))
		t.has |= TASK_HAS_MEM;
	estimate_points(r, &row, &t);
	/* a thread id that is some process's tgid is that process's leader */
	if (r->ev->trigger.has & TASK_HAS_TID && r->ev->trigger.tid == t.pid) {
		r->ev->trigger.pid = t.pid;
		r->ev->trigger.has |= TASK_HAS_PID;
	}
	r->ev->candidates_total++;
	return keep_candidate(p, &t);
}

static bool is_oom_function(const char *sym)
{
	static const char *const names[] = {
		"out_of_memory", "oom_kill_process", "dump_header", "mem_cgroup_out_of_memory",
		"pagefault_out_of_memory", "__alloc_pages_may_oom", "mem_cgroup_oom_synchronize",
		"select_bad_process", "mem_cgroup_handle_oom", "__oom_kill_process",
	};
	size_t n = strcspn(sym, ".");	/* oom_kill_process.cold, out_of_memory.part.0 */

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !strncmp(sym, names[i], n))
			return true;
	return false;
}

static int add_frame(struct report *r, const struct kmsg_fact *f)
{
	struct oom_frame *fr;

	if (r->ev->n_kernel_stack >= KMSG_MAX_FRAMES)
		return 0;
	fr = oom_event__add_kframe(r->ev);
	if (!fr)
		return -ENOMEM;
	copy_str(fr->sym, sizeof(fr->sym), f->sym);
	copy_str(fr->module, sizeof(fr->module), f->module);
	fr->offset = f->offset;
	fr->addr = f->addr;
	r->unreliable[r->ev->n_kernel_stack - 1] = f->unreliable;
	if (is_oom_function(f->sym))
		r->oom_frames = true;
	return 0;
}

static void kb_to_task(const struct report *r, const struct kmsg_fact *f, struct oom_task *t)
{
	uint64_t kb = page_kb(r);

	t->pid = f->pid;
	t->has |= TASK_HAS_PID;
	copy_str(t->comm, sizeof(t->comm), f->comm);
	if (f->has & KF_COMM)
		t->has |= TASK_HAS_COMM;
	if (f->has_uid) {
		t->uid = f->uid;
		t->has |= TASK_HAS_UID;
	}
	if (f->has_adj) {
		t->oom_score_adj = f->adj;
		t->has |= TASK_HAS_ADJ;
	}
	if (f->has & KF_TOTAL_VM) {
		t->total_vm_pages = f->total_vm_kb / kb;
		t->has |= TASK_HAS_TOTAL_VM;
	}
	if (f->has & KF_ANON) {
		t->rss_anon_pages = f->anon_kb / kb;
		t->has |= TASK_HAS_RSS_ANON;
	}
	if (f->has & KF_FILE) {
		t->rss_file_pages = f->file_kb / kb;
		t->has |= TASK_HAS_RSS_FILE;
	}
	if (f->has & KF_SHMEM) {
		t->rss_shmem_pages = f->shmem_kb / kb;
		t->has |= TASK_HAS_RSS_SHMEM;
	}
	if (f->has & KF_PGTABLES) {
		t->pgtables_bytes = f->pgtables_kb * 1024;
		t->has |= TASK_HAS_PGTABLES;
	}
}

static bool is_victim(const struct report *r, int32_t pid)
{
	for (size_t i = 0; i < r->ev->n_victims; i++)
		if (r->ev->victims[i].pid == pid)
			return true;
	return false;
}

/* A "Killed process" line: the victim, or one more of the same OOM. */
static int add_killed(struct report *r, const struct kmsg_fact *f, const struct kmsg_line *l,
		      enum oom_victim_reason reason)
{
	struct oom_task *t;

	if (reason != OOM_VICTIM_CHOSEN && is_victim(r, f->pid))
		return 0;	/* memory.oom.group kills the chosen one again */
	if (r->ev->n_victims >= KMSG_MAX_VICTIMS) {
		r->victims_cut = true;
		return 0;
	}
	t = oom_event__add_victim(r->ev);
	if (!t)
		return -ENOMEM;
	kb_to_task(r, f, t);
	t->reason = reason;
	if (reason == OOM_VICTIM_CHOSEN) {
		r->victim = true;
		r->victim_comm_cut = !(f->has & KF_COMM);
		set_when(&r->kill, l);
		if (f->memcg_msg)
			r->memcg_lines = true;
		else if (!r->memcg_lines)
			r->global_msg = true;
	}
	return 0;
}

/* --- passing a report on ---------------------------------------------------------- */

static void add_missing(struct oom_event *ev, const char *what)
{
	size_t n = strlen(ev->missing);

	snprintf(ev->missing + n, sizeof(ev->missing) - n, "%s%s", n ? "," : "", what);
}

static bool path_extends(const char *longer, const char *prefix)
{
	return !strncmp(longer, prefix, strlen(prefix));
}

/*
 * The OOM domain's path. The summary's oom_memcg (4.19+) is the kernel's own
 * word. Before it, "limit of" names it, but long lines get cut: the first
 * "Memory cgroup stats for" names the same group in full. A "limit of"
 * path that stops inside a component of the victim's path was cut, and
 * which ancestor it was cannot be known.
 */
static void finish_memcg(struct report *r, struct oom_event *ev)
{
	const char *path = NULL;
	size_t n;

	if (r->has_oom_memcg) {
		if (!r->oom_memcg_cut)
			path = r->oom_memcg;
	} else if (r->has_limit_of) {
		n = strlen(r->limit_of);
		if (r->has_stats_for && path_extends(r->stats_for, r->limit_of))
			path = r->stats_for;
		else if (!(r->has_task_in && r->task_in_complete &&
			   path_extends(r->task_in, r->limit_of) && r->task_in[n] &&
			   r->task_in[n] != '/'))
			path = r->limit_of;
	} else if (r->has_stats_for) {
		path = r->stats_for;
	}
	if (path) {
		copy_str(ev->memcg, sizeof(ev->memcg), path);
		ev->has |= EV_HAS_MEMCG;
	} else if (ev->constraint == OOM_CONSTRAINT_MEMCG) {
		add_missing(ev, "oom_memcg");
	}
}

static void finish_constraint(struct report *r, struct oom_event *ev)
{
	if (r->constraint != OOM_CONSTRAINT_UNKNOWN) {
		ev->constraint = r->constraint;
		return;
	}
	/*
	 * Before 4.19 the kernel did not print it. A memcg OOM says so in its
	 * kill message and prints the group's counters. The other message,
	 * with the report's header or Mem-Info in view, is a system OOM (or a
	 * cpuset/mempolicy one: old kernels did not tell those apart either).
	 * A bare kill line claims nothing.
	 */
	if (r->memcg_lines) {
		ev->constraint = OOM_CONSTRAINT_MEMCG;
		ev->has |= EV_CONSTRAINT_INFERRED;
	} else if ((r->global_msg || r->no_killable) && (r->header || r->meminfo)) {
		ev->constraint = OOM_CONSTRAINT_NONE;
		ev->has |= EV_CONSTRAINT_INFERRED;
	}
}

/* The victim: kill line facts, completed from its task-table row. */
static void finish_victim(struct report *r, struct oom_event *ev)
{
	struct oom_task *v = &ev->victim;

	if (ev->n_victims) {
		*v = ev->victims[0];
	} else if (r->has_sum_victim) {
		/* cut before the kill line: the summary named the task to be killed */
		v->pid = r->sum_pid;
		v->uid = r->sum_uid;
		copy_str(v->comm, sizeof(v->comm), r->sum_comm);
		v->has = TASK_HAS_PID | TASK_HAS_UID | TASK_HAS_COMM;
	} else {
		return;
	}
	ev->has |= EV_HAS_VICTIM;
	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *c = &ev->candidates[i];

		if (c->pid != v->pid)
			continue;
		v->has |= c->has & (TASK_HAS_POINTS | TASK_POINTS_ESTIMATED);
		v->points = c->points;
		v->skip = c->skip;
		if (!(v->has & TASK_HAS_UID) && c->has & TASK_HAS_UID) {
			v->uid = c->uid;
			v->has |= TASK_HAS_UID;
		}
		if (!(v->has & TASK_HAS_ADJ) && c->has & TASK_HAS_ADJ) {
			v->oom_score_adj = c->oom_score_adj;
			v->has |= TASK_HAS_ADJ;
		}
		if (c->has & (TASK_HAS_SWAP | TASK_HAS_MEM)) {
			v->swap_pages = c->swap_pages;
			v->has |= TASK_HAS_SWAP;
		}
		/*
		 * The table counts page tables in bytes; the kill line's "pgtables:"
		 * was bytes labelled kB in its first release (5.4), so the row wins.
		 */
		if (c->has & (TASK_HAS_PGTABLES | TASK_HAS_MEM)) {
			v->pgtables_bytes = c->pgtables_bytes;
			v->has |= TASK_HAS_PGTABLES;
		}
		if (!(v->has & TASK_HAS_TOTAL_VM) && c->has & TASK_HAS_TOTAL_VM) {
			v->total_vm_pages = c->total_vm_pages;
			v->has |= TASK_HAS_TOTAL_VM;
		}
		if (c->has & TASK_HAS_RSS) {
			v->rss_pages = c->rss_pages;
			v->has |= TASK_HAS_RSS;
		}
		break;
	}
	if (r->has_task_memcg && !r->task_memcg_cut &&
	    (!r->has_sum_victim || r->sum_pid == v->pid)) {
		copy_str(v->cgroup, sizeof(v->cgroup), r->task_memcg);
		v->has |= TASK_HAS_CGROUP;
	} else if (r->has_task_in && r->task_in_complete) {
		copy_str(v->cgroup, sizeof(v->cgroup), r->task_in);	/* v1: "Task in X" */
		v->has |= TASK_HAS_CGROUP;
	}
	if ((v->has & (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM |
		       TASK_HAS_SWAP | TASK_HAS_PGTABLES)) ==
	    (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM | TASK_HAS_SWAP |
	     TASK_HAS_PGTABLES))
		v->has |= TASK_HAS_MEM;
	if (ev->n_victims) {
		uint32_t keep_has = ev->victims[0].has;

		ev->victims[0] = *v;
		ev->victims[0].has |= keep_has;
	}
}

/*
 * "?" frames are the unwinder's guesses from stack contents; the live
 * tracer's stacks have none, so they are dropped, unless no frame is
 * reliable (2.6.32 without frame pointers marks them all).
 */
static void finish_stack(struct report *r, struct oom_event *ev)
{
	size_t w = 0, reliable = 0;

	for (size_t i = 0; i < ev->n_kernel_stack; i++)
		reliable += !r->unreliable[i];
	if (!reliable)
		return;
	for (size_t i = 0; i < ev->n_kernel_stack; i++)
		if (!r->unreliable[i])
			ev->kernel_stack[w++] = ev->kernel_stack[i];
	ev->n_kernel_stack = w;
}

static void finish_gfp(struct report *r, struct oom_event *ev)
{
	/*
	 * Kernels before ~4.10 printed the mask alone. Its bit layout is only
	 * known for certain before 4.0 (a header with oom_adj=, or a table
	 * without nr_pmds): 4.0-4.3 shared it, 4.4 changed it, and their
	 * tables look the same.
	 */
	if (ev->has & EV_HAS_GFP && !ev->gfp_flags[0] && ev->gfp_mask &&
	    (r->header_oom_adj || r->era == ERA_2_6 || r->era == ERA_3_6))
		gfp_names_format(GFP_LAYOUT_2_6_32, ev->gfp_mask, ev->gfp_flags,
				 sizeof(ev->gfp_flags));
}

static void remember_victim(struct kmsg_parser *p, int32_t pid, uint64_t seq)
{
	memmove(p->recent + 1, p->recent, sizeof(p->recent[0]) * (RECENT_VICTIMS - 1));
	p->recent[0].pid = pid;
	p->recent[0].seq = seq;
	if (p->n_recent < RECENT_VICTIMS)
		p->n_recent++;
}

static void report_close(struct kmsg_parser *p)
{
	struct report *r = &p->r;
	struct oom_event *ev = r->ev;
	const struct when *w;
	uint64_t total;
	bool swap_unknown;

	if (!r->open)
		return;
	if (!r->confirmed) {
		report_reset(r);	/* another kind of dump: not ours, not counted */
		return;
	}
	ev->seq = ++p->seq;
	ev->mode = "kmsg";
	ev->source = "kmsg";
	w = r->victim ? &r->kill : &r->first;
	if (w->has_wall)
		ev->time_ns = w->wall_ns;
	if (w->has_ktime) {
		ev->ktime_us = w->ktime_us;
		ev->has |= EV_HAS_KTIME;
	}
	copy_str(ev->log_time, sizeof(ev->log_time), w->stamp);
	if (r->first.has_seq) {
		ev->kmsg_seq = r->first.seq;
		ev->has |= EV_HAS_KMSG_SEQ;
	}
	if (r->header || r->cpu)
		ev->has |= EV_HAS_TRIGGER;
	finish_constraint(r, ev);
	if (!r->header)
		add_missing(ev, "header");
	else if (!ev->n_kernel_stack)
		add_missing(ev, "call_trace");
	finish_memcg(r, ev);
	if (report_totalpages(r, &total, &swap_unknown)) {
		ev->totalpages = total;
		ev->has |= EV_HAS_TOTALPAGES;
		if (swap_unknown)
			add_missing(ev, "total_swap");
	}
	if (r->table_header) {
		ev->has |= EV_HAS_CANDIDATES;
		oom_event__rank(ev, 0);
	} else {
		add_missing(ev, r->rows_without_header ? "task_table_header" : "task_table");
	}
	finish_victim(r, ev);
	if (!r->victim && !r->no_killable)
		add_missing(ev, "kill_line");
	if (r->victim_comm_cut)
		add_missing(ev, "victim_comm");
	if (r->victims_cut)
		add_missing(ev, "victims_beyond_limit");
	if (r->has_task_memcg && r->task_memcg_cut)
		add_missing(ev, "task_memcg");
	if (r->elided)
		add_missing(ev, "elided_lines");
	if (r->lost)
		add_missing(ev, "lost_records");
	finish_stack(r, ev);
	finish_gfp(r, ev);
	ev->unparsed_lines = r->unparsed;
	ev->has |= EV_HAS_UNPARSED;
	p->stats.reports++;
	p->stats.unparsed += r->unparsed;
	p->ops.event(ev, p->ops.arg);
	for (size_t i = 0; i < ev->n_victims; i++)
		remember_victim(p, ev->victims[i].pid, ev->seq);
	for (size_t i = 0; i < r->n_reaps; i++) {
		r->reaps[i].oom_seq = ev->seq;
		if (p->ops.reaped)
			p->ops.reaped(&r->reaps[i], p->ops.arg);
	}
	report_reset(r);
}

void kmsg_parser__flush(struct kmsg_parser *p)
{
	report_close(p);
}

/* --- feeding ------------------------------------------------------------------------- */

static void reaped(struct kmsg_parser *p, const struct kmsg_fact *f, const struct kmsg_line *l)
{
	struct report *r = &p->r;
	struct kmsg_reaped rp = {
		.pid = f->pid,
		.failed = f->kind == KMSG_REAP_FAILED,
		.has_rss = (f->has & (KF_ANON | KF_FILE | KF_SHMEM)) == (KF_ANON | KF_FILE | KF_SHMEM),
		.anon_kb = f->anon_kb, .file_kb = f->file_kb, .shmem_kb = f->shmem_kb,
		.has_wall = l->has_wall, .wall_ns = l->wall_ns,
		.has_ktime = l->has_ktime, .ktime_us = l->ktime_us,
	};

	copy_str(rp.comm, sizeof(rp.comm), f->comm);
	if (r->open && r->confirmed && is_victim(r, f->pid)) {
		if (r->n_reaps < PENDING_REAPS)
			r->reaps[r->n_reaps++] = rp;
		return;
	}
	for (size_t i = 0; i < p->n_recent; i++) {
		if (p->recent[i].pid == f->pid) {
			rp.oom_seq = p->recent[i].seq;
			if (p->ops.reaped)
				p->ops.reaped(&rp, p->ops.arg);
			return;
		}
	}
	/* the reaper of a kill this input does not hold */
}

/* Kinds that may follow a report's kill line and still belong to it. */
static bool after_kill_ok(enum kmsg_kind k)
{
	switch (k) {
	case KMSG_KILLED: case KMSG_GROUP: case KMSG_KILL_SHARED: case KMSG_MM_PINNED:
	case KMSG_REAPED: case KMSG_REAP_FAILED: case KMSG_BLANK:
		return true;
	default:
		return false;
	}
}

/* Kinds that only an OOM report prints: they confirm (or start) one. */
static bool oom_only(enum kmsg_kind k)
{
	switch (k) {
	case KMSG_HEADER: case KMSG_MEMCG_TASK_IN: case KMSG_MEMCG_COUNTER:
	case KMSG_MEMCG_STATS_FOR: case KMSG_TASKS_STATE: case KMSG_TABLE_HEADER:
	case KMSG_SUMMARY: case KMSG_GROUP: case KMSG_KILL_SCORE: case KMSG_KILLED:
	case KMSG_NO_KILLABLE:
		return true;
	default:
		return false;
	}
}

/* Kinds other dumps print too: they open a tentative report. */
static bool may_open(enum kmsg_kind k)
{
	switch (k) {
	case KMSG_CPUSET: case KMSG_CPU: case KMSG_DUMP_INFO: case KMSG_FRAME: case KMSG_REGS:
	case KMSG_USER_IP: case KMSG_MEMINFO: case KMSG_MEMINFO_RAM: case KMSG_MEMINFO_RESERVED:
	case KMSG_MEMINFO_SWAP: case KMSG_MEMINFO_BUDDY: case KMSG_STAT: case KMSG_ALLOC_FAIL:
		return true;
	default:
		return false;
	}
}

/* Does this line end the open report before it is taken in? */
static bool ends_report(const struct report *r, const struct kmsg_fact *f, const struct kmsg_line *l)
{
	enum kmsg_kind k = f->kind;

	if (!r->open)
		return false;
	if (l->has_ktime && r->has_last_ktime && l->ktime_us > r->last_ktime_us + REPORT_GAP_US &&
	    k != KMSG_REAPED && k != KMSG_REAP_FAILED)
		return true;
	if (k == KMSG_HEADER || k == KMSG_ALLOC_FAIL)
		return true;
	if (r->foreign && oom_only(k))
		return true;
	if (!r->confirmed && oom_only(k))
		return false;	/* confirms it instead */
	if (r->victim && !after_kill_ok(k))
		return true;
	if (r->victim && k == KMSG_KILLED && !r->group)
		return true;	/* a second kill without memory.oom.group: the next OOM */
	if ((r->no_killable || r->panic) && k != KMSG_PANIC && k != KMSG_BLANK)
		return true;
	switch (k) {
	case KMSG_SUMMARY:
		return r->summary;
	case KMSG_KILL_SCORE:
		return r->score;
	case KMSG_TASKS_STATE:
		return r->table_done || r->tasks_state;
	case KMSG_TABLE_HEADER:
		return r->table_done || (r->table_header && r->ev->candidates_total);
	case KMSG_MEMCG_TASK_IN:
		return r->has_task_in && (r->table_done || r->summary);
	default:
		return false;
	}
}

/* Take a line into the open report. Returns 1 if understood, 0 if not, -errno. */
static int take(struct kmsg_parser *p, const struct kmsg_fact *f, const struct kmsg_line *l)
{
	struct report *r = &p->r;
	struct oom_event *ev = r->ev;

	if (f->kind != KMSG_TABLE_ROW && r->in_table) {
		r->in_table = false;
		r->table_done = true;
	}
	switch (f->kind) {
	case KMSG_HEADER:
		r->header = true;
		ev->has |= EV_HAS_TRIGGER;
		copy_str(ev->trigger.comm, sizeof(ev->trigger.comm), f->comm);
		ev->trigger.has |= TASK_HAS_COMM;
		if (f->has_adj) {
			ev->trigger.oom_score_adj = f->adj;
			ev->trigger.has |= TASK_HAS_ADJ;
		}
		r->header_oom_adj = f->has_oom_adj;
		if (f->has_gfp) {
			ev->gfp_mask = f->gfp;
			ev->has |= EV_HAS_GFP;
			if (f->has_gfp_names)
				copy_str(ev->gfp_flags, sizeof(ev->gfp_flags), f->gfp_names);
		}
		if (f->has_order) {
			ev->order = f->order;
			ev->has |= EV_HAS_ORDER;
		}
		return 1;
	case KMSG_CPU:
		if (r->cpu)
			return 1;	/* a second dump_stack (a panic's): not the trigger */
		r->cpu = true;
		ev->trigger.tid = f->pid;
		ev->trigger.has |= TASK_HAS_TID;
		if (!(ev->trigger.has & TASK_HAS_COMM) && f->has & KF_COMM) {
			copy_str(ev->trigger.comm, sizeof(ev->trigger.comm), f->comm);
			ev->trigger.has |= TASK_HAS_COMM;
		}
		if (f->has_uid) {
			ev->trigger.uid = f->uid;
			ev->trigger.has |= TASK_HAS_UID;
		}
		return 1;
	case KMSG_FRAME:
		return add_frame(r, f) < 0 ? -ENOMEM : 1;
	case KMSG_USER_IP:
		if (!r->user_ip && f->value) {
			struct oom_frame *fr = oom_event__add_uframe(ev);

			if (!fr)
				return -ENOMEM;
			fr->addr = f->value;
			r->user_ip = true;
		}
		return 1;
	case KMSG_CPUSET: case KMSG_DUMP_INFO: case KMSG_REGS: case KMSG_MM_PINNED:
	case KMSG_SLAB: case KMSG_ALLOC_FAIL:
		return 1;
	case KMSG_MEMINFO:
		r->meminfo = true;
		return 1;
	case KMSG_MEMINFO_RAM:
		r->meminfo = r->has_ram = true;
		r->ram_pages = f->value;
		return 1;
	case KMSG_MEMINFO_RESERVED:
		r->meminfo = r->has_reserved = true;
		r->reserved_pages = f->value;
		return 1;
	case KMSG_MEMINFO_SWAP:
		r->meminfo = r->has_swap_total = true;
		r->swap_total_kb = f->value;
		return 1;
	case KMSG_MEMINFO_BUDDY:
		r->meminfo = true;
		/* the smallest free-list block is one page: 4kB, 16kB, 64kB */
		if (f->value >= 4096 && f->value <= (1u << 20) && !(f->value & (f->value - 1)) &&
		    !ev->candidates_total && !ev->n_victims)
			ev->page_size = (uint32_t)f->value;
		return 1;
	case KMSG_STAT:
		return r->memcg_lines || r->has_stats_for || !r->confirmed;
	case KMSG_MEMCG_TASK_IN:
		r->memcg_lines = true;
		if (r->has_task_in)
			return 1;	/* a duplicated paste of the same line */
		r->has_task_in = true;
		r->task_in_complete = f->path_complete;
		copy_str(r->task_in, sizeof(r->task_in), f->path);
		if (f->has_path2) {
			r->has_limit_of = true;
			copy_str(r->limit_of, sizeof(r->limit_of), f->path2);
		}
		return 1;
	case KMSG_MEMCG_COUNTER:
		r->memcg_lines = true;
		if (f->counter == KCNT_MEMORY) {
			r->has_mem_limit = true;
			r->mem_limit_kb = f->limit_kb;
		} else if (f->counter == KCNT_MEMSW) {
			r->has_memsw_limit = true;
			r->memsw_limit_kb = f->limit_kb;
		} else if (f->counter == KCNT_SWAP) {
			r->has_swap_limit = true;
			r->swap_limit_kb = f->limit_kb;
		}
		return 1;
	case KMSG_MEMCG_STATS_FOR:
		r->memcg_lines = true;
		if (!r->has_stats_for && f->path_complete) {	/* the first is the OOM group */
			r->has_stats_for = true;
			copy_str(r->stats_for, sizeof(r->stats_for), f->path);
		}
		return 1;
	case KMSG_TASKS_STATE:
		r->tasks_state = true;
		return 1;
	case KMSG_TABLE_HEADER:
		if (r->table_header)
			return 1;	/* the same header again, before any row */
		r->table_header = r->in_table = true;
		r->layout = f->layout;
		r->era = era_of(&f->layout);
		ev->has |= EV_HAS_CANDIDATES;
		return 1;
	case KMSG_TABLE_ROW: {
		int err;

		if (!r->in_table) {
			if (!r->table_header)
				r->rows_without_header = true;
			return 0;
		}
		err = add_row(p, l);
		return err == -EINVAL ? 0 : err < 0 ? err : 1;
	}
	case KMSG_SUMMARY:
		r->summary = true;
		r->constraint = f->constraint;
		r->global_oom = f->global_oom;
		if (f->has_path) {
			r->has_oom_memcg = true;
			r->oom_memcg_cut = !f->path_complete;
			copy_str(r->oom_memcg, sizeof(r->oom_memcg), f->path);
		}
		if (f->has_path2) {
			r->has_task_memcg = true;
			r->task_memcg_cut = !f->path2_complete;
			copy_str(r->task_memcg, sizeof(r->task_memcg), f->path2);
		}
		if (f->has & KF_COMM && f->has_uid) {
			r->has_sum_victim = true;
			r->sum_pid = f->pid;
			r->sum_uid = f->uid;
			copy_str(r->sum_comm, sizeof(r->sum_comm), f->comm);
		}
		return 1;
	case KMSG_GROUP:
		if (!r->victim)
			return 0;
		r->group = true;
		return 1;
	case KMSG_KILL_SCORE:
		r->score = true;
		ev->has |= EV_HAS_CHOSEN_SCORE;
		ev->chosen_pid = f->pid;
		ev->chosen_score = f->score;
		copy_str(ev->chosen_comm, sizeof(ev->chosen_comm), f->comm);
		if (f->memcg_msg)
			r->memcg_lines = true;
		else if (!r->memcg_lines)
			r->global_msg = true;
		return 1;
	case KMSG_KILLED:
		return add_killed(r, f, l, r->victim ? OOM_VICTIM_GROUP : OOM_VICTIM_CHOSEN) < 0 ?
		       -ENOMEM : 1;
	case KMSG_KILL_SHARED:
		if (!r->victim)
			return 0;
		return add_killed(r, f, l, OOM_VICTIM_SHARED_MM) < 0 ? -ENOMEM : 1;
	case KMSG_NO_KILLABLE:
		r->no_killable = true;
		return 1;
	case KMSG_PANIC:
		r->panic = true;
		return 1;
	default:
		return 0;
	}
}

int kmsg_parser__feed(struct kmsg_parser *p, const struct kmsg_line *l)
{
	struct report *r = &p->r;
	struct kmsg_fact f;
	int ret;

	p->stats.lines++;
	if (!l->kernel || l->meta)
		return 0;	/* another program's line: not in the kernel's report */
	p->stats.kernel_lines++;
	kmsg_classify(l->text, l->len, &f);
	if (f.kind == KMSG_REAPED || f.kind == KMSG_REAP_FAILED) {
		/* printed when the reaper gets to it, between any other lines */
		reaped(p, &f, l);
		return 0;
	}
	if (ends_report(r, &f, l))
		report_close(p);
	if (!r->open) {
		if (oom_only(f.kind)) {
			ret = report_open(p, l, true);
		} else if (may_open(f.kind)) {
			ret = report_open(p, l, false);
			r->foreign = f.kind == KMSG_ALLOC_FAIL;
		} else {
			return 0;	/* outside any report */
		}
		if (ret)
			return ret;
	} else if (!r->confirmed && oom_only(f.kind)) {
		/* a tentative report turns out to be an OOM's */
		r->confirmed = true;
		if (!r->oom_frames) {
			/* the trace (and its CPU line) belonged to another dump */
			r->ev->n_kernel_stack = 0;
			r->ev->n_user_stack = 0;
			r->ev->trigger.has = 0;
			r->cpu = r->user_ip = false;
		}
	}
	if (f.kind == KMSG_ELISION) {
		r->elided = true;
		p->stats.elided++;
		return 0;
	}
	if (f.kind == KMSG_BLANK)
		return 0;
	ret = take(p, &f, l);
	if (ret < 0)
		return ret;
	if (ret) {
		r->unparsed += r->confirmed ? r->unknown_run : 0;
		r->unknown_run = 0;
		if (l->has_ktime) {
			r->has_last_ktime = true;
			r->last_ktime_us = l->ktime_us;
		}
		if (r->panic)
			report_close(p);
		return 0;
	}
	if (++r->unknown_run >= UNKNOWN_RUN_MAX)
		report_close(p);	/* the report is over; these lines were not in it */
	return 0;
}
