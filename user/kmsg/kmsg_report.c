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

#include "kmsg_event.h"
#include "kmsg_fields.h"
#include "kmsg_report.h"

#define REPORT_GAP_US 2000000
#define UNKNOWN_RUN_MAX 32
#define RECENT_VICTIMS 64
/* task-table pids remembered per report, for a reaper line to find its victim */
#define TABLE_PIDS_MAX (1u << 20)
#define KERNEL_COMM_MAX 15	/* TASK_COMM_LEN - 1: the most a table row's name holds */
_Static_assert(KERNEL_COMM_MAX < sizeof(((struct kmsg_row *)0)->comm), "a joined name fits a row's comm");

struct recent {
	int32_t pid;
	uint64_t seq;
};

struct kmsg_parser {
	struct kmsg_report_ops ops;
	size_t keep;
	uint64_t seq;
	bool lost;		/* records lost before the next line */
	bool has_next_seq;	/* next_seq: the /dev/kmsg record number expected next */
	uint64_t next_seq;
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

/* Forget the report; its table_pids storage is kept for the next one. */
static void report_reset(struct report *r)
{
	int32_t *pids = r->table_pids;
	size_t cap = r->cap_table_pids;

	oom_event__free(r->ev);
	memset(r, 0, sizeof(*r));
	r->table_pids = pids;
	r->cap_table_pids = cap;
}

void kmsg_parser__free(struct kmsg_parser *p)
{
	if (!p)
		return;
	report_reset(&p->r);
	free(p->r.table_pids);
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

/*
 * Keep the best `keep` candidates while the table streams by, in
 * oom_event__offer_candidate_top's heap (O(log keep) a row);
 * oom_event__rank() sorts them when the report is complete.
 */
static int keep_candidate(struct kmsg_parser *p, const struct oom_task *t)
{
	int err = oom_event__offer_candidate_top(p->r.ev, t, p->keep);

	/* what every row holds, also beyond the kept ones: unkillable_kb needs all */
	domain_memory_hold(&p->r.ev->domain_memory, t, p->r.ev->page_size);
	return err < 0 ? err : 0;
}

static uint64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : (uint64_t)v;
}

/* Every pid of the table, for a reaper line to find its victim (bounded). */
static int remember_table_pid(struct report *r, int32_t pid)
{
	if (r->n_table_pids == r->cap_table_pids) {
		size_t cap = r->cap_table_pids ? r->cap_table_pids * 2 : 256;
		int32_t *n;

		if (r->cap_table_pids >= TABLE_PIDS_MAX)
			return 0;
		n = realloc(r->table_pids, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->table_pids = n;
		r->cap_table_pids = cap;
	}
	r->table_pids[r->n_table_pids++] = pid;
	return 0;
}

static bool in_table(const struct report *r, int32_t pid)
{
	for (size_t i = 0; i < r->n_table_pids; i++)
		if (r->table_pids[i] == pid)
			return true;
	return false;
}

/* A task-table row, parsed by the report's layout: a candidate. */
static int add_row(struct kmsg_parser *p, const struct kmsg_row *rowp)
{
	struct report *r = &p->r;
	const struct kmsg_table_layout *lay = &r->layout;
	const struct kmsg_row row = *rowp;
	struct oom_task t = {};

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
	kmsg_estimate_points(r, &row, &t);
	if (remember_table_pid(r, t.pid))
		return -ENOMEM;
	/* a thread id that is some process's tgid is that process's leader */
	if (r->ev->trigger.has & TASK_HAS_TID && r->ev->trigger.tid == t.pid) {
		r->ev->trigger.pid = t.pid;
		r->ev->trigger.has |= TASK_HAS_PID;
	}
	r->ev->candidates_total++;
	return keep_candidate(p, &t);
}

/* Take the held row, if any, as a candidate. */
static int take_held_row(struct kmsg_parser *p)
{
	struct report *r = &p->r;

	if (!r->row_held)
		return 0;
	r->row_held = false;
	return add_row(p, &r->held_row);
}

/* Hold a row that fits the table (1), or say it does not (0). */
static int hold_row(struct kmsg_parser *p, const struct kmsg_line *l)
{
	struct report *r = &p->r;
	struct kmsg_row row;
	int err;

	if (kmsg_parse_row(l->text, l->len, &r->layout, &row))
		return 0;
	err = take_held_row(p);
	if (err < 0)
		return err;
	r->held_row = row;
	r->row_held = true;
	return 1;
}

/*
 * A line no OOM report prints, right after a held row, is the rest of that
 * row's name if the two fit a name together (TASK_COMM_LEN - 1 bytes, with
 * the newline): then it joins the row's name.
 */
static bool joins_held_row(struct report *r, const struct kmsg_line *l)
{
	char *comm = r->held_row.comm;
	size_t name = strlen(comm);

	if (!r->row_held || !r->in_table || name + 1 + l->len > KERNEL_COMM_MAX ||
	    memchr(l->text, '\0', l->len))
		return false;
	comm[name] = '\n';
	memcpy(comm + name + 1, l->text, l->len);
	comm[name + 1 + l->len] = '\0';
	return true;
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
	if (!strcmp(f->sym, "dump_stack_lvl"))
		r->after_5_10 = true;	/* dump_stack_lvl(): 2021, 5.14 */
	return 0;
}

static void kb_to_task(const struct report *r, const struct kmsg_fact *f, struct oom_task *t)
{
	uint64_t kb = kmsg_page_kb(r);

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

	if (!r->open)
		return;
	if (!r->confirmed) {
		report_reset(r);	/* another kind of dump: not ours, not counted */
		return;
	}
	/* the table's last row (feed took it at once unless the input ended) */
	if (take_held_row(p) < 0)
		kmsg_add_missing(ev, "candidates");
	ev->seq = ++p->seq;
	kmsg_event_finish(r);
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

/* --- the reaper's lines ------------------------------------------------------------ */

/*
 * May a reaper line about pid name the open report's victim? Only when the
 * report has no kill line (lost from a /dev/kmsg capture, say), and only
 * after its verdict started: dump_tasks() prints the table before anything
 * of this OOM is killed, so a reaper line before the table ended is about an
 * earlier kill. The pid must be the one the summary (4.19+) or the score
 * line (before 5.1) chose, or, without either, a task of the table. The
 * top candidate is never taken for the victim.
 */
static bool names_victim(const struct report *r, int32_t pid)
{
	if (!r->open || !r->confirmed || r->victim || r->ev->n_victims)
		return false;
	if (r->has_sum_victim)
		return r->sum_pid == pid;
	if (r->score)
		return r->ev->chosen_pid == pid || in_table(r, pid);
	/* records lost after the rows: the table may have ended in the gap */
	return (r->table_done || r->lost) && in_table(r, pid);
}

static bool recent_victim(const struct kmsg_parser *p, int32_t pid, uint64_t *ret_seq)
{
	for (size_t i = 0; i < p->n_recent; i++) {
		if (p->recent[i].pid == pid) {
			*ret_seq = p->recent[i].seq;
			return true;
		}
	}
	return false;
}

/* The reaper's line names the open report's victim. */
static int victim_from_reaper(struct report *r, const struct kmsg_fact *f)
{
	struct oom_task *t = oom_event__add_victim(r->ev);

	if (!t)
		return -ENOMEM;
	t->pid = f->pid;
	copy_str(t->comm, sizeof(t->comm), f->comm);
	t->has = TASK_HAS_PID | (f->has & KF_COMM ? TASK_HAS_COMM : 0);
	t->reason = OOM_VICTIM_CHOSEN;
	r->victim_from_reaper = true;
	return 0;
}

static int reaped(struct kmsg_parser *p, const struct kmsg_fact *f, const struct kmsg_line *l)
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
	bool own = r->open && r->confirmed && is_victim(r, f->pid);
	uint64_t seq;

	copy_str(rp.comm, sizeof(rp.comm), f->comm);
	/* the summary's pid is this OOM's; any other may be an earlier kill's */
	if (!own && names_victim(r, f->pid) &&
	    ((r->has_sum_victim && r->sum_pid == f->pid) || !recent_victim(p, f->pid, &seq))) {
		/* "unable to reap" names a victim as surely: only victims are queued */
		if (victim_from_reaper(r, f))
			return -ENOMEM;
		own = true;
	}
	if (own) {
		if (r->n_reaps < PENDING_REAPS)
			r->reaps[r->n_reaps++] = rp;
		return 0;
	}
	if (recent_victim(p, f->pid, &rp.oom_seq) && p->ops.reaped)
		p->ops.reaped(&rp, p->ops.arg);
	/* else the reaper of a kill this input does not hold */
	return 0;
}

/* --- where reports start and end ------------------------------------------------- */

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
	case KMSG_CODE: case KMSG_USER_IP: case KMSG_MEMINFO: case KMSG_MEMINFO_RAM: case KMSG_MEMINFO_RESERVED:
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
	/* the reaper reaps after the kill line: a victim it named is past it too */
	if ((r->victim || r->victim_from_reaper) && !after_kill_ok(k))
		return true;
	if ((r->victim || r->victim_from_reaper) && k == KMSG_KILLED && !r->group)
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

/*
 * --- taking a line in, by line family (the sections of kmsg_fields.c) ------------
 * Each returns 1 if the line was understood, 0 if not, or -errno.
 */

/* "c invoked oom-killer: gfp_mask=..., order=N, oom_score_adj=N" */
static int take_header(struct report *r, const struct kmsg_fact *f)
{
	struct oom_event *ev = r->ev;

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
}

/* dump_stack: the CPU line, the call trace, registers */
static int take_trace(struct report *r, const struct kmsg_fact *f)
{
	struct oom_event *ev = r->ev;
	struct oom_frame *fr;
	bool code_next = r->user_code_next;

	r->user_code_next = false;
	switch (f->kind) {
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
		if (f->has_release) {
			r->has_release = true;
			r->release = f->release;
		}
		return 1;
	case KMSG_FRAME:
		return add_frame(r, f) < 0 ? -ENOMEM : 1;
	case KMSG_USER_IP:
		if (!r->user_ip && f->value) {
			fr = oom_event__add_uframe(ev);
			if (!fr)
				return -ENOMEM;
			fr->addr = f->value;
			r->user_ip = true;
			r->user_code_next = true;
		}
		return 1;
	case KMSG_CODE:
		/* the bytes at the user RIP: the line right after it (a
		 * kernel RIP has its own Code line) */
		if (code_next) {
			memcpy(ev->user_code, f->code, f->code_len);
			ev->user_code_len = f->code_len;
			ev->user_code_at = f->code_at;
		}
		return 1;
	case KMSG_DUMP_INFO:
		if (f->after_5_10)
			r->after_5_10 = true;
		return 1;
	default:	/* KMSG_CPUSET, KMSG_REGS */
		return 1;
	}
}

/* show_mem: totalpages for a global OOM, and the page size */
static int take_meminfo(struct report *r, const struct kmsg_fact *f)
{
	struct oom_event *ev = r->ev;

	r->meminfo = true;
	switch (f->kind) {
	case KMSG_MEMINFO_RAM:
		r->has_ram = true;
		r->ram_pages = f->value;
		break;
	case KMSG_MEMINFO_RESERVED:
		r->has_reserved = true;
		r->reserved_pages = f->value;
		break;
	case KMSG_MEMINFO_SWAP:
		r->has_swap_total = true;
		r->swap_total_kb = f->value;
		break;
	case KMSG_MEMINFO_BUDDY:
		/* the smallest free-list block is one page: 4kB, 16kB, 64kB */
		if (f->value >= 4096 && f->value <= (1u << 20) && !(f->value & (f->value - 1)) &&
		    !ev->candidates_total && !ev->n_victims)
			ev->page_size = (uint32_t)f->value;
		break;
	default:
		break;
	}
	return 1;
}

/* mem_cgroup_print_oom_*: the group, its limits, its memory.stat */
static int take_memcg(struct report *r, const struct kmsg_fact *f)
{
	if (f->kind == KMSG_STAT)
		return r->memcg_lines || r->has_stats_for || !r->confirmed;
	r->memcg_lines = true;
	switch (f->kind) {
	case KMSG_MEMCG_TASK_IN:
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
	default:	/* KMSG_MEMCG_STATS_FOR */
		if (!r->has_stats_for && f->path_complete) {	/* the first is the OOM group */
			r->has_stats_for = true;
			copy_str(r->stats_for, sizeof(r->stats_for), f->path);
		}
		return 1;
	}
}

/* dump_tasks: "Tasks state", the header, the rows */
static int take_table(struct kmsg_parser *p, const struct kmsg_fact *f,
		      const struct kmsg_line *l)
{
	struct report *r = &p->r;

	switch (f->kind) {
	case KMSG_TASKS_STATE:
		r->tasks_state = true;
		return 1;
	case KMSG_TABLE_HEADER:
		if (r->table_header)
			return 1;	/* the same header again, before any row */
		r->table_header = r->in_table = true;
		r->layout = f->layout;
		r->era = kmsg_era_of(&f->layout);
		r->ev->has |= EV_HAS_CANDIDATES;
		return 1;
	default:	/* KMSG_TABLE_ROW */
		if (!r->in_table) {
			if (!r->table_header)
				r->rows_without_header = true;
			return 0;
		}
		return hold_row(p, l);
	}
}

/* The summary, the kill lines, and the ends without a kill */
static int take_verdict(struct report *r, const struct kmsg_fact *f, const struct kmsg_line *l)
{
	struct oom_event *ev = r->ev;

	switch (f->kind) {
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
	default:	/* KMSG_MM_PINNED */
		return 1;
	}
}

/* Take a line into the open report: 1 if understood, 0 if not, -errno. */
static int take(struct kmsg_parser *p, const struct kmsg_fact *f, const struct kmsg_line *l)
{
	struct report *r = &p->r;

	if (f->kind != KMSG_TABLE_ROW && r->in_table) {
		r->in_table = false;
		r->table_done = true;
	}
	switch (f->kind) {
	case KMSG_HEADER:
		return take_header(r, f);
	case KMSG_CPU: case KMSG_FRAME: case KMSG_USER_IP: case KMSG_CPUSET:
	case KMSG_DUMP_INFO: case KMSG_REGS: case KMSG_CODE:
		return take_trace(r, f);
	case KMSG_MEMINFO: case KMSG_MEMINFO_RAM: case KMSG_MEMINFO_RESERVED:
	case KMSG_MEMINFO_SWAP: case KMSG_MEMINFO_BUDDY:
		kmsg_domain_take(&r->domain, f, l);
		return take_meminfo(r, f);
	case KMSG_SLAB: case KMSG_ALLOC_FAIL:
		return 1;
	case KMSG_MEMCG_TASK_IN: case KMSG_MEMCG_COUNTER: case KMSG_MEMCG_STATS_FOR:
	case KMSG_STAT:
		if (take_memcg(r, f) != 1)
			return 0;
		kmsg_domain_take(&r->domain, f, l);
		return 1;
	case KMSG_TASKS_STATE: case KMSG_TABLE_HEADER: case KMSG_TABLE_ROW:
		return take_table(p, f, l);
	case KMSG_SUMMARY: case KMSG_GROUP: case KMSG_KILL_SCORE: case KMSG_KILLED:
	case KMSG_KILL_SHARED: case KMSG_NO_KILLABLE: case KMSG_PANIC: case KMSG_MM_PINNED:
		return take_verdict(r, f, l);
	default:
		return 0;
	}
}

/* --- feeding ------------------------------------------------------------------------- */

/* Lines about reports rather than in one: the reaper's, the rate limit's. */
static int take_aside(struct kmsg_parser *p, const struct kmsg_fact *f, const struct kmsg_line *l)
{
	if (f->kind == KMSG_SUPPRESSED) {
		/* dump_header() skipped N reports; their kill lines still come */
		p->stats.suppressed += f->value;
		return 0;
	}
	/* printed when the reaper gets to it, between any other lines */
	return reaped(p, f, l);
}

int kmsg_parser__feed(struct kmsg_parser *p, const struct kmsg_line *l)
{
	struct report *r = &p->r;
	struct kmsg_fact f;
	int ret;

	p->stats.lines++;
	if (l->has_seq) {
		/* /dev/kmsg numbers every record: a gap is records overwritten unread */
		if (p->has_next_seq && l->seq > p->next_seq) {
			kmsg_parser__lost(p);
			p->stats.missing_records += l->seq - p->next_seq;
		}
		p->has_next_seq = true;
		p->next_seq = l->seq + 1;
	}
	if (!l->kernel || l->meta)
		return 0;	/* another program's line: not in the kernel's report */
	p->stats.kernel_lines++;
	kmsg_classify(l->text, l->len, &f);
	if (r->open && r->row_held) {
		if (f.kind == KMSG_OTHER && joins_held_row(r, l))
			return 0;
		ret = take_held_row(p);
		if (ret < 0)
			return ret;
	}
	if (f.kind == KMSG_REAPED || f.kind == KMSG_REAP_FAILED || f.kind == KMSG_SUPPRESSED)
		return take_aside(p, &f, l);
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
			r->ev->user_code_len = 0;
			r->ev->trigger.has = 0;
			r->cpu = r->user_ip = r->user_code_next = false;
			r->has_release = r->after_5_10 = false;
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
