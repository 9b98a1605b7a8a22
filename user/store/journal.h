/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `record --journal`: each oom_kill event also goes to systemd-journald, by
 * its native protocol (systemd's JOURNAL_NATIVE_PROTOCOL), without
 * libsystemd (which Debian ships without a static library): one datagram
 * to /run/systemd/journal/socket holding the fields, KEY=value lines, or
 * KEY, a newline, a 64-bit little-endian length and the bytes for a value
 * with a newline in it; an entry too large for a datagram goes as a sealed
 * memfd passed with SCM_RIGHTS.
 *
 * MESSAGE is one line ("OOM kill: pid 4242 \"java\" (pod shop/cart-7d9
 * container app) in memcg /kubepods/..., 1.9 GiB rss, points 1203"),
 * PRIORITY 3, SYSLOG_IDENTIFIER oomtrace, MESSAGE_ID JOURNAL_MESSAGE_ID, and
 * OOMTRACE_* fields for the victim, the trigger, the domain and the names:
 *   journalctl MESSAGE_ID=d5aa47a91d2940369e27e1ef1af23bf3 OOMTRACE_VICTIM_COMM=java
 *
 * The entry is built in storage allocated at start: sending allocates
 * nothing (except the memfd of an oversized entry).
 */
#ifndef OOMTRACE_JOURNAL_H
#define OOMTRACE_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define JOURNAL_MESSAGE_ID "d5aa47a91d2940369e27e1ef1af23bf3"
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_ENTRY_MAX (64u << 10)

struct journal {
	int fd;
	char path[108];		/* sun_path */
	char *buf;		/* the entry being built */
	size_t len, cap;
	bool overflow;		/* a field did not fit: the entry is cut there */
	bool failing;		/* the last send failed (warned once per failing run) */
	uint64_t sent, failed;
};

/* A datagram socket for path (NULL: JOURNAL_SOCKET); 0 or -errno (-ENOMEM). */
int journal__init(struct journal *j, const char *path);
void journal__free(struct journal *j);
/* Build ev's entry into j->buf (j->len): for the tests, and journal__send. */
void journal__build(struct journal *j, const struct oom_event *ev);
/*
 * Send ev's entry: 0, or -errno (the first failure of a run of them warns,
 * naming the socket; every one is counted in j->failed).
 */
int journal__send(struct journal *j, const struct oom_event *ev);

#endif
