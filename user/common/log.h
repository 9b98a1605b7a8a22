/* SPDX-License-Identifier: GPL-2.0 */
/* Diagnostics: one line on stderr, prefixed "oomtrace: ". */
#ifndef OOMTRACE_LOG_H
#define OOMTRACE_LOG_H

#include <stdbool.h>

/* Exit codes (README, Commands): 0 done, 1 runtime failure, 2 bad usage. */
enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,
	EXIT_USAGE = 2,
};

extern bool log_verbose;

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct option;
/*
 * One line for an option whose value was refused: "invalid value 'V' for
 * --NAME (see 'CMD --help')", NAME found by the option's getopt value.
 */
void log_bad_value(const struct option *longopts, int opt, const char *value, const char *cmd);

#endif
