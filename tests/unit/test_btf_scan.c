// SPDX-License-Identifier: GPL-2.0
/* btf_scan: a function's BTF id without parsing the whole BTF. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "btf_scan.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_functions_by_id),
		cmocka_unit_test(test_refuses_what_it_cannot_step_through),
		cmocka_unit_test(test_agrees_with_libbpf_on_this_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
