// SPDX-License-Identifier: GPL-2.0
/* The user-stack test's program: main -> f1 (libustack.so), see there. */
#include <stdio.h>
#include <stdlib.h>

long f1(size_t mib);

int main(int argc, char **argv)
{
	long r;

	if (argc != 2) {
		fprintf(stderr, "usage: ustack MIB\n");
		return 2;
	}
	r = f1((size_t)atol(argv[1]));	/* ustack-main-line */
	printf("%ld\n", r);
	return 0;
}
