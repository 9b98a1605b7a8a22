// SPDX-License-Identifier: GPL-2.0
/* Kernel feature probes: tiny programs and maps, loaded and closed at once. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_scan.h"
#include "kfeatures.h"
#include "oomtrace.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const struct kfeature_info kfeature_info[KF__COUNT] = {
	[KF_BTF] = { "btf", "BTF (CO-RE)", "5.4",
		     "no CO-RE: give this kernel's BTF with --btf FILE (BTFHub); fentry needs the "
		     "kernel's own" },
	[KF_RINGBUF] = { "ringbuf", "BPF ring buffer", "5.8",
			 "no live tracing: read the kernel's reports with "
			 "'oomtrace parse --kmsg --follow'" },
	[KF_BPF_LOOP] = { "bpf_loop", "bpf_loop()", "5.17",
			  "compat object (bounded loops): tracepoint mode judges at most "
			  STR(OOMT_COMPAT_WALK_MAX) " tasks per OOM, the rest counted and named "
			  "in 'missing'" },
	[KF_ATOMIC_FETCH] = { "atomic_fetch", "BPF atomic fetch-add", "5.12", "compat object (plain atomic add)" },
	[KF_FENTRY] = { "fentry", "fentry (BPF trampoline)", "5.5 x86-64, 6.4 arm64", "no fentry mode" },
	[KF_KPROBES] = { "kprobes", "kprobes (perf PMU)", "4.17", "no kprobe mode" },
	[KF_MARK_VICTIM_TASK] = { "mark_victim_task", "mark_victim passes task", "6.9 (Debian 5.10/6.1: backport)",
				  "victims read from the OOM killer's SIGKILL (signal_generate)" },
	[KF_RECLAIM_TP] = { "reclaim_tp", "reclaim tracepoints", "2.6.36",
			    "run_up has no reclaim numbers for the domains without them" },
};

bool kernel_has_btf(void)
{
	return access("/sys/kernel/btf/vmlinux", R_OK) == 0;
}

bool release_at_least(const char *release, unsigned int major, unsigned int minor)
{
	unsigned int ma, mi;

	if (sscanf(release, "%u.%u", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

bool kernel_hash_alloc_in_tracing(void)
{
	static int known = -1;
	struct utsname u;

	/* tests: the preallocated map, as a kernel before 6.1 has it */
	if (getenv("OOMTRACE_CMDLINES_PREALLOC"))
		return false;
	if (known < 0)
		known = !uname(&u) && release_at_least(u.release, 6, 1);
	return known;
}

static struct btf *load_btf(const char *btf_path)
{
	return btf_path ? btf__parse(btf_path, NULL) : btf__load_vmlinux_btf();
}

int kernel_reclaim_tracepoints(const char *btf_path, char *detail, size_t size)
{
	static const char *const tps[] = { "memcg", "direct" };
	struct btf *btf = load_btf(btf_path);
	char name[64];
	int found = 0;

	if (!btf)
		return -errno;
	detail[0] = '\0';
	for (size_t i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "btf_trace_mm_vmscan_%s_reclaim_begin", tps[i]);
		if (btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) >= 0)
			found |= 1 << i;
	}
	btf__free(btf);
	snprintf(detail, size, "%s", found == 3 ? "memcg and direct reclaim" :
		 found == 2 ? "direct reclaim only (no CONFIG_MEMCG)" :
		 found == 1 ? "memcg reclaim only" : "none");
	return found == 3;
}

int kernel_mark_victim_has_task(const char *btf_path)
{
	const struct btf_param *params;
	const struct btf_type *t;
	struct btf *btf;
	int id, ret;

	btf = load_btf(btf_path);
	if (!btf)
		return -errno;
	/* typedef void (*btf_trace_mark_victim)(void *__data, <args>) */
	id = btf__find_by_name_kind(btf, "btf_trace_mark_victim", BTF_KIND_TYPEDEF);
	if (id < 0) {
		ret = -ENOENT;
		goto out;
	}
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t)) {
		ret = -EINVAL;
		goto out;
	}
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 2) {
		ret = -EINVAL;
		goto out;
	}
	/* the first argument after __data: int pid, or struct task_struct * */
	params = btf_params(t);
	t = btf__type_by_id(btf, btf__resolve_type(btf, params[1].type));
	ret = t && btf_is_ptr(t);
out:
	btf__free(btf);
	return ret;
}

/* Load a raw tracepoint program; 1 loaded, 0 refused as invalid, -errno else. */
static int try_prog(const struct bpf_insn *insns, size_t n, char *detail, size_t size)
{
	char log[4096] = "", *last;
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", insns, n, &opts);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	/* refused: again with the verifier's log, for its reason */
	opts.log_buf = log;
	opts.log_size = sizeof(log);
	opts.log_level = 1;
	fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL, "GPL", insns, n, &opts);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	fd = -errno;
	/* the verifier's reason is its last line before its statistics */
	while ((last = strrchr(log, '\n')) &&
	       (!last[1] || !strncmp(last + 1, "processed ", 10) ||
		!strncmp(last + 1, "verification time", 17)))
		*last = '\0';
	last = strrchr(log, '\n');
	last = last ? last + 1 : log;
	snprintf(detail, size, "%s%s%s", strerror(-fd), last[0] ? ": " : "", last);
	return fd == -EINVAL ? 0 : fd;
}

/* lock *(u64 *)(r10 - 8) += r1 with the old value returned (BPF_FETCH) */
static int probe_atomic_fetch(char *detail, size_t size)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW, .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1, .off = -8, .imm = BPF_ADD | BPF_FETCH },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return try_prog(insns, sizeof(insns) / sizeof(insns[0]), detail, size);
}

/*
 * An fentry program on out_of_memory, loaded and (ATTACH) attached, then
 * closed. 1, 0 (refused), or -errno (could not tell).
 */
static int probe_fentry(char *detail, size_t size, bool attach)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id, fd, link;

	if (!kernel_has_btf()) {
		snprintf(detail, size, "needs the kernel's own BTF");
		return 0;
	}
	/*
	 * A kernel that refuses tracing programs whatever they attach to (no
	 * CAP_PERFMON, an LSM) says so before it looks at the attach target:
	 * ask that first, with BTF id 1 (no function: otherwise -EINVAL), and
	 * spare the scan of the kernel's BTF (milliseconds of the start).
	 */
	opts.attach_btf_id = 1;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (fd >= 0)
		close(fd);
	else if (errno == EPERM) {
		snprintf(detail, size, "load refused: %s", strerror(EPERM));
		return 0;
	}
	/* one pass over the raw BTF, not libbpf's parse of it (btf_scan.c) */
	id = btf_scan_file_func_id("/sys/kernel/btf/vmlinux", "out_of_memory");
	if (id < 0) {
		snprintf(detail, size, "out_of_memory not in the kernel's BTF: %s", strerror(-id));
		return 0;
	}
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (fd < 0) {
		fd = -errno;
		snprintf(detail, size, "load refused: %s", strerror(-fd));
		return fd == -EINVAL || fd == -EPERM || fd == -ENOTSUP ? 0 : fd;
	}
	if (!attach) {
		snprintf(detail, size, "loads on out_of_memory");
		close(fd);
		return 1;
	}
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link < 0) {
		link = -errno;
		snprintf(detail, size, "attach refused: %s", strerror(-link));
		close(fd);
		return 0;
	}
	snprintf(detail, size, "loads and attaches on out_of_memory");
	close(link);
	close(fd);
	return 1;
}

/*
 * OOMTRACE_KFEATURES_OFF=KEY[,KEY...]: the tests' older kernel. The host
 * has every feature but fentry and kprobes, and the paths that a missing
 * one takes (the compat object, the ring-buffer refusal) must be run there.
 */
static void take_off_for_tests(struct kfeatures *f, unsigned mask)
{
	const char *off = getenv("OOMTRACE_KFEATURES_OFF");

	for (int i = 0; off && i < KF__COUNT; i++) {
		size_t n = strlen(kfeature_info[i].key);

		for (const char *p = off; *p; p += strcspn(p, ","), p += *p == ',') {
			if (!(mask & (1u << i)) || strncmp(p, kfeature_info[i].key, n) ||
			    (p[n] && p[n] != ','))
				continue;
			f->have[i] = 0;
			snprintf(f->detail[i], sizeof(f->detail[0]), "taken as absent (OOMTRACE_KFEATURES_OFF)");
		}
	}
}

void kfeatures__probe(struct kfeatures *f, unsigned mask, const char *btf_path)
{
	int r;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < KF__COUNT; i++)
		f->have[i] = -EAGAIN;	/* not probed */
	if (mask & (1u << KF_BTF)) {
		struct btf *btf = btf_path ? btf__parse(btf_path, NULL) : NULL;

		if (btf_path) {
			f->have[KF_BTF] = btf != NULL;
			/* libbpf says ENOENT for a readable file without BTF in it */
			snprintf(f->detail[KF_BTF], sizeof(f->detail[0]), "%s%s%s", btf_path,
				 btf ? "" : ": ", btf ? "" : errno == ENOENT ? "no BTF in it" :
				 strerror(errno));
			btf__free(btf);
		} else {
			f->have[KF_BTF] = kernel_has_btf();
			snprintf(f->detail[KF_BTF], sizeof(f->detail[0]), "/sys/kernel/btf/vmlinux");
		}
	}
	if (mask & (1u << KF_RINGBUF)) {
		r = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
		f->have[KF_RINGBUF] = r;
		snprintf(f->detail[KF_RINGBUF], sizeof(f->detail[0]), "%s",
			 r < 0 ? strerror(-r) : "BPF_MAP_TYPE_RINGBUF");
	}
	if (mask & (1u << KF_BPF_LOOP)) {
		r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_loop, NULL);
		f->have[KF_BPF_LOOP] = r;
		snprintf(f->detail[KF_BPF_LOOP], sizeof(f->detail[0]), "%s",
			 r < 0 ? strerror(-r) : r ? "helper in raw tracepoint programs" :
			 "unknown helper to the verifier");
	}
	if (mask & (1u << KF_ATOMIC_FETCH)) {
		r = probe_atomic_fetch(f->detail[KF_ATOMIC_FETCH], sizeof(f->detail[0]));
		f->have[KF_ATOMIC_FETCH] = r;
		if (r == 1)
			snprintf(f->detail[KF_ATOMIC_FETCH], sizeof(f->detail[0]), "BPF_ADD | BPF_FETCH");
	}
	if (mask & (1u << KF_FENTRY))
		f->have[KF_FENTRY] = probe_fentry(f->detail[KF_FENTRY], sizeof(f->detail[0]), true);
	if (mask & (1u << KF_KPROBES)) {
		f->have[KF_KPROBES] = access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0;
		snprintf(f->detail[KF_KPROBES], sizeof(f->detail[0]), "%s",
			 f->have[KF_KPROBES] ? "/sys/bus/event_source/devices/kprobe" :
			 "no kprobe PMU (CONFIG_KPROBES)");
	}
	if (mask & (1u << KF_MARK_VICTIM_TASK)) {
		r = kernel_mark_victim_has_task(btf_path);
		f->have[KF_MARK_VICTIM_TASK] = r;
		snprintf(f->detail[KF_MARK_VICTIM_TASK], sizeof(f->detail[0]), "%s",
			 r > 0 ? "struct task_struct *" : r == 0 ? "a pid only" :
			 r == -ENOENT ? "btf_trace_mark_victim not in the BTF" : strerror(-r));
	}
	if (mask & (1u << KF_RECLAIM_TP)) {
		r = kernel_reclaim_tracepoints(btf_path, f->detail[KF_RECLAIM_TP],
					       sizeof(f->detail[0]));
		f->have[KF_RECLAIM_TP] = r;
		if (r < 0)
			snprintf(f->detail[KF_RECLAIM_TP], sizeof(f->detail[0]), "%s", strerror(-r));
	}
	take_off_for_tests(f, mask);
}

int kfeatures__fentry_loads(char *detail, size_t size)
{
	int r = probe_fentry(detail, size, false);

	if (r == 1) {	/* unless the tests take it off */
		struct kfeatures f = { .have[KF_FENTRY] = 1 };

		take_off_for_tests(&f, 1u << KF_FENTRY);
		if (f.have[KF_FENTRY] == 0) {
			snprintf(detail, size, "%s", f.detail[KF_FENTRY]);
			return 0;
		}
	}
	return r;
}

bool kfeatures__need_compat(const struct kfeatures *f)
{
	/* could not tell (-errno): the full object's load will say why */
	return f->have[KF_BPF_LOOP] == 0 || f->have[KF_ATOMIC_FETCH] == 0;
}
