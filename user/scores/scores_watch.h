/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `oomtrace scores --watch SEC`: a full-screen view refreshed in place, like
 * top. It draws on the alternate screen without clearing it (cursor home,
 * each line ended by clear-to-end-of-line, then clear-below), so nothing
 * flickers; the terminal is restored on q, Ctrl-C and signals.
 */
#ifndef OOMTRACE_SCORES_WATCH_H
#define OOMTRACE_SCORES_WATCH_H

#include "scores.h"
#include "scores_render.h"

/* Runs until q, Ctrl-C or a signal; returns an exit code (log.h). */
int scores_watch(const struct scores_config *cfg, const struct scores_view *v,
		 unsigned int interval_ms);

#endif
