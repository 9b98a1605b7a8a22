// SPDX-License-Identifier: GPL-2.0
/* Effective capabilities from /proc/self/status (no libcap dependency). */
#include <linux/capability.h>

#include "caps.h"
#include "privs.h"

bool have_cap(int cap)
{
	struct cap_sets cs;

	return !caps_read(NULL, &cs) && cap >= 0 && cap < 64 && (cs.eff >> cap) & 1;
}

bool can_trace(void)
{
	return have_cap(CAP_SYS_ADMIN) || (have_cap(CAP_BPF) && have_cap(CAP_PERFMON));
}
