// SPDX-License-Identifier: GPL-2.0
/* Text and JSON output of `oomtrace replay` (replay_render.h). */
#include <inttypes.h>
#include <string.h>

#include "json_writer.h"
#include "render.h"
#include "replay_render.h"
#include "text_escape.h"
#include "time_iso.h"

static void json_pick(struct json_writer *w, const struct replay_summary *s,
		      const struct replay_policy *p, const struct oom_event *ev,
		      int32_t rec_pid, const struct replay_pick *r)
{
	const struct oom_task *t;

	jw_object_start(w);
	if (r->unavail) {
		jw_kv_string(w, "unavailable", replay_unavail__name(r->unavail));
		if (r->unavail == RU_FIELD)
			jw_kv_string(w, "input", rx_field__name(r->field));
		if (p->kind == RP_KERNEL)
			jw_kv_string(w, "formula", replay_formula__name(r->formula));
		jw_object_end(w);
		return;
	}
	t = &ev->candidates[r->idx];
	jw_kv_int(w, "pid", t->pid);
	jw_kv_string(w, "comm", t->comm);
	jw_kv_int(w, "score", r->score);
	jw_key(w, "margin");
	if (r->has_margin)
		jw_int(w, r->margin);
	else
		jw_null(w);	/* nobody else was eligible */
	jw_kv_uint(w, "freed_kb", r->freed_kb);
	if (r->tie)
		jw_kv_bool(w, "tie", true);
	if (replay_is_critical(s, t))
		jw_kv_bool(w, "critical", true);
	if (p->kind == RP_PRECISE_RSS)
		jw_kv_uint(w, "counter_error_kb", r->counter_error_kb);
	if (p->kind == RP_KERNEL) {
		jw_kv_string(w, "formula", replay_formula__name(r->formula));
		jw_kv_bool(w, "reproduced", t->pid == rec_pid);
		if (r->points_mismatches)
			jw_kv_uint(w, "points_mismatches", r->points_mismatches);
	}
	jw_object_end(w);
}

void replay_render_json(FILE *out, const struct replay_summary *s, const struct oom_event *ev,
			int32_t rec_pid, const struct replay_pick *picks)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_start(&w);
	jw_kv_uint(&w, "seq", ev->seq);
	jw_kv_int(&w, "recorded_pid", rec_pid);
	jw_key(&w, "policies");
	jw_object_start(&w);
	for (size_t i = 0; i < s->n; i++) {
		jw_key(&w, s->policies[i].name);
		json_pick(&w, s, &s->policies[i], ev, rec_pid, &picks[i]);
	}
	jw_object_end(&w);
	jw_object_end(&w);
	fputc('\n', out);
}

void replay_render_skip_json(FILE *out, const struct oom_event *ev, enum replay_skip why)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_start(&w);
	jw_kv_uint(&w, "seq", ev->seq);
	if ((ev->has & EV_HAS_VICTIM) && (ev->victim.has & TASK_HAS_PID))
		jw_kv_int(&w, "recorded_pid", ev->victim.pid);
	else if (ev->has & EV_HAS_CHOSEN)
		jw_kv_int(&w, "recorded_pid", ev->chosen_pid);
	jw_kv_string(&w, "skipped", replay_skip__name(why));
	jw_object_end(&w);
	fputc('\n', out);
}

static const char *kb(char *buf, size_t size, uint64_t kib)
{
	format_bytes(buf, size, kib * 1024);
	return buf;
}

/* One line of the side-by-side rows; the left column is `width` wide. */
static void row(FILE *out, int width, const char *what, const char *left, const char *right)
{
	fprintf(out, "      %-16s %-*s %s\n", what, width, left, right);
}

/* The left column's width: its longest value (the cgroup), at least 28. */
static int left_width(const struct oom_task *t)
{
	char buf[OOM_PATH_MAX * 4 + 8];
	size_t n = strlen(text_escape_buf(buf, sizeof(buf), t->cgroup));

	return n + 1 > 28 ? (int)n + 1 : 28;
}

static const char *pages(char *buf, size_t size, const struct oom_event *ev, bool known,
			 uint64_t n)
{
	if (!known)
		return "-";
	format_bytes(buf, size, n * (ev->page_size ? ev->page_size : 4096));
	return buf;
}

static void task_rows(FILE *out, int w, const struct oom_event *ev, const struct oom_task *a,
		      const struct oom_task *b)
{
	const struct oom_task *t[2] = { a, b };
	char v[2][OOM_PATH_MAX * 4 + 8];
	uint64_t rss[2];
	bool has[2];

	for (int i = 0; i < 2; i++)
		snprintf(v[i], sizeof(v[i]), "%" PRId32, t[i]->pid);
	row(out, w, "pid", v[0], v[1]);
	for (int i = 0; i < 2; i++)
		text_escape_buf(v[i], 64, t[i]->comm);
	row(out, w, "comm", v[0], v[1]);
	for (int i = 0; i < 2; i++) {
		has[i] = replay_task_rss(t[i], &rss[i]);
		snprintf(v[i], 64, "%s", pages(v[i] + 64, 64, ev, has[i], rss[i]));
	}
	row(out, w, "rss", v[0], v[1]);
	for (int i = 0; i < 2; i++)
		snprintf(v[i], 64, "%s", pages(v[i] + 64, 64, ev,
			 (t[i]->has & (TASK_HAS_MEM | TASK_HAS_SWAP)) != 0, t[i]->swap_pages));
	row(out, w, "swap", v[0], v[1]);
	for (int i = 0; i < 2; i++) {
		bool known = t[i]->has & (TASK_HAS_MEM | TASK_HAS_PGTABLES);

		if (known)
			format_bytes(v[i], 64, t[i]->pgtables_bytes);
		else
			snprintf(v[i], 64, "-");
	}
	row(out, w, "page tables", v[0], v[1]);
	if ((a->has | b->has) & TASK_HAS_RSS_PRECISE) {
		for (int i = 0; i < 2; i++)
			snprintf(v[i], 64, "%s", pages(v[i] + 64, 64, ev,
				 t[i]->has & TASK_HAS_RSS_PRECISE, t[i]->rss_precise_pages));
		row(out, w, "rss (precise)", v[0], v[1]);
	}
	for (int i = 0; i < 2; i++) {
		if (t[i]->has & TASK_HAS_ADJ)
			snprintf(v[i], 64, "%" PRId32, t[i]->oom_score_adj);
		else
			snprintf(v[i], 64, "-");
	}
	row(out, w, "oom_score_adj", v[0], v[1]);
	for (int i = 0; i < 2; i++) {
		if (t[i]->has & TASK_HAS_POINTS)
			snprintf(v[i], 64, "%" PRId64, t[i]->points);
		else
			snprintf(v[i], 64, "%s", t[i]->skip ? oom_skip__name(t[i]->skip) : "-");
	}
	row(out, w, "recorded points", v[0], v[1]);
	for (int i = 0; i < 2; i++) {
		if (t[i]->has & TASK_HAS_CGROUP)
			text_escape_buf(v[i], sizeof(v[i]), t[i]->cgroup);
		else
			snprintf(v[i], sizeof(v[i]), "-");
	}
	row(out, w, "cgroup", v[0], v[1]);
}

void replay_render_diff_text(FILE *out, const struct replay_summary *s,
			     const struct oom_event *ev, int32_t rec_pid,
			     const struct replay_pick *picks)
{
	const struct oom_task *rec = replay_recorded_task(ev, rec_pid);
	char buf[OOM_PATH_MAX * 4 + 8], tm[48];

	fprintf(out, "OOM kill #%" PRIu64, ev->seq);
	if (ev->time_ns) {
		format_time_iso(tm, sizeof(tm), ev->time_ns);
		fprintf(out, " %s", tm);
	}
	fprintf(out, " (%s", ev->has & EV_HAS_MEMCG ? "memcg " : "global");
	if (ev->has & EV_HAS_MEMCG)
		fputs(text_escape_buf(buf, sizeof(buf), ev->memcg), out);
	fprintf(out, "): recorded victim pid %" PRId32 " \"%s\", %zu candidates\n", rec_pid,
		text_escape_buf(buf, 64, rec->comm), ev->n_candidates);
	for (size_t i = 0; i < s->n; i++) {
		const struct replay_pick *r = &picks[i];
		const struct oom_task *t;

		fprintf(out, "  %-20s ", text_escape_buf(buf, sizeof(buf), s->policies[i].name));
		if (r->unavail) {
			fprintf(out, "unavailable: %s%s%s\n", replay_unavail__name(r->unavail),
				r->unavail == RU_FIELD ? " " : "",
				r->unavail == RU_FIELD ? rx_field__name(r->field) : "");
			continue;
		}
		t = &ev->candidates[r->idx];
		fprintf(out, "pid %" PRId32 " \"%s\" score %" PRId64, t->pid,
			text_escape_buf(buf, 64, t->comm), r->score);
		if (r->has_margin)
			fprintf(out, ", margin %" PRId64 "%s", r->margin, r->tie ? " (tie)" : "");
		fprintf(out, ", frees %s", kb(buf, sizeof(buf), r->freed_kb));
		if (t->pid == rec_pid)
			fputs(s->policies[i].kind == RP_KERNEL ? " (reproduced)" : " (same)", out);
		else if (s->policies[i].kind == RP_KERNEL)
			fputs(" (NOT the recorded victim)", out);
		if (replay_is_critical(s, t))
			fputs(" CRITICAL", out);
		fputc('\n', out);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct replay_pick *r = &picks[i];
		char a[32], b[32];

		if (r->unavail || ev->candidates[r->idx].pid == rec_pid)
			continue;
		fprintf(out, "    %s: recorded victim vs its pick\n",
			text_escape_buf(buf, sizeof(buf), s->policies[i].name));
		task_rows(out, left_width(rec), ev, rec, &ev->candidates[r->idx]);
		if (r->has_rec_score)
			snprintf(a, sizeof(a), "%" PRId64, r->rec_score);
		else
			snprintf(a, sizeof(a), "not eligible");
		snprintf(b, sizeof(b), "%" PRId64, r->score);
		row(out, left_width(rec), s->policies[i].kind == RP_LARGEST_MEMCG ?
		    "group usage" : "policy score", a, b);
	}
	fputc('\n', out);
}

/* "4.0 GiB vs 3.5 GiB (+14.3%)" */
static void freed(char *buf, size_t size, uint64_t kib, uint64_t rec_kib)
{
	char a[32], b[32];

	kb(a, sizeof(a), kib);
	kb(b, sizeof(b), rec_kib);
	if (rec_kib)
		snprintf(buf, size, "%s vs %s (%+.1f%%)", a, b,
			 ((double)kib - (double)rec_kib) * 100.0 / (double)rec_kib);
	else
		snprintf(buf, size, "%s vs %s", a, b);
}

void replay_render_summary_text(FILE *out, const struct replay_summary *s)
{
	char buf[128];
	bool first = true;

	fprintf(out, "replay: %" PRIu64 " OOM kills read, %" PRIu64 " replayed", s->ooms,
		s->replayed);
	for (int k = 1; k < RSK_N; k++) {
		if (!s->skipped[k])
			continue;
		fprintf(out, "%s%s %" PRIu64, first ? ", skipped: " : ", ", replay_skip__name(k),
			s->skipped[k]);
		first = false;
	}
	fprintf(out, "\n%" PRIu64 " replayed OOM kills have a policy picking another victim\n\n",
		s->disagree);
	fprintf(out, "%-20s %8s %8s %11s  %-40s %s\n", "policy", "replayed", "differ",
		"unavailable", "freed by its kills vs the recorded kills", "critical (recorded)");
	for (size_t i = 0; i < s->n; i++) {
		const struct replay_policy_stats *st = &s->ps[i];
		uint64_t unavail = 0;

		for (int u = 1; u < RU_N; u++)
			unavail += st->unavail[u];
		if (st->replayed)
			freed(buf, sizeof(buf), st->freed_kb, st->recorded_freed_kb);
		else
			snprintf(buf, sizeof(buf), "-");
		text_escape(out, s->policies[i].name, strlen(s->policies[i].name));
		if (strlen(s->policies[i].name) > 20)	/* a long expr: its row below */
			fprintf(out, "\n%20s", "");
		else
			fprintf(out, "%*s", (int)(20 - strlen(s->policies[i].name)), "");
		fprintf(out, " %8" PRIu64 " %8" PRIu64 " %11" PRIu64 "  %-40s %" PRIu64
			" (%" PRIu64 ")\n", st->replayed, st->differ, unavail,
			buf, st->critical, st->recorded_critical);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct replay_policy_stats *st = &s->ps[i];

		for (int u = 1; u < RU_N; u++) {
			if (!st->unavail[u])
				continue;
			fputs("  ", out);
			text_escape(out, s->policies[i].name, strlen(s->policies[i].name));
			fprintf(out, " unavailable in %" PRIu64 ": %s", st->unavail[u],
				replay_unavail__name(u));
			if (u == RU_FIELD)
				for (int f = 0; f < RX_N_FIELDS; f++)
					if (st->field[f])
						fprintf(out, " %s %" PRIu64, rx_field__name(f),
							st->field[f]);
			fputc('\n', out);
		}
		if (s->policies[i].kind == RP_PRECISE_RSS && st->replayed)
			fprintf(out, "  precise-rss: the approximate rss + swap of a candidate was off "
				"by up to %s\n", kb(buf, sizeof(buf), st->counter_error_kb));
		if (s->policies[i].kind != RP_KERNEL)
			continue;
		fprintf(out, "  kernel formula:");
		for (int f = 0; f < RF_N; f++)
			if (st->formula[f])
				fprintf(out, " %s %" PRIu64, replay_formula__name(f), st->formula[f]);
		fprintf(out, "%s\n", s->replayed ? "" : " none");
		if (st->differ)
			fprintf(out, "  KERNEL MISMATCH: the kernel formula picked another victim "
				"than the recorded one in %" PRIu64 " of %" PRIu64 " OOM kills "
				"(first: #%" PRIu64 "): the recorded inputs or the formula are wrong\n",
				st->differ, st->replayed, st->first_mismatch_seq);
		else if (st->replayed)
			fprintf(out, "  kernel reproduced the recorded victim in all %" PRIu64
				" replayed OOM kills\n", st->replayed);
		if (st->points_mismatch_ooms)
			fprintf(out, "  %" PRIu64 " OOM kills have rows whose recorded points "
				"differ from the formula's\n", st->points_mismatch_ooms);
	}
}
