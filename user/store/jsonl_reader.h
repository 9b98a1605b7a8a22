/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small, strict, bounded JSON reader for the JSON Lines oomtrace writes.
 *
 * Strict: RFC 8259 grammar only (no comments, trailing commas, NaN, raw
 * control bytes or invalid UTF-8 in strings, lone surrogates, \u0000, or
 * anything after the value). Bounded: a document is parsed into a token
 * array whose size is fixed when the reader is made, and nesting is limited;
 * a line that needs more is refused (-E2BIG), never grown into.
 *
 * One convention is ours, the inverse of json_writer.c: \u0080..\u00ff
 * stand for the raw byte of that value (the writer escapes bytes that are
 * not UTF-8 that way), so a kernel string of arbitrary bytes round-trips.
 *
 * Lines come from jsonl_file, which reads at most max_line bytes of a line
 * and reports a last line without its newline as torn: every record is
 * written whole with its newline in one write(), so a missing newline means
 * the write was cut (a power loss), whatever the bytes look like.
 */
#ifndef OOMTRACE_JSONL_READER_H
#define OOMTRACE_JSONL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JR_MAX_DEPTH 32

enum jr_type {
	JR_NULL = 1,
	JR_FALSE,
	JR_TRUE,
	JR_NUMBER,
	JR_STRING,
	JR_ARRAY,
	JR_OBJECT,
};

/*
 * A value. Containers are followed by their children (an object's by key,
 * value, key, value...); `end` is the index just past the whole subtree.
 */
struct jr_tok {
	uint8_t type;		/* enum jr_type */
	uint32_t start;		/* offset in the text; strings: after the quote */
	uint32_t len;		/* bytes; strings: between the quotes, escapes intact */
	uint32_t n;		/* containers: elements, or members of an object */
	uint32_t end;
};

struct jr_doc {
	const char *text;
	struct jr_tok *toks;
	size_t n_toks, cap;
};

/* A document with room for max_tokens values; 0 or -ENOMEM. */
int jr_doc__init(struct jr_doc *d, size_t max_tokens);
void jr_doc__free(struct jr_doc *d);
/*
 * Parse one JSON text; the document refers to text until the next parse.
 * 0, -EINVAL (not JSON, or not strict JSON), -E2BIG (more values or deeper
 * nesting than the reader takes, or longer than 4 GiB).
 */
int jr_parse(struct jr_doc *d, const char *text, size_t len);

/* The value of member key of object obj, or -ENOENT (-EINVAL: obj is no object). */
int jr_member(const struct jr_doc *d, int obj, const char *key);
/*
 * Is every member of obj named in keys[0..n) (n <= 64), and none repeated?
 * 0, or -EINVAL (an unknown or repeated member, or obj is no object).
 */
int jr_only_keys(const struct jr_doc *d, int obj, const char *const *keys, size_t n);
/* Index of the first element of a container (-ENOENT if empty) and of the next sibling. */
int jr_first(const struct jr_doc *d, int container);
int jr_next(const struct jr_doc *d, int container, int elem);
bool jr_is(const struct jr_doc *d, int i, enum jr_type type);
int jr_i64(const struct jr_doc *d, int i, int64_t *ret);
int jr_bool(const struct jr_doc *d, int i, bool *ret);
/*
 * Decode a string into buf (NUL-terminated); 0, -EINVAL (no string),
 * -ENAMETOOLONG (does not fit). ret_len, if given, gets the decoded length.
 */
int jr_str(const struct jr_doc *d, int i, char *buf, size_t size, size_t *ret_len);
/* Member helpers: -ENOENT when absent, else as above. */
int jr_get_u64(const struct jr_doc *d, int obj, const char *key, uint64_t *ret);
int jr_get_i64(const struct jr_doc *d, int obj, const char *key, int64_t *ret);
/*
 * A non-negative decimal with at most 3 fraction digits (12, 12.4, 0.211; no
 * exponent) in thousandths: seconds read to the millisecond (jw_kv_milli).
 */
int jr_get_milli(const struct jr_doc *d, int obj, const char *key, uint64_t *ret);
int jr_get_str(const struct jr_doc *d, int obj, const char *key, char *buf, size_t size);
/* Does member key of obj hold exactly the string s? (for the tests) */
bool jr_get_str_is(const struct jr_doc *d, int obj, const char *key, const char *s);

/* Lines of a JSON Lines file, bounded. */
struct jsonl_file {
	FILE *f;
	char *buf;
	size_t max_line;
	uint64_t line_no;	/* of the line last returned */
	uint64_t too_long;	/* lines longer than max_line, skipped */
	bool torn;		/* the file ended inside a line (no newline) */
	bool eof;
};

/* Read lines of at most max_line bytes from f (not closed by us); 0 or -ENOMEM. */
int jsonl_file__init(struct jsonl_file *jf, FILE *f, size_t max_line);
void jsonl_file__free(struct jsonl_file *jf);
/*
 * The next whole line (without its newline): 1 with ret_line and ret_len set,
 * 0 at the end, -errno on a read error. Overlong lines are skipped and
 * counted; a torn last line is not returned, only flagged.
 */
int jsonl_file__next(struct jsonl_file *jf, const char **ret_line, size_t *ret_len);

#endif
