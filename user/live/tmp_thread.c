// SPDX-License-Identifier: GPL-2.0
/* Start-up threads on stacks of our own (tmp_thread.h). */
#include <errno.h>
#include <sys/mman.h>

#include "tmp_thread.h"

int tmp_thread_start(struct tmp_thread *t, size_t stack_size, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int err;

	t->running = false;
	t->stack_size = stack_size;
	t->stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (t->stack == MAP_FAILED) {
		t->stack = NULL;
		return -errno;
	}
	err = pthread_attr_init(&attr);
	if (!err) {
		err = pthread_attr_setstack(&attr, t->stack, stack_size);
		if (!err)
			err = pthread_create(&t->thread, &attr, fn, arg);
		pthread_attr_destroy(&attr);
	}
	if (err) {
		munmap(t->stack, stack_size);
		t->stack = NULL;
		return -err;
	}
	t->running = true;
	return 0;
}

void tmp_thread_join(struct tmp_thread *t)
{
	if (!t->running)
		return;
	pthread_join(t->thread, NULL);
	munmap(t->stack, t->stack_size);
	t->stack = NULL;
	t->running = false;
}
