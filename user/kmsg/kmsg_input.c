// SPDX-License-Identifier: GPL-2.0
/* Reading kernel log lines from a file descriptor, in bounded memory. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg_input.h"

#define READ_BUF (64 * 1024)

struct kmsg_input {
	int fd;
	bool devkmsg;
	bool eof;
	bool skip_rest;		/* dropping the tail of an over-long line */
	uint64_t boot_wall_ns;
	uint64_t truncated;
	uint64_t bytes;
	char *buf;		/* read buffer: [start, end) not yet consumed */
	size_t start, end;
	/* the logical line held back until we know no continuation follows */
	bool has_pending;
	struct kmsg_line pending;
	char *pend;		/* its text (pending.text points here) */
	size_t pend_len;
	char *out;		/* the line handed out (swapped with pend) */
	char line[KMSG_INPUT_LINE_MAX + 1];	/* one physical line */
};

struct kmsg_input *kmsg_input__new(int fd, bool devkmsg, uint64_t boot_wall_ns)
{
	struct kmsg_input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->buf = malloc(READ_BUF);
	in->pend = malloc(KMSG_INPUT_JOIN_MAX + 1);
	in->out = malloc(KMSG_INPUT_JOIN_MAX + 1);
	if (!in->buf || !in->pend || !in->out) {
		kmsg_input__free(in);
		return NULL;
	}
	in->fd = fd;
	in->devkmsg = devkmsg;
	in->boot_wall_ns = boot_wall_ns;
	return in;
}

void kmsg_input__free(struct kmsg_input *in)
{
	if (!in)
		return;
	free(in->buf);
	free(in->pend);
	free(in->out);
	free(in);
}

bool kmsg_input__eof(const struct kmsg_input *in)
{
	return in->eof;
}

void kmsg_input__rewind_eof(struct kmsg_input *in)
{
	in->eof = false;
}

uint64_t kmsg_input__truncated(const struct kmsg_input *in)
{
	return in->truncated;
}

uint64_t kmsg_input__bytes(const struct kmsg_input *in)
{
	return in->bytes;
}

/* 1 when readable, 0 on timeout, -errno */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int n;

	if (timeout_ms < 0)
		return 1;	/* a blocking read waits by itself */
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return -errno;
	return n > 0;
}

/* /dev/kmsg: one record per read(); dictionary lines after the first \n are dropped. */
static int next_record(struct kmsg_input *in, struct kmsg_line *ret, int timeout_ms)
{
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	ssize_t n;
	char *nl;

	for (;;) {
		n = read(in->fd, in->line, sizeof(in->line) - 1);
		if (n >= 0)
			break;
		if (errno == EINTR)
			return -EINTR;
		if (errno != EAGAIN)
			return -errno;	/* EPIPE: overwritten before we read them */
		if (!timeout_ms)
			return 0;	/* every record read */
		n = poll(&pfd, 1, timeout_ms);
		if (n < 0)
			return -errno;
		if (!n)
			return 0;
	}
	if (n == 0) {
		in->eof = true;
		return 0;
	}
	in->bytes += (uint64_t)n;
	in->line[n] = '\0';
	nl = strchr(in->line, '\n');
	if (nl)
		*nl = '\0';
	kmsg_line_split(in->line, (size_t)(nl ? nl - in->line : n), ret);
	if (ret->has_ktime && in->boot_wall_ns) {
		ret->has_wall = true;
		ret->wall_ns = in->boot_wall_ns + ret->ktime_us * 1000;
	}
	return 1;
}

/*
 * The next physical line into in->line. 1 with a line, 0 when none is
 * complete (need more data, or at the end), -errno.
 */
static int take_physical(struct kmsg_input *in, size_t *ret_len)
{
	char *s = in->buf + in->start, *nl;
	size_t avail = in->end - in->start, n;

	nl = memchr(s, '\n', avail);
	if (in->skip_rest) {
		if (!nl) {
			in->start = in->end = 0;
			return 0;
		}
		in->skip_rest = false;
		in->start += (size_t)(nl - s) + 1;
		return take_physical(in, ret_len);
	}
	if (nl) {
		n = (size_t)(nl - s);
	} else if (avail >= KMSG_INPUT_LINE_MAX) {
		n = avail;	/* no newline in sight: cut it here */
	} else if (in->eof && avail) {
		n = avail;	/* the last line has no newline */
	} else {
		return 0;
	}
	if (n > KMSG_INPUT_LINE_MAX) {
		in->truncated++;
		memcpy(in->line, s, KMSG_INPUT_LINE_MAX);
		in->line[KMSG_INPUT_LINE_MAX] = '\0';
		*ret_len = KMSG_INPUT_LINE_MAX;
		if (nl) {
			in->start += n + 1;
		} else {
			in->start = in->end = 0;
			in->skip_rest = !in->eof;
		}
		return 1;
	}
	if (!nl && avail >= KMSG_INPUT_LINE_MAX) {
		in->truncated++;
		in->skip_rest = true;
	}
	memcpy(in->line, s, n);
	in->line[n] = '\0';
	*ret_len = n;
	in->start += nl ? n + 1 : n;
	return 1;
}

/* Read more into the buffer. 1 read something, 0 timeout, -errno; sets eof. */
static int fill(struct kmsg_input *in, int timeout_ms)
{
	ssize_t n;
	int err;

	if (in->start) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	err = wait_readable(in->fd, timeout_ms);
	if (err <= 0)
		return err;
	n = read(in->fd, in->buf + in->end, READ_BUF - in->end);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n == 0) {
		in->eof = true;
		return 1;
	}
	in->bytes += (uint64_t)n;
	in->end += (size_t)n;
	return 1;
}

/* Hand out the held-back line and hold nothing. */
static int release_pending(struct kmsg_input *in, struct kmsg_line *ret)
{
	char *t = in->out;

	in->out = in->pend;
	in->pend = t;
	*ret = in->pending;
	ret->text = in->out;
	in->has_pending = false;
	return 1;
}

static void hold(struct kmsg_input *in, const struct kmsg_line *l)
{
	size_t n = l->len < KMSG_INPUT_JOIN_MAX ? l->len : KMSG_INPUT_JOIN_MAX;

	memcpy(in->pend, l->text, n);
	in->pend[n] = '\0';
	in->pending = *l;
	in->pending.text = in->pend;
	in->pending.len = n;
	in->pend_len = n;
	in->has_pending = true;
}

/* dmesg's continuation: no prefix, indented, after a "[stamp]" line */
static bool continues(const struct kmsg_input *in, const struct kmsg_line *l)
{
	return in->has_pending && in->pending.bracket_stamp && !l->prefixed && l->lead > 0 &&
	       l->len > 0;
}

/* A saved /dev/kmsg dump's dictionary line: " SUBSYSTEM=pci" */
static bool kmsg_dict_line(const struct kmsg_input *in, const char *raw)
{
	const char *p = raw + 1;

	if (!in->has_pending || !in->pending.kmsg_record || raw[0] != ' ')
		return false;
	while ((*p >= 'A' && *p <= 'Z') || *p == '_')
		p++;
	return p > raw + 1 && *p == '=';
}

static void append_continuation(struct kmsg_input *in, const char *raw)
{
	size_t strip = 0, n;

	/* dmesg indents by the width of the stamp it printed; more is the message's */
	while ((raw[strip] == ' ' || raw[strip] == '\t') && strip < in->pending.prefix_width)
		strip++;
	n = strlen(raw + strip);
	if (in->pend_len + 1 + n > KMSG_INPUT_JOIN_MAX) {
		in->truncated++;
		return;
	}
	in->pend[in->pend_len++] = '\n';
	memcpy(in->pend + in->pend_len, raw + strip, n + 1);
	in->pend_len += n;
	in->pending.len = in->pend_len;
}

int kmsg_input__next(struct kmsg_input *in, struct kmsg_line *ret, int timeout_ms)
{
	struct kmsg_line l;
	char raw[KMSG_INPUT_LINE_MAX + 1];
	size_t len;
	int err;

	if (in->devkmsg)
		return next_record(in, ret, timeout_ms);
	for (;;) {
		err = take_physical(in, &len);
		if (err > 0) {
			memcpy(raw, in->line, len + 1);
			if (kmsg_dict_line(in, raw))
				continue;
			kmsg_line_split(in->line, len, &l);
			if (continues(in, &l)) {
				append_continuation(in, raw);
				continue;
			}
			if (in->has_pending) {
				release_pending(in, ret);
				hold(in, &l);
				return 1;
			}
			hold(in, &l);
			continue;
		}
		if (in->eof) {
			if (in->has_pending)
				return release_pending(in, ret);
			return 0;
		}
		err = fill(in, timeout_ms);
		if (err < 0)
			return err;
		if (!err) {
			/* quiet: what we hold is complete as far as anyone can tell */
			if (in->has_pending)
				return release_pending(in, ret);
			return 0;
		}
	}
}
