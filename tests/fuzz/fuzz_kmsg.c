// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the kernel-log parser end to end: bytes in through kmsg_input (as a
 * file), line splitting, classification, report assembly, and both
 * renderers out. The first byte picks how many candidates are kept, so the
 * top-K replacement is exercised too. Each event is checked for the
 * invariants the renderers rely on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kmsg_input.h"
#include "kmsg_report.h"
#include "render.h"

static FILE *devnull;

static void terminated(const char *s, size_t size)
{
	if (strnlen(s, size) == size)
		abort();
}

static void check_task(const struct oom_task *t)
{
	terminated(t->comm, sizeof(t->comm));
	terminated(t->cgroup, sizeof(t->cgroup));
}

static void on_event(struct oom_event *ev, void *arg)
{
	size_t keep = *(size_t *)arg;

	if (ev->n_candidates > ev->candidates_total)
		abort();
	if (keep && ev->n_candidates > keep)
		abort();
	if (ev->n_kernel_stack > KMSG_MAX_FRAMES)
		abort();
	if (!ev->mode || !ev->source || strcmp(ev->source, "kmsg"))
		abort();
	terminated(ev->memcg, sizeof(ev->memcg));
	terminated(ev->missing, sizeof(ev->missing));
	terminated(ev->gfp_flags, sizeof(ev->gfp_flags));
	terminated(ev->chosen_comm, sizeof(ev->chosen_comm));
	terminated(ev->log_time, sizeof(ev->log_time));
	check_task(&ev->trigger);
	check_task(&ev->victim);
	for (size_t i = 0; i < ev->n_victims; i++)
		check_task(&ev->victims[i]);
	for (size_t i = 0; i < ev->n_candidates; i++) {
		check_task(&ev->candidates[i]);
		/* ranked: points first, highest first */
		if (i && ev->candidates[i].has & TASK_HAS_POINTS &&
		    (!(ev->candidates[i - 1].has & TASK_HAS_POINTS) ||
		     ev->candidates[i - 1].points < ev->candidates[i].points))
			abort();
	}
	/* a victim named by another line than the kill line is still one victim */
	if (ev->victim_from != OOM_VICTIM_FROM_KILL && !(ev->has & EV_HAS_VICTIM))
		abort();
	if (ev->victim_from == OOM_VICTIM_FROM_REAPER &&
	    (ev->n_victims != 1 || ev->victims[0].pid != ev->victim.pid))
		abort();
	for (size_t i = 0; i < ev->n_kernel_stack; i++) {
		terminated(ev->kernel_stack[i].sym, sizeof(ev->kernel_stack[i].sym));
		terminated(ev->kernel_stack[i].module, sizeof(ev->kernel_stack[i].module));
	}
	render_event_json(devnull, ev);
	render_event_text(devnull, ev);
}

static void on_reaped(const struct kmsg_reaped *r, void *arg)
{
	(void)arg;
	terminated(r->comm, sizeof(r->comm));
	if (!r->oom_seq)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t keeps[] = { 0, 1, 2, 10 };
	size_t keep = size ? keeps[data[0] & 3] : 0;
	struct kmsg_report_ops ops = { .event = on_event, .reaped = on_reaped, .arg = &keep };
	struct kmsg_parser *p;
	struct kmsg_input *in;
	struct kmsg_line l;
	int fd;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	fd = memfd_create("fuzz_kmsg", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	lseek(fd, 0, SEEK_SET);
	p = kmsg_parser__new(&ops, keep);
	in = kmsg_input__new(fd, false, 0);
	if (p && in) {
		while (kmsg_input__next(in, &l, -1) == 1) {
			if (l.len != strlen(l.text))
				abort();
			kmsg_parser__feed(p, &l);
		}
		kmsg_parser__flush(p);
	}
	kmsg_input__free(in);
	kmsg_parser__free(p);
	close(fd);
	return 0;
}
