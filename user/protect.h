/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Surviving the OOMs we report: oom_score_adj -1000 takes the tracer out of
 * the kernel's candidates, mlockall keeps its pages from being reclaimed.
 * Both can be refused (no CAP_SYS_RESOURCE, memlock limit): then we warn
 * once and go on, since tracing unprotected beats not tracing.
 */
#ifndef OOMTRACE_PROTECT_H
#define OOMTRACE_PROTECT_H

/* Returns 0 if fully protected, -errno of the first refusal otherwise. */
int protect_self(void);

#endif
