// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the reader of recorded files: the input is a file of lines. Every
 * line goes through the bounded line reader, the strict JSON parser and
 * the schema decoder. An oom_kill line that decodes must render back to
 * JSON that decodes again to the same rendering (a fixpoint), and render as
 * text; every record also feeds the report's summaries, printed at the
 * end. Nothing may crash, leak or read out of bounds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "jsonl_reader.h"
#include "record_reader.h"
#include "render.h"
#include "report_stats.h"

static char *render_json(const struct oom_event *ev, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	render_event_json(f, ev);
	fclose(f);
	return buf;
}

static void check_fixpoint(struct jr_doc *d, struct oom_event *ev, struct oom_event *again,
			   FILE *devnull)
{
	struct record_strings rs;
	size_t len1, len2;
	char *one, *two;

	one = render_json(ev, &len1);
	render_event_text(devnull, ev);
	if (jr_parse(d, one, len1 - 1) || record_decode_event(d, again, &rs)) {
		fprintf(stderr, "our own rendering does not decode: %s\n", one);
		abort();
	}
	two = render_json(again, &len2);
	if (len1 != len2 || memcmp(one, two, len1)) {
		fprintf(stderr, "not a fixpoint:\n%s%s", one, two);
		abort();
	}
	free(one);
	free(two);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct oom_event_caps caps = { 4, 16, 8, 8 };
	struct oom_event *ev = oom_event__new(), *fixed = oom_event__new_fixed(&caps);
	struct oom_event *again = oom_event__new();
	struct record_strings rs;
	struct oom_aftermath am;
	struct jsonl_file jf;
	struct report_stats st;
	struct jr_doc d, d2;
	const char *line;
	int type;
	size_t len;
	FILE *f;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (!size || !ev || !fixed || !again)
		goto out_ev;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		goto out_ev;
	if (jsonl_file__init(&jf, f, 4096) || jr_doc__init(&d, 512) || jr_doc__init(&d2, 4096) ||
	    report_stats__init(&st))
		abort();
	while (jsonl_file__next(&jf, &line, &len) > 0) {
		if (jr_parse(&d, line, len))
			continue;
		switch ((type = record_type(&d))) {
		case REC_OOM_KILL:
			if (!record_decode_event(&d, ev, &rs)) {
				check_fixpoint(&d2, ev, again, devnull);
				report_stats__add_event(&st, ev);
			}
			/* a fixed event refuses what it cannot hold, never overflows */
			if (!record_decode_event(&d, fixed, &rs) &&
			    (fixed->n_candidates > caps.candidates || fixed->n_victims > caps.victims))
				abort();
			break;
		case REC_VICTIM_EXIT:
		case REC_OOM_REAPER:
			record_decode_aftermath(&d, &am);
			break;
		default:
			report_stats__add_own(&st, type, &d);
			break;
		}
	}
	report_stats__finish(&st);
	report_print_text(devnull, &st);
	report_print_json(devnull, &st);
	report_stats__free(&st);
	jr_doc__free(&d);
	jr_doc__free(&d2);
	jsonl_file__free(&jf);
	fclose(f);
out_ev:
	oom_event__free(ev);
	oom_event__free(fixed);
	oom_event__free(again);
	return 0;
}
