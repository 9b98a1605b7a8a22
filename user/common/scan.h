/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one scanner for digits and numbers in text: kernel log lines, /dev/kmsg
 * records, time stamps, JSON numbers. Locale-free (isdigit() is not), no
 * signs or blanks taken unless asked, and overflow is a failure, never a
 * wrap. Scanners take `const char **p` into NUL-terminated text and move
 * *p past what they read only when they succeed.
 */
#ifndef OOMTRACE_SCAN_H
#define OOMTRACE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool scan_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool scan_is_hex(char c)
{
	return scan_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* An unsigned decimal of any length; false without a digit or on overflow. */
bool scan_u64(const char **p, uint64_t *ret);
/*
 * A field of 1..max_digits decimal digits that no further digit follows
 * ("2024" of "2024-05-20"); false otherwise or on overflow.
 */
bool scan_u64_max(const char **p, unsigned max_digits, uint64_t *ret);
/* An optional '-' and a decimal, within the type's range. */
bool scan_i64(const char **p, int64_t *ret);
bool scan_i32(const char **p, int32_t *ret);
/* Hex digits, "0x"/"0X" first when with_prefix; at most 16 digits. */
bool scan_hex(const char **p, bool with_prefix, uint64_t *ret);
/* Exactly s[0..n) as an unsigned decimal: 0, -EINVAL (not all digits), -ERANGE. */
int scan_digits_u64(const char *s, size_t n, uint64_t *ret);

#endif
