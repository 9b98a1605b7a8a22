// SPDX-License-Identifier: GPL-2.0
/* oomtrace: explain Linux OOM kills. main() only dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "log.h"

struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcommand subcommands[] = {
	{ "trace", cmd_trace, "live: one block (or JSON line) per OOM kill (default)" },
	{ "doctor", cmd_doctor, "what this kernel allows, which mode would be used" },
	{ "scores", cmd_scores, "who the OOM killer would pick now, and why" },
	{ "record", cmd_record, "always-on recording of every OOM kill to durable files" },
	{ "report", cmd_report, "summaries of recorded events, or one of them again" },
	{ "parse", cmd_parse, "kernel-log OOM reports (dmesg, journal, /dev/kmsg) as events" },
	{ "replay", cmd_replay, "recorded OOM kills' victims under other selection policies" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: oomtrace [SUBCOMMAND] [options]\n\nsubcommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\n'oomtrace SUBCOMMAND --help' shows its options; without a "
		     "subcommand, oomtrace traces.\n");
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
			 !strcmp(argv[1], "-h"))) {
		usage(stdout);
		fputc('\n', stdout);
		/* the default subcommand's options belong in the top-level help */
		char *trace_help[] = { "trace", "--help", NULL };
		return cmd_trace(2, trace_help);
	}
	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
			if (!strcmp(argv[1], subcommands[i].name))
				return subcommands[i].run(argc - 1, argv + 1);
		log_err("unknown subcommand '%s' (see 'oomtrace --help')", argv[1]);
		return EXIT_USAGE;
	}
	/* no subcommand: trace, with argv[0] standing in as its name */
	argv[0] = "trace";
	return cmd_trace(argc, argv);
}
