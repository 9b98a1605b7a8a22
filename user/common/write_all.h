/* SPDX-License-Identifier: GPL-2.0 */
/* Writing a whole buffer to a file descriptor. */
#ifndef OOMTRACE_WRITE_ALL_H
#define OOMTRACE_WRITE_ALL_H

#include <stddef.h>

/* write() all of buf to fd, retrying on EINTR and short writes: 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

#endif
