/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user stack of an event: DWARF unwinding of the stack BPF copied
 * (uunwind.h), else (and past where that stops) the kernel's frame-pointer
 * walk; every frame named through libdwfl (usym.h): object, build id, file
 * offset, symbol, file:line, inlined calls.
 *
 * The trigger is often the victim and gone by the time this runs: its
 * objects come from the address space captured when the records arrived
 * (usym_space_from_maps), or are found again by the build ids BPF read.
 */
#ifndef OOMTRACE_USTACK_H
#define OOMTRACE_USTACK_H

#include <stdint.h>

#include "oomtrace.h"
#include "event.h"
#include "usym.h"

/*
 * exe: the process's executable as BPF saw it (NULL if unknown), a hint for
 * the build-id lookup, and start_code where its code was mapped (0 if
 * unknown): it places the executable when its maps could not be read.
 * space: its objects as captured (read now from /proc/PID/maps when empty);
 * copy: the USTACK record, NULL if none; links: the ULINKS record (the
 * objects its dynamic linker listed), NULL if none.
 */
void ustack_fill(struct oom_event *ev, uint32_t pid, const char *exe, uint64_t start_code,
		 const uint64_t *ips, int n_ips, const struct oomt_ubuild *builds, int n_builds,
		 struct usym_space *space, const struct oomt_ustack *copy,
		 const struct oomt_ulinks *links);

/*
 * Offline (oomtrace report --symbolize): name the frames recorded with only a
 * build id and file offset, from this machine's files or debug files of that
 * build id; inlined calls become frames of their own. Frames whose object is
 * not found stay as they were. The number of frames resolved, or -ENOMEM.
 */
int ustack_symbolize_offline(struct oom_event *ev);

/*
 * oomtrace parse --symbolize: the one user frame a kernel report gives (its
 * "RIP: 0033:" line, the trigger's ip) named from the trigger's address
 * space, when the trigger still runs: /proc/PID/maps places the ip in an
 * object. The pid may belong to another process by now: the report's comm
 * must be the task's, and the bytes the report's "Code:" line printed, when
 * it did, must be the bytes at the ip in its memory now (/proc/PID/mem).
 * Returns 1 when named (object, build id, file offset, symbol, file:line,
 * inlined calls), 0 when not, with why in why[size], or -ENOMEM.
 */
int ustack_symbolize_kmsg(struct oom_event *ev, char *why, size_t size);

#endif
