// SPDX-License-Identifier: GPL-2.0
/* btf_cache: a cache file is used only whole, intact, and for this kernel and object. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "oomtrace.h"
/* only for its ELF bytes, as the loader hands them to btf_cache_open() */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "oomtrace.skel.h"
#pragma GCC diagnostic pop
#include "btf_cache.h"
#include "direct_walk.h"

/* A real raw BTF: int, and struct s { int a; } */
static void *sample_btf(size_t *len)
{
	struct btf *b = btf__new_empty();
	const void *raw;
	uint32_t n;
	void *copy;
	int i = btf__add_int(b, "int", 4, BTF_INT_SIGNED);

	assert_true(i > 0);
	assert_true(btf__add_struct(b, "s", 4) > 0);
	assert_int_equal(btf__add_field(b, "a", i, 0, 0), 0);
	raw = btf__raw_data(b, &n);
	copy = malloc(n);
	memcpy(copy, raw, n);
	*len = n;
	btf__free(b);
	return copy;
}

static void sample_key(struct btf_cache_key *k)
{
	memset(k, 0, sizeof(*k));
	k->btf_size = 5481434;
	k->obj_size = 203840;
	k->obj_crc = 0x12345678;
	k->build_id_len = 20;
	memset(k->build_id, 0xab, 20);
	strcpy(k->release, "6.18.0-test");
	strcpy(k->version, "#1 SMP");
}

static void test_round_trip(void **state)
{
	struct btf_cache_key k;
	const void *payload;
	size_t blen, flen, plen;
	void *btf = sample_btf(&blen);
	unsigned char *f;

	(void)state;
	sample_key(&k);
	f = btf_cache_format(&k, btf, blen, &flen);
	assert_non_null(f);
	assert_int_equal(btf_cache_parse(f, flen, &k, &payload, &plen), 0);
	assert_int_equal(plen, blen);
	assert_memory_equal(payload, btf, blen);
	free(f);
	free(btf);
}

static void test_stale_key(void **state)
{
	struct btf_cache_key k, other;
	const void *payload;
	size_t blen, flen, plen;
	void *btf = sample_btf(&blen);
	unsigned char *f;

	(void)state;
	sample_key(&k);
	f = btf_cache_format(&k, btf, blen, &flen);
	/* another kernel build, release, BTF size, or another object */
	other = k; other.build_id[3] ^= 1;
	assert_int_equal(btf_cache_parse(f, flen, &other, &payload, &plen), -ESTALE);
	other = k; strcpy(other.release, "6.18.1-test");
	assert_int_equal(btf_cache_parse(f, flen, &other, &payload, &plen), -ESTALE);
	other = k; other.btf_size++;
	assert_int_equal(btf_cache_parse(f, flen, &other, &payload, &plen), -ESTALE);
	other = k; other.obj_crc ^= 0x100;
	assert_int_equal(btf_cache_parse(f, flen, &other, &payload, &plen), -ESTALE);
	free(f);
	free(btf);
}

static void test_corrupt(void **state)
{
	struct btf_cache_key k;
	const void *payload;
	size_t blen, flen, plen;
	void *btf = sample_btf(&blen);
	unsigned char *f, *big;

	(void)state;
	sample_key(&k);
	f = btf_cache_format(&k, btf, blen, &flen);
	/* every truncation */
	for (size_t n = 0; n < flen; n++)
		assert_int_equal(btf_cache_parse(f, n, &k, &payload, &plen), -EINVAL);
	/* one more byte */
	big = malloc(flen + 1);
	memcpy(big, f, flen);
	big[flen] = 0;
	assert_int_equal(btf_cache_parse(big, flen + 1, &k, &payload, &plen), -EINVAL);
	free(big);
	/* any bit flipped in the magic, the lengths, the CRC or the payload */
	for (size_t i = 0; i < flen; i++) {
		int r;

		if (i >= 24 && i < 24 + sizeof(k))
			continue;	/* the key: -ESTALE, above */
		f[i] ^= 0x10;
		r = btf_cache_parse(f, flen, &k, &payload, &plen);
		assert_int_equal(r, -EINVAL);
		f[i] ^= 0x10;
	}
	assert_int_equal(btf_cache_parse(f, flen, &k, &payload, &plen), 0);
	free(f);
	free(btf);
}

/* An intact file whose payload is not BTF libbpf accepts. */
static void test_payload_not_btf(void **state)
{
	struct btf_cache_key k;
	const void *payload;
	size_t flen, plen;
	unsigned char junk[64];
	unsigned char *f;

	(void)state;
	sample_key(&k);
	memset(junk, 0x5a, sizeof(junk));
	f = btf_cache_format(&k, junk, sizeof(junk), &flen);
	assert_int_equal(btf_cache_parse(f, flen, &k, &payload, &plen), -EINVAL);
	free(f);
}

/* btf_cache_open()'s ids against libbpf's parse of the memfd it returns, and one kernel scan. */
static void check_open(const void *obj, size_t size, bool want_built,
		       const struct kernel_ids *scanned)
{
	struct btf_cache_got got;
	struct kernel_ids parsed;
	char err[256] = "";
	int fd;

	memset(&got, 0xff, sizeof(got));
	fd = btf_cache_open("full", obj, size, &got, err, sizeof(err));
	if (fd < 0)
		fail_msg("btf_cache_open: %s: %s", strerror(-fd), err);
	assert_int_equal(got.built, want_built);
	assert_int_equal(got.ids_err, 0);
	assert_int_equal(kernel_ids_from_fd(fd, &parsed), 0);
	assert_memory_equal(&got.ids, &parsed, sizeof(parsed));
	assert_memory_equal(&got.ids, scanned, sizeof(*scanned));
	close(fd);
}

/*
 * The kernel's ids for the direct walk come back with the minimal BTF,
 * freshly made and then from the cache, as libbpf reads them from the
 * memfd it is handed (the loader parses it no more).
 */
static void test_open_hands_back_the_ids(void **state)
{
	char dir[] = "/tmp/oomtrace-test-btf-cache.XXXXXX", path[128];
	struct btf_cache_got got;
	struct kernel_ids scanned;
	const void *obj;
	size_t size = 0;
	char err[256];

	(void)state;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		skip();
		return;
	}
	obj = oomtrace_bpf__elf_bytes(&size);
	libbpf_set_print(NULL);	/* the dry runs' stops (btf_min_verify()) are not news */
	assert_non_null(mkdtemp(dir));
	setenv("OOMTRACE_CACHE_DIR", dir, 1);
	assert_int_equal(kernel_ids_scan(&scanned), 0);
	check_open(obj, size, true, &scanned);		/* made now, and written */
	check_open(obj, size, false, &scanned);		/* read from the cache */
	/* no cache: nothing, and no ids (the loader scans the kernel's BTF) */
	setenv("OOMTRACE_CACHE_DIR", "", 1);
	memset(&got, 0xff, sizeof(got));
	assert_int_equal(btf_cache_open("full", obj, size, &got, err, sizeof(err)), -ENOENT);
	assert_false(got.built);
	assert_int_equal(got.ids_err, -ENOENT);
	unsetenv("OOMTRACE_CACHE_DIR");
	/* the file is the object's own: named by its CRC-32 */
	{
		struct btf_cache_key k;

		assert_int_equal(btf_cache_key_now(obj, size, &k), 0);
		snprintf(path, sizeof(path), "%s/core-btf.full.%08x", dir, k.obj_crc);
	}
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* An empty file DIR/ENTRY last modified at second SEC. */
static void file_at(const char *dir, const char *entry, time_t sec)
{
	struct timespec t[2] = { { sec, 0 }, { sec, 0 } };
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, entry);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(futimens(fd, t), 0);
	close(fd);
}

static bool exists(const char *dir, const char *entry)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, entry);
	return !access(path, F_OK);
}

/*
 * Pruning keeps the newest files of one name's objects and removes the one
 * file of before, and leaves everything else: another name's files, a
 * writer's temporary file, a directory, names that only look alike.
 */
static void test_prune(void **state)
{
	char dir[] = "/tmp/oomtrace-test-btf-prune.XXXXXX", sub[128];
	static const char *const others[] = {
		"core-btf.compat.0000aaaa", "core-btf.full.12345678.99.tmp", "ksyms.boot",
		"core-btf.fullx.00000001", "core-btf.full.0000000g", "core-btf.full.000000001",
	};

	(void)state;
	assert_non_null(mkdtemp(dir));
	file_at(dir, "core-btf.full", 1000);
	for (int i = 0; i < 5; i++) {
		char entry[64];

		snprintf(entry, sizeof(entry), "core-btf.full.0000000%d", i);
		file_at(dir, entry, 2000 + i);	/* 4 the newest */
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		file_at(dir, others[i], 500);
	snprintf(sub, sizeof(sub), "%s/core-btf.full.deadbeef", dir);
	assert_int_equal(mkdir(sub, 0755), 0);

	assert_int_equal(btf_cache_prune(dir, "full", 3), 3);
	assert_false(exists(dir, "core-btf.full"));
	assert_false(exists(dir, "core-btf.full.00000000"));
	assert_false(exists(dir, "core-btf.full.00000001"));
	for (int i = 2; i < 5; i++) {
		char entry[64];

		snprintf(entry, sizeof(entry), "core-btf.full.0000000%d", i);
		assert_true(exists(dir, entry));
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_true(exists(dir, others[i]));
	assert_true(exists(dir, "core-btf.full.deadbeef"));
	/* as many as kept: nothing more goes; none kept: all of them */
	assert_int_equal(btf_cache_prune(dir, "full", 3), 0);
	assert_int_equal(btf_cache_prune(dir, "full", 0), 3);
	assert_int_equal(btf_cache_prune(dir, "compat", 0), 1);
	assert_int_equal(btf_cache_prune(NULL, "full", 0), 0);

	assert_int_equal(rmdir(sub), 0);
	for (size_t i = 1; i < sizeof(others) / sizeof(others[0]); i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", dir, others[i]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_stale_key),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_payload_not_btf),
		cmocka_unit_test(test_open_hands_back_the_ids),
		cmocka_unit_test(test_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
