// SPDX-License-Identifier: GPL-2.0
/* The one clock reader (clock_now): ns and ms agree, and time only goes on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "clock_now.h"

#define NS_PER_MS 1000000ull

/* Sleep ms, resuming after signals: CLOCK_MONOTONIC is what nanosleep counts. */
static void sleep_ms(unsigned int ms)
{
	struct timespec left = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&left, &left))
		;
}

static void test_mono_never_goes_back(void **state)
{
	uint64_t prev = mono_ns(), now;

	(void)state;
	assert_true(prev > 0);
	for (int i = 0; i < 100000; i++) {
		now = mono_ns();
		if (now < prev)
			fail_msg("mono_ns went back: %llu after %llu", (unsigned long long)now,
				 (unsigned long long)prev);
		prev = now;
	}
}

static void test_ms_is_ns_in_ms(void **state)
{
	uint64_t ns0, ms, ns1;

	(void)state;
	/* mono_ms() read between two mono_ns() lies between them, in ms */
	for (int i = 0; i < 1000; i++) {
		ns0 = mono_ns();
		ms = mono_ms();
		ns1 = mono_ns();
		if (ms < ns0 / NS_PER_MS || ms > ns1 / NS_PER_MS)
			fail_msg("mono_ms %llu outside [%llu, %llu]", (unsigned long long)ms,
				 (unsigned long long)(ns0 / NS_PER_MS),
				 (unsigned long long)(ns1 / NS_PER_MS));
	}
}

static void test_mono_is_the_monotonic_clock(void **state)
{
	struct timespec ts;
	uint64_t before, ns, after;

	(void)state;
	before = mono_ns();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	after = mono_ns();
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	assert_true(before <= ns && ns <= after);
	/* and clock_now_ns() reads the clock it is given */
	before = clock_now_ns(CLOCK_REALTIME);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = clock_now_ns(CLOCK_REALTIME);
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	assert_true(before <= ns && ns <= after);
	/* 2020-01-01: a wall clock, not one since boot */
	assert_true(ns > 1577836800ull * 1000000000ull);
}

static void test_ms_since(void **state)
{
	uint64_t t0, t1;
	int64_t d;

	(void)state;
	t0 = mono_ns();
	assert_true(mono_ms_since(t0) >= 0);
	sleep_ms(20);
	d = mono_ms_since(t0);
	t1 = mono_ns();
	/* at least the sleep, at most what the clock itself says passed */
	assert_true(d >= 20);
	assert_true((uint64_t)d <= (t1 - t0) / NS_PER_MS);
	/* a start still to come is no time at all, not a wrapped count */
	assert_int_equal(mono_ms_since(mono_ns() + 1000 * NS_PER_MS), 0);
	assert_int_equal(mono_ms_since(UINT64_MAX), 0);
	/* whole milliseconds, rounded down */
	t0 = mono_ns() - 1999999ull;
	d = mono_ms_since(t0);
	assert_true(d >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mono_never_goes_back),
		cmocka_unit_test(test_ms_is_ns_in_ms),
		cmocka_unit_test(test_mono_is_the_monotonic_clock),
		cmocka_unit_test(test_ms_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
