// SPDX-License-Identifier: GPL-2.0
/* The OOM domain's memory: what no kill frees, and how both renderers say it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_memory_stat.h"
#include "event.h"
#include "render.h"
#include "report_domain.h"

/* A 64 MiB memcg: a tmpfs file of 48 MiB, one hog of 10 MiB anon, 1 MiB mapped file. */
static struct oom_event *tmpfs_event(void)
{
	struct oom_event *ev = oom_event__new();
	struct oom_domain_memory *dm = &ev->domain_memory;
	struct oom_task *t;

	ev->seq = 1;
	ev->mode = "tracepoint";
	ev->source = "bpf";
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	ev->has = EV_HAS_CANDIDATES | EV_HAS_DOMAIN_MEMORY;
	t = oom_event__add_candidate(ev);
	t->has = TASK_HAS_PID | TASK_HAS_COMM | TASK_HAS_POINTS | TASK_HAS_MEM;
	t->pid = 42;
	strcpy(t->comm, "hog");
	t->rss_anon_pages = 2560;	/* 10 MiB */
	t->rss_file_pages = 256;	/* 1 MiB */
	t->pgtables_bytes = 64 << 10;
	t = oom_event__add_candidate(ev);	/* adj -1000: its memory stays */
	t->has = TASK_HAS_PID | TASK_HAS_MEM;
	t->skip = OOM_SKIP_ADJ_MIN;
	t->rss_anon_pages = 100000;
	ev->candidates_total = 2;
	dm_set(dm, DM_USAGE, 65536);
	dm_set(dm, DM_LIMIT, 65536);
	dm_set(dm, DM_ANON, 10240);
	dm_set(dm, DM_FILE, 49152 + 2048);
	dm_set(dm, DM_SHMEM, 49152);
	dm_set(dm, DM_KERNEL, 3000);
	dm_set(dm, DM_SLAB_RECLAIMABLE, 1000);
	dm_set(dm, DM_SLAB_UNRECLAIMABLE, 500);
	return ev;
}

static char *render(void (*fn)(FILE *, const struct oom_event *), const struct oom_event *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fn(f, ev);
	fclose(f);
	return buf;
}

static void test_unkillable_parts(void **state)
{
	struct oom_event *ev = tmpfs_event();
	const struct oom_domain_memory *dm = &ev->domain_memory;

	(void)state;
	domain_memory_unkillable(ev);
	/* 65536 - (10240 + 1024 + 64) */
	assert_int_equal(dm->kb[DM_UNKILLABLE], 54208);
	assert_int_equal(dm->kb[DM_UNK_SHMEM], 49152);
	assert_int_equal(dm->kb[DM_UNK_SLAB], 1500);
	assert_int_equal(dm->kb[DM_UNK_KERNEL], 3000 - 1500 - 64);
	assert_int_equal(dm->kb[DM_UNK_FILE], 2048 - 1024);
	oom_event__free(ev);
}

static void test_unkillable_needs_every_candidate(void **state)
{
	struct oom_event *ev = tmpfs_event();

	(void)state;
	ev->candidates_total = 3;	/* one beyond the kept top-K: its memory is unknown */
	domain_memory_unkillable(ev);
	assert_false(dm_has(&ev->domain_memory, DM_UNKILLABLE));
	assert_false(dm_has(&ev->domain_memory, DM_UNK_SHMEM));
	ev->candidates_total = 2;
	ev->candidates[0].has &= ~TASK_HAS_MEM;
	ev->candidates[0].has |= TASK_HAS_RSS;	/* a total rss, no swap or page tables */
	domain_memory_unkillable(ev);
	assert_false(dm_has(&ev->domain_memory, DM_UNKILLABLE));
	ev->has &= ~EV_HAS_CANDIDATES;
	domain_memory_unkillable(ev);
	assert_false(dm_has(&ev->domain_memory, DM_UNKILLABLE));
	oom_event__free(ev);
}

static void test_render(void **state)
{
	struct oom_event *ev = tmpfs_event();
	char *json, *text;

	(void)state;
	domain_memory_unkillable(ev);
	json = render(render_event_json, ev);
	assert_non_null(strstr(json, "\"domain_memory\":{\"usage_kb\":65536,\"limit_kb\":65536,"
				     "\"anon_kb\":10240,\"file_kb\":51200,\"shmem_kb\":49152,"
				     "\"kernel_kb\":3000,\"slab_reclaimable_kb\":1000,"
				     "\"slab_unreclaimable_kb\":500,\"unkillable_kb\":54208,"
				     "\"unkillable\":{\"shmem_kb\":49152,\"slab_kb\":1500,"
				     "\"kernel_kb\":1436,\"file_kb\":1024}}"));
	text = render(render_event_text, ev);
	assert_non_null(strstr(text, "  memory     usage 64.0 MiB of limit 64.0 MiB\n"
				     "             file 50.0 MiB, shmem 48.0 MiB, anon 10.0 MiB, "
				     "kernel 2.9 MiB, slab reclaimable 1000.0 KiB\n"
				     "             killing frees at most 11.1 MiB of 64.0 MiB: "
				     "shmem 48.0 MiB (tmpfs?) is held by no candidate\n"));
	free(json);
	free(text);
	/* nothing absent is printed as 0: only the limit known */
	ev->domain_memory.has = 1u << DM_LIMIT;
	json = render(render_event_json, ev);
	assert_non_null(strstr(json, "\"domain_memory\":{\"limit_kb\":65536}"));
	text = render(render_event_text, ev);
	assert_non_null(strstr(text, "  memory     usage ? of limit 64.0 MiB\n"));
	assert_null(strstr(text, "killing"));
	free(json);
	free(text);
	oom_event__free(ev);
}

/* memory.stat, v1 (the hierarchical totals win) and v2, in bytes */
static void test_parse_stat(void **state)
{
	struct oom_domain_memory dm = { 0 };

	(void)state;
	assert_int_equal(domain_memory_parse_stat("cache 12288\nrss 16584704\nshmem 0\n"
						  "total_cache 24576\ntotal_rss 33169408\n"
						  "total_shmem 8192\n", &dm), 0);
	assert_int_equal(dm.kb[DM_ANON], 32392);
	assert_int_equal(dm.kb[DM_FILE], 24);
	assert_int_equal(dm.kb[DM_SHMEM], 8);
	assert_false(dm_has(&dm, DM_KERNEL));
	memset(&dm, 0, sizeof(dm));
	assert_int_equal(domain_memory_parse_stat("anon 421888\nfile 94208\nkernel 3342336\n"
						  "kernel_stack 147456\nfile_mapped 4096\n"
						  "slab_reclaimable 378880\nsock 0\n", &dm), 0);
	assert_int_equal(dm.kb[DM_ANON], 412);
	assert_int_equal(dm.kb[DM_FILE], 92);	/* not file_mapped */
	assert_int_equal(dm.kb[DM_KERNEL], 3264);
	assert_int_equal(dm.kb[DM_KERNEL_STACK], 144);
	assert_int_equal(dm.kb[DM_SLAB_RECLAIMABLE], 370);
	assert_true(dm_has(&dm, DM_SOCK));
	assert_false(dm_has(&dm, DM_SHMEM));
	assert_int_equal(domain_memory_parse_stat("anon x\n", &dm), -EINVAL);
	assert_int_equal(domain_memory_parse_stat("pgfault 3\n", &dm), -EINVAL);
}

/* /proc/meminfo: shmem moved from the anon lists to file, as Mem-Info is read */
static void test_parse_meminfo(void **state)
{
	struct oom_domain_memory dm = { 0 };

	(void)state;
	assert_int_equal(domain_memory_parse_meminfo(
		"MemTotal:       16073272 kB\nMemFree:          138516 kB\n"
		"Active(anon):    5653768 kB\nInactive(anon):  6036764 kB\n"
		"Active(file):        728 kB\nInactive(file):      132 kB\n"
		"Unevictable:        8188 kB\nShmem:             78160 kB\n"
		"KernelStack:       10592 kB\nPageTables:       102816 kB\n"
		"SReclaimable:     520364 kB\nSUnreclaim:       357212 kB\n"
		"HugePages_Total:       2\nHugepagesize:       2048 kB\n", &dm), 0);
	assert_int_equal(dm.kb[DM_LIMIT], 16073272);
	assert_int_equal(dm.kb[DM_USAGE], 16073272 - 138516);
	assert_int_equal(dm.kb[DM_ANON], 5653768 + 6036764 - 78160);
	assert_int_equal(dm.kb[DM_FILE], 728 + 132 + 78160);
	assert_int_equal(dm.kb[DM_HUGETLB], 4096);
	assert_int_equal(dm.kb[DM_SLAB_UNRECLAIMABLE], 357212);
	assert_false(dm_has(&dm, DM_PERCPU));
	assert_int_equal(domain_memory_parse_meminfo("MemFree: 1 kB\n", &dm), -EINVAL);
}

/* unkillable from the streamed sum, when the kept candidates are only the top */
static void test_unkillable_from_held(void **state)
{
	struct oom_event *ev = tmpfs_event();
	struct oom_task extra = { .has = TASK_HAS_MEM, .rss_anon_pages = 256 };

	(void)state;
	for (size_t i = 0; i < ev->n_candidates; i++)
		domain_memory_hold(&ev->domain_memory, &ev->candidates[i], ev->page_size);
	domain_memory_hold(&ev->domain_memory, &extra, ev->page_size);	/* not kept */
	ev->candidates_total = 3;
	domain_memory_unkillable(ev);
	assert_int_equal(ev->domain_memory.kb[DM_UNKILLABLE], 54208 - 1024);
	oom_event__free(ev);
}

/* report: OOMs mostly unkillable, by part; domains whose share grew */
static void test_report(void **state)
{
	struct report_domain_mem r = { 0 };
	struct oom_event *ev = tmpfs_event();
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	domain_memory_unkillable(ev);			/* 54208 of 65536: 827 per mille */
	assert_int_equal(report_domain__add(&r, ev, "/a"), 0);
	assert_int_equal(report_domain__add(&r, ev, "/a"), 0);	/* the same share: no growth */
	ev->domain_memory.kb[DM_UNKILLABLE] = 1000;	/* 15 per mille */
	assert_int_equal(report_domain__add(&r, ev, "/b"), 0);
	ev->domain_memory.kb[DM_UNKILLABLE] = 40000;	/* 610 per mille: grew from 15 */
	ev->domain_memory.kb[DM_UNK_SLAB] = 50000;
	assert_int_equal(report_domain__add(&r, ev, "/b"), 0);
	ev->domain_memory.kb[DM_UNKILLABLE] = 39000;	/* 595 per mille */
	assert_int_equal(report_domain__add(&r, ev, "/d"), 0);
	ev->domain_memory.kb[DM_UNKILLABLE] = 39500;	/* 602: up by 7 per mille, jitter */
	assert_int_equal(report_domain__add(&r, ev, "/d"), 0);
	ev->has &= ~EV_HAS_DOMAIN_MEMORY;		/* not counted */
	assert_int_equal(report_domain__add(&r, ev, "/c"), 0);
	assert_int_equal(r.events, 6);
	assert_int_equal(r.mostly, 5);	/* both of /a, the second of /b, both of /d */
	f = open_memstream(&text, &len);
	report_domain__print_text(f, &r);
	fclose(f);
	assert_non_null(strstr(text, "  5 of 6 OOMs: over half the domain unkillable (2 shmem, 3 slab)\n"));
	assert_non_null(strstr(text, "  /b: unkillable share grew from 1% to 61% over 2 OOMs\n"));
	assert_null(strstr(text, "/a:"));
	assert_null(strstr(text, "/d:"));	/* 59% to 60%: not a growth */
	free(text);
	report_domain__free(&r);
	oom_event__free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unkillable_parts),
		cmocka_unit_test(test_unkillable_needs_every_candidate),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_meminfo),
		cmocka_unit_test(test_unkillable_from_held),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
