// SPDX-License-Identifier: GPL-2.0
/* Streaming JSON writer with strict escaping. */
#include <inttypes.h>
#include <string.h>

#include "json_writer.h"

void jw_init(struct json_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

/* Before any value: a comma if a sibling came before, unless after a key. */
static void before_value(struct json_writer *w)
{
	if (w->need_comma[w->depth])
		fputc(',', w->out);
	w->need_comma[w->depth] = true;
}

static void open_scope(struct json_writer *w, char c)
{
	before_value(w);
	fputc(c, w->out);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_scope(struct json_writer *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	fputc(c, w->out);
}

void jw_object_start(struct json_writer *w) { open_scope(w, '{'); }
void jw_object_end(struct json_writer *w) { close_scope(w, '}'); }
void jw_array_start(struct json_writer *w) { open_scope(w, '['); }
void jw_array_end(struct json_writer *w) { close_scope(w, ']'); }

void jw_key(struct json_writer *w, const char *key)
{
	before_value(w);
	json_escape(w->out, key, strlen(key));
	fputc(':', w->out);
	/* the value that follows must not write another comma */
	w->need_comma[w->depth] = false;
}

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* reject overlongs, surrogates and out-of-range code points */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

void json_escape(FILE *out, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	for (size_t i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];
		size_t run = 0;

		/* printable ASCII needs no escape: write it in one go */
		while (i + run < len && s[i + run] >= 0x20 && s[i + run] < 0x7f &&
		       s[i + run] != '"' && s[i + run] != '\\')
			run++;
		if (run) {
			fwrite(s + i, 1, run, out);
			i += run - 1;
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", out); continue;
		case '\\': fputs("\\\\", out); continue;
		case '\n': fputs("\\n", out); continue;
		case '\r': fputs("\\r", out); continue;
		case '\t': fputs("\\t", out); continue;
		case '\b': fputs("\\b", out); continue;
		case '\f': fputs("\\f", out); continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, out);
		} else {
			size_t n = utf8_seq_len(s + i, len - i);

			if (n == 0 || memchr(s + i, 0, n)) {
				/* not UTF-8: keep the byte visible and the JSON valid */
				fprintf(out, "\\u%04x", c);
			} else {
				fwrite(s + i, 1, n, out);
				i += n - 1;
			}
		}
	}
	fputc('"', out);
}

void jw_string_n(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	json_escape(w->out, s ? s : "", s ? len : 0);
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_string_n(w, s, s ? strlen(s) : 0);
}

void jw_int(struct json_writer *w, int64_t v)
{
	before_value(w);
	fprintf(w->out, "%" PRId64, v);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	before_value(w);
	fprintf(w->out, "%" PRIu64, v);
}

static void jw_bool(struct json_writer *w, bool v)
{
	before_value(w);
	fputs(v ? "true" : "false", w->out);
}

void jw_null(struct json_writer *w)
{
	before_value(w);
	fputs("null", w->out);
}

void jw_kv_string(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kv_int(struct json_writer *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kv_uint(struct json_writer *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

void jw_kv_bool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_kv_milli(struct json_writer *w, const char *key, uint64_t thousandths)
{
	jw_key(w, key);
	before_value(w);
	fprintf(w->out, "%" PRIu64 ".%03u", thousandths / 1000, (unsigned)(thousandths % 1000));
}

void jw_kv_hex(struct json_writer *w, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	jw_kv_string(w, key, buf);
}
