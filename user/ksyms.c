// SPDX-License-Identifier: GPL-2.0
/* /proc/kallsyms, sorted by address for lookups. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

struct ksyms {
	struct ksym *syms;
	size_t n, cap;
	char *strs;		/* one arena for names and modules */
	size_t strs_len, strs_cap;
	int hidden;
};

static long add_str(struct ksyms *ks, const char *s)
{
	size_t len = strlen(s) + 1;
	long off;

	if (ks->strs_len + len > ks->strs_cap) {
		size_t cap = ks->strs_cap ? ks->strs_cap * 2 : 1 << 20;
		char *p;

		while (cap < ks->strs_len + len)
			cap *= 2;
		p = realloc(ks->strs, cap);
		if (!p)
			return -1;
		ks->strs = p;
		ks->strs_cap = cap;
	}
	memcpy(ks->strs + ks->strs_len, s, len);
	off = (long)ks->strs_len;
	ks->strs_len += len;
	return off;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return (x->addr > y->addr) - (x->addr < y->addr);
}

struct ksyms *ksyms__load(const char *path)
{
	char line[512], name[256], mod[256], type;
	struct ksyms *ks;
	unsigned long long addr;
	FILE *f;

	f = fopen(path ? path : "/proc/kallsyms", "re");
	if (!f)
		return NULL;
	ks = calloc(1, sizeof(*ks));
	if (!ks)
		goto err_close;
	ks->hidden = 1;
	while (fgets(line, sizeof(line), f)) {
		int n;
		long noff, moff = -1;

		mod[0] = '\0';
		n = sscanf(line, "%llx %c %255s [%255[^]]]", &addr, &type, name, mod);
		if (n < 3)
			continue;
		/* only text symbols and data the tracer reads */
		if (addr)
			ks->hidden = 0;
		if (ks->n == ks->cap) {
			size_t cap = ks->cap ? ks->cap * 2 : 65536;
			struct ksym *p = realloc(ks->syms, cap * sizeof(*p));

			if (!p)
				goto err_free;
			ks->syms = p;
			ks->cap = cap;
		}
		noff = add_str(ks, name);
		if (noff < 0)
			goto err_free;
		if (mod[0]) {
			moff = add_str(ks, mod);
			if (moff < 0)
				goto err_free;
		}
		/* store offsets now; the arena may move while growing */
		ks->syms[ks->n].addr = addr;
		ks->syms[ks->n].name = (char *)(uintptr_t)noff;
		ks->syms[ks->n].module = (char *)(intptr_t)moff;
		ks->n++;
	}
	fclose(f);
	for (size_t i = 0; i < ks->n; i++) {
		intptr_t moff = (intptr_t)ks->syms[i].module;

		ks->syms[i].name = ks->strs + (uintptr_t)ks->syms[i].name;
		ks->syms[i].module = moff < 0 ? NULL : ks->strs + moff;
	}
	qsort(ks->syms, ks->n, sizeof(*ks->syms), cmp_addr);
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

const struct ksym *ksyms__find(const struct ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!ks || !ks->n || ks->hidden || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return &ks->syms[lo];
}

/* name itself, or name followed by a compiler clone suffix (".isra.0"...) */
static int name_matches(const char *sym, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(sym, name, n))
		return 0;
	return sym[n] == '\0' || sym[n] == '.';
}

const char *ksyms__resolve_name(const struct ksyms *ks, const char *name)
{
	const char *clone = NULL;

	if (!ks)
		return NULL;
	for (size_t i = 0; i < ks->n; i++) {
		if (ks->syms[i].module || !name_matches(ks->syms[i].name, name))
			continue;
		if (!strcmp(ks->syms[i].name, name))
			return ks->syms[i].name;
		if (!clone)
			clone = ks->syms[i].name;
	}
	return clone;
}

uint64_t ksyms__addr(const struct ksyms *ks, const char *name)
{
	const char *full = ksyms__resolve_name(ks, name);

	if (!full || ks->hidden)
		return 0;
	/* names point into the arena: find the entry by pointer */
	for (size_t i = 0; i < ks->n; i++)
		if (ks->syms[i].name == full)
			return ks->syms[i].addr;
	return 0;
}

uint64_t ksyms__next_addr(const struct ksyms *ks, uint64_t addr)
{
	const struct ksym *s = ksyms__find(ks, addr);

	if (!s)
		return 0;
	for (const struct ksym *e = ks->syms + ks->n; s < e; s++)
		if (s->addr > addr)
			return s->addr;
	return 0;
}

int ksyms__hidden(const struct ksyms *ks)
{
	return !ks || ks->hidden;
}
