// SPDX-License-Identifier: GPL-2.0
/*
 * kaddrs: the loader's kernel symbols, answered from kallsyms (a fixture)
 * and kept per boot: the file serves only whole, intact, for this boot,
 * release and list of names, and while kallsyms still shows the symbol it
 * recorded first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kaddrs.h"
#include "ksyms.h"

static char dir[64], kallsyms[96], hidden_ksyms[96], boot_id[96], cache[128];

static const struct kaddr_want wants[] = {
	{ "oom_kill_memcg_member", KADDR_END },
	{ "mem_cgroup_out_of_memory", KADDR_END },
	{ "kretprobe_trampoline", KADDR_END },
	{ "__kretprobe_trampoline", KADDR_END },
	{ "_totalram_pages", KADDR_ADDR },
	{ "oom_kill_process", KADDR_END | KADDR_FULL },
	{ "out_of_memory", KADDR_FULL },
	{ "oom_badness", KADDR_FULL | KADDR_PART },
};
#define N_WANTS (sizeof(wants) / sizeof(wants[0]))

static const char fixture[] =
	"0000000000000000 A fixed_percpu_data\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81200000 T out_of_memory\n"
	"ffffffff812003f0 t __pfx_oom_kill_process.constprop.0\n"
	"ffffffff81200400 t oom_kill_process.constprop.0\n"
	"ffffffff81200600 t oom_badness\n"
	"ffffffff81200700 t oom_badness.part.0\n"
	"ffffffff81200900 t dump_header\n"
	"ffffffff81300000 T __kretprobe_trampoline\n"
	"ffffffff81300040 T kretprobe_trampoline_end\n"
	"ffffffff82000000 D _totalram_pages\n"
	"ffffffff82000008 D other_data\n"
	"ffffffffc0001000 t mem_cgroup_out_of_memory\t[fake_mod]\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/oomtrace-kaddrs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(kallsyms, sizeof(kallsyms), "%s/kallsyms", dir);
	snprintf(hidden_ksyms, sizeof(hidden_ksyms), "%s/kallsyms.hidden", dir);
	snprintf(boot_id, sizeof(boot_id), "%s/boot_id", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	write_file(kallsyms, fixture);
	write_file(hidden_ksyms, "0000000000000000 T _stext\n0000000000000000 T out_of_memory\n");
	write_file(boot_id, "0b8a9f0e-4ed2-4c1a-9d4c-3f0c8a7e1d22\n");
	setenv("OOMTRACE_CACHE_DIR", cache, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void check_answers(const struct kaddrs *ka)
{
	assert_false(ka->hidden);
	/* absent: 0, no end */
	assert_int_equal(kaddrs__addr(ka, "oom_kill_memcg_member"), 0);
	assert_int_equal(kaddrs__end(ka, "oom_kill_memcg_member"), 0);
	/* a module's function is not vmlinux's */
	assert_int_equal(kaddrs__addr(ka, "mem_cgroup_out_of_memory"), 0);
	assert_int_equal(kaddrs__addr(ka, "kretprobe_trampoline"), 0);
	assert_int_equal(kaddrs__addr(ka, "__kretprobe_trampoline"), 0xffffffff81300000ull);
	assert_int_equal(kaddrs__end(ka, "__kretprobe_trampoline"), 0xffffffff81300040ull);
	assert_int_equal(kaddrs__addr(ka, "_totalram_pages"), 0xffffffff82000000ull);
	/* asked for its address only */
	assert_int_equal(kaddrs__end(ka, "_totalram_pages"), 0);
	/* a clone: its address, its end (the padding before the next is not a symbol), its name */
	assert_int_equal(kaddrs__addr(ka, "oom_kill_process"), 0xffffffff81200400ull);
	assert_int_equal(kaddrs__end(ka, "oom_kill_process"), 0xffffffff81200600ull);
	assert_string_equal(kaddrs__full(ka, "oom_kill_process"), "oom_kill_process.constprop.0");
	assert_string_equal(kaddrs__full(ka, "out_of_memory"), "out_of_memory");
	assert_null(kaddrs__part(ka, "out_of_memory"));	/* not asked */
	assert_string_equal(kaddrs__full(ka, "oom_badness"), "oom_badness");
	assert_string_equal(kaddrs__part(ka, "oom_badness"), "oom_badness.part.0");
	/* not asked at all */
	assert_int_equal(kaddrs__addr(ka, "dump_header"), 0);
	assert_null(kaddrs__full(ka, "dump_header"));
}

static void test_from_ksyms(void **state)
{
	struct ksyms *ks = ksyms__load(kallsyms);
	struct kaddrs ka;

	(void)state;
	assert_non_null(ks);
	assert_int_equal(kaddrs__from_ksyms(&ka, ks, wants, N_WANTS), 0);
	check_answers(&ka);
	ksyms__free(ks);
	/* nothing readable: hidden, every answer absent */
	assert_int_equal(kaddrs__from_ksyms(&ka, NULL, wants, N_WANTS), 0);
	assert_true(ka.hidden);
	assert_int_equal(kaddrs__addr(&ka, "_totalram_pages"), 0);
	assert_null(kaddrs__full(&ka, "out_of_memory"));
}

static void test_probe(void **state)
{
	struct kaddrs_probe p;

	(void)state;
	assert_int_equal(kaddrs__probe(kallsyms, &p), 0);
	assert_int_equal(p.addr, 0xffffffff81000000ull);
	assert_string_equal(p.name, "_stext");
	assert_int_equal(kaddrs__probe(hidden_ksyms, &p), -ENOENT);
	assert_int_equal(kaddrs__probe("/nonexistent/kallsyms", &p), -ENOENT);
}

static void sample(struct kaddrs *ka, struct kaddrs_key *key)
{
	struct kaddrs_src src = { .kallsyms = kallsyms, .boot_id = boot_id, .release = "6.18.0-t" };
	struct ksyms *ks = ksyms__load(kallsyms);

	assert_non_null(ks);
	assert_int_equal(kaddrs__from_ksyms(ka, ks, wants, N_WANTS), 0);
	ksyms__free(ks);
	assert_int_equal(kaddrs__probe(kallsyms, &ka->probe), 0);
	assert_int_equal(kaddrs__key(&src, wants, N_WANTS, key), 0);
	assert_string_equal(key->boot_id, "0b8a9f0e-4ed2-4c1a-9d4c-3f0c8a7e1d22");
}

static void test_round_trip_and_stale(void **state)
{
	struct kaddrs ka, back = { .wants = wants, .n = N_WANTS };
	struct kaddrs_key key, other;
	unsigned char *f;
	size_t len;

	(void)state;
	sample(&ka, &key);
	f = kaddrs__format(&ka, &key, &len);
	assert_non_null(f);
	assert_int_equal(kaddrs__parse(&back, &key, f, len), 0);
	check_answers(&back);
	assert_int_equal(back.probe.addr, ka.probe.addr);
	/* another boot, another release, another list of names */
	other = key;
	other.boot_id[0] ^= 1;
	assert_int_equal(kaddrs__parse(&back, &other, f, len), -ESTALE);
	other = key;
	strcpy(other.release, "6.18.1");
	assert_int_equal(kaddrs__parse(&back, &other, f, len), -ESTALE);
	other = key;
	other.wants_crc ^= 1;
	assert_int_equal(kaddrs__parse(&back, &other, f, len), -ESTALE);
	free(f);
	/* a hidden table is never kept */
	ka.hidden = 1;
	assert_null(kaddrs__format(&ka, &key, &len));
}

static void test_corrupt(void **state)
{
	struct kaddrs ka, back = { .wants = wants, .n = N_WANTS };
	struct kaddrs_key key;
	unsigned char *f, *g;
	size_t len;

	(void)state;
	sample(&ka, &key);
	f = kaddrs__format(&ka, &key, &len);
	assert_non_null(f);
	g = malloc(len + 1);
	/* every truncation, and one byte more */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(kaddrs__parse(&back, &key, f, n), -EINVAL);
	memcpy(g, f, len);
	g[len] = 0;
	assert_int_equal(kaddrs__parse(&back, &key, g, len + 1), -EINVAL);
	/* every bit flip: never taken */
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 8; b++) {
			int r;

			memcpy(g, f, len);
			g[i] ^= (unsigned char)(1u << b);
			r = kaddrs__parse(&back, &key, g, len);
			if (r != -EINVAL && r != -ESTALE)
				fail_msg("bit %d of byte %zu flipped: %d", b, i, r);
		}
	}
	free(g);
	free(f);
}

static const struct kaddrs *get(struct kaddrs_async **a, const char *ksyms_path)
{
	struct kaddrs_src src = { .kallsyms = ksyms_path, .boot_id = boot_id, .release = "6.18.0-t" };

	*a = kaddrs__open(&src, wants, N_WANTS);
	assert_non_null(*a);
	return kaddrs_async__get(*a);
}

static void test_per_boot(void **state)
{
	char file[160];
	struct kaddrs_async *a;
	const struct kaddrs *ka;
	struct stat st;

	(void)state;
	snprintf(file, sizeof(file), "%s/ksyms.boot", cache);
	unlink(file);
	/* the boot's first start: read whole, its answers written (the directory made) */
	ka = get(&a, kallsyms);
	assert_false(ka->cached);
	check_answers(ka);
	kaddrs_async__free(a);
	assert_int_equal(stat(file, &st), 0);
	/* the next: from the file */
	ka = get(&a, kallsyms);
	assert_true(ka->cached);
	check_answers(ka);
	kaddrs_async__free(a);
	/* kallsyms hidden now: not from the file; hidden; the file left as it was */
	ka = get(&a, hidden_ksyms);
	assert_false(ka->cached);
	assert_true(ka->hidden);
	assert_int_equal(kaddrs__addr(ka, "_totalram_pages"), 0);
	kaddrs_async__free(a);
	ka = get(&a, kallsyms);
	assert_true(ka->cached);
	kaddrs_async__free(a);
	/* another boot: read whole, and written for it */
	write_file(boot_id, "1b8a9f0e-4ed2-4c1a-9d4c-3f0c8a7e1d22\n");
	ka = get(&a, kallsyms);
	assert_false(ka->cached);
	check_answers(ka);
	kaddrs_async__free(a);
	ka = get(&a, kallsyms);
	assert_true(ka->cached);
	kaddrs_async__free(a);
	/* kallsyms' first symbol moved (the file lies about this boot): not used */
	write_file(kallsyms, "ffffffff91000000 T _stext\nffffffff91200000 T out_of_memory\n");
	ka = get(&a, kallsyms);
	assert_false(ka->cached);
	kaddrs_async__free(a);
	write_file(kallsyms, fixture);
	ka = get(&a, kallsyms);
	assert_false(ka->cached);	/* written for the changed file just before */
	check_answers(ka);
	kaddrs_async__free(a);
	/* a file not whole: read whole, written again */
	assert_int_equal(truncate(file, 100), 0);
	ka = get(&a, kallsyms);
	assert_false(ka->cached);
	kaddrs_async__free(a);
	ka = get(&a, kallsyms);
	assert_true(ka->cached);
	kaddrs_async__free(a);
}

static void test_unwritable(void **state)
{
	struct kaddrs_async *a;
	const struct kaddrs *ka;
	char file[160];

	(void)state;
	/* a directory that cannot be made (its parent is a file): answers all the same */
	snprintf(file, sizeof(file), "%s/boot_id/cache", dir);
	setenv("OOMTRACE_CACHE_DIR", file, 1);
	ka = get(&a, kallsyms);
	assert_false(ka->cached);
	check_answers(ka);
	kaddrs_async__free(a);
	/* no cache at all */
	setenv("OOMTRACE_CACHE_DIR", "", 1);
	ka = get(&a, kallsyms);
	assert_false(ka->cached);
	check_answers(ka);
	kaddrs_async__free(a);
	setenv("OOMTRACE_CACHE_DIR", cache, 1);
	/* no boot id: answers, nothing kept */
	write_file(boot_id, "");
	ka = get(&a, kallsyms);
	assert_false(ka->cached);
	check_answers(ka);
	kaddrs_async__free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_ksyms),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_round_trip_and_stale),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_per_boot),
		cmocka_unit_test(test_unwritable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
