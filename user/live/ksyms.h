/* SPDX-License-Identifier: GPL-2.0 */
/* /proc/kallsyms: kernel addresses to names and back. */
#ifndef OOMTRACE_KSYMS_H
#define OOMTRACE_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module;	/* NULL for vmlinux */
};

struct ksyms;

/* Load a kallsyms file (path NULL = /proc/kallsyms). NULL with errno set. */
struct ksyms *ksyms__load(const char *path);
void ksyms__free(struct ksyms *ks);
/*
 * The symbol containing addr (the last one at or below it) into *ret: 0, or
 * -ENOENT. The table keeps no names: ret->name is NULL (ksyms_cache names
 * addresses); ret->module lives as long as ks.
 */
int ksyms__find(const struct ksyms *ks, uint64_t addr, struct ksym *ret);
/* The address of name, or of its first .isra/.constprop/.part clone; 0 if absent. */
uint64_t ksyms__addr(const struct ksyms *ks, const char *name);
/*
 * The full name found for name: name itself if the kernel has it, else its
 * suffixed clone's (read again from kallsyms; valid until the next call),
 * or NULL.
 */
const char *ksyms__resolve_name(const struct ksyms *ks, const char *name);
/*
 * NAME.part.N: the part of NAME the compiler split off (partial inlining),
 * which callers in NAME's own file call after an inlined head; NULL if none.
 */
const char *ksyms__split_part(const struct ksyms *ks, const char *name);
/* The address of the next symbol after addr: the end of addr's function. */
uint64_t ksyms__next_addr(const struct ksyms *ks, uint64_t addr);
/* True when every address reads as zero (kptr_restrict hides them). */
int ksyms__hidden(const struct ksyms *ks);
/*
 * Loading in the background: reading /proc/kallsyms costs tens of
 * milliseconds of the kernel's formatting, which can overlap with loading
 * the BPF programs. ksyms_async__get() waits for the table (once; later
 * calls return it again) and returns it, or NULL with errno set; the table
 * belongs to the handle. If no thread can be started, the load happens in
 * ksyms_async__get().
 */
struct ksyms_async;
struct ksyms_async *ksyms__load_async(const char *path);
const struct ksyms *ksyms_async__get(struct ksyms_async *as);
void ksyms_async__free(struct ksyms_async *as);
/* Symbols kept (the __pfx_/__cfi_ padding symbols are not); for the tests. */
size_t ksyms__count(const struct ksyms *ks);

/*
 * Kernel stack symbolization in fixed storage, for a tracer that runs for
 * months: a table of every name is about 2 MB, held resident and locked,
 * for the few dozen functions OOM stacks pass through. The cache holds cap
 * function ranges, allocated once by ksyms_cache__new, which also opens
 * kallsyms (its addresses show by the opener's privileges, which a
 * recorder then drops). ksyms_cache__fill makes sure up to
 * KSYMS_CACHE_BATCH addresses are in it: misses cost one scan of kallsyms
 * (about 30 ms of the kernel's formatting, on 6.18), read with plain read()
 * into a preallocated buffer, so nothing is allocated on the event path.
 * Stacks repeat, so scans are rare after the first event.
 */
#define KSYMS_CACHE_BATCH 64	/* addresses per fill (a kernel stack is at most 32) */
struct ksyms_cache;

/* path NULL = /proc/kallsyms; cap entries (at least KSYMS_CACHE_BATCH). NULL on ENOMEM. */
struct ksyms_cache *ksyms_cache__new(const char *path, size_t cap);
void ksyms_cache__free(struct ksyms_cache *kc);
/* Resolve the addresses not cached yet (the first KSYMS_CACHE_BATCH): 0 or -errno of the scan. */
int ksyms_cache__fill(struct ksyms_cache *kc, const uint64_t *addrs, size_t n);
/*
 * Like ksyms__find, for an address filled before: 0 or -ENOENT (not cached,
 * or no symbol). The strings stay valid until the next fill.
 */
int ksyms_cache__find(const struct ksyms_cache *kc, uint64_t addr, struct ksym *ret);
/* Scans of kallsyms so far, and how many of them failed. */
uint64_t ksyms_cache__scans(const struct ksyms_cache *kc, uint64_t *ret_failed);

#endif
