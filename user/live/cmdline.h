/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The victim's and the trigger's command: exe (the executable's path) and
 * argv. At the OOM the victim is not the task running, so BPF cannot read
 * its memory then; its argv comes from /proc/PID as soon as the event
 * arrives (the victim is usually still there), else from the BPF map
 * `cmdlines` that exec fills (and fork copies), which cmdline_prefill fills
 * at start for the processes already running. What neither gives is named
 * in the event's `missing` (victim_cmdline, victim_exe, trigger_...).
 */
#ifndef OOMTRACE_CMDLINE_H
#define OOMTRACE_CMDLINE_H

#include "event.h"

/*
 * Put every process now running into the map (never over an entry exec
 * made meanwhile). proc is "/proc" (tests: another root). Returns how many,
 * or -errno when proc cannot be read.
 */
int cmdline_prefill(int map_fd, const char *proc);
/*
 * Fill ev->victim_cmd and ev->trigger_cmd (map_fd < 0: /proc only). The
 * victim's map entry, kept past its exit for this, is deleted.
 */
void cmdline_fill(struct oom_event *ev, int map_fd, const char *proc);
/* /proc/PID's cmdline and exe into cmd: bits of EV_HAS_*-style 1 (argv) | 2 (exe). */
unsigned int cmdline_from_proc(const char *proc, int32_t pid, struct oom_cmdline *cmd);

#endif
