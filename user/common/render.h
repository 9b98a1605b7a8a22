/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Renderers for assembled events. Text and JSON are separate modules fed the
 * same struct oom_event; both escape every string that came from the kernel.
 */
#ifndef OOMTRACE_RENDER_H
#define OOMTRACE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "time_iso.h"	/* format_time_iso(), which every renderer of a time uses */

/* One JSON object on one line, newline-terminated: {"type":"oom_kill",...} */
void render_event_json(FILE *out, const struct oom_event *ev);
/* One readable block per kill, ending in a blank line. */
void render_event_text(FILE *out, const struct oom_event *ev);
/* One JSON object on one line: {"type":"victim_exit",...} or {"type":"oom_reaper",...} */
void render_aftermath_json(FILE *out, const struct oom_aftermath *am);
/* One line, under the block of the kill it belongs to: "  OOM kill #N: ..." */
void render_aftermath_text(FILE *out, const struct oom_aftermath *am);

struct json_writer;
/* unit, container_id, pod_uid: the members for what a cgroup path names (none if nothing). */
void render_origin_json(struct json_writer *w, const char *path);

/*
 * The memory section of a text block (at most three lines): usage and
 * limit, the biggest parts, and a verdict when over half of the domain is
 * unkillable. Also `scores`' view of a domain now.
 */
void render_domain_memory_text(FILE *out, const struct oom_domain_memory *dm);

/* "domain_memory":{...,"unkillable_kb":..,"unkillable":{...}}: only the keys given. */
void render_domain_memory_json(struct json_writer *w, const struct oom_domain_memory *dm);
/*
 * "verdict":{"frees_at_most_kb":..,"usage_kb":..,"largest_unkillable":"shmem",
 * "largest_unkillable_kb":..}: the text section's third line, when it has one
 * (nothing otherwise; the part is left out when none is named).
 */
void render_domain_verdict_json(struct json_writer *w, const struct oom_domain_memory *dm);
/*
 * The memory section's verdict on how the domain ran out, when it matters:
 * "reclaiming for 12.4 s before the kill: 3,120 episodes, 2.1 s stalled"
 * (at its limit RUN_UP_VERDICT_MS or longer), else the window's reclaim
 * when it stalled that long. False when there is nothing to say.
 */
#define RUN_UP_VERDICT_MS 1000
bool render_run_up_verdict(char *buf, size_t size, const struct oom_run_up *ru);

/* "64.0 MiB": a byte count for people. */
void format_bytes(char *buf, size_t size, uint64_t bytes);

#endif
