// SPDX-License-Identifier: GPL-2.0
/* The clocks, read now, as 64-bit counts (clock_now.h). */
#include <stdint.h>
#include <time.h>

#include "clock_now.h"

#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull

uint64_t clock_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t mono_ns(void)
{
	return clock_now_ns(CLOCK_MONOTONIC);
}

uint64_t mono_ms(void)
{
	return mono_ns() / NS_PER_MS;
}

int64_t mono_ms_since(uint64_t since_ns)
{
	uint64_t now = mono_ns();

	return now > since_ns ? (int64_t)((now - since_ns) / NS_PER_MS) : 0;
}
