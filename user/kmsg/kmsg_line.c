// SPDX-License-Identifier: GPL-2.0
/*
 * Taking the prefixes off kernel log lines. Every parser here reads at most
 * up to the line's terminating NUL and bails out at the first surprise: a
 * line that does not match a prefix exactly is left as it is.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "kmsg_line.h"
#include "scan.h"
#include "time_iso.h"

static const char *skip_blanks(const char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

static const char months[12][4] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
};

/* English month abbreviation at s (3 letters, any case): 0..11, or -1. */
static int month_abbrev(const char *s)
{
	for (int m = 0; m < 12; m++)
		if (tolower((unsigned char)s[0]) == months[m][0] &&
		    tolower((unsigned char)s[1]) == months[m][1] &&
		    tolower((unsigned char)s[2]) == months[m][2])
			return m;
	return -1;
}

static void copy_stamp(struct kmsg_line *l, const char *s, size_t n)
{
	if (n >= sizeof(l->stamp))
		n = sizeof(l->stamp) - 1;
	memcpy(l->stamp, s, n);
	l->stamp[n] = '\0';
}

/*
 * /dev/kmsg: "PRI,SEQ,USEC,FLAGS[,more];text". The text escapes bytes below
 * 0x20, above 0x7e and the backslash itself as \xHH, so decoding is exact.
 */
static bool split_kmsg_record(char *s, struct kmsg_line *l)
{
	const char *p = s;
	uint64_t prio, seq, usec;
	char *text, *w;
	const char *r;

	if (!scan_u64_max(&p, 10, &prio) || *p++ != ',' || !scan_u64_max(&p, 20, &seq) ||
	    *p++ != ',' || !scan_u64_max(&p, 20, &usec) || *p++ != ',')
		return false;
	for (int i = 0; *p != ';'; p++, i++)
		if (!*p || *p == ' ' || i > 64)
			return false;
	text = (char *)p + 1;
	for (r = text, w = text; *r; ) {
		static const char hex[] = "0123456789abcdef0123456789ABCDEF";
		const char *h1, *h2;

		/* the kernel never writes \x00 (its text is a C string): keep it as text */
		if (r[0] == '\\' && r[1] == 'x' && r[2] && r[3] &&
		    (h1 = strchr(hex, r[2])) && (h2 = strchr(hex, r[3])) &&
		    (((h1 - hex) & 15) | ((h2 - hex) & 15))) {
			*w++ = (char)(((h1 - hex) & 15) << 4 | ((h2 - hex) & 15));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	l->kmsg_record = true;
	l->kernel = (prio >> 3) == 0;	/* userspace cannot write facility 0 */
	l->has_seq = true;
	l->seq = seq;
	l->has_ktime = true;
	l->ktime_us = usec;
	l->text = text;
	l->len = (size_t)(w - text);
	l->prefix_width = (size_t)(text - s);
	return true;
}

/* syslog/journal tag after a stamp: "host kernel: ", " kernel: ", "sudo[1]: " */
static const char *split_tag(const char *p, struct kmsg_line *l)
{
	const char *tok = p, *end;

	if (*p == ' ')	/* journalctl with the host name removed: two spaces */
		tok = p + 1;
	for (int i = 0; i < 2; i++) {
		end = tok;
		while (*end && *end != ' ')
			end++;
		if (end > tok && end[-1] == ':' && (*end == ' ' || !*end)) {
			const char *br = memchr(tok, '[', (size_t)(end - tok));
			size_t n = (size_t)((br ? br : end - 1) - tok);

			l->kernel = n == 6 && !memcmp(tok, "kernel", 6);
			return *end ? end + 1 : end;
		}
		if (!*end)
			break;
		tok = end + 1;	/* that was the host name */
	}
	l->kernel = false;	/* "host -- MARK --" and the like: not the kernel's */
	return NULL;
}

/* "Mmm dd HH:MM:SS[.frac] " (RFC 3164, journalctl's default): no year */
static const char *split_syslog(const char *s, struct kmsg_line *l)
{
	const char *p = s + 3;
	struct tm tm;
	uint64_t day;

	if (month_abbrev(s) < 0 || *p++ != ' ')
		return NULL;
	if (*p == ' ')
		p++;
	if (!scan_u64_max(&p, 2, &day) || day < 1 || day > 31 || *p++ != ' ' ||
	    !time_scan_clock(p, &tm))
		return NULL;
	p += 8;
	time_scan_frac(&p);
	if (*p != ' ')
		return NULL;
	copy_stamp(l, s, (size_t)(p - s));
	return split_tag(p + 1, l);
}

/* "2024-05-20T16:38:46.123+02:00 host kernel: " or dmesg's "...,123456+0200 text" */
static const char *split_iso(const char *s, struct kmsg_line *l)
{
	uint64_t ns = 0;
	size_t n = time_iso_scan(s, &ns);
	const char *tagged;

	if (!n || s[n] != ' ')
		return NULL;
	copy_stamp(l, s, n);
	if (ns) {
		l->has_wall = true;
		l->wall_ns = ns;
	}
	/* dmesg --time-format=iso writes a comma and no host or tag */
	if (n > 19 && s[19] == ',')
		return s + n + 1;
	tagged = split_tag(s + n + 1, l);
	if (tagged)
		return tagged;
	l->kernel = true;
	return s + n + 1;
}

/* dmesg -x: "kern  :info  : " */
static const char *split_decoded_facility(const char *s, struct kmsg_line *l)
{
	static const char *const fac[] = {
		"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
		"cron", "authpriv", "ftp", "local0", "local1", "local2", "local3", "local4",
		"local5", "local6", "local7",
	};
	static const char *const lvl[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
	};
	const char *p = s;
	size_t n;
	int f = -1;

	/* cheap test first: a lowercase word, blanks, ':' */
	while ((*p >= 'a' && *p <= 'z') || scan_is_digit(*p))
		p++;
	if (p == s || p - s > 8 || *skip_blanks(p) != ':')
		return NULL;
	p = s;
	for (size_t i = 0; i < sizeof(fac) / sizeof(fac[0]); i++) {
		n = strlen(fac[i]);
		if (!strncmp(p, fac[i], n) && (p[n] == ' ' || p[n] == ':')) {
			f = (int)i;
			p += n;
			break;
		}
	}
	if (f < 0)
		return NULL;
	while (*p == ' ')
		p++;
	if (*p++ != ':')
		return NULL;
	for (size_t i = 0; i < sizeof(lvl) / sizeof(lvl[0]); i++) {
		n = strlen(lvl[i]);
		if (!strncmp(p, lvl[i], n) && (p[n] == ' ' || p[n] == ':')) {
			p += n;
			while (*p == ' ')
				p++;
			if (*p != ':' || p[1] != ' ')
				return NULL;
			l->kernel = f == 0;
			return p + 2;
		}
	}
	return NULL;
}

/*
 * dmesg -T in any locale: "[Tue Sep  3 05:57:48 2024]", "[二 9月  3 05:57:48 2024]".
 * The clock and the year are found by shape; the month only when it
 * starts with its number or with an English abbreviation (Latin languages'
 * names that do, "sept.", "mars", "juin", name the same month). Otherwise
 * the stamp is kept as written, with no wall time.
 */
static void parse_dmesg_T(const char *s, size_t n, struct kmsg_line *l)
{
	const char *clock = NULL, *p, *q;
	struct tm tm = {};
	uint64_t year, day, mon;
	int m = -1;

	for (size_t i = 0; i + 8 <= n; i++)
		if (time_scan_clock(s + i, &tm) && (i == 0 || s[i - 1] == ' ')) {
			clock = s + i;
			break;
		}
	if (!clock)
		return;
	p = clock + 8;
	if (*p++ != ' ' || !scan_u64_max(&p, 4, &year) || p - clock != 13 || year < 1970)
		return;
	/* the day is the number right before the clock, the month before it */
	p = clock - 1;
	while (p > s && *p == ' ')
		p--;
	while (p > s && scan_is_digit(p[-1]))
		p--;
	q = p;
	if (!scan_u64_max(&q, 2, &day) || day < 1 || day > 31)
		return;
	while (p > s && p[-1] == ' ')
		p--;
	while (p > s && p[-1] != ' ')	/* start of the month token */
		p--;
	if (scan_is_digit(*p)) {	/* "9月", "09." */
		mon = (uint64_t)(*p - '0');
		if (scan_is_digit(p[1]))
			mon = mon * 10 + (uint64_t)(p[1] - '0');
		m = mon >= 1 && mon <= 12 ? (int)mon - 1 : -1;
	} else if (clock - p >= 3) {
		m = month_abbrev(p);
	}
	if (m < 0)
		return;
	tm.tm_year = (int)year - 1900;
	tm.tm_mon = m;
	tm.tm_mday = (int)day;
	l->wall_ns = time_from_tm(&tm, false, 0);
	l->has_wall = l->wall_ns != 0;
}

/*
 * A "[...]" stamp: "[ 123.456789]" (ktime), "[ 123.456789 <  0.000012>]"
 * (dmesg -d), "[  +0.000012]" (delta), or a dmesg -T clock. Task-table rows,
 * "[<ffffffff8100>]" frames and "[ pid ]" are not stamps.
 */
static const char *split_bracket(const char *s, struct kmsg_line *l)
{
	const char *p = s + 1, *close = strchr(s, ']');
	uint64_t sec, usec;
	size_t n;

	if (!close || close - s > 64)
		return NULL;
	while (*p == ' ')
		p++;
	if (*p == '+' && scan_is_digit(p[1])) {	/* relative time: no absolute fact */
		l->bracket_stamp = true;
		return close[1] == ' ' ? close + 2 : close + 1;
	}
	if (scan_u64_max(&p, 12, &sec) && *p == '.' && scan_is_digit(p[1])) {
		const char *f = p + 1;
		unsigned digits = 0;

		usec = 0;
		while (scan_is_digit(*f) && digits < 6) {
			usec = usec * 10 + (uint64_t)(*f++ - '0');
			digits++;
		}
		if (scan_is_digit(*f))
			return NULL;
		while (digits++ < 6)
			usec *= 10;
		if (*f != ']' && *f != ' ')
			return NULL;
		l->has_ktime = true;
		l->ktime_us = sec * 1000000 + usec;
		l->bracket_stamp = true;
		return close[1] == ' ' ? close + 2 : close + 1;
	}
	/* dmesg -T: has a clock and a year; no hex frame address has ':' */
	n = (size_t)(close - s - 1);
	for (size_t i = 1; i + 8 <= n + 1; i++) {
		struct tm tm;

		if (time_scan_clock(s + i, &tm)) {
			copy_stamp(l, s + 1, n);
			parse_dmesg_T(s + 1, n, l);
			l->bracket_stamp = true;
			return close[1] == ' ' ? close + 2 : close + 1;
		}
	}
	return NULL;
}

/* journalctl -o short-monotonic: "[ 123.456789] host kernel: text" */
static const char *split_monotonic_host(const char *p, struct kmsg_line *l)
{
	const char *sp = strchr(p, ' ');

	if (!sp || sp == p || strncmp(sp + 1, "kernel: ", 8))
		return p;
	for (const char *q = p; q < sp; q++)
		if (*q == ':' || *q == '[' || *q == '(')
			return p;	/* looks like kernel text, not a host name */
	l->kernel = true;
	return sp + 9;
}

void kmsg_line_split(char *buf, size_t len, struct kmsg_line *l)
{
	const char *p = buf, *next;
	bool syslog = false;

	memset(l, 0, sizeof(*l));
	l->kernel = true;
	len = strnlen(buf, len);
	while (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	l->lead = (size_t)(p - buf);
	if (scan_is_digit(*p) && split_kmsg_record((char *)p, l)) {
		l->prefixed = true;
		return;
	}
	if (!strncmp(p, "-- ", 3) && len >= 6 && !strcmp(buf + len - 3, " --")) {
		l->meta = true;	/* journalctl's "-- Boot 1a2b.. --", "-- No entries --" */
		l->kernel = false;
		l->text = p;
		l->len = len - l->lead;
		return;
	}
	if (*p == '<' && scan_is_digit(p[1])) {	/* dmesg -r, syslog PRI */
		const char *q = p + 1;
		uint64_t prio;

		if (scan_u64_max(&q, 4, &prio) && *q == '>') {
			l->kernel = (prio >> 3) == 0;
			p = q + 1;
		}
	}
	if ((next = split_decoded_facility(p, l)))
		p = next;
	if (isalpha((unsigned char)*p) && (next = split_syslog(p, l))) {
		p = next;
		syslog = true;
	} else if (l->stamp[0] && !l->kernel) {
		/* a syslog stamp with a tag we could not find: another program */
		p = p + strlen(p);
	} else if (scan_is_digit(*p) && (next = split_iso(p, l))) {
		p = next;
		syslog = true;
	}
	if (*p == '[' && (next = split_bracket(p, l))) {
		p = next;
		if (!syslog)
			p = split_monotonic_host(p, l);
		else
			l->bracket_stamp = false;	/* continuations carry the syslog prefix */
	}
	l->text = p;
	l->len = len - (size_t)(p - buf);
	l->prefix_width = (size_t)(p - buf);
	l->prefixed = l->prefix_width > l->lead;
}
