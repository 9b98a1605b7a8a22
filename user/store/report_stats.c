// SPDX-License-Identifier: GPL-2.0
/* Summaries over recorded events. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "record_reader.h"
#include "render.h"
#include "report_stats.h"
#include "text_escape.h"

/* ---- tally: counts by string key ---------------------------------------------- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct tally_entry *slot(struct tally *t, const char *key)
{
	size_t i = hash(key) & (t->cap - 1);

	while (t->e[i].key && strcmp(t->e[i].key, key))
		i = (i + 1) & (t->cap - 1);
	return &t->e[i];
}

static int tally_grow(struct tally *t)
{
	struct tally bigger = { .cap = t->cap ? t->cap * 2 : 64 };

	bigger.e = calloc(bigger.cap, sizeof(*bigger.e));
	if (!bigger.e)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].key)
			*slot(&bigger, t->e[i].key) = t->e[i];
	free(t->e);
	t->e = bigger.e;
	t->cap = bigger.cap;
	return 0;
}

/* Count key once more at time ns with value v; 0 or -ENOMEM. */
static int tally_add(struct tally *t, const char *key, uint64_t ns, uint64_t v)
{
	struct tally_entry *e;

	if ((t->n + 1) * 2 > t->cap && tally_grow(t))
		return -ENOMEM;
	e = slot(t, key);
	if (!e->key) {
		e->key = strdup(key);
		if (!e->key)
			return -ENOMEM;
		e->first_ns = ns;
		t->n++;
	}
	e->count++;
	if (ns && (!e->first_ns || ns < e->first_ns))
		e->first_ns = ns;
	if (ns > e->last_ns)
		e->last_ns = ns;
	if (v > e->max)
		e->max = v;
	return 0;
}

static void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->e[i].key);
	free(t->e);
	memset(t, 0, sizeof(*t));
}

static int by_count(const void *pa, const void *pb)
{
	const struct tally_entry *a = *(const struct tally_entry *const *)pa;
	const struct tally_entry *b = *(const struct tally_entry *const *)pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* The entries with at least min counts, most first (ties by key); free() the result. */
static const struct tally_entry **tally_sorted(const struct tally *t, uint64_t min, size_t *ret_n)
{
	const struct tally_entry **v = calloc(t->n ? t->n : 1, sizeof(*v));
	size_t n = 0;

	*ret_n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->cap; i++)
		if (t->e[i].key && t->e[i].count >= min)
			v[n++] = &t->e[i];
	qsort(v, n, sizeof(*v), by_count);
	*ret_n = n;
	return v;
}

/* ---- collecting --------------------------------------------------------------------- */

int report_stats__init(struct report_stats *st)
{
	memset(st, 0, sizeof(*st));
	return 0;
}

void report_stats__free(struct report_stats *st)
{
	tally_free(&st->by_domain);
	tally_free(&st->by_comm);
	tally_free(&st->repeated);
	tally_free(&st->protected_comms);
	free(st->kill_times);
	report_domain__free(&st->domain_mem);
	memset(st, 0, sizeof(*st));
}

/* Every bit in `bits` known (TASK_HAS_MEM stands for all memory facts). */
static bool has_mem(const struct oom_task *t, uint32_t bits)
{
	return t->has & TASK_HAS_MEM || (t->has & bits) == bits;
}

/*
 * A task's rss in pages, as far as its source tells: the anon/file/shmem
 * split, else the total a task table gave, else anon + file (a kill line
 * before 4.5, whose file-rss still held shmem). False if unknown.
 */
static bool task_rss(const struct oom_task *t, uint64_t *ret_pages)
{
	if (has_mem(t, TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM))
		*ret_pages = t->rss_anon_pages + t->rss_file_pages + t->rss_shmem_pages;
	else if (t->has & TASK_HAS_RSS)
		*ret_pages = t->rss_pages;
	else if (has_mem(t, TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE))
		*ret_pages = t->rss_anon_pages + t->rss_file_pages;
	else
		return false;
	return true;
}

/* rss in kB, 0 if unknown. */
static uint64_t task_rss_kb(const struct oom_task *t, uint32_t page_size)
{
	uint64_t pages = 0;

	task_rss(t, &pages);
	return pages * (page_size / 1024);
}

/*
 * What the kernel ranks on besides the adj: rss + swap + page tables, in
 * pages, the parts a source did not give counted as 0.
 */
static uint64_t task_memory(const struct oom_task *t, uint32_t page_size)
{
	uint64_t rss = 0;

	task_rss(t, &rss);
	return rss + (has_mem(t, TASK_HAS_SWAP) ? t->swap_pages : 0) +
	       (has_mem(t, TASK_HAS_PGTABLES) ?
		t->pgtables_bytes / (page_size ? page_size : 4096) : 0);
}

static void keep_largest(struct report_stats *st, const struct oom_event *ev,
			 const struct oom_task *v, const char *domain)
{
	uint64_t rss = task_rss_kb(v, ev->page_size), pages;
	size_t at = st->n_largest;
	struct report_victim *r;

	if (!task_rss(v, &pages))
		return;
	while (at > 0 && st->largest[at - 1].rss_kb < rss)
		at--;
	if (at >= REPORT_TOP)
		return;
	if (st->n_largest < REPORT_TOP)
		st->n_largest++;
	memmove(&st->largest[at + 1], &st->largest[at],
		(st->n_largest - 1 - at) * sizeof(st->largest[0]));
	r = &st->largest[at];
	memset(r, 0, sizeof(*r));
	r->seq = ev->seq;
	r->time_ns = ev->time_ns;
	r->rss_kb = rss;
	r->pid = v->pid;
	snprintf(r->comm, sizeof(r->comm), "%s", v->comm);
	snprintf(r->domain, sizeof(r->domain), "%s", domain);
}

/*
 * Was a task protected by oom_score_adj -1000 among the first
 * REPORT_NEAR_TOP candidates by memory, that is, would it have been near the
 * top without its protection?
 */
static int check_protected(struct report_stats *st, const struct oom_event *ev)
{
	bool near = false;

	if (!(ev->has & EV_HAS_CANDIDATES) || !ev->n_candidates)
		return 0;
	st->events_with_candidates++;
	if (ev->n_candidates < ev->candidates_total)
		st->truncated_candidates++;
	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *p = &ev->candidates[i];
		uint64_t mem = task_memory(p, ev->page_size);
		size_t above = 0;

		uint64_t rss;

		if (!(p->has & TASK_HAS_ADJ) || p->oom_score_adj != -1000 || !task_rss(p, &rss))
			continue;
		for (size_t j = 0; j < ev->n_candidates; j++)
			if (j != i && task_memory(&ev->candidates[j], ev->page_size) > mem)
				above++;
		if (above >= REPORT_NEAR_TOP)
			continue;
		near = true;
		if (tally_add(&st->protected_comms, p->has & TASK_HAS_COMM ? p->comm : "?",
			      ev->time_ns, task_rss_kb(p, ev->page_size)))
			return -ENOMEM;
	}
	st->protected_near_top += near;
	return 0;
}

static int add_kill_time(struct report_stats *st, uint64_t ns)
{
	if (st->n_kill_times == st->cap_kill_times) {
		size_t cap = st->cap_kill_times ? st->cap_kill_times * 2 : 256;
		uint64_t *p = realloc(st->kill_times, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		st->kill_times = p;
		st->cap_kill_times = cap;
	}
	st->kill_times[st->n_kill_times++] = ns;
	return 0;
}

static int add_victim(struct report_stats *st, const struct oom_event *ev,
		      const struct oom_task *v, const char *domain)
{
	char key[OOM_COMM_MAX + OOM_PATH_MAX + 16];
	const char *comm = v->has & TASK_HAS_COMM ? v->comm : "?";
	uint64_t rss = task_rss_kb(v, ev->page_size);

	st->kills++;
	st->kills_time_unknown += !ev->time_ns;
	/* a restarted service has a new pid: its command and cgroup say it is the
	 * same; the key is the command's length in hex, the command, the cgroup
	 * (any byte may be in a name, so no separator would be safe) */
	snprintf(key, sizeof(key), "%02zx%s%s", strlen(comm), comm,
		 v->has & TASK_HAS_CGROUP ? v->cgroup : "");
	if (tally_add(&st->by_domain, domain, ev->time_ns, rss) ||
	    tally_add(&st->by_comm, comm, ev->time_ns, rss) ||
	    tally_add(&st->repeated, key, ev->time_ns, rss) ||
	    (ev->time_ns && add_kill_time(st, ev->time_ns)))
		return -ENOMEM;
	keep_largest(st, ev, v, domain);
	return 0;
}

int report_stats__add_event(struct report_stats *st, const struct oom_event *ev)
{
	const char *domain = ev->has & EV_HAS_MEMCG ? ev->memcg :
			     ev->constraint == OOM_CONSTRAINT_NONE ? "global" : "unknown";
	int err = 0;

	st->events++;
	st->events_time_unknown += !ev->time_ns;
	if (ev->time_ns && (!st->first_ns || ev->time_ns < st->first_ns))
		st->first_ns = ev->time_ns;
	if (ev->time_ns > st->last_ns)
		st->last_ns = ev->time_ns;
	for (size_t i = 0; i < ev->n_victims && !err; i++)
		err = add_victim(st, ev, &ev->victims[i], domain);
	if (!ev->n_victims && ev->has & EV_HAS_VICTIM && !err)
		err = add_victim(st, ev, &ev->victim, domain);
	if (!err)
		err = report_domain__add(&st->domain_mem, ev, domain);
	/* beyond the recorder's storage: counted, names unknown */
	st->kills += ev->victims_dropped;
	if (!ev->time_ns)
		st->kills_time_unknown += ev->victims_dropped;
	return err ? err : check_protected(st, ev);
}

static void end_run(struct report_stats *st)
{
	if (!st->in_run)
		return;
	st->gap_recording += st->run_gap;
	if (!st->run_stopped)
		st->unclean_runs++;
	st->in_run = false;
}

void report_stats__add_own(struct report_stats *st, int type, const struct jr_doc *d)
{
	uint64_t v;
	int64_t gap;
	char scope[16];

	switch (type) {
	case REC_RECORDER_START:
		end_run(st);
		st->runs++;
		st->in_run = true;
		st->run_stopped = false;
		st->run_gap = 0;
		return;
	case REC_RECORDER_STOP:
		if (!jr_get_i64(d, 0, "gap", &gap))
			st->run_gap = gap;
		if (!jr_get_u64(d, 0, "records_to_stdout", &v))
			st->records_to_stdout += v;
		st->run_stopped = true;
		end_run(st);
		return;
	case REC_LOST:
		if (!jr_get_u64(d, 0, "records", &v))
			st->lost_records += v;
		return;
	case REC_OUTPUT_GAP:
		st->output_gaps++;
		return;
	case REC_PARSE_STATS:
		if (!jr_get_u64(d, 0, "suppressed_reports", &v))
			st->kernel_suppressed += v;
		return;
	case REC_RECONCILE:
		st->reconcile_records++;
		if (jr_get_i64(d, 0, "gap", &gap) || jr_get_str(d, 0, "scope", scope, sizeof(scope)))
			return;
		if (!strcmp(scope, "downtime"))
			st->gap_downtime += gap;
		else if (!strcmp(scope, "run"))
			st->run_gap = gap;
		return;
	}
}

void report_stats__finish(struct report_stats *st)
{
	end_run(st);
}

uint64_t report_bucket_s(uint64_t first_ns, uint64_t last_ns)
{
	static const uint64_t sizes[] = {
		60, 300, 900, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400,
	};
	uint64_t span = (last_ns - first_ns) / 1000000000ull;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (span / sizes[i] < 48)
			return sizes[i];
	return span / 47 + 1;
}

/* A repeated-victims key back to its command (into comm) and cgroup. */
static const char *split_key(const char *key, char *comm, size_t size)
{
	size_t len = (size_t)strtoul((char[3]){ key[0], key[1], 0 }, NULL, 16);

	snprintf(comm, size, "%.*s", (int)len, key + 2);
	return key + 2 + len;
}

/* ---- text ------------------------------------------------------------------------------ */

static const char *esc(char *buf, size_t size, const char *s)
{
	return text_escape_buf(buf, size, s);
}

static void when(char *buf, size_t size, uint64_t ns)
{
	if (!ns) {
		snprintf(buf, size, "-");
		return;
	}
	format_time_iso(buf, size, ns);
	buf[10] = ' ';
	buf[19] = 'Z';	/* seconds are enough in a summary */
	buf[20] = '\0';
}

static void print_tally(FILE *out, const char *title, const char *column, const struct tally *t)
{
	const struct tally_entry **v;
	char e[1024];
	size_t n;

	fprintf(out, "\n%s\n    kills  %s\n", title, column);
	v = tally_sorted(t, 1, &n);
	for (size_t i = 0; v && i < n && i < REPORT_TOP; i++)
		fprintf(out, "  %7" PRIu64 "  %s\n", v[i]->count, esc(e, sizeof(e), v[i]->key));
	if (n > REPORT_TOP) {
		uint64_t rest = 0;

		for (size_t i = REPORT_TOP; i < n; i++)
			rest += v[i]->count;
		fprintf(out, "  %7" PRIu64 "  (%zu others)\n", rest, n - REPORT_TOP);
	}
	free(v);
}

static void print_timeline(FILE *out, const struct report_stats *st)
{
	uint64_t bucket = report_bucket_s(st->first_ns, st->last_ns), start, nb, max = 0;
	uint64_t *counts;
	char t[64];

	if (!st->n_kill_times) {
		if (st->kills_time_unknown)
			fprintf(out, "\ntimeline\n  %-17s  %" PRIu64 " kills (no wall-clock "
				"time in their source)\n", "time unknown", st->kills_time_unknown);
		return;
	}
	start = st->first_ns / 1000000000ull / bucket * bucket;
	nb = (st->last_ns / 1000000000ull - start) / bucket + 1;
	counts = calloc(nb, sizeof(*counts));
	if (!counts)
		return;
	for (size_t i = 0; i < st->n_kill_times; i++) {
		uint64_t s = st->kill_times[i] / 1000000000ull;

		if (s >= start && (s - start) / bucket < nb)
			counts[(s - start) / bucket]++;
	}
	for (uint64_t i = 0; i < nb; i++)
		if (counts[i] > max)
			max = counts[i];
	if (bucket % 86400 == 0)
		fprintf(out, "\ntimeline (kills per %" PRIu64 " day%s)\n", bucket / 86400,
			bucket == 86400 ? "" : "s");
	else if (bucket % 3600 == 0)
		fprintf(out, "\ntimeline (kills per %" PRIu64 " hour%s)\n", bucket / 3600,
			bucket == 3600 ? "" : "s");
	else
		fprintf(out, "\ntimeline (kills per %" PRIu64 " min)\n", bucket / 60);
	for (uint64_t i = 0; i < nb; i++) {
		int bar = max ? (int)((counts[i] * 40 + max - 1) / max) : 0;

		format_time_iso(t, sizeof(t), (start + i * bucket) * 1000000000ull);
		t[10] = ' ';
		t[16] = 'Z';
		t[17] = '\0';
		fprintf(out, "  %s  %-40.*s %" PRIu64 "\n", t, bar,
			"########################################", counts[i]);
	}
	if (st->kills_time_unknown)
		fprintf(out, "  %-17s  %-40s %" PRIu64 "\n", "time unknown", "",
			st->kills_time_unknown);
	free(counts);
}

static void print_repeated(FILE *out, const struct report_stats *st)
{
	const struct tally_entry **v;
	char e[1024], e2[256], a[32], b[32];
	size_t n;

	v = tally_sorted(&st->repeated, 2, &n);
	fprintf(out, "\nrepeated victims (same command and cgroup killed more than once)\n");
	if (!n)
		fprintf(out, "  none\n");
	else
		fprintf(out, "    kills  first                 last                  command  cgroup\n");
	for (size_t i = 0; v && i < n && i < REPORT_TOP; i++) {
		char comm[OOM_COMM_MAX];
		const char *cgroup = split_key(v[i]->key, comm, sizeof(comm));

		when(a, sizeof(a), v[i]->first_ns);
		when(b, sizeof(b), v[i]->last_ns);
		fprintf(out, "  %7" PRIu64 "  %-20s  %-20s  %s  %s\n", v[i]->count, a, b,
			esc(e2, sizeof(e2), comm), esc(e, sizeof(e), cgroup));
	}
	free(v);
}

static void print_largest(FILE *out, const struct report_stats *st)
{
	char e[1024], e2[256], t[32], rss[32];

	fprintf(out, "\nlargest victims (rss when killed)\n");
	if (!st->n_largest) {
		fprintf(out, "  none with memory figures\n");
		return;
	}
	fprintf(out, "  %10s  %-20s  %6s  %8s  %-16s  %s\n", "rss", "time", "seq", "pid", "command",
		"OOM domain");
	for (size_t i = 0; i < st->n_largest; i++) {
		const struct report_victim *v = &st->largest[i];

		format_bytes(rss, sizeof(rss), v->rss_kb * 1024);
		when(t, sizeof(t), v->time_ns);
		fprintf(out, "  %10s  %-20s  %6" PRIu64 "  %8d  %-16s  %s\n", rss, t, v->seq, v->pid,
			esc(e2, sizeof(e2), v->comm), esc(e, sizeof(e), v->domain));
	}
}

static void print_protected(FILE *out, const struct report_stats *st)
{
	const struct tally_entry **v;
	char e[256], rss[32];
	size_t n;

	fprintf(out, "\nprotected tasks (oom_score_adj -1000) near the top\n");
	fprintf(out, "  %" PRIu64 " of %" PRIu64 " OOMs had a protected task among the first %d "
		"candidates by memory\n", st->protected_near_top, st->events_with_candidates,
		REPORT_NEAR_TOP);
	v = tally_sorted(&st->protected_comms, 1, &n);
	for (size_t i = 0; v && i < n && i < REPORT_TOP; i++) {
		format_bytes(rss, sizeof(rss), v[i]->max * 1024);
		fprintf(out, "  %7" PRIu64 "  OOMs  %-16s  up to %s rss\n", v[i]->count,
			esc(e, sizeof(e), v[i]->key), rss);
	}
	free(v);
	if (st->truncated_candidates)
		fprintf(out, "  (%" PRIu64 " OOMs kept only their top candidates: protected tasks "
			"rank last and may be cut; record with -k 0 to see them all)\n",
			st->truncated_candidates);
}

void report_print_text(FILE *out, const struct report_stats *st)
{
	char a[32], b[32];

	when(a, sizeof(a), st->first_ns);
	when(b, sizeof(b), st->last_ns);
	fprintf(out, "oomtrace report: %" PRIu64 " OOM kills in %" PRIu64 " events", st->kills,
		st->events);
	if (st->events && st->first_ns)
		fprintf(out, ", %s .. %s", a, b);
	if (st->events_time_unknown)
		fprintf(out, "%s%" PRIu64 " event%s at an unknown time", st->first_ns ? "; " : ", ",
			st->events_time_unknown, st->events_time_unknown == 1 ? "" : "s");
	fprintf(out, "\n  read %" PRIu64 " files, %" PRIu64 " records", st->files, st->records);
	if (st->bad_lines || st->torn_lines || st->too_long)
		fprintf(out, "; skipped %" PRIu64 " bad lines, %" PRIu64 " torn (cut short), %" PRIu64
			" too long", st->bad_lines, st->torn_lines, st->too_long);
	if (st->outside_range)
		fprintf(out, "; %" PRIu64 " outside --since/--until", st->outside_range);
	if (st->outside_range_time_unknown)
		fprintf(out, " (%" PRIu64 " of them at an unknown time)",
			st->outside_range_time_unknown);
	fputc('\n', out);
	if (st->runs)
		fprintf(out, "  recorder: %" PRIu64 " runs (%" PRIu64 " without a clean stop), %" PRIu64
			" ring-buffer records lost, %" PRIu64 " records sent to stdout instead\n",
			st->runs, st->unclean_runs, st->lost_records, st->records_to_stdout);
	if (st->reconcile_records)
		fprintf(out, "  completeness: %" PRId64 " kills the kernel counted were not captured "
			"while recording, %" PRId64 " while no recorder ran\n", st->gap_recording,
			st->gap_downtime);
	if (st->kernel_suppressed)
		fprintf(out, "  kernel log: %" PRIu64 " OOM reports suppressed by the kernel's rate "
			"limit (only their kill lines were logged)\n", st->kernel_suppressed);
	print_tally(out, "kills per OOM domain", "domain (memory cgroup, or global)", &st->by_domain);
	print_tally(out, "kills per victim command", "command", &st->by_comm);
	print_timeline(out, st);
	print_repeated(out, st);
	print_largest(out, st);
	print_protected(out, st);
	report_domain__print_text(out, &st->domain_mem);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void json_time(struct json_writer *w, const char *key, uint64_t ns)
{
	char t[64];

	jw_key(w, key);
	if (!ns) {
		jw_null(w);
		return;
	}
	format_time_iso(t, sizeof(t), ns);
	jw_string(w, t);
}

/* name: the key's member name; NULL for repeated-victims keys (command + cgroup). */
static void json_tally(struct json_writer *w, const char *key, const char *name,
		       const struct tally *t, uint64_t min)
{
	const struct tally_entry **v;
	size_t n;

	v = tally_sorted(t, min, &n);
	jw_key(w, key);
	jw_array_start(w);
	for (size_t i = 0; v && i < n; i++) {
		jw_object_start(w);
		if (!name) {
			char comm[OOM_COMM_MAX];
			const char *cgroup = split_key(v[i]->key, comm, sizeof(comm));

			jw_kv_string(w, "comm", comm);
			jw_kv_string(w, "cgroup", cgroup);
		} else {
			jw_kv_string(w, name, v[i]->key);
		}
		jw_kv_uint(w, "kills", v[i]->count);
		json_time(w, "first", v[i]->first_ns);
		json_time(w, "last", v[i]->last_ns);
		jw_kv_uint(w, "max_rss_kb", v[i]->max);
		jw_object_end(w);
	}
	jw_array_end(w);
	free(v);
}

void report_print_json(FILE *out, const struct report_stats *st)
{
	uint64_t bucket = report_bucket_s(st->first_ns, st->last_ns);
	struct json_writer w;

	jw_init(&w, out);
	jw_object_start(&w);
	jw_kv_uint(&w, "files", st->files);
	jw_kv_uint(&w, "records", st->records);
	jw_kv_uint(&w, "bad_lines", st->bad_lines);
	jw_kv_uint(&w, "torn_lines", st->torn_lines);
	jw_kv_uint(&w, "too_long_lines", st->too_long);
	jw_kv_uint(&w, "unknown_types", st->unknown_types);
	jw_kv_uint(&w, "outside_range", st->outside_range);
	jw_kv_uint(&w, "outside_range_time_unknown", st->outside_range_time_unknown);
	jw_kv_uint(&w, "events", st->events);
	jw_kv_uint(&w, "kills", st->kills);
	jw_kv_uint(&w, "events_time_unknown", st->events_time_unknown);
	jw_kv_uint(&w, "kills_time_unknown", st->kills_time_unknown);
	json_time(&w, "first", st->first_ns);
	json_time(&w, "last", st->last_ns);
	jw_kv_uint(&w, "runs", st->runs);
	jw_kv_uint(&w, "unclean_runs", st->unclean_runs);
	jw_kv_uint(&w, "lost_records", st->lost_records);
	jw_kv_uint(&w, "records_to_stdout", st->records_to_stdout);
	jw_kv_int(&w, "gap_while_recording", st->gap_recording);
	jw_kv_int(&w, "gap_while_not_recording", st->gap_downtime);
	jw_kv_uint(&w, "kernel_suppressed_reports", st->kernel_suppressed);
	json_tally(&w, "by_domain", "domain", &st->by_domain, 1);
	json_tally(&w, "by_comm", "comm", &st->by_comm, 1);
	jw_key(&w, "timeline");
	jw_object_start(&w);
	jw_kv_uint(&w, "bucket_s", bucket);
	jw_key(&w, "buckets");
	jw_array_start(&w);
	if (st->n_kill_times) {
		uint64_t start = st->first_ns / 1000000000ull / bucket * bucket;
		uint64_t nb = (st->last_ns / 1000000000ull - start) / bucket + 1;

		for (uint64_t b = 0; b < nb; b++) {
			uint64_t k = 0;

			for (size_t i = 0; i < st->n_kill_times; i++)
				if (st->kill_times[i] / 1000000000ull >= start + b * bucket &&
				    st->kill_times[i] / 1000000000ull < start + (b + 1) * bucket)
					k++;
			jw_object_start(&w);
			json_time(&w, "start", (start + b * bucket) * 1000000000ull);
			jw_kv_uint(&w, "kills", k);
			jw_object_end(&w);
		}
	}
	jw_array_end(&w);
	jw_kv_uint(&w, "time_unknown", st->kills_time_unknown);
	jw_object_end(&w);
	json_tally(&w, "repeated_victims", NULL, &st->repeated, 2);
	jw_key(&w, "largest_victims");
	jw_array_start(&w);
	for (size_t i = 0; i < st->n_largest; i++) {
		jw_object_start(&w);
		jw_kv_uint(&w, "seq", st->largest[i].seq);
		json_time(&w, "time", st->largest[i].time_ns);
		jw_kv_int(&w, "pid", st->largest[i].pid);
		jw_kv_string(&w, "comm", st->largest[i].comm);
		jw_kv_uint(&w, "rss_kb", st->largest[i].rss_kb);
		jw_kv_string(&w, "domain", st->largest[i].domain);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "protected_near_top");
	jw_object_start(&w);
	jw_kv_uint(&w, "within_first", REPORT_NEAR_TOP);
	jw_kv_uint(&w, "events", st->protected_near_top);
	jw_kv_uint(&w, "of_events", st->events_with_candidates);
	jw_kv_uint(&w, "events_with_cut_candidates", st->truncated_candidates);
	json_tally(&w, "tasks", "comm", &st->protected_comms, 1);
	jw_object_end(&w);
	report_domain__print_json(&w, &st->domain_mem);
	jw_object_end(&w);
	fputc('\n', out);
}
