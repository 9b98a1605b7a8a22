// SPDX-License-Identifier: GPL-2.0
/* Streaming JSON writer with strict escaping. */
#include <string.h>

#include "json_writer.h"

void jw_init(struct json_writer *w, FILE *out)
{
	w->out = out;
	w->depth = 0;
	w->len = 0;
	memset(w->need_comma, 0, sizeof(w->need_comma));
}

void jw_flush(struct json_writer *w)
{
	if (w->len)
		fwrite(w->buf, 1, w->len, w->out);
	w->len = 0;
}

static void put(struct json_writer *w, char c)
{
	if (w->len == sizeof(w->buf))
		jw_flush(w);
	w->buf[w->len++] = c;
}

static void put_n(struct json_writer *w, const void *s, size_t n)
{
	if (n > sizeof(w->buf) - w->len) {
		jw_flush(w);
		if (n > sizeof(w->buf)) {
			fwrite(s, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* A top-level value is complete: the caller may write to out itself next. */
static void value_done(struct json_writer *w)
{
	if (!w->depth)
		jw_flush(w);
}

/* Before any value: a comma if a sibling came before, unless after a key. */
static void before_value(struct json_writer *w)
{
	if (w->need_comma[w->depth])
		put(w, ',');
	w->need_comma[w->depth] = true;
}

static void open_scope(struct json_writer *w, char c)
{
	before_value(w);
	put(w, c);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_scope(struct json_writer *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	put(w, c);
	value_done(w);
}

void jw_object_start(struct json_writer *w) { open_scope(w, '{'); }
void jw_object_end(struct json_writer *w) { close_scope(w, '}'); }
void jw_array_start(struct json_writer *w) { open_scope(w, '['); }
void jw_array_end(struct json_writer *w) { close_scope(w, ']'); }

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

/* "\u00XX": a control byte, or a byte that is not UTF-8 */
static void put_u00(struct json_writer *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	put_n(w, e, sizeof(e));
}

/* Printable ASCII but the quote (0x22) and the backslash (0x5c): written as it is. */
static const unsigned char plain_byte[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static bool plain(unsigned char c)
{
	return plain_byte[c];
}

static void escape(struct json_writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	put(w, '"');
	for (size_t i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];
		size_t run = 0;

		/* printable ASCII needs no escape: write it in one go */
		while (i + run < len && plain(s[i + run]))
			run++;
		if (run) {
			put_n(w, s + i, run);
			i += run - 1;
			continue;
		}
		switch (c) {
		case '"': put_n(w, "\\\"", 2); continue;
		case '\\': put_n(w, "\\\\", 2); continue;
		case '\n': put_n(w, "\\n", 2); continue;
		case '\r': put_n(w, "\\r", 2); continue;
		case '\t': put_n(w, "\\t", 2); continue;
		case '\b': put_n(w, "\\b", 2); continue;
		case '\f': put_n(w, "\\f", 2); continue;
		}
		if (c < 0x20 || c == 0x7f) {
			put_u00(w, c);
		} else {
			size_t n = utf8_seq_len(s + i, len - i);

			if (n == 0 || memchr(s + i, 0, n)) {
				/* not UTF-8: keep the byte visible and the JSON valid */
				put_u00(w, c);
			} else {
				put_n(w, s + i, n);
				i += n - 1;
			}
		}
	}
	put(w, '"');
}

void json_escape(FILE *out, const char *s, size_t len)
{
	struct json_writer w;

	jw_init(&w, out);
	escape(&w, s, len);
	jw_flush(&w);
}

void jw_key(struct json_writer *w, const char *key)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t n = 0;

	before_value(w);
	/* keys are names like "rss_pages": plain to their end, one copy */
	while (plain(k[n]))
		n++;
	if (k[n]) {
		escape(w, key, strlen(key));
	} else {
		put(w, '"');
		put_n(w, key, n);
		put(w, '"');
	}
	put(w, ':');
	/* the value that follows must not write another comma */
	w->need_comma[w->depth] = false;
}

void jw_string_n(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	escape(w, s ? s : "", s ? len : 0);
	value_done(w);
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_string_n(w, s, s ? strlen(s) : 0);
}

/* The decimal digits of v, as printf's %PRIu64 writes them. */
static void put_dec(struct json_writer *w, uint64_t v, bool negative)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (negative)
		*--p = '-';
	put_n(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void jw_int(struct json_writer *w, int64_t v)
{
	before_value(w);
	/* the magnitude in unsigned arithmetic: INT64_MIN has no positive twin */
	put_dec(w, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
	value_done(w);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	before_value(w);
	put_dec(w, v, false);
	value_done(w);
}

static void jw_bool(struct json_writer *w, bool v)
{
	before_value(w);
	if (v)
		put_n(w, "true", 4);
	else
		put_n(w, "false", 5);
	value_done(w);
}

void jw_null(struct json_writer *w)
{
	before_value(w);
	put_n(w, "null", 4);
	value_done(w);
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
	unsigned frac = (unsigned)(thousandths % 1000);
	char f[4] = { '.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
		      (char)('0' + frac % 10) };

	jw_key(w, key);
	before_value(w);
	put_dec(w, thousandths / 1000, false);
	put_n(w, f, sizeof(f));
	value_done(w);
}

void jw_kv_hex(struct json_writer *w, const char *key, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	do {
		*--p = hex[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	jw_kv_string(w, key, p);
}
