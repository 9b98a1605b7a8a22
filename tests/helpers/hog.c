// SPDX-License-Identifier: GPL-2.0
/*
 * hog: a process of known size for OOM tests.
 *   hog [-a ADJ] [-n NAME] [-r] MIB [SECONDS]
 * Sets its oom_score_adj (-a) and comm (-n, may hold any bytes: tests use it
 * for hostile names), allocates and touches MIB MiB of anonymous memory, then
 * prints "ready PID" and sleeps SECONDS (default forever). With -r it keeps
 * allocating 1 MiB at a time until killed (the OOM trigger).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

static void touch(size_t mib)
{
	size_t len = mib << 20;
	char *p;

	if (!len)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("hog: mmap");
		exit(1);
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

int main(int argc, char **argv)
{
	int opt, grow = 0;
	const char *adj = NULL, *name = NULL;

	while ((opt = getopt(argc, argv, "a:n:r")) != -1) {
		switch (opt) {
		case 'a': adj = optarg; break;
		case 'n': name = optarg; break;
		case 'r': grow = 1; break;
		default:
			fprintf(stderr, "usage: hog [-a ADJ] [-n NAME] [-r] MIB [SECONDS]\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: hog [-a ADJ] [-n NAME] [-r] MIB [SECONDS]\n");
		return 2;
	}
	if (adj) {
		FILE *f = fopen("/proc/self/oom_score_adj", "w");

		if (!f || fprintf(f, "%s\n", adj) < 0 || fclose(f) != 0) {
			perror("hog: oom_score_adj");
			return 1;
		}
	}
	if (name)
		prctl(PR_SET_NAME, name, 0, 0, 0);
	touch(strtoul(argv[optind], NULL, 10));
	printf("ready %d\n", getpid());
	fflush(stdout);
	if (grow)
		for (;;)
			touch(1);
	if (optind + 1 < argc)
		sleep(strtoul(argv[optind + 1], NULL, 10));
	else
		for (;;)
			pause();
	return 0;
}
