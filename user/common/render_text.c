// SPDX-License-Identifier: GPL-2.0
/*
 * The human-readable block for one OOM kill. It answers "why this victim"
 * first (rank, points, runner-up, what the points are made of), then the
 * domain, the candidates and the stacks. Every kernel string is escaped.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cgroup_names.h"
#include "render.h"
#include "sat_math.h"
#include "text_escape.h"

/* v's decimal digits at the end of buf (size >= 21); returns where they start. */
static char *dec_digits(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* s into buf, cut to fit as snprintf cuts it */
static void copy_cut(char *buf, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (!size)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/*
 * "12.0 MiB": what snprintf's "%.1f" makes of bytes / 1024^u as a double,
 * in integer arithmetic: below 2^53 bytes the double is exact, and so is
 * the rounding here, to nearest, ties to even (a candidate table formats
 * three of these a row).
 */
void format_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	char tmp[48], *p;
	uint64_t tenths, rest, half;
	unsigned shift;
	int u = 0;

	while (u < 4 && bytes >> (10 * (u + 1)))
		u++;
	if (bytes >= 1ull << 53) {
		double v = (double)bytes;

		for (int i = 0; i < u; i++)
			v /= 1024;
		snprintf(buf, size, "%.1f %s", v, units[u]);
		return;
	}
	p = tmp + sizeof(tmp) - 1;
	*p = '\0';
	p -= strlen(units[u]);
	memcpy(p, units[u], strlen(units[u]));
	*--p = ' ';
	if (u == 0) {
		p = dec_digits(p, bytes);	/* "%" PRIu64 " B" */
	} else {
		shift = 10u * (unsigned)u;
		tenths = bytes * 10 >> shift;
		rest = bytes * 10 & ((1ull << shift) - 1);
		half = 1ull << (shift - 1);
		if (rest > half || (rest == half && tenths & 1))
			tenths++;
		*--p = (char)('0' + tenths % 10);
		*--p = '.';
		p = dec_digits(p, tenths / 10);
	}
	copy_cut(buf, size, p);
}

static const char *esc(char *buf, size_t size, const char *s)
{
	return text_escape_buf(buf, size, s);
}

/* Every bit in `bits` known (TASK_HAS_MEM stands for all memory facts). */
static bool has_mem(const struct oom_task *t, uint32_t bits)
{
	return t->has & TASK_HAS_MEM || (t->has & bits) == bits;
}

#define RSS_SPLIT (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM)

static bool rss_known(const struct oom_task *t)
{
	return has_mem(t, RSS_SPLIT) || t->has & TASK_HAS_RSS;
}

static uint64_t task_rss(const struct oom_task *t)
{
	if (!has_mem(t, RSS_SPLIT) && t->has & TASK_HAS_RSS)
		return t->rss_pages;
	return t->rss_anon_pages + t->rss_file_pages + t->rss_shmem_pages;
}

/* "12.0 MiB", or "?" for a fact the source did not give */
static const char *bytes_or_unknown(char *buf, size_t size, bool known, uint64_t bytes)
{
	if (!known)
		return "?";
	format_bytes(buf, size, bytes);
	return buf;
}

static void print_where(FILE *out, const char *indent, const char *path)
{
	struct cgroup_origin o;
	char e[1024];

	cgroup_origin_from_path(path, &o);
	fprintf(out, "%scgroup %s", indent, esc(e, sizeof(e), path));
	if (o.unit[0])
		fprintf(out, "  unit %s", esc(e, sizeof(e), o.unit));
	if (o.container_id[0])
		fprintf(out, "  container %.12s", o.container_id);
	if (o.pod_uid[0])
		fprintf(out, "  pod %s", o.pod_uid);
	fputc('\n', out);
}

/* " pod ns/name container c": the names people use, when known */
static void print_names(FILE *out, const struct oom_names *n)
{
	char e[1024];

	if (!n)
		return;
	if (n->pod[0]) {
		fprintf(out, " pod %s", esc(e, sizeof(e), n->ns));
		fprintf(out, "/%s", esc(e, sizeof(e), n->pod));
	}
	if (n->container[0])
		fprintf(out, " container %s", esc(e, sizeof(e), n->container));
}

/*
 * "             command python3 -m worker '--queue=a b'  (exe /usr/bin/python3.11)":
 * arguments escaped (text_escape), those with a space or a quote, or empty,
 * in single quotes so the words stay apart.
 */
static void print_cmd(FILE *out, const struct oom_cmdline *cmd, bool has_exe, bool has_argv)
{
	if (!has_exe && !has_argv)
		return;
	fprintf(out, "             command");
	if (has_argv) {
		for (uint32_t off = 0; off < cmd->len;) {
			const char *a = cmd->argv + off;
			size_t n = strnlen(a, cmd->len - off);
			bool quote = !n || strpbrk(a, " '\"");

			fputs(quote ? " '" : " ", out);
			text_escape(out, a, n);
			if (quote)
				fputc('\'', out);
			off += (uint32_t)n + 1;
		}
		if (cmd->truncated)
			fputs(" ...", out);
	} else {
		fputs(" ?", out);
	}
	if (has_exe) {
		fputs("  (exe ", out);
		text_escape(out, cmd->exe, strlen(cmd->exe));
		fputc(')', out);
	}
	fputc('\n', out);
}

static void print_victim(FILE *out, const struct oom_event *ev)
{
	const struct oom_task *v = &ev->victim;
	char e[256], a[32], b[32], c[32], d[32], f[32];
	size_t rank = oom_event__rank_of(ev, v->pid);

	fprintf(out, "  victim     pid %d \"%s\"", v->pid, esc(e, sizeof(e), v->comm));
	if (v->has & TASK_HAS_UID)
		fprintf(out, " uid %u", v->uid);
	if (v->has & TASK_HAS_ADJ)
		fprintf(out, " oom_score_adj %d", v->oom_score_adj);
	if (v->has & TASK_HAS_POINTS)
		fprintf(out, " points %" PRId64 "%s", v->points,
			v->has & TASK_POINTS_ESTIMATED ? " (estimated)" : "");
	if (rank)
		fprintf(out, " (rank %zu of %zu)", rank, ev->candidates_total);
	print_names(out, oom_event__names_of(ev, v));
	fputc('\n', out);
	print_cmd(out, &ev->victim_cmd, ev->has & EV_HAS_VICTIM_EXE,
		  ev->has & EV_HAS_VICTIM_CMDLINE);
	if (ev->victim_from == OOM_VICTIM_FROM_REAPER)
		fprintf(out, "             (no kill line in the log: named by oom_reaper's line)\n");
	else if (ev->victim_from == OOM_VICTIM_FROM_SUMMARY)
		fprintf(out, "             (the log stops before the kill line: named by the "
			"oom-kill summary)\n");
	if (v->has & TASK_HAS_MEM) {
		format_bytes(a, sizeof(a), task_rss(v) * ev->page_size);
		format_bytes(b, sizeof(b), v->rss_anon_pages * ev->page_size);
		format_bytes(c, sizeof(c), v->rss_file_pages * ev->page_size);
		format_bytes(d, sizeof(d), v->rss_shmem_pages * ev->page_size);
		format_bytes(f, sizeof(f), v->swap_pages * ev->page_size);
		fprintf(out, "             rss %s (anon %s, file %s, shmem %s), swap %s", a, b, c,
			d, f);
		format_bytes(a, sizeof(a), v->pgtables_bytes);
		fprintf(out, ", page tables %s\n", a);
	} else if (rss_known(v) || v->has & (RSS_SPLIT | TASK_HAS_SWAP | TASK_HAS_PGTABLES)) {
		/* a log gives some of them: say which, never print a 0 for "unknown" */
		fprintf(out, "            ");
		if (rss_known(v))
			fprintf(out, " rss %s", bytes_or_unknown(a, sizeof(a), true,
								 task_rss(v) * ev->page_size));
		if (v->has & TASK_HAS_RSS_ANON)
			fprintf(out, " anon %s", bytes_or_unknown(b, sizeof(b), true,
								  v->rss_anon_pages * ev->page_size));
		if (v->has & TASK_HAS_RSS_FILE)
			fprintf(out, " file %s", bytes_or_unknown(c, sizeof(c), true,
								  v->rss_file_pages * ev->page_size));
		if (v->has & TASK_HAS_RSS_SHMEM)
			fprintf(out, " shmem %s", bytes_or_unknown(d, sizeof(d), true,
								   v->rss_shmem_pages * ev->page_size));
		fprintf(out, ", swap %s", bytes_or_unknown(f, sizeof(f), v->has & TASK_HAS_SWAP,
							   v->swap_pages * ev->page_size));
		fprintf(out, ", page tables %s\n",
			bytes_or_unknown(a, sizeof(a), v->has & TASK_HAS_PGTABLES,
					 v->pgtables_bytes));
	}
	if (v->has & TASK_HAS_CGROUP)
		print_where(out, "             ", v->cgroup);
}

/* Why this one: points split into memory and adj, and the runner-up. */
/* Did the event come from a kernel log rather than from BPF? */
static bool from_log(const struct oom_event *ev)
{
	return ev->source && !strcmp(ev->source, "kmsg");
}

static void print_why(FILE *out, const struct oom_event *ev)
{
	const struct oom_task *v = &ev->victim, *runner = NULL;
	char e[256], a[32];

	if (ev->has & EV_HAS_CHOSEN_SCORE) {
		fprintf(out, "  chosen     pid %d \"%s\" score %" PRId64 "%s\n", ev->chosen_pid,
			esc(e, sizeof(e), ev->chosen_comm), ev->chosen_score,
			ev->has & EV_HAS_VICTIM && ev->victim.pid != ev->chosen_pid ?
			" (not the task killed)" : "");
	}
	if (!(v->has & TASK_HAS_POINTS))
		return;
	/* tracepoint mode recomputes with today's formula, so its parts hold;
	 * a log's estimate may follow an older era's formula */
	if (ev->has & EV_HAS_TOTALPAGES && v->has & TASK_HAS_ADJ &&
	    (!(v->has & TASK_POINTS_ESTIMATED) || !from_log(ev))) {
		int64_t adj = oom_points_adj_part(v->oom_score_adj, ev->totalpages);

		fprintf(out, "  why        points %" PRId64 " = memory %" PRId64
			" + adj %" PRId64 " (oom_score_adj %d x totalpages %" PRIu64 "/1000)\n",
			v->points, sat_sub64(v->points, adj), adj, v->oom_score_adj, ev->totalpages);
	}
	for (size_t i = 0; i < ev->n_candidates; i++) {
		if (ev->candidates[i].pid != v->pid) {
			runner = &ev->candidates[i];
			break;
		}
	}
	if (runner && runner->has & TASK_HAS_POINTS) {
		int64_t margin = sat_sub64(v->points, runner->points);

		format_bytes(a, sizeof(a), sat_mul_u64(abs_u64(margin), ev->page_size));
		fprintf(out, "             runner-up pid %d \"%s\" points %" PRId64
			", margin %" PRId64 " points (%s%s)\n", runner->pid,
			esc(e, sizeof(e), runner->comm), runner->points, margin,
			margin < 0 ? "-" : "", a);
	} else if (ev->candidates_total == 1) {
		fprintf(out, "             the only candidate in its OOM domain\n");
	}
}

static void print_domain(FILE *out, const struct oom_event *ev)
{
	char e[1024], a[32];

	fprintf(out, "  domain     constraint %s%s", oom_constraint__name(ev->constraint),
		ev->has & EV_CONSTRAINT_INFERRED ? " (inferred)" : "");
	if (ev->has & EV_HAS_MEMCG)
		fprintf(out, "  memcg %s", esc(e, sizeof(e), ev->memcg));
	if (ev->has & EV_HAS_TOTALPAGES) {
		format_bytes(a, sizeof(a), ev->totalpages * ev->page_size);
		fprintf(out, "  totalpages %" PRIu64 " (%s)", ev->totalpages, a);
	}
	if (ev->has & EV_HAS_GFP) {
		fprintf(out, "  gfp 0x%x", ev->gfp_mask);
		if (ev->gfp_flags[0])
			fprintf(out, "(%s)", esc(e, sizeof(e), ev->gfp_flags));
	}
	if (ev->has & EV_HAS_ORDER)
		fprintf(out, "  order %d", ev->order);
	fputc('\n', out);
}

/* The parts of the breakdown worth naming, biggest first. */
static const enum dm_key dm_parts[] = {
	DM_ANON, DM_FILE, DM_SHMEM, DM_KERNEL, DM_SLAB_RECLAIMABLE, DM_SLAB_UNRECLAIMABLE,
	DM_KERNEL_STACK, DM_PAGETABLES, DM_SOCK, DM_PERCPU, DM_HUGETLB, DM_UNEVICTABLE,
};

#define DM_TOP_PARTS 5

/* lead: what starts the line */
static bool print_memory_parts(FILE *out, const struct oom_domain_memory *dm, const char *lead)
{
	bool used[sizeof(dm_parts) / sizeof(dm_parts[0])] = { false };
	const char *sep = lead;
	char a[32];
	int shown = 0;

	while (shown < DM_TOP_PARTS) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < sizeof(dm_parts) / sizeof(dm_parts[0]); i++)
			if (!used[i] && dm_has(dm, dm_parts[i]) && dm->kb[dm_parts[i]] &&
			    (best == SIZE_MAX || dm->kb[dm_parts[i]] > dm->kb[dm_parts[best]]))
				best = i;
		if (best == SIZE_MAX)
			break;
		used[best] = true;
		format_bytes(a, sizeof(a), dm->kb[dm_parts[best]] * 1024);
		fprintf(out, "%s%s %s", sep, dm_key_label(dm_parts[best]), a);
		sep = ", ";
		shown++;
	}
	if (dm_has(dm, DM_FREE)) {
		format_bytes(a, sizeof(a), dm->kb[DM_FREE] * 1024);
		fprintf(out, "%sfree %s", shown ? ", " : lead, a);
		shown++;
	}
	if (shown)
		fputc('\n', out);
	return shown;
}

/* "3,120": a count with thousands separators, as people read it. */
static void format_count(char *buf, size_t size, uint64_t v)
{
	char digits[24];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, v), o = 0;

	for (size_t i = 0; i < n && o + 2 < size; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
}

bool render_run_up_verdict(char *buf, size_t size, const struct oom_run_up *ru)
{
	char n[32], a[32];
	uint64_t stall_ms = ru->reclaim_stall_us / 1000;

	if (!(ru->has & RU_HAS_RECLAIM) || !ru->reclaim_episodes)
		return false;
	format_count(n, sizeof(n), ru->reclaim_episodes);
	if (ru->has & RU_HAS_FIRST_HIT && ru->first_limit_hit_ms_before >= RUN_UP_VERDICT_MS) {
		snprintf(buf, size, "reclaiming for %" PRIu64 ".%" PRIu64 " s before the kill: "
			 "%s episode%s, %" PRIu64 ".%" PRIu64 " s stalled",
			 ru->first_limit_hit_ms_before / 1000, ru->first_limit_hit_ms_before % 1000 / 100,
			 n, ru->reclaim_episodes == 1 ? "" : "s", stall_ms / 1000, stall_ms % 1000 / 100);
		return true;
	}
	if (stall_ms < RUN_UP_VERDICT_MS)
		return false;
	format_count(a, sizeof(a), ru->pages_reclaimed);
	snprintf(buf, size, "reclaim in the last %u s: %s episode%s, %" PRIu64 ".%" PRIu64
		 " s stalled, %s pages reclaimed", ru->window_s, n,
		 ru->reclaim_episodes == 1 ? "" : "s", stall_ms / 1000, stall_ms % 1000 / 100, a);
	return true;
}

/*
 * At most three lines: usage and limit, the biggest parts, and a verdict:
 * over half of the domain is memory no kill of a candidate frees, or else
 * (ru not NULL) the domain reclaimed for long before the kill.
 */
static void memory_section(FILE *out, const struct oom_domain_memory *dm,
			   const struct oom_run_up *ru)
{
	char verdict[160];
	const char *lead = "             ";
	struct dm_verdict v;
	char a[32], b[32];

	if (dm_has(dm, DM_USAGE) || dm_has(dm, DM_LIMIT)) {
		fprintf(out, "  memory     usage %s", bytes_or_unknown(a, sizeof(a), dm_has(dm, DM_USAGE),
								     dm->kb[DM_USAGE] * 1024));
		if (dm_has(dm, DM_LIMIT)) {
			format_bytes(b, sizeof(b), dm->kb[DM_LIMIT] * 1024);
			fprintf(out, " of limit %s", b);
		}
		if (dm_has(dm, DM_SWAP_USAGE)) {
			format_bytes(a, sizeof(a), dm->kb[DM_SWAP_USAGE] * 1024);
			fprintf(out, ", swap %s", a);
			if (dm_has(dm, DM_SWAP_LIMIT)) {
				format_bytes(b, sizeof(b), dm->kb[DM_SWAP_LIMIT] * 1024);
				fprintf(out, " of %s", b);
			}
		}
		if (dm_has(dm, DM_MEMSW_USAGE) && dm_has(dm, DM_MEMSW_LIMIT)) {
			format_bytes(a, sizeof(a), dm->kb[DM_MEMSW_USAGE] * 1024);
			format_bytes(b, sizeof(b), dm->kb[DM_MEMSW_LIMIT] * 1024);
			fprintf(out, ", memory+swap %s of %s", a, b);
		}
		fputc('\n', out);
	} else {
		lead = "  memory     ";
	}
	if (print_memory_parts(out, dm, lead))
		lead = "             ";
	if (!domain_memory_verdict(dm, &v)) {
		if (ru && render_run_up_verdict(verdict, sizeof(verdict), ru))
			fprintf(out, "%s%s\n", lead, verdict);
		return;
	}
	format_bytes(a, sizeof(a), v.frees_kb * 1024);
	format_bytes(b, sizeof(b), v.usage_kb * 1024);
	fprintf(out, "             killing frees at most %s of %s: ", a, b);
	if (v.part >= 0) {
		format_bytes(a, sizeof(a), v.part_kb * 1024);
		fprintf(out, "%s %s%s is held by no candidate\n", dm_key_label(v.part), a,
			v.part == DM_UNK_SHMEM ? " (tmpfs?)" : "");
	} else {
		format_bytes(a, sizeof(a), dm->kb[DM_UNKILLABLE] * 1024);
		fprintf(out, "%s is held by no candidate\n", a);
	}
}

void render_domain_memory_text(FILE *out, const struct oom_domain_memory *dm)
{
	memory_section(out, dm, NULL);
}

static void print_trigger(FILE *out, const struct oom_event *ev)
{
	const struct oom_task *t = &ev->trigger;
	char e[256];

	if (!(ev->has & EV_HAS_TRIGGER))
		return;
	if (t->has & TASK_HAS_PID) {
		fprintf(out, "  trigger    pid %d", t->pid);
		if (t->has & TASK_HAS_TID && t->tid != t->pid)
			fprintf(out, " tid %d", t->tid);
	} else if (t->has & TASK_HAS_TID) {
		fprintf(out, "  trigger    tid %d", t->tid);
	} else {
		fprintf(out, "  trigger   ");
	}
	fprintf(out, " \"%s\"%s\n", esc(e, sizeof(e), t->comm),
		ev->has & EV_HAS_VICTIM && t->has & TASK_HAS_PID && t->pid == ev->victim.pid ?
		" (the victim itself)" : "");
	if (!(ev->has & EV_HAS_VICTIM && t->has & TASK_HAS_PID && t->pid == ev->victim.pid))
		print_cmd(out, &ev->trigger_cmd, ev->has & EV_HAS_TRIGGER_EXE,
			  ev->has & EV_HAS_TRIGGER_CMDLINE);
	if (t->has & TASK_HAS_CGROUP && !(ev->victim.has & TASK_HAS_CGROUP &&
					  !strcmp(t->cgroup, ev->victim.cgroup)))
		print_where(out, "             ", t->cgroup);
}

/*
 * A line built in memory: one fwrite, not a printf of ten conversions, a
 * row. The longest candidate row is some 390 bytes (a comm of 63 escaped
 * bytes is 252 of them).
 */
struct line {
	char buf[512];
	size_t len;
};

static void line_put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void line_pad(struct line *l, size_t n)
{
	while (n-- && l->len < sizeof(l->buf))
		l->buf[l->len++] = ' ';
}

/* printf's "%*s" (width > 0: right-aligned) and "%-*s" (width < 0) */
static void line_str(struct line *l, int width, const char *s)
{
	size_t n = strlen(s), w = (size_t)(width < 0 ? -width : width);

	if (width > 0 && n < w)
		line_pad(l, w - n);
	line_put(l, s, n);
	if (width < 0 && n < w)
		line_pad(l, w - n);
}

/* printf's "%*d": v right-aligned in width */
static void line_int(struct line *l, int width, int64_t v)
{
	char tmp[24], *p = dec_digits(tmp + sizeof(tmp) - 1, v < 0 ? -(uint64_t)v : (uint64_t)v);

	tmp[sizeof(tmp) - 1] = '\0';
	if (v < 0)
		*--p = '-';
	line_str(l, width, p);
}

static void print_candidates(FILE *out, const struct oom_event *ev)
{
	char e[256], rss[32], swap[32], pt[32];
	bool estimated = false;

	if (!(ev->has & EV_HAS_CANDIDATES))
		return;
	fprintf(out, "  candidates %zu evaluated%s\n", ev->candidates_total,
		ev->n_candidates < ev->candidates_total ? ", top shown" : "");
	fprintf(out, "    %4s %8s %-16s %12s %10s %10s %10s %6s\n", "rank", "pid", "comm",
		"points", "rss", "swap", "pgtables", "adj");
	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *t = &ev->candidates[i];
		/* "    %4zu %8d %-16s %12s %10s %10s %10s %6d%s%s\n" */
		struct line l = { .len = 0 };
		char points[24];

		if (t->has & TASK_HAS_POINTS) {
			char *p = points + sizeof(points) - 2;

			p[0] = t->has & TASK_POINTS_ESTIMATED ? '*' : '\0';
			p[1] = '\0';
			p = dec_digits(p, t->points < 0 ? -(uint64_t)t->points :
					  (uint64_t)t->points);
			if (t->points < 0)
				*--p = '-';
			memmove(points, p, strlen(p) + 1);
		} else {
			copy_cut(points, sizeof(points), t->skip ? "skip" : "?");
		}
		estimated |= t->has & TASK_POINTS_ESTIMATED;
		line_pad(&l, 4);
		line_int(&l, 4, (int64_t)(i + 1));
		line_pad(&l, 1);
		line_int(&l, 8, t->pid);
		line_pad(&l, 1);
		line_str(&l, -16, esc(e, sizeof(e), t->comm));
		line_pad(&l, 1);
		line_str(&l, 12, points);
		line_pad(&l, 1);
		line_str(&l, 10, bytes_or_unknown(rss, sizeof(rss), rss_known(t),
						  task_rss(t) * ev->page_size));
		line_pad(&l, 1);
		line_str(&l, 10, bytes_or_unknown(swap, sizeof(swap), has_mem(t, TASK_HAS_SWAP),
						  t->swap_pages * ev->page_size));
		line_pad(&l, 1);
		line_str(&l, 10, bytes_or_unknown(pt, sizeof(pt), has_mem(t, TASK_HAS_PGTABLES),
						  t->pgtables_bytes));
		line_pad(&l, 1);
		line_int(&l, 6, t->oom_score_adj);
		if (t->skip) {
			line_put(&l, "  ", 2);
			line_str(&l, 0, oom_skip__name(t->skip));
		}
		line_put(&l, "\n", 1);
		fwrite(l.buf, 1, l.len, out);
	}
	if (estimated && from_log(ev))
		fprintf(out, "    * points recomputed from the task table as that kernel did "
			     "(estimated)\n");
	else if (estimated)
		fprintf(out, "    * points recomputed from oom_badness()'s inputs when the victim was "
			     "marked (tracepoint mode)\n");
}

static void print_stack(FILE *out, const char *title, const struct oom_frame *f, size_t n)
{
	char e[512];

	if (!n)
		return;
	fprintf(out, "  %s\n", title);
	for (size_t i = 0; i < n; i++) {
		if (f[i].sym[0] && f[i].inlined)
			fprintf(out, "    %s (inlined)", esc(e, sizeof(e), f[i].sym));
		else if (f[i].sym[0])
			fprintf(out, "    %s+0x%" PRIx64, esc(e, sizeof(e), f[i].sym), f[i].offset);
		else
			fprintf(out, "    0x%" PRIx64, f[i].addr);
		if (f[i].module[0])
			fprintf(out, " [%s]", esc(e, sizeof(e), f[i].module));
		if (!f[i].sym[0] && f[i].build_id_size) {
			/* enough to symbolize offline, once the process is gone */
			fprintf(out, " build-id ");
			for (int b = 0; b < f[i].build_id_size; b++)
				fprintf(out, "%02x", f[i].build_id[b]);
			fprintf(out, " +0x%" PRIx64, f[i].file_offset);
		}
		if (f[i].file[0]) {
			fprintf(out, " %s", esc(e, sizeof(e), f[i].file));
			if (f[i].line)
				fprintf(out, ":%" PRIu32, f[i].line);
		}
		fputc('\n', out);
	}
}

void render_event_text(FILE *out, const struct oom_event *ev)
{
	char when[64] = "", e[256];

	if (ev->time_ns) {
		format_time_iso(when, sizeof(when), ev->time_ns);
		when[10] = ' ';
	} else if (ev->log_time[0]) {
		esc(when, sizeof(when), ev->log_time);	/* a log stamp without a year */
	}
	if (ev->has & EV_HAS_KTIME)
		snprintf(when + strlen(when), sizeof(when) - strlen(when), "%s[%" PRIu64 ".%06"
			 PRIu64 "]", when[0] ? " " : "", ev->ktime_us / 1000000,
			 ev->ktime_us % 1000000);
	fprintf(out, "%s OOM kill #%" PRIu64 " (%s, mode %s)\n", when, ev->seq,
		ev->constraint == OOM_CONSTRAINT_MEMCG ? "memory cgroup" :
		ev->constraint == OOM_CONSTRAINT_UNKNOWN ? "kind unknown" : "system",
		ev->mode ? ev->mode : "unknown");
	if (ev->has & EV_HAS_VICTIM)
		print_victim(out, ev);
	print_why(out, ev);
	print_trigger(out, ev);
	print_domain(out, ev);
	if (ev->has & (EV_HAS_DOMAIN_MEMORY | EV_HAS_RUN_UP))
		memory_section(out, &ev->domain_memory, &ev->run_up);
	if (ev->ooms_without_kill)
		fprintf(out, "  waited     %" PRIu64 " OOM invocations before this kill found nothing "
			"to kill (an earlier victim was still exiting)\n", ev->ooms_without_kill);
	if (ev->n_victims > 1) {
		fprintf(out, "  also killed");
		for (size_t i = 1; i < ev->n_victims; i++)
			fprintf(out, " %d \"%s\" (%s)", ev->victims[i].pid,
				esc(e, sizeof(e), ev->victims[i].comm),
				oom_victim_reason__name(ev->victims[i].reason));
		fputc('\n', out);
	}
	print_candidates(out, ev);
	print_stack(out, "kernel stack", ev->kernel_stack, ev->n_kernel_stack);
	print_stack(out, "user stack", ev->user_stack, ev->n_user_stack);
	if (ev->user_stack_stop[0])
		fprintf(out, "    (unwinding stopped: %s)\n", esc(e, sizeof(e), ev->user_stack_stop));
	if (ev->lost_events)
		fprintf(out, "  LOST %" PRIu64 " records: this event is incomplete\n",
			ev->lost_events);
	if (ev->victims_dropped || ev->frames_dropped)
		fprintf(out, "  NOT KEPT %" PRIu64 " victims, %" PRIu64 " stack frames "
			"(beyond the recorder's fixed storage)\n", ev->victims_dropped,
			ev->frames_dropped);
	if (ev->missing[0])
		fprintf(out, "  not in the source: %s\n", esc(e, sizeof(e), ev->missing));
	if (ev->has & EV_HAS_UNPARSED && ev->unparsed_lines)
		fprintf(out, "  %" PRIu64 " line%s inside this report not understood\n",
			ev->unparsed_lines, ev->unparsed_lines == 1 ? "" : "s");
	fputc('\n', out);
}

void render_aftermath_text(FILE *out, const struct oom_aftermath *am)
{
	char e[256], a[32], f[32], s[32];

	if (!am->stage) {
		fprintf(out, "  OOM kill #%" PRIu64 ": pid %d exited %.3f ms after the kill\n",
			am->oom_seq, am->pid, (double)am->kill_to_exit_ns / 1e6);
		return;
	}
	/* a live "skip" found the memory already being torn down; a log's
	 * "unable to reap" is the reaper giving up after its retries */
	fprintf(out, "  OOM kill #%" PRIu64 ": oom_reaper %s on pid %d", am->oom_seq,
		am->failed ? "could not reap" : am->stage, am->pid);
	if (am->comm)
		fprintf(out, " \"%s\"", esc(e, sizeof(e), am->comm));
	if (am->has_rss) {
		format_bytes(a, sizeof(a), am->anon_rss_kb * 1024);
		format_bytes(f, sizeof(f), am->file_rss_kb * 1024);
		format_bytes(s, sizeof(s), am->shmem_rss_kb * 1024);
		fprintf(out, ", left anon %s, file %s, shmem %s", a, f, s);
	}
	fputc('\n', out);
}
