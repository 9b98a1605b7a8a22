// SPDX-License-Identifier: GPL-2.0
/* The OOM domain's memory: what no kill frees, and how both renderers say it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "render.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unkillable_parts),
		cmocka_unit_test(test_unkillable_needs_every_candidate),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
