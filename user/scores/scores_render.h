/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing a ranking: the pressure summary, the table, JSON Lines (one
 * object per process), and --explain in text and JSON. Every comm and
 * cgroup name is escaped.
 */
#ifndef OOMTRACE_SCORES_RENDER_H
#define OOMTRACE_SCORES_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scores.h"

struct scores_view {
	size_t top;		/* rows shown, 0 = all */
	bool all;		/* also kernel threads (text; JSON always has them) */
};

/* The header: pressure line, domain line, the lead of the first. */
void scores_render_header(FILE *out, const struct score_set *s);
/* The column titles and the rows. */
void scores_render_table(FILE *out, const struct score_set *s, const struct scores_view *v);
/* What was not shown or could not be read, and the kernel cross-check. */
void scores_render_footer(FILE *out, const struct score_set *s, const struct scores_view *v);
/* One JSON object per process and line, in rank order. */
void scores_render_json(FILE *out, const struct score_set *s, const struct scores_view *v);

void scores_render_explain_text(FILE *out, const struct score_set *s,
				const struct score_explain *e);
void scores_render_explain_json(FILE *out, const struct score_set *s,
				const struct score_explain *e);

#endif
