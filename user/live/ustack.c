// SPDX-License-Identifier: GPL-2.0
/* User stack symbolization through /proc/PID/maps and ELF symbol tables. */
#include <errno.h>
#include <fcntl.h>
#include <elf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ustack.h"

/* x86-64 user addresses end below 2^47 (2^56 with 5-level paging) */
#define USER_ADDR_LIMIT (1ull << 56)

/*
 * One buffer for every read here: /proc/PID/maps, then ELF headers, symbol
 * tables and notes, read in pieces of this size. It is allocated once (in
 * .bss, resident once memory is locked) so that symbolizing never allocates
 * and never maps files: under the pressure of the OOM being traced, and
 * within a memlock limit that a mapped libc would exceed.
 */
#define SCRATCH_SIZE (16 << 10)
static unsigned char scratch[SCRATCH_SIZE] __attribute__((aligned(8)));

/* pread exactly n bytes: 0, -EIO for a short file, or -errno. */
static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		got += (size_t)r;
	}
	return 0;
}

/* A 64-bit ELF file of this machine's byte order; its header into *eh. */
static int elf_open(const char *path, int *ret_fd, Elf64_Ehdr *eh)
{
	static const unsigned char data = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ?
					  ELFDATA2LSB : ELFDATA2MSB;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = pread_full(fd, eh, sizeof(*eh), 0);
	if (!err && (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
		     eh->e_ident[EI_DATA] != data))
		err = -ENOEXEC;
	if (!err && ((eh->e_phnum && eh->e_phentsize != sizeof(Elf64_Phdr)) ||
		     (eh->e_shnum && eh->e_shentsize != sizeof(Elf64_Shdr))))
		err = -ENOEXEC;
	if (err) {
		close(fd);
		return err;
	}
	*ret_fd = fd;
	return 0;
}

/* Section header i: 0 or -errno. */
static int read_shdr(int fd, const Elf64_Ehdr *eh, size_t i, Elf64_Shdr *ret)
{
	if (i >= eh->e_shnum)
		return -ENOEXEC;
	return pread_full(fd, ret, sizeof(*ret), eh->e_shoff + i * sizeof(*ret));
}

/* File offset -> ELF virtual address through the PT_LOAD covering it. */
static int offset_to_vaddr(int fd, const Elf64_Ehdr *eh, uint64_t off, uint64_t *ret_vaddr)
{
	for (size_t i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		int err = pread_full(fd, &ph, sizeof(ph), eh->e_phoff + i * sizeof(ph));

		if (err)
			return err;
		if (ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off - ph.p_offset < ph.p_filesz) {
			*ret_vaddr = off - ph.p_offset + ph.p_vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

struct best_sym {
	bool found;
	uint64_t value;
	uint32_t name;		/* offset in the string table */
	uint32_t strtab;	/* its section index */
};

/* The function symbols of one table, read in pieces, against vaddr. */
static int scan_symbols(int fd, const Elf64_Shdr *sh, uint64_t vaddr, struct best_sym *best)
{
	const size_t per = SCRATCH_SIZE / sizeof(Elf64_Sym);
	uint64_t n = sh->sh_size / sizeof(Elf64_Sym);

	for (uint64_t i = 0; i < n; i += per) {
		size_t k = n - i < per ? (size_t)(n - i) : per;
		const Elf64_Sym *sym = (const Elf64_Sym *)scratch;
		int err = pread_full(fd, scratch, k * sizeof(*sym), sh->sh_offset + i * sizeof(*sym));

		if (err)
			return err;
		for (size_t j = 0; j < k; j++) {
			const Elf64_Sym *y = &sym[j];

			if (ELF64_ST_TYPE(y->st_info) != STT_FUNC || !y->st_value || vaddr < y->st_value ||
			    vaddr - y->st_value >= (y->st_size ? y->st_size : 1))
				continue;
			if (best->found && y->st_value <= best->value)
				continue;
			best->found = true;
			best->value = y->st_value;
			best->name = y->st_name;
			best->strtab = sh->sh_link;
		}
	}
	return 0;
}

/* The symbol containing vaddr, from .symtab and .dynsym alike. */
static int find_symbol(int fd, const Elf64_Ehdr *eh, uint64_t vaddr, char *name, size_t size,
		       uint64_t *ret_off)
{
	struct best_sym best = {};
	Elf64_Shdr sh;
	ssize_t n;
	int err;

	for (size_t i = 0; i < eh->e_shnum; i++) {
		if ((err = read_shdr(fd, eh, i, &sh)))
			return err;
		if ((sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    sh.sh_entsize != sizeof(Elf64_Sym))
			continue;
		if ((err = scan_symbols(fd, &sh, vaddr, &best)))
			return err;
	}
	if (!best.found)
		return -ENOENT;
	if ((err = read_shdr(fd, eh, best.strtab, &sh)))
		return err;
	if (sh.sh_type != SHT_STRTAB || best.name >= sh.sh_size || !size)
		return -ENOEXEC;
	/* the name ends at its NUL, or is cut at size - 1 */
	n = pread(fd, name, size - 1 < sh.sh_size - best.name ? size - 1 : sh.sh_size - best.name,
		  (off_t)(sh.sh_offset + best.name));
	if (n < 0)
		return -errno;
	name[n] = '\0';
	if (!name[0])
		return -ENOENT;
	*ret_off = vaddr - best.value;
	return 0;
}

int elf_symbolize(const char *path, uint64_t file_offset, char *name, size_t size,
		  uint64_t *ret_offset)
{
	Elf64_Ehdr eh;
	uint64_t vaddr;
	int fd, err;

	if ((err = elf_open(path, &fd, &eh)))
		return err;
	err = offset_to_vaddr(fd, &eh, file_offset, &vaddr);
	if (!err)
		err = find_symbol(fd, &eh, vaddr, name, size, ret_offset);
	close(fd);
	return err;
}

/* The GNU build id among the notes in buf (n bytes): its length, or -ENOENT. */
static int note_build_id(const unsigned char *p, size_t n, unsigned char *buf, size_t size)
{
	size_t off = 0;

	while (n - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		size_t name_off = off + sizeof(nh), desc_off, namesz, descsz;

		memcpy(&nh, p + off, sizeof(nh));
		namesz = (nh.n_namesz + 3) & ~(size_t)3;
		descsz = (nh.n_descsz + 3) & ~(size_t)3;
		if (namesz > n - name_off || descsz > n - name_off - namesz)
			break;
		desc_off = name_off + namesz;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && !memcmp(p + name_off, "GNU", 4) &&
		    nh.n_descsz <= size) {
			memcpy(buf, p + desc_off, nh.n_descsz);
			return (int)nh.n_descsz;
		}
		off = desc_off + descsz;
	}
	return -ENOENT;
}

int elf_build_id(const char *path, unsigned char *buf, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	int fd, ret;

	if ((ret = elf_open(path, &fd, &eh)))
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < eh.e_shnum && ret < 0; i++) {
		size_t n;

		if ((ret = read_shdr(fd, &eh, i, &sh)))
			break;
		ret = -ENOENT;
		if (sh.sh_type != SHT_NOTE)
			continue;
		/* a build-id note is near the start of its section */
		n = sh.sh_size < SCRATCH_SIZE ? (size_t)sh.sh_size : SCRATCH_SIZE;
		if (pread_full(fd, scratch, n, sh.sh_offset))
			continue;
		ret = note_build_id(scratch, n, buf, size);
	}
	close(fd);
	return ret;
}

/* Is id (n bytes, as read from a file) the build id BPF read for a frame? */
static bool build_id_matches(const unsigned char *id, int n, const struct oom_frame *f)
{
	/* BPF pads a shorter id (e.g. md5's 16 bytes) with zeroes */
	if (n <= 0 || !f->build_id_size || n > f->build_id_size || memcmp(id, f->build_id, (size_t)n))
		return false;
	for (int i = n; i < f->build_id_size; i++)
		if (f->build_id[i])
			return false;
	return true;
}

/*
 * An ELF file of the process by the path it knows it by: as is on this host,
 * else through /proc/PID/root (a container's own root). The caller checks
 * the build id, so a same-named file of another root is never taken.
 */
static int open_path(uint32_t pid, const char *path, bool host, char *buf, size_t size)
{
	if (host)
		snprintf(buf, size, "%s", path);
	else
		snprintf(buf, size, "/proc/%u/root%s", pid, path);
	return access(buf, R_OK) == 0 ? 0 : -ENOENT;
}

/* "START-END PERMS OFFSET DEV INODE   PATH": 0 with the parts, -EINVAL if not one. */
static int parse_maps_line(char *p, char *end, uint64_t *ret_start, uint64_t *ret_end,
			   bool *ret_exec, uint64_t *ret_pgoff, const char **ret_path)
{
	char *q;

	*end = '\0';
	errno = 0;
	*ret_start = strtoull(p, &q, 16);
	if (q == p || *q != '-')
		return -EINVAL;
	p = q + 1;
	*ret_end = strtoull(p, &q, 16);
	if (q == p || *q != ' ' || end - q < 6)
		return -EINVAL;
	*ret_exec = q[3] == 'x';
	p = q + 6;
	*ret_pgoff = strtoull(p, &q, 16);
	if (q == p || errno)
		return -EINVAL;
	for (int field = 0; field < 2; field++) {	/* dev, inode */
		while (*q == ' ')
			q++;
		while (*q && *q != ' ')
			q++;
	}
	while (*q == ' ')
		q++;
	*ret_path = q;
	return 0;
}

/*
 * One pass over /proc/PID/maps: each frame in an executable file mapping
 * gets the mapping's path as its module and, without a build id, its file
 * offset. Read with plain read() into the scratch buffer. The number of
 * executable file mappings seen, or -errno.
 */
static int map_frames(uint32_t pid, struct oom_frame *frames, size_t n)
{
	char path[64], *buf = (char *)scratch;
	size_t have = 0;
	bool skipping = false;
	int fd, found = 0;

	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf + have, SCRATCH_SIZE - 1 - have);
		char *p = buf, *end, *nl;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			found = -errno;
			break;
		}
		if (r == 0)
			break;
		end = buf + have + r;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			uint64_t start, stop, pgoff;
			const char *file;
			bool exec;

			if (!skipping && !parse_maps_line(p, nl, &start, &stop, &exec, &pgoff, &file) &&
			    exec && file[0] == '/') {
				found++;
				for (size_t i = 0; i < n; i++) {
					struct oom_frame *f = &frames[i];

					if (f->module[0] || f->addr < start || f->addr >= stop)
						continue;
					if (!f->build_id_size)
						f->file_offset = f->addr - start + pgoff;
					snprintf(f->module, sizeof(f->module), "%s", file);
				}
			}
			skipping = false;
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have == SCRATCH_SIZE - 1) {		/* a line longer than the buffer */
			skipping = true;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
	}
	close(fd);
	return found;
}

void ustack_fill(struct oom_event *ev, uint32_t pid, const char *exe, const uint64_t *ips,
		 int n_ips, const struct oomt_ubuild *builds, int n_builds)
{
	unsigned char exe_id[OOMT_BUILD_ID_SIZE];
	int exe_id_len = -ENOENT, n_maps = 0;
	bool by_exe[OOMT_USTACK_MAX] = {}, need_maps = false;
	char exe_file[512], file[512];
	size_t first = ev->n_user_stack, n = 0;
	struct oom_frame *frames;

	/*
	 * The executable BPF named, checked by build id, symbolizes its own
	 * frames without /proc/PID/maps: the process may be gone, and reading
	 * its maps contends with the OOM killer, which holds the victim's task
	 * lock while it reports the kill.
	 */
	for (int host = 1; exe && host >= 0 && exe_id_len <= 0; host--) {
		if (open_path(pid, exe, host, exe_file, sizeof(exe_file)))
			continue;
		exe_id_len = elf_build_id(exe_file, exe_id, sizeof(exe_id));
		/* the host's file of that name may be another build (a container's
		 * own /usr/bin/app): keep it only if some frame carries its id */
		bool used = false;

		for (int i = 0; i < n_builds && i < OOMT_USTACK_MAX && !used; i++) {
			struct oom_frame probe = { .build_id_size = OOMT_BUILD_ID_SIZE };

			if (builds[i].status != 1)
				continue;
			memcpy(probe.build_id, builds[i].build_id, OOMT_BUILD_ID_SIZE);
			used = build_id_matches(exe_id, exe_id_len, &probe);
		}
		if (!used)
			exe_id_len = -ENOENT;
	}
	for (int i = 0; i < n_ips && i < OOMT_USTACK_MAX; i++) {
		struct oom_frame *f;

		/* without frame pointers the walk runs into data: a non-canonical
		 * address ends the stack */
		if (ips[i] >= USER_ADDR_LIMIT || ips[i] < 4096)
			break;
		f = oom_event__add_uframe(ev);
		if (!f)
			break;
		n++;
		f->addr = ips[i];
		if (i < n_builds && builds[i].status == 1) {
			memcpy(f->build_id, builds[i].build_id, OOMT_BUILD_ID_SIZE);
			f->build_id_size = OOMT_BUILD_ID_SIZE;
			f->file_offset = builds[i].offset_or_ip;
		}
		by_exe[i] = build_id_matches(exe_id, exe_id_len, f);
		if (by_exe[i])
			snprintf(f->module, sizeof(f->module), "%s", exe);
		else
			need_maps = true;
	}
	frames = ev->user_stack + first;
	if (need_maps)
		n_maps = map_frames(pid, frames, n);
	for (size_t i = 0; i < n; i++) {
		struct oom_frame *f = &frames[i];

		if (by_exe[i]) {
			if (elf_symbolize(exe_file, f->file_offset, f->sym, sizeof(f->sym), &f->offset))
				f->sym[0] = '\0';
			continue;
		}
		if (n_maps <= 0) {
			/*
			 * The process is gone (or its maps unreadable). The kernel tied
			 * a frame to a file only if it has a build id: one without is
			 * outside every file mapping, where the walk has left the code
			 * (as below).
			 */
			if (!f->build_id_size && i > 0) {
				ev->n_user_stack = first + i;
				return;
			}
			continue;
		}
		/* outside every executable mapping: the walk has left the code */
		if (!f->module[0]) {
			ev->n_user_stack = first + i;
			return;
		}
		/* the maps were readable: the process's root is there too */
		if (open_path(pid, f->module, false, file, sizeof(file)) ||
		    elf_symbolize(file, f->file_offset, f->sym, sizeof(f->sym), &f->offset))
			f->sym[0] = '\0';
	}
}
