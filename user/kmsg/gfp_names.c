// SPDX-License-Identifier: GPL-2.0
/* GFP flag names for a given kernel era's bit layout. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gfp_names.h"

struct gfp_name {
	uint32_t mask;
	const char *name;
};

/*
 * 2.6.32 .. 4.3 (include/linux/gfp.h of those releases). Bits that came and
 * went inside the era (__GFP_KMEMCG 0x100000 in 3.8-3.14, __GFP_WRITE
 * 0x1000000 since 3.2) are named: a mask from a kernel without them never
 * has the bit set.
 */
#define O_DMA		0x01u
#define O_HIGHMEM	0x02u
#define O_DMA32		0x04u
#define O_MOVABLE	0x08u
#define O_WAIT		0x10u
#define O_HIGH		0x20u
#define O_IO		0x40u
#define O_FS		0x80u
#define O_COLD		0x100u
#define O_NOWARN	0x200u
#define O_REPEAT	0x400u
#define O_NOFAIL	0x800u
#define O_NORETRY	0x1000u
#define O_MEMALLOC	0x2000u
#define O_COMP		0x4000u
#define O_ZERO		0x8000u
#define O_NOMEMALLOC	0x10000u
#define O_HARDWALL	0x20000u
#define O_THISNODE	0x40000u
#define O_RECLAIMABLE	0x80000u
#define O_KMEMCG	0x100000u
#define O_NOTRACK	0x200000u
#define O_NO_KSWAPD	0x400000u
#define O_OTHER_NODE	0x800000u
#define O_WRITE		0x1000000u
#define O_KERNEL	(O_WAIT | O_IO | O_FS)
#define O_USER		(O_KERNEL | O_HARDWALL)
#define O_HIGHUSER	(O_USER | O_HIGHMEM)
#define O_HIGHUSER_MOVABLE (O_HIGHUSER | O_MOVABLE)

static const struct gfp_name names_2_6_32[] = {
	{ O_HIGHUSER_MOVABLE | O_COMP | O_NOMEMALLOC | O_NORETRY | O_NOWARN | O_NO_KSWAPD,
	  "GFP_TRANSHUGE" },
	{ O_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ O_HIGHUSER, "GFP_HIGHUSER" },
	{ O_USER, "GFP_USER" },
	{ O_KERNEL | O_RECLAIMABLE, "GFP_TEMPORARY" },
	{ O_KERNEL, "GFP_KERNEL" },
	{ O_WAIT | O_IO, "GFP_NOFS" },
	{ O_HIGH, "GFP_ATOMIC" },
	{ O_WAIT, "GFP_NOIO" },
	{ O_DMA, "GFP_DMA" },
	{ O_HIGHMEM, "__GFP_HIGHMEM" },
	{ O_DMA32, "GFP_DMA32" },
	{ O_IO, "__GFP_IO" },
	{ O_FS, "__GFP_FS" },
	{ O_COLD, "__GFP_COLD" },
	{ O_NOWARN, "__GFP_NOWARN" },
	{ O_REPEAT, "__GFP_REPEAT" },
	{ O_NOFAIL, "__GFP_NOFAIL" },
	{ O_NORETRY, "__GFP_NORETRY" },
	{ O_COMP, "__GFP_COMP" },
	{ O_ZERO, "__GFP_ZERO" },
	{ O_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ O_MEMALLOC, "__GFP_MEMALLOC" },
	{ O_HARDWALL, "__GFP_HARDWALL" },
	{ O_THISNODE, "__GFP_THISNODE" },
	{ O_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ O_MOVABLE, "__GFP_MOVABLE" },
	{ O_KMEMCG, "__GFP_KMEMCG" },
	{ O_NOTRACK, "__GFP_NOTRACK" },
	{ O_NO_KSWAPD, "__GFP_NO_KSWAPD" },
	{ O_OTHER_NODE, "__GFP_OTHER_NODE" },
	{ O_WRITE, "__GFP_WRITE" },
	{ 0, NULL },
};

/*
 * 6.10 and later: the ___GFP_*_BIT enum in vmlinux/x86/vmlinux.h. Bits past
 * __GFP_ZEROTAGS depend on the configuration (KASAN, lockdep, allocation
 * profiling) and are left in hex.
 */
#define N_DMA		(1u << 0)
#define N_HIGHMEM	(1u << 1)
#define N_DMA32		(1u << 2)
#define N_MOVABLE	(1u << 3)
#define N_RECLAIMABLE	(1u << 4)
#define N_HIGH		(1u << 5)
#define N_IO		(1u << 6)
#define N_FS		(1u << 7)
#define N_ZERO		(1u << 8)
#define N_DIRECT_RECLAIM (1u << 10)
#define N_KSWAPD_RECLAIM (1u << 11)
#define N_WRITE		(1u << 12)
#define N_NOWARN	(1u << 13)
#define N_RETRY_MAYFAIL	(1u << 14)
#define N_NOFAIL	(1u << 15)
#define N_NORETRY	(1u << 16)
#define N_MEMALLOC	(1u << 17)
#define N_COMP		(1u << 18)
#define N_NOMEMALLOC	(1u << 19)
#define N_HARDWALL	(1u << 20)
#define N_THISNODE	(1u << 21)
#define N_ACCOUNT	(1u << 22)
#define N_ZEROTAGS	(1u << 23)
#define N_RECLAIM	(N_DIRECT_RECLAIM | N_KSWAPD_RECLAIM)
#define N_KERNEL	(N_RECLAIM | N_IO | N_FS)
#define N_USER		(N_KERNEL | N_HARDWALL)
#define N_HIGHUSER	(N_USER | N_HIGHMEM)
#define N_HIGHUSER_MOVABLE (N_HIGHUSER | N_MOVABLE)
#define N_TRANSHUGE_LIGHT ((N_HIGHUSER_MOVABLE | N_COMP | N_NOMEMALLOC | N_NOWARN) & \
			   ~N_RECLAIM)

static const struct gfp_name names_6_10[] = {
	{ N_TRANSHUGE_LIGHT | N_DIRECT_RECLAIM, "GFP_TRANSHUGE" },
	{ N_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ N_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ N_HIGHUSER, "GFP_HIGHUSER" },
	{ N_USER, "GFP_USER" },
	{ N_KERNEL | N_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ N_KERNEL, "GFP_KERNEL" },
	{ N_RECLAIM | N_IO, "GFP_NOFS" },
	{ N_HIGH | N_KSWAPD_RECLAIM, "GFP_ATOMIC" },
	{ N_RECLAIM, "GFP_NOIO" },
	{ N_KSWAPD_RECLAIM, "GFP_NOWAIT" },
	{ N_DMA, "GFP_DMA" },
	{ N_HIGHMEM, "__GFP_HIGHMEM" },
	{ N_DMA32, "GFP_DMA32" },
	{ N_HIGH, "__GFP_HIGH" },
	{ N_IO, "__GFP_IO" },
	{ N_FS, "__GFP_FS" },
	{ N_NOWARN, "__GFP_NOWARN" },
	{ N_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ N_NOFAIL, "__GFP_NOFAIL" },
	{ N_NORETRY, "__GFP_NORETRY" },
	{ N_COMP, "__GFP_COMP" },
	{ N_ZERO, "__GFP_ZERO" },
	{ N_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ N_MEMALLOC, "__GFP_MEMALLOC" },
	{ N_HARDWALL, "__GFP_HARDWALL" },
	{ N_THISNODE, "__GFP_THISNODE" },
	{ N_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ N_MOVABLE, "__GFP_MOVABLE" },
	{ N_ACCOUNT, "__GFP_ACCOUNT" },
	{ N_WRITE, "__GFP_WRITE" },
	{ N_RECLAIM, "__GFP_RECLAIM" },
	{ N_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ N_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
	{ N_ZEROTAGS, "__GFP_ZEROTAGS" },
	{ 0, NULL },
};

/* Append "|s" (or "s" first) to buf; -ENOSPC when it does not fit. */
static int append(char *buf, size_t size, size_t *used, const char *s)
{
	int n = snprintf(buf + *used, size - *used, "%s%s", *used ? "|" : "", s);

	if (n < 0 || (size_t)n >= size - *used) {
		buf[*used] = '\0';	/* drop the partial name */
		return -ENOSPC;
	}
	*used += (size_t)n;
	return 0;
}

int gfp_names_format(enum gfp_layout layout, uint32_t mask, char *buf, size_t size)
{
	const struct gfp_name *t;
	size_t used = 0;
	char hex[16];

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	switch (layout) {
	case GFP_LAYOUT_2_6_32: t = names_2_6_32; break;
	case GFP_LAYOUT_6_10: t = names_6_10; break;
	default: return -EINVAL;
	}
	for (; t->name && mask; t++) {
		if ((mask & t->mask) != t->mask)
			continue;
		if (append(buf, size, &used, t->name))
			return -ENOSPC;
		mask &= ~t->mask;
	}
	if (mask) {
		snprintf(hex, sizeof(hex), "%#x", mask);
		if (append(buf, size, &used, hex))
			return -ENOSPC;
	}
	return 0;
}
