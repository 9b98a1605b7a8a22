/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF object's large maps (its LRU hash maps and the ring buffer),
 * created by a thread while start-up does its other work, and handed to
 * libbpf (bpf_map__reuse_fd) before it loads the object. A preallocated
 * LRU map costs its creation about a microsecond per element here
 * (cmdlines: 4096 x 776 bytes, some 5 ms of a 2-CPU guest's start-up; the
 * five together some 9 ms), the ring buffer its zeroed pages: created by
 * libbpf, one after the other, they sat on the path to the ready line.
 * The split load's heavy object has its small arrays made here too
 * (map_early_own()), so that the other object need not wait for its load.
 */
#ifndef OOMTRACE_MAP_EARLY_H
#define OOMTRACE_MAP_EARLY_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

struct bpf_object;

/*
 * The command lines' cache as this kernel can have it (oomtrace.h,
 * OOMT_CMDLINES_RT): a hash allocated at run time where tracing programs
 * may use one (kernel_hash_alloc_in_tracing()), else the preallocated LRU
 * hash the object defines. The one definition: the loader gives the
 * object's map this one, and map_early makes it so.
 */
void cmdlines_map_def(enum bpf_map_type *type, uint32_t *flags, uint32_t *entries);

/* Start creating them (a thread), the ring buffer of ringbuf_bytes;
 * harmless if it cannot. */
void map_early_start(uint32_t ringbuf_bytes);
/*
 * The maps made, into obj's maps of the same name and definition (type,
 * key, value, entries, flags) that obj would create (autocreate, and no fd
 * set yet): libbpf creates the others, and any that differ, itself. Waits
 * for those, helping the thread with the ones it has not started; the rest
 * it goes on making. Any number of times (a load tried again, another mode,
 * the split load's second object).
 */
void map_early_use(struct bpf_object *obj);
/*
 * The arrays obj would create itself (its global data, .rodata with the
 * values set and frozen, and its plain arrays), made now and handed to it
 * (bpf_map__reuse_fd), rather than in its load, after its relocation:
 * another object can take them at once. 0, or -errno of the first that
 * could not be made (libbpf makes it in obj's load).
 */
int map_early_own(struct bpf_object *obj);
/* Has obj every map it would create (nothing left for its load to make)? */
bool map_early_complete(struct bpf_object *obj);
/* Our fds closed: the loaded programs hold the maps they use. */
void map_early_done(void);

#endif
