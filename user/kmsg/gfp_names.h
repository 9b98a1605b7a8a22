/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of GFP flags, as the kernel's own %pGg prints them
 * (include/trace/events/mmflags.h): composite names first, greedily, then
 * single flags, then the bits left over in hex.
 *
 * The bit layout changed many times, so a mask only has names together with
 * the layout of the kernel that produced it. Kernels since 4.10 or so print
 * the names themselves; older ones printed only the mask, and for those the
 * layout can be known from the shape of the report (see kmsg_report.c).
 */
#ifndef OOMTRACE_GFP_NAMES_H
#define OOMTRACE_GFP_NAMES_H

#include <stddef.h>
#include <stdint.h>

enum gfp_layout {
	GFP_LAYOUT_2_6_32,	/* 2.6.32 .. 4.3: __GFP_WAIT era */
	GFP_LAYOUT_6_10,	/* 6.10 and later (the pinned vmlinux.h's ___GFP_*_BIT) */
};

/*
 * Write "GFP_KERNEL|__GFP_COMP|0x1000000" for mask into buf (always
 * terminated; truncated to size). An empty mask writes "" (the kernel
 * prints "0x0()"). Returns 0, or -ENOSPC when truncated, -EINVAL for an
 * unknown layout.
 */
int gfp_names_format(enum gfp_layout layout, uint32_t mask, char *buf, size_t size);

#endif
