/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The systemd notification protocol, without libsystemd: one datagram of
 * "KEY=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path,
 * or "@name" for the abstract namespace). Type=notify services send
 * READY=1 once they can do their job, STOPPING=1 when they begin to stop.
 */
#ifndef OOMTRACE_NOTIFY_H
#define OOMTRACE_NOTIFY_H

/* Send state; 0 sent, 1 no $NOTIFY_SOCKET (not under systemd), -errno. */
int notify_send(const char *state);

#endif
