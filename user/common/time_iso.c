// SPDX-License-Identifier: GPL-2.0
/* ISO 8601 times read and written (time_iso.h). */
#include <errno.h>
#include <stdio.h>

#include "scan.h"
#include "time_iso.h"

size_t time_scan_clock(const char *s, struct tm *tm)
{
	if (!scan_is_digit(s[0]) || !scan_is_digit(s[1]) || s[2] != ':' ||
	    !scan_is_digit(s[3]) || !scan_is_digit(s[4]) || s[5] != ':' ||
	    !scan_is_digit(s[6]) || !scan_is_digit(s[7]))
		return 0;
	tm->tm_hour = (s[0] - '0') * 10 + (s[1] - '0');
	tm->tm_min = (s[3] - '0') * 10 + (s[4] - '0');
	tm->tm_sec = (s[6] - '0') * 10 + (s[7] - '0');
	if (tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60)
		return 0;
	return 8;
}

uint64_t time_scan_frac(const char **p)
{
	const char *s = *p;
	uint64_t ns = 0, scale = 100000000;

	if ((*s != '.' && *s != ',') || !scan_is_digit(s[1]))
		return 0;
	for (s++; scan_is_digit(*s); s++) {	/* digits past the 9th do not count */
		ns += (uint64_t)(*s - '0') * scale;
		scale /= 10;
	}
	*p = s;
	return ns;
}

uint64_t time_from_tm(struct tm *tm, bool utc, uint64_t frac_ns)
{
	time_t t;

	tm->tm_isdst = -1;
	t = utc ? timegm(tm) : mktime(tm);
	if (t == (time_t)-1 || t < 0)
		return 0;
	return (uint64_t)t * 1000000000ull + frac_ns;
}

/* "YYYY-MM-DD" and the separator after it; false if not a valid date. */
static bool scan_date(const char **p, struct tm *tm)
{
	const char *s = *p;
	uint64_t y, mo, d;

	if (!scan_u64_max(&s, 4, &y) || s - *p != 4 || *s++ != '-' ||
	    !scan_u64_max(&s, 2, &mo) || *s++ != '-' || !scan_u64_max(&s, 2, &d))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return false;
	tm->tm_year = (int)y - 1900;
	tm->tm_mon = (int)mo - 1;
	tm->tm_mday = (int)d;
	*p = s;
	return true;
}

/* "Z", "+HH:MM", "-HHMM", "+HH" at *p: the offset east of UTC in seconds. */
static bool scan_zone(const char **p, int64_t *ret_off)
{
	const char *s = *p;
	int64_t sign, hh, mm = 0;

	if (*s == 'Z') {
		*ret_off = 0;
		*p = s + 1;
		return true;
	}
	if ((*s != '+' && *s != '-') || !scan_is_digit(s[1]) || !scan_is_digit(s[2]))
		return false;
	sign = *s == '-' ? -1 : 1;
	hh = (s[1] - '0') * 10 + (s[2] - '0');
	s += 3;
	if (*s == ':')
		s++;
	if (scan_is_digit(s[0]) && scan_is_digit(s[1])) {
		mm = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
	}
	*ret_off = sign * (hh * 3600 + mm * 60);
	*p = s;
	return true;
}

size_t time_iso_scan(const char *s, uint64_t *ret_ns)
{
	const char *p = s;
	struct tm tm = {};
	uint64_t frac;
	int64_t off = 0;
	bool zone;

	if (!scan_date(&p, &tm) || (*p != 'T' && *p != ' '))
		return 0;
	p++;
	if (!time_scan_clock(p, &tm))
		return 0;
	p += 8;
	frac = time_scan_frac(&p);
	zone = scan_zone(&p, &off);
	*ret_ns = time_from_tm(&tm, zone, frac);
	if (*ret_ns && zone)
		*ret_ns -= (uint64_t)(off * 1000000000ll);
	return (size_t)(p - s);
}

int parse_time_iso(const char *s, uint64_t *ret_ns)
{
	const char *p = s, *digits;
	struct tm tm = {};
	uint64_t frac = 0;

	if (!scan_date(&p, &tm) || p - s != 10 || *p++ != 'T' || !time_scan_clock(p, &tm))
		return -EINVAL;
	p += 8;
	if (*p == '.') {
		digits = p + 1;
		frac = time_scan_frac(&p);
		if (p == digits - 1 || p - digits > 9)
			return -EINVAL;
	}
	if (p[0] != 'Z' || p[1])
		return -EINVAL;
	*ret_ns = time_from_tm(&tm, true, frac);	/* 1970 or later: representable */
	return 0;
}

void format_time_iso(char *buf, size_t size, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000ull);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ns % 1000000000ull / 1000));
}
