// SPDX-License-Identifier: GPL-2.0
/*
 * Recursive-descent parser and evaluator of replay's expr:EXPR policy
 * (grammar in replay_expr.h). Everything is bounded: the text's length, the
 * node count and the nesting depth, so neither a long nor a deep input can
 * exhaust memory or the stack.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "replay_expr.h"

enum rx_op {
	RX_NUM = 1,
	RX_FIELD,
	RX_NEG,
	RX_ADD,
	RX_SUB,
	RX_MUL,
	RX_DIV,
	RX_MIN,
	RX_MAX,
	RX_LT,
	RX_LE,
	RX_GT,
	RX_GE,
	RX_EQ,
	RX_NE,
};

static const char *const field_names[RX_N_FIELDS] = {
	[RX_RSS] = "rss",
	[RX_SWAP] = "swap",
	[RX_PGTABLES] = "pgtables",
	[RX_ADJ] = "adj",
	[RX_TOTALPAGES] = "totalpages",
	[RX_CGROUP_USAGE] = "cgroup_usage",
	[RX_AGE_S] = "age_s",
};

const char *rx_field__name(enum rx_field f)
{
	return (unsigned)f < RX_N_FIELDS ? field_names[f] : "?";
}

struct parser {
	const char *s;
	size_t pos, len;
	int depth;
	struct replay_expr *e;
	struct rx_error *err;
};

static int fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (!p->err->msg[0]) {	/* the first error is the one to show */
		p->err->column = pos + 1;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
		p->pos++;
}

/* The next token starts with c (after spaces)? Consume it. */
static bool accept(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(p);
	if (p->len - p->pos >= n && !memcmp(p->s + p->pos, tok, n)) {
		p->pos += n;
		return true;
	}
	return false;
}

static int add_node(struct parser *p, size_t pos, uint8_t op, int a, int b, int64_t val)
{
	struct rx_node *nd;

	if (p->e->n >= RX_MAX_NODES)
		return fail(p, pos, "expression too long (more than %d terms)", RX_MAX_NODES);
	nd = &p->e->nodes[p->e->n];
	nd->op = op;
	nd->a = (int16_t)a;
	nd->b = (int16_t)b;
	nd->val = val;
	return p->e->n++;
}

/* What is at pos, for an error: "end of expression" or 'c'. */
static void describe(const struct parser *p, size_t pos, char *buf, size_t size)
{
	unsigned char c;

	if (pos >= p->len) {
		snprintf(buf, size, "end of expression");
		return;
	}
	c = (unsigned char)p->s[pos];
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "byte 0x%02x", c);
}

static int parse_expr(struct parser *p);

static bool is_ident(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static int parse_primary(struct parser *p)
{
	char what[32];
	size_t start;
	int a, b;

	skip_space(p);
	start = p->pos;
	if (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		int64_t v = 0;

		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
			int d = p->s[p->pos] - '0';

			if (v > (INT64_MAX - d) / 10)
				return fail(p, start, "number too large (at most %lld)",
					    (long long)INT64_MAX);
			v = v * 10 + d;
			p->pos++;
		}
		if (p->pos < p->len && is_ident(p->s[p->pos], false))
			return fail(p, p->pos, "unexpected '%c' after a number", p->s[p->pos]);
		return add_node(p, start, RX_NUM, -1, -1, v);
	}
	if (p->pos < p->len && is_ident(p->s[p->pos], true)) {
		size_t n;

		while (p->pos < p->len && is_ident(p->s[p->pos], false))
			p->pos++;
		n = p->pos - start;
		if ((n == 3 && !memcmp(p->s + start, "min", 3)) ||
		    (n == 3 && !memcmp(p->s + start, "max", 3))) {
			uint8_t op = p->s[start + 1] == 'i' ? RX_MIN : RX_MAX;

			if (!accept(p, "("))
				return fail(p, p->pos, "expected '(' after %.3s", p->s + start);
			if ((a = parse_expr(p)) < 0)
				return a;
			if (!accept(p, ",")) {
				describe(p, p->pos, what, sizeof(what));
				return fail(p, p->pos, "expected ',' between the arguments of %.3s, "
					    "found %s", p->s + start, what);
			}
			if ((b = parse_expr(p)) < 0)
				return b;
			if (!accept(p, ")")) {
				describe(p, p->pos, what, sizeof(what));
				return fail(p, p->pos, "expected ')' closing %.3s, found %s",
					    p->s + start, what);
			}
			return add_node(p, start, op, a, b, 0);
		}
		for (int f = 0; f < RX_N_FIELDS; f++) {
			if (strlen(field_names[f]) == n && !memcmp(p->s + start, field_names[f], n)) {
				p->e->fields |= 1u << f;
				return add_node(p, start, RX_FIELD, -1, -1, f);
			}
		}
		return fail(p, start, "unknown name '%.*s' (fields: rss, swap, pgtables, adj, "
			    "totalpages, cgroup_usage, age_s; functions: min, max)",
			    (int)(n > 32 ? 32 : n), p->s + start);
	}
	if (accept(p, "(")) {
		if ((a = parse_expr(p)) < 0)
			return a;
		if (!accept(p, ")")) {
			describe(p, p->pos, what, sizeof(what));
			return fail(p, p->pos, "expected ')' matching column %zu, found %s",
				    start + 1, what);
		}
		return a;
	}
	describe(p, p->pos, what, sizeof(what));
	return fail(p, p->pos, "expected a number, a field, min, max or '(', found %s", what);
}

static int parse_unary(struct parser *p)
{
	size_t start;
	int a;

	skip_space(p);
	start = p->pos;
	if (!accept(p, "-"))
		return parse_primary(p);
	if (++p->depth > RX_MAX_DEPTH)
		return fail(p, start, "nested too deeply (more than %d levels)", RX_MAX_DEPTH);
	a = parse_unary(p);
	p->depth--;
	if (a < 0)
		return a;
	/* a negative literal stays a number: -9223372036854775807 - 1 works */
	if (p->e->nodes[a].op == RX_NUM) {
		p->e->nodes[a].val = -p->e->nodes[a].val;
		return a;
	}
	return add_node(p, start, RX_NEG, a, -1, 0);
}

static int parse_product(struct parser *p)
{
	int a = parse_unary(p), b;

	while (a >= 0) {
		size_t at;
		uint8_t op;

		skip_space(p);
		at = p->pos;
		if (accept(p, "*"))
			op = RX_MUL;
		else if (accept(p, "/"))
			op = RX_DIV;
		else
			break;
		if ((b = parse_unary(p)) < 0)
			return b;
		a = add_node(p, at, op, a, b, 0);
	}
	return a;
}

static int parse_sum(struct parser *p)
{
	int a = parse_product(p), b;

	while (a >= 0) {
		size_t at;
		uint8_t op;

		skip_space(p);
		at = p->pos;
		if (accept(p, "+"))
			op = RX_ADD;
		else if (accept(p, "-"))
			op = RX_SUB;
		else
			break;
		if ((b = parse_product(p)) < 0)
			return b;
		a = add_node(p, at, op, a, b, 0);
	}
	return a;
}

static int parse_expr(struct parser *p)
{
	static const struct { const char *tok; uint8_t op; } cmps[] = {
		{ "<=", RX_LE }, { ">=", RX_GE }, { "==", RX_EQ }, { "!=", RX_NE },
		{ "<", RX_LT }, { ">", RX_GT },
	};
	size_t at;
	int a, b;

	if (++p->depth > RX_MAX_DEPTH)
		return fail(p, p->pos, "nested too deeply (more than %d levels)", RX_MAX_DEPTH);
	a = parse_sum(p);
	if (a < 0)
		goto out;
	skip_space(p);
	at = p->pos;
	for (size_t i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++) {
		if (!accept(p, cmps[i].tok))
			continue;
		if ((b = parse_sum(p)) < 0) {
			a = b;
			goto out;
		}
		a = add_node(p, at, cmps[i].op, a, b, 0);
		skip_space(p);
		if (a >= 0 && p->pos < p->len && strchr("<>=!", p->s[p->pos]))
			a = fail(p, p->pos, "comparisons do not chain: use parentheses");
		break;
	}
out:
	p->depth--;
	return a;
}

int replay_expr_parse(const char *s, struct replay_expr *e, struct rx_error *err)
{
	struct parser p = { .s = s, .len = strlen(s), .e = e, .err = err };
	char what[32];
	int root;

	memset(err, 0, sizeof(*err));
	e->n = 0;
	e->fields = 0;
	e->root = -1;
	if (p.len > RX_MAX_LEN)
		return fail(&p, RX_MAX_LEN, "expression longer than %d characters", RX_MAX_LEN);
	root = parse_expr(&p);
	if (root < 0)
		return root;
	skip_space(&p);
	if (p.pos < p.len) {
		describe(&p, p.pos, what, sizeof(what));
		return fail(&p, p.pos, "unexpected %s (expected an operator or the end)", what);
	}
	e->root = root;
	return 0;
}

static int eval(const struct replay_expr *e, int i, const int64_t *vals, int64_t *ret)
{
	const struct rx_node *nd = &e->nodes[i];
	int64_t a = 0, b = 0;
	int err;

	switch (nd->op) {
	case RX_NUM:
		*ret = nd->val;
		return 0;
	case RX_FIELD:
		*ret = vals[nd->val];
		return 0;
	default:
		break;
	}
	if ((err = eval(e, nd->a, vals, &a)))
		return err;
	if (nd->op != RX_NEG && (err = eval(e, nd->b, vals, &b)))
		return err;
	switch (nd->op) {
	case RX_NEG:
		if (a == INT64_MIN)
			return -ERANGE;
		*ret = -a;
		return 0;
	case RX_ADD:
		return __builtin_add_overflow(a, b, ret) ? -ERANGE : 0;
	case RX_SUB:
		return __builtin_sub_overflow(a, b, ret) ? -ERANGE : 0;
	case RX_MUL:
		return __builtin_mul_overflow(a, b, ret) ? -ERANGE : 0;
	case RX_DIV:
		if (!b)
			return -EDOM;
		if (a == INT64_MIN && b == -1)
			return -ERANGE;
		*ret = a / b;
		return 0;
	case RX_MIN: *ret = a < b ? a : b; return 0;
	case RX_MAX: *ret = a > b ? a : b; return 0;
	case RX_LT: *ret = a < b; return 0;
	case RX_LE: *ret = a <= b; return 0;
	case RX_GT: *ret = a > b; return 0;
	case RX_GE: *ret = a >= b; return 0;
	case RX_EQ: *ret = a == b; return 0;
	case RX_NE: *ret = a != b; return 0;
	default:
		return -EINVAL;
	}
}

int replay_expr_eval(const struct replay_expr *e, const int64_t vals[RX_N_FIELDS], int64_t *ret)
{
	if (e->root < 0)
		return -EINVAL;
	return eval(e, e->root, vals, ret);
}
