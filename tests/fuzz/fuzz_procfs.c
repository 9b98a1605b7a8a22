// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the /proc and cgroupfs parsers behind `oomtrace scores`. The first
 * byte picks the parser, the rest is the file's text; a process can name
 * itself (and a cgroup) almost anything, and those names land in stat,
 * status, cgroup and mountinfo. After a parse, the numbers go through the
 * scoring arithmetic (oom_points, oom_score, the explain flips), which must
 * not overflow into undefined behaviour either.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_memory_stat.h"
#include "memcg_limits.h"
#include "procfs.h"
#include "scores.h"

/* Every string a parser fills must stay terminated within its buffer. */
static void check_task(const struct proc_task *t)
{
	if (strnlen(t->comm, sizeof(t->comm)) == sizeof(t->comm) ||
	    strnlen(t->memcg, sizeof(t->memcg)) == sizeof(t->memcg) ||
	    strnlen(t->unit_cgroup, sizeof(t->unit_cgroup)) == sizeof(t->unit_cgroup))
		abort();
}

/* Run what the ranking does with a parsed task's numbers. */
static void score(const struct proc_task *p, uint64_t totalpages)
{
	struct score_set s = { .totalpages = totalpages ? totalpages : 1, .page_size = 4096 };
	struct score_task t = { .p = *p };
	struct score_flip f;

	t.rss_pages = p->stat_rss_pages;
	t.swap_pages = p->swap_kb / 4;
	t.pgtables_bytes = p->pgtables_kb * 1024;
	t.mem_points = oom_points(t.rss_pages, t.swap_pages, t.pgtables_bytes, 0, 0, 4096);
	t.points = t.mem_points + oom_points_adj_part(p->oom_score_adj, s.totalpages);
	(void)scores_oom_score(t.points, false, s.totalpages, false);
	(void)scores_oom_score(t.points, false, s.totalpages, true);
	scores_flip_above(&s, &t, t.points / 2 + 17, &f);
	scores_flip_below(&s, &t, t.points / 3 - 5, &f);
	scores_flip_above(&s, &t, t.points + 12345, &f);
}

/* A domain's memory from text, and what no kill of a (huge) candidate frees. */
static void domain_memory(const char *text, int (*parse)(const char *, struct oom_domain_memory *))
{
	struct oom_event *ev = oom_event__new();
	struct oom_task *t;

	if (!ev)
		return;
	if (!parse(text, &ev->domain_memory)) {
		ev->has |= EV_HAS_CANDIDATES | EV_HAS_DOMAIN_MEMORY;
		t = oom_event__add_candidate(ev);
		if (t) {
			t->has = TASK_HAS_MEM;
			t->rss_anon_pages = t->rss_shmem_pages = 1ull << 40;
			ev->candidates_total = 1;
		}
		domain_memory_unkillable(ev);
	}
	oom_event__free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[256], b[256];
	struct proc_task t = {};
	struct proc_meminfo m;
	struct proc_psi psi;
	struct memcg_events ev;
	struct memcg_oom_control oc;
	uint64_t v;
	int64_t i;
	int maj, min;
	char *text;

	if (!size)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 12) {
	case 0:
		if (!procfs_parse_stat(text, &t))
			score(&t, 6171023);
		break;
	case 1:
		if (!procfs_parse_status(text, &t)) {
			t.stat_rss_pages = (t.rss_anon_kb + t.rss_file_kb) / 4;
			score(&t, 16384);
		}
		break;
	case 2:
		procfs_parse_cgroup(text, &t);
		break;
	case 3:
		if (!procfs_parse_meminfo(text, &m) && m.mem_total_kb / 4)
			(void)scores_oom_score(1000, false, m.mem_total_kb / 4, false);
		domain_memory(text, domain_memory_parse_meminfo);
		break;
	case 4:
		procfs_parse_psi(text, &psi);
		break;
	case 5:
		procfs_parse_int(text, -1000, 1000, &i);
		procfs_parse_int(text, INT64_MIN + 1, INT64_MAX, &i);
		(void)procfs_parse_list_max(text, &v);	/* node/possible */
		break;
	case 6:
		procfs_parse_release(text, &maj, &min);
		break;
	case 7:
		if (!memcg_parse_mountinfo(text, a, sizeof(a), b, sizeof(b)) &&
		    (strnlen(a, sizeof(a)) == sizeof(a) || strnlen(b, sizeof(b)) == sizeof(b)))
			abort();
		break;
	case 8:
		if (!memcg_parse_limit(text, 4096, &v)) {
			struct memcg_info mi = { .version = 1, .limit_bytes = v,
						 .memsw_limit_bytes = v, .has = MC_HAS_MEMSW };

			(void)memcg_totalpages(&mi, 1 << 20, 60, 4096);
			mi.version = 2;
			(void)memcg_totalpages(&mi, 1 << 20, 60, 4096);
		}
		break;
	case 9:
		memcg_parse_events(text, &ev);
		/* memory.stat is "key value" lines too */
		domain_memory(text, domain_memory_parse_stat);
		break;
	case 10:
		memcg_parse_oom_control(text, &oc);
		break;
	case 11: {
		/* one process: stat, then status after a NUL-free split at "\n\n" */
		char *split = strstr(text, "\n\n");

		if (split) {
			*split = '\0';
			if (!procfs_parse_stat(text, &t) && !procfs_parse_status(split + 2, &t))
				score(&t, 81920);
		}
		break;
	}
	}
	check_task(&t);
	free(text);
	return 0;
}
