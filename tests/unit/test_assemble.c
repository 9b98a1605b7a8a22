// SPDX-License-Identifier: GPL-2.0
/* Assembly of ring-buffer records into events, as the BPF side sends them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oomtrace.h"
#include "assemble.h"

struct seen {
	int events;
	struct oom_event last;		/* shallow copy of the scalar part */
	struct oom_task cands[8];
	size_t n_cands;
	char victim_cgroup[OOM_PATH_MAX];
	char ustack_sym0[128];		/* the first user frame's name, "" if none */
	int aftermaths;
	struct oom_aftermath am;
	uint64_t dropped;
	/* the BPF totals map's slot, as loader__oom_totals would read it */
	uint64_t totals_oom_id, totals_candidates, totals_lost;
};

static void on_event(struct oom_event *ev, void *arg)
{
	struct seen *s = arg;

	s->events++;
	s->last = *ev;
	s->n_cands = ev->n_candidates < 8 ? ev->n_candidates : 8;
	memcpy(s->cands, ev->candidates, s->n_cands * sizeof(*ev->candidates));
	strcpy(s->victim_cgroup, ev->victim.cgroup);
	strcpy(s->ustack_sym0, ev->n_user_stack ? ev->user_stack[0].sym : "");
	s->last.candidates = NULL;
	s->last.victims = NULL;
}

static void on_aftermath(const struct oom_aftermath *am, void *arg)
{
	struct seen *s = arg;

	s->aftermaths++;
	s->am = *am;
}

static uint64_t on_dropped(void *arg)
{
	return ((struct seen *)arg)->dropped;
}

static int on_totals(void *arg, uint64_t oom_id, uint64_t *ret_candidates, uint64_t *ret_lost)
{
	struct seen *s = arg;

	if (!s->totals_oom_id || s->totals_oom_id != oom_id)
		return -ENOENT;
	*ret_candidates = s->totals_candidates;
	*ret_lost = s->totals_lost;
	return 0;
}

static struct assembler *new_asm(struct seen *s, size_t keep)
{
	struct assembler_ops ops = {
		.event = on_event, .aftermath = on_aftermath, .totals = on_totals,
		.dropped = on_dropped, .arg = s,
	};

	memset(s, 0, sizeof(*s));
	return assembler__new(&ops, keep, NULL);
}

static void hdr(struct oomt_hdr *h, uint32_t type, uint64_t oom_id)
{
	h->type = type;
	h->mode = OOMT_MODE_FENTRY;
	h->oom_id = oom_id;
	h->ts_ns = 1000;
}

static void task(struct oomt_task *t, uint32_t pid, int64_t points, int32_t adj, uint64_t cg)
{
	memset(t, 0, sizeof(*t));
	t->pid = t->tid = pid;
	t->points = points;
	t->oom_score_adj = adj;
	t->rss_anon = 100;
	t->cgroup_id = cg;
	t->flags = OOMT_TASK_MEM | OOMT_TASK_POINTS;
	snprintf(t->comm, sizeof(t->comm), "task%u", pid);
}

static void feed_cgroup(struct assembler *a, uint64_t id, uint64_t parent, const char *name)
{
	struct oomt_cgroup c = {};

	hdr(&c.hdr, OOMT_REC_CGROUP, 1);
	c.id = id;
	c.parent_id = parent;
	snprintf(c.name, sizeof(c.name), "%s", name);
	assert_int_equal(assembler__feed(a, &c, sizeof(c)), 0);
}

static void feed_candidate(struct assembler *a, uint64_t oom, uint32_t pid, int64_t points,
			   int32_t adj)
{
	struct oomt_candidate c;

	hdr(&c.hdr, OOMT_REC_CANDIDATE, oom);
	task(&c.task, pid, points, adj, 5);
	if (adj == -1000) {
		c.task.flags = OOMT_TASK_MEM | OOMT_TASK_SKIP_ADJ_MIN;
		c.task.points = INT64_MIN;
	}
	assert_int_equal(assembler__feed(a, &c, sizeof(c)), 0);
}

static void feed_oom(struct assembler *a, uint64_t oom, bool with_victim, bool with_end)
{
	struct oomt_begin b;
	struct oomt_kill *k = calloc(1, sizeof(*k));
	struct oomt_victim v;
	struct oomt_end e = {};

	hdr(&b.hdr, OOMT_REC_BEGIN, oom);
	task(&b.trigger, 300, 0, 0, 5);
	assert_int_equal(assembler__feed(a, &b, sizeof(b)), 0);
	feed_candidate(a, oom, 100, 50, 0);
	feed_candidate(a, oom, 300, 900, 0);
	feed_candidate(a, oom, 200, 0, -1000);
	hdr(&k->hdr, OOMT_REC_KILL, oom);
	task(&k->chosen, 300, 900, 0, 5);
	k->chosen_points = 900;
	k->totalpages = 16384;
	k->memcg_id = 5;
	k->gfp_mask = 0xcc0;
	k->constraint = 3;
	k->flags = OOMT_KILL_OC | OOMT_KILL_MEMCG | OOMT_KILL_TOTALPAGES | OOMT_KILL_CONSTRAINT;
	k->trigger_pid = 300;
	k->kstack_len = 16;
	k->kstack[0] = 0xffffffff81000010;
	k->kstack[1] = 0xffffffff81000020;
	assert_int_equal(assembler__feed(a, k, sizeof(*k)), 0);
	free(k);
	if (with_victim) {
		hdr(&v.hdr, OOMT_REC_VICTIM, oom);
		task(&v.task, 300, 0, 0, 5);
		v.task.flags = OOMT_TASK_MEM;	/* mark_victim does not carry points */
		assert_int_equal(assembler__feed(a, &v, sizeof(v)), 0);
	}
	if (with_end) {
		hdr(&e.hdr, OOMT_REC_END, oom);
		e.candidates = 3;
		e.killed = 1;
		assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
	}
}

static void test_full_oom(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);

	(void)state;
	assert_int_equal(assembler__timeout_ms(a), -1);	/* idle: nothing polls */
	feed_cgroup(a, 1, 0, "");
	feed_cgroup(a, 5, 1, "oomtest");
	feed_oom(a, 1, true, true);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.last.seq, 1);
	assert_string_equal(s.last.mode, "fentry");
	assert_int_equal(s.last.constraint, OOM_CONSTRAINT_MEMCG);
	assert_true(s.last.has & EV_HAS_MEMCG);
	assert_string_equal(s.last.memcg, "/oomtest");
	assert_int_equal(s.last.totalpages, 16384);
	assert_int_equal(s.last.gfp_mask, 0xcc0);
	assert_int_equal(s.last.victim.pid, 300);
	assert_int_equal(s.last.victim.points, 900);	/* taken from its candidate row */
	assert_string_equal(s.victim_cgroup, "/oomtest");
	assert_int_equal(s.last.candidates_total, 3);
	assert_int_equal(s.cands[0].pid, 300);
	assert_int_equal(s.cands[1].pid, 100);
	assert_int_equal(s.cands[2].pid, 200);
	assert_int_equal(s.cands[2].skip, OOM_SKIP_ADJ_MIN);
	assert_false(s.cands[2].has & TASK_HAS_POINTS);
	assert_int_equal(s.last.n_kernel_stack, 2);
	assert_int_equal(s.last.lost_events, 0);
	/* nothing pending, but the victim's exit and the reaper are awaited */
	assert_int_equal(assembler__timeout_ms(a), ASSEMBLE_AFTERMATH_POLL_MS);
	assembler__free(a);
}

static void test_tracepoint_mode_flushes_on_quiet_or_next(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 2);

	(void)state;
	feed_oom(a, 1, true, false);
	assert_int_equal(s.events, 0);			/* still open */
	assert_true(assembler__timeout_ms(a) > 0);
	feed_oom(a, 2, true, false);			/* the next OOM completes it */
	assert_int_equal(s.events, 1);
	assert_int_equal(s.n_cands, 2);			/* top-K */
	assert_int_equal(s.last.candidates_total, 3);
	assembler__flush(a, 1);
	assert_int_equal(s.events, 2);
	assert_int_equal(s.last.seq, 2);
	assembler__free(a);
}

static void test_lost_victim_still_reported(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);

	(void)state;
	s.dropped = 0;
	feed_oom(a, 1, false, false);
	s.dropped = 4;					/* the ring buffer refused 4 */
	assembler__flush(a, 1);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.last.victim.pid, 300);	/* the kernel's choice */
	assert_int_equal(s.last.lost_events, 4);
	assembler__free(a);
}

/*
 * oom_kill_process() chose a task exiting already and only marked it
 * (OOMT_END_MARKED_ONLY, no VICTIM record): no kill to report, though the
 * KILL record names the chosen; it counts as an OOM without a kill, onto
 * the next event. Without the flag, the same records are a kill whose
 * VICTIM record was lost.
 */
static void test_marked_only_is_no_kill(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);
	struct oomt_end e = {};

	(void)state;
	feed_oom(a, 1, false, false);
	hdr(&e.hdr, OOMT_REC_END, 1);
	e.candidates = 3;
	e.killed = 1;
	e.flags = OOMT_END_MARKED_ONLY;
	assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
	assert_int_equal(s.events, 0);
	feed_oom(a, 2, true, true);			/* the next OOM kills */
	assert_int_equal(s.events, 1);
	assert_int_equal(s.last.seq, 1);
	assert_int_equal(s.last.victim.pid, 300);
	assert_int_equal(s.last.ooms_without_kill, 1);
	/* no flag: the chosen stands for the lost VICTIM record */
	feed_oom(a, 3, false, false);
	e.hdr.oom_id = 3;
	e.flags = 0;
	assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
	assert_int_equal(s.events, 2);
	assert_int_equal(s.last.victim.pid, 300);
	assert_int_equal(s.last.ooms_without_kill, 0);
	assembler__free(a);
}

/* A frame of this process's own code: named from its maps alone (no
 * ULINKS, no executable path in the records below). */
__attribute__((noinline)) static int assemble_test_own_code(int x)
{
	return x * 3 + (int)getpid() % 7;
}

/* An OOM of TRIGGER, which killed VICTIM, with one user frame at an address
 * of this process's code. */
static void feed_trigger_oom(struct assembler *a, uint64_t oom, uint32_t trigger, uint32_t victim)
{
	struct oomt_begin b;
	struct oomt_kill *k = calloc(1, sizeof(*k));
	struct oomt_victim v;
	struct oomt_end e = {};

	hdr(&b.hdr, OOMT_REC_BEGIN, oom);
	task(&b.trigger, trigger, 0, 0, 5);
	assert_int_equal(assembler__feed(a, &b, sizeof(b)), 0);
	hdr(&k->hdr, OOMT_REC_KILL, oom);
	task(&k->chosen, victim, 900, 0, 5);
	k->trigger_pid = trigger;
	k->ustack_len = 8;
	k->ustack[0] = (uint64_t)(uintptr_t)assemble_test_own_code + 1;
	assert_int_equal(assembler__feed(a, k, sizeof(*k)), 0);
	free(k);
	hdr(&v.hdr, OOMT_REC_VICTIM, oom);
	task(&v.task, victim, 0, 0, 5);
	assert_int_equal(assembler__feed(a, &v, sizeof(v)), 0);
	hdr(&e.hdr, OOMT_REC_END, oom);
	e.candidates = 1;
	e.killed = 1;
	assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
}

/*
 * The trigger's maps are read when its OOM's records have come, unless the
 * OOM killed it: a /proc/PID lookup of an exiting task spins on its lock,
 * and its maps are going anyway (its objects come with the kill).
 */
static void test_killed_trigger_maps_not_read(void **state)
{
	uint32_t self = (uint32_t)getpid();
	struct seen s;
	struct assembler *a = new_asm(&s, 0);

	(void)state;
	assert_true(assemble_test_own_code(1) > 0);
	unsetenv("OOMTRACE_USTACK_NO_MAPS");
	feed_trigger_oom(a, 1, self, 300);
	assert_int_equal(s.events, 1);
	assert_string_equal(s.ustack_sym0, "assemble_test_own_code");
	feed_trigger_oom(a, 2, self, self);
	assert_int_equal(s.events, 2);
	assert_int_equal(s.last.victim.pid, getpid());
	assert_string_equal(s.ustack_sym0, "");
	/* the next OOM, by a trigger not killed, reads them again */
	feed_trigger_oom(a, 3, self, 300);
	assert_int_equal(s.events, 3);
	assert_string_equal(s.ustack_sym0, "assemble_test_own_code");
	assembler__free(a);
}

/*
 * An out_of_memory() call that killed nothing keeps the objects it read for
 * the same task's retry; a killed trigger that is another task (this
 * process allocating in a global OOM, then the real allocator killed) must
 * not be symbolized with them.
 */
static void test_no_kill_space_not_lent(void **state)
{
	uint32_t self = (uint32_t)getpid(), other = 999999;
	struct seen s;
	struct assembler *a = new_asm(&s, 0);
	struct oomt_begin b;
	struct oomt_end e = {};

	(void)state;
	assert_true(assemble_test_own_code(2) > 0);
	unsetenv("OOMTRACE_USTACK_NO_MAPS");
	/* OOM 1: this process triggers, nobody is killed */
	hdr(&b.hdr, OOMT_REC_BEGIN, 1);
	task(&b.trigger, self, 0, 0, 5);
	assert_int_equal(assembler__feed(a, &b, sizeof(b)), 0);
	hdr(&e.hdr, OOMT_REC_END, 1);
	assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
	assert_int_equal(s.events, 0);
	/* OOM 2: another task triggers and is killed; its frame is at an
	 * address of this process's code */
	feed_trigger_oom(a, 2, other, other);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.last.ooms_without_kill, 1);
	assert_string_equal(s.ustack_sym0, "");
	assembler__free(a);
}

/* END lost with most candidates: the totals map still has the real counts. */
static void test_totals_map_when_end_is_lost(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);

	(void)state;
	feed_oom(a, 3, true, false);
	s.totals_oom_id = 3;
	s.totals_candidates = 81;
	s.totals_lost = 78;
	s.dropped = 80;		/* the global count also holds other OOMs' losses */
	assembler__flush(a, 1);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.last.candidates_total, 81);
	assert_int_equal(s.last.lost_events, 78);
	/* a slot already reused by a later OOM is not taken */
	feed_oom(a, 4, true, false);
	s.totals_oom_id = 68;
	s.dropped = 85;
	assembler__flush(a, 1);
	assert_int_equal(s.events, 2);
	assert_int_equal(s.last.candidates_total, 3);
	assert_int_equal(s.last.lost_events, 5);	/* the global delta */
	assembler__free(a);
}

static void test_aftermath_after_its_event(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);
	struct oomt_exit x = {};
	struct oomt_reap r = {};

	(void)state;
	feed_oom(a, 7, true, false);
	hdr(&x.hdr, OOMT_REC_EXIT, 7);
	x.hdr.ts_ns = 5001000;
	x.pid = 300;
	x.kill_ts_ns = 1000;
	assert_int_equal(assembler__feed(a, &x, sizeof(x)), 0);
	assert_int_equal(s.aftermaths, 0);		/* held until the event is out */
	assembler__flush(a, 1);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.aftermaths, 1);
	assert_string_equal(s.am.kind, "victim_exit");
	assert_int_equal(s.am.oom_seq, 1);
	assert_int_equal(s.am.kill_to_exit_ns, 5000000);
	hdr(&r.hdr, OOMT_REC_REAP, 7);
	r.pid = 300;
	r.kind = OOMT_REAP_FINISH;
	assert_int_equal(assembler__feed(a, &r, sizeof(r)), 0);
	assert_int_equal(s.aftermaths, 2);
	assert_string_equal(s.am.stage, "finish");
	assert_int_equal(s.am.oom_seq, 1);
	assembler__free(a);
}

static void feed_victim(struct assembler *a, uint64_t oom, uint32_t pid)
{
	struct oomt_victim v;

	hdr(&v.hdr, OOMT_REC_VICTIM, oom);
	task(&v.task, pid, 0, 0, 5);
	v.task.flags = OOMT_TASK_MEM;
	assert_int_equal(assembler__feed(a, &v, sizeof(v)), 0);
}

/*
 * Tracepoint order: the victim first, then the walk. With -k 1 its row
 * ranks below the kept one, yet it keeps its points (and its rank shows it
 * is not in the top).
 */
static void test_victim_points_survive_top_k(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 1);

	(void)state;
	feed_victim(a, 1, 100);
	feed_candidate(a, 1, 100, 50, 0);
	feed_candidate(a, 1, 300, 900, 0);
	feed_candidate(a, 1, 200, 10, 0);
	assembler__flush(a, 1);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.n_cands, 1);
	assert_int_equal(s.cands[0].pid, 300);
	assert_int_equal(s.last.candidates_total, 3);	/* offered, kept or not */
	assert_int_equal(s.last.victim.pid, 100);
	assert_true(s.last.victim.has & TASK_HAS_POINTS);
	assert_int_equal(s.last.victim.points, 50);
	assembler__free(a);
}

/* A group kill larger than the fixed storage: the rest is counted. */
static void test_victims_beyond_cap_counted(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);

	(void)state;
	for (uint32_t i = 0; i < ASSEMBLE_MAX_VICTIMS + 5; i++)
		feed_victim(a, 1, 1000 + i);
	assembler__flush(a, 1);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.last.n_victims, ASSEMBLE_MAX_VICTIMS);
	assert_int_equal(s.last.victims_dropped, 5);
	/* the next event starts empty in the same storage */
	feed_oom(a, 2, true, true);
	assert_int_equal(s.events, 2);
	assert_int_equal(s.last.n_victims, 1);
	assert_int_equal(s.last.victims_dropped, 0);
	assembler__free(a);
}

static void test_pending(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);

	(void)state;
	assert_false(assembler__pending(a));
	feed_oom(a, 1, true, false);
	assert_true(assembler__pending(a));
	assembler__flush(a, 1);
	assert_false(assembler__pending(a));
	assert_int_equal(s.last.seq, 1);
	assembler__free(a);
}

static void test_malformed_records(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);
	struct oomt_hdr h = {};
	char small[8] = {};

	(void)state;
	assert_int_equal(assembler__feed(a, small, sizeof(small)), -EINVAL);
	hdr(&h, 999, 1);
	assert_int_equal(assembler__feed(a, &h, sizeof(h)), -EINVAL);
	hdr(&h, OOMT_REC_KILL, 1);			/* truncated KILL */
	assert_int_equal(assembler__feed(a, &h, sizeof(h)), -EINVAL);
	hdr(&h, OOMT_REC_ULINKS, 1);			/* truncated ULINKS */
	assert_int_equal(assembler__feed(a, &h, sizeof(h)), -EINVAL);
	{
		static struct oomt_ulinks l;		/* more objects than it holds */

		hdr(&l.hdr, OOMT_REC_ULINKS, 1);
		l.n = OOMT_ULINKS_MAX + 1;
		assert_int_equal(assembler__feed(a, &l, sizeof(l)), -EINVAL);
	}
	assert_int_equal(s.events, 0);
	assembler__free(a);
}

/* --precise-rss: a task's exact per-CPU sums come through, only where sent. */
static void test_exact_rss_sums(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);
	struct oomt_candidate c = {};
	struct oomt_victim v = {};
	struct oomt_end e = {};

	(void)state;
	hdr(&c.hdr, OOMT_REC_CANDIDATE, 1);
	task(&c.task, 100, 120, 0, 0);
	c.task.rss_exact = 130;
	c.task.swap_exact = 7;
	c.task.flags |= OOMT_TASK_EXACT;
	assert_int_equal(assembler__feed(a, &c, sizeof(c)), 0);
	task(&c.task, 200, 90, 0, 0);	/* no sums: none shown */
	c.task.rss_exact = 55;
	assert_int_equal(assembler__feed(a, &c, sizeof(c)), 0);
	hdr(&v.hdr, OOMT_REC_VICTIM, 1);
	task(&v.task, 100, 0, 0, 0);
	v.task.flags = OOMT_TASK_MEM;
	assert_int_equal(assembler__feed(a, &v, sizeof(v)), 0);
	hdr(&e.hdr, OOMT_REC_END, 1);
	e.candidates = 2;
	e.killed = 1;
	assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
	assembler__flush(a, 1);
	assert_int_equal(s.n_cands, 2);
	assert_int_equal(s.cands[0].pid, 100);
	assert_true(s.cands[0].has & TASK_HAS_RSS_PRECISE);
	assert_int_equal(s.cands[0].rss_precise_pages, 130);
	assert_int_equal(s.cands[0].swap_precise_pages, 7);
	assert_false(s.cands[1].has & TASK_HAS_RSS_PRECISE);
	assembler__free(a);
}

/* CANDIDATES: a batch of candidates in one record, each in the compact
 * form, as a CANDIDATE; a count beyond the record or the maximum is refused. */
static void cand(struct oomt_cand *e, uint32_t pid, int64_t points)
{
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->uid = 1000 + pid;
	e->points = points;
	e->oom_score_adj = -17;
	e->total_vm = 5000000000ull;	/* beyond 32 bits: kept whole */
	e->rss_anon = 100;
	e->rss_file = 20;
	e->rss_shmem = 3;
	e->swap = 4;
	e->pgtables_bytes = 8192;
	e->cgroup_id = 0;
	e->flags = OOMT_TASK_MEM | OOMT_TASK_POINTS | OOMT_TASK_COMPUTED;
	snprintf(e->comm, sizeof(e->comm), "task%u", pid);
}

static void test_candidates_batch(void **state)
{
	struct seen s;
	struct assembler *a = new_asm(&s, 0);
	struct oomt_candidates *b = calloc(1, sizeof(*b));
	size_t three = offsetof(struct oomt_candidates, cand) + 3 * sizeof(struct oomt_cand);
	struct oomt_victim v = {};
	struct oomt_end e = {};

	(void)state;
	assert_non_null(b);
	hdr(&b->hdr, OOMT_REC_CANDIDATES, 1);
	b->count = 3;
	cand(&b->cand[0], 100, 50);
	cand(&b->cand[1], 200, 900);
	cand(&b->cand[2], 300, 70);
	assert_int_equal(assembler__feed(a, b, three - 1), -EINVAL);	/* short */
	b->count = OOMT_CANDIDATES_MAX + 1;
	assert_int_equal(assembler__feed(a, b, sizeof(*b)), -EINVAL);
	b->count = 0;
	assert_int_equal(assembler__feed(a, b, sizeof(*b)), -EINVAL);
	b->count = 3;
	assert_int_equal(assembler__feed(a, b, three), 0);
	b->count = 1;
	cand(&b->cand[0], 400, 10);
	assert_int_equal(assembler__feed(a, b, three), 0);	/* room to spare: fine */
	hdr(&v.hdr, OOMT_REC_VICTIM, 1);
	task(&v.task, 200, 0, 0, 0);
	v.task.flags = OOMT_TASK_MEM;
	assert_int_equal(assembler__feed(a, &v, sizeof(v)), 0);
	hdr(&e.hdr, OOMT_REC_END, 1);
	e.candidates = 4;
	e.killed = 1;
	assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
	assembler__flush(a, 1);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.n_cands, 4);
	assert_int_equal(s.cands[0].pid, 200);	/* by points */
	assert_int_equal(s.cands[1].pid, 300);
	assert_int_equal(s.cands[2].pid, 100);
	assert_int_equal(s.cands[3].pid, 400);
	/* every field of the entry, as a CANDIDATE's task would give it */
	assert_int_equal(s.cands[0].tid, 200);
	assert_int_equal(s.cands[0].uid, 1200);
	assert_int_equal(s.cands[0].oom_score_adj, -17);
	assert_int_equal(s.cands[0].points, 900);
	assert_true(s.cands[0].has & TASK_HAS_POINTS);
	assert_true(s.cands[0].has & TASK_POINTS_ESTIMATED);
	assert_int_equal(s.cands[0].total_vm_pages, 5000000000ull);
	assert_int_equal(s.cands[0].rss_anon_pages, 100);
	assert_int_equal(s.cands[0].rss_file_pages, 20);
	assert_int_equal(s.cands[0].rss_shmem_pages, 3);
	assert_int_equal(s.cands[0].swap_pages, 4);
	assert_int_equal(s.cands[0].pgtables_bytes, 8192);
	assert_string_equal(s.cands[0].comm, "task200");
	free(b);
	assembler__free(a);
}

/*
 * Candidates in runs of one cgroup, then another, then one not named (its
 * record lost): each row has its own cgroup's path, or none.
 */
static void test_candidate_cgroups_by_run(void **state)
{
	static const struct { uint32_t pid; int64_t points; uint64_t cg; const char *path; } c[] = {
		{ 101, 90, 5, "/oomtest" }, { 102, 80, 5, "/oomtest" }, { 103, 70, 6, "/oomtest/sub" },
		{ 104, 60, 6, "/oomtest/sub" }, { 105, 50, 9, NULL }, { 106, 40, 9, NULL },
		{ 107, 30, 5, "/oomtest" },
	};
	struct oomt_candidate r;
	struct oomt_victim v;
	struct oomt_end e = {};
	struct seen s;
	struct assembler *a = new_asm(&s, 0);

	(void)state;
	feed_cgroup(a, 1, 0, "");
	feed_cgroup(a, 5, 1, "oomtest");
	feed_cgroup(a, 6, 5, "sub");
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		hdr(&r.hdr, OOMT_REC_CANDIDATE, 1);
		task(&r.task, c[i].pid, c[i].points, 0, c[i].cg);
		assert_int_equal(assembler__feed(a, &r, sizeof(r)), 0);
	}
	hdr(&v.hdr, OOMT_REC_VICTIM, 1);
	task(&v.task, 101, 0, 0, 5);
	v.task.flags = OOMT_TASK_MEM;
	assert_int_equal(assembler__feed(a, &v, sizeof(v)), 0);
	hdr(&e.hdr, OOMT_REC_END, 1);
	e.candidates = 7;
	assert_int_equal(assembler__feed(a, &e, sizeof(e)), 0);
	assert_int_equal(s.events, 1);
	assert_int_equal(s.n_cands, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(s.cands[i].pid, c[i].pid);
		if (c[i].path) {
			assert_true(s.cands[i].has & TASK_HAS_CGROUP);
			assert_string_equal(s.cands[i].cgroup, c[i].path);
		} else {
			assert_false(s.cands[i].has & TASK_HAS_CGROUP);
		}
	}
	assembler__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_oom),
		cmocka_unit_test(test_candidate_cgroups_by_run),
		cmocka_unit_test(test_exact_rss_sums),
		cmocka_unit_test(test_candidates_batch),
		cmocka_unit_test(test_tracepoint_mode_flushes_on_quiet_or_next),
		cmocka_unit_test(test_lost_victim_still_reported),
		cmocka_unit_test(test_marked_only_is_no_kill),
		cmocka_unit_test(test_totals_map_when_end_is_lost),
		cmocka_unit_test(test_aftermath_after_its_event),
		cmocka_unit_test(test_malformed_records),
		cmocka_unit_test(test_victim_points_survive_top_k),
		cmocka_unit_test(test_victims_beyond_cap_counted),
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_killed_trigger_maps_not_read),
		cmocka_unit_test(test_no_kill_space_not_lent),
	};

	return cmocka_run_group_tests_name("assemble", tests, NULL, NULL);
}
