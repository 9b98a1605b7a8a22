/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recorded JSON Lines back to structures: an `oom_kill` line to the same
 * struct oom_event the tracer assembled (so it renders as the live text
 * block again), aftermath lines to struct oom_aftermath, and the type of
 * every other line. The inverse of render_json.c for our own schema, for
 * both sources (the live tracer's "bpf" events and `oomtrace parse`'s
 * "kmsg" ones), and strict about it: an unknown or repeated member, a member
 * of the wrong type, a number out of range, a string too long for its field
 * or a value the writer never writes ("" for a string it leaves out when
 * empty, 0 for a counter it writes only when not 0, false for a flag, kB
 * that are no whole number of pages, a member without the one it always
 * comes with) makes the whole line bad (-EINVAL), never a half-filled event.
 * So what `oomtrace record` or `oomtrace parse --json` wrote renders back
 * to the same bytes (report --event). The one exception: what the writer
 * derives from a cgroup path (unit, container_id, pod_uid) is checked for
 * type and size only, and derived again when rendered.
 */
#ifndef OOMTRACE_RECORD_READER_H
#define OOMTRACE_RECORD_READER_H

#include <stdint.h>

#include "event.h"
#include "jsonl_reader.h"

/* What a line of a recording is. */
enum rec_type {
	REC_UNKNOWN = 0,	/* valid JSON, a type we do not know */
	REC_OOM_KILL,
	REC_VICTIM_EXIT,
	REC_OOM_REAPER,
	REC_RECORDER_START,
	REC_RECORDER_STOP,
	REC_LOST,		/* ring-buffer records lost */
	REC_RECONCILE,		/* the kernel's kill counters disagree (or agree again) */
	REC_OUTPUT_GAP,		/* records that went to stdout while the file failed */
	REC_PARSE_STATS,	/* oomtrace parse --json's closing counts */
};

/* The type of a parsed line; -EINVAL if it is no object with a string "type". */
int record_type(const struct jr_doc *d);
/* "oom_kill" ... for a type; NULL for REC_UNKNOWN (for the tests). */
const char *rec_type__name(enum rec_type t);

/* Storage for the strings a decoded event points to (mode, source). */
struct record_strings {
	char mode[32];
	char source[32];
};

/*
 * An oom_kill line into ev (cleared first). ev->mode/source point into rs.
 * 0, -EINVAL (not our schema), -ENOMEM (growable ev), -ENOSPC (more
 * victims, candidates or frames than a fixed ev holds: the line is refused
 * rather than shown cut).
 */
int record_decode_event(const struct jr_doc *d, struct oom_event *ev, struct record_strings *rs);
/*
 * A victim_exit or oom_reaper line; kind and stage point to static strings.
 * time_ns is 0 when the line has no "time" (parse's reaper line from a log
 * without wall-clock stamps).
 */
int record_decode_aftermath(const struct jr_doc *d, struct oom_aftermath *am);

#endif
