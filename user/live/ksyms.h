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
/* The symbol containing addr (the last one at or below it) into *ret: 0, or
 * -ENOENT. Its strings live as long as ks. */
int ksyms__find(const struct ksyms *ks, uint64_t addr, struct ksym *ret);
/* The address of name, or of its first .isra/.constprop/.part clone; 0 if absent. */
uint64_t ksyms__addr(const struct ksyms *ks, const char *name);
/* The full name found for name (itself or a suffixed clone), or NULL. */
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
/* Symbols kept (the __pfx_/__cfi_ padding symbols are not). */
size_t ksyms__count(const struct ksyms *ks);

#endif
