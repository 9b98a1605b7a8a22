/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The clocks, read now, as 64-bit counts: the one place a timespec becomes
 * nanoseconds. CLOCK_MONOTONIC times timeouts and intervals (it neither
 * jumps with the wall clock nor counts suspend); CLOCK_REALTIME stamps
 * what is written (time_iso.h); CLOCK_BOOTTIME is the clock of BPF's
 * timestamps.
 */
#ifndef OOMTRACE_CLOCK_NOW_H
#define OOMTRACE_CLOCK_NOW_H

#include <stdint.h>
#include <time.h>

/* clk now, in nanoseconds (since the epoch for CLOCK_REALTIME, else since boot). */
uint64_t clock_now_ns(clockid_t clk);
/* CLOCK_MONOTONIC now, in nanoseconds. */
uint64_t mono_ns(void);
/* CLOCK_MONOTONIC now, in whole milliseconds: mono_ns() / 1000000. */
uint64_t mono_ms(void);
/* Whole milliseconds from since_ns (a mono_ns()) to now; 0 if since_ns is later. */
int64_t mono_ms_since(uint64_t since_ns);

#endif
