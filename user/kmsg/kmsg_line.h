/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One line of a kernel log as some tool wrote it, with that tool's prefixes
 * taken off: raw /dev/kmsg records ("6,742,3113020303,-;text"), syslog and
 * journal stamps ("Apr 19 03:09:57 host kernel: ", ISO 8601 ones), dmesg's
 * "[ 123.456789] ", "-T" "[Tue Sep  3 05:57:48 2024] " in any locale, "-r"
 * "<6>", "-x" "kern  :info  : ". What is left is the kernel's own text.
 */
#ifndef OOMTRACE_KMSG_LINE_H
#define OOMTRACE_KMSG_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KMSG_STAMP_MAX 48

struct kmsg_line {
	const char *text;	/* the kernel's message, NUL-terminated */
	size_t len;
	bool kernel;		/* false: another program's line (syslog tag, facility) */
	bool meta;		/* a log viewer's own line ("-- Boot ... --"): skip */
	bool kmsg_record;	/* came as a /dev/kmsg record (escapes decoded) */
	bool bracket_stamp;	/* had a dmesg "[...]" stamp: continuation lines follow */
	bool has_ktime;		/* ktime_us: printk's monotonic timestamp */
	uint64_t ktime_us;
	bool has_wall;		/* wall_ns: an absolute time (ISO stamp, dmesg -T) */
	uint64_t wall_ns;
	bool has_seq;		/* seq: /dev/kmsg record number */
	uint64_t seq;
	char stamp[KMSG_STAMP_MAX];	/* the wall-clock stamp as written, "" if none */
	size_t prefix_width;	/* bytes before text: dmesg indents continuations so */
	size_t lead;		/* leading blanks before any prefix */
	bool prefixed;		/* some prefix was taken off */
};

/*
 * Split buf[0..len) (NUL-terminated; modified in place: /dev/kmsg's \xHH
 * escapes are decoded) into prefix facts and text. Always succeeds: a line
 * with no known prefix is kernel text as it stands.
 */
void kmsg_line_split(char *buf, size_t len, struct kmsg_line *ret);

#endif
