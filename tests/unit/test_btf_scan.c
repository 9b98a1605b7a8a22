// SPDX-License-Identifier: GPL-2.0
/* btf_scan: BTF ids without parsing the whole BTF; the direct walk's kernel ids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdio.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "btf_scan.h"
#include "direct_walk.h"

#define BTF_INFO_ENC(kind, kflag, vlen) \
	((!!(kflag) << 31) | ((uint32_t)(kind) << 24) | ((vlen) & 0xffff))

/*
 * Raw BTF with: [1] INT "int", [2] STRUCT "s" { int a; int b; },
 * [3] FUNC_PROTO (int) -> int, [4] FUNC "f", [5] FUNC "out_of_memory".
 */
struct raw {
	struct btf_header h;
	uint32_t types[64];
	char strs[64];
};

static size_t build(struct raw *r)
{
	static const char strs[] = "\0int\0s\0a\0b\0f\0out_of_memory";
	uint32_t *t = r->types;
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	/* [1] int: name, info, size, then the INT encoding word */
	t[n++] = 1; t[n++] = BTF_INFO_ENC(BTF_KIND_INT, 0, 0); t[n++] = 4; t[n++] = 32;
	/* [2] struct s, two members (name, type, offset) */
	t[n++] = 5; t[n++] = BTF_INFO_ENC(BTF_KIND_STRUCT, 0, 2); t[n++] = 8;
	t[n++] = 7; t[n++] = 1; t[n++] = 0;
	t[n++] = 9; t[n++] = 1; t[n++] = 32;
	/* [3] proto: returns int, one param (name, type) */
	t[n++] = 0; t[n++] = BTF_INFO_ENC(BTF_KIND_FUNC_PROTO, 0, 1); t[n++] = 1;
	t[n++] = 0; t[n++] = 1;
	/* [4] f, [5] out_of_memory */
	t[n++] = 11; t[n++] = BTF_INFO_ENC(BTF_KIND_FUNC, 0, 0); t[n++] = 3;
	t[n++] = 13; t[n++] = BTF_INFO_ENC(BTF_KIND_FUNC, 0, 0); t[n++] = 3;
	r->h.magic = BTF_MAGIC;
	r->h.version = BTF_VERSION;
	r->h.hdr_len = sizeof(r->h);
	r->h.type_off = 0;
	r->h.type_len = (uint32_t)(n * 4);
	r->h.str_off = sizeof(r->types);
	r->h.str_len = sizeof(strs);
	memcpy(r->strs, strs, sizeof(strs));
	return sizeof(*r);
}

static void test_finds_functions_by_id(void **state)
{
	struct raw r;
	size_t size = build(&r);

	(void)state;
	assert_int_equal(btf_scan_func_id(&r, size, "f"), 4);
	assert_int_equal(btf_scan_func_id(&r, size, "out_of_memory"), 5);
	/* a struct of that name is not a function; a prefix is not the name */
	assert_int_equal(btf_scan_func_id(&r, size, "s"), -ENOENT);
	assert_int_equal(btf_scan_func_id(&r, size, "out_of"), -ENOENT);
}

static void test_refuses_what_it_cannot_step_through(void **state)
{
	struct raw r;
	size_t size = build(&r);

	(void)state;
	assert_int_equal(btf_scan_func_id(&r, 10, "f"), -EINVAL);	/* short header */
	r.h.magic = 0x1234;
	assert_int_equal(btf_scan_func_id(&r, size, "f"), -EINVAL);
	build(&r);
	r.h.str_len = 4096;	/* strings past the end */
	assert_int_equal(btf_scan_func_id(&r, size, "f"), -EINVAL);
	build(&r);
	r.types[1] = BTF_INFO_ENC(31, 0, 0);	/* an unknown kind before the target */
	assert_int_equal(btf_scan_func_id(&r, size, "out_of_memory"), -EINVAL);
}

/* The oracle: libbpf's own lookup in the running kernel's BTF. */
static void test_agrees_with_libbpf_on_this_kernel(void **state)
{
	int ours, theirs;

	(void)state;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		skip();
		return;
	}
	ours = btf_scan_file_func_id("/sys/kernel/btf/vmlinux", "out_of_memory");
	theirs = libbpf_find_vmlinux_btf_id("out_of_memory", BPF_TRACE_FENTRY);
	assert_true(theirs > 0);
	assert_int_equal(ours, theirs);
	assert_int_equal(btf_scan_file_func_id("/sys/kernel/btf/vmlinux", "no_such_function_x"),
			 -ENOENT);
	assert_int_equal(btf_scan_file_func_id("/nonexistent", "out_of_memory"), -ENOENT);
}

/* Several types of several kinds in one pass; a kind that differs is not a match. */
static void test_finds_several_ids(void **state)
{
	struct btf_scan_want w[] = {
		{ BTF_KIND_STRUCT, "s", 0 }, { BTF_KIND_FUNC, "out_of_memory", 0 },
		{ BTF_KIND_STRUCT, "f", 0 }, { BTF_KIND_INT, "int", 0 },
	};
	struct raw r;
	size_t size = build(&r);

	(void)state;
	assert_int_equal(btf_scan_ids(&r, size, w, 4), 3);
	assert_int_equal(w[0].id, 2);
	assert_int_equal(w[1].id, 5);
	assert_int_equal(w[2].id, -ENOENT);	/* f is a FUNC */
	assert_int_equal(w[3].id, 1);
	r.h.magic = 0x1234;
	assert_int_equal(btf_scan_ids(&r, size, w, 4), -EINVAL);
}

/* Raw BTF of B, copied: libbpf writes the header, the types, then the strings. */
static void *raw_copy(const struct btf *b, uint32_t *size)
{
	const void *raw = btf__raw_data(b, size);
	void *copy = raw ? malloc(*size) : NULL;

	assert_non_null(copy);
	memcpy(copy, raw, *size);
	return copy;
}

/* An enum's members by name, the first enum of its name, as libbpf's lookup finds it. */
static void test_enum_values(void **state)
{
	static const char *const names[] = { "a", "b", "c", "missing" };
	struct btf *b = btf__new_empty();
	int32_t vals[4] = { 0, 0, 0, 77 };
	uint32_t size;
	void *raw;

	(void)state;
	assert_non_null(b);
	assert_true(btf__add_int(b, "int", 4, BTF_INT_SIGNED) > 0);
	/* another enum with the same member names first: not the one asked for */
	assert_true(btf__add_enum(b, "other", 4) > 0);
	assert_int_equal(btf__add_enum_value(b, "a", 1), 0);
	assert_true(btf__add_enum(b, "ids", 4) > 0);
	assert_int_equal(btf__add_enum_value(b, "a", 5), 0);
	assert_int_equal(btf__add_enum_value(b, "b", -3), 0);
	assert_int_equal(btf__add_enum_value(b, "c", 70000), 0);
	assert_true(btf__add_enum(b, "ids", 4) > 0);	/* a second of that name */
	assert_int_equal(btf__add_enum_value(b, "a", 9), 0);
	raw = raw_copy(b, &size);
	assert_int_equal(btf_scan_enum(raw, size, "ids", names, vals, 4), 0);
	assert_int_equal(vals[0], 5);
	assert_int_equal(vals[1], -3);
	assert_int_equal(vals[2], 70000);
	assert_int_equal(vals[3], 77);	/* not a member: left as it was */
	/* a struct's name, a prefix, an enum that is not there */
	assert_int_equal(btf_scan_enum(raw, size, "int", names, vals, 4), -ENOENT);
	assert_int_equal(btf_scan_enum(raw, size, "id", names, vals, 4), -ENOENT);
	assert_int_equal(btf_scan_enum(raw, size, "none", names, vals, 4), -ENOENT);
	assert_int_equal(btf_scan_enum(raw, 10, "ids", names, vals, 4), -EINVAL);
	free(raw);
	btf__free(b);
}

/* An enum whose members run past the type section is refused, not read past it. */
static void test_enum_cut_short(void **state)
{
	static const char *const names[] = { "a", "b" };
	struct btf *b = btf__new_empty();
	struct btf_header *h;
	int32_t vals[2] = { 0, 0 };
	uint32_t size;
	void *raw;

	(void)state;
	assert_true(btf__add_enum(b, "ids", 4) > 0);
	assert_int_equal(btf__add_enum_value(b, "a", 5), 0);
	assert_int_equal(btf__add_enum_value(b, "b", 6), 0);
	raw = raw_copy(b, &size);
	assert_int_equal(btf_scan_enum(raw, size, "ids", names, vals, 2), 0);
	assert_int_equal(vals[1], 6);
	h = raw;
	h->type_len -= 4;	/* b's value outside the types */
	vals[1] = 0;
	assert_int_equal(btf_scan_enum(raw, size, "ids", names, vals, 2), -EINVAL);
	assert_int_equal(vals[1], 0);
	free(raw);
	btf__free(b);
}

/*
 * The direct walk's ids (direct_walk.h) against libbpf's lookups in this
 * kernel's BTF: scanned, and carried through a minimal BTF as the cache
 * keeps them.
 */
static void test_kernel_ids_agree_with_libbpf(void **state)
{
	struct kernel_ids scanned, carried;
	struct btf *k, *min;
	const void *raw;
	uint32_t size = 0;
	FILE *f;

	(void)state;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		skip();
		return;
	}
	k = btf__load_vmlinux_btf();
	assert_non_null(k);
	assert_int_equal(kernel_ids_scan(&scanned), 0);
	assert_int_equal(scanned.task_struct,
			 btf__find_by_name_kind(k, "task_struct", BTF_KIND_STRUCT));
	assert_int_equal(scanned.css,
			 btf__find_by_name_kind(k, "cgroup_subsys_state", BTF_KIND_STRUCT));
	assert_int_equal(scanned.list_head, btf__find_by_name_kind(k, "list_head", BTF_KIND_STRUCT));
	assert_int_equal(scanned.refcount,
			 btf__find_by_name_kind(k, "refcount_struct", BTF_KIND_STRUCT));
	assert_int_equal(scanned.trace_mark_victim,
			 btf__find_by_name_kind(k, "btf_trace_mark_victim", BTF_KIND_TYPEDEF));
	if (btf__find_by_name_kind(k, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0)
		assert_int_equal(scanned.rdonly_cast,
				 btf__find_by_name_kind(k, "bpf_rdonly_cast", BTF_KIND_FUNC));
	else
		assert_int_equal(scanned.rdonly_cast, 0);
	/* a BTF of one type, plus the ids, through a file as the cache's memfd */
	min = btf__new_empty();
	assert_non_null(min);
	assert_true(btf__add_int(min, "int", 4, BTF_INT_SIGNED) > 0);
	assert_int_equal(kernel_ids_add(min, k), 0);
	raw = btf__raw_data(min, &size);
	assert_non_null(raw);
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(raw, 1, size, f), size);
	fflush(f);
	assert_int_equal(kernel_ids_from_fd(fileno(f), &carried), 0);
	assert_memory_equal(&carried, &scanned, sizeof(carried));
	fclose(f);
	/* the same read off the bytes, as btf_cache_open() hands them over */
	memset(&carried, 0xff, sizeof(carried));
	assert_int_equal(kernel_ids_from_raw(raw, size, &carried), 0);
	assert_memory_equal(&carried, &scanned, sizeof(carried));
	/* a minimal BTF made without them: none, and the caller scans */
	f = tmpfile();
	btf__free(min);
	min = btf__new_empty();
	btf__add_int(min, "int", 4, BTF_INT_SIGNED);
	raw = btf__raw_data(min, &size);
	assert_int_equal(fwrite(raw, 1, size, f), size);
	fflush(f);
	assert_int_equal(kernel_ids_from_fd(fileno(f), &carried), -ENOENT);
	assert_int_equal(kernel_ids_from_raw(raw, size, &carried), -ENOENT);
	fclose(f);
	btf__free(min);
	btf__free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_functions_by_id),
		cmocka_unit_test(test_refuses_what_it_cannot_step_through),
		cmocka_unit_test(test_agrees_with_libbpf_on_this_kernel),
		cmocka_unit_test(test_finds_several_ids),
		cmocka_unit_test(test_enum_values),
		cmocka_unit_test(test_enum_cut_short),
		cmocka_unit_test(test_kernel_ids_agree_with_libbpf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
