// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the expr: formula of `oomtrace replay`: any bytes are parsed; a
 * refusal must name a column inside the text (or just past it) and say
 * why; an accepted formula is evaluated with ordinary and extreme field
 * values, where overflow and division by zero must be reported, never
 * undefined behaviour (UBSan aborts on a signed overflow). The same text
 * must give the same answer twice.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_expr.h"

static const int64_t vectors[][RX_N_FIELDS] = {
	{ 1000, 10, 3, 0, 16384, 0, 0 },
	{ 0, 0, 0, -1000, 1, 0, 0 },
	{ INT64_MAX, INT64_MAX, INT64_MAX, 1000, INT64_MAX, INT64_MAX, INT64_MAX },
	{ INT64_MIN, -1, -1, -1, -1, INT64_MIN, INT64_MIN },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct replay_expr e, e2;
	struct rx_error err, err2;
	char *s;
	int r;

	if (size > RX_MAX_LEN + 16)
		size = RX_MAX_LEN + 16;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = replay_expr_parse(s, &e, &err);
	if (r) {
		if (r != -EINVAL || !err.msg[0] || err.column < 1 || err.column > strlen(s) + 1) {
			fprintf(stderr, "bad refusal: %d column %zu '%s'\n", r, err.column, err.msg);
			abort();
		}
		free(s);
		return 0;
	}
	if (e.n < 1 || e.n > RX_MAX_NODES || e.root < 0 || e.root >= e.n)
		abort();
	if (replay_expr_parse(s, &e2, &err2) || e2.n != e.n || e2.fields != e.fields)
		abort();
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		int64_t v1 = 0, v2 = 0;
		int r1 = replay_expr_eval(&e, vectors[i], &v1);
		int r2 = replay_expr_eval(&e2, vectors[i], &v2);

		if (r1 != r2 || (!r1 && v1 != v2) || (r1 && r1 != -EDOM && r1 != -ERANGE))
			abort();
	}
	free(s);
	return 0;
}
