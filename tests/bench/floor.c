// SPDX-License-Identifier: GPL-2.0
/*
 * floor: the minimal libbpf tracer `make bench` compares oomtrace with.
 * Opens the skeleton, sizes the ring buffer, loads, attaches one raw
 * tracepoint (mark_victim), prints "floor: ready" on stderr, and prints one
 * line per OOM victim until SIGINT/SIGTERM.
 *   floor [-r RINGBUF_KIB]   (default 4096, oomtrace's default)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "floor.skel.h"

struct floor_event {
	unsigned long long time_ns, task, uid;
};

static volatile sig_atomic_t stop;
static unsigned long long events;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct floor_event *e = data;

	(void)ctx;
	if (size < sizeof(*e))
		return 0;
	events++;
	printf("mark_victim task 0x%llx uid %llu at %llu\n", e->task, e->uid, e->time_ns);
	fflush(stdout);
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long ring_kib = 4096;
	struct ring_buffer *rb = NULL;
	struct floor_bpf *skel;
	int opt, err = 1;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r') {
			fprintf(stderr, "usage: floor [-r RINGBUF_KIB]\n");
			return 2;
		}
		ring_kib = strtoul(optarg, NULL, 10);
	}
	/* no SA_RESTART: a signal must interrupt epoll_wait */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(quiet);
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: cannot open: %s\n", strerror(errno));
		return 1;
	}
	bpf_map__set_max_entries(skel->maps.events, (unsigned int)(ring_kib << 10));
	if ((err = floor_bpf__load(skel)) || (err = floor_bpf__attach(skel))) {
		fprintf(stderr, "floor: cannot load/attach: %s\n", strerror(-err));
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		err = -errno;
		fprintf(stderr, "floor: cannot create the ring buffer reader: %s\n", strerror(-err));
		goto out;
	}
	fprintf(stderr, "floor: ready (ring %lu KiB)\n", ring_kib);
	while (!stop) {
		err = ring_buffer__poll(rb, -1);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "floor: poll: %s\n", strerror(-err));
			break;
		}
		err = 0;
	}
	fprintf(stderr, "floor: %llu events\n", events);
out:
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return err ? 1 : 0;
}
