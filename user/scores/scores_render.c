// SPDX-License-Identifier: GPL-2.0
/* Text and JSON for `oomtrace scores`. Every kernel string is escaped. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_names.h"
#include "json_writer.h"
#include "render.h"
#include "sat_math.h"
#include "scores_render.h"
#include "text_escape.h"

static const char *overcommit_name(int mode)
{
	switch (mode) {
	case 0: return "heuristic";
	case 1: return "always";
	case 2: return "never";
	}
	return "unknown";
}

static void kb(char *buf, size_t size, uint64_t kbytes)
{
	format_bytes(buf, size, kbytes * 1024);
}

static void pages(char *buf, size_t size, const struct score_set *s, int64_t n)
{
	uint64_t bytes = sat_mul_u64(abs_u64(n), s->page_size);

	if (n < 0) {
		buf[0] = '-';
		format_bytes(buf + 1, size - 1, bytes);
	} else {
		format_bytes(buf, size, bytes);
	}
}

static void print_pressure(FILE *out, const struct score_set *s)
{
	const struct proc_meminfo *m = &s->meminfo;
	char a[32], b[32];

	kb(b, sizeof(b), m->mem_total_kb);
	if (m->has & MI_HAS_AVAILABLE) {
		kb(a, sizeof(a), m->mem_available_kb);
		fprintf(out, "memory: available %s of %s", a, b);
	} else {
		kb(a, sizeof(a), m->mem_free_kb);
		fprintf(out, "memory: free %s of %s", a, b);
	}
	if (m->swap_total_kb) {
		kb(a, sizeof(a), m->swap_free_kb);
		kb(b, sizeof(b), m->swap_total_kb);
		fprintf(out, ", swap free %s of %s", a, b);
	} else {
		fprintf(out, ", no swap");
	}
	if (s->overcommit_memory >= 0)
		fprintf(out, ", overcommit %s", overcommit_name(s->overcommit_memory));
	if (m->has & MI_HAS_COMMIT) {
		kb(a, sizeof(a), m->committed_as_kb);
		kb(b, sizeof(b), m->commit_limit_kb);
		fprintf(out, ", committed %s of limit %s", a, b);
	}
	if (s->has_psi) {
		fprintf(out, ", psi some %.2f/%.2f/%.2f", s->psi.some.avg10, s->psi.some.avg60,
			s->psi.some.avg300);
		if (s->psi.full.present)
			fprintf(out, " full %.2f/%.2f/%.2f", s->psi.full.avg10,
				s->psi.full.avg60, s->psi.full.avg300);
	}
	fputc('\n', out);
}

static void print_cgroup_state(FILE *out, const struct memcg_info *mi)
{
	char a[32], b[32], e[OOM_PATH_MAX * 4];

	fprintf(out, "memcg %s (v%d):", text_escape_buf(e, sizeof(e), mi->path), mi->version);
	if (mi->has & MC_HAS_USAGE)
		format_bytes(a, sizeof(a), mi->usage_bytes);
	else
		snprintf(a, sizeof(a), "?");
	if (mi->limit_bytes != UINT64_MAX) {
		format_bytes(b, sizeof(b), mi->limit_bytes);
		fprintf(out, " usage %s of limit %s", a, b);
		if (mi->has & MC_HAS_USAGE && mi->limit_bytes)
			fprintf(out, " (%.0f%%)", 100.0 * (double)mi->usage_bytes /
							  (double)mi->limit_bytes);
	} else {
		fprintf(out, " usage %s, no memory limit", a);
	}
	if (mi->version == 1 && mi->has & MC_HAS_MEMSW && mi->memsw_limit_bytes != UINT64_MAX) {
		format_bytes(b, sizeof(b), mi->memsw_limit_bytes);
		fprintf(out, ", memory+swap limit %s", b);
	}
	if (mi->version == 2 && mi->has & MC_HAS_SWAP_MAX && mi->swap_max_bytes != UINT64_MAX) {
		format_bytes(b, sizeof(b), mi->swap_max_bytes);
		fprintf(out, ", swap.max %s", b);
	}
	if (mi->has & MC_HAS_FAILCNT)
		fprintf(out, ", failcnt %" PRIu64, mi->failcnt);
	if (mi->has & MC_HAS_OOM_CONTROL) {
		fprintf(out, ", oom_kill_disable %d, under_oom %d", mi->oom_control.oom_kill_disable,
			mi->oom_control.under_oom);
		if (mi->oom_control.has_oom_kill)
			fprintf(out, ", oom_kill %" PRIu64, mi->oom_control.oom_kill);
	}
	if (mi->has & MC_HAS_EVENTS)
		fprintf(out, ", events: high %" PRIu64 " max %" PRIu64 " oom %" PRIu64
			" oom_kill %" PRIu64 " oom_group_kill %" PRIu64, mi->events.high,
			mi->events.max, mi->events.oom, mi->events.oom_kill,
			mi->events.oom_group_kill);
	if (mi->oom_group)
		fprintf(out, ", oom.group 1 (the whole cgroup is killed together)");
	fputc('\n', out);
}

static const struct score_task *second_of(const struct score_set *s)
{
	return s->n_eligible > 1 ? &s->tasks[1] : NULL;
}

void scores_render_header(FILE *out, const struct score_set *s)
{
	const struct score_task *first = s->n_eligible ? &s->tasks[0] : NULL;
	const struct score_task *second = second_of(s);
	char a[32], e1[80], e2[80], p[OOM_PATH_MAX * 4];

	print_pressure(out, s);
	if (s->memcg) {
		if (s->domain_found && strcmp(s->domain.path, s->requested))
			fprintf(out, "%s: its OOM would happen in %s, the limit above it with the "
				"least room left (a charge fails at the first limit it exceeds)\n",
				text_escape_buf(p, sizeof(p), s->requested),
				text_escape_buf(e1, sizeof(e1), s->domain.path));
		print_cgroup_state(out, s->domain_found ? &s->domain : &s->requested_info);
		if (s->domain_found && s->domain.has & MC_HAS_OOM_CONTROL &&
		    s->domain.oom_control.oom_kill_disable)
			fprintf(out, "oom_kill_disable is set: an OOM here makes tasks wait, "
				"nobody is killed\n");
	}
	if (s->dmem.has)
		render_domain_memory_text(out, &s->dmem);
	pages(a, sizeof(a), s, (int64_t)s->totalpages);
	if (s->memcg && s->domain_found)
		fprintf(out, "ranking for a memcg OOM in %s: totalpages %" PRIu64 " (%s)\n",
			text_escape_buf(p, sizeof(p), s->domain.path), s->totalpages, a);
	else
		fprintf(out, "ranking for a global OOM%s: totalpages %" PRIu64 " (%s, RAM + swap)\n",
			s->memcg ? " (no memory limit on this cgroup or above it)" : "",
			s->totalpages, a);
	if (!s->memcg || !s->domain_found) {
		if (s->panic_on_oom > 0)
			fprintf(out, "vm.panic_on_oom=%d: a global OOM panics the kernel instead\n",
				s->panic_on_oom);
		if (s->oom_kill_allocating_task > 0)
			fprintf(out, "vm.oom_kill_allocating_task=%d: a global OOM kills the "
				"allocating task, not this ranking's first\n",
				s->oom_kill_allocating_task);
	}
	if (first && second) {
		int64_t margin = sat_sub64(first->points, second->points);

		pages(a, sizeof(a), s, margin);
		fprintf(out, "first: pid %d \"%s\", %s pid %d \"%s\" by %" PRId64 " points (%s)%s\n",
			first->p.pid, text_escape_buf(e1, sizeof(e1), first->p.comm),
			margin ? "ahead of" : "tied with", second->p.pid,
			text_escape_buf(e2, sizeof(e2), second->p.comm), margin, a,
			margin ? "" : ": the kernel keeps the one it visits last, usually the newer");
	} else if (first) {
		fprintf(out, "first: pid %d \"%s\", the only candidate\n", first->p.pid,
			text_escape_buf(e1, sizeof(e1), first->p.comm));
	} else {
		fprintf(out, "no candidate: an OOM here finds nothing to kill%s\n",
			s->memcg ? " (and the tasks wait or the allocation fails)" : " (the kernel panics)");
	}
}

static void print_where(FILE *out, const struct score_task *t)
{
	struct cgroup_origin o;
	char e[OOM_PATH_MAX * 4];

	if (!(t->p.has & PT_HAS_CGROUP)) {
		fputs("-", out);
		return;
	}
	fputs(text_escape_buf(e, sizeof(e), t->p.memcg), out);
	cgroup_origin_from_path(t->p.has & PT_HAS_UNIT_CGROUP ? t->p.unit_cgroup : t->p.memcg,
				&o);
	if (o.unit[0] && !strstr(t->p.memcg, o.unit))
		fprintf(out, " unit %s", text_escape_buf(e, sizeof(e), o.unit));
	if (o.container_id[0])
		fprintf(out, " container %.12s", o.container_id);
	if (o.pod_uid[0])
		fprintf(out, " pod %s", o.pod_uid);
}

static bool shown(const struct score_task *t, const struct scores_view *v)
{
	return v->all || !t->p.kthread;
}

void scores_render_table(FILE *out, const struct score_set *s, const struct scores_view *v)
{
	size_t rows = 0;

	fprintf(out, "%5s %10s %10s %9s %9s %9s %8s %-16s %5s %6s  %s\n", "rank", "points", "rss",
		"swap", "pgtables", "adj-pts", "pid", "comm", "adj", "score", "cgroup");
	for (size_t i = 0; i < s->n; i++) {
		const struct score_task *t = &s->tasks[i];
		char r[16], pts[24], rss[24], sw[24], pt[24], e[80];

		if (!shown(t, v))
			continue;
		if (v->top && rows >= v->top)
			break;
		rows++;
		snprintf(r, sizeof(r), t->skip ? "-" : "%zu", t->rank);
		snprintf(pts, sizeof(pts), t->skip ? "skip" : "%" PRId64, t->points);
		pages(rss, sizeof(rss), s, (int64_t)t->rss_pages);
		pages(sw, sizeof(sw), s, (int64_t)t->swap_pages);
		format_bytes(pt, sizeof(pt), t->pgtables_bytes);
		fprintf(out, "%5s %10s %10s %9s %9s %9" PRId64 " %8d %-16s %5d %6" PRId64 "  ", r,
			pts, rss, sw, pt, t->adj_points, t->p.pid,
			text_escape_buf(e, sizeof(e), t->p.comm), t->p.oom_score_adj, t->oom_score);
		print_where(out, t);
		if (t->skip)
			fprintf(out, "  [skipped: %s]", score_skip__why(t->skip));
		if (t->exiting)
			fprintf(out, "  [exiting: if it is an OOM victim, the kernel waits for it "
				"instead of killing again]");
		if (t->tie)
			fprintf(out, "  [tie]");
		fputc('\n', out);
	}
}

void scores_render_footer(FILE *out, const struct score_set *s, const struct scores_view *v)
{
	size_t hidden = 0, rows = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (!shown(&s->tasks[i], v))
			hidden++;
		else
			rows++;
	}
	fprintf(out, "%zu processes: %zu candidates, %zu skipped", s->n, s->n_eligible,
		s->n - s->n_eligible);
	if (hidden)
		fprintf(out, " (%zu kernel threads not listed, --all lists them)", hidden);
	if (v->top && rows > v->top)
		fprintf(out, "; top %zu shown", v->top);
	fputc('\n', out);
	if (s->unreadable)
		fprintf(out, "%zu processes could not be read (permission denied): they are not "
			"ranked; run as root to see them\n", s->unreadable);
	if (s->broken)
		fprintf(out, "%zu processes had unreadable files, e.g. %s\n", s->broken,
			s->first_error);
	if (s->score_checked)
		fprintf(out, "check: the oom_score computed here equals /proc/PID/oom_score for "
			"%zu of %zu processes%s\n", s->score_agree, s->score_checked,
			s->score_agree == s->score_checked ? "" :
			" (the rest changed memory between the two reads)");
	if (s->votes_stat || s->votes_status)
		fprintf(out, "rss: from /proc/PID/%s, as this kernel's oom_badness reads it (the "
			"oom_score of %zu processes tells stat from status: %zu for stat, %zu for "
			"status)\n", rss_source__name(s->rss_source),
			s->votes_stat + s->votes_status, s->votes_stat, s->votes_status);
	else
		fprintf(out, "rss: /proc/PID/stat's per-CPU approximation, as oom_badness reads it "
			"up to at least 6.18 (no process's oom_score told it from the exact sum "
			"this time)\n");
	if (s->legacy_formula)
		fprintf(out, "kernel %d.%d: the pre-5.9 formula (points at least 1, oom_score "
			"0..1000%s)\n", s->kernel_major, s->kernel_minor,
			s->root_bonus ? ", 3% off for CAP_SYS_ADMIN before 4.17" : "");
}

static void json_where(struct json_writer *w, const struct score_task *t)
{
	if (!(t->p.has & PT_HAS_CGROUP)) {
		jw_key(w, "cgroup");
		jw_null(w);
		return;
	}
	jw_kv_string(w, "cgroup", t->p.memcg);
	render_origin_json(w, t->p.has & PT_HAS_UNIT_CGROUP ? t->p.unit_cgroup : t->p.memcg);
}

static void json_task(struct json_writer *w, const struct score_set *s,
		      const struct score_task *t)
{
	uint64_t page_kb = s->page_size / 1024;

	jw_object_start(w);
	jw_kv_int(w, "pid", t->p.pid);
	jw_kv_string(w, "comm", t->p.comm);
	jw_key(w, "rank");
	if (t->skip)
		jw_null(w);
	else
		jw_uint(w, t->rank);
	jw_key(w, "points");
	if (t->skip)
		jw_null(w);
	else
		jw_int(w, t->points);
	jw_kv_bool(w, "eligible", t->skip == SCORE_ELIGIBLE);
	if (t->skip)
		jw_kv_string(w, "skip", score_skip__name(t->skip));
	jw_kv_int(w, "oom_score", t->oom_score);
	if (t->p.has & PT_HAS_SCORE)
		jw_kv_int(w, "kernel_oom_score", t->p.kernel_oom_score);
	jw_kv_int(w, "oom_score_adj", t->p.oom_score_adj);
	jw_kv_int(w, "adj_points", t->adj_points);
	jw_kv_int(w, "mem_points", t->mem_points);
	jw_kv_uint(w, "rss_pages", t->rss_pages);
	if (t->p.has & PT_HAS_RSS_PARTS) {
		jw_kv_uint(w, "rss_anon_kb", t->p.rss_anon_kb);
		jw_kv_uint(w, "rss_file_kb", t->p.rss_file_kb);
	}
	if (t->p.has & PT_HAS_SHMEM)
		jw_kv_uint(w, "rss_shmem_kb", t->p.rss_shmem_kb);
	if (t->has_exact)
		jw_kv_uint(w, "rss_exact_pages", t->rss_exact_pages);
	jw_kv_uint(w, "swap_pages", t->swap_pages);
	jw_kv_uint(w, "pgtables_bytes", t->pgtables_bytes);
	jw_kv_uint(w, "rss_kb", t->rss_pages * page_kb);
	jw_kv_uint(w, "totalpages", s->totalpages);
	jw_kv_string(w, "rss_source", rss_source__name(s->rss_source));
	if (s->memcg && s->domain_found)
		jw_kv_string(w, "domain", s->domain.path);
	else
		jw_kv_string(w, "domain", "global");
	/* the domain's memory now, as the text header shows it */
	if (s->dmem.has) {
		render_domain_memory_json(w, &s->dmem);
		render_domain_verdict_json(w, &s->dmem);
	}
	if (t->p.has & PT_HAS_UID)
		jw_kv_uint(w, "uid", t->p.uid);
	jw_kv_int(w, "ppid", t->p.ppid);
	json_where(w, t);
	if (t->exiting)
		jw_kv_bool(w, "exiting", true);
	if (t->tie)
		jw_kv_bool(w, "tie", true);
	jw_object_end(w);
	fputc('\n', w->out);
}

void scores_render_json(FILE *out, const struct score_set *s, const struct scores_view *v)
{
	struct json_writer w;

	for (size_t i = 0; i < s->n && (!v->top || i < v->top); i++) {
		jw_init(&w, out);
		json_task(&w, s, &s->tasks[i]);
	}
}

/* "oom_score_adj >= 412 (now 0)" / "+3.9 MiB of memory" and the like. */
static void print_flip(FILE *out, const struct score_set *s, const struct score_task *t,
		       const struct score_flip *f, bool up)
{
	char a[32];
	bool any = false;

	if (f->by_adj) {
		fprintf(out, "oom_score_adj %s %d (now %d)", up ? ">=" : "<=", f->adj,
			t->p.oom_score_adj);
		any = true;
	}
	if (f->by_memory) {
		pages(a, sizeof(a), s, f->mem_pages);
		fprintf(out, "%s%s%s of memory (%+" PRId64 " pages)", any ? ", or " : "",
			f->mem_pages > 0 ? "+" : "", a, f->mem_pages);
		any = true;
	}
	if (!up) {
		fprintf(out, "%soom_score_adj -1000 (exempt)", any ? ", or " : "");
		any = true;
	}
	if (!any)
		fprintf(out, "nothing within reach (oom_score_adj tops out at 1000)");
	if (!f->by_adj && s->totalpages < 1000)
		fprintf(out, " [totalpages < 1000: oom_score_adj has no effect here]");
	fputc('\n', out);
}

static void print_other(FILE *out, const char *label, const struct score_task *o)
{
	char e[80];

	fprintf(out, "  %-10s rank %zu: pid %d \"%s\" points %" PRId64 " (oom_score_adj %d)\n",
		label, o->rank, o->p.pid, text_escape_buf(e, sizeof(e), o->p.comm), o->points,
		o->p.oom_score_adj);
}

/*
 * Who sets oom_score_adj for good: the kubelet for a pod, the runtime for a
 * container, systemd for a service; a one-off write lasts until a restart.
 */
static void print_service(FILE *out, const struct score_explain *e, const struct score_flip *f,
			  bool up)
{
	int32_t want = f->by_adj ? f->adj : (up ? 1000 : -1000);
	int32_t pid = e->task->p.pid;
	char u[1024];

	if (e->pod_uid[0]) {
		fprintf(out, "  kubernetes pod %s: the kubelet sets oom_score_adj from the QoS "
			"class (Guaranteed -997, BestEffort 1000, Burstable in between by memory "
			"request); change the requests, not the value\n", e->pod_uid);
	} else if (e->container_id[0]) {
		fprintf(out, "  container  %.12s: its runtime sets it ('docker run --oom-score-adj "
			"%d' or the equivalent) for the container's processes\n", e->container_id,
			want);
	} else if (e->unit[0] && !e->is_scope) {
		text_escape_buf(u, sizeof(u), e->unit);
		fprintf(out, "  systemd    unit %s: OOMScoreAdjust=%d in its [Service] section "
			"('systemctl edit %s', then restart it) sets oom_score_adj %d on every "
			"process it starts (%zu in this ranking now)\n", u, want, u, want,
			e->unit_tasks);
		if (e->first_in_unit && e->first != e->task)
			fprintf(out, "             the first is in the same unit: OOMScoreAdjust= "
				"moves both and cannot reorder them\n");
	} else if (e->unit[0]) {
		fprintf(out, "  systemd    %s is a scope (processes started outside systemd, "
			"e.g. a login session): OOMScoreAdjust= does not apply to it; set it where "
			"the process is started\n", text_escape_buf(u, sizeof(u), e->unit));
	}
	fprintf(out, "  now        'choom -p %d -n %d' (or echo %d > /proc/%d/oom_score_adj); "
		"children inherit it, a restart loses it\n", pid, want, want, pid);
	if (want < 0)
		fprintf(out, "             a negative oom_score_adj needs CAP_SYS_RESOURCE to set "
			"(systemd has it; a plain user or a container often does not)\n");
}

void scores_render_explain_text(FILE *out, const struct score_set *s,
				const struct score_explain *e)
{
	const struct score_task *t = e->task;
	char a[32], b[32], c[32], x[80], p[OOM_PATH_MAX * 4];

	fprintf(out, "pid %d \"%s\"", t->p.pid, text_escape_buf(x, sizeof(x), t->p.comm));
	if (t->p.has & PT_HAS_CGROUP)
		fprintf(out, " in %s", text_escape_buf(p, sizeof(p), t->p.memcg));
	fputc('\n', out);
	if (s->memcg && s->domain_found)
		fprintf(out, "  domain     memcg %s, totalpages %" PRIu64 "\n",
			text_escape_buf(p, sizeof(p), s->domain.path), s->totalpages);
	else
		fprintf(out, "  domain     global, totalpages %" PRIu64 "\n", s->totalpages);
	pages(a, sizeof(a), s, (int64_t)t->rss_pages);
	pages(b, sizeof(b), s, (int64_t)t->swap_pages);
	format_bytes(c, sizeof(c), t->pgtables_bytes);
	if (t->skip) {
		fprintf(out, "  skipped    %s\n", score_skip__why(t->skip));
		fprintf(out, "  memory     %" PRId64 " points (rss %s, swap %s, page tables %s)\n",
			t->mem_points, a, b, c);
		if (t->skip == SCORE_SKIP_ADJ_MIN)
			fprintf(out, "  at adj 0   it would have %" PRId64 " points and rank %zu of "
				"%zu\n", e->points_at_adj0, e->rank_at_adj0, s->n_eligible + 1);
		return;
	}
	fprintf(out, "  rank       %zu of %zu%s\n", t->rank, s->n_eligible,
		t->rank == 1 ? ": the kernel would kill it first" : "");
	fprintf(out, "  points     %" PRId64 " = rss %" PRIu64 " (%s) + swap %" PRIu64 " (%s) + "
		"page tables %" PRIu64 " (%s) + adj %" PRId64 " (oom_score_adj %d x %" PRIu64 ")\n",
		t->points, t->rss_pages, a, t->swap_pages, b, t->pgtables_bytes / s->page_size, c,
		t->adj_points, t->p.oom_score_adj, s->totalpages / 1000);
	if (e->first && e->first != t) {
		print_other(out, "first", e->first);
		fprintf(out, "  to be picked instead: ");
		print_flip(out, s, t, &e->to_first, true);
		print_service(out, e, &e->to_first, true);
	}
	if (e->above && e->above != e->first) {
		print_other(out, "next up", e->above);
		fprintf(out, "  to pass it: ");
		print_flip(out, s, t, &e->to_above, true);
	}
	if (e->below) {
		print_other(out, t->rank == 1 ? "second" : "next down", e->below);
		fprintf(out, "  %s: ", t->rank == 1 ? "to be spared (fall below the second)"
						    : "to fall below it");
		print_flip(out, s, t, &e->to_below, false);
		if (t->rank == 1)
			print_service(out, e, &e->to_below, false);
	} else if (t->rank == 1) {
		fprintf(out, "  to be spared: it is the only candidate; only oom_score_adj -1000 "
			"exempts it (then an OOM here finds no one to kill)\n");
		print_service(out, e, &e->to_below, false);
	}
}

static void json_flip(struct json_writer *w, const char *key, const struct score_set *s,
		      const struct score_flip *f)
{
	jw_key(w, key);
	jw_object_start(w);
	jw_key(w, "oom_score_adj");
	if (f->by_adj)
		jw_int(w, f->adj);
	else
		jw_null(w);
	jw_key(w, "memory_pages");
	if (f->by_memory)
		jw_int(w, f->mem_pages);
	else
		jw_null(w);
	if (f->by_memory)
		jw_kv_int(w, "memory_bytes", f->mem_pages * (int64_t)s->page_size);
	jw_object_end(w);
}

static void json_other(struct json_writer *w, const char *key, const struct score_task *o)
{
	jw_key(w, key);
	jw_object_start(w);
	jw_kv_int(w, "pid", o->p.pid);
	jw_kv_string(w, "comm", o->p.comm);
	jw_kv_uint(w, "rank", o->rank);
	jw_kv_int(w, "points", o->points);
	jw_kv_int(w, "oom_score_adj", o->p.oom_score_adj);
	jw_object_end(w);
}

void scores_render_explain_json(FILE *out, const struct score_set *s,
				const struct score_explain *e)
{
	const struct score_task *t = e->task;
	struct json_writer w;

	jw_init(&w, out);
	jw_object_start(&w);
	jw_kv_string(&w, "type", "explain");
	jw_kv_int(&w, "pid", t->p.pid);
	jw_kv_string(&w, "comm", t->p.comm);
	jw_kv_string(&w, "domain", s->memcg && s->domain_found ? s->domain.path : "global");
	jw_kv_uint(&w, "totalpages", s->totalpages);
	jw_kv_uint(&w, "candidates", s->n_eligible);
	jw_kv_int(&w, "oom_score_adj", t->p.oom_score_adj);
	jw_kv_int(&w, "mem_points", t->mem_points);
	jw_kv_int(&w, "adj_points", t->adj_points);
	if (t->skip) {
		jw_kv_string(&w, "skip", score_skip__name(t->skip));
		if (t->skip == SCORE_SKIP_ADJ_MIN) {
			jw_kv_int(&w, "points_at_adj0", e->points_at_adj0);
			jw_kv_uint(&w, "rank_at_adj0", e->rank_at_adj0);
		}
	} else {
		jw_kv_uint(&w, "rank", t->rank);
		jw_kv_int(&w, "points", t->points);
	}
	if (e->first && e->first != t && !t->skip) {
		json_other(&w, "first", e->first);
		json_flip(&w, "to_be_picked", s, &e->to_first);
	}
	if (e->above && e->above != e->first) {
		json_other(&w, "next_up", e->above);
		json_flip(&w, "to_pass_next_up", s, &e->to_above);
	}
	if (e->below) {
		json_other(&w, "next_down", e->below);
		json_flip(&w, t->rank == 1 ? "to_be_spared" : "to_fall_below_next_down", s,
			  &e->to_below);
	}
	if (e->unit[0]) {
		jw_kv_string(&w, "unit", e->unit);
		jw_kv_bool(&w, "oom_score_adjust_applies", !e->is_scope);
		jw_kv_uint(&w, "unit_tasks", e->unit_tasks);
	}
	if (e->container_id[0])
		jw_kv_string(&w, "container_id", e->container_id);
	if (e->pod_uid[0])
		jw_kv_string(&w, "pod_uid", e->pod_uid);
	jw_object_end(&w);
	fputc('\n', out);
}
