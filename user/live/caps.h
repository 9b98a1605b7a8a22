/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dropping capabilities once the BPF programs are attached, with the raw
 * capget/capset and prctl calls (no libcap). What a running recorder still
 * needs, and why, is decided in record.c; this module only drops.
 */
#ifndef OOMTRACE_CAPS_H
#define OOMTRACE_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPBIT(c) (1ull << (c))

/* CapEff, CapPrm, CapBnd of a /proc/PID/status file (path NULL: our own). */
struct cap_sets {
	uint64_t eff, prm, inh, bnd, amb;
};
int caps_read(const char *status_path, struct cap_sets *ret);

/*
 * Keep only the capabilities in keep (those we also have): set
 * no_new_privs, clear the ambient set, drop the rest from the bounding set
 * (when CAP_SETPCAP allows it; else *ret_bounding_kept is set), then from
 * the inheritable, permitted and effective sets. 0 or -errno.
 */
int caps_keep_only(uint64_t keep, bool *ret_bounding_kept);
/* Set the effective set to eff (within permitted): for a probe, reversible. 0 or -errno. */
int caps_set_effective(uint64_t eff);
/* "cap_ipc_lock,cap_bpf" for a mask; "" for none. */
void caps_names(uint64_t mask, char *buf, size_t size);

#endif
