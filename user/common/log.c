// SPDX-License-Identifier: GPL-2.0
/* Diagnostics on stderr. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

bool log_verbose;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "oomtrace: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}

void log_bad_value(const struct option *longopts, int opt, const char *value, const char *cmd)
{
	for (const struct option *lo = longopts; lo->name; lo++) {
		if (lo->val == opt) {
			log_err("invalid value '%s' for --%s (see '%s --help')", value, lo->name, cmd);
			return;
		}
	}
	log_err("invalid value '%s' for -%c (see '%s --help')", value, opt, cmd);
}
