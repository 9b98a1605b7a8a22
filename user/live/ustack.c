// SPDX-License-Identifier: GPL-2.0
/* The user stack of an event: unwound, merged with the frame-pointer walk, named. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ustack.h"
#include "uunwind.h"

/* x86-64 user addresses end below 2^47 (2^56 with 5-level paging) */
#define USER_ADDR_LIMIT (1ull << 56)
#define INLINE_MAX 8	/* inlined calls kept per address */

/* Add the frames of pc; false when the event's storage is full. */
static bool add_frames(struct oom_event *ev, struct usym_session *ss, uint64_t pc,
		       bool activation, uint8_t unwind, const struct oomt_ubuild *b)
{
	struct oom_frame fr[INLINE_MAX + 1];
	int n = usym_session_frames(ss, pc, activation, unwind, fr, INLINE_MAX + 1);

	for (int i = 0; i < n; i++) {
		struct oom_frame *f = oom_event__add_uframe(ev);

		if (!f) {
			ev->frames_dropped += (uint64_t)(n - i);
			return false;
		}
		*f = fr[i];
		/* no object found: what the kernel read is all there is */
		if (!f->build_id_size && b && b->status == 1) {
			memcpy(f->build_id, b->build_id, OOMT_BUILD_ID_SIZE);
			f->build_id_size = OOMT_BUILD_ID_SIZE;
			f->file_offset = b->offset_or_ip;
		}
	}
	return true;
}

static bool plausible(uint64_t ip)
{
	return ip >= 4096 && ip < USER_ADDR_LIMIT;
}

void ustack_fill(struct oom_event *ev, uint32_t pid, const char *exe, uint64_t start_code,
		 const uint64_t *ips, int n_ips, const struct oomt_ubuild *builds, int n_builds,
		 struct usym_space *space, const struct oomt_ustack *copy,
		 const struct oomt_ulinks *links)
{
	static struct uunwind_result r;
	struct usym_session *ss, *one_off = NULL;
	int fp_from = 0;

	if (n_ips > OOMT_USTACK_MAX)
		n_ips = OOMT_USTACK_MAX;
	if (n_builds > n_ips)
		n_builds = n_ips;
	if (!space->n)
		usym_space_from_maps(space, pid);
	/* the objects its dynamic linker listed at the OOM (the maps may be
	 * gone): a library no frame-pointer frame named, libc below main */
	for (uint32_t i = 0; links && i < links->n && i < OOMT_ULINKS_MAX; i++) {
		const struct oomt_ulink *l = &links->obj[i];

		if (memchr(l->name, '\0', sizeof(l->name)))	/* a cut path names no file */
			usym_space_add_linked(space, pid, l->name, l->addr, l->ld);
	}
	/* objects the capture missed (the process was gone): by build id */
	for (int i = 0; i < n_builds; i++)
		if (builds[i].status == 1 && plausible(ips[i]))
			usym_space_add_frame(space, pid, exe, ips[i], builds[i].build_id,
					     OOMT_BUILD_ID_SIZE, builds[i].offset_or_ip);
	/* the executable (a PIE's place is known to no frame): from start_code */
	if (exe && start_code)
		usym_space_add_exe(space, pid, exe, start_code);
	/* kept for the next OOM of a process with the same objects (usym.h) */
	ss = usym_session_kept(space);
	if (!ss)
		ss = one_off = usym_session_new(space);
	if (!ss)
		return;
	r.n = 0;
	if (copy && copy->size && space->n) {
		uunwind(usym_session_dwfl(ss), usym_session_unwind_state(ss), copy->tid,
			(const uint64_t *)copy->regs, copy->data, copy->size, copy->asked, &r);
		snprintf(ev->user_stack_stop, sizeof(ev->user_stack_stop), "%s", r.stop);
	}
	for (int i = 0; i < r.n; i++)
		if (!add_frames(ev, ss, r.pc[i], r.activation[i], OOM_UNWIND_DWARF, NULL))
			goto out;
	/*
	 * Where DWARF stopped early (or was not tried), the frame-pointer walk
	 * goes on from the same return address, if it passed there.
	 */
	if (r.n) {
		fp_from = n_ips;
		if (r.stop[0])
			for (int i = 0; i < n_ips; i++)
				if (ips[i] == r.pc[r.n - 1]) {
					fp_from = i + 1;
					break;
				}
	}
	for (int i = fp_from; i < n_ips; i++) {
		const struct oomt_ubuild *b = i < n_builds ? &builds[i] : NULL;

		/* without frame pointers the walk runs into data: a non-canonical
		 * address, or one outside every object known, ends the stack */
		if (!plausible(ips[i]))
			break;
		if (i > 0 && !usym_space_find(space, ips[i]) && !(b && b->status == 1))
			break;
		if (!add_frames(ev, ss, ips[i], i == 0, OOM_UNWIND_FP, b))
			break;
	}
out:
	usym_session_free(one_off);
}

int ustack_symbolize_offline(struct oom_event *ev)
{
	struct oom_frame *old, fr[INLINE_MAX + 1];
	size_t n = ev->n_user_stack;
	int resolved = 0;

	if (!n)
		return 0;
	old = malloc(n * sizeof(*old));
	if (!old)
		return -ENOMEM;
	memcpy(old, ev->user_stack, n * sizeof(*old));
	ev->n_user_stack = 0;
	for (size_t i = 0; i < n; i++) {
		const struct oom_frame *o = &old[i];
		int k = 0;

		/* what was named when recorded stays as it was */
		if (!o->sym[0] && o->build_id_size && !o->inlined)
			k = usym_offline_frames(o->build_id, o->build_id_size, o->module,
						o->file_offset, i == 0, fr, INLINE_MAX + 1);
		if (k > 0)
			resolved++;
		for (int j = 0; j < (k > 0 ? k : 1); j++) {
			struct oom_frame *f = oom_event__add_uframe(ev);

			if (!f) {
				ev->frames_dropped += (uint64_t)((k > 0 ? k : 1) - j);
				break;
			}
			if (k <= 0) {
				*f = *o;
				continue;
			}
			*f = fr[j];
			/* the recorded address, object and how it was found */
			f->addr = o->addr;
			f->unwind = o->unwind;
			if (o->module[0])
				snprintf(f->module, sizeof(f->module), "%s", o->module);
		}
	}
	free(old);
	return resolved;
}

/* Do the report's Code bytes match the task's memory at ip now? 1, 0, -errno */
static int code_matches(uint32_t pid, uint64_t ip, const uint8_t *code, int len, int at)
{
	uint8_t now[OOM_CODE_MAX];
	char path[64];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/mem", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = pread(fd, now, (size_t)len, (off_t)(ip - (uint64_t)at));
	if (r != len) {
		/* the bytes before ip may lie on an unmapped page: from ip on */
		code += at;
		len -= at;
		r = pread(fd, now, (size_t)len, (off_t)ip);
	}
	close(fd);
	if (r != len)
		return r < 0 ? -errno : -EIO;
	return !memcmp(now, code, (size_t)len);
}

int ustack_symbolize_kmsg(struct oom_event *ev, char *why, size_t size)
{
	struct oom_frame fr[INLINE_MAX + 1];
	struct usym_space *s;
	struct usym_session *ss;
	char path[64], comm[OOM_COMM_MAX] = "";
	uint32_t pid = 0;
	uint64_t ip;
	ssize_t r;
	int fd, n, err;

	why[0] = '\0';
	if (ev->n_user_stack != 1 || ev->user_stack[0].module[0] || !ev->user_stack[0].addr) {
		snprintf(why, size, "no user ip to name");
		return 0;
	}
	ip = ev->user_stack[0].addr;
	/* the CPU line's PID is the allocating thread's id */
	if (ev->trigger.has & TASK_HAS_TID)
		pid = (uint32_t)ev->trigger.tid;
	else if (ev->trigger.has & TASK_HAS_PID)
		pid = (uint32_t)ev->trigger.pid;
	if (!pid) {
		snprintf(why, size, "the report names no trigger pid");
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, size, "pid %u is gone", pid);
		return 0;
	}
	r = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	comm[r > 0 ? r : 0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	if (ev->trigger.has & TASK_HAS_COMM && strcmp(comm, ev->trigger.comm)) {
		snprintf(why, size, "pid %u is another task now", pid);
		return 0;
	}
	if (ev->user_code_len) {
		err = code_matches(pid, ip, ev->user_code, ev->user_code_len, ev->user_code_at);
		if (err <= 0) {
			if (err)
				snprintf(why, size, "cannot read pid %u's code at 0x%" PRIx64 ": %s", pid,
					 ip, strerror(-err));
			else
				snprintf(why, size, "pid %u's code at 0x%" PRIx64
					 " is not the report's Code bytes", pid, ip);
			return 0;
		}
	}
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	usym_space_init(s);
	err = usym_space_from_maps(s, pid);
	if (err < 0 || !usym_space_find(s, ip)) {
		if (err < 0)
			snprintf(why, size, "cannot read pid %u's maps: %s", pid, strerror(-err));
		else
			snprintf(why, size, "0x%" PRIx64 " is in no object of pid %u", ip, pid);
		usym_space_reset(s);
		free(s);
		return 0;
	}
	ss = usym_session_new(s);
	n = ss ? usym_session_frames(ss, ip, true, OOM_UNWIND_UNKNOWN, fr, INLINE_MAX + 1) : 0;
	usym_session_free(ss);
	usym_space_reset(s);
	free(s);
	if (n <= 0 || !fr[0].module[0]) {
		snprintf(why, size, "0x%" PRIx64 " could not be named", ip);
		return n < 0 ? n : 0;
	}
	ev->n_user_stack = 0;
	for (int i = 0; i < n; i++) {
		struct oom_frame *f = oom_event__add_uframe(ev);

		if (!f) {
			ev->frames_dropped += (uint64_t)(n - i);
			break;
		}
		*f = fr[i];
	}
	return 1;
}
