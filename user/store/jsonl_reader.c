// SPDX-License-Identifier: GPL-2.0
/* A strict, bounded JSON tokenizer and typed accessors; bounded JSON Lines. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "jsonl_reader.h"
#include "scan.h"

struct parser {
	const char *s;
	size_t len, pos;
	struct jr_doc *d;
	int depth;
};

int jr_doc__init(struct jr_doc *d, size_t max_tokens)
{
	memset(d, 0, sizeof(*d));
	d->toks = calloc(max_tokens ? max_tokens : 1, sizeof(*d->toks));
	if (!d->toks)
		return -ENOMEM;
	d->cap = max_tokens ? max_tokens : 1;
	return 0;
}

void jr_doc__free(struct jr_doc *d)
{
	free(d->toks);
	memset(d, 0, sizeof(*d));
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\r' || p->s[p->pos] == '\n'))
		p->pos++;
}

static int new_tok(struct parser *p, enum jr_type type)
{
	struct jr_tok *t;

	if (p->d->n_toks >= p->d->cap)
		return -E2BIG;
	t = &p->d->toks[p->d->n_toks];
	memset(t, 0, sizeof(*t));
	t->type = (uint8_t)type;
	t->start = (uint32_t)p->pos;
	return (int)p->d->n_toks++;
}

static int hex4(const char *s, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/*
 * One \uXXXX escape (or a surrogate pair) at s[0] == '\\', n bytes left:
 * the code point and the bytes it took, or -EINVAL.
 */
static int unicode_escape(const char *s, size_t n, uint32_t *ret_cp, size_t *ret_used)
{
	uint32_t hi, lo;

	if (n < 6 || hex4(s + 2, &hi))
		return -EINVAL;
	if (hi == 0 || (hi >= 0xdc00 && hi <= 0xdfff))
		return -EINVAL;
	if (hi < 0xd800 || hi > 0xdbff) {
		*ret_cp = hi;
		*ret_used = 6;
		return 0;
	}
	if (n < 12 || s[6] != '\\' || s[7] != 'u' || hex4(s + 8, &lo) ||
	    lo < 0xdc00 || lo > 0xdfff)
		return -EINVAL;
	*ret_cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	*ret_used = 12;
	return 0;
}

static int parse_string(struct parser *p)
{
	int idx = new_tok(p, JR_STRING);
	size_t start;

	if (idx < 0)
		return idx;
	start = ++p->pos;	/* past the quote */
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];

		if (c == '"') {
			p->d->toks[idx].start = (uint32_t)start;
			p->d->toks[idx].len = (uint32_t)(p->pos - start);
			p->d->toks[idx].end = (uint32_t)p->d->n_toks;
			p->pos++;
			return idx;
		}
		if (c < 0x20)
			return -EINVAL;
		if (c == '\\') {
			uint32_t cp;
			size_t used;

			if (p->pos + 1 >= p->len)
				return -EINVAL;
			if (p->s[p->pos + 1] == 'u') {
				if (unicode_escape(p->s + p->pos, p->len - p->pos, &cp, &used))
					return -EINVAL;
				p->pos += used;
				continue;
			}
			if (!strchr("\"\\/bfnrt", p->s[p->pos + 1]) || !p->s[p->pos + 1])
				return -EINVAL;
			p->pos += 2;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_seq_len((const unsigned char *)p->s + p->pos, p->len - p->pos);

			if (!n)
				return -EINVAL;
			p->pos += n;
			continue;
		}
		p->pos++;
	}
	return -EINVAL;	/* unterminated */
}

static int parse_number(struct parser *p)
{
	int idx = new_tok(p, JR_NUMBER);
	size_t start = p->pos;

	if (idx < 0)
		return idx;
	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len || !scan_is_digit(p->s[p->pos]))
		return -EINVAL;
	if (p->s[p->pos] == '0')
		p->pos++;
	else
		while (p->pos < p->len && scan_is_digit(p->s[p->pos]))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (p->pos >= p->len || !scan_is_digit(p->s[p->pos]))
			return -EINVAL;
		while (p->pos < p->len && scan_is_digit(p->s[p->pos]))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (p->pos >= p->len || !scan_is_digit(p->s[p->pos]))
			return -EINVAL;
		while (p->pos < p->len && scan_is_digit(p->s[p->pos]))
			p->pos++;
	}
	p->d->toks[idx].len = (uint32_t)(p->pos - start);
	p->d->toks[idx].end = (uint32_t)p->d->n_toks;
	return idx;
}

static int parse_literal(struct parser *p, const char *word, enum jr_type type)
{
	size_t n = strlen(word);
	int idx;

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return -EINVAL;
	idx = new_tok(p, type);
	if (idx < 0)
		return idx;
	p->pos += n;
	p->d->toks[idx].len = (uint32_t)n;
	p->d->toks[idx].end = (uint32_t)p->d->n_toks;
	return idx;
}

static int parse_value(struct parser *p);

/* An array or object: elements (or key: value members) between open and close. */
static int parse_container(struct parser *p, bool object)
{
	int idx = new_tok(p, object ? JR_OBJECT : JR_ARRAY), err;
	char close = object ? '}' : ']';
	uint32_t n = 0;

	if (idx < 0)
		return idx;
	if (++p->depth > JR_MAX_DEPTH)
		return -E2BIG;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		goto done;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return -EINVAL;
			err = parse_string(p);
			if (err < 0)
				return err;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return -EINVAL;
			p->pos++;
		}
		err = parse_value(p);
		if (err < 0)
			return err;
		n++;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			break;
		}
		return -EINVAL;
	}
done:
	p->depth--;
	p->d->toks[idx].n = n;
	p->d->toks[idx].end = (uint32_t)p->d->n_toks;
	p->d->toks[idx].len = (uint32_t)(p->pos - p->d->toks[idx].start);
	return idx;
}

static int parse_value(struct parser *p)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return -EINVAL;
	switch (p->s[p->pos]) {
	case '{': return parse_container(p, true);
	case '[': return parse_container(p, false);
	case '"': return parse_string(p);
	case 't': return parse_literal(p, "true", JR_TRUE);
	case 'f': return parse_literal(p, "false", JR_FALSE);
	case 'n': return parse_literal(p, "null", JR_NULL);
	default:
		if (p->s[p->pos] == '-' || scan_is_digit(p->s[p->pos]))
			return parse_number(p);
		return -EINVAL;
	}
}

int jr_parse(struct jr_doc *d, const char *text, size_t len)
{
	struct parser p = { .s = text, .len = len, .d = d };
	int err;

	d->text = text;
	d->n_toks = 0;
	if (len > UINT32_MAX)
		return -E2BIG;
	err = parse_value(&p);
	if (err < 0)
		goto fail;
	skip_ws(&p);
	if (p.pos != len) {
		err = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	d->n_toks = 0;
	return err;
}

bool jr_is(const struct jr_doc *d, int i, enum jr_type type)
{
	return i >= 0 && (size_t)i < d->n_toks && d->toks[i].type == type;
}

int jr_first(const struct jr_doc *d, int c)
{
	if (!jr_is(d, c, JR_ARRAY) && !jr_is(d, c, JR_OBJECT))
		return -EINVAL;
	return d->toks[c].n ? c + 1 : -ENOENT;
}

int jr_next(const struct jr_doc *d, int c, int elem)
{
	uint32_t next = d->toks[elem].end;

	if (d->toks[c].type == JR_OBJECT)	/* elem is a key: skip its value */
		next = d->toks[next].end;
	return next < d->toks[c].end ? (int)next : -ENOENT;
}

int jr_str(const struct jr_doc *d, int i, char *buf, size_t size, size_t *ret_len)
{
	const char *s;
	size_t n, out = 0;

	if (!jr_is(d, i, JR_STRING) || !size)
		return -EINVAL;
	s = d->text + d->toks[i].start;
	n = d->toks[i].len;
	for (size_t k = 0; k < n;) {
		char enc[4];
		size_t m = 1, used = 1;

		if (s[k] != '\\') {
			enc[0] = s[k];
		} else {
			used = 2;
			switch (s[k + 1]) {
			case 'b': enc[0] = '\b'; break;
			case 'f': enc[0] = '\f'; break;
			case 'n': enc[0] = '\n'; break;
			case 'r': enc[0] = '\r'; break;
			case 't': enc[0] = '\t'; break;
			case 'u': {
				uint32_t cp;

				if (unicode_escape(s + k, n - k, &cp, &used))
					return -EINVAL;
				if (cp < 0x100) {	/* 0x80..0xff: a raw byte (json_writer.c) */
					enc[0] = (char)cp;
				} else if (cp < 0x800) {
					enc[0] = (char)(0xc0 | cp >> 6);
					enc[1] = (char)(0x80 | (cp & 0x3f));
					m = 2;
				} else if (cp < 0x10000) {
					enc[0] = (char)(0xe0 | cp >> 12);
					enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					enc[2] = (char)(0x80 | (cp & 0x3f));
					m = 3;
				} else {
					enc[0] = (char)(0xf0 | cp >> 18);
					enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
					enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
					enc[3] = (char)(0x80 | (cp & 0x3f));
					m = 4;
				}
				break;
			}
			default: enc[0] = s[k + 1]; break;	/* " \ / */
			}
		}
		if (out + m >= size)
			return -ENAMETOOLONG;
		memcpy(buf + out, enc, m);
		out += m;
		k += used;
	}
	buf[out] = '\0';
	if (ret_len)
		*ret_len = out;
	return 0;
}

/* Is the key token k the string key (klen bytes, no NUL inside)? */
static bool key_is(const struct jr_doc *d, int k, const char *key, size_t klen)
{
	const struct jr_tok *t = &d->toks[k];
	char buf[64];

	if (!memchr(d->text + t->start, '\\', t->len))
		return t->len == klen && !memcmp(d->text + t->start, key, klen);
	return !jr_str(d, k, buf, sizeof(buf), NULL) && !strcmp(buf, key);
}

int jr_member(const struct jr_doc *d, int obj, const char *key)
{
	size_t klen = strlen(key);
	int k;

	if (!jr_is(d, obj, JR_OBJECT))
		return -EINVAL;
	for (k = jr_first(d, obj); k >= 0; k = jr_next(d, obj, k))
		if (key_is(d, k, key, klen))
			return k + 1;
	return -ENOENT;
}

int jr_only_keys(const struct jr_doc *d, int obj, const char *const *keys, size_t n)
{
	uint64_t seen = 0;
	int k;

	if (!jr_is(d, obj, JR_OBJECT) || n > 64)
		return -EINVAL;
	for (k = jr_first(d, obj); k >= 0; k = jr_next(d, obj, k)) {
		size_t i;

		for (i = 0; i < n; i++)
			if (key_is(d, k, keys[i], strlen(keys[i])))
				break;
		if (i == n || seen & (1ull << i))
			return -EINVAL;
		seen |= 1ull << i;
	}
	return 0;
}

/* Integers only (no fraction or exponent), in range: 0 or -EINVAL / -ERANGE. */
static int jr_u64(const struct jr_doc *d, int i, uint64_t *ret)
{
	if (!jr_is(d, i, JR_NUMBER))
		return -EINVAL;
	return scan_digits_u64(d->text + d->toks[i].start, d->toks[i].len, ret);
}

int jr_i64(const struct jr_doc *d, int i, int64_t *ret)
{
	const char *s;
	bool neg;
	uint64_t v;
	int err;

	if (!jr_is(d, i, JR_NUMBER))
		return -EINVAL;
	s = d->text + d->toks[i].start;
	neg = s[0] == '-';
	err = scan_digits_u64(s + neg, d->toks[i].len - neg, &v);
	if (err)
		return err;
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return -ERANGE;
		*ret = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		if (v > INT64_MAX)
			return -ERANGE;
		*ret = (int64_t)v;
	}
	return 0;
}

int jr_bool(const struct jr_doc *d, int i, bool *ret)
{
	if (jr_is(d, i, JR_TRUE))
		*ret = true;
	else if (jr_is(d, i, JR_FALSE))
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

int jr_get_u64(const struct jr_doc *d, int obj, const char *key, uint64_t *ret)
{
	int i = jr_member(d, obj, key);

	return i < 0 ? i : jr_u64(d, i, ret);
}

int jr_get_milli(const struct jr_doc *d, int obj, const char *key, uint64_t *ret)
{
	int i = jr_member(d, obj, key), err;
	const char *s, *dot;
	size_t n, whole, frac;
	uint64_t w, f = 0;

	if (i < 0)
		return i;
	if (!jr_is(d, i, JR_NUMBER))
		return -EINVAL;
	s = d->text + d->toks[i].start;
	n = d->toks[i].len;
	dot = memchr(s, '.', n);
	whole = dot ? (size_t)(dot - s) : n;
	frac = dot ? n - whole - 1 : 0;
	if (!whole || (dot && (!frac || frac > 3)))
		return -EINVAL;
	if ((err = scan_digits_u64(s, whole, &w)) || (frac && (err = scan_digits_u64(dot + 1, frac, &f))))
		return err;
	for (size_t k = frac; k < 3; k++)
		f *= 10;
	if (w > (UINT64_MAX - f) / 1000)
		return -ERANGE;
	*ret = w * 1000 + f;
	return 0;
}

int jr_get_i64(const struct jr_doc *d, int obj, const char *key, int64_t *ret)
{
	int i = jr_member(d, obj, key);

	return i < 0 ? i : jr_i64(d, i, ret);
}

int jr_get_str(const struct jr_doc *d, int obj, const char *key, char *buf, size_t size)
{
	int i = jr_member(d, obj, key);

	return i < 0 ? i : jr_str(d, i, buf, size, NULL);
}

bool jr_get_str_is(const struct jr_doc *d, int obj, const char *key, const char *s)
{
	char buf[64];

	return strlen(s) < sizeof(buf) && !jr_get_str(d, obj, key, buf, sizeof(buf)) &&
	       !strcmp(buf, s);
}

int jsonl_file__init(struct jsonl_file *jf, FILE *f, size_t max_line)
{
	memset(jf, 0, sizeof(*jf));
	jf->buf = malloc(max_line + 1);
	if (!jf->buf)
		return -ENOMEM;
	jf->f = f;
	jf->max_line = max_line;
	return 0;
}

void jsonl_file__free(struct jsonl_file *jf)
{
	free(jf->buf);
	jf->buf = NULL;
}

int jsonl_file__next(struct jsonl_file *jf, const char **ret_line, size_t *ret_len)
{
	while (!jf->eof) {
		size_t len = 0;
		bool overlong = false;
		int c;

		while ((c = getc_unlocked(jf->f)) != EOF && c != '\n') {
			if (len < jf->max_line)
				jf->buf[len++] = (char)c;
			else
				overlong = true;
		}
		if (c == EOF) {
			if (ferror(jf->f))
				return -EIO;
			jf->eof = true;
			/* no newline: the write of this last record was cut short */
			if (len || overlong)
				jf->torn = true;
			return 0;
		}
		jf->line_no++;
		if (overlong) {
			jf->too_long++;
			continue;
		}
		jf->buf[len] = '\0';
		*ret_line = jf->buf;
		*ret_len = len;
		return 1;
	}
	return 0;
}
