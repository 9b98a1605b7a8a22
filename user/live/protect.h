/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Surviving the OOMs we report: oom_score_adj -1000 takes the tracer out of
 * the kernel's candidates, mlockall keeps its pages from being reclaimed.
 * Both can be refused (no CAP_SYS_RESOURCE, memlock limit): then we warn
 * once and go on, since tracing unprotected beats not tracing. Already at
 * -1000 (systemd's OOMScoreAdjust=-1000) counts as protected: no write, no
 * warning, no capability needed.
 */
#ifndef OOMTRACE_PROTECT_H
#define OOMTRACE_PROTECT_H

#include <stdbool.h>
#include <stddef.h>

/* oom_score_adj -1000: 0, or -errno of the refusal (warned). */
int protect_adj(void);
/*
 * Memory locked and resident: 0, or -errno of the refusal (warned). The
 * shared libraries whose file names start with one of unlocked (the array
 * must outlive the process's lock) are left out of the lock: their code and
 * read-only data are dropped now and read back from the file when run,
 * their written pages stay locked. A few milliseconds: what needs no
 * answer from it before the ready line does it after.
 */
int protect_lock(const char *const *unlocked, size_t n_unlocked);
/*
 * The unlocked libraries' code and read-only data that running them
 * brought back in, out again (as protect_lock left them): once events have
 * been quiet a while, so that symbolizing does not leave them resident for
 * as long as we run. Nothing without protect_lock's lock.
 */
void protect_drop_unlocked(void);
/* Before the first large allocation: keep freed large blocks out of the
 * heap, so a later mlockall() does not make them resident again. */
void protect_heap_policy(void);
/* Did protect_lock lock memory (mlockall MCL_CURRENT|MCL_FUTURE)? */
bool protect_memory_locked(void);
/*
 * Memory read once at start and never again (the BPF object built into the
 * program): its whole pages leave the process, and the lock, so that they
 * do not count for as long as it runs. Touching them again reads them back.
 */
void protect_release(const void *p, size_t len);
/* Is our oom_score_adj -1000 (protect_adj's doing or inherited)? */
bool protect_adj_min(void);

#endif
