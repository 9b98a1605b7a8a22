// SPDX-License-Identifier: GPL-2.0
/* Command-line values, checked the same way by every subcommand. */
#include <errno.h>
#include <stdlib.h>

#include "cli_args.h"

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
