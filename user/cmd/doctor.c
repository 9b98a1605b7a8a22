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

#include <bpf/libbpf.h>

#include "cli_args.h"
#include "commands.h"
#include "ksyms.h"
#include "loader.h"
#include "log.h"
#include "privs.h"
#include "procfs_read.h"

#define CMD "oomtrace doctor"

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

static void print_kernel(const struct ksyms *ks)
{
	char buf[256], detail[300];
	int has_task = kernel_mark_victim_has_task();

	procfs_read_line("/proc/sys/kernel/osrelease", buf, sizeof(buf));
	printf("kernel %s\n", buf);
	row("BTF", kernel_has_btf(), "/sys/kernel/btf/vmlinux");
	snprintf(detail, sizeof(detail), "%s",
		 has_task > 0 ? "passes the task (victim's memory fields available)" :
		 has_task == 0 ? "passes only the pid" : "not in this kernel's BTF");
	row("tracepoint mark_victim", has_task >= 0, detail);
	row("kallsyms readable", !ksyms__hidden(ks),
	    ksyms__hidden(ks) ? "addresses hidden (kptr_restrict): no symbols, no candidates "
				"in tracepoint mode" : "/proc/kallsyms");
	snprintf(detail, sizeof(detail), "%s",
		 ksyms__resolve_name(ks, "oom_kill_process") ? ksyms__resolve_name(ks, "oom_kill_process") :
		 "not found");
	row("oom_kill_process", ksyms__resolve_name(ks, "oom_kill_process") != NULL, detail);
	procfs_read_line("/sys/kernel/security/lockdown", buf, sizeof(buf));
	row("lockdown", true, buf[0] ? buf : "unknown (securityfs not mounted)");
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
}

/* Try each mode for real; returns the first that works (what auto picks). */
static enum attach_mode try_modes(struct ksyms_async *ks)
{
	enum attach_mode pick = MODE_AUTO;

	for (enum attach_mode m = MODE_FENTRY; m <= MODE_TRACEPOINT; m++) {
		struct loader t;
		char err[512];
		int ret = loader__start(&t, m, ks, 1 << 16, err, sizeof(err));

		row(attach_mode__name(m), ret == 0, ret ? err : "loads and attaches");
		if (!ret) {
			loader__stop(&t);
			if (pick == MODE_AUTO)
				pick = m;
		}
	}
	return pick;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace doctor [options]\n"
"Report BTF, tracepoints, fentry/kprobe availability, lockdown and\n"
"privileges, and the attach mode 'oomtrace --mode auto' would use.\n"
"\n"
"  -v, --verbose           libbpf diagnostics on stderr\n"
"  -h, --help              this help\n"
"\n"
"Exit 0 if some mode works, 1 if none does.\n");
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	enum attach_mode pick = MODE_AUTO;
	const struct ksyms *ks;
	struct ksyms_async *kas;
	int c;

	optind = 1;
	opterr = 0;	/* bad options are reported here, in one line */
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v': log_verbose = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default:
			cli_bad_option(c, argv[optind - 1], CMD);
			return EXIT_USAGE;
		}
	}
	if (cli_no_operands(argc, argv, optind, CMD))
		return EXIT_USAGE;
	libbpf_set_print(quiet_print);
	kas = ksyms__load_async(NULL);
	ks = ksyms_async__get(kas);
	print_kernel(ks);
	printf("privileges\n");
	print_privileges();
	printf("attach modes\n");
	if (can_trace() && kernel_has_btf())
		pick = try_modes(kas);
	else
		printf("  not tried: %s\n", kernel_has_btf() ? "needs root (CAP_BPF and CAP_PERFMON)" :
			"no BTF");
	ksyms_async__free(kas);
	if (pick == MODE_AUTO) {
		printf("auto mode: none available\n");
		return EXIT_RUNTIME;
	}
	printf("auto mode: %s\n", attach_mode__name(pick));
	return EXIT_OK;
}
