// SPDX-License-Identifier: GPL-2.0
/*
 * A live event's domain_memory completed from a memcg's files (a fixture
 * tree): anon at the kill from the usage BPF read then, the victims' page
 * tables given back, unkillable last.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain_live.h"

static void put(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* cgroup v2, 6.12: the victim (48 MiB anon, 100 KiB page tables) is gone when memory.stat is read */
static void test_v2_after_the_kill(void **state)
{
	char root[] = "/tmp/oomtrace-test-domain-live-XXXXXX", cg[4200], cmd[4300];
	struct memcg_mount m = { .version = 2 };
	struct oom_event *ev = oom_event__new();
	struct oom_domain_memory *dm = &ev->domain_memory;
	struct oom_task *t;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(m.dir, sizeof(m.dir), "%s", root);
	snprintf(cg, sizeof(cg), "%s/grp", root);
	assert_int_equal(mkdir(cg, 0755), 0);
	put(cg, "memory.stat", "anon 1048576\nfile 8388608\nkernel 409600\npagetables 102400\n"
			       "sock 0\nshmem 8388608\nfile_mapped 0\n");
	put(cg, "memory.current", "9961472\n");	/* 9728 kB */
	ev->has = EV_HAS_MEMCG | EV_HAS_CANDIDATES | EV_HAS_DOMAIN_MEMORY;
	strcpy(ev->memcg, "/grp");
	dm_set(dm, DM_USAGE, 65536);		/* BPF, at the kill */
	dm_set(dm, DM_LIMIT, 65536);
	t = oom_event__add_victim(ev);
	t->has = TASK_HAS_MEM;
	t->rss_anon_pages = 12288;
	t->pgtables_bytes = 100 << 10;
	*oom_event__add_candidate(ev) = *t;
	ev->candidates_total = 1;
	domain_live_fill(ev, &m, "");
	assert_int_equal(dm->kb[DM_FILE], 8192);
	assert_int_equal(dm->kb[DM_PAGETABLES], 100 + 100);	/* the victim's given back */
	assert_int_equal(dm->kb[DM_KERNEL], 400 + 100);
	assert_int_equal(dm->kb[DM_ANON], 65536 - 8192 - 500);
	/* killing the victim frees its 48 MiB and page tables */
	assert_int_equal(dm->kb[DM_UNKILLABLE], 65536 - 49152 - 100);
	assert_int_equal(dm->kb[DM_UNK_SHMEM], 8192);
	oom_event__free(ev);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

/* the group is gone: the counters alone, nothing invented */
static void test_group_gone(void **state)
{
	struct memcg_mount m = { .version = 1 };
	struct oom_event *ev = oom_event__new();

	(void)state;
	strcpy(m.dir, "/nonexistent-oomtrace");
	ev->has = EV_HAS_MEMCG | EV_HAS_DOMAIN_MEMORY;
	strcpy(ev->memcg, "/x");
	dm_set(&ev->domain_memory, DM_USAGE, 100);
	domain_live_fill(ev, &m, "/nonexistent-oomtrace");
	assert_int_equal(ev->domain_memory.has, 1u << DM_USAGE);
	oom_event__free(ev);
}

/*
 * A global OOM: what BPF read at the kill stays (free, anon, page tables),
 * meminfo read afterwards (the victim's 200 MiB back) adds only what a
 * kill does not change, and usage is MemTotal less the free of the kill.
 */
static void test_global_at_the_kill(void **state)
{
	char root[] = "/tmp/oomtrace-test-domain-live-XXXXXX", dir[4200], cmd[4300];
	struct oom_event *ev = oom_event__new();
	struct oom_domain_memory *dm = &ev->domain_memory;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/proc", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(dir, "meminfo", "MemTotal:         400000 kB\nMemFree:          210000 kB\n"
			    "Active(anon):       1000 kB\nInactive(anon):     2000 kB\n"
			    "Active(file):       3000 kB\nInactive(file):     4000 kB\n"
			    "Unevictable:           0 kB\nShmem:               500 kB\n"
			    "SReclaimable:       6000 kB\nSUnreclaim:         7000 kB\n"
			    "KernelStack:        1500 kB\nPageTables:          800 kB\n"
			    "Percpu:              640 kB\nHugetlb:            2048 kB\n"
			    "SwapTotal:             0 kB\nSwapFree:              0 kB\n");
	ev->constraint = OOM_CONSTRAINT_NONE;
	ev->has = EV_HAS_DOMAIN_MEMORY;
	/* assemble.c's domain_vmstat: the counters at the kill */
	dm_set(dm, DM_FREE, 8000);
	dm_set(dm, DM_ANON, 205000);
	dm_set(dm, DM_FILE, 7500);
	dm_set(dm, DM_SHMEM, 500);
	dm_set(dm, DM_PAGETABLES, 1200);
	dm_set(dm, DM_KERNEL_STACK, 1600);
	domain_live_fill(ev, NULL, root);
	assert_int_equal(dm->kb[DM_FREE], 8000);
	assert_int_equal(dm->kb[DM_ANON], 205000);
	assert_int_equal(dm->kb[DM_PAGETABLES], 1200);
	assert_int_equal(dm->kb[DM_KERNEL_STACK], 1600);
	assert_int_equal(dm->kb[DM_LIMIT], 400000);
	assert_int_equal(dm->kb[DM_USAGE], 400000 - 8000);
	assert_int_equal(dm->kb[DM_HUGETLB], 2048);
	assert_int_equal(dm->kb[DM_PERCPU], 640);
	assert_int_equal(dm->kb[DM_SLAB_UNRECLAIMABLE], 7000);
	assert_int_equal(dm->kb[DM_SWAP_USAGE], 0);
	oom_event__free(ev);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_after_the_kill),
		cmocka_unit_test(test_group_gone),
		cmocka_unit_test(test_global_at_the_kill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
