// SPDX-License-Identifier: GPL-2.0
/* User stack symbolization through /proc/PID/maps and ELF symbol tables. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdbool.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ustack.h"

struct mapping {
	uint64_t start, end, pgoff;
	char path[256];
};

#define MAX_MAPPINGS 512
/* x86-64 user addresses end below 2^47 (2^56 with 5-level paging) */
#define USER_ADDR_LIMIT (1ull << 56)

static int read_maps(uint32_t pid, struct mapping *m, int max)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long long s, e, off;
		char perms[8], file[256] = "";

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %255[^\n]", &s, &e, perms, &off,
			   file) < 4)
			continue;
		if (perms[2] != 'x' || file[0] != '/')
			continue;
		m[n].start = s;
		m[n].end = e;
		m[n].pgoff = off;
		snprintf(m[n].path, sizeof(m[n].path), "%s", file);
		n++;
	}
	fclose(f);
	return n;
}

/* File offset -> ELF virtual address through the PT_LOAD covering it. */
static int offset_to_vaddr(Elf *elf, uint64_t off, uint64_t *ret_vaddr)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			*ret_vaddr = off - ph.p_offset + ph.p_vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

static int find_symbol(Elf *elf, uint64_t vaddr, char *name, size_t size, uint64_t *ret_off)
{
	Elf_Scn *scn = NULL;
	uint64_t best = 0;
	int found = 0;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !sym.st_value || vaddr < sym.st_value)
				continue;
			if (vaddr >= sym.st_value + (sym.st_size ? sym.st_size : 1))
				continue;
			if (found && sym.st_value <= best)
				continue;
			s = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!s)
				continue;
			snprintf(name, size, "%s", s);
			best = sym.st_value;
			*ret_off = vaddr - sym.st_value;
			found = 1;
		}
	}
	return found ? 0 : -ENOENT;
}

/* Open path for libelf: 0 and the fd and handle set (close both), or -errno. */
static int elf_open(const char *path, int *ret_fd, Elf **ret_elf)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	*ret_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*ret_fd < 0)
		return -errno;
	*ret_elf = elf_begin(*ret_fd, ELF_C_READ, NULL);
	if (!*ret_elf) {
		close(*ret_fd);
		return -EINVAL;
	}
	return 0;
}

/* Symbol containing file_offset in ELF file path; 0 and name/offset set, or -errno. */
static int elf_symbolize(const char *path, uint64_t file_offset, char *name, size_t size,
			 uint64_t *ret_offset)
{
	uint64_t vaddr;
	Elf *elf;
	int fd, err;

	if ((err = elf_open(path, &fd, &elf)))
		return err;
	err = offset_to_vaddr(elf, file_offset, &vaddr);
	if (!err)
		err = find_symbol(elf, vaddr, name, size, ret_offset);
	elf_end(elf);
	close(fd);
	return err;
}

/* The GNU build id of ELF file path into buf; its length, or -errno. */
static int elf_build_id(const char *path, unsigned char *buf, size_t size)
{
	Elf_Scn *scn = NULL;
	int fd, ret;
	Elf *elf;

	if ((ret = elf_open(path, &fd, &elf)))
		return ret;
	ret = -ENOENT;
	while (ret < 0 && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4) ||
			    nh.n_descsz > size)
				continue;
			memcpy(buf, (char *)data->d_buf + desc_off, nh.n_descsz);
			ret = (int)nh.n_descsz;
			break;
		}
	}
	elf_end(elf);
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

void ustack_fill(struct oom_event *ev, uint32_t pid, const char *exe, const uint64_t *ips,
		 int n_ips, const struct oomt_ubuild *builds, int n_builds)
{
	static struct mapping maps[MAX_MAPPINGS];
	int n_maps = -1;	/* read only when a frame is not the executable's */
	unsigned char exe_id[OOMT_BUILD_ID_SIZE];
	int exe_id_len = -ENOENT;
	char exe_file[512], file[512];

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
			return;
		f->addr = ips[i];
		if (i < n_builds && builds[i].status == 1) {
			memcpy(f->build_id, builds[i].build_id, OOMT_BUILD_ID_SIZE);
			f->build_id_size = OOMT_BUILD_ID_SIZE;
			f->file_offset = builds[i].offset_or_ip;
		}
		if (build_id_matches(exe_id, exe_id_len, f)) {
			snprintf(f->module, sizeof(f->module), "%s", exe);
			if (elf_symbolize(exe_file, f->file_offset, f->sym, sizeof(f->sym),
					  &f->offset))
				f->sym[0] = '\0';
			continue;
		}
		if (n_maps < 0)
			n_maps = read_maps(pid, maps, MAX_MAPPINGS);
		if (n_maps <= 0) {
			/*
			 * The process is gone (or its maps unreadable). The kernel tied
			 * a frame to a file only if it has a build id: one without is
			 * outside every file mapping, where the walk has left the code
			 * (as below).
			 */
			if (!f->build_id_size && i > 0) {
				ev->n_user_stack--;
				break;
			}
			continue;
		}
		for (int m = 0; m < n_maps; m++) {
			if (ips[i] < maps[m].start || ips[i] >= maps[m].end)
				continue;
			if (!f->build_id_size)
				f->file_offset = ips[i] - maps[m].start + maps[m].pgoff;
			snprintf(f->module, sizeof(f->module), "%s", maps[m].path);
			/* the maps were readable: the process's root is there too */
			if (open_path(pid, maps[m].path, false, file, sizeof(file)) ||
			    elf_symbolize(file, f->file_offset, f->sym, sizeof(f->sym), &f->offset))
				f->sym[0] = '\0';
			break;
		}
		/* outside every executable mapping: the walk has left the code */
		if (!f->module[0]) {
			ev->n_user_stack--;
			break;
		}
	}
}
