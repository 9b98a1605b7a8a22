// SPDX-License-Identifier: GPL-2.0
/* Self-protection against the OOM killer and reclaim. */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "procfs_read.h"
#include "protect.h"

/* stack the event path may use beyond what start-up touched (it uses less) */
#define STACK_HEADROOM (32 << 10)

static bool memory_locked;

static int read_adj(int *ret)
{
	char buf[16];
	int64_t v;
	int n = procfs_read_file("/proc/self/oom_score_adj", buf, sizeof(buf));

	if (n < 0)
		return n;
	if (procfs_parse_int(buf, -1000, 1000, &v))
		return -EIO;
	*ret = (int)v;
	return 0;
}

static int write_adj(const char *value)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0)
		err = -errno;
	close(fd);
	return err;
}

void protect_heap_policy(void)
{
	/*
	 * glibc raises its mmap threshold to the size of any mmapped block
	 * freed (the kernel's BTF, the recorder's scan buffers: megabytes),
	 * after which blocks that large come from the heap, and freeing them
	 * leaves holes in it. mlockall() makes a mapping resident whole, holes
	 * included. A fixed threshold keeps every large block in a mapping of
	 * its own, gone from the process once freed.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	/*
	 * The heap grows by what is asked, not 128 KiB more: the free top
	 * would be locked and resident too, a reserve no one sized.
	 */
	mallopt(M_TOP_PAD, 0);
}

bool protect_adj_min(void)
{
	int adj = 0;

	return !read_adj(&adj) && adj == -1000;
}

bool protect_memory_locked(void)
{
	return memory_locked;
}

/*
 * Sections of a shared object that nothing reads once it is loaded and
 * relocated: the unwind tables (read only by an unwinder walking our own
 * frames: C++ exceptions, pthread_cancel, backtrace(), none of which
 * oomtrace uses; user stacks are unwound from the victim's files, not from
 * our mappings) and the dynamic relocations (applied at start; a library
 * dlopen'ed later is relocated from its own). Their pages are left out of
 * the lock: should something read them after all, they come back from the
 * page cache on fault, as any unlocked page would.
 */
static bool not_read_after_start(const char *name)
{
	return !strcmp(name, ".eh_frame") || !strcmp(name, ".eh_frame_hdr") ||
	       !strcmp(name, ".gcc_except_table") || !strcmp(name, ".rela.dyn") ||
	       !strcmp(name, ".rel.dyn") || !strcmp(name, ".relr.dyn");
}

#define SKIP_MAX 8

struct skip {
	uint64_t off, end;	/* file offsets */
};

/* Section and program headers read at once (a shared object has some 30 and 10). */
#define SHDRS_MAX 128
#define PHDRS_MAX 32
#define SHSTRTAB_MAX 4096

/*
 * Whether [off, end) of the file lies in a segment loaded neither writable
 * nor executable: pages that relocation never wrote (a RELRO page, read-only
 * now, holds relocated data that dropping it would lose).
 */
static bool in_readonly_segment(const ElfW(Phdr) *ph, int n, uint64_t off, uint64_t end)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && off >= ph[i].p_offset &&
		    end <= ph[i].p_offset + ph[i].p_filesz)
			return !(ph[i].p_flags & (PF_W | PF_X));
	return false;
}

/* n bytes at off, all of them: 0, or -1 */
static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
	return pread(fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -1;
}

/*
 * The file ranges of path's not_read_after_start() sections, if path is
 * still the file mapped (inode ino): their count. The headers and the
 * section names in four reads (about 60 per object, read one by one).
 */
static int object_skips(const char *path, unsigned long long ino, struct skip *skip)
{
	/* on the stack, within what touch_stack() brought in: nothing stays */
	ElfW(Shdr) sh[SHDRS_MAX];
	ElfW(Phdr) ph[PHDRS_MAX];
	char names[SHSTRTAB_MAX];
	ElfW(Ehdr) eh;
	struct stat st;
	size_t names_len;
	int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || st.st_ino != ino || pread_all(fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    eh.e_shentsize != sizeof(sh[0]) || eh.e_shnum > SHDRS_MAX ||
	    eh.e_shstrndx >= eh.e_shnum || eh.e_phentsize != sizeof(ph[0]) ||
	    eh.e_phnum > PHDRS_MAX ||
	    pread_all(fd, sh, eh.e_shnum * sizeof(sh[0]), eh.e_shoff) ||
	    pread_all(fd, ph, eh.e_phnum * sizeof(ph[0]), eh.e_phoff))
		goto out;
	names_len = sh[eh.e_shstrndx].sh_size < sizeof(names) ? sh[eh.e_shstrndx].sh_size :
								   sizeof(names);
	if (!names_len || pread(fd, names, names_len, (off_t)sh[eh.e_shstrndx].sh_offset) !=
			  (ssize_t)names_len)
		goto out;
	names[names_len - 1] = '\0';
	for (unsigned int i = 1; i < eh.e_shnum && n < SKIP_MAX; i++) {
		if (!(sh[i].sh_flags & SHF_ALLOC) || sh[i].sh_type == SHT_NOBITS || !sh[i].sh_size ||
		    sh[i].sh_name >= names_len)
			continue;
		if (not_read_after_start(names + sh[i].sh_name) &&
		    in_readonly_segment(ph, eh.e_phnum, sh[i].sh_offset,
					sh[i].sh_offset + sh[i].sh_size))
			skip[n++] = (struct skip){ sh[i].sh_offset, sh[i].sh_offset + sh[i].sh_size };
	}
out:
	close(fd);
	return n;
}

/*
 * Lock a read-only file mapping [start, end) of file offset off, but for
 * the whole pages of skip's sections in it: those are dropped if present
 * (the fault-around of start-up brings neighbours in).
 */
static void lock_but_skips(uintptr_t start, uintptr_t end, uint64_t off, const struct skip *skip,
			   int n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), at = start;

	for (;;) {
		uintptr_t next = end, next_end = end;

		/* the lowest whole-page skipped range at or after at */
		for (int i = 0; i < n; i++) {
			uint64_t lo = skip[i].off > off ? skip[i].off - off : 0;
			uint64_t hi = skip[i].end > off ? skip[i].end - off : 0;
			uintptr_t s = (start + (uintptr_t)lo + page - 1) & ~(page - 1);
			uintptr_t e = (start + (uintptr_t)hi) & ~(page - 1);

			if (e > end)
				e = end;
			if (s < at)
				s = at;
			if (s < e && s < next) {
				next = s;
				next_end = e;
			}
		}
		if (next > at)
			mlock((void *)at, next - at);
		if (next >= end)
			return;
		/* locked with the rest by mlockall(MCL_CURRENT) if present: not any more */
		munlock((void *)next, next_end - next);
		madvise((void *)next, next_end - next, MADV_DONTNEED);
		at = next_end;
	}
}

/* shared libraries left out of the lock (protect_lock's unlocked) */
static const char *const *unlocked_libs;
static size_t n_unlocked_libs;

static bool is_unlocked_lib(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < n_unlocked_libs; i++)
		if (!strncmp(base, unlocked_libs[i], strlen(unlocked_libs[i])))
			return true;
	return false;
}

struct written_probe {
	uintptr_t start, end;	/* a mapping */
	bool written;		/* it holds pages of a writable segment */
};

static int probe_written(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct written_probe *w = arg;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;

		if (!(ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) && ph->p_type != PT_GNU_RELRO)
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		if (lo < w->end && w->start < hi) {
			w->written = true;
			return 1;
		}
	}
	return 0;
}

/*
 * Whether the mapping [start, end) (perms as in maps) holds only pages
 * never written: code, or read-only data that shares no page with a
 * writable segment or RELRO (relocated, then made read-only). Those can be
 * dropped and read back from the file. By address, through the loaded
 * objects' program headers: in the file a read-only segment's last page
 * may be the writable one's first.
 */
static bool mapping_unwritten(uintptr_t start, uintptr_t end, const char *perms)
{
	struct written_probe w = { start, end, false };

	if (strcmp(perms, "r-xp") && strcmp(perms, "r--p"))
		return false;
	dl_iterate_phdr(probe_written, &w);
	return !w.written;
}

#define UNLOCKED_MAX 32	/* mappings of unlocked libraries (5 or so each) */

struct unlocked_map {
	uintptr_t start, end;
	bool drop;
};

/*
 * Mappings of unlocked libraries: out of the lock (mlockall's MCL_ONFAULT
 * would lock their pages as they fault in), and their unwritten pages that
 * start-up brought in dropped. Their writable and RELRO pages stay locked:
 * they hold what the library wrote, and are few. Whether a mapping is
 * unwritten is decided for all of them before any is dropped: deciding
 * reads the objects' program headers, in their first mapping, and reading
 * one just dropped would fault it back in.
 */
/* the unlocked libraries' pages dropped at start, to drop again (protect_drop_unlocked) */
static struct unlocked_map dropped[UNLOCKED_MAX];
static int n_dropped;

static void leave_unlocked(struct unlocked_map *m, int n)
{
	n_dropped = 0;
	for (int i = 0; i < n; i++)
		if (m[i].drop)
			dropped[n_dropped++] = m[i];
	for (int i = 0; i < n; i++)
		if (!m[i].drop)
			mlock((void *)m[i].start, m[i].end - m[i].start);
	for (int i = 0; i < n; i++) {
		if (!m[i].drop)
			continue;
		munlock((void *)m[i].start, m[i].end - m[i].start);
		madvise((void *)m[i].start, m[i].end - m[i].start, MADV_DONTNEED);
	}
}

/*
 * Bring in (and lock) every mapping but the stack, [vdso]/[vvar] and the
 * BPF maps (resident already): as plain mlockall would, but for the
 * sections of shared objects nothing reads after start (not_read_after_start)
 * and the unlocked libraries' code and read-only data.
 */
static int populate_but_stack(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512], perms[8], last[256] = "";
	struct skip skip[SKIP_MAX];
	struct unlocked_map unlocked[UNLOCKED_MAX];
	int n_skip = 0, n_unlocked = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off, ino;
		int name = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %llu %n", &start, &end, perms, &off, &ino,
			   &name) < 5 || !name)
			continue;
		/* no access (guard gaps, a library's padding): nothing to bring in */
		if (!strncmp(perms, "---", 3) || line[name] == '[' ||
		    !strncmp(line + name, "anon_inode:", 11))
			continue;
		if (line[name] != '/' && line[name] != '\0')
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* (more than UNLOCKED_MAX: the rest are locked) */
		if (line[name] == '/' && is_unlocked_lib(line + name) && n_unlocked < UNLOCKED_MAX) {
			unlocked[n_unlocked++] = (struct unlocked_map){
				(uintptr_t)start, (uintptr_t)end,
				mapping_unwritten((uintptr_t)start, (uintptr_t)end, perms)
			};
			continue;
		}
		/* neither written nor run: where such sections are */
		if (line[name] == '/' && !strcmp(perms, "r--p")) {
			if (strcmp(last, line + name)) {
				snprintf(last, sizeof(last), "%s", line + name);
				n_skip = object_skips(last, ino, skip);
			}
			lock_but_skips((uintptr_t)start, (uintptr_t)end, off, skip, n_skip);
			continue;
		}
		/* as mlockall does, a range that cannot be brought in is passed over */
		mlock((void *)(uintptr_t)start, end - start);
	}
	fclose(f);
	leave_unlocked(unlocked, n_unlocked);
	return 0;
}

/* The stack the event path may use, in (and locked with the rest) now. */
static __attribute__((noinline)) void touch_stack(void)
{
	volatile char headroom[STACK_HEADROOM];

	for (size_t i = 0; i < sizeof(headroom); i += 1024)
		headroom[i] = 0;
}

/*
 * Everything locked and resident, as mlockall(MCL_CURRENT | MCL_FUTURE)
 * makes it, but for the stack: that brings in the whole 128 KiB the kernel
 * sets up, where the event path needs a few pages (STACK_HEADROOM, touched
 * before). MCL_ONFAULT locks the stack's pages in use; every other mapping
 * is then locked whole, but for the sections of shared objects nothing reads
 * after start (not_read_after_start): all code, data, read-only data and
 * heap stay in. Kernels before 4.4 have no MCL_ONFAULT: plain mlockall
 * there, sections included.
 */
static int lock_memory(void)
{
	touch_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) {
		if (errno != EINVAL)
			return -1;
		return mlockall(MCL_CURRENT | MCL_FUTURE);
	}
	if (populate_but_stack()) {
		int err = errno;

		munlockall();
		errno = err;
		return -1;
	}
	return 0;
}

int protect_adj(void)
{
	int err = protect_adj_min() ? 0 : write_adj("-1000");

	if (err)
		log_warn("cannot set oom_score_adj to -1000 (%s): the OOM killer may pick "
			 "oomtrace itself; run with CAP_SYS_RESOURCE to protect it", strerror(-err));
	return err;
}

int protect_lock(const char *const *unlocked, size_t n_unlocked)
{
	int err;

	unlocked_libs = unlocked;
	n_unlocked_libs = n_unlocked;
	if (lock_memory()) {
		err = -errno;
		log_warn("cannot lock memory (%s): under pressure oomtrace may be slowed by "
			 "reclaim; raise RLIMIT_MEMLOCK to avoid it", strerror(-err));
		return err;
	}
	memory_locked = true;
	return 0;
}

void protect_drop_unlocked(void)
{
	for (int i = 0; i < n_dropped; i++)
		madvise((void *)dropped[i].start, dropped[i].end - dropped[i].start, MADV_DONTNEED);
}

void protect_release(const void *p, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	uintptr_t end = ((uintptr_t)p + len) & ~((uintptr_t)page - 1);

	if (!p || end <= start)
		return;
	/* a locked page cannot be dropped: unlock just this range first */
	if (memory_locked)
		munlock((void *)start, end - start);
	madvise((void *)start, end - start, MADV_DONTNEED);
}
