// SPDX-License-Identifier: GPL-2.0
/*
 * hog: a process of known size for OOM tests.
 *   hog [-a ADJ] [-n NAME] [-g | -r] [-s] [-t] [-p PAGES] [-L] [-l FILE] MIB [SECONDS]
 * Sets its oom_score_adj (-a) and comm (-n, may hold any bytes: tests use it
 * for hostile names), allocates and touches MIB MiB of anonymous memory, then
 * prints "ready PID" and sleeps SECONDS (default forever). With -r it keeps
 * allocating 1 MiB at a time until killed (the OOM trigger).
 * -l FILE: the MIB MiB are page cache instead: written to FILE (created; it
 *     must be on a disk file system), synced, mapped, mlocked and unlinked.
 *     They are charged to our memcg and unevictable while we map them; the
 *     moment our mm is unmapped (exit_mmap's unmap_vmas, before MMF_OOM_SKIP)
 *     they are clean page cache that reclaim frees.
 * -g: like -r, but starts growing only on SIGUSR1: a task that sits still
 *     while it is ranked, then becomes the trigger.
 * -s: also start a process that shares this one's mm (clone CLONE_VM, not a
 *     thread), printed as "sharer PID": the OOM killer kills it with us.
 * -t: also start a second thread that only sleeps (a frozen one keeps the
 *     process from exiting, which brings in the oom_reaper).
 * -p: also touch PAGES base pages one fault at a time (no transparent huge
 *     pages there): each fault adds 1 to the mm's rss counter, whose per-CPU
 *     parts (6.2+) then hold up to a batch the shared count does not show.
 * -L: then lock all its memory (mlockall MCL_CURRENT, which faults in the
 *     rest of every mapping): memcg reclaim cannot take its file pages, so
 *     its rss holds still while another task fills the memcg.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

/* PAGES base pages, one fault each */
static void touch_pages(size_t pages)
{
	size_t len = pages * 4096;
	char *p;

	if (!len)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise(p, len, MADV_NOHUGEPAGE)) {
		perror("hog: mmap/madvise");
		exit(1);
	}
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
}

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

static void lock_file_pages(const char *path, size_t mib)
{
	static char buf[64 << 10];
	size_t len = mib << 20;
	void *p;
	int fd;

	memset(buf, 1, sizeof(buf));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("hog: open");
		exit(1);
	}
	for (size_t done = 0; done < len; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("hog: write");
			exit(1);
		}
	if (fsync(fd)) {
		perror("hog: fsync");
		exit(1);
	}
	p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED || mlock(p, len)) {
		perror("hog: mmap, mlock");
		exit(1);
	}
	close(fd);
	unlink(path);
}

/*
 * Fault in every page of the program's text here, in this process: the
 * sharer then never faults. A kernel before 6.2 (SPLIT_RSS_COUNTING) keeps
 * up to 64 of a task's own rss changes aside until it exits, so a sharer
 * that faulted even one page would change the shared mm's rss while it
 * dies, between the kernel's OOM report and what a tracer reads right after
 * (seen on arm64, where the sharer's first call into libc faulted a page).
 */
extern const char __executable_start[], etext[];

static void fault_in_text(void)
{
	for (const volatile char *p = __executable_start; p < etext; p += 4096)
		(void)*p;
}

static int sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

static void *sleeper_thread(void *arg)
{
	sleeper(arg);
	return NULL;
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	(void)sig;
	go = 1;
}

/* SIGUSR1 is blocked from here on, so none is lost between test and wait */
static void arm_usr1(sigset_t *waitmask)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	sigdelset(waitmask, SIGUSR1);
	sigaction(SIGUSR1, &sa, NULL);
}

int main(int argc, char **argv)
{
	int opt, grow = 0, share = 0, thread = 0, lock = 0;
	size_t pages = 0;
	bool gated = false;
	const char *adj = NULL, *name = NULL, *file = NULL;
	sigset_t waitmask;

	while ((opt = getopt(argc, argv, "a:gl:Ln:p:rst")) != -1) {
		switch (opt) {
		case 'a': adj = optarg; break;
		case 'g': grow = 1; gated = true; break;
		case 'l': file = optarg; break;
		case 'L': lock = 1; break;
		case 'n': name = optarg; break;
		case 'p': pages = strtoul(optarg, NULL, 10); break;
		case 'r': grow = 1; break;
		case 's': share = 1; break;
		case 't': thread = 1; break;
		default:
			fprintf(stderr, "usage: hog [-a ADJ] [-n NAME] [-g | -r] [-s] [-t] [-p PAGES] [-L] [-l FILE] MIB [SECONDS]\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: hog [-a ADJ] [-n NAME] [-g | -r] [-s] [-t] [-p PAGES] [-L] [-l FILE] MIB [SECONDS]\n");
		return 2;
	}
	if (gated)
		arm_usr1(&waitmask);
	if (adj) {
		FILE *f = fopen("/proc/self/oom_score_adj", "w");

		if (!f || fprintf(f, "%s\n", adj) < 0 || fclose(f) != 0) {
			perror("hog: oom_score_adj");
			return 1;
		}
	}
	if (name)
		prctl(PR_SET_NAME, name, 0, 0, 0);
	if (file)
		lock_file_pages(file, strtoul(argv[optind], NULL, 10));
	else
		touch(strtoul(argv[optind], NULL, 10));
	touch_pages(pages);
	if (lock && mlockall(MCL_CURRENT)) {
		perror("hog: mlockall");
		return 1;
	}
	if (share) {
		size_t size = 64 << 10;
		char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		int pid;

		if (stack != MAP_FAILED) {
			memset(stack, 0, size);	/* its stack too, see fault_in_text */
			fault_in_text();
		}
		if (stack == MAP_FAILED ||
		    (pid = clone(sleeper, stack + size, CLONE_VM | SIGCHLD, NULL)) < 0) {
			perror("hog: clone");
			return 1;
		}
		printf("sharer %d\n", pid);
	}
	if (thread) {
		pthread_t t;

		if (pthread_create(&t, NULL, sleeper_thread, NULL)) {
			fprintf(stderr, "hog: cannot start a thread\n");
			return 1;
		}
	}
	printf("ready %d\n", getpid());
	fflush(stdout);
	while (gated && !go)
		sigsuspend(&waitmask);
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
