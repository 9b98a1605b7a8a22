/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space symbolization through elfutils' libdwfl: the objects of a
 * process's address space (captured while it lives, or found again by build
 * id once it is gone), symbols from .symtab, .dynsym and .gnu_debugdata and
 * from separate debug files (/usr/lib/debug/.build-id, .gnu_debuglink),
 * source file:line and inlined frames from DWARF, C++/Rust names demangled.
 *
 * Nothing here runs on the kernel's OOM path: the consumer calls it after
 * the records arrived. A missing file leaves its frames unsymbolized; it is
 * never an error.
 */
#ifndef OOMTRACE_USYM_H
#define OOMTRACE_USYM_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

#define USYM_MAX_OBJECTS 128	/* objects of one address space kept */
/*
 * Their paths, packed: 128 bytes each on average (those seen are 20 to 100;
 * a path-sized slot each was 64 KiB, resident for as long as the tracer
 * runs). An object whose path does not fit is not kept, as one beyond
 * USYM_MAX_OBJECTS is not: its frames stay unsymbolized.
 */
#define USYM_PATHS_BYTES (USYM_MAX_OBJECTS * 128)

/* One ELF object mapped into a process: its file held open. */
struct usym_object {
	int fd;				/* -1: slot unused */
	const char *path;		/* as the process names it (maps), in its space's paths */
	uint64_t start, end;		/* lowest and highest executable mapping */
	uint64_t bias;			/* address - ELF vaddr */
	unsigned char build_id[20];
	uint8_t build_id_size;
};

/* A process's objects at one moment (fixed storage, fds held open). */
struct usym_space {
	uint32_t pid;
	int n;
	/* the process was killed: its maps are not read (usym_space_from_maps
	 * says 0 objects); what the capture holds names its objects */
	bool no_maps;
	struct usym_object obj[USYM_MAX_OBJECTS];
	uint32_t paths_used;
	char paths[USYM_PATHS_BYTES];
};

void usym_space_init(struct usym_space *s);
/* Close the files and forget the objects. */
void usym_space_reset(struct usym_space *s);

/*
 * The executable file mappings of /proc/PID/maps, each file opened once
 * (through /proc/PID/root: a container's own files). 0, or -errno when the
 * process is gone or its maps unreadable.
 */
int usym_space_from_maps(struct usym_space *s, uint32_t pid);

/*
 * The parser behind it: the executable file mappings of maps text (changed
 * in place), one object per path (fd -1) appended to s, with the start and
 * file offset of its first mapping in first_st/first_off (USYM_MAX_OBJECTS
 * each). Returns the objects appended.
 */
int usym_maps_parse(struct usym_space *s, char *text, uint64_t *first_st, uint64_t *first_off);

/*
 * Add the object of a frame the kernel named by build id and file offset,
 * at the address ip, when no mapping of the space covers ip: the file is
 * found by build id among the hints (the executable's path as BPF saw it,
 * may be NULL), the files seen before, and /usr/lib/debug/.build-id.
 */
void usym_space_add_frame(struct usym_space *s, uint32_t pid, const char *hint, uint64_t ip,
			  const unsigned char *build_id, int build_id_size, uint64_t file_offset);

/*
 * The executable at PATH, whose code the kernel mapped at START_CODE
 * (mm->start_code: the lowest executable PT_LOAD's address plus the load
 * bias), unless an object there is known already. A file that cannot be
 * opened (through /proc/PID/root, or as named) adds nothing.
 */
void usym_space_add_exe(struct usym_space *s, uint32_t pid, const char *path,
			uint64_t start_code);

/*
 * An object the process's dynamic linker listed (the ULINKS record):
 * loaded from PATH with load bias ADDR, its dynamic section at LD. The file
 * is opened through /proc/PID/root, then as named on the host, and kept
 * only if its PT_DYNAMIC lands at LD: the file loaded, not another one of
 * that name. Nothing is added for a path known already, an object
 * overlapping one known, or a file not found. 1 if added, else 0.
 */
int usym_space_add_linked(struct usym_space *s, uint32_t pid, const char *path, uint64_t addr,
			  uint64_t ld);

/*
 * The ELF vaddr of _r_debug in this machine's dynamic linker (0 if not
 * found): where BPF finds a process's r_debug from its AT_BASE alone, when
 * the executable's program headers are not resident (ULINKS).
 */
uint64_t usym_ldso_r_debug(void);

/* The object covering addr, or NULL. */
const struct usym_object *usym_space_find(const struct usym_space *s, uint64_t addr);

/*
 * Frames for pc, innermost first: one per inlined function, then the
 * function itself. activation: pc is where the frame stands (the first
 * frame, or a signal frame), not a return address (looked up at pc - 1).
 * Each frame gets addr, object, build id, file offset, symbol, file:line as
 * known; unwind is copied into each. Returns frames written (>= 1 unless
 * max is 0).
 */
struct usym_session;
struct usym_session *usym_session_new(const struct usym_space *s);
void usym_session_free(struct usym_session *ss);
int usym_session_frames(struct usym_session *ss, uint64_t pc, bool activation, uint8_t unwind,
			struct oom_frame *out, int max);
/* The libdwfl handle of the session (for unwinding), NULL if none. */
struct Dwfl *usym_session_dwfl(struct usym_session *ss);

/*
 * A session for s that stays after use, for the next space of the same
 * objects (the same files at the same places: forked processes): found
 * again, or made and kept (the least recently used of a few goes). Never
 * freed by the caller; its space is s until the next call. NULL for a
 * space without objects, or if none could be made (or a file of s cannot
 * be told apart by fstat): usym_session_new() then.
 */
struct usym_session *usym_session_kept(const struct usym_space *s);
/* The session's unwinding state (uunwind.h), freed with it. */
struct uunwind_state *usym_session_unwind_state(struct usym_session *ss);
/* Free the kept sessions (quiet for a while: their memory goes). */
void usym_sessions_drop(void);
/* Kept sessions made, and found again, since start. */
void usym_sessions_counts(unsigned long *made, unsigned long *reused);

/*
 * Offline: frames for an object known only by build id and file offset
 * (oomtrace report --symbolize). object: the path the record names, tried
 * first (its build id must match), may be empty. Frames written, 0 if the
 * object was not found, -ENOMEM.
 */
int usym_offline_frames(const unsigned char *build_id, int build_id_size, const char *object,
			uint64_t file_offset, bool activation, struct oom_frame *out, int max);

/* The build ids seen so far, and their files (bounded; least recently used out). */
/*
 * The objects oomtrace itself maps, known by build id (done once, at the
 * first lookup otherwise): the live tracer calls it at start, so that no
 * event pays for it.
 */
void usym_cache_seed(void);
void usym_cache_note(const unsigned char *id, int n, const char *path);
int usym_cache_lookup(const unsigned char *id, int n, char *path, size_t size);

/* name demangled into buf (C++ and Rust); name itself when it is not mangled. */
const char *usym_demangle(const char *name, char *buf, size_t size);

#endif
