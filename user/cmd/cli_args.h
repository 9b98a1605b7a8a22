/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line values, checked the same way by every subcommand. */
#ifndef OOMTRACE_CLI_ARGS_H
#define OOMTRACE_CLI_ARGS_H

#include <stdint.h>

/*
 * A whole non-negative decimal number up to max: 0 and *ret set, or -EINVAL
 * (empty, a sign, leading blanks, trailing text, or too large).
 */
int parse_u64(const char *s, uint64_t max, uint64_t *ret);

#endif
