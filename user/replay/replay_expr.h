/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The formula of `oomtrace replay --policy expr:EXPR`: a small integer
 * expression over one candidate's inputs, parsed once into a bounded node
 * array and evaluated per candidate.
 *
 * Grammar (whitespace between tokens is ignored):
 *
 *   expr    := sum [ cmp sum ]             cmp: < <= > >= == !=  (1 or 0)
 *   sum     := product { (+|-) product }
 *   product := unary { (*|/) unary }
 *   unary   := - unary | primary
 *   primary := NUMBER | FIELD | (min|max) ( expr , expr ) | ( expr )
 *   NUMBER  := decimal digits (0 .. 2^63-1)
 *   FIELD   := rss | swap | pgtables | adj | totalpages | cgroup_usage | age_s
 *
 * Values are signed 64-bit integers; / truncates toward zero. Memory fields
 * are in pages (pgtables: the page tables' bytes / page size, as
 * oom_badness() counts them); adj is oom_score_adj; totalpages the OOM
 * domain's size. A division by zero or an overflow makes the candidate's
 * score undefined (the caller reports it), never a made-up number.
 */
#ifndef OOMTRACE_REPLAY_EXPR_H
#define OOMTRACE_REPLAY_EXPR_H

#include <stddef.h>
#include <stdint.h>

#define RX_MAX_LEN 1024		/* characters of an expression */
#define RX_MAX_NODES 256
#define RX_MAX_DEPTH 64		/* nesting of parentheses and unary minus */

enum rx_field {
	RX_RSS,
	RX_SWAP,
	RX_PGTABLES,
	RX_ADJ,
	RX_TOTALPAGES,
	RX_CGROUP_USAGE,
	RX_AGE_S,
	RX_N_FIELDS,
};

struct rx_node {
	uint8_t op;		/* enum rx_op (replay_expr.c) */
	int16_t a, b;		/* operand nodes */
	int64_t val;		/* number, or enum rx_field */
};

struct replay_expr {
	struct rx_node nodes[RX_MAX_NODES];
	int n, root;
	uint32_t fields;	/* bit (1 << enum rx_field) per field used */
};

struct rx_error {
	size_t column;		/* 1-based, where the problem starts */
	char msg[128];
};

/* Parse s: 0, or -EINVAL with err filled (column and what was expected). */
int replay_expr_parse(const char *s, struct replay_expr *e, struct rx_error *err);
/*
 * Evaluate with vals[field] for the fields e uses (others are not read):
 * 0, -EDOM (division by zero), -ERANGE (overflow).
 */
int replay_expr_eval(const struct replay_expr *e, const int64_t vals[RX_N_FIELDS], int64_t *ret);
const char *rx_field__name(enum rx_field f);

#endif
