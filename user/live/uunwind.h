/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DWARF unwinding of a copied user stack, as perf --call-graph dwarf does
 * with libdw: the registers and the top of the stack BPF copied when the
 * task entered the kernel (bpf/oomtrace.h, struct oomt_ustack), and the CFI
 * (.eh_frame, .debug_frame) of the objects of its address space, reported
 * into a libdwfl session (usym.h). The process need not exist any more.
 */
#ifndef OOMTRACE_UUNWIND_H
#define OOMTRACE_UUNWIND_H

#include <stdbool.h>
#include <stdint.h>

#define UUNWIND_MAX 64

struct uunwind_result {
	int n;
	uint64_t pc[UUNWIND_MAX];
	bool activation[UUNWIND_MAX];	/* pc is where the frame stands, not a return address */
	char stop[96];			/* why it ended early; "" at the outermost frame */
};

struct Dwfl;

/*
 * What libdwfl's thread callbacks read, attached to one session at its
 * first unwind and kept with it (a session attaches a process's state only
 * once): one per session, freed after the session's dwfl_end().
 */
struct uunwind_state;
struct uunwind_state *uunwind_state_new(void);
void uunwind_state_free(struct uunwind_state *st);

/*
 * regs: the oomt_ustack registers (x86-64: DWARF 0-16; arm64: x0-x30, sp,
 * pc); stack: size bytes copied from the stack pointer, of asked; st: the
 * session's state (uunwind_state_new), for this dwfl only. 0, or -errno
 * when unwinding could not start (r->stop says why).
 */
int uunwind(struct Dwfl *dwfl, struct uunwind_state *st, uint32_t tid, const uint64_t *regs,
	    const uint8_t *stack, uint32_t size, uint32_t asked, struct uunwind_result *r);

#endif
