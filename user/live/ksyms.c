// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/kallsyms, sorted by address for lookups.
 *
 * The table answers the loader: the address of a name, and where the
 * function at an address ends. Names are not kept, only a 64-bit hash of
 * each (of the name up to a compiler clone suffix, ".isra.0"): 12 bytes a
 * symbol, about 0.8 MB for a 6.18 kernel's 64k functions (1.8 MB with the
 * names, 7.2 MB at first). It is built while libbpf parses the kernel's
 * BTF, which sets the tracer's peak memory. The upper address halves and
 * the modules are runs of the sorted table. Names for addresses come from
 * the stack cache below, which reads kallsyms again. The __pfx_/__cfi_
 * symbols the kernel places in the padding before functions (about half of
 * a 6.x kallsyms) are left out: a return address is never in that padding,
 * and the function before it then simply ends where the next one starts.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ksyms.h"

/* one read of /proc/kallsyms: large, since each read() formats as much as fits */
#define KSYMS_SCAN_BUF (64 << 10)

#define NO_MODULE UINT32_MAX

/* bit 63 of a symbol's hash: its name has a clone suffix */
#define HASH_CLONE (1ull << 63)

/* A symbol while loading out of address order; the loaded table keeps less. */
struct ksym_entry {
	uint64_t addr;
	uint64_t hash;		/* name_hash() */
	uint32_t module;	/* offset in strs; NO_MODULE for vmlinux */
};

/* Runs of the sorted table: symbols sharing their address's upper 32 bits,
 * and symbols of one module (or of vmlinux). */
struct ksym_run {
	uint32_t start;		/* index of its first symbol */
	uint32_t value;		/* upper address bits, or module name offset */
};

struct ksyms {
	/*
	 * While loading: symbols go straight into the compact arrays below as
	 * long as they come in address order (the kernel lists vmlinux so);
	 * the first one out of order moves them all into load, sorted at the
	 * end. The compact arrays at 8 bytes a symbol, not 16: the table peaks
	 * at half the size while the kernel's BTF is being parsed next to it.
	 */
	struct ksym_entry *load;
	size_t cap;		/* of load, or of lo and name */
	uint64_t last_addr;
	uint32_t last_module;	/* consecutive symbols of a module share its name */
	/* loaded: 12 bytes a symbol, sorted by address */
	size_t n;
	uint32_t *lo;		/* lower 32 bits of each address */
	uint64_t *hash;		/* name_hash() of each name */
	struct ksym_run *his, *mods;
	size_t n_his, n_mods;
	char *strs;		/* module names */
	size_t strs_len, strs_cap;
	int hidden;
	char *path;		/* to read names again (resolve_name of a clone) */
	char *resolved;		/* ksyms__resolve_name's answer for a clone */
};

#define RESOLVED_MAX 512	/* KSYM_NAME_LEN */

/* FNV-1a of the name up to its first '.', HASH_CLONE set if there is one. */
static uint64_t name_hash(const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len && name[i] != '.'; i++)
		h = (h ^ (unsigned char)name[i]) * 0x100000001b3ull;
	h &= ~HASH_CLONE;
	return i < len ? h | HASH_CLONE : h;
}

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

/* name is not terminated: len says where it ends */
static int is_padding_symbol(const char *name, size_t len)
{
	return len >= 6 && name[0] == '_' && name[1] == '_' &&
	       (!memcmp(name + 2, "pfx_", 4) || !memcmp(name + 2, "cfi_", 4));
}

/* One kallsyms line, its strings not terminated (they point into the read buffer). */
struct ksym_line {
	uint64_t addr;
	const char *name, *module;	/* module NULL for vmlinux */
	size_t name_len, module_len;
};

/* 1 + the value of each hex digit, 0 for anything else */
static const unsigned char hex_value[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
	['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/*
 * One line (without its newline): "ADDR TYPE NAME" or "ADDR TYPE
 * NAME\t[MODULE]". 0 with the parts, -EINVAL if it is not one.
 */
static int parse_line(const char *p, const char *end, struct ksym_line *ret)
{
	const char *q = p, *name;
	uint64_t addr = 0;
	int digits = 0;

	while (q < end && hex_value[(unsigned char)*q]) {
		if (++digits > 16)
			return -EINVAL;
		addr = addr << 4 | (uint64_t)(hex_value[(unsigned char)*q] - 1);
		q++;
	}
	if (!digits || end - q < 4 || q[0] != ' ' || q[1] == ' ' || q[2] != ' ')
		return -EINVAL;
	name = q + 3;
	/* kernel symbol names hold no blanks: the name ends at the tab before
	 * a module, or at the end of the line */
	q = memchr(name, '\t', (size_t)(end - name));
	if (!q)
		q = end;
	if (q == name || memchr(name, ' ', (size_t)(q - name)))
		return -EINVAL;
	ret->addr = addr;
	ret->name = name;
	ret->name_len = (size_t)(q - name);
	ret->module = NULL;
	ret->module_len = 0;
	if (end - q >= 2 && q[0] == '\t' && q[1] == '[') {
		const char *m = q + 2, *e = memchr(m, ']', (size_t)(end - m));

		ret->module = m;
		ret->module_len = (size_t)((e ? e : end) - m);
	}
	return 0;
}

/*
 * Every symbol of a kallsyms file (the padding ones left out) to cb, which
 * returns 0 to go on. Reads with plain read() into buf, which the caller
 * owns: nothing is allocated, so it also works under memory pressure. A
 * read of /proc/kallsyms returns as much as fits: large reads, few calls.
 * Returns 0, -errno, or what cb returned to stop.
 */
static int kallsyms_scan_fd(int fd, char *buf, size_t size,
			    int (*cb)(void *arg, const struct ksym_line *l), void *arg)
{
	size_t have = 0;
	bool skipping = false;	/* the rest of a line longer than buf */
	int ret = 0;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, size - 1 - have);
		char *p = buf, *end, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		end = buf + have + n;
		if (n == 0 && have && !skipping)	/* a last line without its newline */
			*end++ = '\n';
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			struct ksym_line l;

			if (!skipping && !parse_line(p, nl, &l) && !is_padding_symbol(l.name, l.name_len) &&
			    (ret = cb(arg, &l)))
				goto out;
			skipping = false;
			p = nl + 1;
		}
		if (n == 0)
			break;
		have = (size_t)(end - p);
		if (have == size - 1) {		/* no line is that long: drop it */
			skipping = true;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
	}
out:
	return ret;
}

static int kallsyms_scan(const char *path, char *buf, size_t size,
			 int (*cb)(void *arg, const struct ksym_line *l), void *arg)
{
	int fd = open(path ? path : "/proc/kallsyms", O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = kallsyms_scan_fd(fd, buf, size, cb, arg);
	close(fd);
	return ret;
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

/* Append to the compact arrays (in address order): 0 or -ENOMEM. */
static int append_sorted(struct ksyms *ks, uint64_t addr, uint64_t hash, uint32_t module)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 65536;
		uint32_t *lo;
		uint64_t *h;

		if (cap > UINT32_MAX)
			return -ENOMEM;
		lo = realloc(ks->lo, cap * sizeof(*lo));
		if (lo)
			ks->lo = lo;
		h = lo ? realloc(ks->hash, cap * sizeof(*h)) : NULL;
		if (!h)
			return -ENOMEM;
		ks->hash = h;
		ks->cap = cap;
	}
	if (add_run(&ks->his, &ks->n_his, (uint32_t)ks->n, (uint32_t)(addr >> 32)) ||
	    add_run(&ks->mods, &ks->n_mods, (uint32_t)ks->n, module))
		return -ENOMEM;
	ks->lo[ks->n] = (uint32_t)addr;
	ks->hash[ks->n] = hash;
	ks->n++;
	return 0;
}

static uint64_t addr_of(const struct ksyms *ks, size_t i);
static const struct ksym_run *run_of(const struct ksym_run *runs, size_t n, size_t i);

/* A symbol out of order: everything so far into the load array. */
static int to_load(struct ksyms *ks)
{
	size_t cap = ks->n * 2 > 65536 ? ks->n * 2 : 65536;
	struct ksym_entry *e = malloc(cap * sizeof(*e));

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < ks->n; i++) {
		e[i].addr = addr_of(ks, i);
		e[i].hash = ks->hash[i];
		e[i].module = run_of(ks->mods, ks->n_mods, i)->value;
	}
	free(ks->lo);
	free(ks->hash);
	free(ks->his);
	free(ks->mods);
	ks->lo = NULL;
	ks->hash = NULL;
	ks->his = ks->mods = NULL;
	ks->n_his = ks->n_mods = 0;
	ks->load = e;
	ks->cap = cap;
	return 0;
}

static int add_symbol(struct ksyms *ks, const struct ksym_line *l)
{
	uint64_t hash = name_hash(l->name, l->name_len);
	uint32_t module = NO_MODULE;
	struct ksym_entry *e;

	if (l->module) {
		const char *last = ks->last_module == NO_MODULE ? NULL : ks->strs + ks->last_module;

		if (!last || strlen(last) != l->module_len || memcmp(last, l->module, l->module_len)) {
			uint32_t m;

			if (add_str(ks, l->module, l->module_len, &m))
				return -ENOMEM;
			ks->last_module = m;
		}
		module = ks->last_module;
	}
	if (l->addr)
		ks->hidden = 0;
	if (!ks->load) {
		if (!ks->n || l->addr >= ks->last_addr) {
			ks->last_addr = l->addr;
			return append_sorted(ks, l->addr, hash, module);
		}
		if (to_load(ks))
			return -ENOMEM;
	}
	if (ks->n == ks->cap) {
		size_t cap = ks->cap * 2;
		struct ksym_entry *p;

		if (cap > UINT32_MAX)
			return -ENOMEM;
		p = realloc(ks->load, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		ks->load = p;
		ks->cap = cap;
	}
	e = &ks->load[ks->n];
	e->addr = l->addr;
	e->hash = hash;
	e->module = module;
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

/*
 * The loaded table: sorted, 8 bytes a symbol (the lower half of its
 * address, its name), its upper address halves and modules as runs.
 * Everything sized exactly: mlockall() would make unused capacity resident.
 */
static int compact(struct ksyms *ks)
{
	char *strs;

	if (!ks->load) {	/* in order all along: the arrays are there, shrink them */
		uint32_t *p;

		uint64_t *h;

		if (ks->n && (p = realloc(ks->lo, ks->n * sizeof(*p))))
			ks->lo = p;
		if (ks->n && (h = realloc(ks->hash, ks->n * sizeof(*h))))
			ks->hash = h;
		if (!ks->n && (!(ks->lo = malloc(sizeof(*ks->lo))) ||
			       !(ks->hash = malloc(sizeof(*ks->hash)))))
			return -ENOMEM;
		goto strings;
	}
	/* out of order somewhere (modules, BPF programs): sort */
	if (!sorted(ks->load, ks->n))
		qsort(ks->load, ks->n, sizeof(*ks->load), cmp_addr);
	ks->lo = malloc((ks->n ? ks->n : 1) * sizeof(*ks->lo));
	ks->hash = malloc((ks->n ? ks->n : 1) * sizeof(*ks->hash));
	if (!ks->lo || !ks->hash)
		return -ENOMEM;
	for (size_t i = 0; i < ks->n; i++) {
		const struct ksym_entry *e = &ks->load[i];

		ks->lo[i] = (uint32_t)e->addr;
		ks->hash[i] = e->hash;
		if (add_run(&ks->his, &ks->n_his, (uint32_t)i, (uint32_t)(e->addr >> 32)) ||
		    add_run(&ks->mods, &ks->n_mods, (uint32_t)i, e->module))
			return -ENOMEM;
	}
	free(ks->load);
	ks->load = NULL;
strings:
	if (ks->strs_len && (strs = realloc(ks->strs, ks->strs_len))) {
		ks->strs = strs;
		ks->strs_cap = ks->strs_len;
	}
	return 0;
}

static int add_symbol_cb(void *arg, const struct ksym_line *l)
{
	return add_symbol(arg, l);
}

struct ksyms *ksyms__load(const char *path)
{
	/* mapped, not malloc'ed: a freed 64 KiB block would stay a hole in the
	 * heap, which locking memory makes resident */
	char *buf = mmap(NULL, KSYMS_SCAN_BUF, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct ksyms *ks = calloc(1, sizeof(*ks));
	int err = -ENOMEM;

	if (buf == MAP_FAILED)
		buf = NULL;
	if (!buf || !ks)
		goto err;
	ks->hidden = 1;
	ks->last_module = NO_MODULE;
	ks->resolved = malloc(RESOLVED_MAX);
	ks->path = path ? strdup(path) : NULL;
	if (!ks->resolved || (path && !ks->path))
		goto err;
	err = kallsyms_scan(path, buf, KSYMS_SCAN_BUF, add_symbol_cb, ks);
	if (!err)
		err = compact(ks);
	if (err)
		goto err;
	munmap(buf, KSYMS_SCAN_BUF);
	return ks;
err:
	if (buf)
		munmap(buf, KSYMS_SCAN_BUF);
	ksyms__free(ks);
	errno = -err;
	return NULL;
}

void ksyms__free(struct ksyms *ks)
{
	if (!ks)
		return;
	free(ks->load);
	free(ks->lo);
	free(ks->hash);
	free(ks->his);
	free(ks->mods);
	free(ks->strs);
	free(ks->path);
	free(ks->resolved);
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
	ret->name = NULL;	/* not kept: ksyms_cache has names */
	ret->module = module_of(ks, (size_t)i);
	return 0;
}

/*
 * The index of vmlinux's name itself, or else of its first clone
 * (".isra.0", ".constprop.0"...); -1 if neither. Names are compared by
 * hash (64 bits: among 64k symbols a false match is about 1 in 2^48).
 * A name with a '.' of its own can only be a clone's full name: not looked up.
 */
static long lookup_name(const struct ksyms *ks, const char *name)
{
	uint64_t h = name_hash(name, strlen(name));
	long clone = -1;

	if (!ks || (h & HASH_CLONE))
		return -1;
	for (size_t i = 0; i < ks->n; i++) {
		if ((ks->hash[i] & ~HASH_CLONE) != h || module_of(ks, i))
			continue;
		if (!(ks->hash[i] & HASH_CLONE))
			return (long)i;
		if (clone < 0)
			clone = (long)i;
	}
	return clone;
}

struct resolve_scan {
	uint64_t addr, hash;
	char *out;
	bool found;
};

static int resolve_cb(void *arg, const struct ksym_line *l)
{
	struct resolve_scan *r = arg;
	size_t n = l->name_len < RESOLVED_MAX - 1 ? l->name_len : RESOLVED_MAX - 1;

	if (l->addr != r->addr || l->module || name_hash(l->name, l->name_len) != r->hash)
		return 0;
	memcpy(r->out, l->name, n);
	r->out[n] = '\0';
	r->found = true;
	return 1;
}

/* The full name of clone i, read again from kallsyms (kprobe mode and doctor only); NULL if gone. */
static const char *clone_name(const struct ksyms *ks, size_t i)
{
	struct resolve_scan r = { .addr = addr_of(ks, i), .hash = ks->hash[i], .out = ks->resolved };
	char *buf = malloc(KSYMS_SCAN_BUF);

	if (!buf)
		return NULL;
	kallsyms_scan(ks->path, buf, KSYMS_SCAN_BUF, resolve_cb, &r);
	free(buf);
	return r.found ? ks->resolved : NULL;
}

const char *ksyms__resolve_name(const struct ksyms *ks, const char *name)
{
	long i = lookup_name(ks, name);

	if (i < 0)
		return NULL;
	if (!(ks->hash[i] & HASH_CLONE))
		return name;
	return clone_name(ks, (size_t)i);
}

const char *ksyms__split_part(const struct ksyms *ks, const char *name)
{
	uint64_t h = name_hash(name, strlen(name));
	size_t n = strlen(name);

	if (!ks || (h & HASH_CLONE))
		return NULL;
	for (size_t i = 0; i < ks->n; i++) {
		const char *full;

		if (ks->hash[i] != (h | HASH_CLONE) || module_of(ks, i))
			continue;
		full = clone_name(ks, i);
		if (full && !strncmp(full, name, n) && !strncmp(full + n, ".part.", 6))
			return full;
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
	void *stack;		/* the thread's, ours to unmap once it is joined */
	struct ksyms *ks;
	int err;
};

#define LOAD_THREAD_STACK (64 << 10)

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
	pthread_attr_t attr;
	void *stack;

	if (!as)
		return NULL;
	as->path = path;
	/*
	 * A stack of our own, unmapped once the thread is joined: glibc keeps
	 * the stacks it allocates for reuse, and a tracer that then locks its
	 * memory (mlockall) would hold it resident for as long as it runs.
	 */
	stack = mmap(NULL, LOAD_THREAD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return as;
	if (pthread_attr_init(&attr)) {
		munmap(stack, LOAD_THREAD_STACK);
		return as;
	}
	pthread_attr_setstack(&attr, stack, LOAD_THREAD_STACK);
	as->started = !pthread_create(&as->thread, &attr, load_thread, as);
	pthread_attr_destroy(&attr);
	if (as->started)
		as->stack = stack;
	else
		munmap(stack, LOAD_THREAD_STACK);
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
		if (as->stack)
			munmap(as->stack, LOAD_THREAD_STACK);
		as->stack = NULL;
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

/*
 * The stack cache: what symbolizing kernel stacks needs, in fixed storage.
 * Each entry is the range of one function, [start, end): every address in
 * it has that function as its last symbol at or below, so later frames in
 * the same function are hits. Misses are resolved together, in one scan of
 * kallsyms that keeps, for each address, the best symbol so far and the
 * nearest symbol above it. Names are copied out of the read buffer into
 * slots; a slot is shared by every pending address that took the same line,
 * so a scan copies each line's name at most once.
 */
#define KC_NAME 128		/* oom_frame.sym */
#define KC_MODULE 64		/* MODULE_NAME_LEN is 56 */
/* kept for as long as we run: smaller than the loader's, more reads a scan */
#define KC_SCAN_BUF (16 << 10)

struct kc_entry {
	uint64_t start, end;	/* end UINT64_MAX: above the last symbol */
	uint64_t used;		/* batch that last needed it; 0 = free */
	bool found;		/* false: no symbol at or below (a negative range) */
	char name[KC_NAME];
	char module[KC_MODULE];	/* "" for vmlinux */
};

struct kc_slot {
	int refs;
	char name[KC_NAME];
	char module[KC_MODULE];
};

struct kc_pending {
	uint64_t addr;
	uint64_t best, end;
	int slot;		/* -1: nothing at or below yet */
};

struct ksyms_cache {
	/*
	 * Opened once, read again from the start for every scan: kallsyms
	 * shows addresses by the credentials of whoever opened it, and a
	 * recorder drops its privileges once attached.
	 */
	int fd, open_err;	/* open_err: -errno when fd is -1 */
	size_t cap;
	struct kc_entry *e;
	uint64_t batch;
	uint64_t scans, failed_scans;
	/* one scan's state */
	struct kc_pending pend[KSYMS_CACHE_BATCH];
	struct kc_slot slots[KSYMS_CACHE_BATCH + 1];
	size_t n_pend;
	char *buf;
};

/* Zeroed; all of it is brought in (and kept) when memory is locked (protect.c). */
static void touch(void *p, size_t n)
{
	memset(p, 0, n);
}

struct ksyms_cache *ksyms_cache__new(const char *path, size_t cap)
{
	struct ksyms_cache *kc = malloc(sizeof(*kc));

	if (!kc)
		return NULL;
	touch(kc, sizeof(*kc));
	kc->cap = cap < KSYMS_CACHE_BATCH ? KSYMS_CACHE_BATCH : cap;
	/* unreadable: every scan fails, and is counted */
	kc->fd = open(path ? path : "/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	kc->open_err = kc->fd < 0 ? -errno : 0;
	kc->e = malloc(kc->cap * sizeof(*kc->e));
	kc->buf = malloc(KC_SCAN_BUF);
	if (!kc->e || !kc->buf) {
		ksyms_cache__free(kc);
		return NULL;
	}
	touch(kc->e, kc->cap * sizeof(*kc->e));
	touch(kc->buf, KC_SCAN_BUF);
	return kc;
}

void ksyms_cache__free(struct ksyms_cache *kc)
{
	if (!kc)
		return;
	if (kc->fd >= 0)
		close(kc->fd);
	free(kc->e);
	free(kc->buf);
	free(kc);
}

static struct kc_entry *kc_lookup(const struct ksyms_cache *kc, uint64_t addr)
{
	for (size_t i = 0; i < kc->cap; i++)
		if (kc->e[i].used && addr >= kc->e[i].start && addr < kc->e[i].end)
			return &kc->e[i];
	return NULL;
}

static void copy_str(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static int kc_scan_cb(void *arg, const struct ksym_line *l)
{
	struct ksyms_cache *kc = arg;
	int slot = -1;

	for (size_t i = 0; i < kc->n_pend; i++) {
		struct kc_pending *p = &kc->pend[i];

		if (l->addr > p->addr) {
			if (l->addr < p->end)
				p->end = l->addr;
			continue;
		}
		/* at or below: the later of equal addresses wins, as in the table */
		if (p->slot >= 0 && l->addr < p->best)
			continue;
		if (slot < 0) {
			for (slot = 0; kc->slots[slot].refs; slot++)
				;	/* one more slot than pending addresses: one is free */
			copy_str(kc->slots[slot].name, KC_NAME, l->name, l->name_len);
			copy_str(kc->slots[slot].module, KC_MODULE, l->module ? l->module : "",
				 l->module_len);
		}
		if (p->slot >= 0)
			kc->slots[p->slot].refs--;
		p->slot = slot;
		kc->slots[slot].refs++;
		p->best = l->addr;
	}
	return 0;
}

/* The entry to reuse: a free one, else the one least recently needed. */
static struct kc_entry *kc_victim(struct ksyms_cache *kc)
{
	struct kc_entry *v = NULL;

	for (size_t i = 0; i < kc->cap; i++) {
		struct kc_entry *e = &kc->e[i];

		if (!e->used)
			return e;
		if (e->used != kc->batch && (!v || e->used < v->used))
			v = e;
	}
	return v;
}

int ksyms_cache__fill(struct ksyms_cache *kc, const uint64_t *addrs, size_t n)
{
	int err;

	kc->batch++;
	kc->n_pend = 0;
	for (size_t i = 0; i < n && i < KSYMS_CACHE_BATCH; i++) {
		struct kc_entry *e = kc_lookup(kc, addrs[i]);
		bool dup = false;

		if (e) {
			e->used = kc->batch;
			continue;
		}
		for (size_t j = 0; j < kc->n_pend && !dup; j++)
			dup = kc->pend[j].addr == addrs[i];
		if (!dup)
			kc->pend[kc->n_pend++] = (struct kc_pending){ .addr = addrs[i],
								     .end = UINT64_MAX, .slot = -1 };
	}
	if (!kc->n_pend)
		return 0;
	memset(kc->slots, 0, sizeof(kc->slots));
	kc->scans++;
	err = kc->fd < 0 ? kc->open_err : kallsyms_scan_fd(kc->fd, kc->buf, KC_SCAN_BUF, kc_scan_cb, kc);
	if (err) {
		kc->failed_scans++;
		return err;
	}
	for (size_t i = 0; i < kc->n_pend; i++) {
		const struct kc_pending *p = &kc->pend[i];
		struct kc_entry *e = kc_victim(kc);

		if (!e)		/* cap >= KSYMS_CACHE_BATCH: never */
			break;
		e->used = kc->batch;
		e->found = p->slot >= 0;
		e->start = e->found ? p->best : 0;
		e->end = p->end;
		if (e->found && !p->best) {	/* kptr_restrict: every address reads 0 */
			e->found = false;
			e->end = UINT64_MAX;
		}
		snprintf(e->name, sizeof(e->name), "%s", e->found ? kc->slots[p->slot].name : "");
		snprintf(e->module, sizeof(e->module), "%s",
			 e->found ? kc->slots[p->slot].module : "");
	}
	return 0;
}

int ksyms_cache__find(const struct ksyms_cache *kc, uint64_t addr, struct ksym *ret)
{
	const struct kc_entry *e = kc ? kc_lookup(kc, addr) : NULL;

	if (!e || !e->found)
		return -ENOENT;
	ret->addr = e->start;
	ret->name = e->name;
	ret->module = e->module[0] ? e->module : NULL;
	return 0;
}

uint64_t ksyms_cache__scans(const struct ksyms_cache *kc, uint64_t *ret_failed)
{
	if (ret_failed)
		*ret_failed = kc ? kc->failed_scans : 0;
	return kc ? kc->scans : 0;
}
