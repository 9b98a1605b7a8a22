// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace report FILE...`: summaries of what `oomtrace record` wrote, or
 * one recorded event rendered again as the live text block (--event SEQ).
 * Lines that are not our JSON (garbage, a torn tail from a power cut,
 * lines too long) are counted and skipped with a warning, never fatal.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_args.h"
#include "clock_now.h"
#include "commands.h"
#include "jsonl_reader.h"
#include "log.h"
#include "record_reader.h"
#include "render.h"
#include "report_stats.h"
#include "session.h"
#include "ustack.h"

#define CMD "oomtrace report"
/* Bounds of one line: a recorder keeps at most 4096 candidates (about 2 MiB). */
#define REPORT_MAX_LINE (16u << 20)
#define REPORT_MAX_TOKENS (1u << 20)

struct report_opts {
	bool json;
	bool symbolize;		/* --symbolize: name the user frames from this machine's files */
	bool have_event;
	uint64_t event_seq;
	uint64_t since_ns, until_ns;	/* 0 = open */
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace report [options] FILE...\n"
"Summarize what 'oomtrace record' wrote: kills per OOM domain and per victim\n"
"command, a timeline, repeated victims, the largest victims, protected\n"
"(oom_score_adj -1000) tasks near the top, and what the recorder says about\n"
"its own completeness. Rotated files may be given in any order.\n"
"\n"
"  -s, --since WHEN        only records at or after WHEN\n"
"  -u, --until WHEN        only records before WHEN\n"
"                          WHEN: 2026-11-24T09:47:11Z, 2026-11-24 09:47,\n"
"                          2026-11-24, @UNIXTIME, or 90s/30m/2h/7d ago\n"
"  -e, --event SEQ         print recorded OOM kill #SEQ as the live text block\n"
"  -j, --json              one JSON object (with --event: the event's JSON line)\n"
"      --symbolize         with --event: name the user stack's frames recorded\n"
"                          with a build id and file offset only, from the files\n"
"                          of that build id here or their debug files\n"
"                          (/usr/lib/debug/.build-id); inlined calls as frames\n"
"  -h, --help              this help\n"
"\n"
"Bad lines (not our JSON, a torn last line, longer than %u MiB) are counted,\n"
"skipped and reported on stderr. Events of 'oomtrace parse --json' may have\n"
"no wall-clock time (a log with boot-relative or year-less stamps): they are\n"
"in every count, shown as 'time unknown' in the timeline and '-' elsewhere,\n"
"and left out by --since/--until, which say how many.\n"
"Exit codes: 0 done, 1 a file could not be read or --event not found, 2 bad usage.\n"
"\n"
"examples:\n"
"  oomtrace report /var/log/oomtrace/oomtrace.jsonl*\n"
"  oomtrace report --since 24h --json /var/log/oomtrace/oomtrace.jsonl\n"
"  oomtrace report --event 42 /var/log/oomtrace/oomtrace.jsonl*\n",
		REPORT_MAX_LINE >> 20);
}

/* WHEN for --since/--until, as CLOCK_REALTIME ns. */
static int parse_when(const char *s, uint64_t now_ns, uint64_t *ret)
{
	char iso[64], *end;
	unsigned long long v;
	size_t len = strlen(s);

	if (!len || len >= sizeof(iso) - 16)
		return -EINVAL;
	if (s[0] == '@') {
		errno = 0;
		v = strtoull(s + 1, &end, 10);
		if (errno || end == s + 1 || *end || v > UINT64_MAX / 1000000000ull)
			return -EINVAL;
		*ret = v * 1000000000ull;
		return 0;
	}
	if (s[0] >= '0' && s[0] <= '9' && strchr("smhd", s[len - 1]) && !strchr(s, '-')) {
		static const uint64_t unit[] = { ['s' - 'd'] = 1, ['m' - 'd'] = 60,
						 ['h' - 'd'] = 3600, [0] = 86400 };
		uint64_t secs;

		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || end != s + len - 1)
			return -EINVAL;
		secs = unit[s[len - 1] - 'd'];
		if (v > now_ns / 1000000000ull / secs)
			return -EINVAL;
		*ret = now_ns - v * secs * 1000000000ull;
		return 0;
	}
	/* dates: complete the forms people type to the one parse_time_iso takes */
	snprintf(iso, sizeof(iso), "%s", s);
	if (len == 10)
		strcat(iso, "T00:00:00Z");
	else if (len == 16 && iso[10] == ' ')
		strcat(iso, ":00Z");
	else if (len == 19 && iso[10] == ' ')
		strcat(iso, "Z");
	if (iso[10] == ' ')
		iso[10] = 'T';
	if (iso[strlen(iso) - 1] != 'Z')
		strcat(iso, "Z");
	return parse_time_iso(iso, ret);
}

static int parse_args(int argc, char **argv, struct report_opts *o)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "event", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "symbolize", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t now = clock_now_ns(CLOCK_REALTIME);
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:u:e:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_when(optarg, now, &o->since_ns))
				goto bad;
			break;
		case 'u':
			if (parse_when(optarg, now, &o->until_ns))
				goto bad;
			break;
		case 'e':
			if (parse_u64(optarg, UINT64_MAX, &o->event_seq) || !o->event_seq)
				goto bad;
			o->have_event = true;
			break;
		case 'j': o->json = true; break;
		case 'S': o->symbolize = true; break;
		case 'h': usage(stdout); return 1;
		default: return cli_bad_option(c, argv[optind - 1], CMD);
		}
	}
	if (optind >= argc) {
		log_err("no file to report on (see '" CMD " --help')");
		return -EINVAL;
	}
	if (o->symbolize && !o->have_event) {
		log_err("--symbolize goes with --event (see '" CMD " --help')");
		return -EINVAL;
	}
	if (o->since_ns && o->until_ns && o->until_ns <= o->since_ns) {
		log_err("--until must be later than --since");
		return -EINVAL;
	}
	return 0;
bad:
	log_bad_value(longopts, c, optarg, CMD);
	return -EINVAL;
}

struct reader {
	struct report_opts *o;
	struct report_stats st;
	struct jr_doc doc;
	struct oom_event *ev;
	struct record_strings rs;
	uint64_t matches;		/* --event: events with that seq */
	bool in_match;			/* its aftermath follows in this file */
};

/*
 * Within --since/--until: 1 yes, 0 no, -1 no because it has no time (it
 * cannot be placed in any range: parse's events from a log whose stamps are
 * boot-relative or lack the year).
 */
static int in_range(const struct report_opts *o, const struct jr_doc *d)
{
	char t[64];
	uint64_t ns;

	if (!o->since_ns && !o->until_ns)
		return 1;
	if (jr_get_str(d, 0, "time", t, sizeof(t)) || parse_time_iso(t, &ns) || !ns)
		return -1;
	return (!o->since_ns || ns >= o->since_ns) && (!o->until_ns || ns < o->until_ns);
}

/* --event: the matching event, then its victim_exit / oom_reaper lines. */
static void show_event_line(struct reader *rd, int type, const char *line, size_t len)
{
	struct oom_aftermath am;

	if (type == REC_OOM_KILL) {
		rd->in_match = rd->ev->seq == rd->o->event_seq;
		if (!rd->in_match)
			return;
		rd->matches++;
		if (rd->o->symbolize && ustack_symbolize_offline(rd->ev) < 0)
			log_err("--symbolize: out of memory; the stack is shown as recorded");
		if (rd->o->json)
			render_event_json(stdout, rd->ev);
		else
			render_event_text(stdout, rd->ev);
		return;
	}
	if (type == REC_RECORDER_START)
		rd->in_match = false;	/* a new run numbers its own events */
	if (!rd->in_match || (type != REC_VICTIM_EXIT && type != REC_OOM_REAPER) ||
	    record_decode_aftermath(&rd->doc, &am) || am.oom_seq != rd->o->event_seq)
		return;
	/* JSON: the recorded line itself, with every member it has */
	if (rd->o->json)
		printf("%.*s\n", (int)len, line);
	else
		render_aftermath_text(stdout, &am);
}

/* One line: 0, or -ENOMEM. Bad lines are counted, not errors. */
static int read_line(struct reader *rd, const char *line, size_t len, uint64_t *ret_bad_line,
		     uint64_t line_no)
{
	int type, range;

	if (!len)
		return 0;	/* an empty line (our torn-tail repair) holds nothing */
	if (jr_parse(&rd->doc, line, len) || (type = record_type(&rd->doc)) < 0)
		goto bad;
	rd->st.records++;
	if (type == REC_OOM_KILL) {
		int err = record_decode_event(&rd->doc, rd->ev, &rd->rs);

		if (err == -ENOMEM)
			return err;
		if (err)
			goto bad;
	}
	if (rd->o->have_event) {
		show_event_line(rd, type, line, len);
		return 0;
	}
	if ((range = in_range(rd->o, &rd->doc)) <= 0) {
		rd->st.outside_range++;
		rd->st.outside_range_time_unknown += range < 0;
		return 0;
	}
	if (type == REC_UNKNOWN)
		rd->st.unknown_types++;
	else if (type == REC_OOM_KILL)
		return report_stats__add_event(&rd->st, rd->ev);
	else
		report_stats__add_own(&rd->st, type, &rd->doc);
	return 0;
bad:
	rd->st.bad_lines++;
	if (!*ret_bad_line)
		*ret_bad_line = line_no;
	return 0;
}

/* 0, -errno for a file that cannot be read (reported), -ENOMEM. */
static int read_file(struct reader *rd, const char *path)
{
	uint64_t bad_before = rd->st.bad_lines, first_bad = 0;
	struct jsonl_file jf;
	const char *line;
	size_t len;
	int n, err = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		err = -errno;
		log_err("cannot read %s: %s", path, strerror(-err));
		return err;
	}
	rd->in_match = false;
	if (jsonl_file__init(&jf, f, REPORT_MAX_LINE)) {
		fclose(f);
		return -ENOMEM;
	}
	while ((n = jsonl_file__next(&jf, &line, &len)) > 0)
		if ((err = read_line(rd, line, len, &first_bad, jf.line_no)))
			break;
	if (n < 0 && !err) {
		err = n;
		log_err("cannot read %s: %s", path, strerror(-err));
	}
	rd->st.files++;
	rd->st.too_long += jf.too_long;
	rd->st.torn_lines += jf.torn;
	if (rd->st.bad_lines > bad_before || jf.too_long || jf.torn)
		log_warn("%s: skipped %" PRIu64 " bad lines%s%.0" PRIu64 "%s, %" PRIu64
			 " too long, %s", path, rd->st.bad_lines - bad_before,
			 first_bad ? " (the first at line " : "", first_bad, first_bad ? ")" : "",
			 jf.too_long, jf.torn ? "and a torn last line (a write cut short)" :
			 "no torn last line");
	jsonl_file__free(&jf);
	fclose(f);
	return err;
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = {};
	struct reader rd = { .o = &o };
	int ret = EXIT_OK, err;

	err = parse_args(argc, argv, &o);
	if (err)
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	rd.ev = oom_event__new();
	if (!rd.ev || report_stats__init(&rd.st) || jr_doc__init(&rd.doc, REPORT_MAX_TOKENS)) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		err = read_file(&rd, argv[i]);
		if (err == -ENOMEM) {
			log_err("out of memory reading %s", argv[i]);
			ret = EXIT_RUNTIME;
			goto out;
		}
		if (err)
			ret = EXIT_RUNTIME;
	}
	if (o.have_event) {
		if (!rd.matches) {
			log_err("no OOM kill #%" PRIu64 " in the files given", o.event_seq);
			ret = EXIT_RUNTIME;
		} else if (rd.matches > 1) {
			log_warn("OOM kill #%" PRIu64 " appears %" PRIu64 " times (files of different "
				 "recorders?): all are shown", o.event_seq, rd.matches);
		}
		goto out;
	}
	/* nothing could be read: the error said so, an empty report would not */
	if (!rd.st.files)
		goto out;
	report_stats__finish(&rd.st);
	if (o.json)
		report_print_json(stdout, &rd.st);
	else
		report_print_text(stdout, &rd.st);
out:
	if (fflush(stdout) || ferror(stdout)) {
		log_err("cannot write the report to stdout: %s", strerror(errno));
		ret = EXIT_RUNTIME;
	}
	jr_doc__free(&rd.doc);
	report_stats__free(&rd.st);
	oom_event__free(rd.ev);
	return ret;
}
