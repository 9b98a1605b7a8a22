// SPDX-License-Identifier: GPL-2.0
/* Prometheus output: the exposition, label escaping, bounded cardinality, atomic writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prom.h"

static char *render(const struct prom_state *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	prom_render(f, p);
	fclose(f);
	return buf;
}

static void kill_event(struct prom_state *p, const char *memcg, const char *comm)
{
	struct oom_event *ev = oom_event__new();
	struct oom_task *v = oom_event__add_victim(ev);

	v->has = TASK_HAS_COMM;
	snprintf(v->comm, sizeof(v->comm), "%s", comm);
	if (memcg) {
		ev->has |= EV_HAS_MEMCG;
		snprintf(ev->memcg, sizeof(ev->memcg), "%s", memcg);
		ev->constraint = OOM_CONSTRAINT_MEMCG;
	} else {
		ev->constraint = OOM_CONSTRAINT_NONE;
	}
	prom_state__add_event(p, ev);
	oom_event__free(ev);
}

static void test_exposition(void **state)
{
	struct prom_state p;
	char *s;

	(void)state;
	assert_int_equal(prom_state__init(&p, 2), 0);
	kill_event(&p, "/a", "java");
	kill_event(&p, "/a", "java");
	kill_event(&p, "/b", "a\"b\\c\n");
	kill_event(&p, NULL, "bash");
	p.lost_records = 7;
	p.reconcile_gap = -1;
	s = render(&p);
	assert_non_null(strstr(s, "# TYPE oomtrace_oom_kills_total counter\n"));
	assert_non_null(strstr(s, "oomtrace_oom_kills_total{domain=\"/a\"} 2\n"));
	/* top 2: "/a" then, of the ties, "/b" before "global"; the rest is other */
	assert_non_null(strstr(s, "oomtrace_oom_kills_total{domain=\"/b\"} 1\n"));
	assert_non_null(strstr(s, "oomtrace_oom_kills_total{domain=\"other\"} 1\n"));
	assert_null(strstr(s, "domain=\"global\""));
	assert_non_null(strstr(s, "oomtrace_oom_kills_by_command_total{comm=\"java\"} 2\n"));
	assert_non_null(strstr(s, "comm=\"a\\\"b\\\\c\\n\"} 1\n"));
	assert_non_null(strstr(s, "by_command_total{comm=\"other\"} 1\n"));	/* bash */
	assert_non_null(strstr(s, "oomtrace_kills_recorded_total 4\n"));
	assert_non_null(strstr(s, "oomtrace_lost_records_total 7\n"));
	assert_non_null(strstr(s, "oomtrace_reconcile_gap -1\n"));
	/* every line is a comment or "name{labels} value" */
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
		assert_true(line[0] == '#' || !strncmp(line, "oomtrace_", 9));
	free(s);
	prom_state__free(&p);
}

static void test_cardinality_bounded(void **state)
{
	struct prom_state p;
	char comm[32], *s;
	int series = 0;

	(void)state;
	assert_int_equal(prom_state__init(&p, 5), 0);
	for (int i = 0; i < PROM_TRACKED + 50; i++) {
		snprintf(comm, sizeof(comm), "c%d", i);
		kill_event(&p, "/x", comm);
	}
	assert_int_equal(p.comms.n, PROM_TRACKED);
	assert_int_equal(p.comms.untracked, 50);
	s = render(&p);
	for (char *q = s; (q = strstr(q, "oomtrace_oom_kills_by_command_total{")); q++)
		series++;
	assert_int_equal(series, 5 + 1);		/* top 5 and other */
	assert_non_null(strstr(s, "by_command_total{comm=\"other\"} 301\n"));
	free(s);
	prom_state__free(&p);
}

static void test_escape_bad_bytes(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	prom_escape(f, "a\x1b[b\xff\xe2\x82\xac\xc3");
	fclose(f);
	assert_string_equal(buf, "a?[b?\xe2\x82\xac?");
	free(buf);
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/oomtrace-prom-XXXXXX", path[64], tmp[80], buf[32] = "";
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/o.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(prom_write_file(path, "a 1\n", 4), 0);
	assert_int_equal(prom_write_file(path, "a 2\n", 4), 0);
	assert_int_equal(stat(tmp, &st), -1);		/* the temporary is gone */
	f = fopen(path, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "a 2\n");
	assert_int_equal(prom_write_file("/nonexistent-dir/o.prom", "a\n", 2), -ENOENT);
	unlink(path);
	rmdir(dir);
}

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A kill in a pod's container: the names come as labels of the domain series. */
static void named_kill(struct prom_state *p, const char *pod, const char *ctr)
{
	struct oom_event *ev = oom_event__new();
	struct oom_task *v = oom_event__add_victim(ev);
	struct oom_names *n;

	v->has = TASK_HAS_COMM | TASK_HAS_CGROUP;
	snprintf(v->comm, sizeof(v->comm), "java");
	snprintf(v->cgroup, sizeof(v->cgroup), "/kubepods/pod1/cri-containerd-" CID ".scope");
	ev->has |= EV_HAS_MEMCG;
	snprintf(ev->memcg, sizeof(ev->memcg), "/kubepods/pod1");
	ev->constraint = OOM_CONSTRAINT_MEMCG;
	n = oom_event__add_names(ev, CID);
	if (pod) {
		snprintf(n->ns, sizeof(n->ns), "shop");
		snprintf(n->pod, sizeof(n->pod), "%s", pod);
	}
	snprintf(n->container, sizeof(n->container), "%s", ctr);
	prom_state__add_event(p, ev);
	oom_event__free(ev);
}

static void test_names_labels(void **state)
{
	struct prom_state p;
	char *s;

	(void)state;
	assert_int_equal(prom_state__init(&p, 10), 0);
	named_kill(&p, "cart-7d9", "app");
	named_kill(&p, "cart-7d9", "app");
	named_kill(&p, "cart-7d9", "side\"car");
	named_kill(&p, NULL, "web-1");
	kill_event(&p, "/kubepods/pod1", "bash");
	s = render(&p);
	assert_non_null(strstr(s, "oomtrace_oom_kills_total{domain=\"/kubepods/pod1\",namespace=\"shop\","
				  "pod=\"cart-7d9\",container=\"app\"} 2\n"));
	assert_non_null(strstr(s, "oomtrace_oom_kills_total{domain=\"/kubepods/pod1\",namespace=\"shop\","
				  "pod=\"cart-7d9\",container=\"side\\\"car\"} 1\n"));
	assert_non_null(strstr(s, "oomtrace_oom_kills_total{domain=\"/kubepods/pod1\",container=\"web-1\"} 1\n"));
	assert_non_null(strstr(s, "oomtrace_oom_kills_total{domain=\"/kubepods/pod1\"} 1\n"));
	assert_non_null(strstr(s, "node_vmstat_oom_kill"));
	assert_non_null(strstr(s, "container_oom_events_total"));
	assert_int_equal(p.kills, 5);
	free(s);
	prom_state__free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_cardinality_bounded),
		cmocka_unit_test(test_escape_bad_bytes),
		cmocka_unit_test(test_atomic_write),
		cmocka_unit_test(test_names_labels),
	};

	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
