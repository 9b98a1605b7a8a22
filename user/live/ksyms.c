// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms, sorted by address for lookups.
 *
 * Compact, because a recorder keeps it (locked in memory) for as long as it
 * runs: 8 bytes a symbol (the lower half of its address, its name's offset
 * in one string arena), the upper halves and the modules as runs of the
 * sorted table, names stored once and everything sized exactly once loaded
 * (about 2 MB for a 6.18 kernel's 64k functions, 7.2 MB before). Lookups
 * stay binary searches. The __pfx_/__cfi_ symbols the kernel places in the
 * padding before functions (about half of a 6.x kallsyms) are left out: a
 * return address is never in that padding, and the function before it then
 * simply ends where the next one starts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

#define IOBUF_SIZE (64 << 10)

#define NO_MODULE UINT32_MAX

/* A symbol while loading; the loaded table keeps less. */
struct ksym_entry {
	uint64_t addr;
	uint32_t name;		/* offsets into strs */
	uint32_t module;	/* NO_MODULE for vmlinux */
};

/* Runs of the sorted table: symbols sharing their address's upper 32 bits,
 * and symbols of one module (or of vmlinux). */
struct ksym_run {
	uint32_t start;		/* index of its first symbol */
	uint32_t value;		/* upper address bits, or module name offset */
};

struct ksyms {
	/* while loading */
	struct ksym_entry *load;
	size_t cap;
	uint32_t last_module;	/* consecutive symbols of a module share its name */
	/* loaded: 8 bytes a symbol, sorted by address */
	size_t n;
	uint32_t *lo;		/* lower 32 bits of each address */
	uint32_t *name;		/* offset of each name in strs */
	struct ksym_run *his, *mods;
	size_t n_his, n_mods;
	char *strs;		/* one arena for names and modules */
	size_t strs_len, strs_cap;
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
		struct ksym_entry *p;

		if (cap > UINT32_MAX)
			return -ENOMEM;
		p = realloc(ks->load, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ks->load = p;
		ks->cap = cap;
	}
	if (add_str(ks, name, strlen(name), &off))
		return -ENOMEM;
	e = &ks->load[ks->n];
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

static int sorted(const struct ksym_entry *e, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (e[i].addr < e[i - 1].addr)
			return 0;
	return 1;
}

/* Append a run starting at index i unless the last one has the same value. */
static int add_run(struct ksym_run **runs, size_t *n, uint32_t i, uint32_t value)
{
	struct ksym_run *p;

	if (*n && (*runs)[*n - 1].value == value)
		return 0;
	/* few runs (a handful of address ranges, the modules): grow by one */
	p = realloc(*runs, (*n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*runs = p;
	p[*n].start = i;
	p[*n].value = value;
	(*n)++;
	return 0;
}

/*
 * The loaded table: sorted, 8 bytes a symbol (the lower half of its
 * address, its name), its upper address halves and modules as runs.
 * Everything sized exactly: mlockall() would make unused capacity resident.
 */
static int compact(struct ksyms *ks)
{
	char *strs;

	/* the kernel lists vmlinux in address order: sorting is rarely needed */
	if (!sorted(ks->load, ks->n))
		qsort(ks->load, ks->n, sizeof(*ks->load), cmp_addr);
	ks->lo = malloc((ks->n ? ks->n : 1) * sizeof(*ks->lo));
	ks->name = malloc((ks->n ? ks->n : 1) * sizeof(*ks->name));
	if (!ks->lo || !ks->name)
		return -ENOMEM;
	for (size_t i = 0; i < ks->n; i++) {
		const struct ksym_entry *e = &ks->load[i];

		ks->lo[i] = (uint32_t)e->addr;
		ks->name[i] = e->name;
		if (add_run(&ks->his, &ks->n_his, (uint32_t)i, (uint32_t)(e->addr >> 32)) ||
		    add_run(&ks->mods, &ks->n_mods, (uint32_t)i, e->module))
			return -ENOMEM;
	}
	free(ks->load);
	ks->load = NULL;
	if (ks->strs_len && (strs = realloc(ks->strs, ks->strs_len))) {
		ks->strs = strs;
		ks->strs_cap = ks->strs_len;
	}
	return 0;
}

struct ksyms *ksyms__load(const char *path)
{
	char *iobuf = malloc(IOBUF_SIZE), line[1024], *name, *module;
	struct ksyms *ks;
	uint64_t addr;
	FILE *f;

	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f) {
		free(iobuf);
		return NULL;
	}
	/* a read of /proc/kallsyms returns as much as fits: fewer, larger reads
	 * (glibc ignores the size without a buffer, and /proc says 1 KiB) */
	if (iobuf)
		setvbuf(f, iobuf, _IOFBF, IOBUF_SIZE);
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
	free(iobuf);
	if (compact(ks)) {
		ksyms__free(ks);
		errno = ENOMEM;
		return NULL;
	}
	return ks;

err_free:
	ksyms__free(ks);
	errno = ENOMEM;
err_close:
	fclose(f);
	free(iobuf);
	return NULL;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->load);
	free(ks->lo);
	free(ks->name);
	free(ks->his);
	free(ks->mods);
	free(ks->strs);
	free(ks);
}

/* The run holding index i (runs cover 0..n-1 from their starts). */
static const struct ksym_run *run_of(const struct ksym_run *runs, size_t n, size_t i)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (runs[mid].start <= i)
			lo = mid;
		else
			hi = mid;
	}
	return &runs[lo];
}

static uint64_t addr_of(const struct ksyms *ks, size_t i)
{
	return (uint64_t)run_of(ks->his, ks->n_his, i)->value << 32 | ks->lo[i];
}

static const char *module_of(const struct ksyms *ks, size_t i)
{
	uint32_t m = run_of(ks->mods, ks->n_mods, i)->value;

	return m == NO_MODULE ? NULL : ks->strs + m;
}

/* index of the last symbol at or below addr; -1 if none */
static long find_index(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	if (!ks || !ks->n || ks->hidden || addr < addr_of(ks, 0))
		return -1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr_of(ks, mid) <= addr)
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
	ret->addr = addr_of(ks, (size_t)i);
	ret->name = ks->strs + ks->name[i];
	ret->module = module_of(ks, (size_t)i);
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

/* The index of vmlinux's name itself, or else of its first clone; -1 if neither. */
static long lookup_name(const struct ksyms *ks, const char *name)
{
	long clone = -1;

	if (!ks)
		return -1;
	for (size_t i = 0; i < ks->n; i++) {
		const char *s = ks->strs + ks->name[i];

		if (!name_matches(s, name) || module_of(ks, i))
			continue;
		if (!strcmp(s, name))
			return (long)i;
		if (clone < 0)
			clone = (long)i;
	}
	return clone;
}

const char *ksyms__resolve_name(const struct ksyms *ks, const char *name)
{
	long i = lookup_name(ks, name);

	return i >= 0 ? ks->strs + ks->name[i] : NULL;
}

const char *ksyms__split_part(const struct ksyms *ks, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; ks && i < ks->n; i++) {
		const char *s = ks->strs + ks->name[i];

		if (!strncmp(s, name, n) && !strncmp(s + n, ".part.", 6) && !module_of(ks, i))
			return s;
	}
	return NULL;
}

uint64_t ksyms__addr(const struct ksyms *ks, const char *name)
{
	long i = lookup_name(ks, name);

	return i >= 0 && !ks->hidden ? addr_of(ks, (size_t)i) : 0;
}

uint64_t ksyms__next_addr(const struct ksyms *ks, uint64_t addr)
{
	long i = find_index(ks, addr);

	if (i < 0)
		return 0;
	for (size_t j = (size_t)i; j < ks->n; j++)
		if (addr_of(ks, j) > addr)
			return addr_of(ks, j);
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

struct ksyms_async {
	const char *path;
	pthread_t thread;
	bool started, done;
	struct ksyms *ks;
	int err;
};

static void *load_thread(void *arg)
{
	struct ksyms_async *as = arg;

	as->ks = ksyms__load(as->path);
	as->err = as->ks ? 0 : errno;
	return NULL;
}

struct ksyms_async *ksyms__load_async(const char *path)
{
	struct ksyms_async *as = calloc(1, sizeof(*as));

	if (!as)
		return NULL;
	pthread_attr_t attr;

	as->path = path;
	/*
	 * A small stack: glibc keeps a finished thread's stack for reuse, and
	 * a tracer that then locks its memory (mlockall) would hold a default
	 * 8 MiB stack resident for as long as it runs.
	 */
	if (pthread_attr_init(&attr))
		return as;
	pthread_attr_setstacksize(&attr, 64 << 10);
	as->started = !pthread_create(&as->thread, &attr, load_thread, as);
	pthread_attr_destroy(&attr);
	return as;
}

const struct ksyms *ksyms_async__get(struct ksyms_async *as)
{
	if (!as) {
		errno = ENOMEM;
		return NULL;
	}
	if (!as->done) {
		if (as->started)
			pthread_join(as->thread, NULL);
		else
			load_thread(as);
		as->done = true;
	}
	if (!as->ks)
		errno = as->err;
	return as->ks;
}

void ksyms_async__free(struct ksyms_async *as)
{
	if (!as)
		return;
	ksyms_async__get(as);	/* a running thread is waited for, never left behind */
	ksyms__free(as->ks);
	free(as);
}
