// SPDX-License-Identifier: GPL-2.0
/*
 * `oomtrace replay [--policy NAME]... FILE...`: which task each policy would
 * have killed in the recorded OOMs (user/replay). One event at a time: the
 * event, the JSON document and the per-policy scratch are reused, and the
 * summary has a fixed size, so any number of OOMs streams through.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "jsonl_reader.h"
#include "log.h"
#include "record_reader.h"
#include "replay_render.h"

#define CMD "oomtrace replay"
/* Bounds of one line, as report's: a recorder keeps at most 4096 candidates. */
#define REPLAY_MAX_LINE (16u << 20)
#define REPLAY_MAX_TOKENS (1u << 20)
#define MAX_POLICIES 16
#define MAX_PROTECT 64
#define MAX_CRITICAL 64

struct replay_opts {
	bool json, diff;
	struct replay_policy policies[MAX_POLICIES];
	struct replay_expr exprs[MAX_POLICIES];
	size_t n_policies;
	struct replay_protect protect[MAX_PROTECT];
	size_t n_protect;
	const char *critical[MAX_CRITICAL];
	size_t n_critical;
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: oomtrace replay [options] FILE...\n"
"Recompute the victim of each recorded OOM kill under other selection\n"
"policies. FILE: what 'oomtrace record' wrote, or the output of 'oomtrace\n"
"trace --json' or 'oomtrace parse --json' ('-' reads stdin). Only OOMs whose\n"
"whole candidate table was kept (-k 0) are replayed; the others are counted\n"
"as skipped, with the reason.\n"
"\n"
"  -P, --policy NAME       a policy to replay (repeatable; default: kernel,\n"
"                          precise-rss, no-adj, largest-memcg, and protect\n"
"                          when --protect is given; kernel is always replayed):\n"
"          kernel          oom_badness() of the kernel era that made the event\n"
"          precise-rss     exact per-CPU rss/swap sums instead of the counters\n"
"          no-adj          oom_score_adj ignored (-1000 tasks become killable)\n"
"          largest-memcg   the domain's child cgroup with the largest usage,\n"
"                          then its task with the highest kernel score\n"
"          protect         usage under a cgroup's --protect amount not counted\n"
"          expr:EXPR       your formula; the highest value dies. Fields: rss\n"
"                          swap pgtables (pages), adj, totalpages, cgroup_usage,\n"
"                          age_s; + - * / min(a,b) max(a,b) ( ), one of\n"
"                          < <= > >= == != (1 or 0); integers, / truncates\n"
"      --protect CGROUP=SIZE  protection for the protect policy (k, M, G; repeatable)\n"
"      --critical UNIT     count kills of this systemd unit as critical (repeatable;\n"
"                          oom_score_adj <= -900 always is)\n"
"  -j, --json              one JSON line per OOM kill\n"
"  -D, --diff              only the OOM kills where a policy picks another victim,\n"
"                          the two tasks' rows side by side\n"
"  -h, --help              this help\n"
"\n"
"A policy that lacks an input for an OOM (no exact sums recorded, a field the\n"
"events do not carry: cgroup_usage, age_s) reports that OOM as unavailable\n"
"with the reason; it never assumes 0. If kernel does not reproduce a recorded\n"
"victim, the output says so for that OOM and the exit code is 1.\n"
"Exit codes: 0 done, 1 a file could not be read or kernel did not reproduce\n"
"a recorded victim, 2 bad usage.\n"
"\n"
"examples:\n"
"  oomtrace replay /var/log/oomtrace/oomtrace.jsonl*\n"
"  oomtrace replay -P no-adj -P 'expr:rss + swap' --diff oomtrace.jsonl\n"
"  oomtrace replay -P protect --protect /system.slice=2G --critical sshd.service f.jsonl\n"
"  oomtrace parse --json -k 0 /var/log/kern.log | oomtrace replay --json -\n");
}

static int add_policy(struct replay_opts *o, const char *name)
{
	struct replay_policy *p;
	struct rx_error err;

	for (size_t i = 0; i < o->n_policies; i++) {
		if (!strcmp(o->policies[i].name, name)) {
			log_err("--policy %s given twice", name);
			return -EINVAL;
		}
	}
	if (o->n_policies >= MAX_POLICIES) {
		log_err("at most %d policies", MAX_POLICIES);
		return -EINVAL;
	}
	p = &o->policies[o->n_policies];
	memset(p, 0, sizeof(*p));
	p->name = name;
	if (!strncmp(name, "expr:", 5)) {
		p->kind = RP_EXPR;
		p->expr = &o->exprs[o->n_policies];
		if (replay_expr_parse(name + 5, &o->exprs[o->n_policies], &err)) {
			log_err("--policy expr: column %zu of the expression: %s (in '%.*s')",
				err.column, err.msg, 80, name + 5);
			return -EINVAL;
		}
	} else if (replay_kind_of(name, &p->kind)) {
		log_err("unknown policy '%s' (kernel, precise-rss, no-adj, largest-memcg, "
			"protect, expr:EXPR; see '" CMD " --help')", name);
		return -EINVAL;
	}
	o->n_policies++;
	return 0;
}

/* CGROUP=SIZE */
static int add_protect(struct replay_opts *o, char *arg)
{
	char *eq = strrchr(arg, '=');
	struct replay_protect *pr;
	size_t n;

	if (o->n_protect >= MAX_PROTECT || !eq || arg[0] != '/')
		return -EINVAL;
	*eq = '\0';
	n = strlen(arg);
	while (n > 1 && arg[n - 1] == '/')
		arg[--n] = '\0';
	pr = &o->protect[o->n_protect];
	pr->cgroup = arg;
	if (parse_size(eq + 1, &pr->bytes)) {
		*eq = '=';
		return -EINVAL;
	}
	o->n_protect++;
	return 0;
}

static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	enum { OPT_PROTECT = 256, OPT_CRITICAL };
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "protect", required_argument, NULL, OPT_PROTECT },
		{ "critical", required_argument, NULL, OPT_CRITICAL },
		{ "json", no_argument, NULL, 'j' },
		{ "diff", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	bool named_protect = false, has_kernel = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":P:jDh", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (add_policy(o, optarg))
				return -EINVAL;
			break;
		case OPT_PROTECT:
			if (add_protect(o, optarg))
				goto bad;
			break;
		case OPT_CRITICAL:
			if (!optarg[0] || strchr(optarg, '/') || o->n_critical >= MAX_CRITICAL)
				goto bad;
			o->critical[o->n_critical++] = optarg;
			break;
		case 'j': o->json = true; break;
		case 'D': o->diff = true; break;
		case 'h': usage(stdout); return 1;
		default: return cli_bad_option(c, argv[optind - 1], CMD);
		}
	}
	if (optind >= argc) {
		log_err("no file to replay (see '" CMD " --help')");
		return -EINVAL;
	}
	for (size_t i = 0; i < o->n_policies; i++) {
		named_protect |= o->policies[i].kind == RP_PROTECT;
		has_kernel |= o->policies[i].kind == RP_KERNEL;
	}
	if (named_protect && !o->n_protect) {
		log_err("--policy protect needs at least one --protect CGROUP=SIZE");
		return -EINVAL;
	}
	if (o->n_policies && o->n_protect && !named_protect) {
		log_err("--protect is for --policy protect, which is not named");
		return -EINVAL;
	}
	if (!o->n_policies) {
		static const char *const defaults[] = {
			"kernel", "precise-rss", "no-adj", "largest-memcg", "protect",
		};

		for (size_t i = 0; i < 4 + (o->n_protect > 0); i++)
			if (add_policy(o, defaults[i]))
				return -EINVAL;
		has_kernel = true;
	}
	if (!has_kernel) {	/* the check that the inputs are right comes first */
		if (o->n_policies >= MAX_POLICIES) {
			log_err("at most %d policies besides kernel", MAX_POLICIES - 1);
			return -EINVAL;
		}
		memmove(&o->policies[1], &o->policies[0], o->n_policies * sizeof(o->policies[0]));
		memset(&o->policies[0], 0, sizeof(o->policies[0]));
		o->policies[0].kind = RP_KERNEL;
		o->policies[0].name = "kernel";
		o->n_policies++;
	}
	for (size_t i = 0; i < o->n_policies; i++) {
		o->policies[i].protect = o->protect;
		o->policies[i].n_protect = o->n_protect;
	}
	return 0;
bad:
	log_bad_value(longopts, c, optarg, CMD);
	return -EINVAL;
}

struct replayer {
	struct replay_opts *o;
	struct replay_summary sum;
	struct replay_ctx cx;
	struct replay_pick *picks;
	struct jr_doc doc;
	struct oom_event *ev;
	struct record_strings rs;
};

/* One decoded OOM: 0 or -ENOMEM. */
static int replay_event(struct replayer *rp)
{
	const struct replay_opts *o = rp->o;
	enum replay_skip why;
	int32_t rec_pid = 0;
	int err;

	why = replay_check_event(rp->ev, &rec_pid);
	if (why) {
		replay_summary__skip(&rp->sum, why);
		if (o->json && !o->diff)
			replay_render_skip_json(stdout, rp->ev, why);
		return 0;
	}
	for (size_t i = 0; i < o->n_policies; i++)
		if ((err = replay_pick(&rp->cx, &o->policies[i], rp->ev, rec_pid, &rp->picks[i])))
			return err;
	replay_summary__add(&rp->sum, rp->ev, rec_pid, rp->picks);
	if (o->diff && !replay_disagrees(rp->ev, rec_pid, rp->picks, o->n_policies))
		return 0;
	if (o->json)
		replay_render_json(stdout, &rp->sum, rp->ev, rec_pid, rp->picks);
	else if (o->diff)
		replay_render_diff_text(stdout, &rp->sum, rp->ev, rec_pid, rp->picks);
	return 0;
}

/* 0, -errno for a file that cannot be read (reported), -ENOMEM. */
static int read_file(struct replayer *rp, const char *path)
{
	uint64_t bad = 0;
	struct jsonl_file jf;
	const char *line;
	size_t len;
	int n, err = 0;
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "re");

	if (!f) {
		err = -errno;
		log_err("cannot read %s: %s", path, strerror(-err));
		return err;
	}
	if (jsonl_file__init(&jf, f, REPLAY_MAX_LINE)) {
		if (!is_stdin)
			fclose(f);
		return -ENOMEM;
	}
	while ((n = jsonl_file__next(&jf, &line, &len)) > 0) {
		if (!len)
			continue;
		if (jr_parse(&rp->doc, line, len) || record_type(&rp->doc) < 0) {
			bad++;
			continue;
		}
		if (record_type(&rp->doc) != REC_OOM_KILL)
			continue;
		err = record_decode_event(&rp->doc, rp->ev, &rp->rs);
		if (err == -ENOMEM)
			break;
		if (err) {
			bad++;
			err = 0;
			continue;
		}
		if ((err = replay_event(rp)))
			break;
	}
	if (n < 0 && !err) {
		err = n;
		log_err("cannot read %s: %s", path, strerror(-err));
	}
	rp->sum.files++;
	rp->sum.bad_lines += bad;
	if (bad || jf.too_long || jf.torn)
		log_warn("%s: skipped %" PRIu64 " bad lines, %" PRIu64 " too long%s", path, bad,
			 jf.too_long, jf.torn ? ", and a torn last line" : "");
	jsonl_file__free(&jf);
	if (!is_stdin)
		fclose(f);
	return err;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts *o = calloc(1, sizeof(*o));
	struct replayer rp = { .o = o };
	const struct replay_policy_stats *kst;
	int ret = EXIT_OK, err;

	if (!o) {
		log_err("out of memory");
		return EXIT_RUNTIME;
	}
	err = parse_args(argc, argv, o);
	if (err) {
		free(o);
		return err > 0 ? EXIT_OK : EXIT_USAGE;
	}
	rp.ev = oom_event__new();
	rp.picks = calloc(o->n_policies, sizeof(*rp.picks));
	if (!rp.ev || !rp.picks ||
	    replay_summary__init(&rp.sum, o->policies, o->n_policies, o->critical, o->n_critical) ||
	    jr_doc__init(&rp.doc, REPLAY_MAX_TOKENS)) {
		log_err("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		err = read_file(&rp, argv[i]);
		if (err == -ENOMEM) {
			log_err("out of memory reading %s", argv[i]);
			ret = EXIT_RUNTIME;
			goto out;
		}
		if (err)
			ret = EXIT_RUNTIME;
	}
	if (!rp.sum.files)
		goto out;
	if (!o->json) {
		if (o->diff)
			fputs(rp.sum.disagree ? "" : "no OOM kill where a policy picks another "
			      "victim\n\n", stdout);
		replay_render_summary_text(stdout, &rp.sum);
	} else {
		fprintf(stderr, "oomtrace: replay: %" PRIu64 " OOM kills read, %" PRIu64
			" replayed, %" PRIu64 " skipped, %" PRIu64 " with a policy picking "
			"another victim\n", rp.sum.ooms, rp.sum.replayed,
			rp.sum.ooms - rp.sum.replayed, rp.sum.disagree);
	}
	kst = &rp.sum.ps[0];	/* kernel comes first */
	if (kst->differ) {
		log_err("kernel did not reproduce the recorded victim in %" PRIu64 " of %" PRIu64
			" OOM kills (first: #%" PRIu64 "): the recorded inputs or the formula are "
			"wrong", kst->differ, kst->replayed, kst->first_mismatch_seq);
		ret = EXIT_RUNTIME;
	}
out:
	if (fflush(stdout) || ferror(stdout)) {
		log_err("cannot write to stdout: %s", strerror(errno));
		ret = EXIT_RUNTIME;
	}
	jr_doc__free(&rp.doc);
	replay_summary__free(&rp.sum);
	replay_ctx__free(&rp.cx);
	free(rp.picks);
	oom_event__free(rp.ev);
	free(o);
	return ret;
}
