/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer: commas and nesting are tracked for the
 * caller, and every string is escaped (kernel text is hostile: a process can
 * name itself with quotes, newlines and terminal escapes; invalid UTF-8 is
 * written as \u00XX so the output always parses).
 */
#ifndef OOMTRACE_JSON_WRITER_H
#define OOMTRACE_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16
/* text gathered before it goes to the stream: one fwrite for many values */
#define JSON_BUF 16384

/*
 * The text reaches `out` at the latest when a top-level value is complete
 * (its closing brace): only then may the caller write to `out` itself (the
 * newline after a record), or call jw_flush() first.
 */
struct json_writer {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	size_t len;		/* of buf, not yet written */
	char buf[JSON_BUF];
};

void jw_init(struct json_writer *w, FILE *out);
/* Write out what is gathered (a top-level value's end does it). */
void jw_flush(struct json_writer *w);
void jw_object_start(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_start(struct json_writer *w);
void jw_array_end(struct json_writer *w);
/* Object member name; the next value call writes its value. */
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);
/* A string of at most len bytes (stops early at NUL). */
void jw_string_n(struct json_writer *w, const char *s, size_t len);
void jw_int(struct json_writer *w, int64_t v);
void jw_uint(struct json_writer *w, uint64_t v);
void jw_null(struct json_writer *w);
/* Convenience: key + value. */
void jw_kv_string(struct json_writer *w, const char *key, const char *s);
void jw_kv_int(struct json_writer *w, const char *key, int64_t v);
void jw_kv_uint(struct json_writer *w, const char *key, uint64_t v);
void jw_kv_bool(struct json_writer *w, const char *key, bool v);
/* key: 12.400, thousandths of a unit as a decimal (seconds to the millisecond) */
void jw_kv_milli(struct json_writer *w, const char *key, uint64_t thousandths);
/* key: "0x1f" (addresses and masks are strings: JSON numbers lose 64-bit precision) */
void jw_kv_hex(struct json_writer *w, const char *key, uint64_t v);
/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0: an
 * overlong form, a surrogate or a code point past U+10FFFF is invalid.
 * What the writer passes through as text, the reader accepts.
 */
size_t utf8_seq_len(const unsigned char *s, size_t n);
/* Write s escaped as a JSON string body, quotes included. */
void json_escape(FILE *out, const char *s, size_t len);

#endif
