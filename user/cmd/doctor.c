// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace doctor`: what this kernel allows and which attach mode `auto`
 * would use. Each mode is really loaded and attached (then detached): a
 * feature list can say yes where a kernel or LSM still says no.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "oomtrace.h"

#include "cli_args.h"
#include "commands.h"
#include "kfeatures.h"
#include "btf_cache.h"
#include "kaddrs.h"
#include "loader.h"
#include "log.h"
#include "privs.h"
#include "procfs_read.h"

#define CMD "oomtrace doctor"
#define STR_(x) #x
#define STR(x) STR_(x)

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!log_verbose)
		return 0;
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

static void row(const char *what, bool ok, const char *detail)
{
	printf("  %-22s %-4s %s\n", what, ok ? "yes" : "no", detail);
}

/* Whether starts can keep what they make once (btf_cache.h, kaddrs.h): a file is made there. */
static void print_cache(void)
{
	const char *dir = btf_cache_dir();
	char detail[4300];
	int ret;

	if (!dir) {
		row("start-up cache", false, "OOMTRACE_CACHE_DIR is empty: each start reads the "
		    "kernel's BTF and symbols in full (slower)");
		return;
	}
	ret = cache_dir_writable();
	if (ret)
		snprintf(detail, sizeof(detail), "%s: %s: each start reads the kernel's BTF and "
			 "symbols in full (slower; OOMTRACE_CACHE_DIR=DIR: another directory)",
			 dir, strerror(-ret));
	else
		snprintf(detail, sizeof(detail), "%s", dir);
	row("start-up cache", !ret, detail);
}

static void print_kernel(const struct kaddrs *ka)
{
	const char *okp = kaddrs__full(ka, "oom_kill_process");
	char buf[256], detail[300];

	procfs_read_line("/proc/sys/kernel/osrelease", buf, sizeof(buf));
	printf("kernel %s\n", buf);
	row("kallsyms readable", !ka->hidden,
	    ka->hidden ? "addresses hidden (kptr_restrict): no symbols, no candidates "
			 "in tracepoint mode" :
	    ka->cached ? "/proc/kallsyms (its answers kept for this boot)" : "/proc/kallsyms");
	snprintf(detail, sizeof(detail), "%s", okp ? okp : "not found");
	row("oom_kill_process", okp != NULL, detail);
	procfs_read_line("/sys/kernel/security/lockdown", buf, sizeof(buf));
	row("lockdown", true, buf[0] ? buf : "unknown (securityfs not mounted)");
}

/* Every probed feature: yes/no, the kernel that brings it, and what its absence costs. */
static void print_features(const struct kfeatures *f)
{
	printf("kernel features (upstream version that brings each)\n");
	for (int i = 0; i < KF__COUNT; i++) {
		const char *yn = f->have[i] > 0 ? "yes" : f->have[i] == 0 ? "no" : "?";

		printf("  %-24s %-4s %-26s %s%s%s\n", kfeature_info[i].name, yn,
		       kfeature_info[i].since, f->detail[i], f->have[i] > 0 ? "" : "; without: ",
		       f->have[i] > 0 ? "" : kfeature_info[i].without);
	}
}

/* What events look like on this kernel in the mode auto picks. */
static void print_capabilities(const struct kfeatures *f, enum attach_mode pick)
{
	bool compat = kfeatures__need_compat(f);
	bool exact = pick == MODE_FENTRY || pick == MODE_KPROBE;

	printf("this kernel gets (mode %s, %s BPF object)\n", attach_mode__name(pick),
	       compat ? "compat" : "full");
	printf("  %-24s %s\n", "candidates",
	       exact ? "every task oom_badness() scored, with its exact points" :
	       compat ? "recomputed from a walk of the OOM domain's tasks at mark_victim, at "
			"most " STR(OOMT_COMPAT_WALK_MAX) "+ tasks (past that: named in 'missing')" :
			"recomputed from a walk of the OOM domain's tasks at mark_victim");
	printf("  %-24s %s\n", "gfp_mask, order, chosen",
	       exact ? "read from the kernel's oom_control" :
	       "not seen in tracepoint mode; constraint and totalpages derived");
	printf("  %-24s %s\n", "victims",
	       f->have[KF_MARK_VICTIM_TASK] > 0 ? "the task mark_victim passes" :
	       "the task the OOM killer sends SIGKILL, matched to mark_victim's pid");
}

static void print_privileges(void)
{
	char detail[128];

	snprintf(detail, sizeof(detail), "euid %u", (unsigned)geteuid());
	row("CAP_BPF", have_cap(CAP_BPF), "");
	row("CAP_PERFMON", have_cap(CAP_PERFMON), "");
	row("CAP_SYS_ADMIN", have_cap(CAP_SYS_ADMIN), detail);
	row("CAP_SYS_RESOURCE", have_cap(CAP_SYS_RESOURCE),
	    have_cap(CAP_SYS_RESOURCE) ? "can set own oom_score_adj to -1000" :
	    "cannot lower own oom_score_adj: the tracer runs unprotected");
	/* user stacks: the allocating process's maps and files name its frames */
	row("CAP_SYS_PTRACE", have_cap(CAP_SYS_PTRACE),
	    have_cap(CAP_SYS_PTRACE) ?
	    "reads any process's /proc/PID/maps: user frames named, DWARF-unwound" :
	    "only own-uid processes' maps: other user stacks keep build ids and offsets "
	    "(report --symbolize names them later)");
}

/* The command lines' cache (oomtrace.h, OOMT_CMDLINES_RT) as the loaded map is. */
static void cmdlines_kind(const struct loader *t, char *buf, size_t size)
{
	struct bpf_map_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(loader__cmdlines_fd(t), &info, &len)) {
		snprintf(buf, size, "unknown: %s", strerror(errno));
		return;
	}
	if (info.type == BPF_MAP_TYPE_HASH && info.map_flags & BPF_F_NO_PREALLOC)
		snprintf(buf, size, "a hash allocated at run time, up to %u processes",
			 info.max_entries);
	else
		snprintf(buf, size, "preallocated (kernels before 6.1), the %u processes "
			 "used last", info.max_entries);
}

/* Try each mode for real; returns the first that works (what auto picks). */
static enum attach_mode try_modes(struct kaddrs_async *ks, const char *btf_path)
{
	enum attach_mode pick = MODE_AUTO;
	char cmdlines[160] = "";

	for (enum attach_mode m = MODE_FENTRY; m <= MODE_TRACEPOINT; m++) {
		struct loader t;
		char err[512];
		int ret = loader__start(&t, m, ks, 1 << 16, btf_path, err, sizeof(err));
		char ok[384];

		snprintf(ok, sizeof(ok), "loads and attaches%s%s%s",
			 ret || !t.split ? "" : "; handle_mark_victim verified beside the rest",
			 m != MODE_TRACEPOINT || ret ? "" :
			 t.direct_walk ? "; walks the candidates with direct loads (bpf_rdonly_cast)" :
			 "; walks the candidates with reads (bpf_probe_read_kernel)",
			 ret || !t.wake_deferred ? "" :
			 "; wakes its reader by a timer, after the OOM killer's locks");
		row(attach_mode__name(m), ret == 0, ret ? err : ok);
		if (!ret) {
			if (!cmdlines[0])
				cmdlines_kind(&t, cmdlines, sizeof(cmdlines));
			loader__stop(&t);
			if (pick == MODE_AUTO)
				pick = m;
		}
	}
	if (cmdlines[0])
		row("command-line cache", true, cmdlines);
	return pick;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace doctor [options]\n"
"Probe the kernel's BPF features (BTF, ring buffer, bpf_loop, atomics,\n"
"fentry, kprobes, mark_victim's prototype) and name the kernel version\n"
"that brings each; report kallsyms, lockdown and privileges; load and\n"
"attach each attach mode; say which one 'oomtrace --mode auto' uses and\n"
"what its events hold on this kernel.\n"
"\n"
"      --btf FILE          this kernel's BTF for CO-RE, as 'oomtrace --btf' takes it\n"
"  -v, --verbose           libbpf diagnostics on stderr\n"
"  -h, --help              this help\n"
"\n"
"Exit 0 if some mode works, 1 if none does.\n");
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "btf", required_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	enum attach_mode pick = MODE_AUTO;
	const char *btf_path = NULL;
	struct kfeatures f;
	const struct kaddr_want *wants;
	struct kaddrs_async *kas;
	size_t n_wants;
	int c;

	optind = 1;
	opterr = 0;	/* bad options are reported here, in one line */
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v': log_verbose = true; break;
		case 'B':
			if (cli_check_readable("--btf", optarg))
				return EXIT_USAGE;
			btf_path = optarg;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default:
			cli_bad_option(c, argv[optind - 1], CMD);
			return EXIT_USAGE;
		}
	}
	if (cli_no_operands(argc, argv, optind, CMD))
		return EXIT_USAGE;
	libbpf_set_print(quiet_print);
	wants = loader__kernel_symbols(&n_wants);
	kas = kaddrs__open(NULL, wants, n_wants);
	if (!kas) {
		log_err("out of memory");
		return EXIT_RUNTIME;
	}
	print_kernel(kaddrs_async__get(kas));
	print_cache();
	if (can_trace()) {
		kfeatures__probe(&f, KF_ALL, btf_path);
		print_features(&f);
	} else {
		printf("kernel features\n  not probed: needs root (CAP_BPF and CAP_PERFMON)\n");
	}
	printf("privileges\n");
	print_privileges();
	printf("attach modes\n");
	if (can_trace())
		pick = try_modes(kas, btf_path);
	else
		printf("  not tried: needs root (CAP_BPF and CAP_PERFMON)\n");
	kaddrs_async__free(kas);
	if (pick == MODE_AUTO) {
		printf("auto mode: none available\n");
		return EXIT_RUNTIME;
	}
	printf("auto mode: %s\n", attach_mode__name(pick));
	print_capabilities(&f, pick);
	return EXIT_OK;
}
