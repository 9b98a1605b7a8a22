// SPDX-License-Identifier: GPL-2.0
/* JSON Lines rendering of an assembled event (the schema in the README, What it prints). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup_names.h"
#include "json_writer.h"
#include "render.h"

/* Every bit in `bits` known (TASK_HAS_MEM stands for all memory facts). */
static bool has_mem(const struct oom_task *t, uint32_t bits)
{
	return t->has & TASK_HAS_MEM || (t->has & bits) == bits;
}

static void kv_kb(struct json_writer *w, const char *key, uint64_t pages, uint32_t page_size)
{
	jw_kv_uint(w, key, pages * (page_size / 1024));
}

static void write_origin_of(struct json_writer *w, const struct cgroup_origin *o)
{
	if (o->unit[0])
		jw_kv_string(w, "unit", o->unit);
	if (o->container_id[0])
		jw_kv_string(w, "container_id", o->container_id);
	if (o->pod_uid[0])
		jw_kv_string(w, "pod_uid", o->pod_uid);
}

void render_origin_json(struct json_writer *w, const char *path)
{
	struct cgroup_origin o;

	cgroup_origin_from_path(path, &o);
	write_origin_of(w, &o);
}

/*
 * What the last task's cgroup path said (its origin and names): the
 * candidates of one OOM mostly share a cgroup, and the path is parsed once.
 */
struct origin_memo {
	const char *path;	/* NULL: nothing yet */
	struct cgroup_origin o;
	const struct oom_names *n;
};

/* cgroup, unit, container_id, pod_uid, and the names: where the task runs. */
static void write_origin(struct json_writer *w, const struct oom_event *ev,
			 const struct oom_task *t, struct origin_memo *m)
{
	const struct oom_names *n;

	if (!m->path || strcmp(m->path, t->cgroup)) {
		cgroup_origin_from_path(t->cgroup, &m->o);
		m->n = oom_event__names_of(ev, t);
		m->path = t->cgroup;
	}
	n = m->n;
	jw_kv_string(w, "cgroup", t->cgroup);
	write_origin_of(w, &m->o);
	if (n && n->ns[0])
		jw_kv_string(w, "namespace", n->ns);
	if (n && n->pod[0])
		jw_kv_string(w, "pod", n->pod);
	if (n && n->container[0])
		jw_kv_string(w, "container", n->container);
}

static void write_identity(struct json_writer *w, const struct oom_task *t)
{
	if (t->has & TASK_HAS_PID)
		jw_kv_int(w, "pid", t->pid);
	if (t->has & TASK_HAS_TID)
		jw_kv_int(w, "tid", t->tid);
	if (t->has & TASK_HAS_COMM)
		jw_kv_string(w, "comm", t->comm);
	if (t->has & TASK_HAS_UID)
		jw_kv_uint(w, "uid", t->uid);
	if (t->has & TASK_HAS_ADJ)
		jw_kv_int(w, "oom_score_adj", t->oom_score_adj);
}

static void write_points(struct json_writer *w, const struct oom_task *t)
{
	jw_key(w, "points");
	if (t->has & TASK_HAS_POINTS)
		jw_int(w, t->points);
	else
		jw_null(w);
	if (t->skip != OOM_SKIP_NONE)
		jw_kv_string(w, "skip", oom_skip__name(t->skip));
	if (t->has & TASK_POINTS_ESTIMATED)
		jw_kv_bool(w, "points_estimated", true);
}

/* exe and cmdline (argv, each string escaped): the victim's and the trigger's */
static void write_cmd(struct json_writer *w, const struct oom_cmdline *cmd, bool has_exe,
		      bool has_argv)
{
	if (has_exe)
		jw_kv_string(w, "exe", cmd->exe);
	if (!has_argv)
		return;
	jw_key(w, "cmdline");
	jw_array_start(w);
	for (uint32_t off = 0; off < cmd->len;) {
		size_t n = strnlen(cmd->argv + off, cmd->len - off);

		jw_string_n(w, cmd->argv + off, n);
		off += (uint32_t)n + 1;
	}
	jw_array_end(w);
	if (cmd->truncated)
		jw_kv_bool(w, "cmdline_truncated", true);
}

/* victim-style task: memory in kB */
static void write_victim(struct json_writer *w, const struct oom_task *t,
			 const struct oom_event *ev, bool with_reason, struct origin_memo *m)
{
	jw_object_start(w);
	write_identity(w, t);
	if ((t->has & TASK_HAS_POINTS) || t->skip != OOM_SKIP_NONE)
		write_points(w, t);
	if (t->has & TASK_HAS_TOTAL_VM)
		kv_kb(w, "total_vm_kb", t->total_vm_pages, ev->page_size);
	if (!has_mem(t, TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM) &&
	    t->has & TASK_HAS_RSS)
		kv_kb(w, "rss_kb", t->rss_pages, ev->page_size);	/* no split known */
	if (has_mem(t, TASK_HAS_RSS_ANON))
		kv_kb(w, "anon_rss_kb", t->rss_anon_pages, ev->page_size);
	if (has_mem(t, TASK_HAS_RSS_FILE))
		kv_kb(w, "file_rss_kb", t->rss_file_pages, ev->page_size);
	if (has_mem(t, TASK_HAS_RSS_SHMEM))
		kv_kb(w, "shmem_rss_kb", t->rss_shmem_pages, ev->page_size);
	if (has_mem(t, TASK_HAS_PGTABLES))
		jw_kv_uint(w, "pgtables_kb", t->pgtables_bytes / 1024);
	if (has_mem(t, TASK_HAS_SWAP))
		kv_kb(w, "swap_kb", t->swap_pages, ev->page_size);
	if (t->has & TASK_HAS_CGROUP)
		write_origin(w, ev, t, m);
	if (t == &ev->victim)
		write_cmd(w, &ev->victim_cmd, ev->has & EV_HAS_VICTIM_EXE,
			  ev->has & EV_HAS_VICTIM_CMDLINE);
	if (with_reason)
		jw_kv_string(w, "reason", oom_victim_reason__name(t->reason));
	jw_object_end(w);
}

/* candidate-style task: memory in pages, as oom_badness counts it */
static void write_candidate(struct json_writer *w, const struct oom_event *ev,
			    const struct oom_task *t, struct origin_memo *m)
{
	jw_object_start(w);
	write_identity(w, t);
	write_points(w, t);
	if (has_mem(t, TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM))
		jw_kv_uint(w, "rss_pages", t->rss_anon_pages + t->rss_file_pages +
						t->rss_shmem_pages);
	else if (t->has & TASK_HAS_RSS)
		jw_kv_uint(w, "rss_pages", t->rss_pages);
	if (has_mem(t, TASK_HAS_RSS_ANON))
		jw_kv_uint(w, "rss_anon_pages", t->rss_anon_pages);
	if (has_mem(t, TASK_HAS_RSS_FILE))
		jw_kv_uint(w, "rss_file_pages", t->rss_file_pages);
	if (has_mem(t, TASK_HAS_RSS_SHMEM))
		jw_kv_uint(w, "rss_shmem_pages", t->rss_shmem_pages);
	if (has_mem(t, TASK_HAS_SWAP))
		jw_kv_uint(w, "swap_pages", t->swap_pages);
	if (has_mem(t, TASK_HAS_PGTABLES))
		jw_kv_uint(w, "pgtables_bytes", t->pgtables_bytes);
	if (t->has & TASK_HAS_RSS_PRECISE) {
		jw_kv_uint(w, "rss_pages_precise", t->rss_precise_pages);
		jw_kv_uint(w, "swap_pages_precise", t->swap_precise_pages);
	}
	if (t->has & TASK_HAS_TOTAL_VM)
		jw_kv_uint(w, "total_vm_pages", t->total_vm_pages);
	if (t->has & TASK_HAS_CGROUP)
		write_origin(w, ev, t, m);
	jw_object_end(w);
}

static void write_frames(struct json_writer *w, const char *key,
			 const struct oom_frame *f, size_t n, bool user)
{
	char buf[320];

	jw_key(w, key);
	jw_array_start(w);
	for (size_t i = 0; i < n; i++) {
		if (!user) {
			if (f[i].sym[0])
				snprintf(buf, sizeof(buf), "%s+0x%" PRIx64 "%s%s%s", f[i].sym,
					 f[i].offset, f[i].module[0] ? " [" : "", f[i].module,
					 f[i].module[0] ? "]" : "");
			else
				snprintf(buf, sizeof(buf), "0x%" PRIx64, f[i].addr);
			jw_string(w, buf);
			continue;
		}
		jw_object_start(w);
		if (f[i].addr)
			jw_kv_hex(w, "ip", f[i].addr);
		if (f[i].sym[0])
			jw_kv_string(w, "sym", f[i].sym);
		if (f[i].module[0])
			jw_kv_string(w, "object", f[i].module);
		/* an inlined call has no symbol of its own to be an offset into */
		if (f[i].sym[0] && !f[i].inlined)
			jw_kv_hex(w, "sym_offset", f[i].offset);
		if (f[i].build_id_size) {
			for (int b = 0; b < f[i].build_id_size; b++)
				snprintf(buf + 2 * b, 3, "%02x", f[i].build_id[b]);
			jw_kv_string(w, "build_id", buf);
		}
		if (f[i].build_id_size || f[i].module[0])
			jw_kv_hex(w, "file_offset", f[i].file_offset);
		if (f[i].file[0]) {
			jw_kv_string(w, "file", f[i].file);
			if (f[i].line)
				jw_kv_uint(w, "line", f[i].line);
		}
		if (f[i].inlined)
			jw_kv_bool(w, "inlined", true);
		if (f[i].unwind)
			jw_kv_string(w, "unwind", f[i].unwind == OOM_UNWIND_DWARF ? "dwarf" : "fp");
		jw_object_end(w);
	}
	jw_array_end(w);
}

void render_domain_memory_json(struct json_writer *w, const struct oom_domain_memory *dm)
{
	bool parts = false;

	jw_key(w, "domain_memory");
	jw_object_start(w);
	for (int k = 0; k < DM_FIRST_UNK_PART; k++)
		if (dm_has(dm, k))
			jw_kv_uint(w, dm_key_name(k), dm->kb[k]);
	for (int k = DM_FIRST_UNK_PART; k < DM__COUNT; k++) {
		if (!dm_has(dm, k))
			continue;
		if (!parts) {
			jw_key(w, "unkillable");
			jw_object_start(w);
			parts = true;
		}
		jw_kv_uint(w, dm_key_name(k), dm->kb[k]);
	}
	if (parts)
		jw_object_end(w);
	jw_object_end(w);
}

void render_domain_verdict_json(struct json_writer *w, const struct oom_domain_memory *dm)
{
	struct dm_verdict v;

	if (!domain_memory_verdict(dm, &v))
		return;
	jw_key(w, "verdict");
	jw_object_start(w);
	jw_kv_uint(w, "frees_at_most_kb", v.frees_kb);
	jw_kv_uint(w, "usage_kb", v.usage_kb);
	if (v.part >= 0) {	/* "shmem_kb" in "unkillable" -> "shmem" */
		char part[32];

		snprintf(part, sizeof(part), "%.*s", (int)(strlen(dm_key_name(v.part)) - 3),
			 dm_key_name(v.part));
		jw_kv_string(w, "largest_unkillable", part);
		jw_kv_uint(w, "largest_unkillable_kb", v.part_kb);
	}
	jw_object_end(w);
}

/*
 * "run_up":{"window_s":..,"reclaim_episodes":..,...,"events":{..}}: the
 * groups the source gave (event.h, struct oom_run_up)
 */
static void write_run_up(struct json_writer *w, const struct oom_run_up *ru)
{
	jw_key(w, "run_up");
	jw_object_start(w);
	if (ru->has & RU_HAS_RECLAIM) {
		jw_kv_uint(w, "window_s", ru->window_s);
		jw_kv_uint(w, "reclaim_episodes", ru->reclaim_episodes);
		jw_kv_uint(w, "reclaim_stall_us", ru->reclaim_stall_us);
		jw_kv_uint(w, "trigger_stall_us", ru->trigger_stall_us);
		jw_kv_uint(w, "pages_reclaimed", ru->pages_reclaimed);
	}
	if (ru->has & RU_HAS_FIRST_HIT)
		jw_kv_milli(w, "first_limit_hit_s_before", ru->first_limit_hit_ms_before);
	if (ru->has & RU_HAS_PSI_SOME)
		jw_kv_uint(w, "psi_some_us", ru->psi_some_us);
	if (ru->has & RU_HAS_PSI_FULL)
		jw_kv_uint(w, "psi_full_us", ru->psi_full_us);
	if (ru->has & (RU_HAS_PSI_SOME | RU_HAS_PSI_FULL))
		jw_kv_string(w, "psi_scope", ru->has & RU_PSI_SYSTEM ? "system" : "domain");
	if (ru->has & RU_HAS_SINCE) {
		jw_kv_string(w, "since", ru->has & RU_SINCE_EVENT ? "previous_event" : "start");
		jw_kv_uint(w, "since_ms", ru->since_ms);
	}
	if (ru->events_has) {
		jw_key(w, "events");
		jw_object_start(w);
		for (int e = 0; e < RU_EV__COUNT; e++)
			if (ru->events_has & (1u << e))
				jw_kv_uint(w, ru_event_name(e), ru->events[e]);
		jw_object_end(w);
	}
	jw_object_end(w);
}

void render_event_json(FILE *out, const struct oom_event *ev)
{
	struct origin_memo memo = { .path = NULL };
	struct json_writer w;
	char buf[64];

	jw_init(&w, out);
	jw_object_start(&w);
	jw_kv_string(&w, "type", "oom_kill");
	jw_kv_uint(&w, "seq", ev->seq);
	if (ev->time_ns) {
		format_time_iso(buf, sizeof(buf), ev->time_ns);
		jw_kv_string(&w, "time", buf);
	}
	jw_kv_string(&w, "mode", ev->mode ? ev->mode : "unknown");
	jw_kv_string(&w, "source", ev->source ? ev->source : "bpf");
	if (ev->has & EV_HAS_KMSG_SEQ)
		jw_kv_uint(&w, "kmsg_seq", ev->kmsg_seq);
	if (ev->has & EV_HAS_KTIME)
		jw_kv_uint(&w, "kernel_time_us", ev->ktime_us);
	if (ev->log_time[0])
		jw_kv_string(&w, "log_time", ev->log_time);
	if (ev->has & EV_HAS_TRIGGER) {
		jw_key(&w, "trigger");
		jw_object_start(&w);
		write_identity(&w, &ev->trigger);
		if (ev->trigger.has & TASK_HAS_CGROUP)
			write_origin(&w, ev, &ev->trigger, &memo);
		write_cmd(&w, &ev->trigger_cmd, ev->has & EV_HAS_TRIGGER_EXE,
			  ev->has & EV_HAS_TRIGGER_CMDLINE);
		jw_object_end(&w);
	}
	jw_kv_string(&w, "constraint", oom_constraint__name(ev->constraint));
	if (ev->has & EV_CONSTRAINT_INFERRED)
		jw_kv_bool(&w, "constraint_inferred", true);
	jw_key(&w, "memcg");
	if (ev->has & EV_HAS_MEMCG)
		jw_string(&w, ev->memcg);
	else
		jw_null(&w);
	if (ev->has & EV_HAS_GFP) {
		jw_kv_hex(&w, "gfp_mask", ev->gfp_mask);
		if (ev->gfp_flags[0])
			jw_kv_string(&w, "gfp_flags", ev->gfp_flags);
	}
	if (ev->has & EV_HAS_ORDER)
		jw_kv_int(&w, "order", ev->order);
	if (ev->has & EV_HAS_TOTALPAGES)
		jw_kv_uint(&w, "totalpages", ev->totalpages);
	jw_kv_uint(&w, "page_size", ev->page_size);
	if (ev->has & EV_HAS_CHOSEN) {
		jw_kv_int(&w, "chosen_pid", ev->chosen_pid);
		jw_kv_int(&w, "chosen_points", ev->chosen_points);
	}
	if (ev->has & EV_HAS_CHOSEN_SCORE) {
		if (!(ev->has & EV_HAS_CHOSEN))
			jw_kv_int(&w, "chosen_pid", ev->chosen_pid);
		jw_kv_string(&w, "chosen_comm", ev->chosen_comm);
		jw_kv_int(&w, "chosen_score", ev->chosen_score);
	}
	if (ev->has & EV_HAS_VICTIM) {
		jw_key(&w, "victim");
		write_victim(&w, &ev->victim, ev, false, &memo);
		if (ev->victim.has & TASK_HAS_POINTS)
			jw_kv_uint(&w, "victim_rank", oom_event__rank_of(ev, ev->victim.pid));
		if (oom_victim_from__name(ev->victim_from))
			jw_kv_string(&w, "victim_from", oom_victim_from__name(ev->victim_from));
	}
	jw_key(&w, "victims");
	jw_array_start(&w);
	for (size_t i = 0; i < ev->n_victims; i++)
		write_victim(&w, &ev->victims[i], ev, true, &memo);
	jw_array_end(&w);
	if (ev->has & EV_HAS_CANDIDATES) {
		jw_key(&w, "candidates");
		jw_array_start(&w);
		for (size_t i = 0; i < ev->n_candidates; i++)
			write_candidate(&w, ev, &ev->candidates[i], &memo);
		jw_array_end(&w);
		jw_kv_uint(&w, "candidates_total", ev->candidates_total);
	}
	if (ev->has & EV_HAS_DOMAIN_MEMORY)
		render_domain_memory_json(&w, &ev->domain_memory);
	if (ev->has & EV_HAS_RUN_UP)
		write_run_up(&w, &ev->run_up);
	write_frames(&w, "kernel_stack", ev->kernel_stack, ev->n_kernel_stack, false);
	write_frames(&w, "user_stack", ev->user_stack, ev->n_user_stack, true);
	if (ev->user_stack_stop[0])
		jw_kv_string(&w, "user_stack_stop", ev->user_stack_stop);
	jw_kv_uint(&w, "lost_events", ev->lost_events);
	if (ev->has & EV_HAS_OOM_CALLS)
		jw_kv_uint(&w, "ooms_without_kill", ev->ooms_without_kill);
	/* more than the fixed storage holds: counted, never silently cut */
	if (ev->victims_dropped)
		jw_kv_uint(&w, "victims_dropped", ev->victims_dropped);
	if (ev->frames_dropped)
		jw_kv_uint(&w, "frames_dropped", ev->frames_dropped);
	if (ev->missing[0])
		jw_kv_string(&w, "missing", ev->missing);
	if (ev->has & EV_HAS_UNPARSED)
		jw_kv_uint(&w, "unparsed_lines", ev->unparsed_lines);
	jw_object_end(&w);
	fputc('\n', out);
}

void render_aftermath_json(FILE *out, const struct oom_aftermath *am)
{
	struct json_writer w;
	char when[64];

	jw_init(&w, out);
	jw_object_start(&w);
	jw_kv_string(&w, "type", am->kind);
	jw_kv_uint(&w, "oom_seq", am->oom_seq);
	if (am->time_ns) {
		format_time_iso(when, sizeof(when), am->time_ns);
		jw_kv_string(&w, "time", when);
	}
	if (am->has_ktime)
		jw_kv_uint(&w, "kernel_time_us", am->ktime_us);
	if (am->source)
		jw_kv_string(&w, "source", am->source);
	jw_kv_int(&w, "pid", am->pid);
	if (am->comm)
		jw_kv_string(&w, "comm", am->comm);
	if (am->stage)
		jw_kv_string(&w, "stage", am->stage);
	else
		jw_kv_uint(&w, "kill_to_exit_us", am->kill_to_exit_ns / 1000);
	if (am->has_rss) {
		jw_kv_uint(&w, "anon_rss_kb", am->anon_rss_kb);
		jw_kv_uint(&w, "file_rss_kb", am->file_rss_kb);
		jw_kv_uint(&w, "shmem_rss_kb", am->shmem_rss_kb);
	}
	jw_object_end(&w);
	fputc('\n', out);
}
