// SPDX-License-Identifier: GPL-2.0
/* Digits and numbers in text (scan.h). */
#include <errno.h>

#include "scan.h"

/* Append digit c to *v; false on overflow. */
static bool add_digit(uint64_t *v, char c)
{
	uint64_t d = (uint64_t)(c - '0');

	if (*v > (UINT64_MAX - d) / 10)
		return false;
	*v = *v * 10 + d;
	return true;
}

bool scan_u64(const char **p, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!scan_is_digit(*s))
		return false;
	for (; scan_is_digit(*s); s++)
		if (!add_digit(&v, *s))
			return false;
	*p = s;
	*ret = v;
	return true;
}

bool scan_u64_max(const char **p, unsigned max_digits, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;
	unsigned n = 0;

	for (; scan_is_digit(*s) && n < max_digits; s++, n++)
		if (!add_digit(&v, *s))
			return false;
	if (!n || scan_is_digit(*s))
		return false;
	*p = s;
	*ret = v;
	return true;
}

bool scan_i64(const char **p, int64_t *ret)
{
	const char *s = *p;
	bool neg = *s == '-';
	uint64_t v;

	if (neg)
		s++;
	if (!scan_u64(&s, &v) || v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return false;
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	*p = s;
	return true;
}

bool scan_i32(const char **p, int32_t *ret)
{
	const char *s = *p;
	int64_t v;

	if (!scan_i64(&s, &v) || v < INT32_MIN || v > INT32_MAX)
		return false;
	*ret = (int32_t)v;
	*p = s;
	return true;
}

bool scan_hex(const char **p, bool with_prefix, uint64_t *ret)
{
	const char *s = *p;
	uint64_t v = 0;
	int n = 0;

	if (with_prefix) {
		if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
			return false;
		s += 2;
	}
	for (; scan_is_hex(*s); s++, n++) {
		if (n == 16)
			return false;
		v = v << 4 | (uint64_t)(scan_is_digit(*s) ? *s - '0' : (*s | 0x20) - 'a' + 10);
	}
	if (!n)
		return false;
	*p = s;
	*ret = v;
	return true;
}

int scan_digits_u64(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (!n)
		return -EINVAL;
	for (size_t k = 0; k < n; k++) {
		if (!scan_is_digit(s[k]))
			return -EINVAL;
		if (!add_digit(&v, s[k]))
			return -ERANGE;
	}
	*ret = v;
	return 0;
}
