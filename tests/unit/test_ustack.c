// SPDX-License-Identifier: GPL-2.0
/* User stack symbolization, against this test program and the libc it runs on. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ustack.h"

/* a function of ours with a name to find, kept out of line */
__attribute__((noinline, used)) int ustack_test_marker(int x)
{
	return x * 3 + 1;
}

/* The executable mapping holding addr: its path and addr's file offset. */
static int mapping_of(uint64_t addr, char *path, size_t size, uint64_t *ret_off)
{
	char line[1024];
	FILE *f = fopen("/proc/self/maps", "r");
	int ret = -ENOENT;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long s, e, off;
		char perms[8], file[512] = "";

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %511[^\n]", &s, &e, perms, &off, file) < 4)
			continue;
		if (addr >= s && addr < e && perms[2] == 'x' && file[0] == '/') {
			snprintf(path, size, "%s", file);
			*ret_off = addr - s + off;
			ret = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

static void test_symbolize_self(void **state)
{
	uint64_t addr = (uint64_t)(uintptr_t)&ustack_test_marker + 2, off = 0, sym_off = 99;
	char path[512], name[128];

	(void)state;
	assert_int_equal(mapping_of(addr, path, sizeof(path), &off), 0);
	assert_int_equal(elf_symbolize(path, off, name, sizeof(name), &sym_off), 0);
	assert_string_equal(name, "ustack_test_marker");
	assert_int_equal(sym_off, 2);
	/* a name longer than the buffer is cut, still terminated */
	assert_int_equal(elf_symbolize(path, off, name, 8, &sym_off), 0);
	assert_string_equal(name, "ustack_");
	/* not an ELF file, or no such file */
	assert_int_equal(elf_symbolize("/proc/self/status", 0, name, sizeof(name), &sym_off),
			 -ENOEXEC);
	assert_true(elf_symbolize("/nonexistent", 0, name, sizeof(name), &sym_off) < 0);
}

static void test_build_id_self(void **state)
{
	unsigned char id[20], id2[20];
	char path[512];
	uint64_t off;

	(void)state;
	assert_int_equal(mapping_of((uint64_t)(uintptr_t)&ustack_test_marker, path, sizeof(path),
				    &off), 0);
	/* Debian's gcc links with a 20-byte (sha1) build id */
	assert_int_equal(elf_build_id(path, id, sizeof(id)), 20);
	assert_int_equal(elf_build_id("/proc/self/exe", id2, sizeof(id2)), 20);
	assert_memory_equal(id, id2, 20);
	assert_int_equal(elf_build_id(path, id, 4), -ENOENT);	/* does not fit */
	assert_int_equal(elf_build_id("/proc/self/status", id, sizeof(id)), -ENOEXEC);
}

/* The whole path: /proc/PID/maps read, frames tied to objects and named. */
static void test_fill_self(void **state)
{
	struct oom_event_caps caps = { 1, 1, 1, OOMT_USTACK_MAX };
	struct oom_event *ev = oom_event__new_fixed(&caps);
	uint64_t ips[3] = {
		(uint64_t)(uintptr_t)&ustack_test_marker + 1,
		(uint64_t)(uintptr_t)&strlen,	/* in libc (or its ifunc resolver's object) */
		0x10,				/* not an address: ends the stack */
	};
	struct oomt_ubuild builds[3] = {};
	char path[512];
	uint64_t off;

	(void)state;
	assert_non_null(ev);
	ustack_fill(ev, (uint32_t)getpid(), NULL, ips, 3, builds, 3);
	assert_int_equal(ev->n_user_stack, 2);
	assert_int_equal(mapping_of(ips[0], path, sizeof(path), &off), 0);
	assert_string_equal(ev->user_stack[0].module, path);
	assert_int_equal(ev->user_stack[0].file_offset, off);
	assert_string_equal(ev->user_stack[0].sym, "ustack_test_marker");
	assert_int_equal(ev->user_stack[0].offset, 1);
	assert_int_equal(mapping_of(ips[1], path, sizeof(path), &off), 0);
	assert_string_equal(ev->user_stack[1].module, path);
	oom_event__clear(ev);

	/* a frame outside every mapping ends the stack there */
	ips[1] = 0x7ffffffff000ull - 0x100000000ull;
	ustack_fill(ev, (uint32_t)getpid(), NULL, ips, 2, builds, 2);
	assert_int_equal(ev->n_user_stack, 1);
	oom_event__clear(ev);

	/* the process is gone: raw frames stay, the first one at least */
	ustack_fill(ev, 0x7ffffff0, NULL, ips, 2, builds, 2);
	assert_int_equal(ev->n_user_stack, 1);
	assert_string_equal(ev->user_stack[0].module, "");
	oom_event__free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_self),
		cmocka_unit_test(test_build_id_self),
		cmocka_unit_test(test_fill_self),
	};

	return cmocka_run_group_tests_name("ustack", tests, NULL, NULL);
}
