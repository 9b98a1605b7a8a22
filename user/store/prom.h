/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text-format metrics for node_exporter's textfile collector,
 * written to a temporary file and renamed over PATH so a scrape never sees
 * half a file.
 *
 * Label cardinality is bounded twice: at most PROM_TRACKED distinct values
 * per label are counted (storage allocated once; later new values count
 * straight into "other"), and only the top N by kills get their own series
 * in each write, the rest summed into label value "other". A value that
 * drops out of the top N stops being exported and "other" grows by as much,
 * so sum() over a metric stays a monotonic counter.
 */
#ifndef OOMTRACE_PROM_H
#define OOMTRACE_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "exec_hook.h"

#define PROM_TRACKED 256
#define PROM_DEFAULT_TOP 10

struct prom_label {
	char value[OOM_PATH_MAX];
	uint64_t count;
};

/* The container names that go with a kill's domain (namespace, pod, container). */
struct prom_names {
	char ns[64];
	char pod[254];
	char container[256];
};

struct label_table {
	struct prom_label *e;
	struct prom_names *names;	/* per entry, for the domains table only */
	size_t n, cap;
	uint64_t untracked;	/* counts of values beyond cap */
};

struct prom_state {
	/* kills by OOM domain (memcg path or "global") and, when known, the
	 * victim's namespace, pod and container: one series per combination */
	struct label_table domains;
	struct label_table comms;	/* kills by victim command */
	size_t top;
	uint64_t start_time_s;
	uint64_t kills;			/* recorded (written) kills */
	uint64_t events_filtered;
	uint64_t lost_records;		/* ring buffer full */
	uint64_t kernel_kills;		/* the kernel's count since start (vmstat) */
	int64_t reconcile_gap;		/* kernel minus captured, settled */
	uint64_t reconcile_mismatches;
	uint64_t write_errors;		/* records the file refused */
	uint64_t records_to_stdout;	/* sent to stdout instead */
	bool hooks_on;			/* --exec given: its counts are exported */
	struct exec_hook_counts hooks;
};

int prom_state__init(struct prom_state *p, size_t top);
void prom_state__free(struct prom_state *p);
/* Count the kills of a written event: each victim in its domain (with its
 * container's names) and by its comm. */
void prom_state__add_event(struct prom_state *p, const struct oom_event *ev);
/* The whole text exposition. */
void prom_render(FILE *out, const struct prom_state *p);
/* Write data to path atomically (path.tmp, then rename): 0 or -errno. */
int prom_write_file(const char *path, const char *data, size_t len);
/* A label value: \ " and newline escaped, other control bytes and bad UTF-8 as '?'. */
void prom_escape(FILE *out, const char *s);

#endif
