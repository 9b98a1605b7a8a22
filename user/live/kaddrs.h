/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel symbols the loader asks for (addresses, function ends,
 * clone names), kept per boot. Reading /proc/kallsyms whole costs tens of
 * milliseconds of the kernel's formatting, the longest part of a start;
 * the answers, though, hold until the machine reboots. So the first start
 * of a boot reads kallsyms whole (ksyms.h, in the background while the
 * programs load) and keeps its answers in the cache's directory
 * (btf_cache_dir(): /var/cache/oomtrace/ksyms.boot), keyed by the boot
 * (/proc/sys/kernel/random/boot_id), the kernel release, and the list of
 * names asked; later starts of that boot read the file instead. A file
 * for another boot, release or list, or one that is not whole and intact,
 * is not used. Before one is used, the first lines of kallsyms are read
 * (a fraction of a millisecond): its first visible symbol must be the one
 * the file recorded, which also says the addresses are not hidden now.
 */
#ifndef OOMTRACE_KADDRS_H
#define OOMTRACE_KADDRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* what is asked of one name */
enum {
	KADDR_ADDR = 1,		/* its address (or its first .isra/.constprop clone's) */
	KADDR_END = 2,		/* and where its function ends (the next symbol) */
	KADDR_FULL = 4,		/* the name found: its own, or its clone's (kprobes) */
	KADDR_PART = 8,		/* NAME.part.N, the part the compiler split off */
};

struct kaddr_want {
	const char *name;
	unsigned what;
};

#define KADDRS_MAX 16
#define KADDR_NAME_MAX 128	/* longer clone names are not kept (not cached) */
#define KADDRS_BOOT_ID_MAX 48
#define KADDRS_RELEASE_MAX 65

/* One answer, as the cache file keeps it. */
struct kaddr_rec {
	uint64_t addr;		/* 0: absent */
	uint64_t end;		/* 0: unknown */
	char full[KADDR_NAME_MAX];	/* "" if absent */
	char part[KADDR_NAME_MAX];	/* "" if none */
};

/* The first symbol with a nonzero address among kallsyms' first lines. */
struct kaddrs_probe {
	uint64_t addr;
	char name[KADDR_NAME_MAX];
};

struct kaddrs_key {
	char boot_id[KADDRS_BOOT_ID_MAX];
	char release[KADDRS_RELEASE_MAX];
	uint8_t pad[3];
	uint32_t wants_crc;	/* of the names asked and what of each */
	uint32_t n;		/* names asked */
};

struct kaddrs {
	const struct kaddr_want *wants;
	size_t n;
	int hidden;		/* kallsyms shows no addresses (kptr_restrict) */
	bool cached;		/* read from the per-boot file */
	struct kaddrs_probe probe;
	struct kaddr_rec recs[KADDRS_MAX];
};

/* Where the sources are: NULL members for the system's own (tests name files). */
struct kaddrs_src {
	const char *kallsyms;	/* /proc/kallsyms */
	const char *boot_id;	/* /proc/sys/kernel/random/boot_id */
	const char *release;	/* uname's */
};

struct ksyms;
struct kaddrs_async;

/*
 * Start answering WANTS (at most KADDRS_MAX, kept by reference): from this
 * boot's file if it serves, else by reading kallsyms in a thread. NULL on
 * ENOMEM.
 */
struct kaddrs_async *kaddrs__open(const struct kaddrs_src *src, const struct kaddr_want *wants,
				  size_t n);
/*
 * The answers (waiting for kallsyms if it is being read; the first such
 * wait writes the file). Never NULL: a kallsyms that cannot be read
 * answers hidden, every address 0.
 */
const struct kaddrs *kaddrs_async__get(struct kaddrs_async *a);
void kaddrs_async__free(struct kaddrs_async *a);

/*
 * The answers from a whole table (NULL: hidden): 0; 1 if a name found was
 * too long to keep (left out: the answers are not to be kept); -E2BIG for
 * more than KADDRS_MAX wants.
 */
int kaddrs__from_ksyms(struct kaddrs *ka, const struct ksyms *ks, const struct kaddr_want *wants,
		       size_t n);

/* Per name (one of the wants): 0 / NULL when absent or not asked. */
uint64_t kaddrs__addr(const struct kaddrs *ka, const char *name);
uint64_t kaddrs__end(const struct kaddrs *ka, const char *name);
const char *kaddrs__full(const struct kaddrs *ka, const char *name);
const char *kaddrs__part(const struct kaddrs *ka, const char *name);

/* The cache file's bytes for KA under KEY (malloc'd), or NULL. */
void *kaddrs__format(const struct kaddrs *ka, const struct kaddrs_key *key, size_t *ret_len);
/*
 * Check a file's bytes against KEY: 0 with ka's probe and answers filled
 * (ka->wants, n set by the caller), -ESTALE for another boot, release or
 * list of names, -EINVAL if it is not a whole, intact file.
 */
int kaddrs__parse(struct kaddrs *ka, const struct kaddrs_key *key, const void *buf, size_t len);
/* The key now: 0 or -errno (no boot id). */
int kaddrs__key(const struct kaddrs_src *src, const struct kaddr_want *wants, size_t n,
		struct kaddrs_key *ret);
/* kallsyms' first visible symbol: 0, -ENOENT if none among its first lines, or -errno. */
int kaddrs__probe(const char *kallsyms, struct kaddrs_probe *ret);

#endif
