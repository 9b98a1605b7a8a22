/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Renderers for assembled events. Text and JSON are separate modules fed the
 * same struct oom_event; both escape every string that came from the kernel.
 */
#ifndef OOMTRACE_RENDER_H
#define OOMTRACE_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "time_iso.h"	/* format_time_iso(), which every renderer of a time uses */

/* One JSON object on one line, newline-terminated: {"type":"oom_kill",...} */
void render_event_json(FILE *out, const struct oom_event *ev);
/* One readable block per kill, ending in a blank line. */
void render_event_text(FILE *out, const struct oom_event *ev);

/* "64.0 MiB": a byte count for people. */
void format_bytes(char *buf, size_t size, uint64_t bytes);

#endif
