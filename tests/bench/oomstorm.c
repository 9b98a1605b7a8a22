// SPDX-License-Identifier: GPL-2.0
/*
 * oomstorm: memcg OOM kills as fast as this machine makes them.
 *   oomstorm -n TOTAL MEMCG_DIR...
 * One worker per memory cgroup (their limits set by the caller), running in
 * parallel; each forks a child that joins its memcg and grows until the OOM
 * killer kills it, waits, and starts the next, until TOTAL children have run
 * in all. Prints one JSON object: children started, SIGKILLed, other exits,
 * wall seconds, kills per second, and the kernel's oom_kill count of each
 * memcg (memory.oom_control) summed, before and after.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "bench_util.h"

struct shared {
	uint64_t claimed, kills, other;
	uint64_t t_last[64];	/* one per worker (unused here, but grow_until_killed stores) */
};

static void worker(struct shared *sh, int idx, const char *cg, long total)
{
	while ((long)__atomic_fetch_add(&sh->claimed, 1, __ATOMIC_SEQ_CST) < total) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			_exit(1);
		if (!pid)
			grow_until_killed(cg, &sh->t_last[idx]);
		if (waitpid(pid, &status, 0) != pid)
			_exit(1);
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			__atomic_fetch_add(&sh->kills, 1, __ATOMIC_SEQ_CST);
		else
			__atomic_fetch_add(&sh->other, 1, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	uint64_t before = 0, after = 0, t0, t1;
	struct shared *sh;
	long total = 0;
	int opt, n;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			goto usage;
		total = atol(optarg);
	}
	n = argc - optind;
	if (total <= 0 || n <= 0 || n > 64)
		goto usage;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return perror("oomstorm: mmap"), 1;
	memset(sh, 0, sizeof(*sh));
	for (int i = 0; i < n; i++)
		before += memcg_oom_kills(argv[optind + i]);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return perror("oomstorm: fork"), 1;
		if (!pid)
			worker(sh, i, argv[optind + i], total);
	}
	while (wait(NULL) > 0)
		;
	t1 = now_ns();
	for (int i = 0; i < n; i++)
		after += memcg_oom_kills(argv[optind + i]);
	printf("{\"workers\":%d,\"children\":%" PRIu64 ",\"sigkilled\":%" PRIu64
	       ",\"other_exits\":%" PRIu64 ",\"seconds\":%.3f,\"kills_per_s\":%.1f"
	       ",\"memcg_oom_kill_delta\":%" PRIu64 "}\n",
	       n, sh->kills + sh->other, sh->kills, sh->other, (double)(t1 - t0) / 1e9,
	       (double)sh->kills / ((double)(t1 - t0) / 1e9), after - before);
	return 0;
usage:
	fprintf(stderr, "usage: oomstorm -n TOTAL MEMCG_DIR... (at most 64)\n");
	return 2;
}
