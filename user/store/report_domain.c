// SPDX-License-Identifier: GPL-2.0
/* `oomtrace report`: what no kill could free, over the recorded OOMs (see report_domain.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"
#include "render.h"
#include "report_domain.h"
#include "text_escape.h"

#define NO_PART (DM__COUNT - DM_FIRST_UNK_PART)	/* over half, no part named */

static struct report_domain_share *share_of(struct report_domain_mem *r, const char *domain)
{
	struct report_domain_share *s;

	for (size_t i = 0; i < r->n_shares; i++)
		if (!strcmp(r->shares[i].domain, domain))
			return &r->shares[i];
	if (r->n_shares == r->cap_shares) {
		size_t cap = r->cap_shares ? r->cap_shares * 2 : 16;

		s = realloc(r->shares, cap * sizeof(*s));
		if (!s)
			return NULL;
		r->shares = s;
		r->cap_shares = cap;
	}
	s = &r->shares[r->n_shares];
	memset(s, 0, sizeof(*s));
	s->domain = strdup(domain);
	if (!s->domain)
		return NULL;
	r->n_shares++;
	return s;
}

static int add_run_up(struct report_domain_mem *r, const struct oom_event *ev,
		      const char *domain)
{
	const struct oom_run_up *ru = &ev->run_up;

	if (!(ev->has & EV_HAS_RUN_UP) || !(ru->has & RU_HAS_RECLAIM))
		return 0;
	r->ru_events++;
	r->ru_long_stall += ru->reclaim_stall_us >= RUN_UP_VERDICT_MS * 1000ull;
	if (!(ru->has & RU_HAS_FIRST_HIT) || ru->first_limit_hit_ms_before < RUN_UP_VERDICT_MS)
		return 0;
	r->ru_long_at_limit++;
	if (ru->first_limit_hit_ms_before > r->ru_longest_ms || !r->ru_longest_domain) {
		char *d = strdup(domain);

		if (!d)
			return -ENOMEM;
		free(r->ru_longest_domain);
		r->ru_longest_domain = d;
		r->ru_longest_ms = ru->first_limit_hit_ms_before;
	}
	return 0;
}

int report_domain__add(struct report_domain_mem *r, const struct oom_event *ev,
		       const char *domain)
{
	const struct oom_domain_memory *dm = &ev->domain_memory;
	struct report_domain_share *s;
	uint32_t pm;
	int worst = -1;

	if (add_run_up(r, ev, domain))
		return -ENOMEM;
	if (!(ev->has & EV_HAS_DOMAIN_MEMORY) || !dm_has(dm, DM_UNKILLABLE) ||
	    !dm_has(dm, DM_USAGE) || !dm->kb[DM_USAGE])
		return 0;
	pm = (uint32_t)(dm->kb[DM_UNKILLABLE] >= dm->kb[DM_USAGE] ? 1000 :
			dm->kb[DM_UNKILLABLE] * 1000 / dm->kb[DM_USAGE]);
	r->events++;
	if (dm->kb[DM_UNKILLABLE] * 2 > dm->kb[DM_USAGE]) {
		r->mostly++;
		for (int k = DM_FIRST_UNK_PART; k < DM__COUNT; k++)
			if (dm_has(dm, k) && dm->kb[k] && (worst < 0 || dm->kb[k] > dm->kb[worst]))
				worst = k;
		r->mostly_by_part[worst < 0 ? NO_PART : worst - DM_FIRST_UNK_PART]++;
	}
	s = share_of(r, domain);
	if (!s)
		return -ENOMEM;
	if (!s->events++)
		s->first_pm = pm;
	s->last_pm = pm;
	return 0;
}

void report_domain__free(struct report_domain_mem *r)
{
	for (size_t i = 0; i < r->n_shares; i++)
		free(r->shares[i].domain);
	free(r->shares);
	free(r->ru_longest_domain);
	memset(r, 0, sizeof(*r));
}

/*
 * Grew: by 5 points of the domain or more from its first OOM to its last,
 * not by the jitter of a few pages ("grew from 60% to 60%").
 */
#define GREW_PM 50

static bool grew(const struct report_domain_share *s)
{
	return s->events > 1 && s->last_pm >= s->first_pm + GREW_PM;
}

static void print_run_up_text(FILE *out, const struct report_domain_mem *r)
{
	char e[1024];

	if (!r->ru_events)
		return;
	fprintf(out, "\nhow the domains ran out (run_up)\n");
	fprintf(out, "  %" PRIu64 " of %" PRIu64 " OOMs: at the limit %u s or more before the kill",
		r->ru_long_at_limit, r->ru_events, RUN_UP_VERDICT_MS / 1000);
	if (r->ru_longest_domain)
		fprintf(out, " (longest %" PRIu64 ".%" PRIu64 " s, %s)", r->ru_longest_ms / 1000,
			r->ru_longest_ms % 1000 / 100,
			text_escape_buf(e, sizeof(e), r->ru_longest_domain));
	fprintf(out, "\n  %" PRIu64 " of %" PRIu64 " OOMs: tasks stalled %u s or more in reclaim "
		"in the minute before\n", r->ru_long_stall, r->ru_events, RUN_UP_VERDICT_MS / 1000);
}

void report_domain__print_text(FILE *out, const struct report_domain_mem *r)
{
	char e[1024];
	bool any = false;

	if (!r->events) {
		print_run_up_text(out, r);
		return;
	}
	fprintf(out, "\nmemory no kill could free (domain_memory's unkillable)\n");
	fprintf(out, "  %" PRIu64 " of %" PRIu64 " OOMs: over half the domain unkillable", r->mostly,
		r->events);
	for (int p = 0; p <= NO_PART; p++) {
		if (!r->mostly_by_part[p])
			continue;
		fprintf(out, "%s%" PRIu64 " %s", any ? ", " : " (", r->mostly_by_part[p],
			p == NO_PART ? "no part named" : dm_key_label(DM_FIRST_UNK_PART + p));
		any = true;
	}
	fprintf(out, "%s\n", any ? ")" : "");
	for (size_t i = 0; i < r->n_shares; i++) {
		const struct report_domain_share *s = &r->shares[i];

		if (grew(s))
			fprintf(out, "  %s: unkillable share grew from %u%% to %u%% over %" PRIu64
				" OOMs\n", text_escape_buf(e, sizeof(e), s->domain),
				s->first_pm / 10, s->last_pm / 10, s->events);
	}
	print_run_up_text(out, r);
}

void report_domain__print_json(struct json_writer *w, const struct report_domain_mem *r)
{
	jw_key(w, "domain_memory");
	jw_object_start(w);
	jw_kv_uint(w, "events", r->events);
	jw_kv_uint(w, "mostly_unkillable", r->mostly);
	jw_key(w, "mostly_unkillable_by_part");
	jw_object_start(w);
	for (int p = 0; p < NO_PART; p++)
		if (r->mostly_by_part[p])
			jw_kv_uint(w, dm_key_name(DM_FIRST_UNK_PART + p), r->mostly_by_part[p]);
	if (r->mostly_by_part[NO_PART])
		jw_kv_uint(w, "none", r->mostly_by_part[NO_PART]);
	jw_object_end(w);
	jw_key(w, "unkillable_share_grew");
	jw_array_start(w);
	for (size_t i = 0; i < r->n_shares; i++) {
		const struct report_domain_share *s = &r->shares[i];

		if (!grew(s))
			continue;
		jw_object_start(w);
		jw_kv_string(w, "domain", s->domain);
		jw_kv_uint(w, "events", s->events);
		jw_kv_uint(w, "first_permille", s->first_pm);
		jw_kv_uint(w, "last_permille", s->last_pm);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
	if (!r->ru_events)
		return;
	jw_key(w, "run_up");
	jw_object_start(w);
	jw_kv_uint(w, "events", r->ru_events);
	jw_kv_uint(w, "long_at_limit", r->ru_long_at_limit);
	jw_kv_uint(w, "long_stall", r->ru_long_stall);
	if (r->ru_longest_domain) {
		jw_kv_milli(w, "longest_at_limit_s", r->ru_longest_ms);
		jw_kv_string(w, "longest_domain", r->ru_longest_domain);
	}
	jw_object_end(w);
}
