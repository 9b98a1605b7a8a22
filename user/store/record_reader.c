// SPDX-License-Identifier: GPL-2.0
/* Recorded JSON Lines back to events (the inverse of render_json.c). */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup_names.h"
#include "oomtrace.h"
#include "record_reader.h"
#include "scan.h"
#include "time_iso.h"

static const char *const type_names[] = {
	[REC_OOM_KILL] = "oom_kill",
	[REC_VICTIM_EXIT] = "victim_exit",
	[REC_OOM_REAPER] = "oom_reaper",
	[REC_RECORDER_START] = "recorder_start",
	[REC_RECORDER_STOP] = "recorder_stop",
	[REC_LOST] = "lost",
	[REC_RECONCILE] = "reconcile",
	[REC_OUTPUT_GAP] = "output_gap",
	[REC_PARSE_STATS] = "parse_stats",
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

#define N_KEYS(a) a, N(a)

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

static int get_i64(const struct jr_doc *d, int obj, const char *key, int64_t *ret)
{
	int err = jr_get_i64(d, obj, key, ret);

	if (err == -ENOENT)
		return 1;
	return err ? -EINVAL : 0;
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

/* A string the writer leaves out when empty: "" is refused. */
static int get_nonempty_str(const struct jr_doc *d, int obj, const char *key, char *buf,
			    size_t size)
{
	int err = get_str(d, obj, key, buf, size);

	return !err && !buf[0] ? -EINVAL : err;
}

/* A counter the writer leaves out when 0: 0 is refused, absent reads as 0. */
static int get_nonzero_u64(const struct jr_doc *d, int obj, const char *key, uint64_t *ret)
{
	int err;

	*ret = 0;
	err = get_u64(d, obj, key, ret);
	if (err < 0 || (!err && !*ret))
		return -EINVAL;
	return 0;
}

/* An optional unsigned member with its `has` bit. */
static int get_u64_bit(const struct jr_doc *d, int obj, const char *key, uint64_t *ret,
		       uint32_t *has, uint32_t bit)
{
	int err = get_u64(d, obj, key, ret);

	if (!err)
		*has |= bit;
	return err < 0 ? err : 0;
}

/* "0x1f" exactly as json_writer's jw_kv_hex writes it (lowercase, no leading 0s). */
static int get_hex(const struct jr_doc *d, int obj, const char *key, uint64_t *ret)
{
	char buf[24];
	uint64_t v = 0;
	size_t n;
	int err = get_str(d, obj, key, buf, sizeof(buf));

	if (err)
		return err;
	n = strlen(buf);
	if (n < 3 || n > 18 || buf[0] != '0' || buf[1] != 'x' || (buf[2] == '0' && n > 3))
		return -EINVAL;
	for (size_t i = 2; i < n; i++) {
		char c = buf[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* A flag the writer writes only as true: false is refused. */
static int get_true(const struct jr_doc *d, int obj, const char *key, bool *ret)
{
	int i = jr_member(d, obj, key);

	*ret = false;
	if (i == -ENOENT)
		return 0;
	return jr_bool(d, i, ret) || !*ret ? -EINVAL : 0;
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

/*
 * The members each kind of task object may have (render_json.c's
 * write_identity, write_points, write_origin and the memory of each style).
 */
#define IDENTITY_KEYS "pid", "tid", "comm", "uid", "oom_score_adj"
#define POINTS_KEYS "points", "skip", "points_estimated"
#define ORIGIN_KEYS "cgroup", "unit", "container_id", "pod_uid", "namespace", "pod", "container"
#define VICTIM_MEM_KEYS "total_vm_kb", "rss_kb", "anon_rss_kb", "file_rss_kb", \
			"shmem_rss_kb", "pgtables_kb", "swap_kb"
#define CANDIDATE_MEM_KEYS "rss_pages", "rss_anon_pages", "rss_file_pages", \
			   "rss_shmem_pages", "swap_pages", "pgtables_bytes", "total_vm_pages", \
			   "rss_pages_precise", "swap_pages_precise"

#define CMD_KEYS "exe", "cmdline", "cmdline_truncated"

static const char *const trigger_keys[] = { IDENTITY_KEYS, ORIGIN_KEYS, CMD_KEYS };
static const char *const victim_keys[] = {
	IDENTITY_KEYS, POINTS_KEYS, VICTIM_MEM_KEYS, ORIGIN_KEYS, CMD_KEYS,
};
static const char *const victims_keys[] = {
	IDENTITY_KEYS, POINTS_KEYS, VICTIM_MEM_KEYS, ORIGIN_KEYS, "reason",
};
static const char *const candidate_keys[] = {
	IDENTITY_KEYS, POINTS_KEYS, CANDIDATE_MEM_KEYS, ORIGIN_KEYS,
};
static const char *const uframe_keys[] = {
	"ip", "sym", "object", "sym_offset", "build_id", "file_offset", "file", "line", "inlined",
	"unwind",
};

/* pid, tid, comm, uid, oom_score_adj: every task object. */
static int decode_identity(const struct jr_doc *d, int o, struct oom_task *t)
{
	uint64_t uid;
	int err;

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
	return 0;
}

/*
 * points (a number, or null), skip, points_estimated. A candidate always
 * has "points"; a victim only with a number or a skip reason; skip and
 * points_estimated are written only after it.
 */
static int decode_points(const struct jr_doc *d, int o, struct oom_task *t, bool candidate)
{
	char skip[32];
	bool est;
	int i = jr_member(d, o, "points"), err;

	if (i == -ENOENT) {
		if (candidate || jr_member(d, o, "skip") >= 0 ||
		    jr_member(d, o, "points_estimated") >= 0)
			return -EINVAL;
		return 0;
	}
	if (!jr_is(d, i, JR_NULL)) {
		if (jr_i64(d, i, &t->points))
			return -EINVAL;
		t->has |= TASK_HAS_POINTS;
	}
	if ((err = get_str(d, o, "skip", skip, sizeof(skip))) < 0)
		return err;
	if (!err && skip_of_name(skip, &t->skip))
		return -EINVAL;
	if (!candidate && !(t->has & TASK_HAS_POINTS) && t->skip == OOM_SKIP_NONE)
		return -EINVAL;
	if (get_true(d, o, "points_estimated", &est))
		return -EINVAL;
	if (est)
		t->has |= TASK_POINTS_ESTIMATED;
	return 0;
}

/*
 * cgroup, and what the writer derives from it (unit, container_id,
 * pod_uid): those are only checked for type and size here and derived again
 * from the path when the event is rendered.
 */
static int decode_origin(const struct jr_doc *d, int o, struct oom_event *ev,
			 struct oom_task *t)
{
	static const char *const derived[] = { "unit", "container_id", "pod_uid" };
	struct cgroup_origin origin;
	struct oom_names n = {}, *slot;
	int err = get_str(d, o, "cgroup", t->cgroup, sizeof(t->cgroup));
	bool named = false;

	if (err < 0)
		return err;
	if (!err)
		t->has |= TASK_HAS_CGROUP;
	for (size_t i = 0; i < N(derived); i++) {
		err = get_nonempty_str(d, o, derived[i], origin.unit, sizeof(origin.unit));
		if (err < 0 || (!err && !(t->has & TASK_HAS_CGROUP)))
			return -EINVAL;
	}
	/* the names go with the container id of the path (container_names.h) */
	if ((err = get_nonempty_str(d, o, "namespace", n.ns, sizeof(n.ns))) < 0)
		return err;
	named |= !err;
	if ((err = get_nonempty_str(d, o, "pod", n.pod, sizeof(n.pod))) < 0)
		return err;
	named |= !err;
	if ((err = get_nonempty_str(d, o, "container", n.container, sizeof(n.container))) < 0)
		return err;
	named |= !err;
	if (!named)
		return 0;
	if (!(t->has & TASK_HAS_CGROUP))
		return -EINVAL;
	cgroup_origin_from_path(t->cgroup, &origin);
	if (!origin.container_id[0])
		return -EINVAL;
	memcpy(n.container_id, origin.container_id, sizeof(n.container_id) - 1);
	slot = oom_event__add_names(ev, origin.container_id);
	if (!slot)
		return 0;	/* more containers than an event names: as the writer */
	if (slot->ns[0] || slot->pod[0] || slot->container[0])
		return memcmp(slot, &n, sizeof(n)) ? -EINVAL : 0;
	*slot = n;
	return 0;
}

/* Every bit in `bits` known (TASK_HAS_MEM stands for all memory facts). */
static bool has_mem(const struct oom_task *t, uint32_t bits)
{
	return t->has & TASK_HAS_MEM || (t->has & bits) == bits;
}

#define RSS_SPLIT (TASK_HAS_RSS_ANON | TASK_HAS_RSS_FILE | TASK_HAS_RSS_SHMEM)
#define ALL_MEM (RSS_SPLIT | TASK_HAS_SWAP | TASK_HAS_PGTABLES)

/* A kB member into pages: it must be what pages * (page_size / 1024) wrote. */
static int get_kb_pages(const struct jr_doc *d, int o, const char *key, uint64_t kb_per_page,
			uint64_t *ret, uint32_t *has, uint32_t bit)
{
	uint64_t v;
	int err = get_u64(d, o, key, &v);

	if (err)
		return err < 0 ? err : 0;
	if (v % kb_per_page)
		return -EINVAL;
	*ret = v / kb_per_page;
	*has |= bit;
	return 0;
}

/*
 * A victim-style task (render_json.c's write_victim): memory in kB, each
 * fact on its own, "rss_kb" only when the anon/file/shmem split is not
 * whole. With every fact known, TASK_HAS_MEM, as the sources set it.
 */
static int decode_victim(const struct jr_doc *d, int o, struct oom_event *ev,
			 struct oom_task *t, bool in_victims)
{
	uint64_t kpp = ev->page_size / 1024, kb;
	char reason[32];
	int err;

	memset(t, 0, sizeof(*t));
	if ((in_victims ? jr_only_keys(d, o, N_KEYS(victims_keys)) :
			  jr_only_keys(d, o, N_KEYS(victim_keys))) ||
	    decode_identity(d, o, t) || decode_points(d, o, t, false) ||
	    decode_origin(d, o, ev, t))
		return -EINVAL;
	if (get_kb_pages(d, o, "total_vm_kb", kpp, &t->total_vm_pages, &t->has,
			 TASK_HAS_TOTAL_VM) ||
	    get_kb_pages(d, o, "rss_kb", kpp, &t->rss_pages, &t->has, TASK_HAS_RSS) ||
	    get_kb_pages(d, o, "anon_rss_kb", kpp, &t->rss_anon_pages, &t->has,
			 TASK_HAS_RSS_ANON) ||
	    get_kb_pages(d, o, "file_rss_kb", kpp, &t->rss_file_pages, &t->has,
			 TASK_HAS_RSS_FILE) ||
	    get_kb_pages(d, o, "shmem_rss_kb", kpp, &t->rss_shmem_pages, &t->has,
			 TASK_HAS_RSS_SHMEM) ||
	    get_kb_pages(d, o, "swap_kb", kpp, &t->swap_pages, &t->has, TASK_HAS_SWAP))
		return -EINVAL;
	if ((err = get_u64(d, o, "pgtables_kb", &kb)) < 0 || (!err && kb > UINT64_MAX / 1024))
		return -EINVAL;
	if (!err) {
		t->pgtables_bytes = kb * 1024;	/* exact_pgtables() may refine it */
		t->has |= TASK_HAS_PGTABLES;
	}
	/* the writer gives a total only when the split is not whole */
	if (t->has & TASK_HAS_RSS && has_mem(t, RSS_SPLIT))
		return -EINVAL;
	if (has_mem(t, RSS_SPLIT))
		t->rss_pages = t->rss_anon_pages + t->rss_file_pages + t->rss_shmem_pages;
	if (has_mem(t, ALL_MEM))
		t->has |= TASK_HAS_MEM;
	if (in_victims) {
		if (get_str(d, o, "reason", reason, sizeof(reason)) ||
		    reason_of_name(reason, &t->reason))
			return -EINVAL;
	}
	return 0;
}

/*
 * A candidate-style task (write_candidate): memory in pages. "rss_pages" is
 * the split's sum when the split is whole, else the source's own total.
 */
static int decode_candidate(const struct jr_doc *d, int o, struct oom_event *ev,
			    struct oom_task *t)
{
	uint32_t rss = 0, rss_precise = 0, swap_precise = 0;

	memset(t, 0, sizeof(*t));
	if (jr_only_keys(d, o, N_KEYS(candidate_keys)) || decode_identity(d, o, t) ||
	    decode_points(d, o, t, true) || decode_origin(d, o, ev, t) ||
	    get_u64_bit(d, o, "rss_pages", &t->rss_pages, &rss, TASK_HAS_RSS) ||
	    get_u64_bit(d, o, "rss_anon_pages", &t->rss_anon_pages, &t->has, TASK_HAS_RSS_ANON) ||
	    get_u64_bit(d, o, "rss_file_pages", &t->rss_file_pages, &t->has, TASK_HAS_RSS_FILE) ||
	    get_u64_bit(d, o, "rss_shmem_pages", &t->rss_shmem_pages, &t->has,
			TASK_HAS_RSS_SHMEM) ||
	    get_u64_bit(d, o, "swap_pages", &t->swap_pages, &t->has, TASK_HAS_SWAP) ||
	    get_u64_bit(d, o, "pgtables_bytes", &t->pgtables_bytes, &t->has, TASK_HAS_PGTABLES) ||
	    get_u64_bit(d, o, "total_vm_pages", &t->total_vm_pages, &t->has, TASK_HAS_TOTAL_VM) ||
	    get_u64_bit(d, o, "rss_pages_precise", &t->rss_precise_pages, &rss_precise,
			TASK_HAS_RSS_PRECISE) ||
	    get_u64_bit(d, o, "swap_pages_precise", &t->swap_precise_pages, &swap_precise,
			TASK_HAS_RSS_PRECISE))
		return -EINVAL;
	/* the writer puts both exact sums or neither */
	if (rss_precise != swap_precise)
		return -EINVAL;
	t->has |= rss_precise;
	if (has_mem(t, RSS_SPLIT)) {
		if (!rss ||
		    t->rss_pages != t->rss_anon_pages + t->rss_file_pages + t->rss_shmem_pages)
			return -EINVAL;
	} else {
		t->has |= rss;
	}
	if (has_mem(t, ALL_MEM))
		t->has |= TASK_HAS_MEM;
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
		const char *h = s;

		return scan_hex(&h, true, &f->addr) ? 0 : -EINVAL;
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
	{
		const char *h = split + 1;	/* "0x" and at most 16 hex digits */

		if (!scan_hex(&h, true, &f->offset))
			return -EINVAL;
	}
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

/*
 * {"ip","sym","object","sym_offset","build_id","file_offset"} as
 * write_frames writes them: each only when it means something.
 */
static int decode_uframe(const struct jr_doc *d, int o, struct oom_frame *f)
{
	char bid[2 * OOMT_BUILD_ID_SIZE + 1], unwind[8];
	int ip, sym, sym_off, file_off, err;
	uint64_t line = 0;
	bool inlined;

	memset(f, 0, sizeof(*f));
	if (jr_only_keys(d, o, N_KEYS(uframe_keys)))
		return -EINVAL;
	if ((ip = get_hex(d, o, "ip", &f->addr)) < 0 || (!ip && !f->addr) ||
	    (sym = get_nonempty_str(d, o, "sym", f->sym, sizeof(f->sym))) < 0 ||
	    get_nonempty_str(d, o, "object", f->module, sizeof(f->module)) < 0 ||
	    (sym_off = get_hex(d, o, "sym_offset", &f->offset)) < 0 ||
	    (file_off = get_hex(d, o, "file_offset", &f->file_offset)) < 0)
		return -EINVAL;
	err = get_nonempty_str(d, o, "build_id", bid, sizeof(bid));
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
	if (get_nonempty_str(d, o, "file", f->file, sizeof(f->file)) < 0 ||
	    get_nonzero_u64(d, o, "line", &line) || line > UINT32_MAX ||
	    (line && !f->file[0]) || get_true(d, o, "inlined", &inlined))
		return -EINVAL;
	f->line = (uint32_t)line;
	f->inlined = inlined;
	err = get_str(d, o, "unwind", unwind, sizeof(unwind));
	if (err < 0 || (!err && strcmp(unwind, "dwarf") && strcmp(unwind, "fp")))
		return -EINVAL;
	if (!err)
		f->unwind = unwind[0] == 'd' ? OOM_UNWIND_DWARF : OOM_UNWIND_FP;
	/* an offset is written exactly when what it is an offset into is
	 * (an inlined call has no symbol of its own) */
	if ((sym == 0 && !f->inlined) != (sym_off == 0) ||
	    (f->build_id_size || f->module[0]) != (file_off == 0))
		return -EINVAL;
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
	case ARR_CANDIDATES: return decode_candidate(d, e, ev, slot);
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

		if (c->pid == v->pid && has_mem(c, TASK_HAS_PGTABLES) &&
		    has_mem(v, TASK_HAS_PGTABLES) &&
		    c->pgtables_bytes / 1024 * 1024 == v->pgtables_bytes) {
			v->pgtables_bytes = c->pgtables_bytes;
			return;
		}
	}
}

static const char *const top_keys[] = {
	"type", "seq", "time", "mode", "source", "kmsg_seq", "kernel_time_us", "log_time",
	"trigger", "constraint", "constraint_inferred", "memcg", "gfp_mask", "gfp_flags",
	"order", "totalpages", "page_size", "chosen_pid", "chosen_points", "chosen_comm",
	"chosen_score", "victim", "victim_rank", "victim_from", "victims", "candidates", "candidates_total",
	"kernel_stack", "user_stack", "lost_events", "ooms_without_kill", "victims_dropped",
	"frames_dropped", "missing", "unparsed_lines", "user_stack_stop", "domain_memory",
	"run_up",
};

/* time, kmsg_seq, kernel_time_us, log_time: when it happened, as the source knows it. */
static int decode_when(const struct jr_doc *d, struct oom_event *ev)
{
	char buf[64];
	int err;

	/* no "time" means unknown; the writer never writes the epoch itself */
	if ((err = get_str(d, 0, "time", buf, sizeof(buf))) < 0 ||
	    (!err && (parse_time_iso(buf, &ev->time_ns) || !ev->time_ns)))
		return -EINVAL;
	if (get_u64_bit(d, 0, "kmsg_seq", &ev->kmsg_seq, &ev->has, EV_HAS_KMSG_SEQ) ||
	    get_u64_bit(d, 0, "kernel_time_us", &ev->ktime_us, &ev->has, EV_HAS_KTIME) ||
	    get_nonempty_str(d, 0, "log_time", ev->log_time, sizeof(ev->log_time)) < 0)
		return -EINVAL;
	return 0;
}

/* constraint, constraint_inferred, memcg, gfp_mask, gfp_flags, order, totalpages. */
static int decode_domain(const struct jr_doc *d, struct oom_event *ev)
{
	static const char *const constraints[] = { "none", "cpuset", "mempolicy", "memcg" };
	char buf[16];
	uint64_t v;
	bool b;
	int i, err;

	if (get_str(d, 0, "constraint", buf, sizeof(buf)))
		return -EINVAL;
	if (strcmp(buf, "unknown")) {
		size_t c;

		for (c = 0; c < N(constraints) && strcmp(buf, constraints[c]); c++)
			;
		if (c == N(constraints))
			return -EINVAL;
		ev->constraint = (enum oom_constraint)c;
	}
	if (get_true(d, 0, "constraint_inferred", &b))
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
	}
	if ((err = get_nonempty_str(d, 0, "gfp_flags", ev->gfp_flags, sizeof(ev->gfp_flags))) < 0 ||
	    (!err && !(ev->has & EV_HAS_GFP)))
		return -EINVAL;
	if ((err = get_i32(d, 0, "order", &ev->order)) < 0)
		return err;
	if (!err)
		ev->has |= EV_HAS_ORDER;
	return get_u64_bit(d, 0, "totalpages", &ev->totalpages, &ev->has, EV_HAS_TOTALPAGES);
}

/*
 * chosen_pid with chosen_points (oc->chosen, EV_HAS_CHOSEN), and/or with
 * chosen_comm and chosen_score (an old kill line's score, EV_HAS_CHOSEN_SCORE).
 */
static int decode_chosen(const struct jr_doc *d, struct oom_event *ev)
{
	int pid, points, comm, score;

	if ((pid = get_i32(d, 0, "chosen_pid", &ev->chosen_pid)) < 0 ||
	    (points = get_i64(d, 0, "chosen_points", &ev->chosen_points)) < 0 ||
	    (comm = get_str(d, 0, "chosen_comm", ev->chosen_comm, sizeof(ev->chosen_comm))) < 0 ||
	    (score = get_i64(d, 0, "chosen_score", &ev->chosen_score)) < 0)
		return -EINVAL;
	if (comm != score || (pid && (!points || !score)) || (!pid && points && score))
		return -EINVAL;
	if (!points)
		ev->has |= EV_HAS_CHOSEN;
	if (!score)
		ev->has |= EV_HAS_CHOSEN_SCORE;
	return 0;
}

/* lost_events, ooms_without_kill, victims_dropped, frames_dropped, missing, unparsed_lines. */
static int decode_completeness(const struct jr_doc *d, struct oom_event *ev)
{
	if (get_u64(d, 0, "lost_events", &ev->lost_events) ||
	    get_u64_bit(d, 0, "ooms_without_kill", &ev->ooms_without_kill, &ev->has,
			EV_HAS_OOM_CALLS) ||
	    get_nonzero_u64(d, 0, "victims_dropped", &ev->victims_dropped) ||
	    get_nonzero_u64(d, 0, "frames_dropped", &ev->frames_dropped) ||
	    get_nonempty_str(d, 0, "missing", ev->missing, sizeof(ev->missing)) < 0 ||
	    get_nonempty_str(d, 0, "user_stack_stop", ev->user_stack_stop,
			     sizeof(ev->user_stack_stop)) < 0 ||
	    get_u64_bit(d, 0, "unparsed_lines", &ev->unparsed_lines, &ev->has, EV_HAS_UNPARSED))
		return -EINVAL;
	return 0;
}

/* kB members of o named by dm keys [from, to); the writer leaves out an empty object */
static int decode_dm_keys(const struct jr_doc *d, int o, struct oom_domain_memory *dm,
			  int from, int to, const char *extra)
{
	const char *keys[DM__COUNT + 1];
	size_t n = 0;
	uint64_t v;
	int err;

	for (int k = from; k < to; k++)
		keys[n++] = dm_key_name(k);
	if (extra)
		keys[n++] = extra;
	if (jr_only_keys(d, o, keys, n) || jr_first(d, o) < 0)
		return -EINVAL;
	for (int k = from; k < to; k++) {
		if ((err = get_u64(d, o, dm_key_name(k), &v)) < 0)
			return -EINVAL;
		if (!err)
			dm_set(dm, k, v);
	}
	return 0;
}

/* "domain_memory":{..,"unkillable":{..}} (render_json.c's write_domain_memory) */
static int decode_domain_memory(const struct jr_doc *d, struct oom_event *ev)
{
	struct oom_domain_memory *dm = &ev->domain_memory;
	int o = jr_member(d, 0, "domain_memory"), u;

	if (o < 0)
		return 0;
	if (decode_dm_keys(d, o, dm, 0, DM_FIRST_UNK_PART, "unkillable"))
		return -EINVAL;
	u = jr_member(d, o, "unkillable");
	if (u >= 0 && (!dm_has(dm, DM_UNKILLABLE) ||
		       decode_dm_keys(d, u, dm, DM_FIRST_UNK_PART, DM__COUNT, NULL)))
		return -EINVAL;
	if (!dm->has)
		return -EINVAL;	/* only "unkillable" */
	ev->has |= EV_HAS_DOMAIN_MEMORY;
	return 0;
}

/* "run_up":{..} (render_json.c's write_run_up): each group whole or absent */
static int decode_run_up(const struct jr_doc *d, struct oom_event *ev)
{
	static const char *const keys[] = {
		"window_s", "reclaim_episodes", "reclaim_stall_us", "trigger_stall_us",
		"pages_reclaimed", "first_limit_hit_s_before", "psi_some_us", "psi_full_us",
		"psi_scope", "since", "since_ms", "events",
	};
	static const char *const reclaim[] = {
		"reclaim_episodes", "reclaim_stall_us", "trigger_stall_us", "pages_reclaimed",
	};
	uint64_t *reclaim_v[] = {
		&ev->run_up.reclaim_episodes, &ev->run_up.reclaim_stall_us,
		&ev->run_up.trigger_stall_us, &ev->run_up.pages_reclaimed,
	};
	struct oom_run_up *ru = &ev->run_up;
	const char *ev_keys[RU_EV__COUNT];
	int o = jr_member(d, 0, "run_up"), e, err, sc, since;
	char buf[16];
	uint64_t v;

	if (o < 0)
		return 0;
	if (jr_only_keys(d, o, keys, N(keys)) || jr_first(d, o) < 0)
		return -EINVAL;
	if ((err = get_u64(d, o, "window_s", &v)) < 0 || (!err && v > 3600))
		return -EINVAL;
	if (!err) {
		ru->window_s = (uint32_t)v;
		ru->has |= RU_HAS_RECLAIM;
	}
	for (size_t i = 0; i < N(reclaim); i++)
		if (get_u64(d, o, reclaim[i], reclaim_v[i]) != !(ru->has & RU_HAS_RECLAIM))
			return -EINVAL;
	if ((err = jr_get_milli(d, o, "first_limit_hit_s_before", &ru->first_limit_hit_ms_before)) &&
	    err != -ENOENT)
		return -EINVAL;
	if (!err)
		ru->has |= RU_HAS_FIRST_HIT;
	if (get_u64_bit(d, o, "psi_some_us", &ru->psi_some_us, &ru->has, RU_HAS_PSI_SOME) ||
	    get_u64_bit(d, o, "psi_full_us", &ru->psi_full_us, &ru->has, RU_HAS_PSI_FULL))
		return -EINVAL;
	if ((sc = get_str(d, o, "psi_scope", buf, sizeof(buf))) < 0 ||
	    !sc != !!(ru->has & (RU_HAS_PSI_SOME | RU_HAS_PSI_FULL)) ||
	    (!sc && strcmp(buf, "system") && strcmp(buf, "domain")))
		return -EINVAL;
	if (!sc && !strcmp(buf, "system"))
		ru->has |= RU_PSI_SYSTEM;
	if ((since = get_str(d, o, "since", buf, sizeof(buf))) < 0 ||
	    (!since && strcmp(buf, "start") && strcmp(buf, "previous_event")) ||
	    get_u64(d, o, "since_ms", &ru->since_ms) != since)
		return -EINVAL;
	if (!since)
		ru->has |= RU_HAS_SINCE | (!strcmp(buf, "previous_event") ? RU_SINCE_EVENT : 0);
	e = jr_member(d, o, "events");
	if (e >= 0) {
		for (int k = 0; k < RU_EV__COUNT; k++)
			ev_keys[k] = ru_event_name(k);
		if (jr_only_keys(d, e, ev_keys, RU_EV__COUNT) || jr_first(d, e) < 0)
			return -EINVAL;
		for (int k = 0; k < RU_EV__COUNT; k++) {
			if ((err = get_u64(d, e, ev_keys[k], &ru->events[k])) < 0)
				return -EINVAL;
			if (!err)
				ru->events_has |= 1u << k;
		}
	}
	ev->has |= EV_HAS_RUN_UP;
	return 0;
}

static int decode_top(const struct jr_doc *d, struct oom_event *ev, struct record_strings *rs)
{
	uint64_t v;

	if (jr_only_keys(d, 0, N_KEYS(top_keys)) || get_u64(d, 0, "seq", &ev->seq) ||
	    get_str(d, 0, "mode", rs->mode, sizeof(rs->mode)) ||
	    get_str(d, 0, "source", rs->source, sizeof(rs->source)))
		return -EINVAL;
	ev->mode = rs->mode;
	ev->source = rs->source;
	/* kB fields are converted with it: a power of two, 1 KiB .. 1 GiB */
	if (get_u64(d, 0, "page_size", &v) || v < 1024 || v > (1u << 30) || (v & (v - 1)))
		return -EINVAL;
	ev->page_size = (uint32_t)v;
	if (decode_when(d, ev) || decode_domain(d, ev) || decode_chosen(d, ev) ||
	    decode_completeness(d, ev) || decode_domain_memory(d, ev) || decode_run_up(d, ev))
		return -EINVAL;
	return 0;
}

/*
 * exe and cmdline (render_json.c's write_cmd): the arguments back into
 * their NUL-separated form. cmdline_truncated only with a cmdline.
 */
static int decode_cmd(const struct jr_doc *d, int o, struct oom_event *ev,
		      struct oom_cmdline *cmd, uint32_t bit_exe, uint32_t bit_argv)
{
	int err = get_nonempty_str(d, o, "exe", cmd->exe, sizeof(cmd->exe));
	int a = jr_member(d, o, "cmdline");
	bool trunc;

	if (err < 0)
		return err;
	if (!err)
		ev->has |= bit_exe;
	if (get_true(d, o, "cmdline_truncated", &trunc))
		return -EINVAL;
	if (a == -ENOENT)
		return trunc ? -EINVAL : 0;
	if (a < 0 || !jr_is(d, a, JR_ARRAY) || jr_first(d, a) < 0)
		return -EINVAL;
	cmd->len = 0;
	for (int e = jr_first(d, a); e >= 0; e = jr_next(d, a, e)) {
		size_t n;

		if (jr_str(d, e, cmd->argv + cmd->len, sizeof(cmd->argv) - cmd->len, &n) ||
		    memchr(cmd->argv + cmd->len, '\0', n))
			return -EINVAL;
		cmd->len += (uint32_t)n + 1;
	}
	cmd->truncated = trunc;
	ev->has |= bit_argv;
	return 0;
}

/* The victim, and its rank among the candidates (written when it has points). */
static int decode_the_victim(const struct jr_doc *d, struct oom_event *ev)
{
	static const enum oom_victim_from froms[] = {
		OOM_VICTIM_FROM_SUMMARY, OOM_VICTIM_FROM_REAPER,
	};
	uint64_t rank;
	char from[16];
	int i = jr_member(d, 0, "victim"), err;

	if (i < 0)
		return jr_member(d, 0, "victim_rank") >= 0 ||
		       jr_member(d, 0, "victim_from") >= 0 ? -EINVAL : 0;
	if ((err = decode_victim(d, i, ev, &ev->victim, false)) ||
	    (err = decode_cmd(d, i, ev, &ev->victim_cmd, EV_HAS_VICTIM_EXE,
			      EV_HAS_VICTIM_CMDLINE)))
		return err;
	ev->has |= EV_HAS_VICTIM;
	exact_pgtables(ev, &ev->victim);
	err = get_u64(d, 0, "victim_rank", &rank);
	if (err < 0 || !err != !!(ev->victim.has & TASK_HAS_POINTS))
		return -EINVAL;
	if (!err && rank != oom_event__rank_of(ev, ev->victim.pid))
		return -EINVAL;
	/* absent: the kill line named it */
	if ((err = get_str(d, 0, "victim_from", from, sizeof(from))) < 0)
		return -EINVAL;
	if (err)
		return 0;
	for (size_t f = 0; f < N(froms); f++) {
		if (!strcmp(from, oom_victim_from__name(froms[f]))) {
			ev->victim_from = froms[f];
			return 0;
		}
	}
	return -EINVAL;
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
		if (jr_only_keys(d, i, N_KEYS(trigger_keys)) ||
		    decode_identity(d, i, &ev->trigger) || decode_origin(d, i, ev, &ev->trigger) ||
		    decode_cmd(d, i, ev, &ev->trigger_cmd, EV_HAS_TRIGGER_EXE,
			       EV_HAS_TRIGGER_CMDLINE))
			return -EINVAL;
		ev->has |= EV_HAS_TRIGGER;
	}
	err = decode_array(d, "candidates", false, ev, ARR_CANDIDATES);
	if (err < 0)
		return err;
	/* candidates_total goes with the candidates, always */
	if ((err ? get_u64(d, 0, "candidates_total", &total) != 1 :
		   get_u64(d, 0, "candidates_total", &total) != 0))
		return -EINVAL;
	if (!err) {
		ev->has |= EV_HAS_CANDIDATES;
		ev->candidates_total = total;
	}
	if ((err = decode_the_victim(d, ev)) ||
	    (err = decode_array(d, "victims", true, ev, ARR_VICTIMS)) ||
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
	int type = record_type(d), err;

	memset(am, 0, sizeof(*am));
	if (type == REC_VICTIM_EXIT)
		am->kind = "victim_exit";
	else if (type == REC_OOM_REAPER)
		am->kind = "oom_reaper";
	else
		return -EINVAL;
	if (get_u64(d, 0, "oom_seq", &am->oom_seq) || get_i32(d, 0, "pid", &am->pid))
		return -EINVAL;
	/* parse's reaper lines from a log without wall-clock stamps have no time */
	err = get_str(d, 0, "time", buf, sizeof(buf));
	if (err < 0 || (!err && parse_time_iso(buf, &am->time_ns)))
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
