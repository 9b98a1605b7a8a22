/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Escaping for human-readable output. A comm or cgroup name from the kernel
 * may hold newlines or terminal escape sequences: printing them raw would let
 * a process forge lines in an SRE's terminal or logs.
 */
#ifndef OOMTRACE_TEXT_ESCAPE_H
#define OOMTRACE_TEXT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write s (at most len bytes, stops at NUL) with control bytes, backslash,
 * DEL and bytes >= 0x80 as \xHH (also \n, \t, \\ for readability).
 */
void text_escape(FILE *out, const char *s, size_t len);
/* Same, into buf (always NUL-terminated, truncated to size). Returns buf. */
char *text_escape_buf(char *buf, size_t size, const char *s);

#endif
