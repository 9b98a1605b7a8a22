/* SPDX-License-Identifier: GPL-2.0 */
/* Capabilities the tracer needs, checked before trying to load anything. */
#ifndef OOMTRACE_PRIVS_H
#define OOMTRACE_PRIVS_H

#include <stdbool.h>

/* Is capability cap in our effective set? */
bool have_cap(int cap);
/* Can we load and attach tracing BPF programs (CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN)? */
bool can_trace(void);

#endif
