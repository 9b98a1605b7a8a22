// SPDX-License-Identifier: GPL-2.0
/* Ring-buffer records to assembled events. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oomtrace.h"
#include "assemble.h"
#include "cgroup_names.h"
#include "clock_now.h"
#include "ksyms.h"
#include "ustack.h"

/* recent oom_id -> seq pairs of emitted events, for aftermath records: a
 * victim stuck for seconds may exit after many later kills */
#define SEQ_MAP 1024

/* A KILL record's user stack, symbolized when its event completes. */
struct pending_ustack {
	bool pending;
	uint32_t pid;
	int n_ips, n_builds;
	uint64_t ips[OOMT_USTACK_MAX];
	struct oomt_ubuild builds[OOMT_USTACK_MAX];
	char exe[OOMT_EXE_DEPTH * (OOMT_EXE_NAME + 1) + 1];
	uint64_t exe_start_code;	/* where its code was mapped (mm->start_code) */
	/* the trigger's objects, read from its maps when its OOM's records came */
	uint32_t capture_pid;		/* the trigger whose maps are to be read */
	struct usym_space space;
	uint64_t space_mono_ns;		/* when it was captured */
	struct oomt_ustack *copy;	/* room for copy_max bytes of stack */
	uint32_t copy_max;
	bool have_copy;
	struct oomt_ulinks *links;	/* its objects, as its dynamic linker listed them */
	bool have_links;
};

struct assembler {
	struct assembler_ops ops;
	size_t keep;
	struct ksyms_cache *ksyms;
	struct cgroup_names *cgroups;
	struct oom_event *ev;		/* fixed storage, reused by every event */
	struct oom_event *cur;		/* ev while an event is open, else NULL */
	uint64_t cur_offered;		/* candidates offered, kept or not */
	struct oom_task chosen;		/* KILL's chosen task, if the VICTIM record is lost */
	uint64_t cur_oom_id;
	bool cur_walk_cut;		/* its task walk stopped at the bound (compat object) */
	bool cur_pid_only_victim;	/* a victim known by its pid alone */
	bool cur_marked_only;		/* its chosen was marked, not killed (OOMT_END_MARKED_ONLY) */
	struct pending_ustack ustack;	/* of the event being assembled */
	uint64_t cur_last_mono_ns;	/* when its last record arrived */
	uint64_t seq;
	uint64_t dropped_seen;		/* global drop count at the last completion */
	/* out_of_memory() calls that killed nothing since the last event */
	uint64_t ooms_without_kill;
	uint64_t unmatched;		/* aftermath records tied to no known event */
	struct { uint64_t oom_id, seq; } seq_map[SEQ_MAP];
	/* aftermath that arrived while its event was still pending: one per
	 * victim and stage, so as many as an oom.group kill has members */
	struct oom_aftermath *held;
	size_t n_held, cap_held;
	/* victims whose exit record is still to come, and until when to poll */
	struct { int32_t pid; uint64_t until_mono_ns; } awaiting[ASSEMBLE_EXIT_WATCH_MAX];
	size_t n_awaiting;
	uint64_t reaper_until_mono_ns;
};

static void capture_trigger(struct assembler *a, const struct oom_event *ev);

/* BPF timestamps are CLOCK_BOOTTIME; events carry wall-clock time. */
static uint64_t boot_to_realtime(uint64_t boot_ns)
{
	return boot_ns + clock_now_ns(CLOCK_REALTIME) - clock_now_ns(CLOCK_BOOTTIME);
}

/* A name dropped to make room: the BPF side must send it again. */
static void forget_cgroup(void *arg, uint64_t id)
{
	struct assembler *a = arg;

	if (a->ops.forget_cgroup)
		a->ops.forget_cgroup(a->ops.arg, id);
}

struct assembler *assembler__new(const struct assembler_ops *ops, size_t keep_candidates,
				 struct ksyms_cache *ksyms)
{
	struct oom_event_caps caps = {
		.victims = ASSEMBLE_MAX_VICTIMS,
		.candidates = keep_candidates && keep_candidates < ASSEMBLE_MAX_CANDIDATES ?
			      keep_candidates : ASSEMBLE_MAX_CANDIDATES,
		.kernel_frames = OOMT_KSTACK_MAX,
		/* DWARF unwinding goes deeper than the kernel's walk, and
		 * inlined calls are frames of their own */
		.user_frames = ASSEMBLE_MAX_USER_FRAMES,
		.grow_candidates = keep_candidates == 0,
	};
	struct assembler *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cgroups = cgroup_names__new(ASSEMBLE_CGROUP_NAMES, forget_cgroup, a);
	a->ev = oom_event__new_fixed(&caps);
	/* the live tracer names frames from local files only: libdw would
	 * otherwise ask the debuginfod servers of DEBUGINFOD_URLS, network
	 * round trips while events wait (report --symbolize may) */
	unsetenv("DEBUGINFOD_URLS");
	/* sized as asked of the BPF side: mlockall keeps all of it resident */
	a->ustack.copy_max = ops->ustack_copy && ops->ustack_copy < OOMT_USTACK_COPY_MAX ?
			     ops->ustack_copy : OOMT_USTACK_COPY_MAX;
	a->ustack.copy = malloc(sizeof(*a->ustack.copy) + a->ustack.copy_max);
	a->ustack.links = malloc(sizeof(*a->ustack.links));
	usym_space_init(&a->ustack.space);
	/* the first held aftermath record allocated on the event path */
	a->held = malloc(ASSEMBLE_HELD_PREALLOC * sizeof(*a->held));
	a->cap_held = a->held ? ASSEMBLE_HELD_PREALLOC : 0;
	if (!a->cgroups || !a->ev || !a->ustack.copy || !a->ustack.links || !a->held) {
		free(a->held);
		free(a->ustack.copy);
		free(a->ustack.links);
		cgroup_names__free(a->cgroups);
		oom_event__free(a->ev);
		free(a);
		return NULL;
	}
	a->ops = *ops;
	a->keep = keep_candidates;
	a->ksyms = ksyms;
	return a;
}

void assembler__free(struct assembler *a)
{
	if (!a)
		return;
	oom_event__free(a->ev);
	cgroup_names__free(a->cgroups);
	usym_space_reset(&a->ustack.space);
	free(a->ustack.copy);
	free(a->ustack.links);
	free(a->held);
	free(a);
}

uint64_t assembler__events(const struct assembler *a)
{
	return a->seq;
}

uint64_t assembler__unmatched(const struct assembler *a)
{
	return a->unmatched;
}

bool assembler__pending(const struct assembler *a)
{
	return a->cur != NULL;
}

static const char *mode_name(uint32_t mode)
{
	switch (mode) {
	case OOMT_MODE_FENTRY: return "fentry";
	case OOMT_MODE_KPROBE: return "kprobe";
	case OOMT_MODE_TRACEPOINT: return "tracepoint";
	default: return "unknown";
	}
}

static void set_cgroup(struct assembler *a, struct oom_task *t, uint64_t id)
{
	if (id && !cgroup_names__path(a->cgroups, id, t->cgroup, sizeof(t->cgroup)))
		t->has |= TASK_HAS_CGROUP;
}

static enum oom_skip skip_of(uint32_t flags)
{
	if (flags & OOMT_TASK_SKIP_ADJ_MIN)
		return OOM_SKIP_ADJ_MIN;
	if (flags & OOMT_TASK_SKIP_MM_SKIP)
		return OOM_SKIP_MM_SKIP;
	if (flags & OOMT_TASK_SKIP_VFORK)
		return OOM_SKIP_VFORK;
	if (flags & OOMT_TASK_SKIP_NO_MM)
		return OOM_SKIP_NO_MM;
	return OOM_SKIP_UNKNOWN;
}

/* Convert the ABI task; cgroup paths are resolved when the event completes. */
static void task_from_rec(struct oom_task *t, const struct oomt_task *r)
{
	memset(t, 0, sizeof(*t));
	t->has = TASK_HAS_PID | TASK_HAS_TID | TASK_HAS_UID | TASK_HAS_ADJ | TASK_HAS_COMM;
	t->pid = (int32_t)r->pid;
	t->tid = (int32_t)r->tid;
	t->uid = r->uid;
	t->oom_score_adj = r->oom_score_adj;
	memcpy(t->comm, r->comm, OOMT_COMM_LEN);
	t->comm[OOMT_COMM_LEN - 1] = '\0';
	if (r->flags & OOMT_TASK_MEM) {
		t->has |= TASK_HAS_MEM | TASK_HAS_TOTAL_VM;
		t->total_vm_pages = r->total_vm;
		t->rss_anon_pages = r->rss_anon;
		t->rss_file_pages = r->rss_file;
		t->rss_shmem_pages = r->rss_shmem;
		t->swap_pages = r->swap;
		t->pgtables_bytes = r->pgtables_bytes;
	}
	if (r->flags & OOMT_TASK_POINTS) {
		t->has |= TASK_HAS_POINTS;
		t->points = r->points;
	} else if (r->flags & (OOMT_TASK_SKIP_ADJ_MIN | OOMT_TASK_SKIP_MM_SKIP |
			       OOMT_TASK_SKIP_VFORK | OOMT_TASK_SKIP_NO_MM) ||
		   r->points == INT64_MIN) {
		t->skip = skip_of(r->flags);
	}
	if (r->flags & OOMT_TASK_COMPUTED)
		t->has |= TASK_POINTS_ESTIMATED;
	if (r->flags & OOMT_TASK_EXACT && r->flags & OOMT_TASK_MEM) {
		t->has |= TASK_HAS_RSS_PRECISE;
		t->rss_precise_pages = r->rss_exact;
		t->swap_precise_pages = r->swap_exact;
	}
	t->cgroup_id = r->cgroup_id;
}

static void resolve_task_cgroup(struct assembler *a, struct oom_task *t)
{
	set_cgroup(a, t, t->cgroup_id);
}

static struct oom_event *open_event(struct assembler *a, const struct oomt_hdr *h)
{
	struct oom_event *ev = a->ev;

	oom_event__clear(ev);
	a->cur_offered = 0;
	a->cur_walk_cut = false;
	a->cur_pid_only_victim = false;
	a->cur_marked_only = false;
	a->ustack.pending = false;
	a->ustack.have_copy = false;
	a->ustack.have_links = false;
	ev->mode = mode_name(h->mode);
	ev->source = "bpf";
	ev->time_ns = boot_to_realtime(h->ts_ns);
	ev->page_size = (uint32_t)sysconf(_SC_PAGESIZE);
	ev->has |= EV_HAS_CANDIDATES;
	/* function tracing sees every out_of_memory() call, also those without a kill */
	if (h->mode == OOMT_MODE_FENTRY || h->mode == OOMT_MODE_KPROBE)
		ev->has |= EV_HAS_OOM_CALLS;
	memset(&a->chosen, 0, sizeof(a->chosen));
	a->cur = ev;
	a->cur_oom_id = h->oom_id;
	return ev;
}

static void remember_seq(struct assembler *a, uint64_t oom_id, uint64_t seq)
{
	size_t i = oom_id % SEQ_MAP;

	a->seq_map[i].oom_id = oom_id;
	a->seq_map[i].seq = seq;
}

static uint64_t seq_of(const struct assembler *a, uint64_t oom_id)
{
	size_t i = oom_id % SEQ_MAP;

	return oom_id && a->seq_map[i].oom_id == oom_id ? a->seq_map[i].seq : 0;
}

/* No kernel function is this long: a larger offset is an address in no
 * listed symbol (a JIT-ed BPF program, a trampoline). */
#define KSYM_MAX_OFFSET (1u << 20)

/* Frames of the tracing machinery itself, above the traced kernel path. */
static bool is_tracing_frame(const struct oom_frame *f)
{
	static const char *prefixes[] = {
		"bpf_", "__bpf_", "__traceiter_", "trace_call_bpf", "perf_", "kprobe_",
		"__kprobes", "ftrace_", "arch_ftrace", "kretprobe_", "__kretprobe",
		"rethook_", "arch_rethook", "__rethook",
	};

	if (!f->sym[0])
		return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(f->sym, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* Name what this kernel could not give under the event's "missing" (a comma list). */
static void missing_add(struct oom_event *ev, const char *what)
{
	size_t n = strlen(ev->missing);

	snprintf(ev->missing + n, sizeof(ev->missing) - n, "%s%s", n ? "," : "", what);
}

/*
 * Before 5.16 the unwinder stops at a kretprobe's trampoline (the return
 * address it hijacked): a stack taken under a kretprobe on out_of_memory()
 * ends there, its callers unknown.
 */
static bool stack_cut_by_kretprobe(const struct oom_event *ev)
{
	const struct oom_frame *last;

	if (!ev->n_kernel_stack)
		return false;
	last = &ev->kernel_stack[ev->n_kernel_stack - 1];
	return !strcmp(last->sym, "kretprobe_trampoline") ||
	       !strcmp(last->sym, "__kretprobe_trampoline");
}

static void symbolize_kernel(struct assembler *a, struct oom_event *ev)
{
	uint64_t addrs[KSYMS_CACHE_BATCH];
	size_t skip = 0, n = 0;

	for (size_t i = 0; i < ev->n_kernel_stack && n < KSYMS_CACHE_BATCH; i++)
		addrs[n++] = ev->kernel_stack[i].addr;
	/* a failed scan leaves frames unresolved; the session reports the count */
	if (a->ksyms && n)
		ksyms_cache__fill(a->ksyms, addrs, n);
	for (size_t i = 0; i < ev->n_kernel_stack; i++) {
		struct oom_frame *f = &ev->kernel_stack[i];
		struct ksym s;

		if (ksyms_cache__find(a->ksyms, f->addr, &s) ||
		    (!s.module && f->addr - s.addr > KSYM_MAX_OFFSET))
			continue;
		snprintf(f->sym, sizeof(f->sym), "%s", s.name);
		f->offset = f->addr - s.addr;
		if (s.module)
			snprintf(f->module, sizeof(f->module), "%s", s.module);
	}
	while (skip < ev->n_kernel_stack && is_tracing_frame(&ev->kernel_stack[skip]))
		skip++;
	if (skip == ev->n_kernel_stack)	/* nothing recognisable: keep it all */
		return;
	memmove(ev->kernel_stack, ev->kernel_stack + skip,
		(ev->n_kernel_stack - skip) * sizeof(*ev->kernel_stack));
	ev->n_kernel_stack -= skip;
}

/*
 * Per-OOM totals come from BPF's count in COUNTS/END, or, when those records
 * were lost as well, from its totals map. Without either, the global drop
 * counter still moved: never report fewer losses than that.
 */
static void account_drops(struct assembler *a, struct oom_event *ev)
{
	uint64_t now = 0, delta = 0, cands, lost;

	if (a->ops.dropped) {
		now = a->ops.dropped(a->ops.arg);
		delta = now - a->dropped_seen;
		a->dropped_seen = now;
	}
	if (a->ops.totals && !a->ops.totals(a->ops.arg, a->cur_oom_id, &cands, &lost)) {
		if (cands > ev->candidates_total)
			ev->candidates_total = cands;
		if (lost > ev->lost_events)
			ev->lost_events = lost;
		return;
	}
	if (delta > ev->lost_events)
		ev->lost_events = delta;
}

/* Finish the pending event: victims, ranks, paths; hand it out. */
/* An emitted event's victims: their exits (and the reaper) are awaited. */
static void watch_aftermath(struct assembler *a, const struct oom_event *ev)
{
	uint64_t now = mono_ns();

	a->reaper_until_mono_ns = now + ASSEMBLE_REAPER_WATCH_MS * 1000000ull;
	for (size_t i = 0; i < ev->n_victims && a->n_awaiting < ASSEMBLE_EXIT_WATCH_MAX; i++) {
		a->awaiting[a->n_awaiting].pid = ev->victims[i].pid;
		a->awaiting[a->n_awaiting].until_mono_ns = now + ASSEMBLE_EXIT_WATCH_MS * 1000000ull;
		a->n_awaiting++;
	}
}

/* Forget awaited exits that came (PID) or are overdue (PID 0: only those). */
static void unwatch_exits(struct assembler *a, int32_t pid)
{
	uint64_t now = mono_ns();
	size_t kept = 0;

	for (size_t i = 0; i < a->n_awaiting; i++) {
		if ((pid && a->awaiting[i].pid == pid) || a->awaiting[i].until_mono_ns <= now)
			continue;
		a->awaiting[kept++] = a->awaiting[i];
	}
	a->n_awaiting = kept;
}

static void complete(struct assembler *a)
{
	struct oom_event *ev = a->cur;

	if (!ev)
		return;
	a->cur = NULL;
	/* every task offered was evaluated, kept or not */
	if (ev->candidates_total < a->cur_offered)
		ev->candidates_total = a->cur_offered;
	for (size_t i = 0; i < ev->n_candidates; i++) {
		struct oom_task *c = &ev->candidates[i], *prev = i ? c - 1 : NULL;

		/* the candidates of an OOM mostly share their cgroup: its path
		 * is made once for a run of them */
		if (prev && prev->has & TASK_HAS_CGROUP && prev->cgroup_id == c->cgroup_id) {
			memcpy(c->cgroup, prev->cgroup, strlen(prev->cgroup) + 1);
			c->has |= TASK_HAS_CGROUP;
			continue;
		}
		resolve_task_cgroup(a, c);
	}
	for (size_t i = 0; i < ev->n_victims; i++) {
		struct oom_task *v = &ev->victims[i];

		resolve_task_cgroup(a, v);
		/* a victim record without points takes them from its candidate row */
		for (size_t j = 0; j < ev->n_candidates && !(v->has & TASK_HAS_POINTS); j++) {
			const struct oom_task *c = &ev->candidates[j];

			if (c->pid == v->pid && c->has & TASK_HAS_POINTS) {
				v->points = c->points;
				v->has |= TASK_HAS_POINTS | (c->has & TASK_POINTS_ESTIMATED);
			}
		}
		/* its row ranked below the kept ones: the kernel's own choice says */
		if (!(v->has & TASK_HAS_POINTS) && ev->has & EV_HAS_CHOSEN &&
		    v->pid == ev->chosen_pid && a->chosen.has & TASK_HAS_POINTS) {
			v->points = ev->chosen_points;
			v->has |= TASK_HAS_POINTS | (a->chosen.has & TASK_POINTS_ESTIMATED);
		}
	}
	resolve_task_cgroup(a, &ev->trigger);
	if (ev->memcg_id &&
	    !cgroup_names__path(a->cgroups, ev->memcg_id, ev->memcg, sizeof(ev->memcg)))
		ev->has |= EV_HAS_MEMCG;
	if (ev->n_victims) {
		ev->victim = ev->victims[0];
		ev->has |= EV_HAS_VICTIM;
	} else if (a->chosen.pid && !a->cur_marked_only) {
		/* the VICTIM record was lost: the kernel's choice still names it
		 * (unless the kernel only marked it, exiting already) */
		ev->victim = a->chosen;
		resolve_task_cgroup(a, &ev->victim);
		ev->has |= EV_HAS_VICTIM;
	}
	account_drops(a, ev);
	/*
	 * out_of_memory() often returns without a kill: an earlier victim is
	 * still exiting, or the caller is. Only fentry/kprobe see those calls;
	 * they are counted onto the next kill, not reported one by one. Even a
	 * victimless OOM is reported when records of it were lost.
	 */
	if (!(ev->has & EV_HAS_VICTIM) && !ev->lost_events) {
		a->ooms_without_kill++;
		a->n_held = 0;
		return;
	}
	ev->seq = ++a->seq;
	remember_seq(a, a->cur_oom_id, ev->seq);
	if (ev->has & EV_HAS_OOM_CALLS) {
		ev->ooms_without_kill = a->ooms_without_kill;
		a->ooms_without_kill = 0;
	}
	symbolize_kernel(a, ev);
	if (stack_cut_by_kretprobe(ev))
		missing_add(ev, "kernel_stack_past_kretprobe");
	if (a->cur_walk_cut)
		missing_add(ev, "candidates_past_walk_bound");
	if (a->cur_pid_only_victim)
		missing_add(ev, "victim_task_fields");
	capture_trigger(a, ev);	/* its COUNTS or END lost */
	if (a->ustack.pending) {
		struct pending_ustack *u = &a->ustack;

		ustack_fill(ev, u->pid, u->exe[0] ? u->exe : NULL, u->exe_start_code, u->ips,
			    u->n_ips, u->builds, u->n_builds, &u->space,
			    u->have_copy ? u->copy : NULL, u->have_links ? u->links : NULL);
		u->pending = false;
	}
	usym_space_reset(&a->ustack.space);
	a->ustack.have_copy = false;
	a->ustack.have_links = false;
	oom_event__rank(ev, a->keep);
	a->ops.event(ev, a->ops.arg);
	watch_aftermath(a, ev);
	for (size_t i = 0; i < a->n_held; i++) {
		a->held[i].oom_seq = ev->seq;
		if (!strcmp(a->held[i].kind, "victim_exit"))	/* came before its event */
			unwatch_exits(a, a->held[i].pid);
		a->ops.aftermath(&a->held[i], a->ops.arg);
	}
	a->n_held = 0;
}

/*
 * The trigger's objects, read from its maps once per process, when the
 * OOM's records have come (they come together: only the last wakes
 * userspace; capture_trigger() runs at it). A trigger the OOM killed is
 * left alone: it is exiting, its maps are going, and a lookup of
 * /proc/PID while it exits spins on its task lock (measured here: 0.5-2.7
 * ms of the tracer's CPU per OOM, a third to a half of all of it); its
 * objects come with the kill (the ULINKS record, the executable's path and
 * the build ids). The objects are kept over out_of_memory() calls that kill
 * nothing (the same task retries) and dropped when an event is emitted.
 */
static void capture_space(struct assembler *a, uint32_t pid)
{
	struct usym_space *s = &a->ustack.space;
	uint64_t now = mono_ns();

	/* a second is long for a retry, short for a library to be loaded */
	if (!pid || (s->n && s->pid == pid && now - a->ustack.space_mono_ns < 1000000000ull))
		return;
	usym_space_reset(s);
	usym_space_from_maps(s, pid);
	a->ustack.space_mono_ns = now;
}

static bool killed_in(const struct oom_event *ev, uint32_t pid)
{
	for (size_t i = 0; i < ev->n_victims; i++)
		if (ev->victims[i].has & TASK_HAS_PID && (uint32_t)ev->victims[i].pid == pid)
			return true;
	return false;
}

/* At the record that closes the OOM's batch (COUNTS, END), or at its
 * completion: the trigger's maps, unless the OOM killed it. */
static void capture_trigger(struct assembler *a, const struct oom_event *ev)
{
	uint32_t pid = a->ustack.capture_pid;

	if (!pid)
		return;
	a->ustack.capture_pid = 0;
	if (killed_in(ev, pid)) {
		struct usym_space *s = &a->ustack.space;

		/* what an out_of_memory() call that killed nothing captured is
		 * kept for the same task only: another's objects (the tracer
		 * itself, allocating in a global OOM) are not this stack's */
		if (s->pid != pid) {
			usym_space_reset(s);
			s->pid = pid;
		}
		s->no_maps = true;
		return;
	}
	capture_space(a, pid);
}

/* "/a/b/exe" from the KILL record's components (file first); "" if incomplete. */
static void exe_path_of(const struct oomt_kill *k, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (!k->exe_complete || !k->exe_depth || k->exe_depth > OOMT_EXE_DEPTH)
		return;
	for (uint32_t i = k->exe_depth; i-- > 0;) {
		int n = snprintf(buf + len, size - len, "/%.*s", OOMT_EXE_NAME, k->exe[i]);

		if (n < 0 || (size_t)n >= size - len) {
			buf[0] = '\0';
			return;
		}
		len += (size_t)n;
	}
}

/* The OOM memcg's page counters at the kill (domain_live.c adds the breakdown). */
static void domain_counters(struct oom_event *ev, const struct oomt_kill *k)
{
	uint64_t kb = ev->page_size / 1024;
	bool v2 = k->flags & OOMT_KILL_V2;
	struct dm_counters c = {
		.has_mem = true, .mem_usage = k->mem_usage * kb, .mem_limit = k->mem_max * kb,
		.has_swap = v2, .swap_usage = k->swap_usage * kb, .swap_limit = k->swap_max * kb,
		.has_memsw = !v2, .memsw_usage = k->swap_usage * kb,
		.memsw_limit = k->swap_max * kb,
		.has_kmem = k->flags & OOMT_KILL_KMEM, .kmem_usage = k->kmem_usage * kb,
	};

	domain_memory_set_counters(&ev->domain_memory, &c);
	ev->has |= EV_HAS_DOMAIN_MEMORY;
}

/*
 * A global OOM's counters at the kill, made into domain_memory as
 * kmsg_domain.c makes the kernel's Mem-Info: shmem sits on the anon LRU
 * lists, so anon is given without it and file with it. domain_live.c adds
 * what a kill does not change (MemTotal, hugetlb, percpu, swap) and usage.
 */
static void domain_vmstat(struct oom_event *ev, const struct oomt_kill *k)
{
	static const struct { enum dm_key key; enum oomt_vmstat vm; } same[] = {
		{ DM_FREE, OOMT_VM_FREE }, { DM_SHMEM, OOMT_VM_SHMEM },
		{ DM_SLAB_RECLAIMABLE, OOMT_VM_SLAB_RECLAIMABLE },
		{ DM_SLAB_UNRECLAIMABLE, OOMT_VM_SLAB_UNRECLAIMABLE },
		{ DM_PAGETABLES, OOMT_VM_PAGETABLES }, { DM_UNEVICTABLE, OOMT_VM_UNEVICTABLE },
	};
	struct oom_domain_memory *dm = &ev->domain_memory;
	uint64_t kb = ev->page_size / 1024, shmem = k->vmstat[OOMT_VM_SHMEM];
	uint64_t anon = k->vmstat[OOMT_VM_ACTIVE_ANON] + k->vmstat[OOMT_VM_INACTIVE_ANON];

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		dm_set(dm, same[i].key, k->vmstat[same[i].vm] * kb);
	dm_set(dm, DM_KERNEL_STACK, k->vmstat[OOMT_VM_KERNEL_STACK_KB]);
	dm_set(dm, DM_ANON, (anon > shmem ? anon - shmem : 0) * kb);
	dm_set(dm, DM_FILE, (k->vmstat[OOMT_VM_ACTIVE_FILE] + k->vmstat[OOMT_VM_INACTIVE_FILE] +
			     shmem) * kb);
	ev->has |= EV_HAS_DOMAIN_MEMORY;
}

/*
 * The domain's reclaim in the window before the kill, as BPF summed it.
 * Whether its tracepoints were attached (and so whether these numbers
 * mean anything), and the window's length, run_up_live.c decides.
 */
static void run_up_reclaim(struct oom_event *ev, const struct oomt_kill *k)
{
	const struct oomt_runup *r = &k->runup;
	struct oom_run_up *ru = &ev->run_up;

	ru->has |= RU_HAS_RECLAIM;
	ru->window_s = OOMT_RUNUP_SLOTS * (uint32_t)(OOMT_RUNUP_SLOT_NS / 1000000000ull);
	ru->reclaim_episodes = r->episodes;
	ru->reclaim_stall_us = r->stall_ns / 1000;
	ru->trigger_stall_us = r->trigger_stall_ns / 1000;
	ru->pages_reclaimed = r->reclaimed;
	if (r->first_hit_ns && r->first_hit_ns <= k->hdr.ts_ns) {
		ru->first_limit_hit_ms_before = (k->hdr.ts_ns - r->first_hit_ns) / 1000000;
		ru->has |= RU_HAS_FIRST_HIT;
	}
	ev->has |= EV_HAS_RUN_UP;
}

static void on_kill(struct assembler *a, const struct oomt_kill *k)
{
	struct oom_event *ev = a->cur;


	if (k->flags & OOMT_KILL_CONSTRAINT) {
		ev->constraint = (enum oom_constraint)k->constraint;
		if (!(k->flags & OOMT_KILL_OC))
			ev->has |= EV_CONSTRAINT_INFERRED;
	}
	if (k->flags & OOMT_KILL_OC) {
		ev->gfp_mask = k->gfp_mask;
		ev->order = k->order;
		ev->has |= EV_HAS_GFP | EV_HAS_ORDER;
	}
	if (k->flags & OOMT_KILL_TOTALPAGES) {
		ev->totalpages = k->totalpages;
		ev->has |= EV_HAS_TOTALPAGES;
	}
	if (k->flags & OOMT_KILL_MEMCG)
		ev->memcg_id = k->memcg_id;	/* the path is resolved at completion */
	if (k->flags & OOMT_KILL_COUNTERS)
		domain_counters(ev, k);
	if (k->flags & OOMT_KILL_VMSTAT)
		domain_vmstat(ev, k);
	if (k->flags & OOMT_KILL_RUNUP)
		run_up_reclaim(ev, k);
	if (k->chosen.pid) {
		task_from_rec(&a->chosen, &k->chosen);
		ev->chosen_pid = (int32_t)k->chosen.pid;
		ev->chosen_points = k->chosen_points;
		ev->has |= EV_HAS_CHOSEN;
	}
	for (int i = 0; i < k->kstack_len / 8 && i < OOMT_KSTACK_MAX; i++) {
		struct oom_frame *f = oom_event__add_kframe(ev);

		if (!f) {
			ev->frames_dropped++;
			continue;
		}
		f->addr = k->kstack[i];
	}
	/*
	 * The user stack is symbolized when the event completes (in
	 * tracepoint mode ASSEMBLE_QUIET_MS after its last record), but the
	 * trigger's objects are captured at the record that closes this batch
	 * (capture_trigger()), their files held open until then: a trigger
	 * that survives may exit meanwhile; one the OOM killed is not read.
	 */
	a->ustack.capture_pid = k->trigger_pid;
	exe_path_of(k, a->ustack.exe, sizeof(a->ustack.exe));
	a->ustack.exe_start_code = k->exe_start_code;
	a->ustack.pid = k->trigger_pid;
	a->ustack.n_ips = k->ustack_len > 0 ? k->ustack_len / 8 : 0;
	a->ustack.n_builds = k->ubuild_len > 0 ? k->ubuild_len / (int)sizeof(struct oomt_ubuild) : 0;
	memcpy(a->ustack.ips, k->ustack, sizeof(a->ustack.ips));
	memcpy(a->ustack.builds, k->ubuild, sizeof(a->ustack.builds));
	a->ustack.pending = true;
}

static void hold_or_emit(struct assembler *a, struct oom_aftermath *am, uint64_t oom_id)
{
	if (a->cur && oom_id == a->cur_oom_id) {
		if (a->n_held == a->cap_held) {
			size_t cap = a->cap_held ? a->cap_held * 2 : 16;
			struct oom_aftermath *h = realloc(a->held, cap * sizeof(*h));

			if (!h) {
				a->unmatched++;
				return;
			}
			a->held = h;
			a->cap_held = cap;
		}
		a->held[a->n_held++] = *am;
		return;
	}
	am->oom_seq = seq_of(a, oom_id);
	if (!am->oom_seq) {
		a->unmatched++;
		return;
	}
	a->ops.aftermath(am, a->ops.arg);
}

static const char *reap_stage(uint32_t kind)
{
	switch (kind) {
	case OOMT_REAP_WAKE: return "wake";
	case OOMT_REAP_START: return "start";
	case OOMT_REAP_FINISH: return "finish";
	case OOMT_REAP_SKIP: return "skip";
	default: return "unknown";
	}
}

static size_t rec_size(uint32_t type)
{
	switch (type) {
	case OOMT_REC_BEGIN: return sizeof(struct oomt_begin);
	case OOMT_REC_CANDIDATE: return sizeof(struct oomt_candidate);
	case OOMT_REC_KILL: return sizeof(struct oomt_kill);
	case OOMT_REC_VICTIM: return sizeof(struct oomt_victim);
	case OOMT_REC_END: return sizeof(struct oomt_end);
	case OOMT_REC_CGROUP: return sizeof(struct oomt_cgroup);
	case OOMT_REC_REAP: return sizeof(struct oomt_reap);
	case OOMT_REC_EXIT: return sizeof(struct oomt_exit);
	case OOMT_REC_COUNTS: return sizeof(struct oomt_end);
	case OOMT_REC_USTACK: return sizeof(struct oomt_ustack);
	case OOMT_REC_ULINKS: return sizeof(struct oomt_ulinks);
	/* at least one candidate; the count is checked against the size read */
	case OOMT_REC_CANDIDATES:
		return offsetof(struct oomt_candidates, cand) + sizeof(struct oomt_cand);
	default: return 0;
	}
}

/* A CANDIDATES entry as the task of a CANDIDATE record: a thread-group
 * leader, its tid its pid; no exact sums (those come as CANDIDATE). */
static void task_of_cand(struct oomt_task *t, const struct oomt_cand *e)
{
	memset(t, 0, sizeof(*t));
	t->pid = t->tid = e->pid;
	t->uid = e->uid;
	t->oom_score_adj = e->oom_score_adj;
	t->points = e->points;
	t->total_vm = e->total_vm;
	t->rss_anon = e->rss_anon;
	t->rss_file = e->rss_file;
	t->rss_shmem = e->rss_shmem;
	t->swap = e->swap;
	t->pgtables_bytes = e->pgtables_bytes;
	t->cgroup_id = e->cgroup_id;
	t->flags = e->flags;
	memcpy(t->comm, e->comm, OOMT_COMM_LEN);
}

/* One candidate of the open event, from a CANDIDATE record or a CANDIDATES entry. */
static int offer_candidate(struct assembler *a, const struct oomt_task *rec)
{
	struct oom_task c;

	task_from_rec(&c, rec);
	a->cur_offered++;
	/* a victim (tracepoint mode sends them first) takes its points now,
	 * before its row can rank below the kept ones */
	for (size_t i = 0; i < a->cur->n_victims; i++) {
		struct oom_task *v = &a->cur->victims[i];

		if (v->pid == c.pid && !(v->has & TASK_HAS_POINTS) && c.has & TASK_HAS_POINTS) {
			v->points = c.points;
			v->has |= TASK_HAS_POINTS | (c.has & TASK_POINTS_ESTIMATED);
		}
	}
	/* what every candidate holds, also those not kept: unkillable_kb */
	domain_memory_hold(&a->cur->domain_memory, &c, a->cur->page_size);
	return oom_event__offer_candidate(a->cur, &c);
}

int assembler__feed(struct assembler *a, const void *data, size_t size)
{
	const struct oomt_hdr *h = data;
	struct oom_aftermath am = {};
	struct oom_task *t;

	if (size < sizeof(*h) || size < rec_size(h->type) || !rec_size(h->type))
		return -EINVAL;

	if (h->type == OOMT_REC_CGROUP) {
		const struct oomt_cgroup *c = data;
		char name[OOMT_CGROUP_NAME_LEN + 1];

		memcpy(name, c->name, OOMT_CGROUP_NAME_LEN);
		name[OOMT_CGROUP_NAME_LEN] = '\0';
		return cgroup_names__add(a->cgroups, c->id, c->parent_id, name);
	}
	if (h->type == OOMT_REC_REAP || h->type == OOMT_REC_EXIT) {
		am.time_ns = boot_to_realtime(h->ts_ns);
		if (h->type == OOMT_REC_REAP) {
			const struct oomt_reap *r = data;

			am.kind = "oom_reaper";
			am.pid = (int32_t)r->pid;
			am.stage = reap_stage(r->kind);
		} else {
			const struct oomt_exit *e = data;

			am.kind = "victim_exit";
			am.pid = (int32_t)e->pid;
			unwatch_exits(a, am.pid);
			am.kill_to_exit_ns = h->ts_ns - e->kill_ts_ns;
		}
		hold_or_emit(a, &am, h->oom_id);
		return 0;
	}

	/* records of an OOM: a new oom_id completes the previous one */
	if (h->oom_id != a->cur_oom_id || !a->cur) {
		complete(a);
		open_event(a, h);
	}
	a->cur_last_mono_ns = mono_ns();

	switch (h->type) {
	case OOMT_REC_BEGIN:
		task_from_rec(&a->cur->trigger, &((const struct oomt_begin *)data)->trigger);
		a->cur->trigger.has &= ~(TASK_HAS_POINTS | TASK_HAS_MEM | TASK_HAS_TOTAL_VM);
		a->cur->trigger.skip = OOM_SKIP_NONE;
		a->cur->has |= EV_HAS_TRIGGER;
		a->ustack.capture_pid = (uint32_t)a->cur->trigger.pid;
		break;
	case OOMT_REC_CANDIDATE:
		if (offer_candidate(a, &((const struct oomt_candidate *)data)->task) < 0)
			return -ENOMEM;
		break;
	case OOMT_REC_CANDIDATES: {
		const struct oomt_candidates *cs = data;

		if (!cs->count || cs->count > OOMT_CANDIDATES_MAX ||
		    size < offsetof(struct oomt_candidates, cand) +
			   (size_t)cs->count * sizeof(struct oomt_cand))
			return -EINVAL;
		for (uint32_t i = 0; i < cs->count; i++) {
			struct oomt_task t;

			task_of_cand(&t, &cs->cand[i]);
			if (offer_candidate(a, &t) < 0)
				return -ENOMEM;
		}
		break;
	}
	case OOMT_REC_KILL:
		on_kill(a, data);
		break;
	case OOMT_REC_USTACK: {
		const struct oomt_ustack *u = data;

		if (u->size > a->ustack.copy_max || size < sizeof(*u) + u->size)
			return -EINVAL;
		memcpy(a->ustack.copy, u, sizeof(*u) + u->size);
		a->ustack.have_copy = true;
		break;
	}
	case OOMT_REC_ULINKS: {
		const struct oomt_ulinks *l = data;

		if (l->n > OOMT_ULINKS_MAX)
			return -EINVAL;
		memcpy(a->ustack.links, l, sizeof(*l));
		a->ustack.have_links = true;
		break;
	}
	case OOMT_REC_VICTIM: {
		const struct oomt_victim *v = data;

		t = oom_event__add_victim(a->cur);
		if (!t) {
			a->cur->victims_dropped++;
			break;
		}
		task_from_rec(t, &v->task);
		if (!v->task.comm[0]) {	/* pid-only mark_victim, its task not found */
			t->has &= ~TASK_HAS_COMM;
			a->cur_pid_only_victim = true;
		}
		t->reason = v->task.flags & OOMT_TASK_GROUP ? OOM_VICTIM_GROUP :
			    v->task.flags & OOMT_TASK_SHARED_MM ? OOM_VICTIM_SHARED_MM :
			    OOM_VICTIM_CHOSEN;
		t->kill_ns = boot_to_realtime(h->ts_ns);
		if (a->cur->n_victims == 1)
			a->cur->time_ns = t->kill_ns;
		break;
	}
	case OOMT_REC_COUNTS:
	case OOMT_REC_END: {
		const struct oomt_end *e = data;

		/* running totals: the latest is the whole count so far */
		a->cur->lost_events = e->lost;
		a->cur->candidates_total = e->candidates;
		a->cur_walk_cut = e->flags & OOMT_END_WALK_TRUNCATED;
		a->cur_marked_only = e->flags & OOMT_END_MARKED_ONLY;
		capture_trigger(a, a->cur);
		if (h->type == OOMT_REC_END)
			complete(a);
		break;
	}
	}
	return 0;
}

int assembler__timeout_ms(struct assembler *a)
{
	uint64_t now = mono_ns(), due;

	if (a->cur) {
		due = a->cur_last_mono_ns + ASSEMBLE_QUIET_MS * 1000000ull;
		return now >= due ? 0 : (int)((due - now) / 1000000ull) + 1;
	}
	unwatch_exits(a, 0);
	if (a->n_awaiting || now < a->reaper_until_mono_ns)
		return ASSEMBLE_AFTERMATH_POLL_MS;
	return -1;
}

void assembler__flush(struct assembler *a, int force)
{
	if (a->cur && (force || assembler__timeout_ms(a) == 0))
		complete(a);
}
