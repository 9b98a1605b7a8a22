// SPDX-License-Identifier: GPL-2.0
/*
 * manytasks: one memcg OOM with N candidate tasks, and what a tracer's BPF
 * programs spent on it.
 *   manytasks -c MEMCG_DIR -N N [-e EXTRA_MIB] [-g GROWER_MEMCG] [-P TRACER_PID] [-s STACK_KIB]
 * Puts N tiny sleeping processes in MEMCG_DIR (forked from here, so they
 * share almost nothing but their page tables and kernel stacks), sets the
 * limit EXTRA_MIB (default 8) above what they use, and runs one grower in
 * it until the OOM killer kills it: N + 1 candidates, the grower the victim.
 * With -g the grower runs in GROWER_MEMCG instead (its limit set by the
 * caller): one candidate, and N more processes on the machine.
 * With -P, the BPF programs the tracer holds (its prog fds' fdinfo, with
 * kernel.bpf_stats_enabled=1) are read just before the grower starts and
 * just after it is reaped: run_cnt and run_time_ns per program, deltas.
 * With -s the grower allocates STACK_KIB deeper in its stack (the pages
 * written first): a copy of the top of the user stack finds that much.
 * Prints one JSON object; the sleepers are killed before it exits.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "bench_util.h"

#define MAX_PROGS 64

struct prog_stat {
	uint64_t id, run_cnt, run_time_ns, verified_insns;
};

/* prog_id and the run statistics of one fdinfo file; 1 if it has run_time_ns. */
static int parse_fdinfo(const char *path, struct prog_stat *s)
{
	char line[256];
	int has_run = 0;
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "prog_id: %llu", &v) == 1)
			s->id = v;
		else if (sscanf(line, "run_time_ns: %llu", &v) == 1)
			s->run_time_ns = v, has_run = 1;
		else if (sscanf(line, "run_cnt: %llu", &v) == 1)
			s->run_cnt = v;
		else if (sscanf(line, "verified_insns: %llu", &v) == 1)
			s->verified_insns = v;
	}
	fclose(f);
	return has_run;
}

/*
 * The tracer's programs, from its fds: a program's own fd, or a link's,
 * which names its prog_id only (the tracer closes its program fds once
 * attached): then the program is opened by id, and its fdinfo read here.
 */
static int read_progs(int pid, struct prog_stat *ps, int max)
{
	char path[320];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && n < max) {
		struct prog_stat s = { 0 };
		int has_run, dup = 0;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, d->d_name);
		has_run = parse_fdinfo(path, &s);
		if (s.id && !has_run) {
			union bpf_attr attr;
			int fd;

			memset(&attr, 0, sizeof(attr));
			attr.prog_id = (uint32_t)s.id;
			fd = (int)syscall(__NR_bpf, BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
			if (fd >= 0) {
				snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
				has_run = parse_fdinfo(path, &s);
				close(fd);
			}
		}
		if (!s.id || !has_run)
			continue;
		for (int i = 0; i < n; i++)
			dup |= ps[i].id == s.id;
		if (!dup)
			ps[n++] = s;
	}
	closedir(dir);
	return n;
}

/* The grower, STACK_KIB of written stack below main's frame. */
static __attribute__((noinline)) void grow_deep(const char *cg, volatile uint64_t *t_last, long kib)
{
	char pad[kib > 0 ? kib * 1024 : 1];

	memset(pad, 1, sizeof(pad));
	__asm__ __volatile__("" : : "r"(pad) : "memory");
	grow_until_killed(cg, t_last);
}

/* The memory cgroup this process started in, to go back to it. */
static int own_memcg_procs(char *buf, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, ":memory:");

		if (!p)
			continue;
		p += strlen(":memory:");
		p[strcspn(p, "\n")] = '\0';
		snprintf(buf, size, "/sys/fs/cgroup/memory%s%scgroup.procs", p,
			 p[strlen(p) - 1] == '/' ? "" : "/");
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int main(int argc, char **argv)
{
	struct prog_stat before[MAX_PROGS], after[MAX_PROGS];
	char path[512], home[1024], pidbuf[32];
	const char *cg = NULL, *grower_cg = NULL;
	long n = -1, extra_mib = 8, stack_kib = 0;
	int opt, tracer = 0, nb = 0, na = 0, status;
	uint64_t usage = 0, limit, kills0, t1, sys_tasks = 0;
	volatile uint64_t *shared;
	pid_t *kids, grower;
	DIR *proc;
	struct dirent *d;

	while ((opt = getopt(argc, argv, "c:N:e:g:P:s:")) != -1) {
		switch (opt) {
		case 'c': cg = optarg; break;
		case 'g': grower_cg = optarg; break;
		case 'N': n = atol(optarg); break;
		case 'e': extra_mib = atol(optarg); break;
		case 'P': tracer = atoi(optarg); break;
		case 's': stack_kib = atol(optarg); break;
		default: goto usage;
		}
	}
	if (!cg || n < 0)
		goto usage;
	if (own_memcg_procs(home, sizeof(home)))
		return fprintf(stderr, "manytasks: no memory cgroup in /proc/self/cgroup\n"), 1;
	kids = calloc((size_t)n + 1, sizeof(*kids));
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!kids || shared == MAP_FAILED)
		return perror("manytasks: memory"), 1;
	*shared = 0;
	/* the sleepers are born in the memcg: join it, fork them, leave */
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
	if (write_str(path, pidbuf))
		return fprintf(stderr, "manytasks: cannot join %s\n", cg), 1;
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("manytasks: fork");
			n = i;
			break;
		}
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		kids[i] = pid;
	}
	if (write_str(home, pidbuf))
		return fprintf(stderr, "manytasks: cannot go back to %s\n", home), 1;
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", cg);
	read_u64(path, &usage);
	limit = ((usage >> 20) + 1 + (uint64_t)extra_mib) << 20;
	snprintf(path, sizeof(path), "%s/memory.limit_in_bytes", cg);
	snprintf(pidbuf, sizeof(pidbuf), "%" PRIu64, limit);
	if (write_str(path, pidbuf))
		return fprintf(stderr, "manytasks: cannot set the limit\n"), 1;
	if ((proc = opendir("/proc"))) {
		while ((d = readdir(proc)))
			sys_tasks += d->d_name[0] >= '1' && d->d_name[0] <= '9';
		closedir(proc);
	}
	if (!grower_cg)
		grower_cg = cg;
	kills0 = memcg_oom_kills(grower_cg);
	if (tracer)
		nb = read_progs(tracer, before, MAX_PROGS);
	grower = fork();
	if (grower < 0)
		return perror("manytasks: fork"), 1;
	if (!grower)
		grow_deep(grower_cg, shared, stack_kib);
	waitpid(grower, &status, 0);
	t1 = now_ns();
	if (tracer)
		na = read_progs(tracer, after, MAX_PROGS);
	printf("{\"n\":%ld,\"processes_on_system\":%" PRIu64 ",\"usage_kb\":%" PRIu64
	       ",\"limit_kb\":%" PRIu64 ",\"victim_sigkilled\":%s,\"kill_latency_us\":%.1f"
	       ",\"memcg_oom_kill_delta\":%" PRIu64 ",\"progs\":[",
	       n, sys_tasks, usage >> 10, limit >> 10,
	       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "true" : "false",
	       (double)(t1 - *shared) / 1e3, memcg_oom_kills(grower_cg) - kills0);
	for (int i = 0, first = 1; i < na; i++) {
		for (int j = 0; j < nb; j++) {
			if (before[j].id != after[i].id)
				continue;
			printf("%s{\"id\":%" PRIu64 ",\"run_cnt\":%" PRIu64 ",\"run_time_ns\":%" PRIu64
			       ",\"verified_insns\":%" PRIu64 "}", first ? "" : ",", after[i].id,
			       after[i].run_cnt - before[j].run_cnt,
			       after[i].run_time_ns - before[j].run_time_ns, after[i].verified_insns);
			first = 0;
		}
	}
	printf("]}\n");
	fflush(stdout);
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	return 0;
usage:
	fprintf(stderr, "usage: manytasks -c MEMCG_DIR -N N [-e EXTRA_MIB] [-g GROWER_MEMCG] "
		"[-P TRACER_PID] [-s STACK_KIB]\n");
	return 2;
}
