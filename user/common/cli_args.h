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
/* A size, "16M", "512k", "1G", "4096": bytes. 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *ret);

/*
 * A FILE option's value (--btf FILE): 0 when the file is readable now, so a
 * wrong path is a usage error; else -EINVAL, reported as "OPT: cannot read".
 */
int cli_check_readable(const char *opt, const char *path);
/* --cgroup PATH: 0 when PATH is absolute, else -EINVAL (reported). */
int cli_check_cgroup(const char *path);

/*
 * What getopt_long returned that a command's option loop does not take:
 * ':' (a value missing) or anything else (an unknown option), reported in
 * one line naming cmd ("oomtrace record"). opt is the option as written
 * (argv[optind - 1]). Returns -EINVAL.
 */
int cli_bad_option(int c, const char *opt, const char *cmd);
/* After the options of a command that takes no operands: 0, or -EINVAL (reported). */
int cli_no_operands(int argc, char **argv, int first, const char *cmd);

#endif
