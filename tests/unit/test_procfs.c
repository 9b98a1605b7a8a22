// SPDX-License-Identifier: GPL-2.0
/*
 * /proc and cgroupfs parsers: status files with and without the newer
 * lines, stat with hostile names, cgroup files of v1, v2 and hybrid hosts,
 * memcg limits and mem_cgroup_get_max(); readers over the fixture trees in
 * tests/fixtures/proc-* (written by tests/fixtures/proc-generate.py),
 * including broken and missing files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memcg_limits.h"
#include "procfs.h"

static const char *fixtures(void)
{
	const char *d = getenv("OOMTRACE_FIXTURES");

	return d ? d : "tests/fixtures";
}

static void tree(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", fixtures(), name);
}

static const char STATUS_618[] =
	"Name:\thog\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\nPid:\t42\nPPid:\t7\n"
	"Uid:\t1000\t1000\t1000\t1000\nVmPeak:\t   20000 kB\nVmRSS:\t    8204 kB\n"
	"RssAnon:\t    8000 kB\nRssFile:\t     200 kB\nRssShmem:\t       4 kB\n"
	"VmPTE:\t      60 kB\nVmSwap:\t     400 kB\nSigPnd:\t0000000000000000\n"
	"ShdPnd:\t0000000000000000\nCapEff:\t0000000000000000\nKthread:\t0\n";

/* 2.6.3x-4.4: no RssAnon/RssFile/RssShmem; before 2.6.34 not even VmSwap */
static const char STATUS_OLD[] =
	"Name:\told\nState:\tR (running)\nTgid:\t9\nPid:\t9\nPPid:\t1\n"
	"Uid:\t0\t0\t0\t0\nVmRSS:\t    4096 kB\nVmPTE:\t      24 kB\nVmPMD:\t      12 kB\n"
	"SigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\nCapEff:\t0000001fffffffff\n";

static void test_status_new_and_old(void **state)
{
	struct proc_task t = {};

	(void)state;
	assert_int_equal(procfs_parse_status(STATUS_618, &t), 0);
	assert_int_equal(t.state, 'S');
	assert_int_equal(t.ppid, 7);
	assert_int_equal(t.uid, 1000);
	assert_true(t.has & PT_HAS_MM);
	assert_true(t.has & PT_HAS_RSS_PARTS);
	assert_true(t.has & PT_HAS_SHMEM);
	assert_true(t.has & PT_HAS_SWAP);
	assert_int_equal(t.rss_anon_kb, 8000);
	assert_int_equal(t.rss_file_kb, 200);
	assert_int_equal(t.rss_shmem_kb, 4);
	assert_int_equal(t.swap_kb, 400);
	assert_int_equal(t.pgtables_kb, 60);
	assert_false(t.kthread);
	assert_false(t.sigkill_pending);

	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_status(STATUS_OLD, &t), 0);
	assert_false(t.has & PT_HAS_RSS_PARTS);
	assert_false(t.has & PT_HAS_SHMEM);
	assert_false(t.has & PT_HAS_SWAP);
	assert_true(t.has & PT_HAS_MM);
	/* VmPMD counted apart on 4.0-4.14: oom_badness added both */
	assert_int_equal(t.pgtables_kb, 36);
	assert_true(t.sigkill_pending);	/* bit 8 of SigPnd is SIGKILL */
	assert_true(t.has & PT_HAS_CAPS);
	assert_true(t.cap_eff & (1ull << CAP_SYS_ADMIN_BIT));
}

static void test_status_bad(void **state)
{
	struct proc_task t = {};

	(void)state;
	assert_int_equal(procfs_parse_status("", &t), -EINVAL);
	assert_int_equal(procfs_parse_status("Name:\tx\nVmRSS:\t 1 kB\n", &t), -EINVAL);
	assert_int_equal(procfs_parse_status("State:\tS\nVmRSS:\tlots kB\n", &t), -EINVAL);
	/* a kB value that would overflow bytes */
	assert_int_equal(procfs_parse_status("State:\tS\nVmRSS:\t99999999999999999999 kB\n", &t),
			 -EINVAL);
	/* kernel threads: "Kthread: 1" (6.5+) and no Vm lines */
	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_status("Name:\tkworker\nState:\tI (idle)\nKthread:\t1\n",
					     &t), 0);
	assert_true(t.kthread);
	assert_false(t.has & PT_HAS_MM);
}

static void test_stat(void **state)
{
	struct proc_task t = {};
	/* a name with ") S 1 (" in it: only the last ')' ends it */
	const char *hostile = "500 (q\") S 1 (\n\x1b[31m) S 1 500 500 0 -1 4194560 120 0 0 0 3 "
			      "1 0 0 20 0 1 0 1500 12288000 1000 18446744073709551615 1 1\n";
	const char *kthread = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 3 0 0 "
			      "18446744073709551615 0 0\n";

	(void)state;
	assert_int_equal(procfs_parse_stat(hostile, &t), 0);
	assert_int_equal(t.pid, 500);
	assert_string_equal(t.comm, "q\") S 1 (\n\x1b[31m");
	assert_int_equal(t.state, 'S');
	assert_int_equal(t.ppid, 1);
	assert_int_equal(t.starttime, 1500);
	assert_int_equal(t.stat_rss_pages, 1000);
	assert_false(t.kthread);
	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_stat(kthread, &t), 0);
	assert_true(t.kthread);	/* PF_KTHREAD in flags */
	/* negative priority and nice (RT tasks) parse */
	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_stat("7 (rt) S 1 7 7 0 -1 4194368 0 0 0 0 0 0 0 0 -51 -20 1 "
					   "0 99 100 25 0\n", &t), 0);
	assert_int_equal(t.stat_rss_pages, 25);
	assert_int_equal(procfs_parse_stat("20 (truncated\n", &t), -EINVAL);
	assert_int_equal(procfs_parse_stat("20 (x) S 1 2 3\n", &t), -EINVAL);
	assert_int_equal(procfs_parse_stat("(x) S 1\n", &t), -EINVAL);
	assert_int_equal(procfs_parse_stat("", &t), -EINVAL);
}

static void test_cgroup_file(void **state)
{
	struct proc_task t = {};

	(void)state;
	/* hybrid v1 host: memory on v1, systemd's own hierarchy for the unit */
	assert_int_equal(procfs_parse_cgroup("12:pids:/system.slice/a.service\n"
					     "11:memory:/test/a\n"
					     "1:name=systemd:/system.slice/a.service\n"
					     "0::/system.slice/a.service\n", &t), 0);
	assert_int_equal(t.memcg_version, 1);
	assert_string_equal(t.memcg, "/test/a");
	assert_string_equal(t.unit_cgroup, "/system.slice/a.service");
	/* pure v2, a removed cgroup, and a path holding a colon */
	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_cgroup("0::/system.slice/gone.service (deleted)\n", &t), 0);
	assert_int_equal(t.memcg_version, 2);
	assert_string_equal(t.memcg, "/system.slice/gone.service");
	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_cgroup("0::/a:b\n", &t), 0);
	assert_string_equal(t.memcg, "/a:b");
	/* combined controllers */
	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_cgroup("4:cpu,memory,pids:/x\n", &t), 0);
	assert_string_equal(t.memcg, "/x");
	assert_int_equal(procfs_parse_cgroup("garbage\n", &t), -EINVAL);
	/* "memoryx" is not memory */
	memset(&t, 0, sizeof(t));
	assert_int_equal(procfs_parse_cgroup("3:memoryx:/y\n", &t), 0);
	assert_false(t.has & PT_HAS_CGROUP);
}

static void test_meminfo_psi(void **state)
{
	struct proc_meminfo m;
	struct proc_psi p;

	(void)state;
	assert_int_equal(procfs_parse_meminfo("MemTotal:  100 kB\nSwapTotal:  8 kB\n"
					      "Committed_AS:   5 kB\nCommitLimit:  9 kB\n", &m), 0);
	assert_int_equal(m.mem_total_kb, 100);
	assert_int_equal(m.swap_total_kb, 8);
	assert_false(m.has & MI_HAS_AVAILABLE);	/* before 3.14 */
	assert_true(m.has & MI_HAS_COMMIT);
	assert_int_equal(procfs_parse_meminfo("Hugepagesize: 2048 kB\n", &m), -EINVAL);
	assert_int_equal(procfs_parse_meminfo("MemTotal: many kB\n", &m), -EINVAL);
	assert_int_equal(procfs_parse_psi("some avg10=1.25 avg60=0.50 avg300=0.10 total=9\n"
					  "full avg10=0.75 avg60=0.20 avg300=0.05 total=8\n", &p), 0);
	assert_true(p.some.present && p.full.present);
	assert_int_equal(p.some.total_us, 9);
	assert_true(p.full.avg10 > 0.74 && p.full.avg10 < 0.76);
	assert_int_equal(procfs_parse_psi("full avg10=0.00\n", &p), -EINVAL);
	assert_int_equal(procfs_parse_psi("some avg10=x\n", &p), -EINVAL);
}

static void test_numbers(void **state)
{
	int64_t v;
	int maj, min;

	(void)state;
	assert_int_equal(procfs_parse_int("-1000\n", -1000, 1000, &v), 0);
	assert_int_equal(v, -1000);
	assert_int_equal(procfs_parse_int("1001\n", -1000, 1000, &v), -EINVAL);
	assert_int_equal(procfs_parse_int("12x", 0, 100, &v), -EINVAL);
	assert_int_equal(procfs_parse_int("", 0, 100, &v), -EINVAL);
	assert_int_equal(procfs_parse_int("-", 0, 100, &v), -EINVAL);
	assert_int_equal(procfs_parse_int("99999999999999999999", 0, INT64_MAX, &v), -EINVAL);
	assert_int_equal(procfs_parse_release("6.18.44-fc-v657\n", &maj, &min), 0);
	assert_int_equal(maj, 6);
	assert_int_equal(min, 18);
	assert_int_equal(procfs_parse_release("4.4.0-210-generic", &maj, &min), 0);
	assert_int_equal(min, 4);
	assert_int_equal(procfs_parse_release("linux", &maj, &min), -EINVAL);
	assert_int_equal(procfs_parse_release("6.", &maj, &min), -EINVAL);
}

static void test_read_task_fixture(void **state)
{
	struct proc_task t;
	char root[512], err[512];

	(void)state;
	tree(root, sizeof(root), "proc-6.18-v1");
	assert_int_equal(procfs_read_task(root, 200, &t, err, sizeof(err)), 0);
	assert_string_equal(t.comm, "java");
	assert_int_equal(t.oom_score_adj, 500);
	assert_int_equal(t.stat_rss_pages, 30000);
	assert_int_equal(t.swap_kb, 4000);
	assert_true(t.has & PT_HAS_SCORE);
	assert_string_equal(t.memcg, "/test/a");
	assert_string_equal(t.unit_cgroup, "/system.slice/app.service");
	/* the leader is a zombie; its thread 601 still holds the mm */
	assert_int_equal(procfs_read_task(root, 600, &t, err, sizeof(err)), 0);
	assert_int_equal(t.state, 'Z');
	assert_true(t.has & PT_HAS_MM);
	assert_int_equal(t.mm_tid, 601);
	assert_int_equal(t.stat_rss_pages, 8000);
	/* a true zombie: no mm anywhere */
	assert_int_equal(procfs_read_task(root, 400, &t, err, sizeof(err)), 0);
	assert_false(t.has & PT_HAS_MM);
	/* a process that is not there reads as gone, not as an error */
	assert_int_equal(procfs_read_task(root, 4242, &t, err, sizeof(err)), -ESRCH);
}

static void test_read_task_broken(void **state)
{
	struct proc_task t;
	char root[512], err[512];

	(void)state;
	tree(root, sizeof(root), "proc-bad");
	assert_int_equal(procfs_read_task(root, 10, &t, err, sizeof(err)), 0);
	assert_int_equal(procfs_read_task(root, 20, &t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "proc/20/stat: malformed"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(procfs_read_task(root, 30, &t, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "proc/30/status: No such file or directory"));
	assert_int_equal(procfs_read_task(root, 40, &t, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "proc/40/oom_score_adj: not a number in -1000..1000"));
}

static void test_list_pids(void **state)
{
	char root[512];
	int32_t *pids;
	size_t n;

	(void)state;
	tree(root, sizeof(root), "proc-6.18-v1");
	assert_int_equal(procfs_list_pids(root, &pids, &n), 0);
	assert_int_equal(n, 11);
	assert_int_equal(pids[0], 1);	/* ascending; "self", "sys" and files skipped */
	assert_int_equal(pids[n - 1], 902);
	free(pids);
	assert_int_equal(procfs_list_pids("/nonexistent-root", &pids, &n), -ENOENT);
}

static void test_memcg_parsers(void **state)
{
	struct memcg_oom_control oc;
	struct memcg_events ev;
	char v1[256], v2[256];
	uint64_t b;

	(void)state;
	assert_int_equal(memcg_parse_limit("max\n", 4096, &b), 0);
	assert_true(b == UINT64_MAX);
	assert_int_equal(memcg_parse_limit("9223372036854771712\n", 4096, &b), 0);
	assert_true(b == UINT64_MAX);	/* v1's PAGE_COUNTER_MAX: no limit */
	assert_int_equal(memcg_parse_limit("67108864\n", 4096, &b), 0);
	assert_int_equal(b, 67108864);
	assert_int_equal(memcg_parse_limit("maxi\n", 4096, &b), -EINVAL);
	assert_int_equal(memcg_parse_limit("-1\n", 4096, &b), -EINVAL);
	assert_int_equal(memcg_parse_events("low 1\nhigh 2\nmax 3\noom 4\noom_kill 5\n"
					    "oom_group_kill 6\nsock_throttled 0\n", &ev), 0);
	assert_int_equal(ev.oom_kill, 5);
	assert_int_equal(ev.oom_group_kill, 6);
	assert_int_equal(memcg_parse_events("oom\n", &ev), -EINVAL);
	assert_int_equal(memcg_parse_oom_control("oom_kill_disable 1\nunder_oom 0\n", &oc), 0);
	assert_true(oc.oom_kill_disable);
	assert_false(oc.has_oom_kill);	/* the counter is 4.13+ */
	assert_int_equal(memcg_parse_mountinfo(
		"26 25 0:24 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
		"33 25 0:31 / /mnt/my\\040cgroups rw shared:16 - cgroup cgroup rw,memory\n",
		v1, sizeof(v1), v2, sizeof(v2)), 0);
	assert_string_equal(v1, "/mnt/my cgroups");
	assert_string_equal(v2, "/sys/fs/cgroup/unified");
	assert_int_equal(memcg_parse_mountinfo("1 2 3\n", v1, sizeof(v1), v2, sizeof(v2)),
			 -EINVAL);
}

static void test_totalpages(void **state)
{
	struct memcg_info mi = { .version = 1, .has = MC_HAS_LIMIT | MC_HAS_MEMSW |
				 MC_HAS_SWAPPINESS, .swappiness = 60 };

	(void)state;
	/* v1: memory 64 MiB + (memsw 96 MiB - 64 MiB) of swap, capped by the system's swap */
	mi.limit_bytes = 64 << 20;
	mi.memsw_limit_bytes = 96 << 20;
	assert_int_equal(memcg_totalpages(&mi, 1 << 20, 60, 4096), 16384 + 8192);
	assert_int_equal(memcg_totalpages(&mi, 100, 60, 4096), 16384 + 100);
	assert_int_equal(memcg_totalpages(&mi, 0, 60, 4096), 16384);
	/* memsw unlimited: all of the swap */
	mi.memsw_limit_bytes = UINT64_MAX;
	assert_int_equal(memcg_totalpages(&mi, 5000, 60, 4096), 16384 + 5000);
	/* swappiness 0 in this memcg: no swap at all, whatever the global value */
	mi.swappiness = 0;
	assert_int_equal(memcg_totalpages(&mi, 5000, 60, 4096), 16384);
	/* v2: memory.max + min(swap.max, swap); the global swappiness decides */
	mi = (struct memcg_info){ .version = 2, .has = MC_HAS_LIMIT | MC_HAS_SWAP_MAX,
				  .limit_bytes = 128 << 20, .swap_max_bytes = 16 << 20 };
	assert_int_equal(memcg_totalpages(&mi, 1 << 20, 60, 4096), 32768 + 4096);
	assert_int_equal(memcg_totalpages(&mi, 1 << 20, 0, 4096), 32768);
	mi.has &= ~MC_HAS_SWAP_MAX;	/* no swap accounting: counter max */
	assert_int_equal(memcg_totalpages(&mi, 7, 60, 4096), 32768 + 7);
	/* a zero limit: the kernel uses 1 */
	mi.limit_bytes = 0;
	assert_int_equal(memcg_totalpages(&mi, 0, 60, 4096), 1);
}

static void test_memcg_fixtures(void **state)
{
	struct memcg_mount m;
	struct memcg_info mi;
	char root[512], err[512], path[256];
	bool found;

	(void)state;
	tree(root, sizeof(root), "proc-6.18-v1");
	assert_int_equal(memcg_find_mount(root, &m, err, sizeof(err)), 0);
	assert_int_equal(m.version, 1);
	assert_non_null(strstr(m.dir, "/sys/fs/cgroup/memory"));
	assert_int_equal(memcg_normalize_path(&m, root, "/sys/fs/cgroup/memory/test/a/", path,
					      sizeof(path)), 0);
	assert_string_equal(path, "/test/a");
	assert_int_equal(memcg_normalize_path(&m, root, "/test/../etc", path, sizeof(path)),
			 -EINVAL);
	assert_int_equal(memcg_normalize_path(&m, root, "test", path, sizeof(path)), -EINVAL);
	/* /test/a has a looser limit of its own: a charge fails at /test first */
	assert_int_equal(memcg_oom_domain(&m, "/test/a", 4096, &mi, &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_string_equal(mi.path, "/test");
	assert_int_equal(mi.limit_bytes, 256 << 20);
	assert_int_equal(mi.memsw_limit_bytes, 320 << 20);
	assert_int_equal(mi.oom_control.oom_kill, 3);
	assert_int_equal(memcg_oom_domain(&m, "/test/noswap", 4096, &mi, &found, err,
					  sizeof(err)), 0);
	assert_string_equal(mi.path, "/test/noswap");
	assert_int_equal(memcg_totalpages(&mi, 262144, 60, 4096), 16384);
	/* no limit up to the root: a global OOM */
	assert_int_equal(memcg_oom_domain(&m, "/system.slice/ssh.service", 4096, &mi, &found,
					  err, sizeof(err)), 0);
	assert_false(found);
	assert_int_equal(memcg_read(&m, "/nope", 4096, &mi, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no memory cgroup /nope"));

	tree(root, sizeof(root), "proc-6.1-v2");
	assert_int_equal(memcg_find_mount(root, &m, err, sizeof(err)), 0);
	assert_int_equal(m.version, 2);
	assert_int_equal(memcg_read(&m, "/system.slice/nginx.service", 4096, &mi, err,
				    sizeof(err)), 0);
	assert_int_equal(mi.limit_bytes, 256 << 20);
	assert_int_equal(mi.events.oom_kill, 2);
	assert_true(mi.has & MC_HAS_SWAP_MAX);
	assert_true(mi.swap_max_bytes == UINT64_MAX);
	assert_int_equal(memcg_read(&m, "/", 4096, &mi, err, sizeof(err)), 0);
	assert_false(memcg_is_limited(&mi));

	/* no mountinfo: found where distributions mount it */
	tree(root, sizeof(root), "proc-4.4-legacy");
	assert_int_equal(memcg_find_mount(root, &m, err, sizeof(err)), 0);
	assert_int_equal(m.version, 1);

	tree(root, sizeof(root), "proc-bad");
	assert_int_equal(memcg_find_mount(root, &m, err, sizeof(err)), 0);
	assert_int_equal(memcg_read(&m, "/bad", 4096, &mi, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad/memory.limit_in_bytes: malformed"));
	assert_int_equal(memcg_read(&m, "/badevents", 4096, &mi, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "memory.oom_control: malformed"));
	tree(root, sizeof(root), "proc-bad-meminfo");
	assert_int_equal(memcg_find_mount(root, &m, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no memory cgroup controller"));
}

static void test_path_within(void **state)
{
	(void)state;
	assert_true(memcg_path_within("/a/b", "/a"));
	assert_true(memcg_path_within("/a", "/a/"));
	assert_false(memcg_path_within("/ab", "/a"));
	assert_true(memcg_path_within("/x", "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_new_and_old),
		cmocka_unit_test(test_status_bad),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_cgroup_file),
		cmocka_unit_test(test_meminfo_psi),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_read_task_fixture),
		cmocka_unit_test(test_read_task_broken),
		cmocka_unit_test(test_list_pids),
		cmocka_unit_test(test_memcg_parsers),
		cmocka_unit_test(test_totalpages),
		cmocka_unit_test(test_memcg_fixtures),
		cmocka_unit_test(test_path_within),
	};

	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
