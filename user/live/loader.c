// SPDX-License-Identifier: GPL-2.0
/* Load and attach the BPF programs in the chosen attach mode. */
#include <fcntl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "oomtrace.h"
#include "oomtrace.skel.h"
/* only for its ELF bytes: it is opened through oomtrace_bpf's skeleton */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "oomtrace_compat.skel.h"
#pragma GCC diagnostic pop
#include "btf_cache.h"
#include "clock_now.h"
#include "direct_walk.h"
#include "kfeatures.h"
#include "kaddrs.h"
#include "loader.h"
#include "log.h"
#include "map_early.h"
#include "procfs_read.h"
#include "tmp_thread.h"

/* Programs per mode; the tracepoint programs below are in every mode. */
static const char *const fentry_progs[] = {
	"fentry_out_of_memory", "fexit_out_of_memory", "fexit_oom_badness",
	"fentry_oom_kill_process",
};
static const char *const kprobe_progs[] = {
	"kprobe_out_of_memory", "kretprobe_out_of_memory", "kprobe_oom_badness",
	"kretprobe_oom_badness", "kprobe_oom_kill_process",
};
/* kernel function each kprobe program attaches to */
static const char *const kprobe_funcs[] = {
	"out_of_memory", "out_of_memory", "oom_badness", "oom_badness", "oom_kill_process",
};
static const char *const tracepoint_progs[] = {
	/* in this order: a tracepoint calls its programs in the order attached */
	"handle_mark_victim", "handle_mark_victim_walk", "handle_wake_reaper", "handle_start_task_reaping",
	"handle_finish_task_reaping", "handle_skip_task_reaping", "handle_process_exit",
	"handle_signal_generate",
	/* the command-line cache (cmdline.h); handle_process_exit keeps it too */
	"handle_exec_cmdline", "handle_fork_cmdline",
};

/* Functions that send the OOM killer's SIGKILLs (any may be inlined away). */
static const char *const kill_funcs[] = {
	"__oom_kill_process", "oom_kill_process", "oom_kill_memcg_member",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The program whose verification is most of the load (see load_split()). */
#define HEAVY_PROG "handle_mark_victim"
/* the rest of its work, right after it on the same tracepoint (tracepoint mode) */
#define WALK_PROG "handle_mark_victim_walk"
/* maps HEAVY_PROG does not use: its object leaves them to the other one
 * (one that it used would fail its load, and the split with it) */
static const char *const heavy_unused_maps[] = {
	"cmdlines", "cmdline_scratch", "reclaim_walks", "pcpu_probe", "wake_timer",
};
/* tracepoint mode's arming of the deferred wake-up's timer, after WALK_PROG
 * on the same tracepoint (oomtrace.bpf.c, wake_after_walk) */
#define WAKE_PROG "wake_after_walk"

/* What the loader (and doctor) asks of kallsyms (kaddrs.h) */
static const struct kaddr_want kernel_symbols[] = {
	{ "oom_kill_memcg_member", KADDR_END },
	{ "mem_cgroup_out_of_memory", KADDR_END },
	/* renamed in 5.16, when the unwinder learned to pass it */
	{ "kretprobe_trampoline", KADDR_END },
	{ "__kretprobe_trampoline", KADDR_END },
	{ "_totalram_pages", KADDR_ADDR },
	{ "total_swap_pages", KADDR_ADDR },
	{ "__per_cpu_offset", KADDR_ADDR },
	{ "__oom_kill_process", KADDR_END },
	{ "oom_kill_process", KADDR_END | KADDR_FULL },
	{ "out_of_memory", KADDR_FULL },
	{ "oom_badness", KADDR_FULL | KADDR_PART },
};

const struct kaddr_want *loader__kernel_symbols(size_t *ret_n)
{
	*ret_n = N(kernel_symbols);
	return kernel_symbols;
}

const char *attach_mode__name(enum attach_mode m)
{
	switch (m) {
	case MODE_AUTO: return "auto";
	case MODE_FENTRY: return "fentry";
	case MODE_KPROBE: return "kprobe";
	case MODE_TRACEPOINT: return "tracepoint";
	}
	return NULL;
}

int attach_mode__parse(const char *s, enum attach_mode *ret)
{
	for (enum attach_mode m = MODE_AUTO; m <= MODE_TRACEPOINT; m++) {
		if (!strcmp(s, attach_mode__name(m))) {
			*ret = m;
			return 0;
		}
	}
	return -EINVAL;
}

static void set_autoload(struct bpf_object *obj, const char *const *names, size_t n, bool on)
{
	for (size_t i = 0; i < n; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj, names[i]);

		if (p)
			bpf_program__set_autoload(p, on);
	}
}

#define MAX_PROG_IDS (sizeof(((struct loader *)0)->prog_ids) / sizeof(uint32_t))

/*
 * Keep LINK, and the id of PROG it runs beside it, for loader__bpf_time():
 * a link does not always tell (a kprobe attached through a perf event
 * before 5.15 has no BPF link, and the perf event's query answers for
 * tracepoints only). An id that cannot be had is 0, skipped.
 */
static int add_link(struct loader *t, struct bpf_link *link, const struct bpf_program *prog)
{
	struct bpf_link **links = realloc(t->links, (t->n_links + 1) * sizeof(*links));
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);

	if (!links) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	t->links = links;
	if (t->n_links < MAX_PROG_IDS)
		t->prog_ids[t->n_links] =
			bpf_obj_get_info_by_fd(bpf_program__fd(prog), &pi, &len) ? 0 : pi.id;
	t->links[t->n_links++] = link;
	return 0;
}

/* PROG_NAME as loaded: from the split load's heavy object if it loaded it there. */
static struct bpf_program *loaded_prog(const struct loader *t, const char *prog_name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(t->skel->obj, prog_name);

	if (p && bpf_program__fd(p) < 0 && t->heavy)
		p = bpf_object__find_program_by_name(t->heavy->obj, prog_name);
	return p;
}

static int attach_one(struct loader *t, const char *prog_name, const char *kfunc,
		      bool retprobe, char *err, size_t err_size)
{
	struct bpf_program *p = loaded_prog(t, prog_name);
	struct bpf_link *link;
	int ret;

	if (!p)
		return -ENOENT;
	link = kfunc ? bpf_program__attach_kprobe(p, retprobe, kfunc) : bpf_program__attach(p);
	if (!link) {
		ret = -errno;
		snprintf(err, err_size, "cannot attach %s%s%s: %s", kfunc ? "kprobe " : "",
			 kfunc ? kfunc : bpf_program__section_name(p), "", strerror(-ret));
		return ret;
	}
	return add_link(t, link, p);
}

/*
 * The full object, or the compat one (core_fixes.bpf.h) through the same
 * skeleton: the Makefile checks that both have the same maps, programs and
 * variables. btf_path: BTF for CO-RE instead of the kernel's (NULL: its own).
 */
static struct oomtrace_bpf *open_object(bool compat, const char *btf_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_path);
	struct oomtrace_bpf *obj = calloc(1, sizeof(*obj));
	int err;

	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	err = oomtrace_bpf__create_skeleton(obj);
	if (!err && compat)
		obj->skeleton->data = (void *)oomtrace_compat_bpf__elf_bytes(&obj->skeleton->data_sz);
	if (!err)
		err = bpf_object__open_skeleton(obj->skeleton, &opts);
	if (err) {
		oomtrace_bpf__destroy(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

static uint32_t ustack_copy = OOMT_USTACK_COPY_DEFAULT;
static void (*on_attached)(void *arg);
static void *on_attached_arg;

void loader__on_attached(void (*fn)(void *arg), void *arg)
{
	on_attached = fn;
	on_attached_arg = arg;
}
static bool precise_rss;
/* the load is tried again without pcpu_setup where a kernel refuses it */
static bool pcpu_setup_off;

void loader__set_precise_rss(bool on)
{
	precise_rss = on;
}


void loader__set_ustack_copy(uint32_t bytes)
{
	ustack_copy = bytes;
}

/* NUMA nodes the kernel may have (nr_node_ids): 1 without NUMA. */
static uint32_t possible_nodes(void)
{
	char buf[256];
	uint64_t max;

	if (procfs_read_line("/sys/devices/system/node/possible", buf, sizeof(buf)) < 0 ||
	    procfs_parse_list_max(buf, &max) || max >= UINT32_MAX)
		return 1;
	return (uint32_t)max + 1;
}

/* The ids the load patches in (direct_walk_arm()), or the walk with reads. */
static struct kernel_ids walk_ids;
static bool walk_direct;
/* the deferred wake-up's programs are loaded (plan_wake()) */
static bool wake_defer;

/*
 * The deferred wake-up: the full object (bpf_timer, 5.15, and syscall
 * programs, 5.14, are older than it), in tracepoint mode (WAKE_PROG, at
 * the tracepoint's BTF id) and fentry mode (out_of_memory()'s fexit
 * program arms the timer itself); a kretprobe may not use bpf_timer.
 * OOMTRACE_WAKE=now: the wake-up at each OOM's totals, as without it (the
 * tests run both).
 */
static void plan_wake(const struct loader *t, enum attach_mode mode)
{
	const char *env = getenv("OOMTRACE_WAKE");
	struct kernel_ids ids = walk_ids;
	int ret = 0;

	wake_defer = (mode == MODE_TRACEPOINT || mode == MODE_FENTRY) && !t->compat &&
		     !(env && !strcmp(env, "now"));
	if (!wake_defer || mode == MODE_FENTRY)
		return;
	/* the tracepoint's BTF id, as the direct walk's ids are had: from the
	 * cached minimal BTF, or one pass over the kernel's */
	if (!ids.trace_mark_victim && t->core_fd >= 0 && !t->core_got.ids_err)
		ids = t->core_got.ids;
	if (!ids.trace_mark_victim)
		ret = kernel_ids_scan(&ids);
	if (!ret && ids.trace_mark_victim)
		ret = wake_prog_register();
	if (ret || !ids.trace_mark_victim) {
		log_debug("wake-up at each OOM's totals: %s", ret ? strerror(-ret) :
			  "no btf_trace_mark_victim in the kernel's BTF");
		wake_defer = false;
		return;
	}
	wake_prog_arm(ids.trace_mark_victim);
}

static void configure_direct_walk(struct oomtrace_bpf__rodata *ro)
{
	ro->direct_walk = walk_direct;
	ro->kid_task_struct = walk_ids.task_struct;
	ro->kid_css = walk_ids.css;
	ro->kid_list_head = walk_ids.list_head;
	ro->kid_refcount = walk_ids.refcount;
}

/*
 * Whether tracepoint mode's walk can use direct loads: the full object on
 * a kernel whose BTF has bpf_rdonly_cast() (6.2+), with the ids from the
 * cached minimal BTF (made with them), or from one pass over the kernel's
 * BTF where there is no cache. OOMTRACE_DIRECT_WALK=0: the walk with reads
 * (the tests hold both to the kernel's task table).
 */
static void plan_direct_walk(struct loader *t, enum attach_mode mode, const char *btf_path)
{
	const char *env = getenv("OOMTRACE_DIRECT_WALK");
	int ret = 0;

	walk_direct = false;
	memset(&walk_ids, 0, sizeof(walk_ids));
	if (mode != MODE_TRACEPOINT || t->compat || btf_path || (env && !strcmp(env, "0")))
		return;
	if (direct_walk_register()) {
		log_debug("candidate walk with reads: cannot register the load step");
		return;
	}
	/* as btf_cache_open() read them off the minimal BTF's bytes: no parse again */
	if (t->core_fd >= 0 && !t->core_got.ids_err)
		walk_ids = t->core_got.ids;
	else
		ret = kernel_ids_scan(&walk_ids);
	walk_direct = !ret && kernel_ids_complete(&walk_ids);
	if (!walk_direct)
		log_debug("candidate walk with reads: %s", ret ? strerror(-ret) :
			  "no bpf_rdonly_cast() in the kernel's BTF");
}

/* The command lines' cache as map_early makes it (cmdlines_map_def()). */
static void cmdlines_map_define(struct oomtrace_bpf *skel)
{
	enum bpf_map_type type;
	uint32_t flags, entries;

	cmdlines_map_def(&type, &flags, &entries);
	bpf_map__set_type(skel->maps.cmdlines, type);
	bpf_map__set_map_flags(skel->maps.cmdlines, flags);
	bpf_map__set_max_entries(skel->maps.cmdlines, entries);
}

/* EARLY_MAPS: take the maps map_early made (not for an object that takes another's). */
static void configure(struct oomtrace_bpf *skel, enum attach_mode mode, size_t ringbuf_bytes,
		      bool early_maps)
{
	struct oomtrace_bpf__rodata *ro = skel->rodata;
	int cpus = libbpf_num_possible_cpus();
	long page = sysconf(_SC_PAGESIZE);

	ro->attach_mode = mode == MODE_FENTRY ? OOMT_MODE_FENTRY :
			  mode == MODE_KPROBE ? OOMT_MODE_KPROBE : OOMT_MODE_TRACEPOINT;
	ro->nr_cpu_ids = cpus > 0 ? (uint32_t)cpus : 1;
	ro->nr_nodes = possible_nodes();
	ro->ustack_copy = ustack_copy;
	ro->want_exact = precise_rss;
	/* tests: the code path of kernels whose mark_victim passes a pid (README, Tests) */
	ro->mark_victim_pid_only = getenv("OOMTRACE_MARK_VICTIM") &&
				   !strcmp(getenv("OOMTRACE_MARK_VICTIM"), "pid");
	for (ro->page_shift = 0; (1L << ro->page_shift) < page; ro->page_shift++)
		;
	bpf_map__set_max_entries(skel->maps.events, (uint32_t)ringbuf_bytes);
	cmdlines_map_define(skel);
	/* the maps made meanwhile, for those defined as made (the ring's size set) */
	if (early_maps)
		map_early_use(skel->obj);
	set_autoload(skel->obj, fentry_progs, N(fentry_progs), mode == MODE_FENTRY);
	set_autoload(skel->obj, kprobe_progs, N(kprobe_progs), mode == MODE_KPROBE);
	configure_direct_walk(ro);
	/* the candidates it lists are tracepoint mode's own */
	bpf_program__set_autoload(skel->progs.handle_mark_victim_walk, mode == MODE_TRACEPOINT);
	bpf_program__set_autoload(skel->progs.wake_init, wake_defer);
	bpf_program__set_autoload(skel->progs.wake_after_walk, wake_defer && mode == MODE_TRACEPOINT);
	/* made only for the timer (and not by the split load's heavy object,
	 * heavy_unused_maps, whose choice stands) */
	if (!wake_defer)
		bpf_map__set_autocreate(skel->maps.wake_timer, false);
	bpf_program__set_autoload(skel->progs.pcpu_kind, precise_rss);
	bpf_program__set_autoload(skel->progs.pcpu_setup, precise_rss && !pcpu_setup_off);
}

/* Run a never-attached program once: its return value, or -errno. */
static int run_once(struct bpf_program *prog)
{
	uint64_t args[1] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
	int ret = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);

	if (ret)
		return ret < 0 ? ret : -EINVAL;
	return (int)opts.retval;
}

/*
 * Once the programs that send the totals are attached (tracepoint mode:
 * WALK_PROG): the timer set up, WAKE_PROG attached after WALK_PROG, and
 * only then the programs told to leave the wake-up to the timer. Where any
 * step fails, the totals keep waking userspace themselves.
 */
static void defer_wake(struct loader *t, enum attach_mode mode)
{
	int ret;

	if (!wake_defer)
		return;
	ret = run_once(t->skel->progs.wake_init);
	if (ret) {
		log_debug("wake-up at each OOM's totals: cannot set up the timer: %s",
			  strerror(ret < 0 ? -ret : EINVAL));
		return;
	}
	if (mode == MODE_TRACEPOINT) {
		/* its own attach: libbpf's handler for the section is ours (direct_walk.h) */
		struct bpf_program *p = loaded_prog(t, WAKE_PROG);
		struct bpf_link *link = p ? wake_prog_attach(p) : NULL;

		if (!link || add_link(t, link, p)) {
			log_debug("wake-up at each OOM's totals: cannot attach %s: %s", WAKE_PROG,
				  strerror(p ? errno : ENOENT));
			return;
		}
	}
	t->skel->bss->wake_deferred = 1;
	t->wake_deferred = true;
	log_debug("wake-up: by a timer, after the OOM killer's locks");
}

/*
 * --precise-rss: whether there is anything to sum (pcpu_kind), then the
 * per-CPU offsets filled before the first OOM (pcpu_setup). Where
 * pcpu_setup did not load, the programs take them from kallsyms' list at
 * the first OOM, if it has __per_cpu_offset. enum oomt_pcpu, or -errno.
 */
static int pcpu_start(struct loader *t)
{
	int kind = run_once(t->skel->progs.pcpu_kind);

	if (kind != OOMT_PCPU_OK)
		return kind;
	if (!t->pcpu_setup_err)
		return run_once(t->skel->progs.pcpu_setup);
	return t->skel->bss->ksym_per_cpu_offset ? OOMT_PCPU_OK : OOMT_PCPU_NO_OFFSETS;
}

/* The kernel addresses the programs compare with: set after load, before attach. */
static void set_kernel_addresses(struct oomtrace_bpf *skel, const struct kaddrs *ka)
{
	struct oomtrace_bpf__bss *bss = skel->bss;
	const char *kretprobe = kaddrs__addr(ka, "kretprobe_trampoline") ?
				"kretprobe_trampoline" : "__kretprobe_trampoline";

	bss->ksym_totalram_pages = kaddrs__addr(ka, "_totalram_pages");
	bss->ksym_total_swap_pages = kaddrs__addr(ka, "total_swap_pages");
	bss->ksym_per_cpu_offset = kaddrs__addr(ka, "__per_cpu_offset");
	bss->ksym_group_member_start = kaddrs__addr(ka, "oom_kill_memcg_member");
	bss->ksym_group_member_end = kaddrs__end(ka, "oom_kill_memcg_member");
	bss->ksym_memcg_oom_start = kaddrs__addr(ka, "mem_cgroup_out_of_memory");
	bss->ksym_memcg_oom_end = kaddrs__end(ka, "mem_cgroup_out_of_memory");
	bss->ksym_kretprobe_start = kaddrs__addr(ka, kretprobe);
	bss->ksym_kretprobe_end = kaddrs__end(ka, kretprobe);
	_Static_assert(N(kill_funcs) == N(bss->ksym_kill_start), "one range per kill function");
	for (size_t i = 0; i < N(kill_funcs); i++) {
		bss->ksym_kill_start[i] = kaddrs__addr(ka, kill_funcs[i]);
		bss->ksym_kill_end[i] = kaddrs__end(ka, kill_funcs[i]);
	}
}

/*
 * run_up's reclaim tracepoints, begin and end of each kind: optional, as a
 * kernel without CONFIG_MEMCG has no memcg ones. A pair attaches whole or
 * not at all; which did is kept in t->reclaim_*.
 */
static bool attach_reclaim_pair(struct loader *t, const char *begin, const char *end)
{
	char err[256];
	size_t n = t->n_links;

	if (attach_one(t, begin, NULL, false, err, sizeof(err)) ||
	    attach_one(t, end, NULL, false, err, sizeof(err))) {
		log_debug("run_up: %s", err);
		while (t->n_links > n)
			bpf_link__destroy(t->links[--t->n_links]);
		return false;
	}
	return true;
}

static void attach_reclaim(struct loader *t)
{
	t->reclaim_memcg = attach_reclaim_pair(t, "handle_memcg_reclaim_begin",
					       "handle_memcg_reclaim_end");
	t->reclaim_direct = attach_reclaim_pair(t, "handle_direct_reclaim_begin",
						"handle_direct_reclaim_end");
	t->reclaim_since_ns = clock_now_ns(CLOCK_BOOTTIME);
}

static int attach_mode_progs(struct loader *t, enum attach_mode mode, const struct kaddrs *ka,
			     bool skip_heavy, char *err, size_t err_size)
{
	int ret;

	if (mode == MODE_FENTRY) {
		for (size_t i = 0; i < N(fentry_progs); i++)
			if ((ret = attach_one(t, fentry_progs[i], NULL, false, err, err_size)))
				return ret;
		defer_wake(t, mode);
	} else if (mode == MODE_KPROBE) {
		for (size_t i = 0; i < N(kprobe_progs); i++) {
			/* static functions may be .isra/.constprop clones; the OOM
			 * killer calls oom_badness() from its own file, so where the
			 * compiler split it, it enters the .part clone (see try_mode) */
			const char *fn = NULL;

			if (!strcmp(kprobe_funcs[i], "oom_badness"))
				fn = kaddrs__part(ka, kprobe_funcs[i]);
			if (!fn)
				fn = kaddrs__full(ka, kprobe_funcs[i]);

			if (!fn) {
				snprintf(err, err_size, "cannot attach kprobe %s: not in /proc/kallsyms",
					 kprobe_funcs[i]);
				return -ENOENT;
			}
			if ((ret = attach_one(t, kprobe_progs[i], fn,
					      !strncmp(kprobe_progs[i], "kretprobe", 9), err,
					      err_size)))
				return ret;
		}
	}
	for (size_t i = 0; i < N(tracepoint_progs); i++) {
		bool walk = !strcmp(tracepoint_progs[i], WALK_PROG);

		if ((skip_heavy && (walk || !strcmp(tracepoint_progs[i], HEAVY_PROG))) ||
		    (walk && mode != MODE_TRACEPOINT))
			continue;
		if ((ret = attach_one(t, tracepoint_progs[i], NULL, false, err, err_size)))
			return ret;
		if (walk)
			defer_wake(t, mode);
	}
	attach_reclaim(t);
	return 0;
}

/*
 * After the load: the kernel's addresses into .bss, then the programs
 * attached (all but HEAVY_PROG and WALK_PROG if SKIP_HEAVY: the split load
 * attaches them, in that order, once HEAVY_PROG's object has loaded), then
 * loader__on_attached()'s callback told.
 */
static int arm_and_attach(struct loader *t, enum attach_mode mode, struct kaddrs_async *kas,
			  bool skip_heavy, char *err, size_t err_size)
{
	/* this boot's answers, or kallsyms read meanwhile; hidden, every address is 0 */
	const struct kaddrs *ka = kaddrs_async__get(kas);
	int ret;

	/*
	 * A compiler that split oom_badness() (5.10 on Debian: an inlined head,
	 * then oom_badness.part.0) leaves fentry blind to the OOM killer's
	 * calls: the clone has no BTF, so no fentry program can attach to it.
	 */
	if (mode == MODE_FENTRY && kaddrs__part(ka, "oom_badness")) {
		snprintf(err, err_size, "fentry cannot see the candidates: the OOM killer calls %s, "
			 "a compiler clone without BTF (kprobe mode attaches to it)",
			 kaddrs__part(ka, "oom_badness"));
		return -ENOTSUP;
	}
	set_kernel_addresses(t->skel, ka);
	if (precise_rss)
		t->pcpu = pcpu_start(t);
	ret = attach_mode_progs(t, mode, ka, skip_heavy, err, err_size);
	if (!ret && on_attached)
		on_attached(on_attached_arg);
	return ret;
}

/*
 * The minimal kernel BTF for CO-RE, from the cache or made now (btf_cache.h):
 * libbpf then relocates against a few hundred types instead of scanning the
 * whole kernel BTF per type. Not with --btf (that file serves instead).
 */
static void core_btf(struct loader *t, const char *btf_path)
{
	const char *name = t->compat ? "compat" : "full";
	size_t size = 0;
	const void *obj;
	char why[256];

	if (t->core_tried)
		return;
	t->core_tried = true;
	if (btf_path || !kernel_has_btf())
		return;
	obj = t->compat ? oomtrace_compat_bpf__elf_bytes(&size) : oomtrace_bpf__elf_bytes(&size);
	t->core_fd = btf_cache_open(name, obj, size, &t->core_got, why, sizeof(why));
	if (t->core_fd < 0) {
		log_debug("CO-RE against the whole kernel BTF: %s", why);
		t->core_fd = -1;
		return;
	}
	log_debug("CO-RE against the minimal kernel BTF %s (%s)", name,
		  t->core_got.built ? "made and verified now" : "cached");
}

/* The object opened and loaded again, against btf_path (NULL: the kernel's). */
static int reload(struct loader *t, enum attach_mode mode, size_t ringbuf_bytes,
		  const char *btf_path)
{
	oomtrace_bpf__destroy(t->heavy);
	t->heavy = NULL;
	oomtrace_bpf__destroy(t->skel);
	t->skel = open_object(t->compat, btf_path);
	if (!t->skel)
		return -errno;
	configure(t->skel, mode, ringbuf_bytes, true);
	direct_walk_arm(walk_direct ? &walk_ids : NULL);
	return oomtrace_bpf__load(t->skel);
}

/*
 * The split load. handle_mark_victim's verification is most of the load
 * (some 15 ms of 20 on this 2-CPU guest, one CPU busy, the other idle), so
 * it loads alone in an object of its own (t->heavy) while a second thread
 * opens, loads and attaches every other program, in t->skel, at the same
 * time. The heavy object has the maps: map_early's, and its arrays made
 * right after its open (map_early_own(): .rodata frozen with the values
 * set, .bss, the plain arrays), so that the other object takes them all
 * at once (bpf_map__reuse_fd: the same maps, .bss shared) and loads while
 * the heavy one relocates. Where one could not be made ahead, libbpf makes
 * it in the heavy object's load, and the other object waits until libbpf
 * is about to load the heavy program (direct_walk_before_load(): the maps
 * are made). Each object relocates and verifies
 * only its own programs, and the other programs' attaching, and whatever
 * loader__on_attached()'s callback starts, overlap the heavy
 * verification too.
 */
struct split_load {
	struct loader *t;
	enum attach_mode mode;
	size_t ringbuf_bytes;
	const char *btf_path;
	struct kaddrs_async *kas;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool maps_made, abandoned;
	int ret;		/* the other object's open, load and attach */
	char err[256];
};

static void split_maps_made(void *arg)
{
	struct split_load *sp = arg;

	pthread_mutex_lock(&sp->lock);
	sp->maps_made = true;
	pthread_cond_signal(&sp->cond);
	pthread_mutex_unlock(&sp->lock);
}

/* The other programs: t->skel opened, loaded with the heavy object's maps, attached. */
static int split_rest(struct split_load *sp)
{
	struct loader *t = sp->t;
	struct bpf_map *m;
	bool go;

	t->skel = open_object(t->compat, sp->btf_path);
	if (!t->skel)
		return -errno;
	configure(t->skel, sp->mode, sp->ringbuf_bytes, false);
	bpf_program__set_autoload(bpf_object__find_program_by_name(t->skel->obj, HEAVY_PROG),
				  false);
	pthread_mutex_lock(&sp->lock);
	while (!sp->maps_made && !sp->abandoned)
		pthread_cond_wait(&sp->cond, &sp->lock);
	go = sp->maps_made;
	pthread_mutex_unlock(&sp->lock);
	if (!go)
		return -ECANCELED;
	/* the heavy object's maps, then those it did not make from map_early */
	bpf_object__for_each_map(m, t->skel->obj) {
		struct bpf_map *h = bpf_object__find_map_by_name(t->heavy->obj, bpf_map__name(m));
		int err;

		if (!h || bpf_map__fd(h) < 0)
			continue;
		err = bpf_map__reuse_fd(m, bpf_map__fd(h));
		if (err) {
			log_debug("split load: map %s: %s", bpf_map__name(m), strerror(-err));
			return err;
		}
	}
	map_early_use(t->skel->obj);
	int ret = oomtrace_bpf__load(t->skel);

	if (ret)
		return ret;
	return arm_and_attach(t, sp->mode, sp->kas, true, sp->err, sizeof(sp->err));
}

static void *split_rest_run(void *arg)
{
	struct split_load *sp = arg;

	sp->ret = split_rest(sp);
	return NULL;
}

#define SPLIT_STACK_SIZE (1u << 20)	/* libbpf's load; touched pages only */

static void drop_links(struct loader *t)
{
	for (size_t i = 0; i < t->n_links; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	t->links = NULL;
	t->n_links = 0;
}

/*
 * The split load, every program attached: 0, or -errno with nothing left
 * open or attached (*attach_failed: it loaded, and an attach failed, in
 * ERR: the one-object load would fail the same way).
 */
static int load_split(struct loader *t, enum attach_mode mode, size_t ringbuf_bytes,
		      const char *btf_path, struct kaddrs_async *kas, bool *attach_failed,
		      char *err, size_t err_size)
{
	struct split_load sp = { .t = t, .mode = mode, .ringbuf_bytes = ringbuf_bytes,
				 .btf_path = btf_path, .kas = kas,
				 .lock = PTHREAD_MUTEX_INITIALIZER,
				 .cond = PTHREAD_COND_INITIALIZER };
	struct tmp_thread rest = {};
	struct bpf_program *p;
	int ret, own_err;

	*attach_failed = false;
	/* the handler that calls split_maps_made() (and patches the direct walk) */
	if ((ret = direct_walk_register()))
		return ret;
	direct_walk_arm(walk_direct ? &walk_ids : NULL);
	direct_walk_before_load(split_maps_made, &sp);
	/* first: its open owes nothing to the heavy object's, and both take a while */
	ret = tmp_thread_start(&rest, SPLIT_STACK_SIZE, split_rest_run, &sp);
	if (!ret) {
		t->heavy = open_object(t->compat, btf_path);
		ret = t->heavy ? 0 : -errno;
	}
	if (!ret) {
		for (size_t i = 0; i < N(heavy_unused_maps); i++) {
			struct bpf_map *m = bpf_object__find_map_by_name(t->heavy->obj,
									 heavy_unused_maps[i]);

			if (m)
				bpf_map__set_autocreate(m, false);
		}
		configure(t->heavy, mode, ringbuf_bytes, false);
		/* its arrays made now, then map_early's maps: with every map
		 * in hand before its load, the other object takes them at
		 * once, not after this one's relocation */
		own_err = map_early_own(t->heavy->obj);
		map_early_use(t->heavy->obj);
		if (!own_err && map_early_complete(t->heavy->obj)) {
			log_debug("split load: the maps made before either load");
			split_maps_made(&sp);
		}
		bpf_object__for_each_program(p, t->heavy->obj)
			bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), HEAVY_PROG));
		ret = oomtrace_bpf__load(t->heavy);
	}
	if (rest.running) {
		/* the other thread, waiting for maps that will not come, stops */
		pthread_mutex_lock(&sp.lock);
		sp.abandoned = true;
		pthread_cond_signal(&sp.cond);
		pthread_mutex_unlock(&sp.lock);
		tmp_thread_join(&rest);
		if (!ret && sp.ret) {
			ret = sp.ret;
			/* loaded but not attached: said as the one-object load would */
			*attach_failed = sp.err[0] != '\0';
			snprintf(err, err_size, "%s", sp.err);
		}
	}
	direct_walk_before_load(NULL, NULL);
	/* handle_mark_victim, then the program that follows it on its tracepoint */
	if (!ret)
		ret = attach_one(t, HEAVY_PROG, NULL, false, err, err_size);
	if (!ret && mode == MODE_TRACEPOINT) {
		ret = attach_one(t, WALK_PROG, NULL, false, err, err_size);
		if (!ret)
			defer_wake(t, mode);
	}
	if (!ret)
		return 0;
	drop_links(t);
	oomtrace_bpf__destroy(t->heavy);
	t->heavy = NULL;
	oomtrace_bpf__destroy(t->skel);
	t->skel = NULL;
	return ret;
}

static int try_mode(struct loader *t, enum attach_mode mode, struct kaddrs_async *kas,
		    size_t ringbuf_bytes, const char *btf_path, char *err, size_t err_size)
{
	bool attach_failed;
	char core_path[64];
	int ret;

	/* kprobes register a perf PMU: without it, fail before loading anything */
	if (mode == MODE_KPROBE && t->features.have[KF_KPROBES] == 0) {
		snprintf(err, err_size, "this kernel has no kprobes (CONFIG_KPROBES)");
		return -ENOTSUP;
	}
	/* fentry programs name their function by the kernel's own BTF ids */
	if (mode == MODE_FENTRY && !kernel_has_btf()) {
		snprintf(err, err_size, "fentry needs the kernel's own BTF (/sys/kernel/btf/vmlinux); "
			 "--btf serves the kprobe and tracepoint modes");
		return -ENOTSUP;
	}
	core_btf(t, btf_path);
	if (t->core_fd >= 0)
		snprintf(core_path, sizeof(core_path), "/proc/self/fd/%d", t->core_fd);
	t->pcpu_setup_err = 0;
	plan_direct_walk(t, mode, btf_path);
	plan_wake(t, mode);
	ret = load_split(t, mode, ringbuf_bytes, t->core_fd >= 0 ? core_path : btf_path, kas,
			 &attach_failed, err, err_size);
	if (!ret) {
		log_debug("%s programs loaded as two objects at once, %s alone",
			  attach_mode__name(mode), HEAVY_PROG);
		t->split = true;
		goto loaded;
	}
	if (attach_failed)
		goto err;
	/* whatever the reason: one object, and the fallbacks below */
	log_debug("cannot load the %s programs as two objects at once: %s: as one",
		  attach_mode__name(mode), strerror(-ret));
	ret = reload(t, mode, ringbuf_bytes, t->core_fd >= 0 ? core_path : btf_path);
	if (!t->skel) {
		snprintf(err, err_size, "cannot open the BPF object: %s", strerror(-ret));
		return ret;
	}
	if (ret && wake_defer) {
		/* a kernel that refuses a syscall or tp_btf program: the
		 * wake-up at each OOM's totals, as before either existed */
		log_debug("cannot load the %s programs with the deferred wake-up: %s: again without",
			  attach_mode__name(mode), strerror(-ret));
		wake_defer = false;
		ret = reload(t, mode, ringbuf_bytes, t->core_fd >= 0 ? core_path : btf_path);
	}
	if (ret && walk_direct) {
		/* a kernel that refuses the kfunc where its BTF has it: the walk reads */
		log_debug("cannot load the %s programs with the direct walk: %s: again with reads",
			  attach_mode__name(mode), strerror(-ret));
		walk_direct = false;
		ret = reload(t, mode, ringbuf_bytes, t->core_fd >= 0 ? core_path : btf_path);
	}
	if (ret && t->core_fd >= 0) {
		/* whatever the reason, never because of the cache: again without it */
		log_debug("cannot load the %s programs with the cached BTF: %s: again with the "
			  "kernel's", attach_mode__name(mode), strerror(-ret));
		close(t->core_fd);
		t->core_fd = -1;
		ret = reload(t, mode, ringbuf_bytes, btf_path);
		if (!ret)	/* it was the cache's BTF */
			btf_cache_drop(t->compat ? "compat" : "full");
	}
	if (ret && precise_rss) {
		/* pcpu_setup reads a map's own address, which a kernel may
		 * refuse: the rest loads without it (offsets from kallsyms) */
		log_debug("%s mode: load failed (%s): again without pcpu_setup",
			  attach_mode__name(mode), strerror(-ret));
		t->pcpu_setup_err = ret;
		pcpu_setup_off = true;
		ret = reload(t, mode, ringbuf_bytes, btf_path);
		pcpu_setup_off = false;
	}
	if (ret) {
		snprintf(err, err_size, "cannot load the %s programs%s: %s%s",
			 attach_mode__name(mode), t->compat ? " (compat object)" : "", strerror(-ret),
			 ret == -EPERM ? " (this kernel forbids it, or missing CAP_BPF/CAP_PERFMON)" : "");
		goto err;
	}
	ret = arm_and_attach(t, mode, kas, false, err, err_size);
	if (ret)
		goto err;
loaded:
	t->direct_walk = walk_direct && direct_walk_patched() > 0;
	if (mode == MODE_TRACEPOINT)
		log_debug("candidate walk: %s", t->direct_walk ? "direct loads (bpf_rdonly_cast)" :
			  "reads (bpf_probe_read_kernel)");
	t->mode = mode;
	t->ring_bytes = ringbuf_bytes;
	loader__refresh_meminfo(t);
	return 0;
err:
	loader__stop(t);
	return ret;
}

static int start(struct loader *t, enum attach_mode want, struct kaddrs_async *ks,
		 size_t ringbuf_bytes, const char *btf_path, char *err, size_t err_size)
{
	int ret = -EINVAL;

	memset(t, 0, sizeof(*t));
	t->core_fd = -1;
	kfeatures__probe(&t->features, KF_START, btf_path);
	if (btf_path && t->features.have[KF_BTF] != 1) {
		snprintf(err, err_size, "--btf: cannot read BTF from %s", t->features.detail[KF_BTF]);
		return -EINVAL;
	}
	if (t->features.have[KF_BTF] != 1) {
		snprintf(err, err_size, "this kernel has no BTF (/sys/kernel/btf/vmlinux): give its "
			 "BTF with --btf FILE (BTFHub), or read OOMs with 'oomtrace parse'");
		return -ENOTSUP;
	}
	if (t->features.have[KF_RINGBUF] == 0) {
		snprintf(err, err_size, "this kernel has no BPF ring buffer (Linux 5.8+): "
			 "follow its OOM reports with 'oomtrace parse --kmsg --follow'");
		return -ENOTSUP;
	}
	t->compat = kfeatures__need_compat(&t->features);
	/* the tests run the compat object on new kernels too (README, Tests) */
	if (getenv("OOMTRACE_BPF_OBJECT") && !strcmp(getenv("OOMTRACE_BPF_OBJECT"), "compat"))
		t->compat = true;
	if (t->compat)
		log_debug("%s: loading the compat BPF object",
			  !t->features.have[KF_BPF_LOOP] ? "no bpf_loop()" :
			  !t->features.have[KF_ATOMIC_FETCH] ? "no atomic fetch-add" :
			  "OOMTRACE_BPF_OBJECT=compat");
	if (want != MODE_AUTO)
		return try_mode(t, want, ks, ringbuf_bytes, btf_path, err, err_size);
	for (enum attach_mode m = MODE_FENTRY; m <= MODE_TRACEPOINT; m++) {
		/* a kernel that refuses fentry says so to a 2-instruction program */
		if (m == MODE_FENTRY && kernel_has_btf() &&
		    kfeatures__fentry_loads(err, err_size) == 0) {
			char why[200];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, err_size, "cannot load the fentry programs: %s", why);
			ret = -EPERM;
		} else {
			ret = try_mode(t, m, ks, ringbuf_bytes, btf_path, err, err_size);
		}
		if (!ret)
			return 0;
		snprintf(t->why_not[m - 1], sizeof(t->why_not[0]), "%s", err);
		log_debug("mode %s unavailable: %s", attach_mode__name(m), err);
	}
	return ret;
}

int loader__start(struct loader *t, enum attach_mode want, struct kaddrs_async *ks,
		  size_t ringbuf_bytes, const char *btf_path, char *err, size_t err_size)
{
	int ret = start(t, want, ks, ringbuf_bytes, btf_path, err, err_size);

	/* libbpf has read it by now */
	if (t->core_fd >= 0)
		close(t->core_fd);
	t->core_fd = -1;
	return ret;
}

void loader__stop(struct loader *t)
{
	drop_links(t);
	oomtrace_bpf__destroy(t->heavy);
	t->heavy = NULL;
	oomtrace_bpf__destroy(t->skel);
	t->skel = NULL;
	if (t->shed) {
		munmap(t->bss, t->bss_size);
		close(t->fd_events);
		close(t->fd_cmdlines);
		close(t->fd_sent_cgroups);
		close(t->fd_totals);
		if (t->fd_ring_touch >= 0)
			close(t->fd_ring_touch);
		if (t->fd_wake_timer >= 0)
			close(t->fd_wake_timer);
		t->bss = NULL;
		t->shed = false;
	}
}

static struct oomtrace_bpf__bss *bss_of(const struct loader *t)
{
	return t->shed ? t->bss : t->skel ? t->skel->bss : NULL;
}

/*
 * libbpf keeps the object it loaded (its BTF and BTF.ext, the programs'
 * instructions and relocations: some 300 KiB of heap) for as long as it
 * is open, but after attaching only its teardown reads it. The programs
 * stay attached through their links (t->links, independent of the object),
 * the maps through the programs and the fds kept here; .bss is mapped
 * again, from its map, since libbpf unmaps its own view. The heap freed is
 * reused by what the session allocates next (the assembler's storage):
 * locked memory would otherwise keep it resident for as long as we run.
 */
int loader__shed_object(struct loader *t)
{
	struct oomtrace_bpf *skel = t->skel;
	long page = sysconf(_SC_PAGESIZE);
	int fds[4] = { -1, -1, -1, -1 }, err;
	void *bss;
	size_t size;

	if (!skel || t->shed)
		return -EINVAL;
	/* a .bss libbpf could not share with the kernel (no mmapable arrays) */
	if (!skel->bss || !(bpf_map__map_flags(skel->maps.bss) & BPF_F_MMAPABLE))
		return -EOPNOTSUPP;
	size = ((size_t)bpf_map__value_size(skel->maps.bss) + (size_t)page - 1) &
	       ~((size_t)page - 1);
	bss = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(skel->maps.bss), 0);
	if (bss == MAP_FAILED)
		return -errno;
	fds[0] = fcntl(bpf_map__fd(skel->maps.events), F_DUPFD_CLOEXEC, 3);
	fds[1] = fcntl(bpf_map__fd(skel->maps.cmdlines), F_DUPFD_CLOEXEC, 3);
	fds[2] = fcntl(bpf_map__fd(skel->maps.sent_cgroups), F_DUPFD_CLOEXEC, 3);
	fds[3] = fcntl(bpf_map__fd(skel->maps.totals), F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 4; i++)
		if (fds[i] < 0) {
			err = -errno;
			for (int j = 0; j < 4; j++)
				if (fds[j] >= 0)
					close(fds[j]);
			munmap(bss, size);
			return err;
		}
	t->fd_events = fds[0];
	t->fd_cmdlines = fds[1];
	t->fd_sent_cgroups = fds[2];
	t->fd_totals = fds[3];
	/* a program run after ready (loader__touch_ring); -1: not there */
	t->fd_ring_touch = fcntl(bpf_program__fd(skel->progs.ring_touch), F_DUPFD_CLOEXEC, 3);
	t->bss = bss;
	t->bss_size = size;
	/* the deferred wake-up's timer lives while user space holds its map:
	 * the kernel cancels and frees a map's timers with its last fd */
	t->fd_wake_timer = t->wake_deferred ?
			   fcntl(bpf_map__fd(skel->maps.wake_timer), F_DUPFD_CLOEXEC, 3) : -1;
	if (t->wake_deferred && t->fd_wake_timer < 0) {
		/* without it, the totals wake userspace themselves again */
		t->bss->wake_deferred = 0;
		t->wake_deferred = false;
	}
	t->shed = true;
	oomtrace_bpf__destroy(t->heavy);
	t->heavy = NULL;
	oomtrace_bpf__destroy(skel);
	t->skel = NULL;
	return 0;
}

/*
 * MemTotal/SwapTotal in pages, for BPF's totalpages when kallsyms hides the
 * kernel's own counters. Called after every event, so it reads into a stack
 * buffer: nothing to allocate under memory pressure.
 */
void loader__refresh_meminfo(struct loader *t)
{
	long page_kb = sysconf(_SC_PAGESIZE) / 1024;
	struct proc_meminfo mi;
	char text[8192];

	struct oomtrace_bpf__bss *bss = bss_of(t);

	if (!bss || procfs_read_file("/proc/meminfo", text, sizeof(text)) < 0 ||
	    procfs_parse_meminfo(text, &mi))
		return;
	bss->meminfo_ram_pages = mi.mem_total_kb / page_kb;
	bss->meminfo_swap_pages = mi.swap_total_kb / page_kb;
}

void loader__set_ldso_r_debug(struct loader *t, uint64_t vaddr)
{
	struct oomtrace_bpf__bss *bss = bss_of(t);

	if (bss)
		bss->ldso_r_debug = vaddr;
}

uint64_t loader__dropped(const struct loader *t)
{
	struct oomtrace_bpf__bss *bss = bss_of(t);

	return bss ? bss->drops.ringbuf_full : 0;
}

uint64_t loader__wakes_at_once(const struct loader *t)
{
	struct oomtrace_bpf__bss *bss = bss_of(t);

	return bss ? bss->wakes_at_once : 0;
}

int loader__oom_totals(const struct loader *t, uint64_t oom_id, uint64_t *ret_candidates,
		       uint64_t *ret_lost)
{
	uint32_t slot = (uint32_t)(oom_id % OOMT_TOTALS_SLOTS);
	struct oomt_totals tot;

	if (t->shed ? bpf_map_lookup_elem(t->fd_totals, &slot, &tot) :
	    !t->skel || bpf_map__lookup_elem(t->skel->maps.totals, &slot, sizeof(slot), &tot,
					     sizeof(tot), 0))
		return -ENOENT;
	if (tot.oom_id != oom_id)	/* never written for it, or reused by a later OOM */
		return -ENOENT;
	*ret_candidates = tot.candidates;
	*ret_lost = tot.lost;
	return 0;
}

int loader__ringbuf_fd(const struct loader *t)
{
	return t->shed ? t->fd_events : bpf_map__fd(t->skel->maps.events);
}

int loader__cmdlines_fd(const struct loader *t)
{
	return t->shed ? t->fd_cmdlines : bpf_map__fd(t->skel->maps.cmdlines);
}

void loader__forget_cgroup(const struct loader *t, uint64_t id)
{
	bpf_map_delete_elem(t->shed ? t->fd_sent_cgroups : bpf_map__fd(t->skel->maps.sent_cgroups),
			    &id);
}

void loader__objects(const void **full, size_t *full_size, const void **compat,
		     size_t *compat_size)
{
	*full = oomtrace_bpf__elf_bytes(full_size);
	*compat = oomtrace_compat_bpf__elf_bytes(compat_size);
}

int loader__touch_ring(struct loader *t, int (*consume)(void *), void *arg)
{
	int fd = t->shed ? t->fd_ring_touch : bpf_program__fd(t->skel->progs.ring_touch);
	size_t pages = t->ring_bytes / 4096, done = 0;
	uint64_t args[1] = { 0 };

	if (fd < 0)
		return -EBADF;
	while (done < pages) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));
		int ret = bpf_prog_test_run_opts(fd, &opts);

		if (ret)
			return ret < 0 ? ret : -EINVAL;
		done += opts.retval;
		consume(arg);
		if (!opts.retval)	/* full of what is being read: enough */
			break;
	}
	return (int)done;
}

/* Add program ID's run time and count to RET: 0 or -errno. */
static int add_prog_time(uint32_t id, struct bpf_time *ret)
{
	struct bpf_prog_info pi = {};
	__u32 len = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(id), err = 0;

	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &pi, &len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	ret->run_ns += pi.run_time_ns;
	ret->runs += pi.run_cnt;
	if (pi.run_time_ns > ret->top_ns) {
		ret->top_ns = pi.run_time_ns;
		snprintf(ret->top, sizeof(ret->top), "%s", pi.name);
	}
	return 0;
}

int loader__bpf_time(const struct loader *t, struct bpf_time *ret)
{
	int err;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < t->n_links && i < MAX_PROG_IDS; i++)
		if (t->prog_ids[i] && (err = add_prog_time(t->prog_ids[i], ret)))
			return err;
	ret->ooms = t->shed ? t->bss->next_oom_id : t->skel->bss->next_oom_id;
	return 0;
}
