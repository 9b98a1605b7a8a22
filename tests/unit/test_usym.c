// SPDX-License-Identifier: GPL-2.0
/*
 * User-space symbolization (usym) on this test's own process: its objects
 * from its maps, a function of its own named with file and line, the same
 * frame named offline from build id and file offset, the build-id cache,
 * demangling; and user frames' new members through the record reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "jsonl_reader.h"
#include "record_reader.h"
#include "render.h"
#include "usym.h"
#include "ustack.h"

static int marker_line;

__attribute__((noinline)) static int marker(int x)
{
	marker_line = __LINE__ + 1;
	return x * 3 + (int)getpid() % 7;
}

static void test_own_frame(void **state)
{
	static struct usym_space s;
	struct oom_frame fr[9], off[9];
	uint32_t line;
	struct usym_session *ss;
	const struct usym_object *o;
	uint64_t pc = (uint64_t)(uintptr_t)&marker;
	int n;

	(void)state;
	assert_int_equal(marker(1) > 0, 1);
	usym_space_init(&s);
	assert_int_equal(usym_space_from_maps(&s, (uint32_t)getpid()), 0);
	o = usym_space_find(&s, pc);
	assert_non_null(o);
	assert_int_equal(o->build_id_size, 20);
	ss = usym_session_new(&s);
	assert_non_null(ss);
	n = usym_session_frames(ss, pc + 1, true, OOM_UNWIND_DWARF, fr, 9);
	assert_true(n >= 1);
	assert_string_equal(fr[n - 1].sym, "marker");
	assert_int_equal(fr[n - 1].offset, 1);
	assert_int_equal(fr[n - 1].unwind, OOM_UNWIND_DWARF);
	assert_non_null(strstr(fr[n - 1].file, "test_usym.c"));
	assert_true(fr[n - 1].line >= (uint32_t)marker_line - 3 &&
		    fr[n - 1].line <= (uint32_t)marker_line);
	assert_string_equal(fr[n - 1].module, o->path);
	assert_true(fr[n - 1].file_offset > 0);
	line = fr[n - 1].line;
	/* the same frame from its build id and file offset alone */
	n = usym_offline_frames(fr[0].build_id, fr[0].build_id_size, "", fr[0].file_offset, true,
				off, 9);
	assert_true(n >= 1);
	assert_string_equal(off[n - 1].sym, "marker");
	assert_int_equal(off[n - 1].line, line);
	/* an address in no object: one frame, unnamed */
	n = usym_session_frames(ss, 16, false, OOM_UNWIND_FP, fr, 9);
	assert_int_equal(n, 1);
	assert_string_equal(fr[0].sym, "");
	assert_string_equal(fr[0].module, "");
	usym_session_free(ss);
	usym_space_reset(&s);
	assert_int_equal(s.n, 0);
}

/*
 * Kept sessions: a second space of the same objects (the same files at the
 * same places, its own fds) finds the first one's session again, and it
 * names frames as a new one does; a different bias, a file changed in
 * place (its mtime) or the sessions dropped make a new one.
 */
static void test_kept_sessions(void **state)
{
	static struct usym_space s, s2, t;
	struct usym_session *a, *b, *c;
	unsigned long made0, reused0, made, reused;
	uint64_t pc = (uint64_t)(uintptr_t)&marker;
	struct oom_frame fr[9];
	char tmp[] = "/tmp/oomtrace-test-usym-XXXXXX";
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };
	int fd, n;

	(void)state;
	usym_sessions_drop();
	usym_sessions_counts(&made0, &reused0);
	usym_space_init(&s);
	usym_space_init(&s2);
	assert_int_equal(usym_space_from_maps(&s, (uint32_t)getpid()), 0);
	assert_int_equal(usym_space_from_maps(&s2, (uint32_t)getpid()), 0);
	a = usym_session_kept(&s);
	assert_non_null(a);
	assert_non_null(usym_session_unwind_state(a));
	b = usym_session_kept(&s2);
	assert_ptr_equal(a, b);
	usym_sessions_counts(&made, &reused);
	assert_int_equal(made - made0, 1);
	assert_int_equal(reused - reused0, 1);
	n = usym_session_frames(b, pc + 1, true, OOM_UNWIND_DWARF, fr, 9);
	assert_true(n >= 1);
	assert_string_equal(fr[n - 1].sym, "marker");
	/* the same address again: the kept frames, as a new session names it,
	 * with the way it was found of this call */
	{
		struct usym_session *fresh = usym_session_new(&s2);
		struct oom_frame again[9], ref[9];
		int n2 = usym_session_frames(b, pc + 1, true, OOM_UNWIND_FP, again, 9);
		int n3 = usym_session_frames(fresh, pc + 1, true, OOM_UNWIND_FP, ref, 9);

		assert_int_equal(n2, n);
		assert_int_equal(n3, n);
		for (int i = 0; i < n; i++) {
			assert_int_equal(again[i].unwind, OOM_UNWIND_FP);
			assert_memory_equal(&again[i], &ref[i], sizeof(ref[i]));
		}
		/* fewer frames allowed than an address has is never served cut */
		assert_int_equal(usym_session_frames(b, pc + 1, true, OOM_UNWIND_FP, again, 1), 1);
		usym_session_free(fresh);
	}
	/* the same objects elsewhere: another process's layout */
	s2.obj[0].bias += 0x10000;
	s2.obj[0].start += 0x10000;
	s2.obj[0].end += 0x10000;
	c = usym_session_kept(&s2);
	assert_non_null(c);
	assert_ptr_not_equal(c, a);
	/* a file rebuilt in place: same path, device and inode, new mtime */
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\177ELF", 4), 4);
	usym_space_init(&t);
	t.obj[0] = (struct usym_object){ .fd = fd, .path = tmp, .start = 0x1000, .end = 0x2000 };
	t.n = 1;
	a = usym_session_kept(&t);
	assert_non_null(a);
	assert_ptr_equal(usym_session_kept(&t), a);
	assert_int_equal(futimens(fd, times), 0);
	b = usym_session_kept(&t);
	assert_non_null(b);
	assert_ptr_not_equal(b, a);
	/* dropped: made again */
	usym_sessions_drop();
	usym_sessions_counts(&made0, &reused0);
	assert_non_null(usym_session_kept(&s));
	usym_sessions_counts(&made, &reused);
	assert_int_equal(made - made0, 1);
	usym_sessions_drop();
	t.n = 0;
	close(fd);
	unlink(tmp);
	usym_space_reset(&s);
	usym_space_reset(&s2);
}

/*
 * The executable placed from mm->start_code alone (the process gone, its
 * maps unread): this test's own start_code (/proc/self/stat, field 26)
 * must place marker() where it runs, with its name.
 */
/* An object of this process as its dynamic linker lists it, by name part. */
struct linked {
	const char *want;
	char name[512];
	uint64_t addr, ld;
};

static int find_linked(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct linked *l = arg;

	(void)size;
	if (!info->dlpi_name || !strstr(info->dlpi_name, l->want))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
			continue;
		snprintf(l->name, sizeof(l->name), "%s", info->dlpi_name);
		l->addr = info->dlpi_addr;
		l->ld = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
		return 1;
	}
	return 0;
}

/* The C library placed from the linker's list alone (the ULINKS record),
 * as when the process and its maps are gone. */
static void test_linked(void **state)
{
	static struct usym_space s;
	struct linked l = { .want = "libc.so" };
	uint64_t pc = (uint64_t)(uintptr_t)&getpid;
	const struct usym_object *o;
	char real[PATH_MAX];

	(void)state;
	assert_int_equal(dl_iterate_phdr(find_linked, &l), 1);
	usym_space_init(&s);
	/* not the file loaded: its dynamic section would be elsewhere */
	assert_int_equal(usym_space_add_linked(&s, 0, l.name, l.addr, l.ld + 16), 0);
	/* a name, not a path (the vdso's, the executable's empty one) */
	assert_int_equal(usym_space_add_linked(&s, 0, "libc.so.6", l.addr, l.ld), 0);
	assert_int_equal(usym_space_add_linked(&s, 0, "", l.addr, l.ld), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(usym_space_add_linked(&s, 0, l.name, l.addr, l.ld), 1);
	/* known: not twice, nor over it */
	assert_int_equal(usym_space_add_linked(&s, 0, l.name, l.addr, l.ld), 0);
	assert_int_equal(s.n, 1);
	o = usym_space_find(&s, pc);
	assert_non_null(o);
	assert_non_null(realpath(l.name, real));
	assert_string_equal(o->path, real);
	assert_int_equal(o->bias, l.addr);
	assert_int_equal(o->build_id_size, 20);
	usym_space_reset(&s);
}

/* Where BPF looks for r_debug from AT_BASE: _r_debug's place in ld.so. */
static void test_ldso_r_debug(void **state)
{
	struct linked l = { .want = "ld-linux" };
	void *rd = dlsym(RTLD_DEFAULT, "_r_debug");

	(void)state;
	assert_non_null(rd);
	assert_int_equal(dl_iterate_phdr(find_linked, &l), 1);
	assert_int_equal(usym_ldso_r_debug(), (uint64_t)(uintptr_t)rd - l.addr);
}

static void test_exe_from_start_code(void **state)
{
	static struct usym_space s;
	char stat[4096], exe[4096], *p;
	unsigned long long start_code = 0;
	struct oom_frame fr[9];
	struct usym_session *ss;
	uint64_t pc = (uint64_t)(uintptr_t)&marker;
	FILE *f;
	ssize_t len;
	int n;

	(void)state;
	f = fopen("/proc/self/stat", "r");
	assert_non_null(f);
	assert_non_null(fgets(stat, sizeof(stat), f));
	fclose(f);
	p = strrchr(stat, ')');	/* comm may hold spaces: fields count from ") " */
	assert_non_null(p);
	/* the space before field N is the (N - 2)th after ')': start_code is 26 */
	for (int field = 2; field < 26 && p; field++)
		p = strchr(p + 1, ' ');
	assert_non_null(p);
	start_code = strtoull(p + 1, NULL, 10);
	assert_true(start_code > 0);
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(len > 0);
	exe[len] = '\0';
	usym_space_init(&s);
	usym_space_add_exe(&s, 0, exe, start_code);
	assert_int_equal(s.n, 1);
	assert_non_null(usym_space_find(&s, pc));
	assert_int_equal(s.obj[0].build_id_size, 20);
	usym_space_add_exe(&s, 0, exe, start_code);	/* known: not twice */
	assert_int_equal(s.n, 1);
	ss = usym_session_new(&s);
	assert_non_null(ss);
	n = usym_session_frames(ss, pc + 1, true, OOM_UNWIND_DWARF, fr, 9);
	assert_true(n >= 1);
	assert_string_equal(fr[n - 1].sym, "marker");
	usym_session_free(ss);
	usym_space_reset(&s);
	/* nothing to open, or no executable code below start_code: nothing added */
	usym_space_add_exe(&s, 0, "/nonexistent/exe", start_code);
	usym_space_add_exe(&s, 0, exe, 1);
	assert_int_equal(s.n, 0);
}

/*
 * parse --symbolize: a kernel report's user RIP in this process (marker(),
 * with the bytes there as the report's Code line), named from its maps;
 * not when the Code bytes differ, the comm is another's, or the pid gone.
 */
static void test_kmsg_ip(void **state)
{
	static struct oom_event ev;
	uint64_t pc = (uint64_t)(uintptr_t)&marker + 4;
	char why[160], comm[OOM_COMM_MAX] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	struct oom_frame *fr;

	(void)state;
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	memset(&ev, 0, sizeof(ev));
	ev.trigger.tid = (int32_t)getpid();
	ev.trigger.has = TASK_HAS_TID | TASK_HAS_COMM;
	strcpy(ev.trigger.comm, comm);
	fr = oom_event__add_uframe(&ev);
	assert_non_null(fr);
	memset(fr, 0, sizeof(*fr));
	fr->addr = pc;
	/* as show_opcodes prints them: bytes before the ip, the ip's, after */
	memcpy(ev.user_code, (const void *)(uintptr_t)(pc - 4), 12);
	ev.user_code_len = 12;
	ev.user_code_at = 4;
	/* another task's comm by that pid: not named */
	strcpy(ev.trigger.comm, "not-this-one");
	assert_int_equal(ustack_symbolize_kmsg(&ev, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "another task"));
	strcpy(ev.trigger.comm, comm);
	/* other bytes at the ip */
	ev.user_code[4] ^= 0xff;
	assert_int_equal(ustack_symbolize_kmsg(&ev, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "is not the report's Code bytes"));
	assert_int_equal(ev.n_user_stack, 1);
	assert_string_equal(ev.user_stack[0].sym, "");
	ev.user_code[4] ^= 0xff;
	assert_int_equal(ustack_symbolize_kmsg(&ev, why, sizeof(why)), 1);
	assert_true(ev.n_user_stack >= 1);
	fr = &ev.user_stack[ev.n_user_stack - 1];
	assert_string_equal(fr->sym, "marker");
	assert_int_equal(fr->offset, 4);
	assert_int_equal(fr->addr, pc);
	assert_true(fr->build_id_size == 20 && fr->module[0] && fr->file_offset);
	assert_non_null(strstr(fr->file, "test_usym.c"));
	assert_int_equal(fr->unwind, OOM_UNWIND_UNKNOWN);
	/* named already: nothing more to do */
	assert_int_equal(ustack_symbolize_kmsg(&ev, why, sizeof(why)), 0);
	/* without Code bytes: by the maps and the comm alone */
	ev.n_user_stack = 0;
	fr = oom_event__add_uframe(&ev);
	memset(fr, 0, sizeof(*fr));
	fr->addr = pc;
	ev.user_code_len = 0;
	assert_int_equal(ustack_symbolize_kmsg(&ev, why, sizeof(why)), 1);
	assert_string_equal(ev.user_stack[ev.n_user_stack - 1].sym, "marker");
	/* a pid that is no process */
	ev.n_user_stack = 0;
	fr = oom_event__add_uframe(&ev);
	memset(fr, 0, sizeof(*fr));
	fr->addr = pc;
	ev.trigger.tid = 0x3ffffff0;
	assert_int_equal(ustack_symbolize_kmsg(&ev, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "is gone"));
	free(ev.user_stack);
}

static void test_missing_object(void **state)
{
	unsigned char id[20];
	struct oom_frame fr[2];

	(void)state;
	memset(id, 0xa5, sizeof(id));
	assert_int_equal(usym_offline_frames(id, 20, "/nonexistent/lib.so", 0x1000, false, fr, 2),
			 0);
	assert_int_equal(usym_offline_frames(id, 0, "", 0x1000, false, fr, 2), 0);
}

static void test_cache(void **state)
{
	unsigned char id[20] = { 1, 2, 3 };
	char path[64];

	(void)state;
	usym_cache_note(id, 20, "/a/first");
	assert_int_equal(usym_cache_lookup(id, 20, path, sizeof(path)), 0);
	assert_string_equal(path, "/a/first");
	usym_cache_note(id, 20, "/a/second");	/* the same id: replaced, not added */
	assert_int_equal(usym_cache_lookup(id, 20, path, sizeof(path)), 0);
	assert_string_equal(path, "/a/second");
	/* bounded: 300 more push the least recently used out */
	for (int i = 0; i < 300; i++) {
		unsigned char other[20] = { 9, (unsigned char)i, (unsigned char)(i >> 8) };

		usym_cache_note(other, 20, "/b");
	}
	assert_int_equal(usym_cache_lookup(id, 20, path, sizeof(path)), -ENOENT);
	assert_int_equal(usym_cache_lookup(id, 16, path, sizeof(path)), -ENOENT);
}

/* Paths share one pool: long ones push the least recently used out, and
 * what stays keeps its path through the pool's compactions. */
static void test_cache_long_paths(void **state)
{
	unsigned char keep[20] = { 7, 7, 7 };
	char path[600], want[600];
	int kept = 0;

	(void)state;
	usym_cache_note(keep, 20, "/kept/while/used");
	for (int i = 0; i < 1000; i++) {
		unsigned char id[20] = { 5, (unsigned char)i, (unsigned char)(i >> 8) };

		/* 300 to 510 bytes, each its own */
		snprintf(want, sizeof(want), "/p%04d/%0*d", i, 300 + (i * 7) % 210, i);
		usym_cache_note(id, 20, want);
		assert_int_equal(usym_cache_lookup(id, 20, path, sizeof(path)), 0);
		assert_string_equal(path, want);
		/* used all along: never the least recent */
		assert_int_equal(usym_cache_lookup(keep, 20, path, sizeof(path)), 0);
		assert_string_equal(path, "/kept/while/used");
	}
	/* the latest are there, whole; the earliest are gone */
	for (int i = 999; i >= 0; i--) {
		unsigned char id[20] = { 5, (unsigned char)i, (unsigned char)(i >> 8) };

		if (usym_cache_lookup(id, 20, path, sizeof(path)))
			break;
		snprintf(want, sizeof(want), "/p%04d/%0*d", i, 300 + (i * 7) % 210, i);
		assert_string_equal(path, want);
		kept++;
	}
	assert_true(kept >= 32);	/* CACHE_POOL / 512 at least */
	assert_true(kept < 1000);
	/* a path longer than a frame's: cut where it always was */
	memset(want, 'x', sizeof(want) - 1);
	want[0] = '/';
	want[sizeof(want) - 1] = '\0';
	usym_cache_note(keep, 20, want);
	assert_int_equal(usym_cache_lookup(keep, 20, path, sizeof(path)), 0);
	assert_int_equal(strlen(path), OOM_PATH_MAX - 1);
}

/*
 * A maps file longer than the piece it is read in (usym_space_from_maps):
 * 200 more executable mappings of our own file, each a line of its own;
 * the object's extent covers them all, however the lines fell into pieces.
 */
static void test_maps_pieces(void **state)
{
	static struct usym_space s;
	char exe[PATH_MAX];
	void *map[200];
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	const struct usym_object *o = NULL;
	long page = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(fd >= 0);
	assert_non_null(realpath("/proc/self/exe", exe));
	for (int i = 0; i < 200; i++) {
		map[i] = mmap(NULL, (size_t)page, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		assert_true(map[i] != MAP_FAILED);
		if ((uintptr_t)map[i] < lo)
			lo = (uintptr_t)map[i];
		if ((uintptr_t)map[i] + (uintptr_t)page > hi)
			hi = (uintptr_t)map[i] + (uintptr_t)page;
	}
	usym_space_init(&s);
	assert_int_equal(usym_space_from_maps(&s, (uint32_t)getpid()), 0);
	for (int i = 0; i < s.n; i++)
		if (!strcmp(s.obj[i].path, exe))
			o = &s.obj[i];
	assert_non_null(o);
	assert_true(o->start <= lo && o->end >= hi);
	/* and our own code, found through it */
	assert_ptr_equal(usym_space_find(&s, (uint64_t)(uintptr_t)&marker), o);
	usym_space_reset(&s);
	for (int i = 0; i < 200; i++)
		munmap(map[i], (size_t)page);
	close(fd);
}

/* Paths are packed in the space: those that do not fit are not kept, and
 * those kept are whole. */
static void test_maps_paths_pool(void **state)
{
	static struct usym_space s;
	static uint64_t st[USYM_MAX_OBJECTS], off[USYM_MAX_OBJECTS];
	size_t cap = 200 * 520, len = 0;
	char *text = malloc(cap), want[512];
	int n, fit = USYM_PATHS_BYTES / 401;

	(void)state;
	assert_non_null(text);
	/* 200 executable mappings of 400-byte paths: 40 fit in 16 KiB */
	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%x000-%x000 r-xp 00000000 fe:00 1 /%04d%0395d\n", 0x100 + i,
					0x101 + i, i, i);
	usym_space_init(&s);
	n = usym_maps_parse(&s, text, st, off);
	assert_int_equal(n, fit);
	assert_int_equal(s.n, fit);
	for (int i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "/%04d%0395d", i, i);
		assert_string_equal(s.obj[i].path, want);
		assert_int_equal(s.obj[i].start, (uint64_t)(0x100 + i) << 12);
	}
	usym_space_reset(&s);
	assert_int_equal(s.paths_used, 0);
	free(text);
}

static void test_demangle(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(usym_demangle("main", buf, sizeof(buf)), "main");
	assert_string_equal(usym_demangle("_ZN3foo3barEi", buf, sizeof(buf)), "foo::bar(int)");
	assert_string_equal(usym_demangle("_ZN4core3fmt5write17h0123456789abcdefE", buf,
					  sizeof(buf)), "core::fmt::write");
	assert_string_equal(usym_demangle("_RNvCs1234_7mycrate3foo", buf, sizeof(buf)),
			    "mycrate::foo");
	/* not a valid mangling: as it is */
	assert_string_equal(usym_demangle("_Zjunk", buf, sizeof(buf)), "_Zjunk");
}

/* user_stack members: written, read back the same; impossible ones refused */
static void test_frame_records(void **state)
{
	static const char *const bad[] = {
		/* an inlined call has no offset into a symbol of its own */
		"{\"ip\":\"0x10\",\"sym\":\"f\",\"sym_offset\":\"0x1\",\"inlined\":true}",
		"{\"ip\":\"0x10\",\"sym\":\"f\",\"inlined\":false,\"sym_offset\":\"0x1\"}",
		"{\"ip\":\"0x10\",\"line\":3}",				/* a line without a file */
		"{\"ip\":\"0x10\",\"file\":\"a.c\",\"line\":0}",
		"{\"ip\":\"0x10\",\"unwind\":\"lbr\"}",
		"{\"ip\":\"0x10\",\"file\":\"\"}",
	};
	const char *head = "{\"type\":\"oom_kill\",\"seq\":1,\"mode\":\"tracepoint\","
			   "\"source\":\"bpf\",\"lost_events\":0,\"user_stack\":[";
	struct oom_event *ev = oom_event__new(), *back = oom_event__new();
	struct record_strings rs;
	struct jr_doc d;
	struct oom_frame *f;
	char line[1024], *json = NULL;
	size_t len = 0;
	FILE *out;

	(void)state;
	assert_int_equal(jr_doc__init(&d, 512), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "%s%s]}", head, bad[i]);
		assert_int_equal(jr_parse(&d, line, strlen(line)), 0);
		if (record_decode_event(&d, back, &rs) == 0)
			fail_msg("accepted %s", bad[i]);
	}
	ev->seq = 1;
	ev->mode = "tracepoint";
	ev->source = "bpf";
	f = oom_event__add_uframe(ev);
	f->addr = 0x401000;
	f->inlined = true;
	f->unwind = OOM_UNWIND_DWARF;
	snprintf(f->sym, sizeof(f->sym), "touch");
	snprintf(f->module, sizeof(f->module), "/lib/x.so");
	snprintf(f->file, sizeof(f->file), "x.c");
	f->line = 17;
	f->file_offset = 0x1000;
	f = oom_event__add_uframe(ev);
	f->addr = 0x401000;
	f->offset = 0x43;
	f->unwind = OOM_UNWIND_FP;
	snprintf(f->sym, sizeof(f->sym), "f3");
	snprintf(f->module, sizeof(f->module), "/lib/x.so");
	f->file_offset = 0x1000;
	snprintf(ev->user_stack_stop, sizeof(ev->user_stack_stop), "no_cfi: x");
	out = open_memstream(&json, &len);
	render_event_json(out, ev);
	fclose(out);
	assert_int_equal(jr_parse(&d, json, len - 1), 0);
	assert_int_equal(record_decode_event(&d, back, &rs), 0);
	assert_int_equal(back->n_user_stack, 2);
	assert_true(back->user_stack[0].inlined);
	assert_int_equal(back->user_stack[0].line, 17);
	assert_string_equal(back->user_stack[0].file, "x.c");
	assert_int_equal(back->user_stack[0].unwind, OOM_UNWIND_DWARF);
	assert_int_equal(back->user_stack[1].unwind, OOM_UNWIND_FP);
	assert_int_equal(back->user_stack[1].offset, 0x43);
	assert_string_equal(back->user_stack_stop, "no_cfi: x");
	free(json);
	jr_doc__free(&d);
	oom_event__free(ev);
	oom_event__free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_frame),
		cmocka_unit_test(test_kept_sessions),
		cmocka_unit_test(test_exe_from_start_code),
		cmocka_unit_test(test_linked),
		cmocka_unit_test(test_ldso_r_debug),
		cmocka_unit_test(test_kmsg_ip),
		cmocka_unit_test(test_missing_object),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_long_paths),
		cmocka_unit_test(test_maps_paths_pool),
		cmocka_unit_test(test_maps_pieces),
		cmocka_unit_test(test_demangle),
		cmocka_unit_test(test_frame_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
