// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace scores`: who the OOM killer would pick now, and why. Options,
 * then one of: the ranking (text or JSON Lines), --explain PID, --watch.
 * It reads /proc and cgroupfs only; no BPF, no privileges needed beyond
 * what reading other users' /proc entries takes.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_args.h"
#include "commands.h"
#include "log.h"
#include "scores.h"
#include "scores_render.h"
#include "scores_watch.h"

#define CMD "oomtrace scores"

struct scores_opts {
	struct scores_config cfg;
	struct scores_view view;
	bool json;
	int32_t explain;		/* 0 = none */
	unsigned int watch_ms;		/* 0 = no --watch */
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace scores [options]\n"
"Rank the current processes as the kernel's oom_badness() would, and say by\n"
"how much the first leads. Reads /proc and cgroupfs; no BPF, no root needed\n"
"(processes you may not read are counted and left out).\n"
"\n"
"  -c, --cgroup PATH    rank for an OOM of this memory cgroup: its tasks only,\n"
"                       scored against its limit (or the ancestor's limit that\n"
"                       would be hit first); PATH is a cgroup path or its\n"
"                       /sys/fs/cgroup/... directory, v1 or v2\n"
"  -j, --json           one JSON object per process and line\n"
"  -t, --top N          only the first N rows\n"
"  -a, --all            also list kernel threads (JSON always has them)\n"
"  -e, --explain PID    what would get PID picked or spared: the oom_score_adj\n"
"                       or memory change that flips its place, and how its\n"
"                       systemd unit's OOMScoreAdjust= maps onto it\n"
"  -w, --watch SEC      refresh a full-screen view every SEC seconds (0.1 to\n"
"                       86400); q or Ctrl-C quits\n"
"      --root DIR       read DIR/proc and DIR/sys instead of /proc and /sys\n"
"                       (a copied or fixture tree)\n"
"  -h, --help           this help\n"
"\n"
"columns: points = rss + swap + page tables (pages) + adj-pts, where adj-pts is\n"
"oom_score_adj x totalpages/1000; score is what /proc/PID/oom_score shows (always\n"
"against the whole machine).\n"
"\n"
"examples:\n"
"  oomtrace scores --top 10\n"
"  oomtrace scores -c /system.slice/nginx.service --explain 1234\n"
"  oomtrace scores --json | jq 'select(.rank == 1)'\n"
"  oomtrace scores --watch 2\n"
"\n"
"Exit codes: 0 done, 1 runtime failure (unknown pid or cgroup), 2 bad usage.\n");
}

/* "2", "0.5", "1.25": milliseconds, 100 ms to a day. */
static int parse_seconds(const char *s, unsigned int *ret_ms)
{
	uint64_t whole = 0, frac = 0, scale = 1000;
	const char *dot = strchr(s, '.');
	char intpart[24];
	size_t n = dot ? (size_t)(dot - s) : strlen(s);

	if (n >= sizeof(intpart) || (!n && !dot))
		return -EINVAL;
	memcpy(intpart, s, n);
	intpart[n] = '\0';
	if (n && parse_u64(intpart, 86400, &whole))
		return -EINVAL;
	if (dot) {
		const char *f = dot + 1;

		if (!*f)
			return -EINVAL;
		for (; *f; f++) {
			if (*f < '0' || *f > '9')
				return -EINVAL;
			scale /= 10;
			frac += (uint64_t)(*f - '0') * scale;	/* digits past ms drop off */
		}
	}
	whole = whole * 1000 + frac;
	if (whole < 100 || whole > 86400000)
		return -EINVAL;
	*ret_ms = (unsigned int)whole;
	return 0;
}

static int parse_args(int argc, char **argv, struct scores_opts *o)
{
	enum { OPT_ROOT = 256 };
	static const struct option longopts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "top", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "explain", required_argument, NULL, 'e' },
		{ "watch", required_argument, NULL, 'w' },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;	/* bad options are reported here, in one line */
	while ((c = getopt_long(argc, argv, ":c:jt:ae:w:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (cli_check_cgroup(optarg))
				return -EINVAL;
			o->cfg.cgroup = optarg;
			break;
		case 'j': o->json = true; break;
		case 't':
			if (parse_u64(optarg, 1u << 24, &v) || !v)
				goto bad;
			o->view.top = v;
			break;
		case 'a': o->view.all = true; break;
		case 'e':
			if (parse_u64(optarg, INT32_MAX, &v) || !v)
				goto bad;
			o->explain = (int32_t)v;
			break;
		case 'w':
			if (parse_seconds(optarg, &o->watch_ms))
				goto bad;
			break;
		case OPT_ROOT:
			if (optarg[0] != '/') {
				log_err("--root: '%s' is not an absolute directory", optarg);
				return -EINVAL;
			}
			o->cfg.root = optarg;
			break;
		case 'h': usage(stdout); return 1;
		default: return cli_bad_option(c, argv[optind - 1], CMD);
		}
	}
	if (cli_no_operands(argc, argv, optind, CMD))
		return -EINVAL;
	if (o->watch_ms && (o->json || o->explain)) {
		log_err("--watch draws a screen: it does not combine with --%s",
			o->json ? "json" : "explain");
		return -EINVAL;
	}
	if (o->explain && (o->view.top || o->view.all)) {
		log_err("--explain shows one process: --%s has no meaning with it",
			o->view.top ? "top" : "all");
		return -EINVAL;
	}
	return 0;
bad:
	log_bad_value(longopts, c, optarg, CMD);
	return -EINVAL;
}

static bool pid_exists(const char *root, int32_t pid)
{
	char path[PATH_MAX];
	struct stat st;

	if (procfs_path(path, sizeof(path), "%s/proc/%d", root, pid))
		return false;
	return !stat(path, &st);
}

/* --explain for a pid that is not in the ranking: say why, in one line. */
static int explain_missing(const struct scores_opts *o, const struct score_set *s)
{
	struct proc_task p;
	char err[512];
	int r;

	if (!pid_exists(o->cfg.root, o->explain)) {
		log_err("--explain: no process %d", o->explain);
		return EXIT_RUNTIME;
	}
	r = procfs_read_task(o->cfg.root, o->explain, &p, err, sizeof(err));
	if (r == -ESRCH) {
		log_err("--explain: process %d exited", o->explain);
	} else if (r == -EACCES || r == -EPERM) {
		log_err("--explain: process %d cannot be read (permission denied): run as root",
			o->explain);
	} else if (r) {
		log_err("--explain: %s", err);
	} else if (s->memcg && s->domain_found) {
		log_err("--explain: process %d is not in memory cgroup %s (it is in %s)",
			o->explain, s->domain.path, p.has & PT_HAS_CGROUP ? p.memcg : "none");
	} else {
		log_err("--explain: process %d could not be ranked", o->explain);
	}
	return EXIT_RUNTIME;
}

static int output_done(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return EXIT_OK;
	log_err("cannot write to stdout: %s", strerror(errno));
	return EXIT_RUNTIME;
}

int cmd_scores(int argc, char **argv)
{
	struct scores_opts o = { .cfg = { .root = "" } };
	struct score_explain e;
	struct score_set s;
	char err[1024];
	int ret;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (o.watch_ms)
		return scores_watch(&o.cfg, &o.view, o.watch_ms);
	if (scores_collect(&o.cfg, &s, err, sizeof(err))) {
		log_err("%s", err);
		return EXIT_RUNTIME;
	}
	if (o.explain && scores_explain(&s, o.explain, &e)) {
		/* the one line says what is wrong with that pid, nothing else */
		ret = explain_missing(&o, &s);
		score_set__free(&s);
		return ret;
	}
	if (s.broken)
		log_warn("%zu processes were left out, their files are broken: %s", s.broken,
			 s.first_error);
	if (o.json && s.unreadable)
		log_warn("%zu processes could not be read (permission denied) and are left out",
			 s.unreadable);
	if (o.explain) {
		if (o.json)
			scores_render_explain_json(stdout, &s, &e);
		else
			scores_render_explain_text(stdout, &s, &e);
	} else if (o.json) {
		scores_render_json(stdout, &s, &o.view);
	} else {
		scores_render_header(stdout, &s);
		scores_render_table(stdout, &s, &o.view);
		scores_render_footer(stdout, &s, &o.view);
	}
	score_set__free(&s);
	return output_done();
}
