// SPDX-License-Identifier: GPL-2.0
/* The one time module (time_iso) and the one number scanner (scan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan.h"
#include "time_iso.h"

/* 2026-11-23T10:01:02Z */
#define T0 1795428062ull
#define NS 1000000000ull

static void test_scan_loggers_stamps(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(time_iso_scan("2026-11-23T10:01:02Z", &ns), 20);
	assert_true(ns == T0 * NS);
	assert_int_equal(time_iso_scan("2026-11-23T11:01:02.5+01:00 x", &ns), 27);
	assert_true(ns == T0 * NS + 500000000ull);
	assert_int_equal(time_iso_scan("2026-11-23T05:01:02-0500", &ns), 24);
	assert_true(ns == T0 * NS);
	assert_int_equal(time_iso_scan("2026-11-23T12:01:02+02", &ns), 22);
	assert_true(ns == T0 * NS);
	/* dmesg --time-format=iso: a comma and microseconds */
	assert_int_equal(time_iso_scan("2026-11-23T10:01:02,123456+0000 text", &ns), 31);
	assert_true(ns == T0 * NS + 123456000ull);
	/* a blank instead of 'T', no zone: local time, whatever TZ says */
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(time_iso_scan("2026-11-23 10:01:02 host", &ns), 19);
	assert_true(ns == T0 * NS);
	/* more than 9 fraction digits are read, the extra ones do not count */
	assert_int_equal(time_iso_scan("2026-11-23T10:01:02.1234567891Z", &ns), 31);
	assert_true(ns == T0 * NS + 123456789ull);
	/* not stamps */
	assert_int_equal(time_iso_scan("2026-13-23T10:01:02Z", &ns), 0);
	assert_int_equal(time_iso_scan("2026-11-23T25:01:02Z", &ns), 0);
	assert_int_equal(time_iso_scan("2026-11-32T10:01:02Z", &ns), 0);
	assert_int_equal(time_iso_scan("1969-12-31T23:59:59Z", &ns), 0);
	assert_int_equal(time_iso_scan("20261123", &ns), 0);
	assert_int_equal(time_iso_scan("02026-11-23T10:01:02Z", &ns), 0);
	assert_int_equal(time_iso_scan("2026-11-23X10:01:02Z", &ns), 0);
	assert_int_equal(time_iso_scan("", &ns), 0);
}

static void test_parse_strict(void **state)
{
	uint64_t ns;

	(void)state;
	assert_int_equal(parse_time_iso("1970-01-01T00:00:00Z", &ns), 0);
	assert_true(ns == 0);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11.5Z", &ns), 0);
	assert_true(ns == 1795513631500000000ull);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11.123456789Z", &ns), 0);
	assert_true(ns % NS == 123456789);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11.1234567891Z", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-13-24T09:47:11Z", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-11-24 09:47:11Z", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11.Z", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11,5Z", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11+01:00", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-11-24T09:47:11Z ", &ns), -EINVAL);
	assert_int_equal(parse_time_iso("2026-1-24T09:47:11Z", &ns), -EINVAL);
}

/* What format_time_iso writes, parse_time_iso reads back (to the µs it keeps). */
static void test_round_trip(void **state)
{
	static const uint64_t times[] = {
		0, T0 * NS, T0 * NS + 123456000ull, 4102444799ull * NS + 999999000ull,
		951782400ull * NS,	/* 2000-02-29 */
	};
	char buf[64];
	uint64_t ns;

	(void)state;
	format_time_iso(buf, sizeof(buf), T0 * NS + 5000);
	assert_string_equal(buf, "2026-11-23T10:01:02.000005Z");
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		format_time_iso(buf, sizeof(buf), times[i]);
		assert_int_equal(parse_time_iso(buf, &ns), 0);
		assert_true(ns == times[i]);
		assert_int_equal(time_iso_scan(buf, &ns), strlen(buf));
		assert_true(ns == times[i]);
	}
	format_time_iso(buf, 11, T0 * NS);	/* cut, terminated */
	assert_string_equal(buf, "2026-11-23");
}

static void test_clock_and_frac(void **state)
{
	struct tm tm = {};
	const char *p;

	(void)state;
	assert_int_equal(time_scan_clock("23:59:60", &tm), 8);
	assert_int_equal(tm.tm_hour, 23);
	assert_int_equal(tm.tm_sec, 60);
	assert_int_equal(time_scan_clock("24:00:00", &tm), 0);
	assert_int_equal(time_scan_clock("12:60:00", &tm), 0);
	assert_int_equal(time_scan_clock("1:00:00", &tm), 0);
	p = ".25 x";
	assert_true(time_scan_frac(&p) == 250000000ull);
	assert_string_equal(p, " x");
	p = ". x";
	assert_true(time_scan_frac(&p) == 0);
	assert_string_equal(p, ". x");
	tm = (struct tm){ .tm_year = 70, .tm_mday = 1 };
	assert_true(time_from_tm(&tm, true, 7) == 7);
	tm = (struct tm){ .tm_year = 69, .tm_mon = 11, .tm_mday = 31 };
	assert_true(time_from_tm(&tm, true, 0) == 0);
}

static void test_scan_numbers(void **state)
{
	const char *p;
	uint64_t u;
	int64_t i;
	int32_t i32;

	(void)state;
	assert_true(scan_is_digit('0') && scan_is_digit('9') && !scan_is_digit('a'));
	assert_true(scan_is_hex('f') && scan_is_hex('F') && !scan_is_hex('g'));
	p = "18446744073709551615x";
	assert_true(scan_u64(&p, &u));
	assert_true(u == UINT64_MAX);
	assert_string_equal(p, "x");
	p = "18446744073709551616";
	assert_false(scan_u64(&p, &u));
	assert_string_equal(p, "18446744073709551616");	/* not moved */
	p = "-1";
	assert_false(scan_u64(&p, &u));
	p = "-9223372036854775808 ";
	assert_true(scan_i64(&p, &i));
	assert_true(i == INT64_MIN);
	p = "9223372036854775808";
	assert_false(scan_i64(&p, &i));
	p = "-";
	assert_false(scan_i64(&p, &i));
	p = "-2147483648";
	assert_true(scan_i32(&p, &i32));
	assert_int_equal(i32, INT32_MIN);
	p = "2147483648";
	assert_false(scan_i32(&p, &i32));
	/* fields: at most max digits, and no digit right after */
	p = "2024-05";
	assert_true(scan_u64_max(&p, 4, &u));
	assert_true(u == 2024);
	p = "20245";
	assert_false(scan_u64_max(&p, 4, &u));
	p = "x";
	assert_false(scan_u64_max(&p, 4, &u));
	p = "99999999999999999999";	/* 20 digits, above UINT64_MAX */
	assert_false(scan_u64_max(&p, 20, &u));
	/* hex */
	p = "0xffffffffffffffff)";
	assert_true(scan_hex(&p, true, &u));
	assert_true(u == UINT64_MAX);
	assert_string_equal(p, ")");
	p = "0x1ffffffffffffffff";
	assert_false(scan_hex(&p, true, &u));
	p = "ff";
	assert_false(scan_hex(&p, true, &u));
	assert_true(scan_hex(&p, false, &u));
	assert_true(u == 255);
	p = "0x";
	assert_false(scan_hex(&p, true, &u));
	/* a whole run */
	assert_int_equal(scan_digits_u64("123", 3, &u), 0);
	assert_true(u == 123);
	assert_int_equal(scan_digits_u64("12a", 3, &u), -EINVAL);
	assert_int_equal(scan_digits_u64("", 0, &u), -EINVAL);
	assert_int_equal(scan_digits_u64("18446744073709551616", 20, &u), -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_loggers_stamps),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_clock_and_frac),
		cmocka_unit_test(test_scan_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
