// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms, sorted by address for lookups.
 *
 * Compact, because a recorder keeps it (locked in memory) for as long as it
 * runs: one 16-byte entry per symbol with its name and module as offsets
 * into one string arena, modules stored once per run of symbols, both sized
 * exactly once loaded. The __pfx_/__cfi_ symbols the kernel places in the
 * padding before functions (about half of a 6.x kallsyms) are left out: a
 * return address is never in that padding, and the function before it then
 * simply ends where the next one starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

#define NO_MODULE UINT32_MAX

struct ksym_entry {
	uint64_t addr;
	uint32_t name;		/* offsets into strs */
	uint32_t module;	/* NO_MODULE for vmlinux */
};

struct ksyms {
	struct ksym_entry *syms;
	size_t n, cap;
	char *strs;		/* one arena for names and modules */
	size_t strs_len, strs_cap;
	uint32_t last_module;	/* consecutive symbols of a module share its name */
	int hidden;
};

/* 0, or -ENOMEM; *ret_off is where s now is in the arena. */
static int add_str(struct ksyms *ks, const char *s, size_t len, uint32_t *ret_off)
{
	if (ks->strs_len + len + 1 > ks->strs_cap) {
		size_t cap = ks->strs_cap ? ks->strs_cap * 2 : 1 << 20;
		char *p;

		while (cap < ks->strs_len + len + 1)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM;
		p = realloc(ks->strs, cap);
		if (!p)
			return -ENOMEM;
		ks->strs = p;
		ks->strs_cap = cap;
	}
	memcpy(ks->strs + ks->strs_len, s, len);
	ks->strs[ks->strs_len + len] = '\0';
	*ret_off = (uint32_t)ks->strs_len;
	ks->strs_len += len + 1;
	return 0;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym_entry *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

static int is_padding_symbol(const char *name)
{
	return !strncmp(name, "__pfx_", 6) || !strncmp(name, "__cfi_", 6);
}

/*
 * One line: "ADDR TYPE NAME" or "ADDR TYPE NAME\t[MODULE]". 0 with the
 * parts (name and module terminated in place), -EINVAL if it is not one.
 */
static int parse_line(char *line, uint64_t *ret_addr, char **ret_name, char **ret_module)
{
	char *end, *name, *mod;

	errno = 0;
	*ret_addr = strtoull(line, &end, 16);
	if (end == line || errno || end[0] != ' ' || !end[1] || end[2] != ' ')
		return -EINVAL;
	name = end + 3;
	end = name + strcspn(name, " \t\n");
	if (end == name)
		return -EINVAL;
	*ret_module = NULL;
	if (*end == '\t' && end[1] == '[') {
		mod = end + 2;
		mod[strcspn(mod, "]\n")] = '\0';
		*ret_module = mod;
	}
	*end = '\0';
	*ret_name = name;
	return 0;
}

static int add_symbol(struct ksyms *ks, uint64_t addr, const char *name, const char *module)
{
	struct ksym_entry *e;
	uint32_t off;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 65536;
		struct ksym_entry *p = realloc(ks->syms, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		ks->syms = p;
		ks->cap = cap;
	}
	if (add_str(ks, name, strlen(name), &off))
		return -ENOMEM;
	e = &ks->syms[ks->n];
	e->addr = addr;
	e->name = off;
	e->module = NO_MODULE;
	if (module) {
		if (ks->last_module == NO_MODULE || strcmp(ks->strs + ks->last_module, module)) {
			if (add_str(ks, module, strlen(module), &off))
				return -ENOMEM;
			ks->last_module = off;
		}
		e->module = ks->last_module;
	}
	ks->n++;
	return 0;
}

/* Give back what growing left unused: all of it stays resident once locked. */
static void shrink_to_fit(struct ksyms *ks)
{
	void *p;

	if (ks->n && (p = realloc(ks->syms, ks->n * sizeof(*ks->syms)))) {
		ks->syms = p;
		ks->cap = ks->n;
	}
	if (ks->strs_len && (p = realloc(ks->strs, ks->strs_len))) {
		ks->strs = p;
		ks->strs_cap = ks->strs_len;
	}
}

static int sorted(const struct ksyms *ks)
{
	for (size_t i = 1; i < ks->n; i++)
		if (ks->syms[i].addr < ks->syms[i - 1].addr)
			return 0;
	return 1;
}

struct ksyms *ksyms__load(const char *path)
{
	char line[1024], *name, *module;
	struct ksyms *ks;
	uint64_t addr;
	FILE *f;

	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f)
		return NULL;
	/* a read of /proc/kallsyms returns as much as fits: fewer, larger reads */
	setvbuf(f, NULL, _IOFBF, 64 << 10);
	ks = calloc(1, sizeof(*ks));
	if (!ks)
		goto err_close;
	ks->hidden = 1;
	ks->last_module = NO_MODULE;
	while (fgets(line, sizeof(line), f)) {
		if (parse_line(line, &addr, &name, &module) || is_padding_symbol(name))
			continue;
		if (addr)
			ks->hidden = 0;
		if (add_symbol(ks, addr, name, module))
			goto err_free;
	}
	fclose(f);
	/* the kernel lists vmlinux in address order: sorting is rarely needed */
	if (!sorted(ks))
		qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
	shrink_to_fit(ks);
	return ks;

err_free:
	ksyms__free(ks);
	errno = ENOMEM;
err_close:
	fclose(f);
	return NULL;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->strs);
	free(ks);
}

static void fill(const struct ksyms *ks, const struct ksym_entry *e, struct ksym *ret)
{
	ret->addr = e->addr;
	ret->name = ks->strs + e->name;
	ret->module = e->module == NO_MODULE ? NULL : ks->strs + e->module;
}

/* index of the last entry at or below addr; -1 if none */
static long find_index(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!ks || !ks->n || ks->hidden || addr < ks->syms[0].addr)
		return -1;
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

int ksyms__find(const struct ksyms *ks, uint64_t addr, struct ksym *ret)
{
	long i = find_index(ks, addr);

	if (i < 0)
		return -ENOENT;
	fill(ks, &ks->syms[i], ret);
	return 0;
}

/* name itself, or name followed by a compiler clone suffix (".isra.0"...) */
static int name_matches(const char *sym, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(sym, name, n))
		return 0;
	return sym[n] == '\0' || sym[n] == '.';
}

/* The vmlinux entry of name itself, or else of its first clone; NULL if neither. */
static const struct ksym_entry *lookup_name(const struct ksyms *ks, const char *name)
{
	const struct ksym_entry *clone = NULL;

	if (!ks)
		return NULL;
	for (size_t i = 0; i < ks->n; i++) {
		const struct ksym_entry *e = &ks->syms[i];
		const char *s = ks->strs + e->name;

		if (e->module != NO_MODULE || !name_matches(s, name))
			continue;
		if (!strcmp(s, name))
			return e;
		if (!clone)
			clone = e;
	}
	return clone;
}

const char *ksyms__resolve_name(const struct ksyms *ks, const char *name)
{
	const struct ksym_entry *e = lookup_name(ks, name);

	return e ? ks->strs + e->name : NULL;
}

uint64_t ksyms__addr(const struct ksyms *ks, const char *name)
{
	const struct ksym_entry *e = lookup_name(ks, name);

	return e && !ks->hidden ? e->addr : 0;
}

uint64_t ksyms__next_addr(const struct ksyms *ks, uint64_t addr)
{
	long i = find_index(ks, addr);

	if (i < 0)
		return 0;
	for (size_t j = (size_t)i; j < ks->n; j++)
		if (ks->syms[j].addr > addr)
			return ks->syms[j].addr;
	return 0;
}

int ksyms__hidden(const struct ksyms *ks)
{
	return !ks || ks->hidden;
}

size_t ksyms__count(const struct ksyms *ks)
{
	return ks ? ks->n : 0;
}
