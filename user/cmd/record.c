// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace record`: always-on recording. A session sink that writes every
 * event, its aftermath, and records of its own (start, stop, lost records,
 * reconciliation with the kernel's counters, output gaps) as JSON Lines to
 * durable files (record_file.h), keeps Prometheus metrics (prom.h), and
 * after attaching keeps only the capabilities it still needs.
 *
 * Nothing on the event path allocates: the event lives in the assembler's
 * fixed storage, records are rendered into buffers made at start, counters
 * are read with open/read into the stack, metric labels have fixed tables.
 * With mlockall(MCL_FUTURE) in force, all of it is resident as well. The
 * opt-in extras do allocate, a little: a container name not cached yet
 * (container_names.h), an --exec hook's fork, a journal entry too large
 * for a datagram.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cli_args.h"
#include "clock_now.h"
#include "commands.h"
#include "container_names.h"
#include "journal.h"
#include "json_writer.h"
#include "log.h"
#include "notify.h"
#include "privs.h"
#include "procfs_read.h"
#include "prom.h"
#include "protect.h"
#include "reconcile.h"
#include "record_file.h"
#include "render.h"
#include "session.h"
#include "write_all.h"

#define CMD "oomtrace record"
#define DEFAULT_OUTPUT "/var/log/oomtrace/"
#define DEFAULT_MAX_SIZE (16ull << 20)
#define DEFAULT_MAX_FILES 8
#define DEFAULT_RECONCILE_S 60
#define WRITTEN_RING 64


struct recorder {
	struct session_opts so;
	const char *output;
	uint64_t max_size;
	unsigned int max_files;
	const char *prom_path;
	size_t prom_top;
	uint64_t reconcile_ms;
	bool user_symbols;

	struct record_file rf;
	bool file_failing;
	int file_err;
	uint64_t gap_records, gap_since_ns;
	bool stdout_failing;
	uint64_t lost_output;		/* neither the file nor stdout took it */

	struct record_buf main;		/* oom_kill records */
	struct record_buf aux;		/* everything else */
	struct record_buf gap;		/* output_gap, written before a record in aux */
	const char *own_type;		/* of the record in aux */
	struct record_buf metrics;
	struct prom_state prom;
	bool prom_failing;
	struct container_names *names;
	bool use_journal;
	struct journal journal;

	char run_id[33], boot_id[64], host[65];
	struct prev_run prev;
	uint64_t vmstat_start;
	bool vmstat_ok;
	struct reconciler global, cg;
	bool cg_ok;
	char cg_counter[PATH_MAX];
	uint64_t next_periodic_ms;

	uint64_t events, events_written;
	uint64_t seq;			/* of the last event written to this output */
	/* the assembler's seq of recent written events -> ours, for aftermath */
	struct { uint64_t asm_seq, seq; } written[WRITTEN_RING];
	uint64_t dropped_seen;
	uint64_t caps_kept;
	bool bounding_kept;
	bool count_reached;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace record [options]\n"
"Record every OOM kill, always on: JSON Lines in durable files (each record\n"
"written whole and synced before the next), rotated, reconciled with the\n"
"kernel's own kill counters, with Prometheus metrics on request.\n"
"\n"
"  -o, --output DIR|FILE   where records go (default %s): a directory\n"
"                          (existing, or ending in /) holds %s\n"
"      --max-size SIZE     rotate before a file passes SIZE (k, M, G; default 16M,\n"
"                          0 = never)\n"
"      --max-files N       files kept, the active one included (default %u)\n"
"      --prom-file PATH    Prometheus textfile metrics, replaced atomically\n"
"      --prom-top N        label values per metric before \"other\" (default %u)\n"
"      --reconcile-interval SEC\n"
"                          also compare with the kernel's kill counters every SEC\n"
"                          seconds, not only after kills (default %u, 0 = never)\n"
"      --user-symbols      keep CAP_SYS_PTRACE to symbolize user stacks of any\n"
"                          process (default: build id and file offset, for offline\n"
"                          symbolization, and no such privilege)\n"
"      --journal           also send each event to systemd-journald (native\n"
"                          protocol): MESSAGE, MESSAGE_ID=" JOURNAL_MESSAGE_ID ",\n"
"                          OOMTRACE_* fields; no journal: one warning, files go on\n",
		DEFAULT_OUTPUT, RECORD_FILE_NAME, DEFAULT_MAX_FILES, PROM_DEFAULT_TOP,
		DEFAULT_RECONCILE_S);
	session_opts__usage(out, "recorded oom_kill events");
	fprintf(out,
"\n"
"When the output cannot be written (read-only, full), records go to stdout\n"
"(the journal, under systemd) until it can; SIGHUP reopens the file.\n"
"Under systemd (Type=notify) it sends READY=1 once attached.\n"
"\n"
"examples:\n"
"  sudo oomtrace record -o /var/log/oomtrace/ --prom-file /var/lib/node_exporter/oomtrace.prom\n"
"  oomtrace report /var/log/oomtrace/oomtrace.jsonl*\n");
}

/* ---- writing records ------------------------------------------------------ */

/* Header members of our own records. */
static void own_start(struct json_writer *w, struct recorder *r, const char *type)
{
	char when[64];

	format_time_iso(when, sizeof(when), clock_now_ns(CLOCK_REALTIME));
	jw_object_start(w);
	jw_kv_string(w, "type", type);
	jw_kv_string(w, "time", when);
	jw_kv_string(w, "run_id", r->run_id);
	r->own_type = type;
}

/*
 * Back to the file after a failure: say where the records in between went.
 * Its own buffer: the record waiting to be written may be in aux.
 */
static int write_gap_record(struct recorder *r)
{
	struct json_writer w;
	char since[64];

	jw_init(&w, record_buf__begin(&r->gap));
	own_start(&w, r, "output_gap");
	jw_kv_uint(&w, "records", r->gap_records);
	format_time_iso(since, sizeof(since), r->gap_since_ns);
	jw_kv_string(&w, "since", since);
	jw_kv_string(&w, "error", strerror(-r->file_err));
	jw_kv_string(&w, "went_to", "stdout");
	jw_kv_uint(&w, "last_seq", r->seq);
	jw_object_end(&w);
	fputc('\n', w.out);
	if (record_buf__end(&r->gap))
		return -ENOSPC;
	return record_file__write(&r->rf, r->gap.data, r->gap.len);
}

static void write_record(struct recorder *r, const char *data, size_t len)
{
	uint64_t elsewhere = r->gap_records;
	int err = 0;

	/* back after a failure: first say where the records in between went */
	if (r->file_failing && r->gap_records) {
		err = write_gap_record(r);
		if (!err) {
			r->gap_records = 0;	/* told; a new failure starts a new count */
			r->gap_since_ns = clock_now_ns(CLOCK_REALTIME);
		}
	}
	if (!err)
		err = record_file__write(&r->rf, data, len);
	if (!err) {
		if (r->file_failing)
			log_warn("writing %s again; %" PRIu64 " records went to stdout meanwhile",
				 r->rf.path, elsewhere);
		r->file_failing = false;
		return;
	}
	if (!r->file_failing) {
		log_err("cannot write %s: %s: records go to stdout until it can be written "
			"(retried at every record and on SIGHUP)", r->rf.path, strerror(-err));
		r->file_failing = true;
		r->gap_since_ns = clock_now_ns(CLOCK_REALTIME);
	}
	r->file_err = err;
	r->gap_records++;
	r->prom.write_errors++;
	if (write_all(STDOUT_FILENO, data, len)) {
		if (!r->stdout_failing)
			log_err("cannot write to stdout either: records are lost until one of "
				"them can be written");
		r->stdout_failing = true;
		r->lost_output++;
		return;
	}
	r->stdout_failing = false;
	r->prom.records_to_stdout++;
}


/* The record rendered into aux: written, or said to be too large. */
static void own_write(struct recorder *r)
{
	if (record_buf__end(&r->aux)) {
		log_err("a %s record is larger than its buffer: not written", r->own_type);
		return;
	}
	write_record(r, r->aux.data, r->aux.len);
}

static void own_end(struct json_writer *w, struct recorder *r)
{
	jw_object_end(w);
	fputc('\n', w->out);
	own_write(r);
}

/* The kernel's counter as a checkpoint: a later run reconciles its downtime from it. */
static void kernel_checkpoint(struct json_writer *w, struct recorder *r, uint64_t vmstat)
{
	if (!r->vmstat_ok)
		return;
	jw_kv_uint(w, "kernel_oom_kill", vmstat);
	jw_kv_string(w, "boot_id", r->boot_id);
}

static void write_event(struct recorder *r, struct oom_event *ev)
{
	FILE *f;

	for (;;) {
		f = record_buf__begin(&r->main);
		render_event_json(f, ev);
		if (!record_buf__end(&r->main))
			break;
		/* larger than the buffer (hostile names escaped six-fold): keep the
		 * top candidates and the first victim, say how many were evaluated */
		if (ev->n_candidates) {
			ev->n_candidates /= 2;
		} else if (ev->n_victims > 1) {
			ev->victims_dropped += ev->n_victims - 1;
			ev->n_victims = 1;
		} else {
			log_err("OOM kill #%" PRIu64 " does not fit the record buffer: not written",
				ev->seq);
			r->prom.write_errors++;
			return;
		}
	}
	write_record(r, r->main.data, r->main.len);
}

/* The same bytes as `trace --json` writes. */
static void write_aftermath(struct recorder *r, const struct oom_aftermath *am)
{
	r->own_type = am->kind;
	render_aftermath_json(record_buf__begin(&r->aux), am);
	own_write(r);
}

static void write_metrics(struct recorder *r)
{
	int err;

	if (!r->prom_path)
		return;
	prom_render(record_buf__begin(&r->metrics), &r->prom);
	if (record_buf__end(&r->metrics))
		return;
	err = prom_write_file(r->prom_path, r->metrics.data, r->metrics.len);
	if (err && !r->prom_failing)
		log_warn("cannot write metrics to %s: %s%s", r->prom_path, strerror(-err),
			 err == -EACCES ? " (the recorder keeps no CAP_DAC_OVERRIDE: its "
			 "directory must be writable by root as owner)" : "");
	r->prom_failing = err != 0;
}

/* ---- reconciliation ---------------------------------------------------------- */

static void write_reconcile(struct recorder *r, const char *scope, const char *source,
			    const struct reconciler *rc, uint64_t kernel_now)
{
	int64_t gap = reconciler__gap(rc, kernel_now);
	struct json_writer w;

	jw_init(&w, record_buf__begin(&r->aux));
	own_start(&w, r, "reconcile");
	jw_kv_string(&w, "scope", scope);
	jw_kv_string(&w, "source", source);
	if (!strcmp(scope, "cgroup"))
		jw_kv_string(&w, "cgroup", r->so.cgroup);
	jw_kv_uint(&w, "kernel_kills", kernel_now - rc->base);
	jw_kv_uint(&w, "recorded_kills", rc->captured);
	jw_kv_int(&w, "gap", gap);
	jw_kv_string(&w, "status", gap > 0 ? "missing" : gap < 0 ? "extra" : "agree");
	if (!strcmp(scope, "run"))
		kernel_checkpoint(&w, r, kernel_now);
	own_end(&w, r);
	if (gap > 0)
		log_warn("the kernel counted %" PRIu64 " OOM kills%s%s since the recorder started, "
			 "it captured %" PRIu64 ": %" PRId64 " missed", kernel_now - rc->base,
			 *scope == 'c' ? " in " : "", *scope == 'c' ? r->so.cgroup : "",
			 rc->captured, gap);
}

static void reconcile(struct recorder *r, struct session *s, bool force)
{
	bool busy = assembler__pending(session__assembler(s));
	uint64_t now = mono_ms(), v;

	if (r->vmstat_ok && !kernel_oom_kills(NULL, &v)) {
		r->prom.kernel_kills = v - r->global.base;
		if (reconciler__check(&r->global, v, now, busy, force)) {
			write_reconcile(r, "run", VMSTAT_PATH, &r->global, v);
			r->prom.reconcile_gap = r->global.reported_gap;
			r->prom.reconcile_mismatches = r->global.mismatches + r->cg.mismatches;
		}
	}
	if (r->cg_ok && !procfs_read_key_u64(r->cg_counter, "oom_kill", &v) &&
	    reconciler__check(&r->cg, v, now, busy, force)) {
		write_reconcile(r, "cgroup", r->cg_counter, &r->cg, v);
		r->prom.reconcile_mismatches = r->global.mismatches + r->cg.mismatches;
	}
}

/* ---- the previous run ----------------------------------------------------- */

/* Kills nobody recorded between the previous run's last checkpoint and now. */
static void reconcile_downtime(struct recorder *r)
{
	const struct prev_run *p = &r->prev;
	uint64_t since;
	int64_t gap;
	struct json_writer w;
	char when[64];

	if (!r->vmstat_ok)
		return;
	gap = prev_run__downtime_gap(p, r->boot_id, r->vmstat_start, &since);
	if (gap <= 0)
		return;
	jw_init(&w, record_buf__begin(&r->aux));
	own_start(&w, r, "reconcile");
	jw_kv_string(&w, "scope", "downtime");
	jw_kv_string(&w, "source", VMSTAT_PATH);
	format_time_iso(when, sizeof(when), p->checkpoint_ns);
	jw_kv_string(&w, "since", when);
	jw_kv_bool(&w, "previous_run_clean", p->clean);
	jw_kv_uint(&w, "kernel_kills", since);
	jw_kv_uint(&w, "recorded_kills", p->kills_after);
	jw_kv_int(&w, "gap", gap);
	jw_kv_string(&w, "status", "missing");
	own_end(&w, r);
	log_warn("the kernel counted %" PRId64 " OOM kills that no recorder wrote down since %s "
		 "(read them from the kernel log with 'oomtrace parse')", gap, when);
}

/* ---- the sink ------------------------------------------------------------------ */

static void on_event(struct session *s, struct oom_event *ev, void *arg)
{
	struct recorder *r = arg;

	r->events++;
	r->global.captured += reconcile_kills_of(ev);
	if (!session_opts__wanted(&r->so, ev)) {
		r->prom.events_filtered++;
		reconcile(r, s, false);
		return;
	}
	if (r->cg_ok)
		r->cg.captured += reconcile_kills_within(ev, r->so.cgroup);
	/* a name not cached yet reads one small file or directory (and allocates) */
	container_names__fill(r->names, ev);
	/*
	 * Our own numbering: contiguous over what this output holds, across
	 * restarts and rotations, so a hole in it means a lost record (the
	 * assembler's counts every event, filtered ones too).
	 */
	r->written[r->events_written % WRITTEN_RING].asm_seq = ev->seq;
	ev->seq = ++r->seq;
	r->written[r->events_written % WRITTEN_RING].seq = ev->seq;
	write_event(r, ev);
	if (r->use_journal)
		journal__send(&r->journal, ev);
	if (!r->main.overflow)
		session__exec_hook(s, ev, r->main.data, r->main.len);
	prom_state__add_event(&r->prom, ev);
	r->events_written++;
	if (r->so.count && r->events_written >= r->so.count) {
		r->count_reached = true;
		session__stop(s, EXIT_OK);
	}
	reconcile(r, s, false);
	write_metrics(r);
}

static void on_aftermath(struct session *s, const struct oom_aftermath *am, void *arg)
{
	struct recorder *r = arg;

	(void)s;
	if (!am->oom_seq)
		return;
	for (size_t i = 0; i < WRITTEN_RING && i < r->events_written; i++) {
		if (r->written[i].asm_seq == am->oom_seq) {
			struct oom_aftermath ours = *am;

			ours.oom_seq = r->written[i].seq;
			write_aftermath(r, &ours);
			return;
		}
	}
}

static void check_lost(struct recorder *r, struct session *s)
{
	uint64_t total = loader__dropped(session__loader(s));
	struct json_writer w;

	if (total == r->dropped_seen)
		return;
	jw_init(&w, record_buf__begin(&r->aux));
	own_start(&w, r, "lost");
	jw_kv_uint(&w, "records", total - r->dropped_seen);
	jw_kv_uint(&w, "total", total);
	jw_kv_string(&w, "reason", "ring buffer full");
	own_end(&w, r);
	r->dropped_seen = total;
	r->prom.lost_records = total;
	write_metrics(r);
}

/* The --exec hooks' counts into the metrics, written when they change. */
static void check_hooks(struct recorder *r, struct session *s)
{
	struct exec_hook_counts c;

	if (!session__has_exec(s))
		return;
	session__exec_counts(s, &c);
	if (!memcmp(&c, &r->prom.hooks, sizeof(c)))
		return;
	r->prom.hooks = c;
	write_metrics(r);
}

/*
 * What stays after attach, and why:
 *  - CAP_IPC_LOCK while mlockall(MCL_FUTURE) is in force under a finite
 *    RLIMIT_MEMLOCK: every later mapping is locked and charged to the limit,
 *    and without the capability the first one past it fails. (systemd's
 *    LimitMEMLOCK=infinity makes it unnecessary: then it goes too.)
 *  - CAP_BPF (or CAP_SYS_ADMIN) only if this kernel refuses map lookups on
 *    our own map fd without it (kernels before 6.5 with
 *    unprivileged_bpf_disabled set): probed, not guessed. Without the
 *    lookup, per-OOM loss counts fall back to the global drop counter.
 *  - CAP_SYS_PTRACE only with --user-symbols: /proc/PID/maps of another
 *    process needs it (ptrace access: another uid, or a process holding
 *    capabilities we no longer have, which is any root daemon). It also
 *    lets us read any process's memory, so by default it goes, and user
 *    frames keep the build id and file offset BPF captured: enough to
 *    symbolize offline (eu-addr2line, debuginfod).
 * Everything else goes: the ring buffer is read through memory and epoll,
 * and files are written as a root owner without overrides.
 */
static void drop_caps(struct recorder *r, struct session *s)
{
	struct cap_sets now;
	struct rlimit rl;
	uint64_t keep = 0, cand, tot_c, tot_l;
	char names[256];
	int err;

	if (caps_read(NULL, &now))
		return;
	if (protect_memory_locked() && !getrlimit(RLIMIT_MEMLOCK, &rl) &&
	    rl.rlim_cur != RLIM_INFINITY)
		keep |= CAPBIT(CAP_IPC_LOCK);
	if (r->user_symbols)
		keep |= CAPBIT(CAP_SYS_PTRACE);
	cand = now.eff & (CAPBIT(CAP_BPF) | CAPBIT(CAP_SYS_ADMIN));
	if (cand && !caps_set_effective(now.eff & ~cand)) {
		errno = 0;
		loader__oom_totals(session__loader(s), 0, &tot_c, &tot_l);
		if (errno == EPERM)
			keep |= now.eff & CAPBIT(CAP_BPF) ? CAPBIT(CAP_BPF) : CAPBIT(CAP_SYS_ADMIN);
		caps_set_effective(now.eff);
	}
	err = caps_keep_only(keep, &r->bounding_kept);
	if (err) {
		log_warn("cannot drop capabilities: %s", strerror(-err));
		return;
	}
	r->caps_kept = keep & now.prm;
	caps_names(r->caps_kept, names, sizeof(names));
	log_debug("capabilities kept: %s%s", names[0] ? names : "none",
		  r->bounding_kept ? " (bounding set unchanged: no CAP_SETPCAP)" : "");
	/* permissions only: a read-only or missing output is reported already */
	if (access(r->rf.dir, W_OK | X_OK) && errno == EACCES)
		log_warn("%s is not writable without capabilities: rotation and SIGHUP reopen "
			 "will fail; make it owned by root", r->rf.dir);
}

static void write_start(struct recorder *r, struct session *s)
{
	const struct session_opts *o = &r->so;
	struct json_writer w;
	char names[256];

	jw_init(&w, record_buf__begin(&r->aux));
	own_start(&w, r, "recorder_start");
	jw_kv_int(&w, "pid", getpid());
	jw_kv_string(&w, "host", r->host);
	jw_kv_string(&w, "mode", attach_mode__name(session__loader(s)->mode));
	jw_kv_uint(&w, "seq_base", r->prev.max_seq);
	/* kills before this start: since boot, or since the last checkpoint */
	kernel_checkpoint(&w, r, r->vmstat_start);
	if (o->cgroup || o->pid) {
		jw_key(&w, "filter");
		jw_object_start(&w);
		if (o->cgroup)
			jw_kv_string(&w, "cgroup", o->cgroup);
		if (o->pid)
			jw_kv_int(&w, "pid", o->pid);
		jw_object_end(&w);
	}
	jw_kv_uint(&w, "candidates", o->candidates);
	jw_kv_string(&w, "output", r->rf.path);
	jw_kv_uint(&w, "max_size", r->max_size);
	jw_kv_uint(&w, "max_files", r->max_files);
	jw_kv_bool(&w, "oom_score_adj_min", protect_adj_min());
	jw_kv_bool(&w, "memory_locked", protect_memory_locked());
	caps_names(r->caps_kept, names, sizeof(names));
	jw_kv_string(&w, "capabilities", names);
	if (r->prev.found) {
		jw_key(&w, "previous_run");
		jw_object_start(&w);
		jw_kv_bool(&w, "clean_stop", r->prev.clean);
		jw_kv_uint(&w, "last_seq", r->prev.max_seq);
		jw_object_end(&w);
	}
	own_end(&w, r);
}

static int on_attached(struct session *s, void *arg)
{
	struct recorder *r = arg;
	char status[PATH_MAX + 64];

	r->seq = r->prev.max_seq;
	r->prom.hooks_on = session__has_exec(s);
	drop_caps(r, s);
	write_start(r, s);
	reconcile_downtime(r);
	write_metrics(r);
	snprintf(status, sizeof(status), "READY=1\nSTATUS=recording OOM kills to %s (mode=%s)",
		 r->rf.path, attach_mode__name(session__loader(s)->mode));
	if (notify_send(status) < 0)
		log_warn("cannot notify systemd ($NOTIFY_SOCKET): %s", strerror(errno));
	return 0;
}

static void on_tick(struct session *s, void *arg)
{
	struct recorder *r = arg;
	uint64_t now = mono_ms();

	if (session__hup(s)) {
		int err = record_file__reopen(&r->rf);

		if (err)
			log_err("cannot reopen %s: %s: records go to stdout until it can be "
				"written", r->rf.path, strerror(-err));
		else
			log_debug("reopened %s", r->rf.path);
	}
	check_lost(r, s);
	check_hooks(r, s);
	if (r->global.pending || r->cg.pending ||
	    (r->reconcile_ms && now >= r->next_periodic_ms)) {
		uint64_t kernel = r->prom.kernel_kills, mism = r->prom.reconcile_mismatches;
		int64_t gap = r->prom.reconcile_gap;

		reconcile(r, s, false);
		/* idle and in agreement: no write at all */
		if (kernel != r->prom.kernel_kills || mism != r->prom.reconcile_mismatches ||
		    gap != r->prom.reconcile_gap)
			write_metrics(r);
		if (r->reconcile_ms && now >= r->next_periodic_ms)
			r->next_periodic_ms = now + r->reconcile_ms;
	}
}

static int timeout_min(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static int on_timeout(struct session *s, void *arg)
{
	struct recorder *r = arg;
	uint64_t now = mono_ms();
	int t = -1;

	(void)s;
	t = timeout_min(t, reconciler__settle_in(&r->global, now));
	t = timeout_min(t, reconciler__settle_in(&r->cg, now));
	if (r->reconcile_ms)
		t = timeout_min(t, r->next_periodic_ms > now ?
				   (int)(r->next_periodic_ms - now > INT32_MAX ? INT32_MAX :
					 r->next_periodic_ms - now) : 0);
	return t;
}

static void on_stopping(struct session *s, void *arg)
{
	struct recorder *r = arg;
	struct json_writer w;
	uint64_t v = 0;

	notify_send("STOPPING=1");
	check_lost(r, s);
	reconcile(r, s, true);
	if (r->vmstat_ok)
		kernel_oom_kills(NULL, &v);
	jw_init(&w, record_buf__begin(&r->aux));
	own_start(&w, r, "recorder_stop");
	jw_kv_string(&w, "reason", r->count_reached ? "count" : session__end_reason(s));
	jw_kv_uint(&w, "events", r->events_written);
	jw_kv_uint(&w, "last_seq", r->seq);
	jw_kv_uint(&w, "events_filtered", r->prom.events_filtered);
	jw_kv_uint(&w, "kills_recorded", r->prom.kills);
	jw_kv_uint(&w, "lost_records", r->dropped_seen);
	jw_kv_uint(&w, "records_to_stdout", r->prom.records_to_stdout);
	if (r->use_journal) {
		jw_key(&w, "journal");
		jw_object_start(&w);
		jw_kv_uint(&w, "sent", r->journal.sent);
		jw_kv_uint(&w, "failed", r->journal.failed);
		jw_object_end(&w);
	}
	if (session__has_exec(s)) {
		struct exec_hook_counts c;

		session__exec_counts(s, &c);
		r->prom.hooks = c;
		jw_key(&w, "exec_hooks");
		jw_object_start(&w);
		jw_kv_uint(&w, "run", c.started);
		jw_kv_uint(&w, "ok", c.ok);
		jw_kv_uint(&w, "failed", c.failed);
		jw_kv_uint(&w, "timed_out", c.timed_out);
		jw_kv_uint(&w, "not_run", c.not_run);
		jw_object_end(&w);
	}
	if (r->vmstat_ok) {
		jw_kv_uint(&w, "kernel_kills", v - r->global.base);
		jw_kv_int(&w, "gap", reconciler__gap(&r->global, v));
	}
	kernel_checkpoint(&w, r, v);
	own_end(&w, r);
	write_metrics(r);
	if (r->prom.records_to_stdout || r->lost_output)
		log_warn("%" PRIu64 " records went to stdout instead of %s%s", r->prom.records_to_stdout,
			 r->rf.path, r->lost_output ? ", some were lost" : "");
}

/* ---- setup ------------------------------------------------------------------------ */

static void read_identity(struct recorder *r)
{
	unsigned char rnd[16] = {};
	struct utsname u;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		uint64_t t = clock_now_ns(CLOCK_REALTIME) ^ (uint64_t)getpid() << 32;

		memcpy(rnd, &t, sizeof(t));
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(r->run_id + 2 * i, 3, "%02x", rnd[i]);
	procfs_read_line("/proc/sys/kernel/random/boot_id", r->boot_id, sizeof(r->boot_id));
	if (!uname(&u))
		snprintf(r->host, sizeof(r->host), "%s", u.nodename);
}

static int parse_args(int argc, char **argv, struct recorder *r)
{
	enum { OPT_MAX_SIZE = 256, OPT_MAX_FILES, OPT_PROM, OPT_PROM_TOP, OPT_RECONCILE,
	       OPT_USER_SYMBOLS, OPT_JOURNAL };
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "max-files", required_argument, NULL, OPT_MAX_FILES },
		{ "prom-file", required_argument, NULL, OPT_PROM },
		{ "prom-top", required_argument, NULL, OPT_PROM_TOP },
		{ "reconcile-interval", required_argument, NULL, OPT_RECONCILE },
		{ "user-symbols", no_argument, NULL, OPT_USER_SYMBOLS },
		{ "journal", no_argument, NULL, OPT_JOURNAL },
		SESSION_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:" SESSION_SHORTOPTS "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				goto bad;
			r->output = optarg;
			continue;
		case OPT_MAX_SIZE:
			if (parse_size(optarg, &r->max_size))
				goto bad;
			continue;
		case OPT_MAX_FILES:
			if (parse_u64(optarg, 1000, &v) || !v)
				goto bad;
			r->max_files = (unsigned int)v;
			continue;
		case OPT_PROM:
			if (!*optarg)
				goto bad;
			r->prom_path = optarg;
			continue;
		case OPT_PROM_TOP:
			if (parse_u64(optarg, PROM_TRACKED, &v) || !v)
				goto bad;
			r->prom_top = v;
			continue;
		case OPT_RECONCILE:
			if (parse_u64(optarg, 1u << 31, &v))
				goto bad;
			r->reconcile_ms = v * 1000;
			continue;
		case OPT_USER_SYMBOLS:
			r->user_symbols = true;
			continue;
		case OPT_JOURNAL:
			r->use_journal = true;
			continue;
		case 'h': usage(stdout); return 1;
		case ':': return cli_bad_option(c, argv[optind - 1], CMD);
		}
		if (session_opts__take(&r->so, longopts, c, optarg, argv[optind - 1], CMD))
			return -EINVAL;
	}
	return cli_no_operands(argc, argv, optind, CMD);
bad:
	log_bad_value(longopts, c, optarg, CMD);
	return -EINVAL;
}

/* Sizes of the render buffers: the largest record the caps allow, with room. */
static size_t main_buf_size(const struct session_opts *o)
{
	size_t cands = o->candidates && o->candidates < ASSEMBLE_MAX_CANDIDATES ?
		       o->candidates : ASSEMBLE_MAX_CANDIDATES;

	return (64u << 10) + cands * 1536 + ASSEMBLE_MAX_VICTIMS * 2048;
}

static int setup(struct recorder *r)
{
	int err;

	read_identity(r);
	if (record_buf__init(&r->main, main_buf_size(&r->so)) ||
	    record_buf__init(&r->aux, 64u << 10) || record_buf__init(&r->gap, 4u << 10) ||
	    record_buf__init(&r->metrics, 256u << 10) ||
	    prom_state__init(&r->prom, r->prom_top) ||
	    !(r->names = container_names__new(r->so.k8s_log_dir, r->so.docker_dir,
					      r->so.podman_dir))) {
		log_err("out of memory");
		return -ENOMEM;
	}
	r->prom.start_time_s = clock_now_ns(CLOCK_REALTIME) / 1000000000ull;
	if (r->use_journal) {
		/* tests: a journald of their own (OOMTRACE_JOURNAL_SOCKET) */
		const char *sock = getenv("OOMTRACE_JOURNAL_SOCKET");

		err = journal__init(&r->journal, sock && *sock ? sock : NULL);
		if (err) {
			log_err("--journal: cannot make a socket: %s", strerror(-err));
			return err;
		}
		/* one warning now rather than at the first kill; records go on */
		if (access(r->journal.path, W_OK)) {
			log_warn("--journal: no journal at %s (%s): events go to the record files "
				 "only until it is there", r->journal.path, strerror(errno));
			r->journal.failing = true;
		}
	}
	err = record_file__open(&r->rf, r->output, r->max_size, r->max_files);
	if (err && !r->rf.path[0]) {
		log_err("--output %s: %s", r->output, strerror(-err));
		return err;
	}
	if (err) {
		log_err("cannot open %s: %s: records go to stdout until it can be written "
			"(retried at every record and on SIGHUP)", r->rf.path, strerror(-err));
		r->file_failing = true;
		r->file_err = err;
		r->gap_since_ns = clock_now_ns(CLOCK_REALTIME);
	}
	prev_run__scan(&r->prev, r->rf.path);
	/* before attaching: a kill while we load counts as missed, as it is */
	r->vmstat_ok = !kernel_oom_kills(NULL, &r->vmstat_start);
	reconciler__init(&r->global, r->vmstat_start);
	if (r->so.cgroup) {
		uint64_t v;

		r->cg_ok = !cgroup_oom_kills(NULL, r->so.cgroup, &v, r->cg_counter,
					    sizeof(r->cg_counter));
		if (r->cg_ok)
			reconciler__init(&r->cg, v);
	}
	r->next_periodic_ms = mono_ms() + r->reconcile_ms;
	return 0;
}

static void teardown(struct recorder *r)
{
	record_file__close(&r->rf);
	record_buf__free(&r->main);
	record_buf__free(&r->aux);
	record_buf__free(&r->gap);
	record_buf__free(&r->metrics);
	prom_state__free(&r->prom);
	container_names__free(r->names);
	if (r->use_journal)
		journal__free(&r->journal);
}

int cmd_record(int argc, char **argv)
{
	/* large: not on the stack, nor static storage that trace would lock */
	struct recorder *r = calloc(1, sizeof(*r));
	struct session_sink sink = {
		.event = on_event, .aftermath = on_aftermath, .attached = on_attached,
		.tick = on_tick, .timeout_ms = on_timeout, .stopping = on_stopping,
		.want_sighup = true, .arg = r,
	};
	int ret;

	if (!r) {
		log_err("out of memory");
		return EXIT_RUNTIME;
	}
	session_opts__init(&r->so);
	r->output = DEFAULT_OUTPUT;
	r->max_size = DEFAULT_MAX_SIZE;
	r->max_files = DEFAULT_MAX_FILES;
	r->prom_top = PROM_DEFAULT_TOP;
	r->reconcile_ms = DEFAULT_RECONCILE_S * 1000ull;
	ret = parse_args(argc, argv, r);
	if (ret) {
		ret = ret > 0 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	/* a closed stdout (journald restarted) must cost records, not the recorder */
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);
	/* before any file is made */
	if (!can_trace()) {
		log_err("need root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN) to load BPF "
			"programs: run it with sudo");
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (r->so.protect)
		protect_heap_policy();	/* before setup's scan buffers */
	if (setup(r)) {
		teardown(r);
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = session__run(&r->so, &sink);
	teardown(r);
out:
	free(r);
	return ret;
}
