// SPDX-License-Identifier: GPL-2.0
/*
 * Durable record files: directory vs file output, permissions, a torn tail
 * repaired before the next record, rotation naming and a burst across
 * rotations that loses nothing, the fixed render buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record_file.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/oomtrace-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_rotated_names(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(record_file__rotated_name("/v/o.jsonl", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/v/o.jsonl");
	assert_int_equal(record_file__rotated_name("/v/o.jsonl", 1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/v/o.jsonl.1");
	assert_int_equal(record_file__rotated_name("/v/o.jsonl", 12, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/v/o.jsonl.12");
	assert_int_equal(record_file__rotated_name("/v/o.jsonl", 1, buf, 12), -ENAMETOOLONG);
}

static void test_dir_output_and_mode(void **state)
{
	struct record_file rf;
	char out[128], path[160];
	struct stat st;

	(void)state;
	/* a directory named with a trailing slash is made */
	snprintf(out, sizeof(out), "%s/new/", dir);
	assert_int_equal(record_file__open(&rf, out, 0, 4), 0);
	snprintf(path, sizeof(path), "%s/new/%s", dir, RECORD_FILE_NAME);
	assert_string_equal(rf.path, path);
	assert_int_equal(record_file__write(&rf, "{\"a\":1}\n", 8), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, RECORD_FILE_MODE);
	record_file__close(&rf);
	/* an existing file too wide for records of others is narrowed */
	chmod(path, 0666);
	assert_int_equal(record_file__open(&rf, path, 0, 4), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	record_file__close(&rf);
	/* a missing parent of a file path is an error, but rf stays usable */
	snprintf(out, sizeof(out), "%s/missing/x.jsonl", dir);
	assert_int_equal(record_file__open(&rf, out, 0, 4), -ENOENT);
	assert_int_equal(rf.fd, -1);
	assert_int_equal(record_file__write(&rf, "{}\n", 3), -ENOENT);
}

static void test_torn_tail_repaired(void **state)
{
	struct record_file rf;
	char path[128];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/torn.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
	assert_true(write(fd, "{\"a\":1}\n{\"b\":", 13) == 13);	/* power cut mid-record */
	close(fd);
	assert_int_equal(record_file__open(&rf, path, 0, 4), 0);
	assert_true(rf.need_newline);
	assert_int_equal(record_file__write(&rf, "{\"c\":3}\n", 8), 0);
	record_file__close(&rf);
	/* the fragment is its own (bad) line; the new record is whole */
	assert_string_equal(slurp(path), "{\"a\":1}\n{\"b\":\n{\"c\":3}\n");
}

/* A burst across rotations: every record in exactly one file, in order. */
static void test_rotation_loses_nothing(void **state)
{
	struct record_file rf;
	char path[128], name[160], line[64], all[1 << 14] = "";
	int n = 200;

	(void)state;
	snprintf(path, sizeof(path), "%s/rot.jsonl", dir);
	assert_int_equal(record_file__open(&rf, path, 1000, 100), 0);
	for (int i = 1; i <= n; i++) {
		int len = snprintf(line, sizeof(line), "{\"type\":\"x\",\"seq\":%d}\n", i);

		assert_int_equal(record_file__write(&rf, line, (size_t)len), 0);
	}
	record_file__close(&rf);
	assert_true(rf.rotations >= 4);
	/* oldest first: PATH.N .. PATH.1, then PATH */
	for (unsigned int k = (unsigned int)rf.rotations; ; k--) {
		struct stat st;

		assert_int_equal(record_file__rotated_name(path, k, name, sizeof(name)), 0);
		assert_int_equal(stat(name, &st), 0);
		assert_true(st.st_size <= 1000);	/* never past --max-size */
		strcat(all, slurp(name));
		if (!k)
			break;
	}
	for (int i = 1; i <= n; i++) {
		char want[64];
		const char *p;

		snprintf(want, sizeof(want), "\"seq\":%d}\n", i);
		p = strstr(all, want);
		assert_non_null(p);
		assert_null(strstr(p + 1, want));	/* once */
	}
}

static void test_rotation_keeps_max_files(void **state)
{
	struct record_file rf;
	char path[128], name[160];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/keep.jsonl", dir);
	assert_int_equal(record_file__open(&rf, path, 100, 3), 0);
	for (int i = 0; i < 40; i++)
		assert_int_equal(record_file__write(&rf, "{\"pad\":\"0123456789012345678901234567890123456789\"}\n", 51), 0);
	record_file__close(&rf);
	record_file__rotated_name(path, 2, name, sizeof(name));
	assert_int_equal(stat(name, &st), 0);
	record_file__rotated_name(path, 3, name, sizeof(name));
	assert_int_equal(stat(name, &st), -1);		/* three files in all */
}

static void test_render_buffer(void **state)
{
	struct record_buf b;
	FILE *f;

	(void)state;
	assert_int_equal(record_buf__init(&b, 16), 0);
	f = record_buf__begin(&b);
	fprintf(f, "{\"a\":%d}\n", 1);
	assert_int_equal(record_buf__end(&b), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "{\"a\":1}\n", 8);
	f = record_buf__begin(&b);
	fprintf(f, "%s", "0123456789abcdefXYZ");	/* larger than the buffer */
	assert_int_equal(record_buf__end(&b), -ENOSPC);
	f = record_buf__begin(&b);			/* and reusable after */
	fputs("ok\n", f);
	assert_int_equal(record_buf__end(&b), 0);
	assert_int_equal(b.len, 3);
	record_buf__free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rotated_names),
		cmocka_unit_test(test_dir_output_and_mode),
		cmocka_unit_test(test_torn_tail_repaired),
		cmocka_unit_test(test_rotation_loses_nothing),
		cmocka_unit_test(test_rotation_keeps_max_files),
		cmocka_unit_test(test_render_buffer),
	};

	return cmocka_run_group_tests_name("record_file", tests, setup, teardown);
}
