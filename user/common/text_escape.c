// SPDX-License-Identifier: GPL-2.0
/* Escaping for human-readable output: nothing the kernel says reaches the terminal raw. */
#include <string.h>

#include "text_escape.h"

/* Escape one byte into out (at least 5 bytes); returns its length. */
static size_t escape_byte(unsigned char c, char *out)
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '\n': memcpy(out, "\\n", 2); return 2;
	case '\t': memcpy(out, "\\t", 2); return 2;
	case '\\': memcpy(out, "\\\\", 2); return 2;
	}
	if (c < 0x20 || c >= 0x7f) {
		out[0] = '\\';
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		return 4;
	}
	out[0] = (char)c;
	return 1;
}

void text_escape(FILE *out, const char *s, size_t len)
{
	char tmp[5];

	for (size_t i = 0; i < len && s[i]; i++)
		fwrite(tmp, 1, escape_byte((unsigned char)s[i], tmp), out);
}

char *text_escape_buf(char *buf, size_t size, const char *s)
{
	size_t used = 0;
	char tmp[5];

	if (!size)
		return buf;
	for (; s && *s; s++) {
		size_t n = escape_byte((unsigned char)*s, tmp);

		if (used + n >= size)
			break;
		memcpy(buf + used, tmp, n);
		used += n;
	}
	buf[used] = '\0';
	return buf;
}
