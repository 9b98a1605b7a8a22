/* SPDX-License-Identifier: GPL-2.0 */
/*
 * 64-bit arithmetic that saturates instead of overflowing. Points, pages
 * and margins come from kernel logs and record files, hostile input as
 * much as the kernel's own numbers: an extreme value must print as the
 * limit it reached, never wrap, and never be undefined behaviour.
 */
#ifndef OOMTRACE_SAT_MATH_H
#define OOMTRACE_SAT_MATH_H

#include <stdint.h>

static inline int64_t sat_add64(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t sat_sub64(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t sat_mul64(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

/* An unsigned count as a signed one: INT64_MAX at most. */
static inline int64_t sat_i64(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* |a|, whole even for INT64_MIN. */
static inline uint64_t abs_u64(int64_t a)
{
	return a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
}

/* a * b, UINT64_MAX where it would not fit. */
static inline uint64_t sat_mul_u64(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

#endif
