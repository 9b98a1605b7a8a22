/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A start-up thread on a stack of our own, unmapped when it is joined.
 * glibc keeps the stacks of exited threads for reuse, and the live tracer
 * locks every mapping but the main stack (protect.h): a cached thread
 * stack would stay resident, whole, for as long as it runs.
 */
#ifndef OOMTRACE_TMP_THREAD_H
#define OOMTRACE_TMP_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct tmp_thread {
	pthread_t thread;
	void *stack;
	size_t stack_size;
	bool running;
};

/* Start fn(arg) on a stack of stack_size bytes: 0, or -errno (none started). */
int tmp_thread_start(struct tmp_thread *t, size_t stack_size, void *(*fn)(void *), void *arg);
/* Wait for it and unmap its stack; nothing if none runs. */
void tmp_thread_join(struct tmp_thread *t);

#endif
