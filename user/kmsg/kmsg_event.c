// SPDX-License-Identifier: GPL-2.0
/*
 * From a report's lines to the event: which kernel printed it (its era),
 * the points that kernel's oom_badness() gave each task-table row, the OOM
 * domain's size, its memcg and constraint, the victim completed from its
 * row, the stack, and what the log did not say ("missing").
 */
#include <stdio.h>
#include <string.h>

#include "gfp_names.h"
#include "kmsg_event.h"

uint64_t kmsg_page_kb(const struct report *r)
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
	uint64_t kb = kmsg_page_kb(r), allowance_kb = 0;
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

enum era kmsg_era_of(const struct kmsg_table_layout *l)
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
 * How the report's kernel finished oom_badness(). The task table's columns
 * tell the era; one format (pgtables_bytes, 4.15 to 6.x) spans 5.9, whose
 * "mm, oom: make the calculation of oom badness more accurate" dropped the
 * clamp "points > 0 ? points : 1" (v4.19, v5.4 mm/oom_kill.c) and let
 * points go negative. There the release dump_stack printed decides, else
 * a trace line only kernels after 5.10 print (dump_stack_lvl, added in
 * 2021 for 5.14, or x86's <TASK> marks); else it is unknown.
 */
enum badness_end {
	BADNESS_UNKNOWN,
	BADNESS_CLAMP_1,	/* 3.6-5.8: pages, at least 1 for an eligible task */
	BADNESS_RAW,		/* 5.9+: pages, may be 0 or negative */
};

static enum badness_end badness_end(const struct report *r)
{
	switch (r->era) {
	case ERA_3_6:
	case ERA_4_0:
		return BADNESS_CLAMP_1;
	case ERA_6_X:
		return BADNESS_RAW;
	case ERA_4_15:
		if (r->has_release)
			return r->release < KMSG_RELEASE(5, 9) ? BADNESS_CLAMP_1 : BADNESS_RAW;
		return r->after_5_10 ? BADNESS_RAW : BADNESS_UNKNOWN;
	default:
		return BADNESS_UNKNOWN;
	}
}

/*
 * oom_badness() of a row, as the kernel of the table's era computed it.
 * 2.6.36-3.5 (and RHEL 6's 2.6.32) scaled to 0..1000 and clamped to
 * 1..1000 (its table lacks the ptes and swap that went into it: a lower
 * bound); 3.6-5.8 counted pages plus oom_score_adj * (totalpages / 1000),
 * with at least 1 for an eligible task; 5.9+ the same without the clamp.
 * The 3% bonus for CAP_SYS_ADMIN tasks (until 4.17) cannot be seen in the
 * table and is left out. -1000 tasks are not eligible. Everything here is
 * an estimate; a row below 1 whose kernel may be either side of 5.9 gets
 * no points (and the report says so under "missing").
 */
void kmsg_estimate_points(struct report *r, const struct kmsg_row *row, struct oom_task *t)
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
	if (r->era != ERA_2_6 && pts < 1) {
		switch (badness_end(r)) {
		case BADNESS_CLAMP_1:
			pts = 1;
			break;
		case BADNESS_RAW:
			break;
		default:
			r->points_version_unknown = true;
			return;
		}
	}
	t->points = pts;
	t->has |= TASK_HAS_POINTS | TASK_POINTS_ESTIMATED;
}

void kmsg_add_missing(struct oom_event *ev, const char *what)
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
		kmsg_add_missing(ev, "oom_memcg");
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
		/* no kill line, but the reaper reaped it: it was killed */
		if (r->victim_from_reaper)
			ev->victim_from = OOM_VICTIM_FROM_REAPER;
	} else if (r->has_sum_victim) {
		/* cut before the kill line: the summary named the task to be killed */
		v->pid = r->sum_pid;
		v->uid = r->sum_uid;
		copy_str(v->comm, sizeof(v->comm), r->sum_comm);
		v->has = TASK_HAS_PID | TASK_HAS_UID | TASK_HAS_COMM;
		ev->victim_from = OOM_VICTIM_FROM_SUMMARY;
	} else {
		return;	/* never the top candidate: the kernel may have chosen otherwise */
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

static void finish_time(struct report *r, struct oom_event *ev)
{
	const struct when *w = r->victim ? &r->kill : &r->first;

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
}

void kmsg_event_finish(struct report *r)
{
	struct oom_event *ev = r->ev;
	uint64_t total;
	bool swap_unknown;

	ev->mode = "kmsg";
	ev->source = "kmsg";
	finish_time(r, ev);
	if (r->header || r->cpu)
		ev->has |= EV_HAS_TRIGGER;
	finish_constraint(r, ev);
	if (!r->header)
		kmsg_add_missing(ev, "header");
	else if (!ev->n_kernel_stack)
		kmsg_add_missing(ev, "call_trace");
	finish_memcg(r, ev);
	if (report_totalpages(r, &total, &swap_unknown)) {
		ev->totalpages = total;
		ev->has |= EV_HAS_TOTALPAGES;
		if (swap_unknown)
			kmsg_add_missing(ev, "total_swap");
	}
	if (r->table_header) {
		ev->has |= EV_HAS_CANDIDATES;
		oom_event__rank(ev, 0);
	} else {
		kmsg_add_missing(ev, r->rows_without_header ? "task_table_header" : "task_table");
	}
	if (r->points_version_unknown)
		kmsg_add_missing(ev, "kernel_release");	/* some rows' points hinge on it */
	finish_victim(r, ev);
	kmsg_domain_finish(r);
	if (!r->victim && !r->no_killable)
		kmsg_add_missing(ev, "kill_line");
	if (r->victim_comm_cut)
		kmsg_add_missing(ev, "victim_comm");
	if (r->victims_cut)
		kmsg_add_missing(ev, "victims_beyond_limit");
	if (r->has_task_memcg && r->task_memcg_cut)
		kmsg_add_missing(ev, "task_memcg");
	if (r->elided)
		kmsg_add_missing(ev, "elided_lines");
	if (r->lost)
		kmsg_add_missing(ev, "lost_records");
	finish_stack(r, ev);
	finish_gfp(r, ev);
	ev->unparsed_lines = r->unparsed;
	ev->has |= EV_HAS_UNPARSED;
}
