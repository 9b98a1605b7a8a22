// SPDX-License-Identifier: GPL-2.0
/* The kernel's OOM kill counters, the recorder's agreement with them, and its previous run. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup_path.h"
#include "event.h"
#include "jsonl_reader.h"
#include "procfs_read.h"
#include "time_iso.h"
#include "reconcile.h"
#include "record_file.h"
#include "record_reader.h"

int kernel_oom_kills(const char *vmstat_path, uint64_t *ret)
{
	return procfs_read_key_u64(vmstat_path ? vmstat_path : VMSTAT_PATH, "oom_kill", ret);
}

int cgroup_oom_kills(const char *root, const char *cgroup, uint64_t *ret, char *ret_path,
		     size_t path_size)
{
	static const struct { const char *mount, *file; } where[] = {
		{ "", "memory.events" },		/* v2 unified at the root */
		{ "/unified", "memory.events" },	/* v2 beside v1 (hybrid) */
		{ "/memory", "memory.oom_control" },	/* v1 */
	};

	if (!root)
		root = "/sys/fs/cgroup";
	if (!cgroup[0] || !strcmp(cgroup, "/"))
		return -ENOENT;
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		int n = snprintf(ret_path, path_size, "%s%s%s/%s", root, where[i].mount, cgroup,
				 where[i].file);

		if (n < 0 || (size_t)n >= path_size)
			return -ENAMETOOLONG;
		if (!procfs_read_key_u64(ret_path, "oom_kill", ret))
			return 0;
	}
	return -ENOENT;
}

void reconciler__init(struct reconciler *r, uint64_t base)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
}

int64_t reconciler__gap(const struct reconciler *r, uint64_t kernel_now)
{
	return (int64_t)(kernel_now - r->base) - (int64_t)r->captured;
}

bool reconciler__check(struct reconciler *r, uint64_t kernel_now, uint64_t now_ms, bool busy,
		       bool force)
{
	int64_t gap = reconciler__gap(r, kernel_now);

	if (gap == r->reported_gap) {
		r->pending = false;
		return false;
	}
	if (!force) {
		if (busy)
			return false;	/* its kills are not counted yet */
		if (!r->pending || r->pending_kernel != kernel_now ||
		    r->pending_captured != r->captured) {
			r->pending = true;
			r->pending_kernel = kernel_now;
			r->pending_captured = r->captured;
			r->pending_since_ms = now_ms;
			return false;
		}
		if (now_ms - r->pending_since_ms < RECONCILE_SETTLE_MS)
			return false;
	}
	r->pending = false;
	r->reported_gap = gap;
	if (gap)
		r->mismatches++;
	return true;
}

int reconciler__settle_in(const struct reconciler *r, uint64_t now_ms)
{
	uint64_t due;

	if (!r->pending)
		return -1;
	due = r->pending_since_ms + RECONCILE_SETTLE_MS;
	return now_ms >= due ? 0 : (int)(due - now_ms);
}

uint64_t reconcile_kills_of(const struct oom_event *ev)
{
	uint64_t n = ev->n_victims + ev->victims_dropped;

	return n ? n : ev->has & EV_HAS_VICTIM ? 1 : 0;
}

uint64_t reconcile_kills_within(const struct oom_event *ev, const char *cgroup)
{
	uint64_t n = ev->victims_dropped;

	for (size_t i = 0; i < ev->n_victims; i++)
		if (!(ev->victims[i].has & TASK_HAS_CGROUP) ||
		    cgroup_path_within(ev->victims[i].cgroup, cgroup))
			n++;
	if (!ev->n_victims && ev->has & EV_HAS_VICTIM)
		n++;
	return n;
}

void prev_run__init(struct prev_run *p)
{
	memset(p, 0, sizeof(*p));
	p->clean = true;
}

/* One parsed record, in the order written. */
static void prev_run__add(struct prev_run *p, const struct jr_doc *d)
{
	int type = record_type(d), v;
	uint64_t seq, k;
	char boot[64];

	if (type < 0)
		return;
	p->found = true;
	/* events that went to stdout are numbered too: continue after them */
	if ((type == REC_OUTPUT_GAP || type == REC_RECORDER_STOP) &&
	    !jr_get_u64(d, 0, "last_seq", &seq) && seq > p->max_seq)
		p->max_seq = seq;
	switch (type) {
	case REC_OOM_KILL:
		if (!jr_get_u64(d, 0, "seq", &seq) && seq > p->max_seq)
			p->max_seq = seq;
		v = jr_member(d, 0, "victims");
		k = jr_is(d, v, JR_ARRAY) ? d->toks[v].n : 0;
		p->kills_after += k ? k : 1;
		p->clean = false;
		return;
	case REC_RECORDER_START:
		p->filtered = jr_member(d, 0, "filter") >= 0;
		/* fall through */
	case REC_RECORDER_STOP:
	case REC_RECONCILE:
		p->clean = type == REC_RECORDER_STOP;
		if (!jr_get_u64(d, 0, "kernel_oom_kill", &k) &&
		    !jr_get_str(d, 0, "boot_id", boot, sizeof(boot))) {
			char when[64];

			p->checkpoint = true;
			p->checkpoint_kernel = k;
			p->kills_after = 0;
			snprintf(p->checkpoint_boot, sizeof(p->checkpoint_boot), "%s", boot);
			if (!jr_get_str(d, 0, "time", when, sizeof(when)))
				parse_time_iso(when, &p->checkpoint_ns);
		}
		return;
	default:
		return;
	}
}

void prev_run__scan_file(struct prev_run *p, const char *path, size_t scan_bytes)
{
	struct jsonl_file jf;
	struct jr_doc d;
	const char *line;
	size_t len;
	struct stat st;
	FILE *f = fopen(path, "re");

	if (!f)
		return;
	if (!fstat(fileno(f), &st) && (uint64_t)st.st_size > scan_bytes) {
		int c;

		/* the tail only, from the first whole line in it */
		fseeko(f, st.st_size - (off_t)scan_bytes, SEEK_SET);
		while ((c = getc(f)) != EOF && c != '\n')
			;
	}
	if (!jsonl_file__init(&jf, f, scan_bytes)) {
		if (!jr_doc__init(&d, 1u << 18)) {
			while (jsonl_file__next(&jf, &line, &len) > 0)
				if (!jr_parse(&d, line, len))
					prev_run__add(p, &d);
			jr_doc__free(&d);
		}
		jsonl_file__free(&jf);
	}
	fclose(f);
}

void prev_run__scan(struct prev_run *p, const char *path)
{
	char rotated[PATH_MAX + 16];

	prev_run__init(p);
	if (!record_file__rotated_name(path, 1, rotated, sizeof(rotated)))
		prev_run__scan_file(p, rotated, PREV_RUN_SCAN_BYTES);
	prev_run__scan_file(p, path, PREV_RUN_SCAN_BYTES);
}

int64_t prev_run__downtime_gap(const struct prev_run *p, const char *boot_id,
			       uint64_t kernel_now, uint64_t *ret_since)
{
	int64_t gap;

	if (!p->checkpoint || strcmp(p->checkpoint_boot, boot_id) ||
	    kernel_now < p->checkpoint_kernel)
		return 0;	/* never recorded, or rebooted since: the start record says */
	/* an unclean filtered run did not write every kill it saw: cannot tell */
	if (!p->clean && p->filtered)
		return 0;
	*ret_since = kernel_now - p->checkpoint_kernel;
	gap = (int64_t)*ret_since - (int64_t)p->kills_after;
	return gap > 0 ? gap : 0;
}
