/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel log lines from a file descriptor: a text log (any of the formats
 * kmsg_line knows) or /dev/kmsg itself. Reads in fixed-size chunks and
 * holds at most one line back, so memory does not grow with the input:
 * a longer physical line is cut at KMSG_INPUT_LINE_MAX and counted.
 *
 * dmesg prints a message with embedded newlines as one stamped line plus
 * lines indented to the stamp's width; those are joined back with "\n"
 * (up to KMSG_INPUT_JOIN_MAX), as /dev/kmsg holds them.
 */
#ifndef OOMTRACE_KMSG_INPUT_H
#define OOMTRACE_KMSG_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "kmsg_line.h"

#define KMSG_INPUT_LINE_MAX 8192
#define KMSG_INPUT_JOIN_MAX 16384

struct kmsg_input;

/*
 * devkmsg: fd is /dev/kmsg opened O_NONBLOCK: one record per read(), and
 * its timestamps become wall time from boot_wall_ns (the wall-clock time of
 * ktime 0; 0 = leave them as kernel times). NULL on ENOMEM.
 */
struct kmsg_input *kmsg_input__new(int fd, bool devkmsg, uint64_t boot_wall_ns);
void kmsg_input__free(struct kmsg_input *in);	/* the fd stays open */

/*
 * The next logical line, valid until the next call. Waits up to timeout_ms
 * for data (-1: as long as it takes). Returns 1 with a line; 0 with none
 * for now (timeout, or no more records in /dev/kmsg) or at the end
 * (kmsg_input__eof); -EPIPE when /dev/kmsg overwrote records we had not
 * read (call again: reading goes on); -EINTR on a signal; other -errno on
 * a read error.
 */
int kmsg_input__next(struct kmsg_input *in, struct kmsg_line *ret, int timeout_ms);
/* The end of a text input was read. A growing file may have more later. */
bool kmsg_input__eof(const struct kmsg_input *in);
/* Forget the end: try reading again (following a file as it grows). */
void kmsg_input__rewind_eof(struct kmsg_input *in);
/* Physical lines cut to KMSG_INPUT_LINE_MAX, continuations cut to JOIN_MAX. */
uint64_t kmsg_input__truncated(const struct kmsg_input *in);
/* Bytes read so far. */
uint64_t kmsg_input__bytes(const struct kmsg_input *in);

#endif
