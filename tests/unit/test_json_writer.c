// SPDX-License-Identifier: GPL-2.0
/* JSON writer: structure and escaping of hostile strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* Run fn on a writer over a memory stream; return the text (caller frees). */
static char *capture(void (*fn)(struct json_writer *w))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer w;

	jw_init(&w, f);
	fn(&w);
	fclose(f);
	return buf;
}

static void nested(struct json_writer *w)
{
	jw_object_start(w);
	jw_kv_int(w, "a", -1);
	jw_key(w, "b");
	jw_array_start(w);
	jw_uint(w, 1);
	jw_object_start(w);
	jw_kv_bool(w, "c", true);
	jw_object_end(w);
	jw_null(w);
	jw_array_end(w);
	jw_kv_hex(w, "d", 0xcc0);
	jw_kv_string(w, "e", "x");
	jw_kv_milli(w, "s", 12400);
	jw_kv_milli(w, "t", 7);
	jw_object_end(w);
}

static void test_nesting_and_commas(void **state)
{
	char *s = capture(nested);

	(void)state;
	assert_string_equal(s, "{\"a\":-1,\"b\":[1,{\"c\":true},null],\"d\":\"0xcc0\",\"e\":\"x\",\"s\":12.400,\"t\":0.007}");
	free(s);
}

static const char *escape_input;

static void one_string(struct json_writer *w)
{
	jw_string(w, escape_input);
}

static void expect_escape(const char *in, const char *want)
{
	char *s;

	escape_input = in;
	s = capture(one_string);
	assert_string_equal(s, want);
	free(s);
}

static void test_escapes_controls_and_quotes(void **state)
{
	(void)state;
	expect_escape("q\"n\nx\033[31mz", "\"q\\\"n\\nx\\u001b[31mz\"");
	expect_escape("back\\slash\ttab\r", "\"back\\\\slash\\ttab\\r\"");
	expect_escape("\x7f", "\"\\u007f\"");
	expect_escape("", "\"\"");
}

static void test_utf8_kept_invalid_escaped(void **state)
{
	(void)state;
	expect_escape("caf\xc3\xa9", "\"caf\xc3\xa9\"");		/* valid: kept */
	expect_escape("\xe6\x9c\xba", "\"\xe6\x9c\xba\"");		/* CJK: kept */
	expect_escape("a\xff" "b", "\"a\\u00ffb\"");			/* invalid byte */
	expect_escape("\xc3", "\"\\u00c3\"");				/* truncated */
	expect_escape("\xc0\xaf", "\"\\u00c0\\u00af\"");		/* overlong */
	expect_escape("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");	/* surrogate */
}

static void test_string_n_stops_at_len(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer w;

	(void)state;
	jw_init(&w, f);
	jw_string_n(&w, "abcdef", 3);
	fclose(f);
	assert_string_equal(buf, "\"abc\"");
	free(buf);
}

/*
 * The writer gathers text: a record longer than its buffer comes out whole
 * and in order, and reaches the stream when the top-level value closes, so
 * that the caller's own newline follows it.
 */
static void test_buffered_records_in_order(void **state)
{
	/* each record some 3 x JSON_BUF long */
	enum { KEYS = 3 * JSON_BUF / 24 };
	static char want[2 * 48 * KEYS + 256];
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json_writer w;

	(void)state;
	for (int rec = 0; rec < 2; rec++) {
		jw_init(&w, f);
		jw_object_start(&w);
		n += (size_t)snprintf(want + n, sizeof(want) - n, "{");
		for (int i = 0; i < KEYS; i++) {
			jw_kv_int(&w, "key_of_some_length", (int64_t)i * -1000003);
			n += (size_t)snprintf(want + n, sizeof(want) - n, "%s\"key_of_some_length\":%d",
					      i ? "," : "", i * -1000003);
		}
		jw_kv_int(&w, "min", INT64_MIN);
		jw_kv_uint(&w, "max", UINT64_MAX);
		jw_object_end(&w);
		fputc('\n', f);
		n += (size_t)snprintf(want + n, sizeof(want) - n,
				      ",\"min\":-9223372036854775808,\"max\":18446744073709551615}\n");
	}
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_escapes_controls_and_quotes),
		cmocka_unit_test(test_utf8_kept_invalid_escaped),
		cmocka_unit_test(test_string_n_stops_at_len),
		cmocka_unit_test(test_buffered_records_in_order),
	};

	return cmocka_run_group_tests_name("json_writer", tests, NULL, NULL);
}
