// SPDX-License-Identifier: GPL-2.0
/* Recorded JSON Lines back to events (the inverse of render_json.c). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oomtrace.h"
#include "record_reader.h"

static const char *const type_names[] = {
	[REC_OOM_KILL] = "oom_kill",
	[REC_VICTIM_EXIT] = "victim_exit",
	[REC_OOM_REAPER] = "oom_reaper",
	[REC_RECORDER_START] = "recorder_start",
	[REC_RECORDER_STOP] = "recorder_stop",
	[REC_LOST] = "lost",
	[REC_RECONCILE] = "reconcile",
	[REC_OUTPUT_GAP] = "output_gap",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *rec_type__name(enum rec_type t)
{
	return t > REC_UNKNOWN && (size_t)t < N(type_names) ? type_names[t] : NULL;
}

int record_type(const struct jr_doc *d)
{
	char type[32];

	if (!jr_is(d, 0, JR_OBJECT) || jr_get_str(d, 0, "type", type, sizeof(type)))
		return -EINVAL;
	for (size_t t = REC_UNKNOWN + 1; t < N(type_names); t++)
		if (!strcmp(type, type_names[t]))
			return (int)t;
	return REC_UNKNOWN;
}

int parse_time_iso(const char *s, uint64_t *ret_ns)
{
	int year, mon, day, hour, min, sec, used = 0;
	uint64_t frac = 0, scale = 1000000000ull;
	struct tm tm = {};
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &hour, &min, &sec,
		   &used) != 6 || used != 19)
		return -EINVAL;
	s += used;
	if (*s == '.') {
		int digits = 0;

		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (digits == 9)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*s - '0');
			scale /= 10;
		}
		if (!digits)
			return -EINVAL;
	}
	if (s[0] != 'Z' || s[1])
		return -EINVAL;
	if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 ||
	    min > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t < 0)
		return -EINVAL;
	*ret_ns = (uint64_t)t * 1000000000ull + frac * scale;
	return 0;
}

/* A number member into an int32 field; absent leaves it and returns 1. */
static int get_i32(const struct jr_doc *d, int obj, const char *key, int32_t *ret)
{
	int64_t v;
	int err = jr_get_i64(d, obj, key, &v);

	if (err == -ENOENT)
		return 1;
	if (err)
		return -EINVAL;
	if (v < INT32_MIN || v > INT32_MAX)
		return -EINVAL;
	*ret = (int32_t)v;
	return 0;
}

static int get_u64(const struct jr_doc *d, int obj, const char *key, uint64_t *ret)
{
	int err = jr_get_u64(d, obj, key, ret);

	if (err == -ENOENT)
		return 1;
	return err ? -EINVAL : 0;
}

/* A string member; absent: 1, too long or mistyped: -EINVAL. */
static int get_str(const struct jr_doc *d, int obj, const char *key, char *buf, size_t size)
{
	int err = jr_get_str(d, obj, key, buf, size);

	if (err == -ENOENT)
		return 1;
	return err ? -EINVAL : 0;
}

/* An optional number member: 0 when absent. */
static int get_u64_or_0(const struct jr_doc *d, int obj, const char *key, uint64_t *ret)
{
	*ret = 0;
	return get_u64(d, obj, key, ret) < 0 ? -EINVAL : 0;
}

/* "0x1f" as json_writer's jw_kv_hex writes it. */
static int get_hex(const struct jr_doc *d, int obj, const char *key, uint64_t *ret)
{
	char buf[24], *end;
	int err = get_str(d, obj, key, buf, sizeof(buf));

	if (err)
		return err;
	if (buf[0] != '0' || buf[1] != 'x' || !buf[2] || buf[2] == '-' || buf[2] == '+' ||
	    strlen(buf) > 18)
		return -EINVAL;
	errno = 0;
	*ret = strtoull(buf + 2, &end, 16);
	return errno || *end ? -EINVAL : 0;
}

static int get_bool(const struct jr_doc *d, int obj, const char *key, bool *ret)
{
	int i = jr_member(d, obj, key);

	if (i == -ENOENT)
		return 1;
	return jr_bool(d, i, ret) ? -EINVAL : 0;
}

static int skip_of_name(const char *s, enum oom_skip *ret)
{
	for (enum oom_skip k = OOM_SKIP_ADJ_MIN; k <= OOM_SKIP_UNKNOWN; k++) {
		if (!strcmp(s, oom_skip__name(k))) {
			*ret = k;
			return 0;
		}
	}
	return -EINVAL;
}

static int reason_of_name(const char *s, enum oom_victim_reason *ret)
{
	for (enum oom_victim_reason r = OOM_VICTIM_CHOSEN; r <= OOM_VICTIM_SHARED_MM; r++) {
		if (!strcmp(s, oom_victim_reason__name(r))) {
			*ret = r;
			return 0;
		}
	}
	return -EINVAL;
}

/* pid, tid, comm, uid, oom_score_adj, points, skip, cgroup: both task styles. */
static int decode_identity(const struct jr_doc *d, int o, struct oom_task *t)
{
	uint64_t uid;
	bool est = false;
	char skip[32];
	int i, err;

	if (!jr_is(d, o, JR_OBJECT))
		return -EINVAL;
	if ((err = get_i32(d, o, "pid", &t->pid)) < 0)
		return err;
	if (!err)
		t->has |= TASK_HAS_PID;
	if ((err = get_i32(d, o, "tid", &t->tid)) < 0)
		return err;
	if (!err)
		t->has |= TASK_HAS_TID;
	if ((err = get_str(d, o, "comm", t->comm, sizeof(t->comm))) < 0)
		return err;
	if (!err)
		t->has |= TASK_HAS_COMM;
	if ((err = get_u64(d, o, "uid", &uid)) < 0 || (!err && uid > UINT32_MAX))
		return -EINVAL;
	if (!err) {
		t->uid = (uint32_t)uid;
		t->has |= TASK_HAS_UID;
	}
	if ((err = get_i32(d, o, "oom_score_adj", &t->oom_score_adj)) < 0)
		return err;
	if (!err)
		t->has |= TASK_HAS_ADJ;
	i = jr_member(d, o, "points");
	if (i >= 0 && !jr_is(d, i, JR_NULL)) {
		if (jr_i64(d, i, &t->points))
			return -EINVAL;
		t->has |= TASK_HAS_POINTS;
	}
	if ((err = get_str(d, o, "skip", skip, sizeof(skip))) < 0)
		return err;
	if (!err && skip_of_name(skip, &t->skip))
		return -EINVAL;
	if ((err = get_bool(d, o, "points_estimated", &est)) < 0)
		return err;
	if (est)
		t->has |= TASK_POINTS_ESTIMATED;
	if ((err = get_str(d, o, "cgroup", t->cgroup, sizeof(t->cgroup))) < 0)
		return err;
	if (!err)
		t->has |= TASK_HAS_CGROUP;
	return 0;
}

/* A victim-style task: memory in kB (render_json.c's write_victim). */
static int decode_victim(const struct jr_doc *d, int o, const struct oom_event *ev,
			 struct oom_task *t, bool with_reason)
{
	uint64_t kb_per_page = ev->page_size / 1024, v;
	char reason[32];
	int err;

	memset(t, 0, sizeof(*t));
	if ((err = decode_identity(d, o, t)))
		return err;
	if ((err = get_u64(d, o, "total_vm_kb", &v)) < 0)
		return err;
	if (!err) {
		t->total_vm_pages = v / kb_per_page;
		t->has |= TASK_HAS_TOTAL_VM;
	}
	if ((err = get_u64(d, o, "anon_rss_kb", &v)) < 0)
		return err;
	if (!err) {
		t->has |= TASK_HAS_MEM;
		t->rss_anon_pages = v / kb_per_page;
		if (get_u64_or_0(d, o, "file_rss_kb", &v))
			return -EINVAL;
		t->rss_file_pages = v / kb_per_page;
		if (get_u64_or_0(d, o, "shmem_rss_kb", &v))
			return -EINVAL;
		t->rss_shmem_pages = v / kb_per_page;
		if (get_u64_or_0(d, o, "pgtables_kb", &v) || v > UINT64_MAX / 1024)
			return -EINVAL;
		t->pgtables_bytes = v * 1024;
		if (get_u64_or_0(d, o, "swap_kb", &v))
			return -EINVAL;
		t->swap_pages = v / kb_per_page;
	}
	if (with_reason) {
		if ((err = get_str(d, o, "reason", reason, sizeof(reason))) < 0)
			return err;
		if (!err && reason_of_name(reason, &t->reason))
			return -EINVAL;
	}
	return 0;
}

/* A candidate-style task: memory in pages (write_candidate). */
static int decode_candidate(const struct jr_doc *d, int o, struct oom_task *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	if ((err = decode_identity(d, o, t)))
		return err;
	if ((err = get_u64(d, o, "rss_anon_pages", &t->rss_anon_pages)) < 0)
		return err;
	if (!err) {
		t->has |= TASK_HAS_MEM;
		if (get_u64_or_0(d, o, "rss_file_pages", &t->rss_file_pages) ||
		    get_u64_or_0(d, o, "rss_shmem_pages", &t->rss_shmem_pages) ||
		    get_u64_or_0(d, o, "swap_pages", &t->swap_pages) ||
		    get_u64_or_0(d, o, "pgtables_bytes", &t->pgtables_bytes))
			return -EINVAL;
	}
	if ((err = get_u64(d, o, "total_vm_pages", &t->total_vm_pages)) < 0)
		return err;
	if (!err)
		t->has |= TASK_HAS_TOTAL_VM;
	return 0;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return n > 0;
}

/*
 * "sym+0x1f [module]", "sym+0x1f" or "0xffffffff81000000". The writer
 * appends "+0x<hex>[ [module]]" to the symbol, so the split is at the last
 * "+0x" followed by exactly that.
 */
static int decode_kframe(const char *s, struct oom_frame *f)
{
	size_t len = strlen(s);
	const char *split = NULL;

	memset(f, 0, sizeof(*f));
	if (len > 2 && s[0] == '0' && s[1] == 'x' && len <= 18 && all_hex(s + 2, len - 2)) {
		f->addr = strtoull(s + 2, NULL, 16);
		return 0;
	}
	for (const char *p = strstr(s, "+0x"); p; p = strstr(p + 1, "+0x")) {
		const char *h = p + 3, *e = h;

		while ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f'))
			e++;
		if (e == h || e - h > 16)
			continue;
		if (!*e || (e[0] == ' ' && e[1] == '[' && e[2] && s[len - 1] == ']' &&
			    (size_t)(e - s) + 3 < len))
			split = p;
	}
	if (!split || split == s || (size_t)(split - s) >= sizeof(f->sym))
		return -EINVAL;
	memcpy(f->sym, s, (size_t)(split - s));
	f->offset = strtoull(split + 3, NULL, 16);
	{
		const char *e = split + 3;
		size_t mlen;

		while ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f'))
			e++;
		if (!*e)
			return 0;
		mlen = len - (size_t)(e + 2 - s) - 1;
		if (mlen >= sizeof(f->module))
			return -EINVAL;
		memcpy(f->module, e + 2, mlen);
	}
	return 0;
}

static int decode_uframe(const struct jr_doc *d, int o, struct oom_frame *f)
{
	char bid[2 * OOMT_BUILD_ID_SIZE + 1];
	int err;

	memset(f, 0, sizeof(*f));
	if (!jr_is(d, o, JR_OBJECT))
		return -EINVAL;
	if (get_hex(d, o, "ip", &f->addr) < 0 ||
	    get_str(d, o, "sym", f->sym, sizeof(f->sym)) < 0 ||
	    get_str(d, o, "object", f->module, sizeof(f->module)) < 0 ||
	    get_hex(d, o, "sym_offset", &f->offset) < 0 ||
	    get_hex(d, o, "file_offset", &f->file_offset) < 0)
		return -EINVAL;
	err = get_str(d, o, "build_id", bid, sizeof(bid));
	if (err < 0)
		return err;
	if (!err) {
		size_t n = strlen(bid);

		if (n % 2 || !all_hex(bid, n))
			return -EINVAL;
		for (size_t i = 0; i < n / 2; i++) {
			unsigned int b;

			sscanf(bid + 2 * i, "%2x", &b);
			f->build_id[i] = (unsigned char)b;
		}
		f->build_id_size = (uint8_t)(n / 2);
	}
	return 0;
}

enum array_kind { ARR_CANDIDATES, ARR_VICTIMS, ARR_KSTACK, ARR_USTACK };

/* One element of an array member into a new slot of ev. */
static int decode_element(const struct jr_doc *d, int e, struct oom_event *ev,
			  enum array_kind kind)
{
	char frame[sizeof(ev->kernel_stack->sym) + sizeof(ev->kernel_stack->module) + 32];
	void *slot;

	switch (kind) {
	case ARR_CANDIDATES: slot = oom_event__add_candidate(ev); break;
	case ARR_VICTIMS: slot = oom_event__add_victim(ev); break;
	case ARR_KSTACK: slot = oom_event__add_kframe(ev); break;
	default: slot = oom_event__add_uframe(ev); break;
	}
	if (!slot)
		return ev->fixed ? -ENOSPC : -ENOMEM;
	switch (kind) {
	case ARR_CANDIDATES: return decode_candidate(d, e, slot);
	case ARR_VICTIMS: return decode_victim(d, e, ev, slot, true);
	case ARR_KSTACK:
		if (jr_str(d, e, frame, sizeof(frame), NULL))
			return -EINVAL;
		return decode_kframe(frame, slot);
	default: return decode_uframe(d, e, slot);
	}
}

/* An array member: 0 decoded, 1 absent (and not required), -errno. */
static int decode_array(const struct jr_doc *d, const char *key, bool required,
			struct oom_event *ev, enum array_kind kind)
{
	int a = jr_member(d, 0, key), e, err;

	if (a == -ENOENT)
		return required ? -EINVAL : 1;
	if (!jr_is(d, a, JR_ARRAY))
		return -EINVAL;
	for (e = jr_first(d, a); e >= 0; e = jr_next(d, a, e))
		if ((err = decode_element(d, e, ev, kind)))
			return err;
	return 0;
}

/*
 * Victims are written in kB, candidates in pages and bytes: a victim takes
 * its exact page-table bytes from its candidate row when that row agrees.
 */
static void exact_pgtables(struct oom_event *ev, struct oom_task *v)
{
	for (size_t i = 0; i < ev->n_candidates; i++) {
		const struct oom_task *c = &ev->candidates[i];

		if (c->pid == v->pid && c->has & TASK_HAS_MEM && v->has & TASK_HAS_MEM &&
		    c->pgtables_bytes / 1024 * 1024 == v->pgtables_bytes) {
			v->pgtables_bytes = c->pgtables_bytes;
			return;
		}
	}
}

static const char *const known_constraints[] = { "none", "cpuset", "mempolicy", "memcg" };

static int decode_top(const struct jr_doc *d, struct oom_event *ev, struct record_strings *rs)
{
	char buf[OOM_PATH_MAX];
	uint64_t v;
	int i, err;
	bool b = false;

	if (get_u64(d, 0, "seq", &ev->seq) || get_str(d, 0, "mode", rs->mode, sizeof(rs->mode)) ||
	    get_str(d, 0, "source", rs->source, sizeof(rs->source)) ||
	    get_str(d, 0, "constraint", buf, sizeof(buf)))
		return -EINVAL;
	ev->mode = rs->mode;
	ev->source = rs->source;
	for (size_t c = 0; c < N(known_constraints); c++)
		if (!strcmp(buf, known_constraints[c]))
			ev->constraint = (enum oom_constraint)c;
	if ((err = get_str(d, 0, "time", buf, sizeof(buf))) < 0)
		return err;
	if (!err && parse_time_iso(buf, &ev->time_ns))
		return -EINVAL;
	if (get_bool(d, 0, "constraint_inferred", &b) < 0)
		return -EINVAL;
	if (b)
		ev->has |= EV_CONSTRAINT_INFERRED;
	i = jr_member(d, 0, "memcg");
	if (i < 0)
		return -EINVAL;
	if (!jr_is(d, i, JR_NULL)) {
		if (jr_str(d, i, ev->memcg, sizeof(ev->memcg), NULL))
			return -EINVAL;
		ev->has |= EV_HAS_MEMCG;
	}
	if ((err = get_hex(d, 0, "gfp_mask", &v)) < 0 || (!err && v > UINT32_MAX))
		return -EINVAL;
	if (!err) {
		ev->gfp_mask = (uint32_t)v;
		ev->has |= EV_HAS_GFP;
		if (get_str(d, 0, "gfp_flags", ev->gfp_flags, sizeof(ev->gfp_flags)) < 0)
			return -EINVAL;
	}
	if ((err = get_i32(d, 0, "order", &ev->order)) < 0)
		return err;
	if (!err)
		ev->has |= EV_HAS_ORDER;
	if ((err = get_u64(d, 0, "totalpages", &ev->totalpages)) < 0)
		return err;
	if (!err)
		ev->has |= EV_HAS_TOTALPAGES;
	/* kB fields are converted with it: a power of two, 1 KiB .. 1 GiB */
	if (get_u64(d, 0, "page_size", &v) || v < 1024 || v > (1u << 30) || (v & (v - 1)))
		return -EINVAL;
	ev->page_size = (uint32_t)v;
	if ((err = get_i32(d, 0, "chosen_pid", &ev->chosen_pid)) < 0)
		return err;
	if (!err) {
		ev->has |= EV_HAS_CHOSEN;
		if (jr_get_i64(d, 0, "chosen_points", &ev->chosen_points))
			return -EINVAL;
	}
	if (get_u64(d, 0, "lost_events", &ev->lost_events) ||
	    get_u64_or_0(d, 0, "victims_dropped", &ev->victims_dropped) ||
	    get_u64_or_0(d, 0, "frames_dropped", &ev->frames_dropped) ||
	    get_str(d, 0, "missing", ev->missing, sizeof(ev->missing)) < 0)
		return -EINVAL;
	return 0;
}

int record_decode_event(const struct jr_doc *d, struct oom_event *ev, struct record_strings *rs)
{
	uint64_t total = 0;
	int i, err;

	oom_event__clear(ev);
	if (record_type(d) != REC_OOM_KILL)
		return -EINVAL;
	if ((err = decode_top(d, ev, rs)))
		return err;
	i = jr_member(d, 0, "trigger");
	if (i >= 0) {
		if ((err = decode_identity(d, i, &ev->trigger)))
			return err;
		ev->has |= EV_HAS_TRIGGER;
	}
	err = decode_array(d, "candidates", false, ev, ARR_CANDIDATES);
	if (err < 0)
		return err;
	if (!err) {
		ev->has |= EV_HAS_CANDIDATES;
		if (get_u64_or_0(d, 0, "candidates_total", &total))
			return -EINVAL;
		ev->candidates_total = total;
	}
	i = jr_member(d, 0, "victim");
	if (i >= 0) {
		if ((err = decode_victim(d, i, ev, &ev->victim, false)))
			return err;
		ev->has |= EV_HAS_VICTIM;
		exact_pgtables(ev, &ev->victim);
	}
	if ((err = decode_array(d, "victims", true, ev, ARR_VICTIMS)) ||
	    (err = decode_array(d, "kernel_stack", true, ev, ARR_KSTACK)) ||
	    (err = decode_array(d, "user_stack", true, ev, ARR_USTACK)))
		return err;
	for (size_t v = 0; v < ev->n_victims; v++)
		exact_pgtables(ev, &ev->victims[v]);
	return 0;
}

int record_decode_aftermath(const struct jr_doc *d, struct oom_aftermath *am)
{
	static const char *const stages[] = { "wake", "start", "finish", "skip", "unknown" };
	char buf[64];
	uint64_t us;
	int type = record_type(d);

	memset(am, 0, sizeof(*am));
	if (type == REC_VICTIM_EXIT)
		am->kind = "victim_exit";
	else if (type == REC_OOM_REAPER)
		am->kind = "oom_reaper";
	else
		return -EINVAL;
	if (get_u64(d, 0, "oom_seq", &am->oom_seq) || get_i32(d, 0, "pid", &am->pid) ||
	    get_str(d, 0, "time", buf, sizeof(buf)) || parse_time_iso(buf, &am->time_ns))
		return -EINVAL;
	if (type == REC_VICTIM_EXIT) {
		if (get_u64(d, 0, "kill_to_exit_us", &us) || us > UINT64_MAX / 1000)
			return -EINVAL;
		am->kill_to_exit_ns = us * 1000;
		return 0;
	}
	if (get_str(d, 0, "stage", buf, sizeof(buf)))
		return -EINVAL;
	for (size_t s = 0; s < N(stages); s++)
		if (!strcmp(buf, stages[s]))
			am->stage = stages[s];
	return am->stage ? 0 : -EINVAL;
}
