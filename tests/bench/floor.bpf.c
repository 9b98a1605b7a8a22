// SPDX-License-Identifier: GPL-2.0
/*
 * The floor for `make bench`: the least a libbpf OOM tracer can be. One
 * program on the same raw tracepoint oomtrace's tracepoint mode uses
 * (mark_victim), one ring buffer, nothing else: no CO-RE relocation (the
 * context is read as the raw u64 arguments), so libbpf never parses the
 * kernel's BTF, and no maps besides the ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct floor_event {
	__u64 time_ns;
	__u64 task;	/* mark_victim(struct task_struct *task, uid_t uid) */
	__u64 uid;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);	/* resized by userspace */
} events SEC(".maps");

/* a plain pointer, not struct bpf_raw_tracepoint_args: no CO-RE relocation */
SEC("raw_tp/mark_victim")
int floor_mark_victim(__u64 *ctx)
{
	struct floor_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->time_ns = bpf_ktime_get_ns();
	e->task = ctx[0];
	e->uid = ctx[1];
	bpf_ringbuf_submit(e, 0);
	return 0;
}
