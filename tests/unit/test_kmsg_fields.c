// SPDX-License-Identifier: GPL-2.0
/* kmsg_fields: each line of the OOM report, every variant, and hostile names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "gfp_names.h"
#include "kmsg_fields.h"

static struct kmsg_fact f;

static enum kmsg_kind kind(const char *s)
{
	return kmsg_classify(s, strlen(s), &f);
}

static void test_header(void **state)
{
	(void)state;
	/* 2.6.32: oom_adj next to oom_score_adj, no flag names */
	assert_int_equal(kind("t invoked oom-killer: gfp_mask=0xd0, order=0, oom_adj=0, oom_score_adj=0"),
			 KMSG_HEADER);
	assert_string_equal(f.comm, "t");
	assert_true(f.has_gfp && !f.has_gfp_names && f.has_order && f.has_adj && f.has_oom_adj);
	assert_int_equal(f.gfp, 0xd0);
	/* 4.12: names and nodemask */
	kind("allocate invoked oom-killer: gfp_mask=0x14280ca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO), "
	     "nodemask=(null),  order=0, oom_score_adj=0");
	assert_string_equal(f.gfp_names, "GFP_HIGHUSER_MOVABLE|__GFP_ZERO");
	assert_int_equal(f.gfp, 0x14280ca);
	assert_false(f.has_oom_adj);
	/* an empty name list is a fact too */
	kind("allocate invoked oom-killer: gfp_mask=0x0(), nodemask=(null),  order=0, oom_score_adj=0");
	assert_true(f.has_gfp_names);
	assert_string_equal(f.gfp_names, "");
	/* a comm with a space, a sysrq order, a negative adj */
	kind("CPU 0/KVM invoked oom-killer: gfp_mask=0x15000c0(GFP_KERNEL_ACCOUNT), order=-1, "
	     "oom_score_adj=-1000");
	assert_string_equal(f.comm, "CPU 0/KVM");
	assert_int_equal(f.order, -1);
	assert_int_equal(f.adj, -1000);
	/* terminal junk after it (a screen status line) is ignored */
	kind("main invoked oom-killer: gfp_mask=0x24000c0, order=0, oom_score_adj=0          [7/972]");
	assert_int_equal(f.adj, 0);
	/* without the format that follows, it is not a header */
	assert_int_not_equal(kind("x invoked oom-killer: maybe"), KMSG_HEADER);
}

static void test_dump_stack_lines(void **state)
{
	(void)state;
	assert_int_equal(kind("CPU: 4 PID: 29481 Comm: sed Not tainted 3.10.0-514.6.1.el7.x86_64 #1"),
			 KMSG_CPU);
	assert_int_equal(f.pid, 29481);
	assert_string_equal(f.comm, "sed");
	assert_false(f.has_uid);
	kind("CPU: 1 UID: 0 PID: 7166 Comm: hog Not tainted 6.18.44-fc-v657 #1 PREEMPT(none) ");
	assert_int_equal(f.pid, 7166);
	assert_true(f.has_uid);
	assert_int_equal(f.uid, 0);
	kind("CPU: 2 PID: 977 Comm: xfs_db Kdump: loaded Not tainted 4.18.0-139.el8.ppc64le+debug #1");
	assert_string_equal(f.comm, "xfs_db");
	kind("CPU: 44 PID: 24430 Comm: CPU 0/KVM Not tainted 4.15.0-108-generic #109-Ubuntu");
	assert_string_equal(f.comm, "CPU 0/KVM");
	assert_int_equal(kind("Pid: 15462, comm: t Not tainted 2.6.32-220.7.1.el6.x86_64 #1"), KMSG_CPU);
	assert_int_equal(f.pid, 15462);
	assert_int_equal(kind("t cpuset=/ mems_allowed=0"), KMSG_CPUSET);
	assert_int_equal(kind("runc:[2:INIT] cpuset=docker-1.scope mems_allowed=0-1"), KMSG_CPUSET);
	assert_int_equal(kind("Hardware name: HP ProLiant DL385 G7, BIOS A18 12/08/2012"), KMSG_DUMP_INFO);
	assert_int_equal(kind("Workqueue: events_unbound async_run_entry_fn"), KMSG_DUMP_INFO);
	assert_int_equal(kind("Call Trace:"), KMSG_DUMP_INFO);
	assert_int_equal(kind("<TASK>"), KMSG_DUMP_INFO);
	assert_int_equal(kind(" ffff880182272f10 00000000021dcb0a ffff880418207938 ffffffff816861ac"),
			 KMSG_REGS);
	assert_int_equal(kind("RAX: 000000000001dff0 RBX: 00007fdea802d490 RCX: 00007fdeac17b010"), KMSG_REGS);
	assert_int_equal(kind("RSP: 002b:00007fdeb0e1db80 EFLAGS: 00010206"), KMSG_REGS);
	assert_int_equal(kind("Code: Unable to access opcode bytes at 0x4259d6."), KMSG_REGS);
	assert_int_equal(kind("x29: ffff80001234abcd x28: 0000000000000000"), KMSG_REGS);
	/* where user space was when it faulted: a one-frame user stack */
	assert_int_equal(kind("RIP: 0033:0x7fdeafb0fe2f"), KMSG_USER_IP);
	assert_int_equal(f.value, 0x7fdeafb0fe2full);
	assert_int_equal(kind("RIP: 0010:out_of_memory+0x10/0x20"), KMSG_REGS);
	/* the bytes around a RIP, the one at it marked (x86 show_opcodes) */
	assert_int_equal(kind("Code: 60 4c 8b d0 49 83 c2 18 <4c> 89 10 c7"), KMSG_CODE);
	assert_int_equal(f.code_len, 12);
	assert_int_equal(f.code_at, 8);
	assert_int_equal(f.code[0], 0x60);
	assert_int_equal(f.code[8], 0x4c);
	assert_int_equal(f.code[11], 0xc7);
	assert_int_equal(kind("Code: <0f> 0b"), KMSG_CODE);
	assert_int_equal(f.code_at, 0);
	/* not bytes to hold a process to: no marker, two, a bad byte, too many */
	assert_int_equal(kind("Code: 60 4c 8b d0"), KMSG_REGS);
	assert_int_equal(kind("Code: 60 <4c> <8b> d0"), KMSG_REGS);
	assert_int_equal(kind("Code: 60 <4c> 8g d0"), KMSG_REGS);
	assert_int_equal(kind("Code: 60 <4c 8b d0"), KMSG_REGS);
	{
		char line[512] = "Code:";

		for (int i = 0; i < 65; i++)
			strcat(line, i == 42 ? " <90>" : " 90");
		assert_int_equal(kind(line), KMSG_REGS);
		line[strlen(line) - 3] = '\0';	/* 64 bytes: the most the kernel prints */
		assert_int_equal(kind(line), KMSG_CODE);
		assert_int_equal(f.code_len, 64);
	}
	/* arm64 prints words, the one at pc in (): not taken as bytes */
	assert_int_equal(kind("Code: d503233f a9bd7bfd 910003fd (d4210000)"), KMSG_REGS);
}

static void test_frames(void **state)
{
	(void)state;
	assert_int_equal(kind("[<ffffffff810c2c61>] ? cpuset_print_task_mems_allowed+0x91/0xb0"), KMSG_FRAME);
	assert_true(f.unreliable);
	assert_int_equal(f.addr, 0xffffffff810c2c61ull);
	assert_string_equal(f.sym, "cpuset_print_task_mems_allowed");
	assert_int_equal(f.offset, 0x91);
	assert_int_equal(kind("[<ffffffffa018f016>] ext4_filemap_fault+0x36/0x50 [ext4]"), KMSG_FRAME);
	assert_false(f.unreliable);
	assert_string_equal(f.module, "ext4");
	assert_int_equal(kind(" oom_kill_process.cold+0x8/0x8a"), KMSG_FRAME);
	assert_string_equal(f.sym, "oom_kill_process.cold");
	assert_int_equal(kind(" ? __alloc_pages_slowpath.constprop.0+0x954/0xa20"), KMSG_FRAME);
	assert_true(f.unreliable);
	assert_int_equal(kind("[c0000001cb163640] [c000000001035754] dump_stack+0xe8/0x164 (unreliable)"),
			 KMSG_FRAME);
	assert_true(f.unreliable);
	assert_int_equal(f.addr, 0xc000000001035754ull);
	assert_int_equal(kind("[c0000001cb163690] [c0000000004a77dc] dump_header+0x7c/0x670"), KMSG_FRAME);
	assert_false(f.unreliable);
	assert_int_not_equal(kind("foo+bar"), KMSG_FRAME);
	assert_int_not_equal(kind("dump_stack+0x19/0x1b and more"), KMSG_FRAME);
}

static void test_meminfo(void **state)
{
	(void)state;
	assert_int_equal(kind("Mem-Info:"), KMSG_MEMINFO);
	/* rsyslog writes the embedded newlines as #012 */
	assert_int_equal(kind("active_anon:7355653 inactive_anon:660960 isolated_anon:0#012 active_file:1263"),
			 KMSG_MEMINFO);
	assert_int_equal(kind("Node 0 DMA free:15872kB min:40kB low:48kB all_unreclaimable? no"),
			 KMSG_MEMINFO);
	assert_int_equal(kind("Node 0 DMA: 2*4kB 4*8kB 3*16kB = 15704kB"), KMSG_MEMINFO_BUDDY);
	assert_int_equal(f.value, 4096);
	assert_int_equal(kind("Node 0 DMA: 0*64kB 1*128kB (M) = 128kB"), KMSG_MEMINFO_BUDDY);
	assert_int_equal(f.value, 65536);
	/* i386 zones without "Node N" */
	assert_int_equal(kind("Normal: 12*4kB (UME) 4*8kB (UM) = 2816kB"), KMSG_MEMINFO_BUDDY);
	assert_int_equal(kind("HighMem free:15948052kB min:512kB low:64120kB"), KMSG_MEMINFO);
	assert_int_equal(kind("DMA32: 1234*4kB 1*8kB"), KMSG_MEMINFO_BUDDY);
	assert_int_equal(kind("294896 pages RAM"), KMSG_MEMINFO_RAM);
	assert_int_equal(f.value, 294896);
	assert_int_equal(kind("7632 pages reserved"), KMSG_MEMINFO_RESERVED);
	assert_int_equal(f.value, 7632);
	assert_int_equal(kind("0 pages cma reserved"), KMSG_MEMINFO);
	assert_int_equal(kind("Total swap = 2064376kB"), KMSG_MEMINFO_SWAP);
	assert_int_equal(f.value, 2064376);
	assert_int_equal(kind("Free swap  = 0kB"), KMSG_MEMINFO);
	assert_int_equal(kind("lowmem_reserve[]: 0 1120 1120 1120"), KMSG_MEMINFO);
	assert_int_equal(kind("CPU    0: hi:    0, btch:   1 usd:   0"), KMSG_MEMINFO);
	assert_int_equal(kind("211205 total pagecache pages"), KMSG_MEMINFO);
	assert_int_equal(kind("Swap cache stats: add 1240384, delete 1180276, find 400/507"), KMSG_MEMINFO);
	assert_int_equal(kind("Unreclaimable slab info:"), KMSG_MEMINFO);
	assert_int_equal(kind("Name                      Used          Total"), KMSG_SLAB);
	assert_int_equal(kind("kmalloc-4k             1234KB       2048KB"), KMSG_SLAB);
}

static void test_memcg_lines(void **state)
{
	(void)state;
	assert_int_equal(kind("Task in /test killed as a result of limit of /test"), KMSG_MEMCG_TASK_IN);
	assert_string_equal(f.path, "/test");
	assert_true(f.path_complete && f.has_path2);
	assert_string_equal(f.path2, "/test");
	/* cut before the second path: the first may be cut too */
	assert_int_equal(kind("Task in /kubepods.slice/kubepods-burst"), KMSG_MEMCG_TASK_IN);
	assert_false(f.path_complete || f.has_path2);
	assert_int_equal(kind("memory: usage 102400kB, limit 102400kB, failcnt 756"), KMSG_MEMCG_COUNTER);
	assert_int_equal(f.counter, KCNT_MEMORY);
	assert_int_equal(f.limit_kb, 102400);
	assert_int_equal(kind("memory+swap: usage 0kB, limit 9007199254740988kB, failcnt 0"),
			 KMSG_MEMCG_COUNTER);
	assert_int_equal(f.counter, KCNT_MEMSW);
	assert_int_equal(f.limit_kb, 9007199254740988ull);
	assert_int_equal(kind("swap: usage 0kB, limit 0kB, failcnt 0"), KMSG_MEMCG_COUNTER);
	assert_int_equal(f.counter, KCNT_SWAP);
	assert_int_equal(kind("kmem: usage 7524kB, limit 9007199254740988kB, failcnt 0"), KMSG_MEMCG_COUNTER);
	assert_int_equal(f.counter, KCNT_OTHER);
	assert_int_equal(kind("Memory cgroup stats for /myapp:"), KMSG_MEMCG_STATS_FOR);
	assert_string_equal(f.path, "/myapp");
	assert_true(f.path_complete);
	assert_int_equal(kind("Memory cgroup stats for /docker/3418: cache:108KB rss:197168KB rss_huge:0KB"),
			 KMSG_MEMCG_STATS_FOR);
	assert_string_equal(f.path, "/docker/3418");
	assert_true(f.path_complete);
	assert_int_equal(kind("Memory cgroup stats for /docker/3418abc"), KMSG_MEMCG_STATS_FOR);
	assert_false(f.path_complete);
	assert_int_equal(kind("anon 421888"), KMSG_STAT);
	assert_int_equal(kind("hierarchical_memsw_limit 9223372036854771712"), KMSG_STAT);
	assert_int_equal(kind("Tasks in /kubepods/burstable/pod3/ed9d are going to be killed due to "
			      "memory.oom.group set"), KMSG_GROUP);
	assert_string_equal(f.path, "/kubepods/burstable/pod3/ed9d");
}

static void test_table_layouts(void **state)
{
	static const struct {
		const char *header, *row;
		int cols;
		int32_t pid, tgid;
		enum kmsg_col col;
		int64_t value;
		const char *comm;
	} t[] = {
		{ "[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name",
		  "[28656]   602 28656   965531   437298   0       0             0 java",
		  7, 28656, 28656, KCOL_RSS, 437298, "java" },
		{ "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name",
		  "[  433]     0   433    11104        2      22      360         -1000 systemd-udevd",
		  7, 433, 433, KCOL_OOM_SCORE_ADJ, -1000, "systemd-udevd" },
		{ "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name",
		  "[11344]     0 11344    97590    46185     113       5        0             0 main",
		  8, 11344, 11344, KCOL_NR_PMDS, 5, "main" },
		{ "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
		  "[ 174205]     0 174205 12396714      329 99405824    48209             0 test",
		  7, 174205, 174205, KCOL_PGTABLES_BYTES, 99405824, "test" },
		{ "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes "
		  "swapents oom_score_adj name",
		  "[  10233]     0 10233   306448    12608    12608        0         0   184320        0"
		  "             0 mem_stress",
		  10, 10233, 10233, KCOL_RSS_ANON, 12608, "mem_stress" },
		/* 2.6.32 upstream: no oom_score_adj column yet */
		{ "[ pid ]   uid  tgid total_vm      rss cpu oom_adj name",
		  "[ 1234]     0  1230     1000      200   1     -17 sshd",
		  6, 1234, 1230, KCOL_OOM_ADJ, -17, "sshd" },
	};
	struct kmsg_table_layout layout;
	struct kmsg_row row;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(kind(t[i].header), KMSG_TABLE_HEADER);
		layout = f.layout;
		assert_int_equal(layout.n, t[i].cols);
		assert_int_equal(kind(t[i].row), KMSG_TABLE_ROW);
		assert_int_equal(kmsg_parse_row(t[i].row, strlen(t[i].row), &layout, &row), 0);
		assert_int_equal(row.pid, t[i].pid);
		assert_int_equal(row.v[KCOL_TGID], t[i].tgid);
		assert_int_equal(row.v[t[i].col], t[i].value);
		assert_string_equal(row.comm, t[i].comm);
	}
	assert_int_not_equal(kind("[ pid ]   uid  tgid total_vm"), KMSG_TABLE_HEADER);	/* cut */
}

static void test_rows_hostile(void **state)
{
	static const char header[] = "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents "
				     "oom_score_adj name";
	struct kmsg_table_layout layout;
	struct kmsg_row row;
	const char *r;

	(void)state;
	kind(header);
	layout = f.layout;
	/* a name with spaces, one starting with a space, a newline, an empty one */
	r = "[   10]     0    10     1000      200    40960        0             0 a b  c";
	assert_int_equal(kmsg_parse_row(r, strlen(r), &layout, &row), 0);
	assert_string_equal(row.comm, "a b  c");
	r = "[   10]     0    10     1000      200    40960        0             0  lead";
	assert_int_equal(kmsg_parse_row(r, strlen(r), &layout, &row), 0);
	assert_string_equal(row.comm, " lead");
	r = "[   10]     0    10     1000      200    40960        0             0 q\"n\nx\033[31mz";
	assert_int_equal(kmsg_parse_row(r, strlen(r), &layout, &row), 0);
	assert_string_equal(row.comm, "q\"n\nx\033[31mz");
	r = "[   10]     0    10     1000      200    40960        0             0";
	assert_int_equal(kmsg_parse_row(r, strlen(r), &layout, &row), 0);
	assert_string_equal(row.comm, "");
	/* a name of digits cannot pass for a column: the count is the header's */
	r = "[   10]     0    10     1000      200    40960        0             0 12 34";
	assert_int_equal(kmsg_parse_row(r, strlen(r), &layout, &row), 0);
	assert_string_equal(row.comm, "12 34");
	/* too few columns, a cut row */
	r = "[   10]     0    10     1000      200    40960        0";
	assert_int_equal(kmsg_parse_row(r, strlen(r), &layout, &row), -EINVAL);
	r = "[   10]     0    10     1000      2x0    40960        0             0 a";
	assert_int_equal(kmsg_parse_row(r, strlen(r), &layout, &row), -EINVAL);
}

static void test_summary(void **state)
{
	(void)state;
	assert_int_equal(kind("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
			      "oom_memcg=/myapp,task_memcg=/myapp,task=test,pid=174205,uid=0"), KMSG_SUMMARY);
	assert_int_equal(f.constraint, OOM_CONSTRAINT_MEMCG);
	assert_string_equal(f.path, "/myapp");
	assert_true(f.path_complete && f.path2_complete && f.has_uid && f.has & KF_COMM);
	assert_string_equal(f.path2, "/myapp");
	assert_string_equal(f.comm, "test");
	assert_int_equal(f.pid, 174205);
	kind("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
	     "task_memcg=/user.slice/user-504.slice/session-2.scope,task=doxygen,pid=473206,uid=504");
	assert_int_equal(f.constraint, OOM_CONSTRAINT_NONE);
	assert_true(f.global_oom && !f.has_path);
	assert_string_equal(f.path2, "/user.slice/user-504.slice/session-2.scope");
	assert_int_equal(f.uid, 504);
	/* cut by a pager ('>' marks the cut): the path is not complete, no task */
	kind("oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=ce87,mems_allowed=0,global_oom,"
	     "task_memcg=/kubepods/burstable/pod3902af1e-8c>");
	assert_true(f.has_path2);
	assert_false(f.path2_complete || f.has_uid || f.has & KF_COMM);
	/* a comm and a cgroup with commas and key look-alikes */
	kind("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
	     "oom_memcg=/a,b,task_memcg=/a,b/c,task=x,pid=1,uid=2,pid=77,uid=3");
	assert_string_equal(f.path, "/a,b");
	assert_string_equal(f.path2, "/a,b/c");
	assert_string_equal(f.comm, "x,pid=1,uid=2");
	assert_int_equal(f.pid, 77);
	assert_int_equal(f.uid, 3);
	kind("oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=(null),cpuset=docker-9976.scope,mems_allowed=4,"
	     "global_oom,task_memcg=/system.slice/containerd.service,task=containerd,pid=4100,uid=0");
	assert_int_equal(f.constraint, OOM_CONSTRAINT_CPUSET);
}

static void test_kill_lines(void **state)
{
	(void)state;
	assert_int_equal(kind("Memory cgroup out of memory: Killed process 174205 (test) total-vm:49586856kB, "
			      "anon-rss:152kB, file-rss:1156kB, shmem-rss:8kB, UID:0 pgtables:99405824kB "
			      "oom_score_adj:0"), KMSG_KILLED);
	assert_true(f.memcg_msg);
	assert_int_equal(f.pid, 174205);
	assert_string_equal(f.comm, "test");
	assert_int_equal(f.has, KF_COMM | KF_TOTAL_VM | KF_ANON | KF_FILE | KF_SHMEM | KF_UID | KF_PGTABLES |
				KF_ADJ);
	assert_int_equal(f.anon_kb, 152);
	assert_int_equal(f.shmem_kb, 8);
	assert_int_equal(f.pgtables_kb, 99405824);
	/* 3.x: no UID, no pgtables */
	kind("Killed process 6576 (mysqld) total-vm:33914892kB, anon-rss:20629004kB, file-rss:0kB, "
	     "shmem-rss:0kB");
	assert_false(f.memcg_msg || f.has_uid);
	assert_int_equal(f.has, KF_COMM | KF_TOTAL_VM | KF_ANON | KF_FILE | KF_SHMEM);
	/* 2.6.32 */
	assert_int_equal(kind("Killed process 11726, UID 498, (mysqld) total-vm:7823732kB, "
			      "anon-rss:2539268kB, file-rss:768kB"), KMSG_KILLED);
	assert_int_equal(f.pid, 11726);
	assert_int_equal(f.uid, 498);
	assert_string_equal(f.comm, "mysqld");
	assert_false(f.has & KF_SHMEM);
	assert_int_equal(kind("Out of memory (oom_kill_allocating_task): Killed process 5 (a) total-vm:4kB, "
			      "anon-rss:0kB, file-rss:0kB"), KMSG_KILLED);
	/* a comm that holds the text after it: the last ") total-vm:" ends it */
	kind("Out of memory: Killed process 9 (x) total-vm:1kB) total-vm:8kB, anon-rss:4kB, file-rss:0kB");
	assert_string_equal(f.comm, "x) total-vm:1kB");
	assert_int_equal(f.total_vm_kb, 8);
	/* a cut line: what is there of the comm, not marked complete */
	kind("Out of memory: Killed process 10843 (prometheus-co");
	assert_int_equal(f.kind, KMSG_KILLED);
	assert_false(f.has & KF_COMM);
	assert_int_equal(kind("Out of memory: Kill process 6576 (mysqld) score 651 or sacrifice child"),
			 KMSG_KILL_SCORE);
	assert_int_equal(f.score, 651);
	assert_string_equal(f.comm, "mysqld");
	assert_int_equal(kind("Memory cgroup out of memory: Kill process 76756 (java) score 1001 or "
			      "sacrifice child"), KMSG_KILL_SCORE);
	assert_true(f.memcg_msg);
	kind("Out of memory: Kill process 1 (a) score 5 b) score 7 or sacrifice child");
	assert_string_equal(f.comm, "a) score 5 b");
	assert_int_equal(f.score, 7);
	assert_int_equal(kind("Kill process 4242 (worker) sharing same memory"), KMSG_KILL_SHARED);
	assert_int_equal(f.pid, 4242);
	assert_int_equal(kind("oom_reaper: reaped process 473206 (doxygen), now anon-rss:0kB, file-rss:4kB, "
			      "shmem-rss:0kB"), KMSG_REAPED);
	assert_int_equal(f.pid, 473206);
	assert_int_equal(f.file_kb, 4);
	assert_int_equal(kind("oom_reaper: unable to reap pid:812 (java)"), KMSG_REAP_FAILED);
	assert_string_equal(f.comm, "java");
	assert_int_equal(kind("oom killer 12 (a) has mm pinned by 13 (b)"), KMSG_MM_PINNED);
	assert_int_equal(kind("Out of memory and no killable processes..."), KMSG_NO_KILLABLE);
	assert_int_equal(kind("Kernel panic - not syncing: System is deadlocked on memory"), KMSG_PANIC);
	assert_int_equal(kind("kworker/0:1: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL)"),
			 KMSG_ALLOC_FAIL);
}

/* Processes name themselves after report lines: they must stay names. */
static void test_hostile_comms(void **state)
{
	(void)state;
	/* the comm starts the cpuset line and the header */
	assert_int_equal(kind("Killed process  cpuset=/ mems_allowed=0"), KMSG_CPUSET);
	assert_int_equal(kind("oom-kill:constr invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
			      "oom_score_adj=0"), KMSG_HEADER);
	assert_string_equal(f.comm, "oom-kill:constr");
	assert_int_equal(kind("[ pid ] cpuset=/ mems_allowed=0"), KMSG_CPUSET);
	/* the comm inside the kill line */
	kind("Out of memory: Killed process 3 (, UID:7 pgtables:1kB) total-vm:8kB, anon-rss:4kB, "
	     "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0");
	assert_string_equal(f.comm, ", UID:7 pgtables:1kB");
	assert_int_equal(f.uid, 0);
	assert_int_equal(f.pgtables_kb, 4);
}

static void test_misc(void **state)
{
	(void)state;
	assert_int_equal(kind(""), KMSG_BLANK);
	assert_int_equal(kind("   "), KMSG_BLANK);
	assert_int_equal(kind("..."), KMSG_ELISION);
	assert_int_equal(kind("<cut>"), KMSG_ELISION);
	assert_int_equal(kind("--"), KMSG_ELISION);
	assert_int_equal(kind("Tasks state (memory values in pages):"), KMSG_TASKS_STATE);
	assert_int_equal(kind("e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex"), KMSG_OTHER);
	assert_int_equal(kind("calling  panel_init_module+0x0/0x1f3 @ 1"), KMSG_OTHER);
	/* joined continuation lines are classified by the first */
	assert_int_equal(kind("anon 421888\nfile 0\nkernel_stack 36864"), KMSG_STAT);
}

static void test_gfp_names(void **state)
{
	/* masks and the names the kernels of these layouts printed (fixtures) */
	static const struct { enum gfp_layout l; uint32_t mask; const char *names; } t[] = {
		{ GFP_LAYOUT_6_10, 0xcc0, "GFP_KERNEL" },
		{ GFP_LAYOUT_6_10, 0x140dca, "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO" },
		{ GFP_LAYOUT_6_10, 0x140cca, "GFP_HIGHUSER_MOVABLE|__GFP_COMP" },
		{ GFP_LAYOUT_6_10, 0x400dc0, "GFP_KERNEL_ACCOUNT|__GFP_ZERO" },
		{ GFP_LAYOUT_6_10, 0x500cc2, "GFP_HIGHUSER|__GFP_ACCOUNT" },
		{ GFP_LAYOUT_6_10, 0x40cd0, "GFP_KERNEL|__GFP_COMP|__GFP_RECLAIMABLE" },
		{ GFP_LAYOUT_6_10, 0x1000000, "0x1000000" },
		{ GFP_LAYOUT_2_6_32, 0xd0, "GFP_KERNEL" },
		{ GFP_LAYOUT_2_6_32, 0x201da, "GFP_HIGHUSER_MOVABLE|__GFP_COLD" },
		{ GFP_LAYOUT_2_6_32, 0x200d2, "GFP_HIGHUSER" },
		{ GFP_LAYOUT_2_6_32, 0x80000000, "0x80000000" },
		{ GFP_LAYOUT_2_6_32, 0, "" },
	};
	char buf[256], small[12];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(gfp_names_format(t[i].l, t[i].mask, buf, sizeof(buf)), 0);
		assert_string_equal(buf, t[i].names);
	}
	/* truncation drops a whole name, never half of one */
	assert_int_equal(gfp_names_format(GFP_LAYOUT_6_10, 0x140dca, small, sizeof(small)), -ENOSPC);
	assert_string_equal(small, "");
	assert_int_equal(gfp_names_format((enum gfp_layout)99, 1, buf, sizeof(buf)), -EINVAL);
}

/* The rate limit's line: N reports dump_header() did not print. */
static void test_suppressed(void **state)
{
	(void)state;
	assert_int_equal(kind("oom_kill_process: 8 callbacks suppressed"), KMSG_SUPPRESSED);
	assert_true(f.value == 8);
	assert_int_not_equal(kind("oom_kill_process: 8 callbacks suppressed, really"), KMSG_SUPPRESSED);
	assert_int_not_equal(kind("oom_kill_process: callbacks suppressed"), KMSG_SUPPRESSED);
	assert_int_not_equal(kind("printk: 8 callbacks suppressed"), KMSG_SUPPRESSED);
	assert_int_not_equal(kind("oom_kill_process: 99999999999999999999 callbacks suppressed"),
			     KMSG_SUPPRESSED);
}

/* The release dump_stack prints, and the marks of a trace newer than 5.10. */
static void test_release(void **state)
{
	(void)state;
	assert_int_equal(kind("CPU: 1 PID: 174205 Comm: test Tainted: G        W         5.4.3-arch1-1 #1"),
			 KMSG_CPU);
	assert_true(f.has_release);
	assert_int_equal(f.release, KMSG_RELEASE(5, 4));
	kind("CPU: 31 PID: 164878 Comm: java Kdump: loaded Tainted: G        W  O  K  --------- -  - "
	     "4.18.0-147.mt202006");
	assert_int_equal(f.release, KMSG_RELEASE(4, 18));
	kind("Pid: 15462, comm: t Not tainted 2.6.32-220.7.1.el6.x86_64 #1");
	assert_int_equal(f.release, KMSG_RELEASE(2, 6));
	kind("CPU: 0 UID: 0 PID: 30743 Comm: hog Not tainted 6.18.44-fc-v1272 #1 PREEMPT(none) ");
	assert_int_equal(f.release, KMSG_RELEASE(6, 18));
	assert_int_equal(f.pid, 30743);
	/* a comm that looks like a release is the comm; no release printed: none */
	kind("CPU: 0 PID: 7 Comm: 5.10 Not tainted");
	assert_string_equal(f.comm, "5.10");
	assert_false(f.has_release);
	kind("CPU: 0 PID: 7 Comm: x Not tainted 12345.1");
	assert_false(f.has_release);
	/* x86 marks the task's stack after 5.10 */
	assert_int_equal(kind("<TASK>"), KMSG_DUMP_INFO);
	assert_true(f.after_5_10);
	assert_int_equal(kind("Call Trace:"), KMSG_DUMP_INFO);
	assert_false(f.after_5_10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_dump_stack_lines),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_memcg_lines),
		cmocka_unit_test(test_table_layouts),
		cmocka_unit_test(test_rows_hostile),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_kill_lines),
		cmocka_unit_test(test_hostile_comms),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_gfp_names),
		cmocka_unit_test(test_suppressed),
		cmocka_unit_test(test_release),
	};

	return cmocka_run_group_tests_name("kmsg_fields", tests, NULL, NULL);
}
