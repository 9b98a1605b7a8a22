// SPDX-License-Identifier: GPL-2.0
/*
 * The shared library of the user-stack test: f1 -> f2 -> f3, and f3 faults
 * memory in through an inlined helper until its memcg is full. Built
 * -O2 -fomit-frame-pointer (t-ustack-dwarf.sh): no frame-pointer walk gets
 * past f3, only DWARF CFI does.
 */
#include <stddef.h>
#include <sys/mman.h>

#define PAGE 4096

/* inlined into f3: the fault happens here, at this line */
static inline __attribute__((always_inline)) void touch(volatile char *p, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;	/* ustack-touch-line */
}

__attribute__((noinline)) long f3(size_t mib)
{
	size_t len = mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	touch(p, len);
	return p[len - 1];
}

__attribute__((noinline)) long f2(size_t mib)
{
	long r = f3(mib);	/* ustack-f2-line */

	return r + 2;		/* not a tail call: f2 stays on the stack */
}

__attribute__((noinline)) long f1(size_t mib)
{
	long r = f2(mib);	/* ustack-f1-line */

	return r + 1;
}
