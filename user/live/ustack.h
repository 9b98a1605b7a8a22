/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User stacks: the raw addresses and build-id frames BPF captured, mapped to
 * objects through /proc/PID/maps and to symbols through the objects' ELF
 * symbol tables. The trigger is often the victim and may be gone by the time
 * this runs: then frames keep their raw address and build id, unresolved.
 */
#ifndef OOMTRACE_USTACK_H
#define OOMTRACE_USTACK_H

#include <stdint.h>

#include "oomtrace.h"
#include "event.h"

/*
 * exe: the process's executable as BPF saw it (NULL if unknown): when
 * /proc/PID/maps is gone, frames whose build id matches it are still
 * symbolized from the file.
 */
void ustack_fill(struct oom_event *ev, uint32_t pid, const char *exe, const uint64_t *ips,
		 int n_ips, const struct oomt_ubuild *builds, int n_builds);

#endif
