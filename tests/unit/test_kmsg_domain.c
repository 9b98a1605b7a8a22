// SPDX-License-Identifier: GPL-2.0
/*
 * domain_memory from the kernel's own reports: every format of the memcg
 * counters and stats, and Mem-Info, on the real logs in tests/fixtures.
 * Each expected number was read off the log by hand (the arithmetic is in
 * the comments).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "kmsg_input.h"
#include "kmsg_report.h"

#define MAX_EVENTS 8

struct parsed {
	size_t n;
	uint32_t ev_has[MAX_EVENTS];
	struct oom_domain_memory dm[MAX_EVENTS];
};

static void on_event(struct oom_event *ev, void *arg)
{
	struct parsed *p = arg;

	if (p->n < MAX_EVENTS) {
		p->ev_has[p->n] = ev->has;
		p->dm[p->n] = ev->domain_memory;
	}
	p->n++;
}

static void parse_fixture(const char *name, size_t keep, struct parsed *out)
{
	const char *dir = getenv("OOMTRACE_FIXTURES") ? getenv("OOMTRACE_FIXTURES") :
			  "tests/fixtures";
	struct kmsg_report_ops ops = { .event = on_event, .arg = out };
	struct kmsg_parser *p = kmsg_parser__new(&ops, keep);
	struct kmsg_input *in;
	struct kmsg_line l;
	char path[4096];
	int fd;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		fail_msg("cannot open %s", path);
	in = kmsg_input__new(fd, false, 0);
	while (kmsg_input__next(in, &l, -1) == 1)
		assert_int_equal(kmsg_parser__feed(p, &l), 0);
	kmsg_parser__flush(p);
	kmsg_input__free(in);
	kmsg_parser__free(p);
	close(fd);
}

#define KB(dm, k, v) do {							\
	if (!dm_has(dm, k))							\
		fail_msg("%s absent, want %llu", dm_key_name(k), (unsigned long long)(v)); \
	if ((dm)->kb[k] != (uint64_t)(v))					\
		fail_msg("%s = %llu, want %llu", dm_key_name(k),		\
			 (unsigned long long)(dm)->kb[k], (unsigned long long)(v)); \
} while (0)
#define ABSENT(dm, k) do {							\
	if (dm_has(dm, k))							\
		fail_msg("%s = %llu, want absent", dm_key_name(k),		\
			 (unsigned long long)(dm)->kb[k]);			\
} while (0)

/* cgroup v1 on 6.18: memcg1_stat_format's bytes, the total_ (hierarchical) ones preferred */
static void test_v1_bytes(void **state)
{
	struct parsed p;
	const struct oom_domain_memory *dm = &p.dm[0];

	(void)state;
	parse_fixture("kmsg-own/90-memcg-v1-storm-callbacks-suppressed-host-6.18.log", 10, &p);
	assert_int_equal(p.n, 7);
	assert_true(p.ev_has[0] & EV_HAS_DOMAIN_MEMORY);
	KB(dm, DM_USAGE, 16384);
	KB(dm, DM_LIMIT, 16384);
	KB(dm, DM_MEMSW_USAGE, 16384);
	ABSENT(dm, DM_MEMSW_LIMIT);		/* 9007199254740988kB: no limit */
	KB(dm, DM_SWAP_USAGE, 0);
	ABSENT(dm, DM_SWAP_LIMIT);
	KB(dm, DM_ANON, 16584704 / 1024);	/* total_rss */
	KB(dm, DM_FILE, 12288 / 1024);		/* total_cache */
	KB(dm, DM_SHMEM, 0);
	KB(dm, DM_KERNEL, 176);			/* kmem: usage */
	ABSENT(dm, DM_SLAB_RECLAIMABLE);	/* v1 prints no slab */
	/* one hog: rss 4115 pages + 73728 B of page tables = 16532 kB >= usage */
	KB(dm, DM_UNKILLABLE, 0);
	KB(dm, DM_UNK_KERNEL, 176 - 72);
	/* the suppressed reports left only kill lines: nothing to tell */
	assert_false(p.ev_has[1] & EV_HAS_DOMAIN_MEMORY);
	KB(&p.dm[6], DM_KERNEL, 88);
}

/* cgroup v2 on 6.1: memory.stat in bytes, "swap:" counter */
static void test_v2(void **state)
{
	struct parsed p;
	const struct oom_domain_memory *dm = &p.dm[0];

	(void)state;
	parse_fixture("kmsg-own/91-memcg-v2-devkmsg-lost-kill-line-reaper-names-victim-6.1-handwritten.log",
		      10, &p);
	assert_int_equal(p.n, 2);
	KB(dm, DM_USAGE, 262144);
	KB(dm, DM_LIMIT, 262144);
	KB(dm, DM_SWAP_USAGE, 0);
	KB(dm, DM_SWAP_LIMIT, 0);
	ABSENT(dm, DM_MEMSW_USAGE);
	KB(dm, DM_KERNEL, 3264);
	KB(dm, DM_SLAB_RECLAIMABLE, 370);
	KB(dm, DM_SLAB_UNRECLAIMABLE, 1848);
	KB(dm, DM_KERNEL_STACK, 144);
	KB(dm, DM_PAGETABLES, 736);
	KB(dm, DM_PERCPU, 1);
	KB(dm, DM_UNK_SLAB, 370 + 1848);
}

/* v1 before 5.x: "Memory cgroup stats for /x: cache:52KB rss:...KB" on one line */
static void test_v1_old_pairs(void **state)
{
	struct parsed p;
	const struct oom_domain_memory *dm = &p.dm[0];

	(void)state;
	parse_fixture("kmsg/06-memcg-v1-docker-rhel7-3.10-tab-indented-partial.log", 10, &p);
	KB(dm, DM_USAGE, 4194304);
	KB(dm, DM_MEMSW_LIMIT, 8388608);
	KB(dm, DM_ANON, 4194252);
	KB(dm, DM_FILE, 52);
	ABSENT(dm, DM_SHMEM);			/* 3.10 prints no shmem */
	/* pasted twice: counted once; memory+swap below memory: no swap accounting */
	parse_fixture("kmsg/07-memcg-v1-docker-pagefault-ubuntu-4.4-dup-lines.log", 10, &p);
	KB(dm, DM_USAGE, 204800);
	KB(dm, DM_ANON, 197168);
	KB(dm, DM_FILE, 108);
	KB(dm, DM_KERNEL, 7524);
	ABSENT(dm, DM_SWAP_USAGE);
	ABSENT(dm, DM_MEMSW_USAGE);
	/* the memory+swap limit was the one hit */
	parse_fixture("kmsg/15-memcg-v1-k8s-rhel8-4.18-no-tasktable.log", 10, &p);
	KB(dm, DM_SWAP_USAGE, 35651584 - 33421628);
	KB(dm, DM_MEMSW_LIMIT, 35651584);
	KB(dm, DM_SHMEM, 23689196);
	ABSENT(dm, DM_UNKILLABLE);		/* no task table */
}

/* Old v1 prints a line per group of the subtree, each with its own counts: summed once */
static void test_v1_old_subtree(void **state)
{
	static const char log[] =
		"[ 1.000000] java invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0\n"
		"[ 1.000001] memory: usage 10240kB, limit 10240kB, failcnt 5\n"
		"[ 1.000002] Memory cgroup stats for /a: cache:100KB rss:2000KB shmem:40KB\n"
		"[ 1.000003] Memory cgroup stats for /a/b: cache:300KB rss:7000KB shmem:60KB\n"
		"[ 1.000003] Memory cgroup stats for /a/b: cache:300KB rss:7000KB shmem:60KB\n"
		"[ 1.000004] Memory cgroup out of memory: Kill process 7 (java) score 900 or sacrifice child\n";
	char path[] = "/tmp/oomtrace-test-kmsg-domain-XXXXXX";
	int fd = mkstemp(path);
	struct parsed p;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, log, sizeof(log) - 1), (ssize_t)(sizeof(log) - 1));
	close(fd);
	setenv("OOMTRACE_FIXTURES", "/", 1);
	parse_fixture(path + 1, 10, &p);
	unsetenv("OOMTRACE_FIXTURES");
	unlink(path);
	assert_int_equal(p.n, 1);
	KB(&p.dm[0], DM_ANON, 9000);
	KB(&p.dm[0], DM_FILE, 400);
	KB(&p.dm[0], DM_SHMEM, 100);
}

/* Mem-Info of a global OOM: pages, with the page size from the buddy lines */
static void test_global(void **state)
{
	struct parsed p;
	const struct oom_domain_memory *dm = &p.dm[0];

	(void)state;
	parse_fixture("kmsg/27-global-arch-6.1.1-doxygen.log", 0, &p);
	KB(dm, DM_LIMIT, (4115400 - 97082) * 4);	/* pages RAM - reserved */
	KB(dm, DM_FREE, 34629 * 4);
	KB(dm, DM_USAGE, (4115400 - 97082 - 34629) * 4);
	KB(dm, DM_SHMEM, 19540 * 4);
	KB(dm, DM_PAGETABLES, 25704 * 4);
	KB(dm, DM_KERNEL_STACK, 10592);			/* Node 0's line */
	KB(dm, DM_HUGETLB, 0);
	ABSENT(dm, DM_KERNEL);
	/* syslog's #012 between the summary's lines; kernel stacks in zone lines (3.10) */
	parse_fixture("kmsg/05-global-rhel7-3.10-sacrifice-child-syslog-012.log", 0, &p);
	KB(dm, DM_ANON, (7355653 + 660960 - 87896) * 4);
	KB(dm, DM_FILE, (1263 + 1167 + 87896) * 4);
	KB(dm, DM_SLAB_RECLAIMABLE, 27412 * 4);
	KB(dm, DM_FREE, 39513 * 4);
	KB(dm, DM_KERNEL_STACK, 13840);
	/* no buddy line: the page size (64 KiB on this ppc64le) is not guessed */
	parse_fixture("kmsg/14-global-ppc64le-rhel8-4.18-header-only.log", 0, &p);
	assert_false(p.ev_has[0] & EV_HAS_DOMAIN_MEMORY);
	/* no task to kill: all of it is unkillable */
	parse_fixture("kmsg/23-global-no-killable-panic-boot-5.12-i386.log", 0, &p);
	KB(dm, DM_UNKILLABLE, dm->kb[DM_USAGE]);
	KB(dm, DM_UNEVICTABLE, 340152);
}

/* unkillable_kb counts every row of the table, also those beyond the kept top K */
static void test_unkillable_beyond_top_k(void **state)
{
	struct parsed all, top1;

	(void)state;
	parse_fixture("kmsg-own/92-memcg-v1-docker-5.4-negative-adj-clamped-handwritten.log", 0, &all);
	parse_fixture("kmsg-own/92-memcg-v1-docker-5.4-negative-adj-clamped-handwritten.log", 1, &top1);
	KB(&top1.dm[0], DM_UNKILLABLE, all.dm[0].kb[DM_UNKILLABLE]);
	assert_memory_equal(&top1.dm[0].kb, &all.dm[0].kb, sizeof(all.dm[0].kb));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_bytes),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v1_old_pairs),
		cmocka_unit_test(test_v1_old_subtree),
		cmocka_unit_test(test_global),
		cmocka_unit_test(test_unkillable_beyond_top_k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
