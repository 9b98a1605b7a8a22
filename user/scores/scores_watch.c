// SPDX-License-Identifier: GPL-2.0
/* The refreshing terminal view of `oomtrace scores --watch`. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clock_now.h"
#include "log.h"
#include "scores_watch.h"
#include "write_all.h"

#define ENTER_SCREEN "\033[?1049h\033[?25l"	/* alternate screen, hide cursor */
#define LEAVE_SCREEN "\033[?25h\033[?1049l"
#define HOME "\033[H"
#define CLEAR_EOL "\033[K"
#define CLEAR_BELOW "\033[J"
#define KEY_CTRL_C 3

static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t resized;

static void on_quit(int sig)
{
	quit_signal = sig;
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

struct term {
	struct termios saved;
	bool raw;
	bool screen;
	int rows, cols;
};

static void term_size(struct term *t)
{
	struct winsize ws;

	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		t->rows = ws.ws_row;
		t->cols = ws.ws_col;
	} else {
		t->rows = 24;
		t->cols = 80;
	}
}

/*
 * Keys arrive one by one, unechoed; Ctrl-C arrives as a byte (ISIG off) so
 * it quits through the same path as q, and the screen is always restored.
 */
static int term_enter(struct term *t)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &t->saved))
		return -errno;
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw))
		return -errno;
	t->raw = true;
	if (write_all(STDOUT_FILENO, ENTER_SCREEN, strlen(ENTER_SCREEN)))
		return -EIO;
	t->screen = true;
	term_size(t);
	return 0;
}

static void term_leave(struct term *t)
{
	if (t->screen)
		write_all(STDOUT_FILENO, LEAVE_SCREEN, strlen(LEAVE_SCREEN));
	if (t->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t->saved);
	t->screen = t->raw = false;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Append text's lines to the frame, each clipped to the width and cleared to its end. */
static void add_lines(FILE *frame, const char *text, int cols, int *row, int max_rows)
{
	const char *l = text;

	while (*l && *row < max_rows) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);

		if (*row > 0)
			fputs("\r\n", frame);
		fwrite(l, 1, len > (size_t)cols ? (size_t)cols : len, frame);
		fputs(CLEAR_EOL, frame);
		(*row)++;
		if (!nl)
			break;
		l = nl + 1;
	}
}

/* Render one ranking into a string with a stream; NULL on ENOMEM. */
static char *render(void (*fn)(FILE *, const struct score_set *, const struct scores_view *),
		    const struct score_set *s, const struct scores_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fn(f, s, v);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void header_fn(FILE *f, const struct score_set *s, const struct scores_view *v)
{
	(void)v;
	scores_render_header(f, s);
}

static int draw(const struct term *t, const struct score_set *s, const struct scores_view *v,
		unsigned int interval_ms)
{
	char *head = NULL, *table = NULL, *foot = NULL, *frame = NULL, title[256], now[32];
	struct scores_view tv = *v;
	size_t frame_len = 0;
	int row = 0, room, ret = -ENOMEM;
	time_t tt = time(NULL);
	struct tm tm;
	FILE *f;

	strftime(now, sizeof(now), "%H:%M:%S", localtime_r(&tt, &tm));
	snprintf(title, sizeof(title), "oomtrace scores  every %u.%us  %s  q quits\n",
		 interval_ms / 1000, interval_ms % 1000 / 100, now);
	head = render(header_fn, s, v);
	foot = render(scores_render_footer, s, v);
	if (!head || !foot)
		goto out;
	/* the rows that fit between the header and the footer */
	room = t->rows - 2 - (int)count_lines(head) - (int)count_lines(foot);
	if (room < 1)
		room = 1;
	if (!tv.top || tv.top > (size_t)room)
		tv.top = (size_t)room;
	table = render(scores_render_table, s, &tv);
	if (!table)
		goto out;
	f = open_memstream(&frame, &frame_len);
	if (!f)
		goto out;
	fputs(HOME, f);
	add_lines(f, title, t->cols, &row, t->rows);
	add_lines(f, head, t->cols, &row, t->rows);
	add_lines(f, table, t->cols, &row, t->rows);
	add_lines(f, foot, t->cols, &row, t->rows);
	fputs(CLEAR_BELOW, f);
	if (fclose(f))
		goto out;
	/* one write per frame: the terminal never shows half of one */
	ret = write_all(STDOUT_FILENO, frame, frame_len);
out:
	free(head);
	free(table);
	free(foot);
	free(frame);
	return ret;
}

/* Wait up to ms for a key; true when it asks to quit. */
static bool wait_key(int ms)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	uint64_t start = mono_ns();

	for (;;) {
		int left, r;
		char c;

		left = ms - (int)mono_ms_since(start);
		if (left <= 0 || quit_signal || resized)
			return quit_signal != 0;
		r = poll(&pfd, 1, left);
		if (r < 0 && errno != EINTR)
			return true;
		if (r <= 0)
			continue;
		if (read(STDIN_FILENO, &c, 1) != 1)
			return true;	/* the terminal went away */
		if (c == 'q' || c == 'Q' || c == KEY_CTRL_C)
			return true;
		if (c == ' ')
			return false;	/* refresh now */
	}
}

int scores_watch(const struct scores_config *cfg, const struct scores_view *v,
		 unsigned int interval_ms)
{
	struct sigaction quit = { .sa_handler = on_quit }, winch = { .sa_handler = on_winch };
	struct term t = {};
	char err[1024] = "";
	int ret = EXIT_OK, r;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		log_err("--watch needs a terminal (use --json for scripts)");
		return EXIT_USAGE;
	}
	/* no SA_RESTART: a signal must cut the wait short */
	sigaction(SIGINT, &quit, NULL);
	sigaction(SIGTERM, &quit, NULL);
	sigaction(SIGHUP, &quit, NULL);
	sigaction(SIGWINCH, &winch, NULL);
	r = term_enter(&t);
	if (r) {
		term_leave(&t);
		log_err("cannot set up the terminal: %s", strerror(-r));
		return EXIT_RUNTIME;
	}
	while (!quit_signal) {
		struct score_set s;

		if (resized) {
			resized = 0;
			term_size(&t);
		}
		r = scores_collect(cfg, &s, err, sizeof(err));
		if (r) {
			ret = EXIT_RUNTIME;
			break;
		}
		r = draw(&t, &s, v, interval_ms);
		score_set__free(&s);
		if (r) {
			snprintf(err, sizeof(err), "cannot draw: %s", strerror(-r));
			ret = EXIT_RUNTIME;
			break;
		}
		if (wait_key((int)interval_ms))
			break;
	}
	term_leave(&t);
	if (ret != EXIT_OK)
		log_err("%s", err);
	return ret;
}
