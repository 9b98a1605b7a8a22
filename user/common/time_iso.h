/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wall-clock times as text: ISO 8601 read (kernel log stamps, recorded
 * events, command-line dates) and written (every "time" oomtrace prints),
 * with the clock and fraction pieces the log formats without a date share.
 * Times are CLOCK_REALTIME nanoseconds since the epoch; 0 means unknown.
 */
#ifndef OOMTRACE_TIME_ISO_H
#define OOMTRACE_TIME_ISO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * "YYYY-MM-DD[T ]HH:MM:SS[.,frac][Z|+HH:MM|+HHMM|+HH]" at s, as loggers write
 * it; a stamp without a zone is local time. Returns the bytes consumed (0 if
 * not a stamp); *ret_ns is 0 if the date cannot be represented.
 */
size_t time_iso_scan(const char *s, uint64_t *ret_ns);
/*
 * The whole of s as oomtrace writes it, "YYYY-MM-DDTHH:MM:SS[.frac]Z" (at
 * most 9 fraction digits, UTC). 0 or -EINVAL.
 */
int parse_time_iso(const char *s, uint64_t *ret_ns);
/* "2026-11-23T10:01:02.123456Z" from CLOCK_REALTIME nanoseconds. */
void format_time_iso(char *buf, size_t size, uint64_t ns);

/* "HH:MM:SS" at s into tm's clock fields: 8, or 0 if not a valid clock. */
size_t time_scan_clock(const char *s, struct tm *tm);
/* ".123456" or ",123456" at *p, as nanoseconds (0 and *p kept if none). */
uint64_t time_scan_frac(const char **p);
/* tm (date and clock) plus frac_ns, as UTC or local time: ns, 0 if before 1970. */
uint64_t time_from_tm(struct tm *tm, bool utc, uint64_t frac_ns);

#endif
