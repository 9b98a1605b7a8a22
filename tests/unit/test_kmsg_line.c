// SPDX-License-Identifier: GPL-2.0
/* kmsg_line: every log format's prefix off, its time facts kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kmsg_line.h"

/* split a copy of s (kmsg_line_split writes into its buffer) */
static struct kmsg_line split(const char *s)
{
	static char buf[4096];
	struct kmsg_line l;

	strcpy(buf, s);
	kmsg_line_split(buf, strlen(buf), &l);
	return l;
}

static int setup_utc(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void test_kmsg_record(void **state)
{
	struct kmsg_line l;

	(void)state;
	/* a hostile comm as /dev/kmsg escapes it: every byte comes back */
	l = split("6,742,3113020303,-;[   3324]     0  3324   762  q\"n\\x0ax\\x1b[31mz\\x5c");
	assert_true(l.kmsg_record && l.kernel && l.prefixed);
	assert_true(l.has_seq && l.has_ktime);
	assert_int_equal(l.seq, 742);
	assert_int_equal(l.ktime_us, 3113020303ull);
	assert_string_equal(l.text, "[   3324]     0  3324   762  q\"n\nx\033[31mz\\");
	assert_int_equal(l.len, strlen(l.text));
	assert_false(l.bracket_stamp);
	/* userspace writes to /dev/kmsg land in facility 1 and up: not the kernel */
	l = split("12,2447,3332700000,-;oomtrace-test-mark 1");
	assert_false(l.kernel);
	/* CONFIG_PRINTK_CALLER adds a field */
	l = split("4,99,1000,c,caller=T123;Out of memory: Killed process 1 (a)");
	assert_true(l.kernel);
	assert_string_equal(l.text, "Out of memory: Killed process 1 (a)");
	/* the kernel never escapes a NUL: "\x00" stays text, the text stays a string */
	l = split("6,1,2,-;a\\x00b");
	assert_string_equal(l.text, "a\\x00b");
	assert_int_equal(l.len, 6);
	/* not a record: a number followed by text */
	l = split("100155 total pagecache pages");
	assert_false(l.kmsg_record);
	assert_string_equal(l.text, "100155 total pagecache pages");
}

static void test_dmesg(void **state)
{
	struct kmsg_line l;

	(void)state;
	l = split("[14808.063890] main invoked oom-killer: gfp_mask=0x24000c0");
	assert_true(l.has_ktime && l.bracket_stamp && l.kernel);
	assert_int_equal(l.ktime_us, 14808063890ull);
	assert_int_equal(l.prefix_width, 15);
	assert_string_equal(l.text, "main invoked oom-killer: gfp_mask=0x24000c0");
	l = split("[   25.721494] allocate");
	assert_int_equal(l.ktime_us, 25721494);
	/* -r: syslog priority first */
	l = split("<6>[ 3113.020303] hog invoked oom-killer:");
	assert_true(l.kernel && l.has_ktime);
	assert_string_equal(l.text, "hog invoked oom-killer:");
	l = split("<14>[ 3113.020303] a user's line");
	assert_false(l.kernel);
	/* -x: decoded facility and level */
	l = split("kern  :info  : [ 4895.171416] [  26017]     0 26017 q");
	assert_true(l.kernel && l.has_ktime);
	assert_string_equal(l.text, "[  26017]     0 26017 q");
	assert_int_equal(l.prefix_width, 30);
	l = split("user  :warn  : [ 4895.171416] oomtrace-test-mark");
	assert_false(l.kernel);
	/* -d: the delta after the time */
	l = split("[  123.456789 <    0.000123>] text");
	assert_int_equal(l.ktime_us, 123456789);
	assert_string_equal(l.text, "text");
	/* indented, as pasted in a mail */
	l = split("  [93334.020194] xfs_db invoked oom-killer:");
	assert_int_equal(l.ktime_us, 93334020194ull);
	assert_true(l.prefixed);
	/* brackets that are no stamp: task rows, frame addresses, "[ pid ]" */
	l = split("[  390]     0   390    39012     6739");
	assert_false(l.prefixed || l.has_ktime);
	assert_string_equal(l.text, "[  390]     0   390    39012     6739");
	l = split("[<ffffffff816861ac>] dump_stack+0x19/0x1b");
	assert_false(l.prefixed);
	l = split("[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name");
	assert_false(l.prefixed);
}

static void test_dmesg_T_locales(void **state)
{
	struct kmsg_line l;
	const uint64_t want = 1725343068ull * 1000000000ull;	/* 2024-09-03 05:57:48 UTC */

	(void)state;
	l = split("[Tue Sep  3 05:57:48 2024] oom-kill:constraint=CONSTRAINT_MEMCG");
	assert_true(l.has_wall && l.bracket_stamp);
	assert_int_equal(l.wall_ns, want);
	assert_string_equal(l.stamp, "Tue Sep  3 05:57:48 2024");
	assert_string_equal(l.text, "oom-kill:constraint=CONSTRAINT_MEMCG");
	/* zh_CN: the month is "9月" */
	l = split("[\xe4\xba\x8c 9\xe6\x9c\x88  3 05:57:48 2024] oom-kill:x");
	assert_true(l.has_wall);
	assert_int_equal(l.wall_ns, want);
	assert_string_equal(l.text, "oom-kill:x");
	/* fr_FR "sept.": Latin month names share English's first letters */
	l = split("[mar. sept.  3 05:57:48 2024] oom-kill:x");
	assert_true(l.has_wall);
	assert_int_equal(l.wall_ns, want);
	/* de_DE "Okt" cannot be read: the stamp is kept, the time is not made up */
	l = split("[Do Okt  3 05:57:48 2024] oom-kill:x");
	assert_false(l.has_wall);
	assert_true(l.bracket_stamp);
	assert_string_equal(l.stamp, "Do Okt  3 05:57:48 2024");
	assert_string_equal(l.text, "oom-kill:x");
	/* --time-format=iso */
	l = split("2024-09-03T13:57:48,123456+08:00 oom-kill:x");
	assert_true(l.has_wall && l.kernel);
	assert_int_equal(l.wall_ns, want + 123456000ull);
	assert_string_equal(l.text, "oom-kill:x");
}

static void test_syslog_journal(void **state)
{
	struct kmsg_line l;

	(void)state;
	l = split("Apr 19 03:09:57 xxx kernel: [28656]   602 28656 java");
	assert_true(l.kernel && l.prefixed);
	assert_false(l.has_wall || l.has_ktime);	/* no year: no wall time */
	assert_string_equal(l.stamp, "Apr 19 03:09:57");
	assert_string_equal(l.text, "[28656]   602 28656 java");
	/* journalctl -k with the host name removed: two spaces */
	l = split("Feb 18 17:34:47  kernel: java invoked oom-killer:");
	assert_true(l.kernel);
	assert_string_equal(l.text, "java invoked oom-killer:");
	/* syslog stamp, then dmesg's: both kept; continuations come prefixed */
	l = split("Mar  2 17:35:10 server1 kernel: [2858609.598568] Killed process 11726");
	assert_true(l.kernel && l.has_ktime);
	assert_false(l.bracket_stamp);
	assert_string_equal(l.stamp, "Mar  2 17:35:10");
	assert_string_equal(l.text, "Killed process 11726");
	/* other programs */
	l = split("May 20 16:38:46 node03 sudo[10166]: pam_unix(sudo:session): session closed");
	assert_false(l.kernel);
	l = split("\tAug 25 18:21:35 test-a3-60-17 dockerd: time=\"2017\"");
	assert_false(l.kernel);
	l = split("\tAug 25 18:21:35 test-a3-60-17 kernel: [<ffffffff816861cc>] dump_stack+0x19/0x1b");
	assert_true(l.kernel);
	assert_string_equal(l.text, "[<ffffffff816861cc>] dump_stack+0x19/0x1b");
	/* journalctl -o short-precise */
	l = split("May 20 16:38:46.123456 node03 kernel: text");
	assert_true(l.kernel);
	assert_string_equal(l.stamp, "May 20 16:38:46.123456");
	/* RFC 3339 (rsyslog) and journalctl -o short-iso: exact time */
	l = split("2024-05-20T16:38:46.500000+02:00 node03 kernel: text");
	assert_true(l.kernel && l.has_wall);
	assert_int_equal(l.wall_ns, 1716215926500000000ull);
	assert_string_equal(l.text, "text");
	l = split("2024-05-20T14:38:46+0000 node03 systemd[1]: Started");
	assert_false(l.kernel);
	/* journalctl -o short-monotonic */
	l = split("[ 3457.652054] node03 kernel: oom-kill:constraint=CONSTRAINT_NONE");
	assert_true(l.kernel && l.has_ktime);
	assert_string_equal(l.text, "oom-kill:constraint=CONSTRAINT_NONE");
	/* journal's own lines */
	l = split("-- Boot 1a2b3c4d5e6f --");
	assert_true(l.meta);
	assert_false(l.kernel);
}

static void test_plain_and_odd(void **state)
{
	struct kmsg_line l;
	char buf[64] = "  runc:[2:INIT] invoked oom-killer:\r";

	(void)state;
	kmsg_line_split(buf, strlen(buf), &l);
	assert_false(l.prefixed);
	assert_int_equal(l.lead, 2);
	assert_string_equal(l.text, "runc:[2:INIT] invoked oom-killer:");
	/* a NUL inside the line ends it */
	memcpy(buf, "[ 1.000000] ab\0cd", 18);
	kmsg_line_split(buf, 17, &l);
	assert_string_equal(l.text, "ab");
	assert_int_equal(l.len, 2);
	/* a lone "[" or a stamp cut short is text */
	l = split("[ 12.5");
	assert_false(l.has_ktime);
	l = split("");
	assert_int_equal(l.len, 0);
	/* "May" starts kernel text too: not a stamp unless it is one */
	l = split("Mayday 1 2");
	assert_true(l.kernel);
	assert_string_equal(l.text, "Mayday 1 2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kmsg_record),
		cmocka_unit_test(test_dmesg),
		cmocka_unit_test(test_dmesg_T_locales),
		cmocka_unit_test(test_syslog_journal),
		cmocka_unit_test(test_plain_and_odd),
	};

	return cmocka_run_group_tests_name("kmsg_line", tests, setup_utc, NULL);
}
