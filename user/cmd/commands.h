/* SPDX-License-Identifier: GPL-2.0 */
/* Subcommands. Each takes argv with argv[0] = its own name, returns an exit code (log.h). */
#ifndef OOMTRACE_COMMANDS_H
#define OOMTRACE_COMMANDS_H

int cmd_trace(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_scores(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_replay(int argc, char **argv);

#endif
