/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What `oomtrace replay` prints: a JSON line per OOM, the --diff blocks
 * (the recorded victim's row beside each differing pick's) and the
 * per-policy summary. One function per fact and format.
 */
#ifndef OOMTRACE_REPLAY_RENDER_H
#define OOMTRACE_REPLAY_RENDER_H

#include <stdio.h>

#include "replay_summary.h"

/* {"seq":N,"recorded_pid":P,"policies":{"kernel":{...},...}} */
void replay_render_json(FILE *out, const struct replay_summary *s, const struct oom_event *ev,
			int32_t rec_pid, const struct replay_pick *picks);
/* {"seq":N[,"recorded_pid":P],"skipped":"candidates_cut"} */
void replay_render_skip_json(FILE *out, const struct oom_event *ev, enum replay_skip why);
/* The picks of every policy, then each differing pick's row beside the recorded victim's. */
void replay_render_diff_text(FILE *out, const struct replay_summary *s,
			     const struct oom_event *ev, int32_t rec_pid,
			     const struct replay_pick *picks);
void replay_render_summary_text(FILE *out, const struct replay_summary *s);

#endif
