// SPDX-License-Identifier: GPL-2.0
/* Prometheus textfile metrics with bounded label cardinality. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prom.h"
#include "write_all.h"

static int label_table__init(struct label_table *t, size_t cap, bool with_names)
{
	memset(t, 0, sizeof(*t));
	t->e = calloc(cap, sizeof(*t->e));
	if (with_names)
		t->names = calloc(cap, sizeof(*t->names));
	if (!t->e || (with_names && !t->names)) {
		free(t->e);
		free(t->names);
		return -ENOMEM;
	}
	memset(t->e, 0, cap * sizeof(*t->e));	/* touched now */
	if (t->names)
		memset(t->names, 0, cap * sizeof(*t->names));
	t->cap = cap;
	return 0;
}

static void label_table__free(struct label_table *t)
{
	free(t->e);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

static bool names_equal(const struct prom_names *a, const struct oom_names *b)
{
	return b ? !strcmp(a->ns, b->ns) && !strcmp(a->pod, b->pod) &&
		   !strcmp(a->container, b->container) :
		   !a->ns[0] && !a->pod[0] && !a->container[0];
}

/* names: only for a table made with_names; NULL = none known. */
static void label_table__add_named(struct label_table *t, const char *value,
				   const struct oom_names *names, uint64_t n)
{
	for (size_t i = 0; i < t->n; i++) {
		if (!strcmp(t->e[i].value, value) &&
		    (!t->names || names_equal(&t->names[i], names))) {
			t->e[i].count += n;
			return;
		}
	}
	if (t->n == t->cap || strlen(value) >= sizeof(t->e->value)) {
		t->untracked += n;
		return;
	}
	snprintf(t->e[t->n].value, sizeof(t->e->value), "%s", value);
	if (t->names && names) {
		struct prom_names *pn = &t->names[t->n];

		/* the same sizes as oom_names (event.h) */
		memcpy(pn->ns, names->ns, sizeof(pn->ns));
		memcpy(pn->pod, names->pod, sizeof(pn->pod));
		memcpy(pn->container, names->container, sizeof(pn->container));
	}
	t->e[t->n++].count = n;
}

static void label_table__add(struct label_table *t, const char *value, uint64_t n)
{
	label_table__add_named(t, value, NULL, n);
}

int prom_state__init(struct prom_state *p, size_t top)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->top = top;
	err = label_table__init(&p->domains, PROM_TRACKED, true);
	if (!err)
		err = label_table__init(&p->comms, PROM_TRACKED, false);
	if (err)
		prom_state__free(p);
	return err;
}

void prom_state__free(struct prom_state *p)
{
	label_table__free(&p->domains);
	label_table__free(&p->comms);
}

void prom_state__add_event(struct prom_state *p, const struct oom_event *ev)
{
	const char *domain = ev->has & EV_HAS_MEMCG ? ev->memcg :
			     ev->constraint == OOM_CONSTRAINT_NONE ? "global" : "unknown";
	size_t n = ev->n_victims;

	for (size_t i = 0; i < n; i++) {
		label_table__add(&p->comms, ev->victims[i].has & TASK_HAS_COMM ?
				 ev->victims[i].comm : "unknown", 1);
		label_table__add_named(&p->domains, domain,
				       oom_event__names_of(ev, &ev->victims[i]), 1);
	}
	/* the victim record was lost but the kernel's choice names it */
	if (!n && ev->has & EV_HAS_VICTIM) {
		label_table__add(&p->comms, ev->victim.has & TASK_HAS_COMM ? ev->victim.comm :
				 "unknown", 1);
		label_table__add_named(&p->domains, domain, oom_event__names_of(ev, &ev->victim), 1);
		n = 1;
	}
	/* beyond the fixed storage: their names are not kept, their count is */
	if (ev->victims_dropped) {
		label_table__add(&p->comms, "unknown", ev->victims_dropped);
		label_table__add(&p->domains, domain, ev->victims_dropped);
	}
	p->kills += n + ev->victims_dropped;
}

void prom_escape(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		if (*u == '\\' || *u == '"') {
			fputc('\\', out);
			fputc(*u++, out);
		} else if (*u == '\n') {
			fputs("\\n", out);
			u++;
		} else if (*u < 0x20 || *u == 0x7f) {
			fputc('?', out);
			u++;
		} else if (*u < 0x80) {
			fputc(*u++, out);
		} else {
			/* pass valid UTF-8 sequences, replace anything else */
			size_t len = *u >= 0xf0 && *u <= 0xf4 ? 4 : *u >= 0xe0 ? 3 :
				     *u >= 0xc2 && *u < 0xe0 ? 2 : 0;
			size_t k;

			for (k = 1; k < len && (u[k] & 0xc0) == 0x80; k++)
				;
			if (!len || k < len) {
				fputc('?', out);
				u++;
				continue;
			}
			fwrite(u, 1, len, out);
			u += len;
		}
	}
}

/* ,namespace="..",pod="..",container=".." (inside the label set: after a value's quote) */
static void render_names(FILE *out, const struct prom_names *n)
{
	static const char *const keys[] = { "namespace", "pod", "container" };
	const char *vals[] = { n->ns, n->pod, n->container };

	for (size_t i = 0; i < 3; i++) {
		if (!vals[i][0])
			continue;
		fprintf(out, "\",%s=\"", keys[i]);
		prom_escape(out, vals[i]);
	}
}

/* The top entries by count (ties by value), then the rest as "other". */
static void render_table(FILE *out, const char *metric, const char *label,
			 const struct label_table *t, size_t top)
{
	bool shown[PROM_TRACKED] = {};
	uint64_t other = t->untracked;

	for (size_t k = 0; k < top && k < t->n; k++) {
		size_t best = SIZE_MAX;

		for (size_t i = 0; i < t->n; i++) {
			if (shown[i])
				continue;
			if (best == SIZE_MAX || t->e[i].count > t->e[best].count ||
			    (t->e[i].count == t->e[best].count &&
			     strcmp(t->e[i].value, t->e[best].value) < 0))
				best = i;
		}
		shown[best] = true;
		fprintf(out, "%s{%s=\"", metric, label);
		prom_escape(out, t->e[best].value);
		if (t->names)
			render_names(out, &t->names[best]);
		fprintf(out, "\"} %" PRIu64 "\n", t->e[best].count);
	}
	for (size_t i = 0; i < t->n; i++)
		if (!shown[i])
			other += t->e[i].count;
	if (other || t->n > top)
		fprintf(out, "%s{%s=\"other\"} %" PRIu64 "\n", metric, label, other);
}

static void metric(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric without labels: its help, its type and its one value. */
static void metric_u64(FILE *out, const char *name, const char *type, uint64_t v,
		       const char *help)
{
	metric(out, name, type, help);
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

static void metric_i64(FILE *out, const char *name, const char *type, int64_t v,
		       const char *help)
{
	metric(out, name, type, help);
	fprintf(out, "%s %" PRId64 "\n", name, v);
}

void prom_render(FILE *out, const struct prom_state *p)
{
	metric(out, "oomtrace_oom_kills_total", "counter",
	       "OOM kills recorded, by OOM domain (memory cgroup path, or global) and, when "
	       "the node can tell, the victim's Kubernetes namespace, pod and container "
	       "(as cAdvisor's container_oom_events_total labels them); the top series by "
	       "kills, the rest as domain=other. Its sum is the node's kill count, "
	       "node_exporter's node_vmstat_oom_kill (oomtrace_kernel_oom_kills_total here).");
	render_table(out, "oomtrace_oom_kills_total", "domain", &p->domains, p->top);
	metric(out, "oomtrace_oom_kills_by_command_total", "counter",
	       "OOM kills recorded, by victim command; the top commands by kills, the rest as other.");
	render_table(out, "oomtrace_oom_kills_by_command_total", "comm", &p->comms, p->top);
	metric_u64(out, "oomtrace_kills_recorded_total", "counter", p->kills,
		   "OOM kills recorded (written).");
	metric_u64(out, "oomtrace_events_filtered_total", "counter", p->events_filtered,
		   "OOM events seen but outside --cgroup/--pid, not written.");
	metric_u64(out, "oomtrace_lost_records_total", "counter", p->lost_records,
		   "BPF records lost because the ring buffer was full.");
	metric_u64(out, "oomtrace_kernel_oom_kills_total", "counter", p->kernel_kills,
		   "OOM kills the kernel counted (/proc/vmstat oom_kill) since the recorder "
		   "started.");
	metric_i64(out, "oomtrace_reconcile_gap", "gauge", p->reconcile_gap,
		   "Kernel-counted kills minus kills captured, once settled: above 0, kills were "
		   "missed.");
	metric_u64(out, "oomtrace_reconcile_mismatches_total", "counter",
		   p->reconcile_mismatches,
		   "Times the kernel's kill count and the recorder's settled on different "
		   "numbers.");
	metric_u64(out, "oomtrace_write_errors_total", "counter", p->write_errors,
		   "Records the output file refused (full disk, read-only, I/O error).");
	metric_u64(out, "oomtrace_records_to_stdout_total", "counter", p->records_to_stdout,
		   "Records written to stdout (the journal) because the file refused them.");
	if (p->hooks_on) {
		metric(out, "oomtrace_exec_hooks_total", "counter",
		       "--exec hooks by outcome: ok, failed (non-zero exit or a signal), timeout "
		       "(killed at --exec-timeout), not_run (--exec-max running, or no fork).");
		fprintf(out, "oomtrace_exec_hooks_total{result=\"ok\"} %" PRIu64 "\n", p->hooks.ok);
		fprintf(out, "oomtrace_exec_hooks_total{result=\"failed\"} %" PRIu64 "\n",
			p->hooks.failed);
		fprintf(out, "oomtrace_exec_hooks_total{result=\"timeout\"} %" PRIu64 "\n",
			p->hooks.timed_out);
		fprintf(out, "oomtrace_exec_hooks_total{result=\"not_run\"} %" PRIu64 "\n",
			p->hooks.not_run);
	}
	metric_u64(out, "oomtrace_start_time_seconds", "gauge", p->start_time_s,
		   "When the recorder started, Unix time.");
}

int prom_write_file(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX + 8];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* node_exporter reads *.prom only: the temporary name is never collected */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	err = write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
