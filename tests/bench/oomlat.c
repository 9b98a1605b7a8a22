// SPDX-License-Identifier: GPL-2.0
/*
 * oomlat: kill latency of repeated memcg OOMs.
 *   oomlat -c MEMCG_DIR -n COUNT
 * COUNT times: fork a child that joins MEMCG_DIR (its limit set by the
 * caller) and touches pages until the OOM killer kills it. The interval is
 * from the child's timestamp just before the faulting touch that crossed the
 * limit to waitpid() seeing the SIGKILL: the charge, reclaim giving up, the
 * OOM killer (and whatever a tracer hooks on it), the kill, the victim's
 * exit and the wakeup of its parent. Prints one latency in microseconds per
 * line, then "# kills K, other exits E, memcg oom_kill +D".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	const char *cg = NULL;
	volatile uint64_t *shared;
	uint64_t before, kills = 0, other = 0;
	long count = 0;
	int opt;

	while ((opt = getopt(argc, argv, "c:n:")) != -1) {
		switch (opt) {
		case 'c': cg = optarg; break;
		case 'n': count = atol(optarg); break;
		default: goto usage;
		}
	}
	if (!cg || count <= 0)
		goto usage;
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return perror("oomlat: mmap"), 1;
	*shared = 0;	/* faulted (and charged) here, outside the memcg */
	before = memcg_oom_kills(cg);
	for (long i = 0; i < count; i++) {
		int status;
		uint64_t t1;
		pid_t pid = fork();

		if (pid < 0)
			return perror("oomlat: fork"), 1;
		if (!pid)
			grow_until_killed(cg, shared);
		if (waitpid(pid, &status, 0) != pid)
			return perror("oomlat: waitpid"), 1;
		t1 = now_ns();
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
			kills++;
			printf("%.3f\n", (double)(t1 - *shared) / 1e3);
		} else {
			other++;
		}
	}
	printf("# kills %" PRIu64 ", other exits %" PRIu64 ", memcg oom_kill +%" PRIu64 "\n",
	       kills, other, memcg_oom_kills(cg) - before);
	return other ? 1 : 0;
usage:
	fprintf(stderr, "usage: oomlat -c MEMCG_DIR -n COUNT\n");
	return 2;
}
