// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace parse [FILE...]`: the kernel's own OOM reports, from logs or
 * /dev/kmsg, as the same events the live tracer prints. Reading, line
 * splitting and report assembly live in kmsg_input, kmsg_line, kmsg_fields
 * and kmsg_report; this file holds the options, the filters and the output.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_path.h"
#include "cli_args.h"
#include "clock_now.h"
#include "json_writer.h"
#include "commands.h"
#include "kmsg_input.h"
#include "kmsg_report.h"
#include "log.h"
#include "render.h"
#include "ustack.h"

#define CMD "oomtrace parse"
#define DEV_KMSG "/dev/kmsg"
/*
 * no kernel line for this long: the report being read is complete (other
 * programs' lines, a logger's marks say, do not keep it open)
 */
#define QUIET_MS 500
/* how often a followed file is checked for growth */
#define FOLLOW_POLL_MS 250
#define PRINTED_RING 64

struct parse_opts {
	bool json;
	bool kmsg;
	bool follow;
	bool symbolize;		/* --symbolize: name the user RIP from the live process */
	size_t candidates;
	const char *cgroup;	/* filter, a cgroup path */
	int32_t pid;		/* filter, 0 = none */
	char **files;
	int n_files;
};

struct parse_state {
	const struct parse_opts *o;
	bool write_failed;
	uint64_t shown;
	uint64_t printed_seqs[PRINTED_RING];
	uint64_t lost;		/* /dev/kmsg overruns */
	uint64_t truncated;	/* over-long lines cut */
	uint64_t bytes;
};

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace parse [options] [FILE...]\n"
"Read the kernel's own OOM reports from logs (FILE, '-' or stdin) or from\n"
"/dev/kmsg, and print each as the live tracer does: one block, or one JSON\n"
"line with \"source\":\"kmsg\". Reads dmesg (plain, -T in any locale, -r, -x,\n"
"--time-format=iso), journalctl -k, syslog files and raw /dev/kmsg records;\n"
"reports may be interleaved with other lines, cut, or start mid-way: what the\n"
"log does not say is left out and named under \"missing\".\n"
"\n"
"  -j, --json              JSON Lines on stdout\n"
"      --kmsg              read /dev/kmsg (root or CAP_SYSLOG), times as wall clock\n"
"  -f, --follow            keep reading: new /dev/kmsg records, or a growing FILE\n"
"  -c, --cgroup PATH       only OOMs whose domain or victim is PATH or below\n"
"  -p, --pid PID           only OOMs whose victim or trigger is PID\n"
"  -k, --candidates K      candidates kept per event (default 10, 0 = all,\n"
"                          at most 65536; candidates_total counts every row)\n"
"      --symbolize         name the allocating task's user frame (the report's\n"
"                          \"RIP: 0033:\" line) from its maps, if it still runs\n"
"                          as the same task: the report's comm, and its \"Code:\"\n"
"                          bytes at that address, where printed (root, or\n"
"                          CAP_SYS_PTRACE); a frame left unnamed says why on stderr\n"
"  -h, --help              this help\n"
"\n"
"Candidate points are recomputed from the task table the way that kernel\n"
"computed them, and marked as estimates (points_estimated).\n"
"At the end, one line on stderr counts the reports and the lines inside\n"
"them that were not understood (also \"unparsed_lines\" in each event), and\n"
"the reports the kernel's rate limit suppressed (\"N callbacks suppressed\":\n"
"dmesg keeps 10 reports per 5 s, live oomtrace sees every kill); with --json\n"
"the same counts end stdout as {\"type\":\"parse_stats\",...}.\n"
"\n"
"examples:\n"
"  dmesg | oomtrace parse\n"
"  journalctl -k -b -1 | oomtrace parse --json -k 0\n"
"  oomtrace parse /var/log/kern.log /var/log/kern.log.1\n"
"  sudo oomtrace parse --kmsg --follow --json >> oom.jsonl\n"
"\n"
"Exit codes: 0 done, 1 an input could not be read, 2 bad usage.\n");
}

static bool event_wanted(const struct parse_opts *o, const struct oom_event *ev)
{
	if (o->cgroup) {
		bool in_domain = ev->has & EV_HAS_MEMCG && cgroup_path_within(ev->memcg, o->cgroup);
		bool victim_in = ev->has & EV_HAS_VICTIM && ev->victim.has & TASK_HAS_CGROUP &&
				 cgroup_path_within(ev->victim.cgroup, o->cgroup);

		if (!in_domain && !victim_in)
			return false;
	}
	if (o->pid) {
		bool victim = ev->has & EV_HAS_VICTIM && ev->victim.pid == o->pid;
		bool trigger = ev->has & EV_HAS_TRIGGER &&
			       ((ev->trigger.has & TASK_HAS_PID && ev->trigger.pid == o->pid) ||
				(ev->trigger.has & TASK_HAS_TID && ev->trigger.tid == o->pid));

		if (!victim && !trigger)
			return false;
	}
	return true;
}

/* Output that cannot be written is an error, not a silent loss. */
static int check_output(struct parse_state *st)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (!st->write_failed)
		log_err("cannot write events to stdout: %s", strerror(errno));
	st->write_failed = true;
	exiting = 1;
	return -EIO;
}

static void on_event(struct oom_event *ev, void *arg)
{
	struct parse_state *st = arg;

	if (st->write_failed || !event_wanted(st->o, ev))
		return;
	if (st->o->symbolize && ev->n_user_stack) {
		char why[160];
		int r = ustack_symbolize_kmsg(ev, why, sizeof(why));

		if (r < 0)
			log_err("--symbolize: out of memory; the user frame is shown as the report gives it");
		else if (!r)
			log_warn("--symbolize: OOM #%" PRIu64 ": user frame 0x%" PRIx64
				 " not named: %s", ev->seq, ev->user_stack[0].addr, why);
	}
	if (st->o->json)
		render_event_json(stdout, ev);
	else
		render_event_text(stdout, ev);
	if (check_output(st))
		return;
	st->printed_seqs[st->shown % PRINTED_RING] = ev->seq;
	st->shown++;
}

static bool was_printed(const struct parse_state *st, uint64_t seq)
{
	for (size_t i = 0; i < PRINTED_RING && i < st->shown; i++)
		if (st->printed_seqs[i] == seq)
			return true;
	return false;
}

/* The live tracer's aftermath record, from the reaper's line. */
static void on_reaped(const struct kmsg_reaped *rp, void *arg)
{
	struct parse_state *st = arg;
	struct oom_aftermath am = {
		.kind = "oom_reaper", .oom_seq = rp->oom_seq, .pid = rp->pid,
		.time_ns = rp->has_wall ? rp->wall_ns : 0,
		.has_ktime = rp->has_ktime, .ktime_us = rp->ktime_us,
		.source = "kmsg", .comm = rp->comm,
		.stage = rp->failed ? "skip" : "finish", .failed = rp->failed,
		.has_rss = rp->has_rss, .anon_rss_kb = rp->anon_kb, .file_rss_kb = rp->file_kb,
		.shmem_rss_kb = rp->shmem_kb,
	};

	if (st->write_failed || !was_printed(st, rp->oom_seq))
		return;
	if (st->o->json) {
		render_aftermath_json(stdout, &am);
	} else {
		render_aftermath_text(stdout, &am);
		fputc('\n', stdout);	/* a blank line, as after each block */
	}
	check_output(st);
}

static int parse_args(int argc, char **argv, struct parse_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "kmsg", no_argument, NULL, 'K' },
		{ "follow", no_argument, NULL, 'f' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "candidates", required_argument, NULL, 'k' },
		{ "symbolize", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;	/* bad options are reported here, in one line */
	while ((c = getopt_long(argc, argv, ":jfc:p:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'K': o->kmsg = true; break;
		case 'f': o->follow = true; break;
		case 'S': o->symbolize = true; break;
		case 'c':
			if (cli_check_cgroup(optarg))
				return -EINVAL;
			o->cgroup = cgroup_path_strip_mount(optarg);
			break;
		case 'p':
			if (parse_u64(optarg, INT32_MAX, &v) || !v)
				goto bad;
			o->pid = (int32_t)v;
			break;
		case 'k':
			if (parse_u64(optarg, 1u << 24, &v))
				goto bad;
			o->candidates = v;
			break;
		case 'h': usage(stdout); return 1;
		default: return cli_bad_option(c, argv[optind - 1], CMD);
		}
	}
	o->files = argv + optind;
	o->n_files = argc - optind;
	if (o->kmsg && o->n_files) {
		log_err("--kmsg reads /dev/kmsg: it takes no FILE (see '" CMD " --help')");
		return -EINVAL;
	}
	if (o->follow && o->n_files > 1) {
		log_err("--follow follows one input, not %d (see '" CMD " --help')",
			o->n_files);
		return -EINVAL;
	}
	return 0;
bad:
	log_bad_value(longopts, c, optarg, CMD);
	return -EINVAL;
}

/* The wall-clock time of printk's clock at 0 (it runs with CLOCK_MONOTONIC). */
static uint64_t boot_wall_ns(void)
{
	uint64_t real = clock_now_ns(CLOCK_REALTIME);

	return real - mono_ns();
}

/* Open every input before reading any: a bad one fails the run before output. */
static int open_inputs(const struct parse_opts *o, int *fds)
{
	struct stat sb;

	for (int i = 0; i < o->n_files; i++) {
		const char *name = o->files[i];

		if (!strcmp(name, "-")) {
			fds[i] = STDIN_FILENO;
			continue;
		}
		fds[i] = open(name, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			log_err("cannot open %s: %s", name, strerror(errno));
			return -errno;
		}
		if (fstat(fds[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
			log_err("cannot read %s: %s", name, strerror(EISDIR));
			return -EISDIR;
		}
	}
	return 0;
}

/* Read one input to its end (or, following, until a signal). 0 or -errno. */
static int run_input(struct parse_state *st, struct kmsg_parser *p, int fd, const char *name,
		     bool devkmsg)
{
	const struct parse_opts *o = st->o;
	struct kmsg_input *in;
	struct kmsg_line line;
	struct stat sb;
	bool regular = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	uint64_t bytes_at_eof = UINT64_MAX;
	int64_t last_kernel_ms = (int64_t)mono_ms();
	int ret = 0, n, timeout;

	in = kmsg_input__new(fd, devkmsg, devkmsg ? boot_wall_ns() : 0);
	if (!in) {
		log_err("out of memory");
		return -ENOMEM;
	}
	while (!exiting) {
		if (devkmsg && !o->follow) {
			timeout = 0;	/* what the kernel holds now, then stop */
		} else if (!kmsg_parser__pending(p)) {
			timeout = -1;
		} else {
			timeout = (int)(last_kernel_ms + QUIET_MS - (int64_t)mono_ms());
			if (timeout <= 0 && (o->follow || !regular)) {
				/* a live source: quiet, though others' lines still come */
				kmsg_parser__flush(p);
				continue;
			}
			if (timeout < 0)
				timeout = 0;
		}
		n = kmsg_input__next(in, &line, timeout);
		if (n == 1) {
			if (line.kernel && !line.meta)
				last_kernel_ms = (int64_t)mono_ms();
			if (kmsg_parser__feed(p, &line)) {
				log_err("out of memory");
				ret = -ENOMEM;
				break;
			}
			continue;
		}
		if (n == -EPIPE) {	/* the ring buffer wrapped: records we never saw */
			kmsg_parser__lost(p);
			st->lost++;
			continue;
		}
		if (n == -EINTR)
			continue;
		if (n < 0) {
			log_err("cannot read %s: %s", name, strerror(-n));
			ret = n;
			break;
		}
		if (kmsg_input__eof(in) && !(o->follow && regular))
			break;
		if (kmsg_input__eof(in)) {
			/* following a file: a report may still be being written */
			if (kmsg_input__bytes(in) == bytes_at_eof)
				kmsg_parser__flush(p);
			bytes_at_eof = kmsg_input__bytes(in);
			kmsg_input__rewind_eof(in);
			poll(NULL, 0, FOLLOW_POLL_MS);
			continue;
		}
		if (devkmsg && !o->follow)
			break;
		kmsg_parser__flush(p);	/* quiet for QUIET_MS: the report is whole */
	}
	kmsg_parser__flush(p);
	st->truncated += kmsg_input__truncated(in);
	st->bytes += kmsg_input__bytes(in);
	kmsg_input__free(in);
	return ret;
}

static int run(struct parse_state *st, struct kmsg_parser *p)
{
	const struct parse_opts *o = st->o;
	int *fds = NULL, ret = 0, fd;

	if (o->kmsg) {
		fd = open(DEV_KMSG, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			log_err("cannot open %s: %s%s", DEV_KMSG, strerror(errno),
				errno == EPERM || errno == EACCES ?
				" (needs root or CAP_SYSLOG)" : "");
			return -errno;
		}
		ret = run_input(st, p, fd, DEV_KMSG, true);
		close(fd);
		return ret;
	}
	if (!o->n_files)
		return run_input(st, p, STDIN_FILENO, "stdin", false);
	fds = calloc((size_t)o->n_files, sizeof(*fds));
	if (!fds) {
		log_err("out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < o->n_files; i++)
		fds[i] = -1;
	ret = open_inputs(o, fds);
	for (int i = 0; !ret && i < o->n_files && !exiting; i++)
		ret = run_input(st, p, fds[i], strcmp(o->files[i], "-") ? o->files[i] : "stdin",
				false);
	for (int i = 0; i < o->n_files; i++)
		if (fds[i] > STDIN_FILENO)
			close(fds[i]);
	free(fds);
	return ret;
}

/*
 * The run's counts. The text line goes to stderr; with --json the same
 * counts are also the last record on stdout, {"type":"parse_stats",...}.
 */
static void summary_text(const struct parse_state *st, const struct kmsg_parser *p)
{
	const struct kmsg_stats *s = kmsg_parser__stats(p);

	fprintf(stderr, "oomtrace: parse: %" PRIu64 " OOM report%s (%" PRIu64 " shown) in %"
		PRIu64 " lines; %" PRIu64 " line%s inside reports not understood",
		s->reports, s->reports == 1 ? "" : "s", st->shown, s->lines, s->unparsed,
		s->unparsed == 1 ? "" : "s");
	if (s->elided)
		fprintf(stderr, "; %" PRIu64 " elision marks", s->elided);
	if (st->truncated)
		fprintf(stderr, "; %" PRIu64 " over-long lines cut", st->truncated);
	if (st->lost)
		fprintf(stderr, "; /dev/kmsg overwrote records %" PRIu64 " times", st->lost);
	if (s->missing_records)
		fprintf(stderr, "; %" PRIu64 " /dev/kmsg records missing (numbers skipped)",
			s->missing_records);
	if (s->suppressed)
		fprintf(stderr, "; suppressed_reports %" PRIu64 ": the kernel's rate limit (10 "
			"reports per 5 s) left out their reports, only the kill lines remain "
			"(live oomtrace misses none)", s->suppressed);
	fputc('\n', stderr);
}

static void summary_json(const struct parse_state *st, const struct kmsg_parser *p)
{
	const struct kmsg_stats *s = kmsg_parser__stats(p);
	struct json_writer w;

	jw_init(&w, stdout);
	jw_object_start(&w);
	jw_kv_string(&w, "type", "parse_stats");
	jw_kv_uint(&w, "reports", s->reports);
	jw_kv_uint(&w, "shown", st->shown);
	jw_kv_uint(&w, "lines", s->lines);
	jw_kv_uint(&w, "unparsed_lines", s->unparsed);
	jw_kv_uint(&w, "elided", s->elided);
	jw_kv_uint(&w, "truncated_lines", st->truncated);
	jw_kv_uint(&w, "kmsg_overruns", st->lost);
	jw_kv_uint(&w, "kmsg_records_missing", s->missing_records);
	jw_kv_uint(&w, "suppressed_reports", s->suppressed);
	jw_object_end(&w);
	fputc('\n', stdout);
}

int cmd_parse(int argc, char **argv)
{
	struct parse_opts o = { .candidates = 10 };
	struct parse_state st = { .o = &o };
	struct kmsg_report_ops ops = { .event = on_event, .reaped = on_reaped, .arg = &st };
	struct sigaction sa = { .sa_handler = on_signal };
	struct kmsg_parser *p;
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	/* no SA_RESTART: a signal must interrupt a blocking read or poll */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	p = kmsg_parser__new(&ops, o.candidates);
	if (!p) {
		log_err("out of memory");
		return EXIT_RUNTIME;
	}
	ret = run(&st, p);
	if (!ret && !st.write_failed && o.json) {
		summary_json(&st, p);
		check_output(&st);
	}
	if (!ret && !st.write_failed)
		summary_text(&st, p);	/* a failure is said in its one line */
	kmsg_parser__free(p);
	return ret || st.write_failed ? EXIT_RUNTIME : EXIT_OK;
}
