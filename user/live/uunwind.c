// SPDX-License-Identifier: GPL-2.0
/* DWARF unwinding of a copied user stack through libdwfl (see uunwind.h). */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomtrace.h"
#include "uunwind.h"

#if defined(__aarch64__)
#define N_DWARF_REGS 32		/* x0-x30, sp; the pc is set apart */
#define SP_REG 31
#define PC_REG 32		/* its slot in the oomt_ustack registers */
#else
#define N_DWARF_REGS 17		/* rax ... r15, and the return address column (rip) */
#define SP_REG 7
#endif

struct unwind_ctx {
	uint32_t tid;
	const uint64_t *regs;
	const uint8_t *stack;
	uint64_t sp;
	uint32_t size, asked;
	bool past_copy;		/* a read beyond the copy failed */
	uint64_t past_addr;
	struct uunwind_result *r;
};

static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	(void)dwfl;
	if (*thread_argp)
		return 0;
	*thread_argp = arg;
	return (pid_t)((struct unwind_ctx *)arg)->tid;
}

/* Words of the copied stack; anything else is not known. */
static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwind_ctx *c = arg;

	(void)dwfl;
	if (addr >= c->sp && addr - c->sp <= (uint64_t)c->size - 8 && c->size >= 8) {
		memcpy(result, c->stack + (addr - c->sp), sizeof(*result));
		return true;
	}
	/* just above the copy: the stack goes on, the copy does not */
	if (addr >= c->sp && addr - c->sp < (uint64_t)c->size + OOMT_USTACK_COPY_MAX) {
		c->past_copy = true;
		c->past_addr = addr;
	}
	return false;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	struct unwind_ctx *c = arg;
	Dwarf_Word regs[N_DWARF_REGS];

	for (int i = 0; i < N_DWARF_REGS; i++)
		regs[i] = c->regs[i];
#ifdef PC_REG
	dwfl_thread_state_register_pc(thread, c->regs[PC_REG]);
#endif
	return dwfl_thread_state_registers(thread, 0, N_DWARF_REGS, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct unwind_ctx *c = arg;
	struct uunwind_result *r = c->r;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	if (r->n >= UUNWIND_MAX) {
		snprintf(r->stop, sizeof(r->stop), "max_frames: %d", UUNWIND_MAX);
		return DWARF_CB_ABORT;
	}
	r->pc[r->n] = pc;
	r->activation[r->n] = activation;
	r->n++;
	return DWARF_CB_OK;
}

/*
 * The callbacks' argument, attached to one Dwfl for as long as it lives:
 * libdwfl takes a process's state once per session (a second attach is a
 * conflict), and a session kept between events (usym.h) unwinds each
 * event's copy through the same state, its fields set anew each time.
 */
struct uunwind_state {
	struct Dwfl *attached_to;
	struct unwind_ctx c;
};

struct uunwind_state *uunwind_state_new(void)
{
	return calloc(1, sizeof(struct uunwind_state));
}

void uunwind_state_free(struct uunwind_state *st)
{
	free(st);
}

int uunwind(struct Dwfl *dwfl, struct uunwind_state *st, uint32_t tid, const uint64_t *regs,
	    const uint8_t *stack, uint32_t size, uint32_t asked, struct uunwind_result *r)
{
	struct unwind_ctx *c;
	int err;

	memset(r, 0, sizeof(*r));
	if (!dwfl || !st || (st->attached_to && st->attached_to != dwfl)) {
		snprintf(r->stop, sizeof(r->stop), "unwind_error: no session");
		return -EINVAL;
	}
	c = &st->c;
	*c = (struct unwind_ctx){
		.tid = tid, .regs = regs, .stack = stack, .sp = regs[SP_REG],
		.size = size, .asked = asked, .r = r,
	};
	if (!st->attached_to) {
		if (!dwfl_attach_state(dwfl, NULL, (pid_t)tid, &thread_callbacks, c)) {
			snprintf(r->stop, sizeof(r->stop), "unwind_error: %s", dwfl_errmsg(-1));
			return -EINVAL;
		}
		st->attached_to = dwfl;
	}
	err = dwfl_getthread_frames(dwfl, (pid_t)tid, frame_cb, c);
	if (r->stop[0])
		return 0;
	/* libdwfl takes a return address it cannot read for the outermost
	 * frame: a read past the copy says it is not */
	if (!err && !c->past_copy)
		return 0;
	/* the last frame found is where it stopped; say why */
	if (c->past_copy && size >= asked)
		snprintf(r->stop, sizeof(r->stop),
			 "stack_copy_too_small: %" PRIu32 " bytes copied (--ustack-copy)", size);
	else if (c->past_copy)
		snprintf(r->stop, sizeof(r->stop),
			 "stack_unreadable: past %" PRIu32 " bytes of the stack", size);
	else if (r->n && !dwfl_addrmodule(dwfl, r->pc[r->n - 1]))
		snprintf(r->stop, sizeof(r->stop), "no_object: 0x%" PRIx64 " in no known object",
			 r->pc[r->n - 1]);
	else
		snprintf(r->stop, sizeof(r->stop), "no_cfi: %s", dwfl_errmsg(-1));
	return 0;
}
