// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoint mode's candidate walk with direct loads (direct_walk.h).
 *
 * The walk reads some twenty fields per candidate. Through
 * bpf_probe_read_kernel() each is a helper call (50-100 ns in a guest);
 * through a pointer typed by bpf_rdonly_cast() it is one load that the JIT
 * guards with an exception table. But a BPF object that names a kfunc makes
 * libbpf parse the whole kernel BTF to resolve it, which is what the cached
 * minimal BTF spares every start (btf_cache.c), and older verifiers refuse
 * a kfunc they lack even where the call is never reached. So the BPF side
 * calls a helper id no kernel has (OOMT_KCAST_HELPER) behind a read-only
 * switch, and this file's load step turns those calls into the kfunc's,
 * with the ids kept in the cached minimal BTF or found in one pass over the
 * kernel's. Where that cannot be done the switch stays off: the verifier
 * proves the calls unreachable and drops them, and the walk reads.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../bpf/oomtrace.h"
#include "btf_scan.h"
#include "direct_walk.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"
/* the enum in the minimal BTF that carries the ids (no BPF type names it) */
#define IDS_ENUM "oomtrace_kernel_ids"

static const struct {
	unsigned kind;
	const char *name;
	size_t off;
	bool walk;		/* the direct walk needs it */
} id_names[] = {
	{ BTF_KIND_FUNC, "bpf_rdonly_cast", offsetof(struct kernel_ids, rdonly_cast), true },
	{ BTF_KIND_STRUCT, "task_struct", offsetof(struct kernel_ids, task_struct), true },
	{ BTF_KIND_STRUCT, "cgroup_subsys_state", offsetof(struct kernel_ids, css), true },
	{ BTF_KIND_STRUCT, "list_head", offsetof(struct kernel_ids, list_head), true },
	{ BTF_KIND_STRUCT, "refcount_struct", offsetof(struct kernel_ids, refcount), true },
	{ BTF_KIND_TYPEDEF, "btf_trace_mark_victim", offsetof(struct kernel_ids, trace_mark_victim),
	  false },
};
#define N_IDS (sizeof(id_names) / sizeof(id_names[0]))

static uint32_t *id_slot(struct kernel_ids *ids, size_t i)
{
	return (uint32_t *)((char *)ids + id_names[i].off);
}

bool kernel_ids_complete(const struct kernel_ids *ids)
{
	for (size_t i = 0; i < N_IDS; i++)
		if (id_names[i].walk && !*id_slot((struct kernel_ids *)ids, i))
			return false;
	return true;
}

int kernel_ids_add(struct btf *min, const struct btf *kernel)
{
	int ret = btf__add_enum(min, IDS_ENUM, 4);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < N_IDS; i++) {
		int id = btf__find_by_name_kind(kernel, id_names[i].name, id_names[i].kind);

		/* a kernel without one (before 6.2: no kfunc) has no value for it */
		if (id > 0 && (ret = btf__add_enum_value(min, id_names[i].name, id)) < 0)
			return ret;
	}
	return 0;
}

int kernel_ids_from_fd(int fd, struct kernel_ids *ids)
{
	const struct btf_type *t;
	struct btf *b = NULL;
	struct stat st;
	void *buf = NULL;
	int id, ret = -ENOENT;

	memset(ids, 0, sizeof(*ids));
	if (fstat(fd, &st) || st.st_size <= 0 || st.st_size > (16 << 20))
		return -EINVAL;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return -ENOMEM;
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return -EIO;
	}
	b = btf__new(buf, (uint32_t)st.st_size);
	free(buf);
	if (!b)
		return -EINVAL;
	id = btf__find_by_name_kind(b, IDS_ENUM, BTF_KIND_ENUM);
	t = id > 0 ? btf__type_by_id(b, (uint32_t)id) : NULL;
	if (t) {
		const struct btf_enum *e = btf_enum(t);

		for (unsigned v = 0; v < btf_vlen(t); v++) {
			const char *name = btf__name_by_offset(b, e[v].name_off);

			for (size_t i = 0; name && i < N_IDS; i++)
				if (!strcmp(name, id_names[i].name) && e[v].val > 0)
					*id_slot(ids, i) = (uint32_t)e[v].val;
		}
		ret = 0;
	}
	btf__free(b);
	return ret;
}

int kernel_ids_from_raw(const void *data, size_t size, struct kernel_ids *ids)
{
	const char *names[N_IDS];
	int32_t vals[N_IDS] = { 0 };
	int ret;

	memset(ids, 0, sizeof(*ids));
	for (size_t i = 0; i < N_IDS; i++)
		names[i] = id_names[i].name;
	ret = btf_scan_enum(data, size, IDS_ENUM, names, vals, N_IDS);
	if (ret)
		return ret;
	for (size_t i = 0; i < N_IDS; i++)
		if (vals[i] > 0)
			*id_slot(ids, i) = (uint32_t)vals[i];
	return 0;
}

int kernel_ids_scan(struct kernel_ids *ids)
{
	struct btf_scan_want want[N_IDS];
	int ret;

	memset(ids, 0, sizeof(*ids));
	for (size_t i = 0; i < N_IDS; i++)
		want[i] = (struct btf_scan_want){ id_names[i].kind, id_names[i].name, 0 };
	ret = btf_scan_file_ids(KERNEL_BTF, want, N_IDS);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < N_IDS; i++)
		if (want[i].id > 0)
			*id_slot(ids, i) = (uint32_t)want[i].id;
	return 0;
}

/* ---- the load step --------------------------------------------------------------------- */

static struct kernel_ids armed;
static bool is_armed;
/* summed over the mark_victim programs of a load, which may be two at
 * once (loader.c's split load); reset when armed */
static atomic_uint patched;
static bool dry;
static void (*before_load)(void *);
static void *before_load_arg;

void direct_walk_before_load(void (*fn)(void *arg), void *arg)
{
	before_load = fn;
	before_load_arg = arg;
}

void direct_walk_dry_run(bool on)
{
	dry = on;
}

void direct_walk_arm(const struct kernel_ids *ids)
{
	atomic_store(&patched, 0);
	is_armed = ids && kernel_ids_complete(ids);
	if (is_armed)
		armed = *ids;
}

unsigned direct_walk_patched(void)
{
	return atomic_load(&patched);
}

/*
 * libbpf calls this where it would load the program, with the
 * instructions relocated and the subprograms appended. btf_min_verify()'s
 * dry objects, which must never load, are stopped here as its own handler
 * would stop them.
 */
static int patch_casts(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	const struct bpf_insn *insns = bpf_program__insns(prog);
	size_t n = bpf_program__insn_cnt(prog);
	struct bpf_insn *copy;
	unsigned count = 0;
	int ret;

	(void)opts, (void)cookie;
	if (dry)
		return -ECANCELED;
	if (before_load)
		before_load(before_load_arg);
	if (!is_armed || !insns || !n)
		return 0;
	copy = malloc(n * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, insns, n * sizeof(*copy));
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn *in = &copy[i];

		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 &&
		    in->imm == OOMT_KCAST_HELPER) {
			in->src_reg = BPF_PSEUDO_KFUNC_CALL;
			in->off = 0;	/* the kfunc is vmlinux's */
			in->imm = (int32_t)armed.rdonly_cast;
			count++;
		}
	}
	ret = bpf_program__set_insns(prog, copy, n);
	free(copy);
	if (ret)
		return ret;
	atomic_fetch_add(&patched, count);
	return 0;
}

/* As libbpf's raw_tp handler: the tracepoint is the section's name after the slash. */
static int attach_raw_tp(const struct bpf_program *prog, long cookie, struct bpf_link **link)
{
	const char *sec = bpf_program__section_name(prog);
	const char *tp = strchr(sec, '/');

	(void)cookie;
	if (!tp || !tp[1])
		return -EINVAL;
	*link = bpf_program__attach_raw_tracepoint(prog, tp + 1);
	return *link ? 0 : -errno;
}

/*
 * SEC's handler registered for good, once (*done), and first: libbpf
 * takes a program's handler when the object opens and keeps a pointer to
 * it, and libbpf 1.1 frees its table when the last handler goes
 * (btf_min.c). Raw tracepoint programs to libbpf, both.
 */
static int register_for_good(const char *sec, const struct libbpf_prog_handler_opts *opts,
			     bool *done)
{
	int ret;

	if (*done)
		return 0;
	ret = libbpf_register_prog_handler(sec, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, opts);
	if (ret < 0)
		return ret;
	*done = true;
	return 0;
}

int direct_walk_register(void)
{
	static bool registered;
	struct libbpf_prog_handler_opts opts = {
		.sz = sizeof(opts),
		.prog_prepare_load_fn = patch_casts,
		.prog_attach_fn = attach_raw_tp,
	};

	return register_for_good("raw_tp/mark_victim", &opts, &registered);
}

/* ---- the deferred wake-up's program ------------------------------------------------------ */

static _Atomic uint32_t wake_btf_id;

void wake_prog_arm(uint32_t id)
{
	atomic_store(&wake_btf_id, id);
}

/*
 * Registered as a raw tracepoint program, so that libbpf does not parse
 * the kernel's BTF for it, and made a tp_btf one (a tracing program at
 * the tracepoint's btf_trace_ typedef) here, as it goes to the kernel.
 */
static int prepare_wake(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	uint32_t id = atomic_load(&wake_btf_id);
	int ret;

	(void)cookie;
	if (dry)
		return -ECANCELED;
	if (!id)
		return -ENOENT;
	if ((ret = bpf_program__set_type(prog, BPF_PROG_TYPE_TRACING)) ||
	    (ret = bpf_program__set_expected_attach_type(prog, BPF_TRACE_RAW_TP)))
		return ret;
	opts->expected_attach_type = BPF_TRACE_RAW_TP;
	opts->attach_btf_id = id;
	opts->attach_btf_obj_fd = 0;	/* vmlinux's */
	return 0;
}

struct bpf_link *wake_prog_attach(const struct bpf_program *prog)
{
	return bpf_program__attach_trace(prog);
}

int wake_prog_register(void)
{
	static bool registered;
	struct libbpf_prog_handler_opts opts = {
		.sz = sizeof(opts),
		.prog_prepare_load_fn = prepare_wake,
	};

	return register_for_good("tp_btf/mark_victim", &opts, &registered);
}
