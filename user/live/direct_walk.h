/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint mode's candidate walk with direct loads (direct_walk.c): the
 * kernel's BTF ids that bpf_rdonly_cast() (6.2+) needs, found without
 * parsing the whole kernel BTF, and the loader's step that turns the BPF
 * side's placeholder calls (OOMT_KCAST_HELPER) into calls of that kfunc.
 */
#ifndef OOMTRACE_DIRECT_WALK_H
#define OOMTRACE_DIRECT_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;
struct bpf_program;
struct bpf_link;

/* The kernel's BTF ids the walk names, and the deferred wake-up's; 0 = not there. */
struct kernel_ids {
	uint32_t rdonly_cast;	/* FUNC bpf_rdonly_cast */
	uint32_t task_struct;	/* STRUCT */
	uint32_t css;		/* STRUCT cgroup_subsys_state */
	uint32_t list_head;	/* STRUCT */
	uint32_t refcount;	/* STRUCT refcount_struct: an s32 at offset 0 */
	/* TYPEDEF btf_trace_mark_victim: wake_after_walk's attach point */
	uint32_t trace_mark_victim;
};

/* Whether every id the walk needs is there. */
bool kernel_ids_complete(const struct kernel_ids *ids);

/*
 * Add KERNEL's ids to MIN, the minimal BTF that is cached per kernel
 * (btf_cache.c), as the values of an enum no BPF type names, so that a
 * start that finds the cache finds them too. 0 or -errno.
 */
int kernel_ids_add(struct btf *min, const struct btf *kernel);

/*
 * The ids from raw minimal BTF (kernel_ids_add()'s enum) in DATA, in one
 * pass over its bytes (btf_scan_enum()), without libbpf's parse: what the
 * cache hands the loader (btf_cache_open()). 0, -ENOENT where it has none,
 * or -EINVAL.
 */
int kernel_ids_from_raw(const void *data, size_t size, struct kernel_ids *ids);

/* The same from the raw minimal BTF in file descriptor FD, through libbpf's
 * parse (the tests' reference): 0, or -ENOENT where it has none. */
int kernel_ids_from_fd(int fd, struct kernel_ids *ids);

/* The ids from the kernel's BTF file, in one pass: 0, or -errno. */
int kernel_ids_scan(struct kernel_ids *ids);

/*
 * Register the loader's handler of SEC("raw_tp/mark_victim") once, before
 * the first object opens: it patches the placeholder calls at load and
 * attaches as libbpf's own raw_tp handler does. 0 or -errno.
 */
int direct_walk_register(void);

/* The ids the next load patches in (NULL: none; the calls stay unreachable). */
void direct_walk_arm(const struct kernel_ids *ids);

/*
 * btf_min_verify()'s relocations without loading: while ON, the handler
 * stops the load as the verifier's own handlers do (libbpf 1.1 cannot tell
 * a program's object).
 */
void direct_walk_dry_run(bool on);

/*
 * The deferred wake-up's program (oomtrace.bpf.c, wake_after_walk, SEC
 * "tp_btf/mark_victim") loaded as a tp_btf program at the kernel's BTF id
 * ID (kernel_ids' trace_mark_victim), which libbpf would otherwise look up
 * in a parse of the whole kernel BTF that it makes for any tracing
 * program (60-100 ms of start-up here). Registered once, before an object
 * opens; ID 0 makes the program's load fail (the loader then loads
 * without it). 0 or -errno.
 */
int wake_prog_register(void);
void wake_prog_arm(uint32_t id);
/* Attach the program wake_prog_register() loaded: a link, or NULL and errno. */
struct bpf_link *wake_prog_attach(const struct bpf_program *prog);

/*
 * fn(arg) called where libbpf is about to load a mark_victim program: its
 * object's maps are made by then (the loader's split load starts the other
 * object's load there). NULL: none.
 */
void direct_walk_before_load(void (*fn)(void *arg), void *arg);

/* Placeholder calls patched by the loads since direct_walk_arm(): 0 where the walk reads. */
unsigned direct_walk_patched(void);

#endif
