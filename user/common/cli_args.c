// SPDX-License-Identifier: GPL-2.0
/* Command-line values, checked the same way by every subcommand. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_args.h"
#include "log.h"

int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	/* strtoull would take a sign or leading blanks: a value has neither */
	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cli_check_readable(const char *opt, const char *path)
{
	if (!access(path, R_OK))
		return 0;
	log_err("%s: cannot read '%s': %s", opt, path, strerror(errno));
	return -EINVAL;
}

int cli_check_cgroup(const char *path)
{
	if (path[0] == '/')
		return 0;
	log_err("--cgroup: '%s' is not an absolute cgroup path", path);
	return -EINVAL;
}

int cli_bad_option(int c, const char *opt, const char *cmd)
{
	if (c == ':')
		log_err("option '%s' needs a value (see '%s --help')", opt, cmd);
	else
		log_err("unrecognized option '%s' (see '%s --help')", opt, cmd);
	return -EINVAL;
}

int cli_no_operands(int argc, char **argv, int first, const char *cmd)
{
	if (first >= argc)
		return 0;
	log_err("unexpected argument '%s' (see '%s --help')", argv[first], cmd);
	return -EINVAL;
}

/* "16M", "512k", "1G", "4096": bytes. */
int parse_size(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;
	unsigned int shift = 0;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: return -EINVAL;
	}
	if (*end || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*ret = (uint64_t)v << shift;
	return 0;
}
