// SPDX-License-Identifier: GPL-2.0
/* btf_cache: a cache file is used only whole, intact, and for this kernel and object. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btf_cache.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_stale_key),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_payload_not_btf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
