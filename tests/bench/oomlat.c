// SPDX-License-Identifier: GPL-2.0
/*
 * oomlat: kill latency of repeated memcg OOMs.
 *   oomlat -c MEMCG_DIR -n COUNT [-N CANDIDATES [-e EXTRA_MIB]]
 * COUNT times: fork a child that joins MEMCG_DIR (its limit set by the
 * caller) and touches pages until the OOM killer kills it. With -N, the
 * memcg first gets CANDIDATES - 1 tiny sleeping processes (forked from here,
 * killed at the end), and its limit is set EXTRA_MIB (default 4) above what
 * they use: every OOM then weighs CANDIDATES tasks, the child the victim. The interval is
 * from the child's timestamp just before the faulting touch that crossed the
 * limit to waitpid() seeing the SIGKILL: the charge, reclaim giving up, the
 * OOM killer (and whatever a tracer hooks on it), the kill, the victim's
 * exit and the wakeup of its parent. Prints one latency in microseconds per
 * line, then "# kills K, other exits E, memcg oom_kill +D".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bench_util.h"

/* n sleepers born in cg (this process joins it to fork them, then goes back) */
static pid_t *sleepers(const char *cg, long n)
{
	char path[512], home[512] = "", line[512], pid[32];
	pid_t *kids = calloc((size_t)n + 1, sizeof(*kids));
	FILE *f = fopen("/proc/self/cgroup", "re");

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, ":memory:");

		if (!p)
			continue;
		p += strlen(":memory:");
		p[strcspn(p, "\n")] = '\0';
		snprintf(home, sizeof(home), "/sys/fs/cgroup/memory%s/cgroup.procs", p);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!kids || !home[0] || write_str(path, pid))
		return NULL;
	for (long i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return NULL;
		if (!kids[i]) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
	}
	return write_str(home, pid) ? NULL : kids;
}

int main(int argc, char **argv)
{
	const char *cg = NULL;
	long candidates = 0, extra_mib = 4;
	pid_t *kids = NULL;
	volatile uint64_t *shared;
	uint64_t before, kills = 0, other = 0;
	long count = 0;
	int opt;

	while ((opt = getopt(argc, argv, "c:n:N:e:")) != -1) {
		switch (opt) {
		case 'c': cg = optarg; break;
		case 'n': count = atol(optarg); break;
		case 'N': candidates = atol(optarg); break;
		case 'e': extra_mib = atol(optarg); break;
		default: goto usage;
		}
	}
	if (!cg || count <= 0)
		goto usage;
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return perror("oomlat: mmap"), 1;
	*shared = 0;	/* faulted (and charged) here, outside the memcg */
	if (candidates > 1) {
		char path[512], val[32];
		uint64_t usage = 0;

		/* no limit while they are born: an OOM then would pick us */
		snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cg);
		if (write_str(path, "-1"))
			return fprintf(stderr, "oomlat: cannot lift the limit of %s\n", cg), 1;
		kids = sleepers(cg, candidates - 1);
		if (!kids)
			return perror("oomlat: sleepers"), 1;
		snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", cg);
		read_u64(path, &usage);
		snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cg);
		snprintf(val, sizeof(val), "%" PRIu64, ((usage >> 20) + 1 + (uint64_t)extra_mib) << 20);
		if (write_str(path, val))
			return fprintf(stderr, "oomlat: cannot set the limit\n"), 1;
	}
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
	for (long i = 0; kids && i < candidates - 1; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; kids && i < candidates - 1; i++)
		waitpid(kids[i], NULL, 0);
	return other ? 1 : 0;
usage:
	fprintf(stderr, "usage: oomlat -c MEMCG_DIR -n COUNT [-N CANDIDATES [-e EXTRA_MIB]]\n");
	return 2;
}
