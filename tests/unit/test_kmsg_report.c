// SPDX-License-Identifier: GPL-2.0
/*
 * kmsg_report: reports from line streams. Each case feeds text through
 * kmsg_input (as a file) and checks the JSON of the events that come out:
 * table variants and their points, totalpages, truncated and mid-way
 * reports, several reports per input, hostile names, bounded candidates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmsg_input.h"
#include "kmsg_report.h"
#include "render.h"

#define MAX_OUT 16

struct out {
	uint8_t code[OOM_CODE_MAX];	/* the last event's user_code */
	int code_len, code_at;
	char *event[MAX_OUT];
	char *reaped[MAX_OUT];
	size_t n, n_reaped;
	struct kmsg_stats stats;
};

static void on_event(struct oom_event *ev, void *arg)
{
	struct out *o = arg;
	size_t len;
	FILE *f;

	assert_true(o->n < MAX_OUT);
	memcpy(o->code, ev->user_code, sizeof(o->code));
	o->code_len = ev->user_code_len;
	o->code_at = ev->user_code_at;
	f = open_memstream(&o->event[o->n], &len);
	render_event_json(f, ev);
	fclose(f);
	o->n++;
}

static void on_reaped(const struct kmsg_reaped *r, void *arg)
{
	struct out *o = arg;

	assert_true(o->n_reaped < MAX_OUT);
	assert_int_not_equal(asprintf(&o->reaped[o->n_reaped++], "seq=%llu pid=%d %s",
				      (unsigned long long)r->oom_seq, r->pid,
				      r->failed ? "failed" : "reaped"), -1);
}

/* Parse text; return the events as JSON lines. keep: candidates kept. */
static struct out *parse(const char *text, size_t keep)
{
	struct out *o = calloc(1, sizeof(*o));
	struct kmsg_report_ops ops = { .event = on_event, .reaped = on_reaped, .arg = o };
	struct kmsg_parser *p = kmsg_parser__new(&ops, keep);
	int fd = memfd_create("t", 0);
	struct kmsg_input *in;
	struct kmsg_line l;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	lseek(fd, 0, SEEK_SET);
	in = kmsg_input__new(fd, false, 0);
	while (kmsg_input__next(in, &l, -1) == 1)
		assert_int_equal(kmsg_parser__feed(p, &l), 0);
	kmsg_parser__flush(p);
	o->stats = *kmsg_parser__stats(p);
	kmsg_input__free(in);
	kmsg_parser__free(p);
	close(fd);
	return o;
}

static void out_free(struct out *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->event[i]);
	for (size_t i = 0; i < o->n_reaped; i++)
		free(o->reaped[i]);
	free(o);
}

#define HAS(json, s) do { \
	if (!strstr((json), (s))) \
		fail_msg("missing %s in %s", (s), (json)); \
} while (0)
#define LACKS(json, s) do { \
	if (strstr((json), (s))) \
		fail_msg("unexpected %s in %s", (s), (json)); \
} while (0)

/* A 6.x memcg report (v1 counters), as dmesg prints it on the build host. */
static const char report_6x[] =
	"[ 3332.685711] hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
	"[ 3332.685724] CPU: 1 UID: 0 PID: 7166 Comm: hog Not tainted 6.18.44 #1 PREEMPT(none) \n"
	"[ 3332.685729] Call Trace:\n"
	"[ 3332.685734]  <TASK>\n"
	"[ 3332.685749]  dump_stack_lvl+0x57/0x80\n"
	"[ 3332.685759]  dump_header+0x43/0x1c0\n"
	"[ 3332.685766]  oom_kill_process.cold+0x8/0x8a\n"
	"[ 3332.685771]  out_of_memory+0x214/0x500\n"
	"[ 3332.685780]  mem_cgroup_out_of_memory+0xc0/0x110\n"
	"[ 3332.685811]  ? srso_alias_return_thunk+0x5/0xfbef5\n"
	"[ 3332.685853] RIP: 0033:0x4016dc\n"
	"[ 3332.685859] RSP: 002b:00007ffc7c733e40 EFLAGS: 00010287\n"
	"[ 3332.685902]  </TASK>\n"
	"[ 3332.686012] memory: usage 49152kB, limit 49152kB, failcnt 75\n"
	"[ 3332.686016] memory+swap: usage 49152kB, limit 49152kB, failcnt 0\n"
	"[ 3332.686018] kmem: usage 4020kB, limit 9007199254740988kB, failcnt 0\n"
	"[ 3332.686021] Memory cgroup stats for /oomtrace-test-7063:\n"
	"[ 3332.686049] cache 0\n"
	"[ 3332.686053] rss 46215168\n"
	"[ 3332.686229] Tasks state (memory values in pages):\n"
	"[ 3332.686231] [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem "
	"pgtables_bytes swapents oom_score_adj name\n"
	"[ 3332.686235] [   7078]     0  7078      250      157        0      157         0    36864"
	"        0           500 hog\n"
	"[ 3332.686753] [   7166]     0  7166    10490    10371    10208      163         0   122880"
	"        0             0 hog\n"
	"[ 3332.686241] [   7095]     0  7095      250      157        0      157         0    40960"
	"        0         -1000 q\"n\n"
	"               x\\x1b[31mz\n"
	"[ 3332.686758] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
	"oom_memcg=/oomtrace-test-7063,task_memcg=/oomtrace-test-7063,task=hog,pid=7166,uid=0\n"
	"[ 3332.686941] Memory cgroup out of memory: Killed process 7166 (hog) total-vm:41960kB, "
	"anon-rss:40832kB, file-rss:652kB, shmem-rss:0kB, UID:0 pgtables:120kB oom_score_adj:0\n";

static void test_full_6x(void **state)
{
	struct out *o = parse(report_6x, 0);
	const char *e;

	(void)state;
	assert_int_equal(o->n, 1);
	e = o->event[0];
	HAS(e, "\"mode\":\"kmsg\",\"source\":\"kmsg\",\"kernel_time_us\":3332686941");
	HAS(e, "\"trigger\":{\"pid\":7166,\"tid\":7166,\"comm\":\"hog\",\"uid\":0,\"oom_score_adj\":0}");
	HAS(e, "\"constraint\":\"memcg\",\"memcg\":\"/oomtrace-test-7063\"");
	LACKS(e, "constraint_inferred");
	HAS(e, "\"gfp_mask\":\"0xcc0\",\"gfp_flags\":\"GFP_KERNEL\",\"order\":0");
	HAS(e, "\"totalpages\":12288");		/* memsw == limit: no swap, exact */
	LACKS(e, "\"missing\"");
	HAS(e, "\"victim\":{\"pid\":7166,\"comm\":\"hog\",\"uid\":0,\"oom_score_adj\":0,\"points\":10401,"
	       "\"points_estimated\":true,\"total_vm_kb\":41960,\"anon_rss_kb\":40832,\"file_rss_kb\":652,"
	       "\"shmem_rss_kb\":0,\"pgtables_kb\":120,\"swap_kb\":0,\"cgroup\":\"/oomtrace-test-7063\"}");
	/* 500 * 12288/1000 = 500 * 12 = 6000 more for the small one; -1000 never chosen */
	HAS(e, "\"candidates\":[{\"pid\":7166,\"tid\":7166,\"comm\":\"hog\",\"uid\":0,\"oom_score_adj\":0,"
	       "\"points\":10401,\"points_estimated\":true,\"rss_pages\":10371,\"rss_anon_pages\":10208,"
	       "\"rss_file_pages\":163,\"rss_shmem_pages\":0,\"swap_pages\":0,\"pgtables_bytes\":122880,"
	       "\"total_vm_pages\":10490}");
	HAS(e, "{\"pid\":7078,\"tid\":7078,\"comm\":\"hog\",\"uid\":0,\"oom_score_adj\":500,\"points\":6166");
	HAS(e, "\"comm\":\"q\\\"n\\nx\\\\x1b[31mz\",\"uid\":0,\"oom_score_adj\":-1000,\"points\":null,"
	       "\"skip\":\"oom_score_adj_min\"");
	HAS(e, "\"candidates_total\":3");
	/* the "?" frame is the unwinder's guess: left out as the live stack has none */
	HAS(e, "\"kernel_stack\":[\"dump_stack_lvl+0x57\",\"dump_header+0x43\","
	       "\"oom_kill_process.cold+0x8\",\"out_of_memory+0x214\",\"mem_cgroup_out_of_memory+0xc0\"]");
	HAS(e, "\"user_stack\":[{\"ip\":\"0x4016dc\"}]");
	HAS(e, "\"unparsed_lines\":0");
	out_free(o);
}

/*
 * A syslog(2) reader (busybox dmesg, /proc/kmsg) gets a name's newline raw,
 * the rest of the name on a line of its own with its own stamp: it joins
 * the row when the two fit a name (15 bytes), and the rows after it count.
 * A line too long to end a name ends the table, as before.
 */
static void test_name_split_by_syslog(void **state)
{
	static const char head[] =
		"[   52.100000] hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
		"[   52.100100] memory: usage 8192kB, limit 8192kB, failcnt 7\n"
		"[   52.100200] Tasks state (memory values in pages):\n"
		"[   52.100210] [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem "
		"pgtables_bytes swapents oom_score_adj name\n"
		"[   52.100220] [    300]     0   300      250      157        0      157         0    36864"
		"        0             0 q\"n\n";
	static const char tail[] =
		"[   52.100240] [    301]     0   301     2500     1900     1800      100         0    40960"
		"        0             0 hog\n"
		"[   52.100250] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
		"oom_memcg=/t,task_memcg=/t,task=hog,pid=301,uid=0\n"
		"[   52.100260] Memory cgroup out of memory: Killed process 301 (hog) total-vm:10000kB, "
		"anon-rss:7200kB, file-rss:400kB, shmem-rss:0kB, UID:0 pgtables:40kB oom_score_adj:0\n";
	char text[2048];
	struct out *o;

	(void)state;
	snprintf(text, sizeof(text), "%s%s%s", head, "[   52.100230] x\x1b[31mz\n", tail);
	o = parse(text, 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"comm\":\"q\\\"n\\nx\\u001b[31mz\"");
	HAS(o->event[0], "\"candidates_total\":2");
	HAS(o->event[0], "\"victim_rank\":1");
	out_free(o);
	/* 3 + 1 + 13 bytes: no name; the table ended at the row before */
	snprintf(text, sizeof(text), "%s%s%s", head, "[   52.100230] something else\n", tail);
	o = parse(text, 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"comm\":\"q\\\"n\"");
	HAS(o->event[0], "\"candidates_total\":1");
	out_free(o);
}

/*
 * The Code line of the user RIP is kept with the event (parse --symbolize
 * holds the live process to it); a kernel RIP's Code line is not, nor one
 * that does not follow the user RIP.
 */
static void test_user_code(void **state)
{
	const char *rip = "[ 3332.685853] RIP: 0033:0x4016dc\n";
	const char *code = "[ 3332.685855] Code: 48 89 c7 e8 <c6> 04 02 01 48\n";
	const char *kcode = "[ 3332.685850] RIP: 0010:__memcg_kmem_charge+0x10/0x20\n"
			    "[ 3332.685851] Code: 0f 1f 44 <00> 00 55\n";
	const char *rsp = "[ 3332.685859] RSP: 002b:00007ffc7c733e40 EFLAGS: 00010287\n";
	const char *at = strstr(report_6x, "[ 3332.685853] RIP:");
	const char *after = strstr(report_6x, "[ 3332.685859] RSP:");
	char *text;
	struct out *o;

	(void)state;
	/* kernel RIP and its Code, then the user RIP, its Code, RSP */
	assert_int_not_equal(asprintf(&text, "%.*s%s%s%s%s", (int)(at - report_6x), report_6x, kcode,
				      rip, code, after), -1);
	o = parse(text, 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"user_stack\":[{\"ip\":\"0x4016dc\"}]");
	LACKS(o->event[0], "\"code\"");	/* kept, not rendered */
	HAS(o->event[0], "\"unparsed_lines\":0");
	assert_int_equal(o->code_len, 9);
	assert_int_equal(o->code_at, 4);
	assert_int_equal(o->code[0], 0x48);
	assert_int_equal(o->code[4], 0xc6);
	out_free(o);
	free(text);
	/* the kernel RIP's Code alone, and a Code line after RSP: none kept */
	assert_int_equal(strncmp(after, rsp, strlen(rsp)), 0);
	assert_int_not_equal(asprintf(&text, "%.*s%s%s%s%s%s", (int)(at - report_6x), report_6x, kcode,
				      rip, rsp, code, after + strlen(rsp)), -1);
	o = parse(text, 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"user_stack\":[{\"ip\":\"0x4016dc\"}]");
	assert_int_equal(o->code_len, 0);
	out_free(o);
	free(text);
}

static void test_old_tables_points(void **state)
{
	struct out *o;

	(void)state;
	/* 2.6.32 (RHEL 6): 0..1000 scale over RAM - reserved + swap */
	o = parse("t invoked oom-killer: gfp_mask=0xd0, order=0, oom_adj=0, oom_score_adj=0\n"
		  "Pid: 15462, comm: t Not tainted 2.6.32-220.7.1.el6.x86_64 #1\n"
		  "Total swap = 400000kB\n"
		  "300000 pages RAM\n"
		  "100000 pages reserved\n"
		  "[ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name\n"
		  "[15462]   500 15462    58346   150000   3       0             0 t\n"
		  "[15463]   500 15463    58346    10000   3       0           500 u\n"
		  "[15464]   500 15464    58346   299000   3       0           300 v\n"
		  "Out of memory: Kill process 15462 (t) score 500 or sacrifice child\n"
		  "Killed process 15462, UID 500, (t) total-vm:233384kB, anon-rss:51228kB, file-rss:384kB\n", 0);
	assert_int_equal(o->n, 1);
	/* totalpages 300000 - 100000 + 100000 = 300000; 150000*1000/300000 = 500 */
	HAS(o->event[0], "\"totalpages\":300000");
	HAS(o->event[0], "\"pid\":15462,\"tid\":15462,\"comm\":\"t\",\"uid\":500,\"oom_score_adj\":0,"
			 "\"points\":500,\"points_estimated\":true,\"rss_pages\":150000");
	HAS(o->event[0], "\"oom_score_adj\":500,\"points\":533,");	/* 33 + 500 */
	HAS(o->event[0], "\"oom_score_adj\":300,\"points\":1000,");	/* clamped */
	HAS(o->event[0], "\"gfp_flags\":\"GFP_KERNEL\"");		/* 2.6.32 layout */
	HAS(o->event[0], "\"chosen_pid\":15462,\"chosen_comm\":\"t\",\"chosen_score\":500");
	HAS(o->event[0], "\"victim\":{\"pid\":15462,\"comm\":\"t\",\"uid\":500");
	/* the kill line has no shmem (2.6.32 counted it in file): the row's total rss */
	HAS(o->event[0], "\"total_vm_kb\":233384,\"rss_kb\":600000,\"anon_rss_kb\":51228,"
			 "\"file_rss_kb\":384}");
	out_free(o);

	/* 3.6-3.x: pages: rss + nr_ptes + swapents, adj in totalpages/1000 units */
	o = parse("[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name\n"
		  "[  390]     0   390    39012     6739      78       51             0 journal\n"
		  "[  569]    87   569     7684       52      20       48          -900 dbus\n"
		  "Out of memory: Kill process 390 (journal) score 651 or sacrifice child\n"
		  "Killed process 390 (journal) total-vm:156048kB, anon-rss:26956kB, file-rss:0kB\n", 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"pid\":390,\"tid\":390,\"comm\":\"journal\",\"uid\":0,\"oom_score_adj\":0,"
			 "\"points\":6868,\"points_estimated\":true,\"rss_pages\":6739,\"swap_pages\":51,"
			 "\"pgtables_bytes\":319488");
	/* adj -900 without a known totalpages: the points cannot be told */
	HAS(o->event[0], "\"oom_score_adj\":-900,\"points\":null");
	HAS(o->event[0], "\"missing\":\"header\"");
	out_free(o);

	/* 4.0-4.14: + nr_pmds; a 200 MiB memcg whose memsw is unlimited */
	o = parse("memory: usage 204800kB, limit 204800kB, failcnt 4563\n"
		  "memory+swap: usage 0kB, limit 9007199254740988kB, failcnt 0\n"
		  "[ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents oom_score_adj name\n"
		  "[11344]     0 11344    97590    46185     113       5        0             0 main\n"
		  "Memory cgroup out of memory: Kill process 11344 (main) score 904 or sacrifice child\n"
		  "Killed process 11344 (main) total-vm:390360kB, anon-rss:183712kB, file-rss:1016kB\n", 0);
	/* 46303 * 1000 / 51200 = 904: the kernel's own score, from our points */
	HAS(o->event[0], "\"points\":46303,\"points_estimated\":true");
	HAS(o->event[0], "\"chosen_score\":904");
	HAS(o->event[0], "\"totalpages\":51200");
	HAS(o->event[0], "\"missing\":\"header,oom_memcg,total_swap\"");
	HAS(o->event[0], "\"constraint\":\"memcg\",\"constraint_inferred\":true");
	out_free(o);
}

static void test_truncated(void **state)
{
	struct out *o;

	(void)state;
	/* header only */
	o = parse("[1310061.327439] CPU 0/KVM invoked oom-killer: gfp_mask=0x15000c0(GFP_KERNEL_ACCOUNT), "
		  "nodemask=(null), order=0, oom_score_adj=0\n"
		  "[1310061.327447] CPU: 44 PID: 24430 Comm: CPU 0/KVM Not tainted 4.15.0-108-generic\n", 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"trigger\":{\"tid\":24430,\"comm\":\"CPU 0/KVM\",\"oom_score_adj\":0}");
	HAS(o->event[0], "\"constraint\":\"unknown\"");
	HAS(o->event[0], "\"victims\":[]");
	HAS(o->event[0], "\"missing\":\"call_trace,task_table,kill_line\"");
	LACKS(o->event[0], "\"victim\":");
	out_free(o);
	/* the summary alone: the task it names is the one the kernel was killing */
	o = parse("oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
		  "oom_memcg=/liz,task_memcg=/liz/a,task=mem_stress,pid=10233,uid=0\n", 0);
	HAS(o->event[0], "\"victim\":{\"pid\":10233,\"comm\":\"mem_stress\",\"uid\":0,\"cgroup\":\"/liz/a\"}");
	HAS(o->event[0], "\"memcg\":\"/liz\"");
	HAS(o->event[0], "\"missing\":\"header,task_table,kill_line\"");
	out_free(o);
	/* rows without their header: counted, not guessed */
	o = parse("[  10228]     0 10228   306444      544      160      384         0    73728        0  0 exe\n"
		  "Memory cgroup out of memory: Killed process 10228 (exe) total-vm:1225792kB, "
		  "anon-rss:640kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:72kB oom_score_adj:0\n", 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"missing\":\"header,oom_memcg,task_table\"");
	out_free(o);
	/* "limit of" cut inside a component, no stats line to complete it: unknown */
	o = parse("Task in /kubepods/pod1/abcdef killed as a result of limit of /kubepods/pod1/ab\n"
		  "memory: usage 5120kB, limit 5120kB, failcnt 69\n"
		  "Memory cgroup out of memory: Killed process 1 (a) total-vm:4kB, anon-rss:0kB, file-rss:0kB\n",
		  0);
	HAS(o->event[0], "\"memcg\":null");
	HAS(o->event[0], "oom_memcg");
	out_free(o);
	/* ... completed by the stats line */
	o = parse("Task in /kubepods/pod1/abcdef killed as a result of limit of /kubepods/pod1/ab\n"
		  "memory: usage 5120kB, limit 5120kB, failcnt 69\n"
		  "Memory cgroup stats for /kubepods/pod1/abcdef: cache:176KB rss:3384KB\n"
		  "Memory cgroup out of memory: Killed process 1 (a) total-vm:4kB, anon-rss:0kB, file-rss:0kB\n",
		  0);
	HAS(o->event[0], "\"memcg\":\"/kubepods/pod1/abcdef\"");
	HAS(o->event[0], "\"cgroup\":\"/kubepods/pod1/abcdef\"");
	out_free(o);
}

static void test_several_and_interleaved(void **state)
{
	struct out *o;

	(void)state;
	o = parse("[   19.000000] calling  panel_init_module+0x0/0x1f3 @ 1\n"
		  "[   25.721494] allocate invoked oom-killer: gfp_mask=0x14280ca(GFP_HIGHUSER_MOVABLE|"
		  "__GFP_ZERO), nodemask=(null),  order=0, oom_score_adj=0\n"
		  "[   25.727033] CPU: 1 PID: 492 Comm: allocate Not tainted 4.12.0-rc1-mm1+ #181\n"
		  "<cut>\n"
		  "[   25.730000] e1000e: eth0 NIC Link is Up\n"
		  "[   25.768293] [ pid ]   uid  tgid total_vm      rss nr_ptes nr_pmds swapents "
		  "oom_score_adj name\n"
		  "[   25.781107] [  492]     0   492   513092   473645     934       5        0     0 allocate\n"
		  "[   25.781882] Out of memory: Kill process 492 (allocate) score 899 or sacrifice child\n"
		  "[   25.783874] Killed process 492 (allocate) total-vm:2052368kB, anon-rss:1894576kB, "
		  "file-rss:4kB, shmem-rss:0kB\n"
		  "[   25.790000] oom_reaper: reaped process 492 (allocate), now anon-rss:0kB, file-rss:0kB, "
		  "shmem-rss:0kB\n"
		  "[   25.817589] allocate invoked oom-killer: gfp_mask=0x0(), nodemask=(null),  order=0, "
		  "oom_score_adj=0\n"
		  "[   25.863078] Out of memory: Kill process 233 (firewalld) score 10 or sacrifice child\n"
		  "[   25.863634] Killed process 233 (firewalld) total-vm:246076kB, anon-rss:20956kB, "
		  "file-rss:0kB, shmem-rss:0kB\n"
		  "[   25.900000] e1000e: eth0 NIC Link is Down\n"
		  "[   26.000000] oom_reaper: reaped process 233 (firewalld), now anon-rss:0kB, "
		  "file-rss:0kB, shmem-rss:0kB\n"
		  "[   27.000000] oom_reaper: reaped process 999 (other), now anon-rss:0kB, file-rss:0kB, "
		  "shmem-rss:0kB\n", 0);
	assert_int_equal(o->n, 2);
	HAS(o->event[0], "\"seq\":1,");
	HAS(o->event[0], "\"victim\":{\"pid\":492");
	HAS(o->event[0], "\"trigger\":{\"pid\":492,\"tid\":492");	/* its row says tgid 492 */
	HAS(o->event[0], "\"missing\":\"call_trace,elided_lines\"");
	HAS(o->event[0], "\"unparsed_lines\":1");	/* the link line inside the report */
	HAS(o->event[0], "\"constraint\":\"none\",\"constraint_inferred\":true");
	HAS(o->event[1], "\"seq\":2,");
	HAS(o->event[1], "\"victim\":{\"pid\":233,\"comm\":\"firewalld\"");
	HAS(o->event[1], "\"gfp_mask\":\"0x0\",\"order\":0");
	LACKS(o->event[1], "gfp_flags");
	HAS(o->event[1], "\"unparsed_lines\":0");	/* the line after its kill is not its */
	assert_int_equal(o->stats.reports, 2);
	assert_int_equal(o->stats.unparsed, 1);
	/* the reapers: one inside the first report, one after the second; 999 is no one's */
	assert_int_equal(o->n_reaped, 2);
	assert_string_equal(o->reaped[0], "seq=1 pid=492 reaped");
	assert_string_equal(o->reaped[1], "seq=2 pid=233 reaped");
	out_free(o);
}

static void test_gap_and_group(void **state)
{
	struct out *o;

	(void)state;
	/* memory.oom.group kills the chosen one again: listed once; a pause splits */
	o = parse("[ 3457.652054] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
		  "global_oom,task_memcg=/k/p,task=prom,pid=10843,uid=1000\n"
		  "[ 3457.652078] Out of memory: Killed process 10843 (prom) total-vm:719984kB, anon-rss:5064kB, "
		  "file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:108kB oom_score_adj:997\n"
		  "[ 3457.652105] Tasks in /k/p are going to be killed due to memory.oom.group set\n"
		  "[ 3457.652109] Memory cgroup out of memory: Killed process 10843 (prom) total-vm:719984kB, "
		  "anon-rss:5064kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:108kB oom_score_adj:997\n"
		  "[ 3457.652110] Memory cgroup out of memory: Killed process 10850 (sidecar) total-vm:4kB, "
		  "anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:4kB oom_score_adj:997\n"
		  "[ 3457.694556] tailscaled invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), "
		  "order=0, oom_score_adj=0\n"
		  "[ 3457.694570]  dump_stack_lvl+0x44/0x5c\n"
		  "...\n"
		  "[ 3460.691564] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=user.slice,"
		  "mems_allowed=0,global_oom,task_memcg=/u,task=memory_leak,pid=115727,uid=1000\n"
		  "[ 3460.691578] Out of memory: Killed process 115727 (memory_leak) total-vm:15469196kB, "
		  "anon-rss:11724804kB, file-rss:1272kB, shmem-rss:0kB, UID:1000 pgtables:30128kB "
		  "oom_score_adj:200\n", 0);
	assert_int_equal(o->n, 3);
	HAS(o->event[0], "\"victims\":[{\"pid\":10843");
	HAS(o->event[0], "\"reason\":\"chosen\"},{\"pid\":10850,\"comm\":\"sidecar\"");
	HAS(o->event[0], "\"reason\":\"oom_group\"}]");
	HAS(o->event[0], "\"cgroup\":\"/k/p\"");
	HAS(o->event[1], "\"trigger\":{\"comm\":\"tailscaled\"");
	HAS(o->event[1], "kill_line,elided_lines");
	HAS(o->event[2], "\"victim\":{\"pid\":115727");
	out_free(o);
}

static void test_chosen_not_killed(void **state)
{
	struct out *o;

	(void)state;
	o = parse("\tAug 25 18:21:35 h kernel: Task in /docker/812c killed as a result of limit of /docker/812c\n"
		  "\tAug 25 18:21:35 h kernel: memory: usage 4194304kB, limit 4194304kB, failcnt 25581\n"
		  "\tAug 25 18:21:35 h kernel: [ pid ]   uid  tgid total_vm      rss nr_ptes swapents "
		  "oom_score_adj name\n"
		  "\tAug 25 18:21:35 h kernel: [76513]     0 76513  6553193  1047384    2363        0    0 java\n"
		  "\tAug 25 18:21:35 h kernel: Memory cgroup out of memory: Kill process 76756 (java) score "
		  "1001 or sacrifice child\n"
		  "\tAug 25 18:21:35 h dockerd: time=\"2017-08-25T18:21:35\" level=error\n"
		  "\tAug 25 18:21:35 h kernel: Killed process 76513 (java) total-vm:26212772kB, "
		  "anon-rss:4189536kB, file-rss:0kB, shmem-rss:0kB\n", 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"log_time\":\"Aug 25 18:21:35\"");
	HAS(o->event[0], "\"chosen_pid\":76756,\"chosen_comm\":\"java\",\"chosen_score\":1001");
	HAS(o->event[0], "\"victim\":{\"pid\":76513");
	HAS(o->event[0], "\"unparsed_lines\":0");	/* dockerd's line is not the kernel's */
	out_free(o);
}

static void test_tentative(void **state)
{
	struct out *o;

	(void)state;
	/* a warning's trace and a Mem-Info of an allocation failure are not OOMs */
	o = parse("[ 1.0] WARNING: CPU: 0 PID: 1 at mm/x.c:1 f+0x1/0x2\n"
		  "[ 1.1] CPU: 0 PID: 1 Comm: swapper Not tainted 6.1\n"
		  "[ 1.2] Call Trace:\n"
		  "[ 1.3]  f+0x1/0x2\n"
		  "[ 1.4]  g+0x1/0x2\n"
		  "[ 2.0] kworker/0:1: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL)\n"
		  "[ 2.1] CPU: 0 PID: 9 Comm: kworker/0:1 Not tainted 6.1\n"
		  "[ 2.2]  warn_alloc+0x1/0x2\n"
		  "[ 2.3] Mem-Info:\n"
		  "[ 2.4] 4194174 pages RAM\n", 0);
	assert_int_equal(o->n, 0);
	assert_int_equal(o->stats.unparsed, 0);
	out_free(o);
	/* ... and an OOM's kill line right after one does not inherit its stack */
	o = parse("[ 2.0] kworker/0:1: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL)\n"
		  "[ 2.2]  warn_alloc+0x1/0x2\n"
		  "[ 2.3] Out of memory: Killed process 5 (a) total-vm:8kB, anon-rss:4kB, file-rss:0kB\n", 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"kernel_stack\":[]");
	out_free(o);
	/* a trace through the OOM killer, then the report's tail: kept */
	o = parse("[ 5.0]  oom_kill_process+0x24e/0x3c0\n"
		  "[ 5.1]  out_of_memory+0x4b6/0x4f0\n"
		  "[ 5.2] Out of memory: Killed process 5 (a) total-vm:8kB, anon-rss:4kB, file-rss:0kB\n", 0);
	HAS(o->event[0], "\"kernel_stack\":[\"oom_kill_process+0x24e\",\"out_of_memory+0x4b6\"]");
	out_free(o);
}

static void test_keep_top_k(void **state)
{
	struct out *o;

	(void)state;
	o = parse("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n"
		  "[     1]     0     1      100       10     4096        0             0 a\n"
		  "[     2]     0     2      100       50     4096        0             0 b\n"
		  "[     3]     0     3      100       30     4096        0             0 c\n"
		  "[     4]     0     4      100       40     4096        0             0 d\n"
		  "[     5]     0     5      100       20     4096        0             0 e\n"
		  "Out of memory: Killed process 2 (b) total-vm:400kB, anon-rss:200kB, file-rss:0kB, "
		  "shmem-rss:0kB\n", 2);
	HAS(o->event[0], "\"candidates\":[{\"pid\":2,");
	HAS(o->event[0], "},{\"pid\":4,");
	LACKS(o->event[0], "\"pid\":3,");
	HAS(o->event[0], "\"candidates_total\":5");
	HAS(o->event[0], "\"victim_rank\":1");
	out_free(o);
}

/* Bounded per report: a table of 70000 rows keeps the best 65536; a group kill of 5000, 4096. */
static void test_bounds(void **state)
{
	size_t cap = 8 << 20, n = 0;
	char *text = malloc(cap);
	struct out *o;

	(void)state;
	n += (size_t)snprintf(text + n, cap - n, "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes "
			      "swapents oom_score_adj name\n");
	for (int i = 1; i <= 70000; i++)	/* points = rss: pid 1 best, pid 70000 worst, shuffled */
		n += (size_t)snprintf(text + n, cap - n, "[%7d] 0 %d 100 %d 0 0 0 t\n", (i * 7919) % 70000 + 1,
				      (i * 7919) % 70000 + 1, 200000 - ((i * 7919) % 70000 + 1));
	n += (size_t)snprintf(text + n, cap - n, "Out of memory: Killed process 1 (t) total-vm:4kB, "
			      "anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n");
	n += (size_t)snprintf(text + n, cap - n, "Tasks in /g are going to be killed due to memory.oom.group set\n");
	for (int i = 2; i <= 5000; i++)
		n += (size_t)snprintf(text + n, cap - n, "Memory cgroup out of memory: Killed process %d (t) "
				      "total-vm:4kB, anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n", i);
	assert_true(n < cap - 1);
	o = parse(text, 0);
	free(text);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"candidates\":[{\"pid\":1,");
	HAS(o->event[0], "\"candidates_total\":70000");
	HAS(o->event[0], "{\"pid\":65536,");
	LACKS(o->event[0], "{\"pid\":65537,");
	HAS(o->event[0], "{\"pid\":4096,\"comm\":\"t\"");
	LACKS(o->event[0], "{\"pid\":4097,\"comm\":\"t\"");
	HAS(o->event[0], "victims_beyond_limit");
	out_free(o);
}

static void test_kmsg_records(void **state)
{
	struct out *o;

	(void)state;
	/* saved /dev/kmsg: escapes decoded, dictionary lines and user lines ignored */
	o = parse("12,2440,3332600000,-;oomtrace-test-mark 1\n"
		  "6,2441,3332686231,-;[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents "
		  "oom_score_adj name\n"
		  " SUBSYSTEM=memory\n"
		  "6,2442,3332686235,-;[   7095]     0  7095      250      157    40960        0     0 q\"n\\x0ax\\x1b\n"
		  "3,2446,3332686941,-;Memory cgroup out of memory: Killed process 7095 (q\"n\\x0ax\\x1b) "
		  "total-vm:1000kB, anon-rss:628kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:40kB "
		  "oom_score_adj:0\n", 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"kmsg_seq\":2441");
	HAS(o->event[0], "\"comm\":\"q\\\"n\\nx\\u001b\"");
	HAS(o->event[0], "\"unparsed_lines\":0");
	out_free(o);
}

/* A storm: the rate limit's "callbacks suppressed" is counted, not a report. */
static void test_suppressed(void **state)
{
	struct out *o;

	(void)state;
	o = parse("[  726.231285] Memory cgroup out of memory: Killed process 2900 (hog) total-vm:17460kB, "
		  "anon-rss:16128kB, file-rss:348kB, shmem-rss:0kB, UID:0 pgtables:68kB oom_score_adj:0\n"
		  "[  726.288655] Memory cgroup out of memory: Killed process 2901 (hog) total-vm:17460kB, "
		  "anon-rss:16128kB, file-rss:332kB, shmem-rss:0kB, UID:0 pgtables:68kB oom_score_adj:0\n"
		  "[  731.240159] oom_kill_process: 5 callbacks suppressed\n"
		  "[  731.240166] hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
		  "[  731.250000] oom_kill_process: 7 callbacks suppressed\n"
		  "[  731.250002] Memory cgroup out of memory: Killed process 3312 (hog) total-vm:17460kB, "
		  "anon-rss:16128kB, file-rss:348kB, shmem-rss:0kB, UID:0 pgtables:72kB oom_score_adj:0\n"
		  /* not the OOM killer's rate limit, or not the exact shape */
		  "[  731.300000] printk: 3 callbacks suppressed\n"
		  "[  731.300001] oom_kill_process: 2 callbacks suppressed!\n", 0);
	assert_int_equal(o->n, 3);
	assert_int_equal(o->stats.suppressed, 12);
	assert_int_equal(o->stats.reports, 3);
	/* the suppressed line neither ends nor spoils the report it falls in */
	HAS(o->event[2], "\"victim\":{\"pid\":3312");
	HAS(o->event[2], "\"unparsed_lines\":0");
	HAS(o->event[0], "\"missing\":\"header,oom_memcg,task_table\"");
	out_free(o);
}

/* A 6.1 memcg v2 report as /dev/kmsg records; the tail (summary, kill line) is the caller's. */
#define KMSG_61_HEAD \
	"4,100,1843200113,-;worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, " \
	"oom_score_adj=0\n" \
	"4,101,1843200119,-;CPU: 1 PID: 4121 Comm: worker Not tainted 6.1.0-13-cloud-amd64 #1\n" \
	"4,102,1843200125,-; oom_kill_process.cold+0xb/0x10\n" \
	"6,103,1843200130,-;memory: usage 262144kB, limit 262144kB, failcnt 1893\n" \
	"6,104,1843200131,-;swap: usage 0kB, limit 0kB, failcnt 0\n" \
	"6,105,1843200150,-;Tasks state (memory values in pages):\n" \
	"6,106,1843200151,-;[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents " \
	"oom_score_adj name\n" \
	"6,107,1843200153,-;[   4102]     0  4102      724      384    45056        0             0 sh\n" \
	"6,108,1843200155,-;[   4121]  1000  4121    70000    60100   540672        0             0 worker\n" \
	"6,109,1843200157,-;[   4122]  1000  4122    12000     4600   110592        0           200 worker\n"
#define KMSG_61_SUMMARY(seq) \
	"6," #seq ",1843200160,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/," \
	"mems_allowed=0,oom_memcg=/w,task_memcg=/w,task=worker,pid=4121,uid=1000\n"
#define KMSG_61_REAPED(seq, pid, comm) \
	"6," #seq ",1843241403,-;oom_reaper: reaped process " #pid " (" comm "), now anon-rss:0kB, " \
	"file-rss:0kB, shmem-rss:0kB\n"

/* No kill line: the reaper's line names the victim, if it can be this OOM's. */
static void test_victim_from_reaper(void **state)
{
	struct out *o;

	(void)state;
	/* summary and kill line overwritten (numbers 110, 111 skipped) */
	o = parse(KMSG_61_HEAD KMSG_61_REAPED(112, 4121, "worker"), 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"victim\":{\"pid\":4121,\"comm\":\"worker\",\"uid\":1000,\"oom_score_adj\":0,"
			 "\"points\":60232,\"points_estimated\":true");
	HAS(o->event[0], "\"victim_from\":\"oom_reaper\"");
	HAS(o->event[0], "\"victims\":[{\"pid\":4121,\"comm\":\"worker\"");
	HAS(o->event[0], "kill_line,lost_records\"");
	assert_int_equal(o->n_reaped, 1);
	assert_string_equal(o->reaped[0], "seq=1 pid=4121 reaped");
	assert_int_equal(o->stats.missing_records, 2);
	out_free(o);

	/* the summary survived: only its pid can be named by the reaper */
	o = parse(KMSG_61_HEAD KMSG_61_SUMMARY(110) KMSG_61_REAPED(112, 4122, "worker")
		  KMSG_61_REAPED(113, 4121, "worker"), 0);
	assert_int_equal(o->n, 1);
	HAS(o->event[0], "\"victim\":{\"pid\":4121");
	HAS(o->event[0], "\"victim_from\":\"oom_reaper\"");
	LACKS(o->event[0], "{\"pid\":4122,\"comm\":\"worker\",\"reason\"");
	assert_int_equal(o->n_reaped, 1);
	out_free(o);

	/* summary, no reaper line: the summary names it, and says so */
	o = parse(KMSG_61_HEAD KMSG_61_SUMMARY(110), 0);
	HAS(o->event[0], "\"victim\":{\"pid\":4121");
	HAS(o->event[0], "\"victim_from\":\"summary\"");
	HAS(o->event[0], "\"victims\":[]");
	out_free(o);

	/* a pid outside the table is some other kill's; nothing names this victim,
	 * and the top candidate is not taken for it */
	o = parse(KMSG_61_HEAD KMSG_61_REAPED(112, 3977, "cron"), 0);
	assert_int_equal(o->n, 1);
	LACKS(o->event[0], "\"victim\"");
	LACKS(o->event[0], "victim_from");
	HAS(o->event[0], "kill_line,lost_records\"");
	assert_int_equal(o->n_reaped, 0);
	out_free(o);

	/* nothing lost and the table not over: a reaper line there is an earlier kill's */
	o = parse(KMSG_61_HEAD KMSG_61_REAPED(110, 4122, "worker"), 0);
	LACKS(o->event[0], "\"victim\"");
	out_free(o);

	/* the kill line present: the reaper line is its aftermath, as before */
	o = parse(KMSG_61_HEAD KMSG_61_SUMMARY(110)
		  "3,111,1843200170,-;Memory cgroup out of memory: Killed process 4121 (worker) "
		  "total-vm:280000kB, anon-rss:240400kB, file-rss:0kB, shmem-rss:0kB, UID:1000 "
		  "pgtables:528kB oom_score_adj:0\n" KMSG_61_REAPED(112, 4121, "worker"), 0);
	LACKS(o->event[0], "victim_from");
	LACKS(o->event[0], "kill_line");
	assert_int_equal(o->n_reaped, 1);
	out_free(o);

	/* a kill line after the reaper named the victim is the next OOM's */
	o = parse(KMSG_61_HEAD KMSG_61_REAPED(112, 4121, "worker")
		  "3,113,1843241500,-;Memory cgroup out of memory: Killed process 4122 (worker) "
		  "total-vm:48000kB, anon-rss:18400kB, file-rss:0kB, shmem-rss:0kB, UID:1000 "
		  "pgtables:108kB oom_score_adj:200\n", 0);
	assert_int_equal(o->n, 2);
	HAS(o->event[0], "\"victims\":[{\"pid\":4121,");
	HAS(o->event[0], "\"victim_from\":\"oom_reaper\"");
	HAS(o->event[1], "\"victim\":{\"pid\":4122,");
	LACKS(o->event[1], "victim_from");
	out_free(o);

	/* an earlier report's victim, reaped while the next report is open */
	o = parse(KMSG_61_HEAD KMSG_61_SUMMARY(110)
		  "3,111,1843200170,-;Memory cgroup out of memory: Killed process 4121 (worker) "
		  "total-vm:280000kB, anon-rss:240400kB, file-rss:0kB, shmem-rss:0kB, UID:1000 "
		  "pgtables:528kB oom_score_adj:0\n"
		  "4,112,1843300113,-;worker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, "
		  "oom_score_adj=0\n"
		  "6,113,1843300151,-;[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents "
		  "oom_score_adj name\n"
		  "6,114,1843300155,-;[   4121]  1000  4121    70000    60100   540672        0             0 worker\n"
		  "6,115,1843300156,-;[   4130]  1000  4130    70000    60100   540672        0             0 worker\n"
		  "6,118,1843300160,-;oom_reaper: unable to reap pid:4121 (worker)\n", 0);
	assert_int_equal(o->n, 2);
	LACKS(o->event[1], "\"victim\"");
	assert_int_equal(o->n_reaped, 1);
	assert_string_equal(o->reaped[0], "seq=1 pid=4121 failed");
	out_free(o);
}

/* Points below 1: clamped to 1 before 5.9, negative since, unknown in between. */
static void test_points_by_release(void **state)
{
	static const char body[] =
		"memory: usage 524288kB, limit 524288kB, failcnt 31877\n"
		"memory+swap: usage 524288kB, limit 524288kB, failcnt 0\n"
		"Tasks state (memory values in pages):\n"
		"[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name\n"
		"[  28790]     0 28790     1155      206    53248        0          -998 tini\n"
		"[  28811]  1001 28811  1241331   127541  1503232        0             0 java\n"
		"[  28812]  1001 28812     1000      100    40960        0         -1000 guard\n";
	char buf[2048];
	struct out *o;

	(void)state;
	/* 5.4 (pre-5.9 release in the CPU line): 206 + 13 - 998 * 131 < 1: 1 */
	snprintf(buf, sizeof(buf), "CPU: 3 PID: 28811 Comm: java Not tainted 5.4.0-150-generic "
		 "#167-Ubuntu\n dump_header+0x4f/0x1eb\n%s", body);
	o = parse(buf, 0);
	HAS(o->event[0], "\"comm\":\"tini\",\"uid\":0,\"oom_score_adj\":-998,\"points\":1,");
	HAS(o->event[0], "\"comm\":\"java\",\"uid\":1001,\"oom_score_adj\":0,\"points\":127908,");
	HAS(o->event[0], "\"comm\":\"guard\",\"uid\":1001,\"oom_score_adj\":-1000,\"points\":null,"
			 "\"skip\":\"oom_score_adj_min\"");
	LACKS(o->event[0], "kernel_release");
	out_free(o);
	/* RHEL 8's 4.18, its taint flags in the way */
	snprintf(buf, sizeof(buf), "CPU: 31 PID: 28811 Comm: java Kdump: loaded Tainted: G        W  "
		 "O  K  --------- -  - 4.18.0-147.el8.x86_64 #1\n dump_header+0x4f/0x1eb\n%s", body);
	o = parse(buf, 0);
	HAS(o->event[0], "\"oom_score_adj\":-998,\"points\":1,");
	out_free(o);
	/* 5.10: oom_badness may go negative */
	snprintf(buf, sizeof(buf), "CPU: 3 PID: 28811 Comm: java Tainted: G   OE  5.10.0-23-amd64 #1\n"
		 " dump_header+0x4f/0x1eb\n%s", body);
	o = parse(buf, 0);
	HAS(o->event[0], "\"oom_score_adj\":-998,\"points\":-130519,");
	out_free(o);
	/* no release, but dump_stack_lvl (5.14+) in the trace */
	snprintf(buf, sizeof(buf), " dump_stack_lvl+0x44/0x5c\n oom_kill_process.cold+0xb/0x10\n%s",
		 body);
	o = parse(buf, 0);
	HAS(o->event[0], "\"oom_score_adj\":-998,\"points\":-130519,");
	out_free(o);
	/* nothing tells: no points for that row, and the event says why */
	o = parse(body, 0);
	HAS(o->event[0], "\"oom_score_adj\":-998,\"points\":null");
	HAS(o->event[0], "\"oom_score_adj\":0,\"points\":127908,");
	HAS(o->event[0], "kernel_release");
	out_free(o);
	/* a 6.x table (rss_anon...) is 5.9+ by itself */
	o = parse("memory: usage 524288kB, limit 524288kB, failcnt 31877\n"
		  "memory+swap: usage 524288kB, limit 524288kB, failcnt 0\n"
		  "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes "
		  "swapents oom_score_adj name\n"
		  "[  28790]     0 28790     1155      206      200        6         0    53248        0"
		  "          -998 tini\n", 0);
	HAS(o->event[0], "\"points\":-130519,");
	out_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_6x),
		cmocka_unit_test(test_name_split_by_syslog),
		cmocka_unit_test(test_user_code),
		cmocka_unit_test(test_old_tables_points),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_several_and_interleaved),
		cmocka_unit_test(test_gap_and_group),
		cmocka_unit_test(test_chosen_not_killed),
		cmocka_unit_test(test_tentative),
		cmocka_unit_test(test_keep_top_k),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_kmsg_records),
		cmocka_unit_test(test_suppressed),
		cmocka_unit_test(test_victim_from_reaper),
		cmocka_unit_test(test_points_by_release),
	};

	return cmocka_run_group_tests_name("kmsg_report", tests, NULL, NULL);
}
