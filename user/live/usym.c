// SPDX-License-Identifier: GPL-2.0
/* User-space symbolization through libdwfl (see usym.h). */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <libiberty/demangle.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usym.h"
#include "uunwind.h"

/* src into dst, cut to fit: paths and names are copied, never parsed */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- build id -> file cache ---------------------------------------------------- */

/*
 * CACHE_SLOTS build ids, least recently used out; their paths packed in
 * one pool rather than a path-sized slot each (256 x 512 bytes, resident
 * for as long as the tracer runs, for paths of 40 to 100 bytes). A path
 * that does not fit pushes the least recently used out too, so the pool
 * holds CACHE_SLOTS paths of CACHE_POOL / CACHE_SLOTS bytes on average.
 */
#define CACHE_SLOTS 256
#define CACHE_POOL (CACHE_SLOTS * 128)

static struct {
	unsigned char id[20];
	uint8_t n;		/* 0: free slot */
	uint16_t len;		/* of the path at pool[off], NUL not counted */
	uint32_t off;
	uint64_t used;
} cache[CACHE_SLOTS];
static char cache_pool[CACHE_POOL];
static uint32_t cache_pool_end;	/* bytes of the pool used, freed paths included */
static uint64_t cache_clock;

/* The live paths moved to the front of the pool, in their order there. */
static void cache_compact(void)
{
	uint32_t end = 0;

	for (;;) {
		int next = -1;

		for (int i = 0; i < CACHE_SLOTS; i++)
			if (cache[i].n && cache[i].off >= end &&
			    (next < 0 || cache[i].off < cache[next].off))
				next = i;
		if (next < 0)
			break;
		memmove(cache_pool + end, cache_pool + cache[next].off, cache[next].len + 1u);
		cache[next].off = end;
		end += cache[next].len + 1u;
	}
	cache_pool_end = end;
}

/* The least recently used slot in use, or -1. */
static int cache_lru(void)
{
	int lru = -1;

	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].n && (lru < 0 || cache[i].used < cache[lru].used))
			lru = i;
	return lru;
}

void usym_cache_note(const unsigned char *id, int n, const char *path)
{
	size_t len = strnlen(path, OOM_PATH_MAX - 1);
	int slot = -1;

	if (n <= 0 || n > 20 || !path[0])
		return;
	/* the same id: replaced, not added */
	for (int i = 0; i < CACHE_SLOTS; i++)
		if (cache[i].n == n && !memcmp(cache[i].id, id, (size_t)n))
			cache[i].n = 0;
	for (;;) {
		int used = 0, lru;

		slot = -1;
		for (int i = 0; i < CACHE_SLOTS; i++) {
			if (cache[i].n)
				used += cache[i].len + 1;
			else if (slot < 0)
				slot = i;
		}
		if (slot >= 0 && (size_t)used + len + 1 <= CACHE_POOL) {
			if (cache_pool_end + len + 1 > CACHE_POOL)
				cache_compact();
			break;
		}
		lru = cache_lru();
		if (lru < 0)
			return;		/* (cannot be: one path always fits) */
		cache[lru].n = 0;
	}
	memcpy(cache_pool + cache_pool_end, path, len);
	cache_pool[cache_pool_end + len] = '\0';
	memcpy(cache[slot].id, id, (size_t)n);
	cache[slot].n = (uint8_t)n;
	cache[slot].off = cache_pool_end;
	cache[slot].len = (uint16_t)len;
	cache[slot].used = ++cache_clock;
	cache_pool_end += (uint32_t)len + 1;
}

int usym_cache_lookup(const unsigned char *id, int n, char *path, size_t size)
{
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].n && cache[i].n == n && !memcmp(cache[i].id, id, (size_t)n)) {
			cache[i].used = ++cache_clock;
			copy_str(path, size, cache_pool + cache[i].off);
			return 0;
		}
	}
	return -ENOENT;
}

const char *usym_demangle(const char *name, char *buf, size_t size)
{
	char *d;

	if (strncmp(name, "_Z", 2) && strncmp(name, "_R", 2))
		return name;
	d = cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
	if (!d)
		return name;
	copy_str(buf, size, d);
	free(d);
	return buf;
}

/* ---- ELF helpers ---------------------------------------------------------------- */

/* The NT_GNU_BUILD_ID note's bytes in data (notes); their length, or -1. */
static int notes_build_id(Elf_Data *data, unsigned char *id)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	while (data && (next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && nh.n_descsz > 0 &&
		    nh.n_descsz <= 20 && !memcmp((const char *)data->d_buf + name_off, "GNU", 4)) {
			memcpy(id, (const char *)data->d_buf + desc_off, nh.n_descsz);
			return (int)nh.n_descsz;
		}
		off = next;
	}
	return -1;
}

/*
 * The GNU build id of an ELF file; its length, or -1. Read with libelf
 * alone, from the PT_NOTE segments, else the SHT_NOTE sections (a file
 * without program headers, or notes outside them): this runs when a process's objects
 * are captured, while it may be exiting, and libdw's code is not locked
 * (session.c, unlocked_libs), libelf's is.
 */
static int elf_build_id(Elf *elf, unsigned char *id)
{
	size_t n_ph = 0;
	int n = -1;

	if (!elf_getphdrnum(elf, &n_ph) && n_ph) {
		for (size_t i = 0; i < n_ph && n < 0; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_NOTE && ph.p_filesz)
				n = notes_build_id(elf_getdata_rawchunk(elf, (int64_t)ph.p_offset,
									ph.p_filesz,
									ph.p_align == 8 ? ELF_T_NHDR8
											: ELF_T_NHDR),
						   id);
		}
	}
	for (Elf_Scn *scn = NULL; n < 0 && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE)
			n = notes_build_id(elf_getdata(scn, NULL), id);
	}
	return n;
}

/*
 * An ELF file opened to read a few headers and notes: read as asked
 * (pread), not mapped whole. A mapping costs its munmap's TLB shootdown,
 * tens of microseconds on a paravirtualized machine, for each object of
 * each OOM's trigger, twice.
 */
static Elf *elf_headers(int fd)
{
	elf_version(EV_CURRENT);
	return elf_begin(fd, ELF_C_READ, NULL);
}

static int fd_build_id(int fd, unsigned char *id)
{
	Elf *elf = elf_headers(fd);
	int n;

	if (!elf)
		return -1;
	n = elf_build_id(elf, id);
	elf_end(elf);
	return n;
}

/*
 * The load bias of a file mapped at start from file offset pgoff: address -
 * ELF vaddr, through the PT_LOAD that covers pgoff. 0 and *bias set, or -1.
 */
static int elf_bias(Elf *elf, uint64_t start, uint64_t pgoff, uint64_t *bias)
{
	size_t n;
	int ret = -1;

	if (!elf_getphdrnum(elf, &n)) {
		for (size_t i = 0; i < n && ret; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			/* the mapping starts at the page holding p_offset */
			if (pgoff < (ph.p_offset & ~4095ull) || pgoff >= ph.p_offset + ph.p_filesz)
				continue;
			*bias = start - pgoff + ph.p_offset - ph.p_vaddr;
			ret = 0;
		}
	}
	return ret;
}

/*
 * File offset -> ELF vaddr (to_vaddr) or back, through the PT_LOAD that
 * holds it: the file bytes of a segment for an offset, its memory image
 * (bss too) for a vaddr.
 */
static int load_translate(Elf *elf, uint64_t in, bool to_vaddr, uint64_t *out)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (to_vaddr && in >= ph.p_offset && in < ph.p_offset + ph.p_filesz) {
			*out = in - ph.p_offset + ph.p_vaddr;
			return 0;
		}
		if (!to_vaddr && in >= ph.p_vaddr && in < ph.p_vaddr + ph.p_memsz) {
			*out = in - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -1;
}

static int off_to_vaddr(Elf *elf, uint64_t off, uint64_t *vaddr)
{
	return load_translate(elf, off, true, vaddr);
}

static int vaddr_to_off(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	return load_translate(elf, vaddr, false, off);
}

/* Open path if its build id is id: the fd, or -1. */
static int open_checked(const char *path, const unsigned char *id, int n)
{
	unsigned char got[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fd_build_id(fd, got) != n || memcmp(got, id, (size_t)n)) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool root_is_host(uint32_t pid);

/* Our own maps, for the paths of the objects loaded (usym_cache_seed()). */
struct seed_maps {
	const char *text;
	long page;
};

/* The GNU build id in a loaded PT_NOTE segment [p, p + size): its length, or -1. */
static int note_build_id(const unsigned char *p, size_t size, size_t align, unsigned char *id)
{
	size_t off = 0;

	while (off + 12 <= size) {
		uint32_t namesz, descsz, type;
		size_t name_off = off + 12, desc_off;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		if (namesz > size || descsz > size)
			return -1;
		desc_off = name_off + ((namesz + align - 1) & ~(align - 1));
		if (desc_off + descsz > size)
			return -1;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(p + name_off, "GNU", 4)) {
			if (!descsz || descsz > 20)
				return -1;
			memcpy(id, p + desc_off, descsz);
			return (int)descsz;
		}
		off = desc_off + ((descsz + align - 1) & ~(align - 1));
	}
	return -1;
}

/*
 * One object of ours (dl_iterate_phdr): its build id from its notes in
 * memory, its path from the maps line that maps its first segment (the
 * path the maps of a process give, as usym_space_from_maps() notes them).
 */
static int seed_one(struct dl_phdr_info *info, size_t size, void *arg)
{
	const struct seed_maps *m = arg;
	unsigned char id[20];
	uint64_t first = UINT64_MAX;
	char key[32], path[OOM_PATH_MAX];
	const char *line;
	int n = -1;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && ph->p_vaddr < first)
			first = ph->p_vaddr;
		if (ph->p_type == PT_NOTE && n < 0)
			n = note_build_id((const unsigned char *)(info->dlpi_addr + ph->p_vaddr),
					  ph->p_memsz, ph->p_align == 8 ? 8 : 4, id);
	}
	if (n <= 0 || first == UINT64_MAX)
		return 0;
	snprintf(key, sizeof(key), "%" PRIx64 "-",
		 (uint64_t)(info->dlpi_addr + first) & ~(uint64_t)(m->page - 1));
	for (line = m->text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *file;
		size_t len;

		if (strncmp(line, key, strlen(key)))
			continue;
		file = strchr(line, '/');
		len = strcspn(file ? file : "", "\n");
		if (!file || file > strchr(line, '\n') || len >= sizeof(path))
			return 0;
		memcpy(path, file, len);
		path[len] = '\0';
		usym_cache_note(id, n, path);
		return 0;
	}
	return 0;
}

/*
 * The objects oomtrace itself maps (the C library, the loader) are the
 * host's most common ones: known by build id from the start. Their build
 * ids from their notes, loaded with them: no file to open or parse.
 */
void usym_cache_seed(void)
{
	static bool seeded;
	/* some 60 lines; once, and freed: the live tracer seeds before it
	 * locks its memory */
	const size_t text_size = 64 << 10;
	struct seed_maps m = { .page = sysconf(_SC_PAGESIZE) };
	size_t len = 0;
	ssize_t r;
	char *text;
	int fd;

	if (seeded)
		return;
	seeded = true;
	if (!root_is_host((uint32_t)getpid()))
		return;
	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	text = malloc(text_size);
	if (!text) {
		close(fd);
		return;
	}
	while (len < text_size - 1 && (r = read(fd, text + len, text_size - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	text[len] = '\0';
	m.text = text;
	dl_iterate_phdr(seed_one, &m);
	free(text);
}

/* The library directories of the loader's default search, for DT_NEEDED. */
static const char *const lib_dirs[] = {
#if defined(__aarch64__)
	"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
#else
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
#endif
	"/lib64", "/usr/lib64", "/lib", "/usr/lib",
};

static void note_file(const char *path)
{
	unsigned char id[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return;
	n = fd_build_id(fd, id);
	if (n > 0)
		usym_cache_note(id, n, path);
	close(fd);
}

/*
 * The libraries an executable needs (DT_NEEDED), where the loader would
 * look for them (its DT_RUNPATH or DT_RPATH, $ORIGIN, the default
 * directories), into the build-id cache: a frame's library is found by its
 * build id although the process, and with it its maps, is gone.
 */
static void note_needed(const char *exe)
{
	static char last[OOM_PATH_MAX];
	char origin[OOM_PATH_MAX], runpath[1024] = "", path[OOM_PATH_MAX + 64];
	const char *needed[64];
	int n_needed = 0, fd;
	Elf_Scn *scn = NULL;
	Elf *elf;

	if (!strcmp(last, exe))
		return;
	copy_str(last, sizeof(last), exe);
	copy_str(origin, sizeof(origin), exe);
	if (strrchr(origin, '/'))
		*strrchr(origin, '/') = '\0';
	fd = open(exe, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Dyn dyn;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			const char *str;

			if (!gelf_getdyn(data, (int)i, &dyn))
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH && dyn.d_tag != DT_RPATH)
				continue;
			str = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val);
			if (!str)
				continue;
			if (dyn.d_tag == DT_NEEDED && n_needed < 64)
				needed[n_needed++] = str;
			else if (dyn.d_tag != DT_NEEDED)
				copy_str(runpath, sizeof(runpath), str);
		}
	}
	for (int i = 0; i < n_needed; i++) {
		char dirs[1024], *save = NULL;

		if (strchr(needed[i], '/'))
			continue;
		copy_str(dirs, sizeof(dirs), runpath);
		for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
			if (!strncmp(d, "$ORIGIN", 7))
				snprintf(path, sizeof(path), "%s%s/%s", origin, d + 7, needed[i]);
			else if (!strncmp(d, "${ORIGIN}", 9))
				snprintf(path, sizeof(path), "%s%s/%s", origin, d + 9, needed[i]);
			else
				snprintf(path, sizeof(path), "%s/%s", d, needed[i]);
			note_file(path);
		}
		for (size_t d = 0; d < sizeof(lib_dirs) / sizeof(lib_dirs[0]); d++) {
			snprintf(path, sizeof(path), "%s/%s", lib_dirs[d], needed[i]);
			note_file(path);
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
}

/*
 * The file of build id id: hint (as is, then under /proc/PID/root when pid
 * is not 0), the cache, /usr/lib/debug/.build-id/xx/rest (a -dbgsym
 * package's link to the object) and .../rest.debug (the debug file alone:
 * its program headers and symbols are enough to name a frame). The fd, its
 * path in path; or -1.
 */
static int find_by_build_id(const unsigned char *id, int n, const char *hint, uint32_t pid,
			    char *path, size_t size)
{
	char hex[41], buf[OOM_PATH_MAX + 32];
	int fd;

	if (n <= 0 || n > 20)
		return -1;
	if (hint && hint[0] == '/') {
		if ((fd = open_checked(hint, id, n)) >= 0) {
			copy_str(path, size, hint);
			return fd;
		}
		snprintf(buf, sizeof(buf), "/proc/%u/root%s", pid, hint);
		if (pid && (fd = open_checked(buf, id, n)) >= 0) {
			copy_str(path, size, hint);
			return fd;
		}
	}
	usym_cache_seed();
	for (int pass = 0; pass < 2; pass++) {
		if (!usym_cache_lookup(id, n, buf, sizeof(buf)) &&
		    (fd = open_checked(buf, id, n)) >= 0) {
			copy_str(path, size, buf);
			return fd;
		}
		/* not seen yet: the libraries the executable needs */
		if (pass || !hint || hint[0] != '/')
			break;
		note_needed(hint);
	}
	for (int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	for (int dbg = 0; dbg < 2; dbg++) {
		snprintf(buf, sizeof(buf), "/usr/lib/debug/.build-id/%.2s/%s%s", hex, hex + 2,
			 dbg ? ".debug" : "");
		if ((fd = open_checked(buf, id, n)) >= 0) {
			char real[OOM_PATH_MAX];
			ssize_t l = dbg ? -1 : readlink(buf, real, sizeof(real) - 1);

			/* the link names the object's own path (relative to the link) */
			if (l > 0 && real[0] != '/')
				l = -1;
			if (l > 0)
				real[l] = '\0';
			copy_str(path, size, l > 0 ? real : buf);
			return fd;
		}
	}
	return -1;
}

/* ---- the dynamic linker ---------------------------------------------------------- */

/* The host's dynamic linker, as executables name it (PT_INTERP). */
#if defined(__aarch64__)
#define LDSO_PATH "/lib/ld-linux-aarch64.so.1"
#else
#define LDSO_PATH "/lib64/ld-linux-x86-64.so.2"
#endif

uint64_t usym_ldso_r_debug(void)
{
	uint64_t value = 0;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int fd = open(LDSO_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	while (elf && !value && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, (int)i, &sym))
				break;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name && !strcmp(name, "_r_debug") && sym.st_shndx != SHN_UNDEF) {
				value = sym.st_value;
				break;
			}
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return value;
}

/* ---- address spaces ------------------------------------------------------------- */

void usym_space_init(struct usym_space *s)
{
	s->n = 0;
	s->pid = 0;
	s->paths_used = 0;
	s->no_maps = false;
}

/* path (cut at OOM_PATH_MAX - 1, as ever) into s's paths; NULL if full. */
static const char *space_path(struct usym_space *s, const char *path)
{
	size_t len = strnlen(path, OOM_PATH_MAX - 1);
	char *p;

	if (s->paths_used + len + 1 > sizeof(s->paths))
		return NULL;
	p = s->paths + s->paths_used;
	memcpy(p, path, len);
	p[len] = '\0';
	s->paths_used += (uint32_t)len + 1;
	return p;
}

void usym_space_reset(struct usym_space *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->obj[i].fd >= 0)
			close(s->obj[i].fd);
	s->n = 0;
	s->pid = 0;
	s->paths_used = 0;
	s->no_maps = false;
}

static struct usym_object *find_path(struct usym_space *s, const char *path)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->obj[i].path, path))
			return &s->obj[i];
	return NULL;
}

int usym_maps_parse(struct usym_space *s, char *text, uint64_t *first_st, uint64_t *first_off)
{
	int n = 0;

	for (char *line = text, *next; line && *line; line = next) {
		unsigned long long st, en, off;
		char perms[8] = "", file[OOM_PATH_MAX] = "";
		struct usym_object *o;
		const char *kept;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %511[^\n]", &st, &en, perms, &off,
			   file) < 5 || strlen(perms) < 3 || perms[2] != 'x' || file[0] != '/' ||
		    st >= en)
			continue;
		if ((o = find_path(s, file))) {
			if (st < o->start)
				o->start = st;
			if (en > o->end)
				o->end = en;
			continue;
		}
		if (s->n >= USYM_MAX_OBJECTS || !(kept = space_path(s, file)))
			break;
		o = &s->obj[s->n];
		memset(o, 0, sizeof(*o));
		o->fd = -1;
		o->start = st;
		o->end = en;
		o->path = kept;
		first_st[n] = st;
		first_off[n] = off;
		n++;
		/* counted in the space for find_path, opened below */
		s->n++;
	}
	return n;
}

/* Whether process pid sees the host's root (not a container's). */
static bool root_is_host(uint32_t pid)
{
	char link[64], root[8];
	ssize_t r;

	snprintf(link, sizeof(link), "/proc/%u/root", pid);
	r = readlink(link, root, sizeof(root));
	return r == 1 && root[0] == '/';
}

/* Open the file of o as process pid sees it; host: its root is the host's. */
static int open_object(struct usym_object *o, uint32_t pid, bool host, uint64_t st,
		       uint64_t off)
{
	char buf[OOM_PATH_MAX + 32];
	Elf *elf;
	int n;

	snprintf(buf, sizeof(buf), "/proc/%u/root%s", pid, o->path);
	o->fd = open(buf, O_RDONLY | O_CLOEXEC);
	/* gone by now: the host's file is the same where the roots are */
	if (o->fd < 0 && host)
		o->fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (o->fd < 0)
		return -1;
	/* its bias and build id from one reading of its headers */
	elf = elf_headers(o->fd);
	if (!elf || elf_bias(elf, st, off, &o->bias)) {
		if (elf)
			elf_end(elf);
		close(o->fd);
		o->fd = -1;
		return -1;
	}
	n = elf_build_id(elf, o->build_id);
	o->build_id_size = n > 0 ? (uint8_t)n : 0;
	elf_end(elf);
	/* remembered by the host path only when that is the same file */
	if (host && o->build_id_size)
		usym_cache_note(o->build_id, o->build_id_size, o->path);
	return 0;
}

#define MAPS_PIECE 8192	/* a maps line is at most a path (4095) and 80 bytes more */

int usym_space_from_maps(struct usym_space *s, uint32_t pid)
{
	/*
	 * Read and parsed a piece at a time, in fixed storage: this runs when
	 * a process's first record arrives, on the event path, where nothing
	 * may allocate (it took a 256 KiB block per call, and cut the file
	 * there). Each piece's lines are parsed as it comes, microseconds
	 * against a dying process's maps emptying.
	 */
	static char piece[MAPS_PIECE];
	static uint64_t first_st[USYM_MAX_OBJECTS], first_off[USYM_MAX_OBJECTS];
	bool skip_line = false, host;
	char mpath[64];
	size_t have = 0;
	ssize_t r;
	int fd, n = 0;

	elf_version(EV_CURRENT);
	/* tests: as when the process is gone before its maps could be read */
	if (getenv("OOMTRACE_USTACK_NO_MAPS") && pid != (uint32_t)getpid())
		return -ESRCH;
	if (s->no_maps)
		return 0;
	host = root_is_host(pid);
	snprintf(mpath, sizeof(mpath), "/proc/%u/maps", pid);
	fd = open(mpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	s->pid = pid;
	while (s->n < USYM_MAX_OBJECTS) {
		char *end;

		r = read(fd, piece + have, sizeof(piece) - 1 - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0)
			have += (size_t)r;
		piece[have] = '\0';
		/* (a line longer than a piece: not a file mapping we could
		 * open; dropped up to its end) */
		if (skip_line) {
			char *nl = strchr(piece, '\n');

			if (nl) {
				have -= (size_t)(nl + 1 - piece);
				memmove(piece, nl + 1, have + 1);
				skip_line = false;
			} else {
				have = 0;
			}
		}
		end = r > 0 ? strrchr(piece, '\n') : piece + have;
		if (end) {
			size_t used = (size_t)(end - piece) + (r > 0);

			*end = '\0';
			n += usym_maps_parse(s, piece, first_st + n, first_off + n);
			have -= used;
			memmove(piece, piece + used, have);
		} else if (have == sizeof(piece) - 1) {
			have = 0;
			skip_line = true;
		}
		if (r <= 0)
			break;
	}
	close(fd);
	/* then the files, keeping those that open and map as seen */
	int kept = s->n - n;

	for (int i = 0; i < n; i++) {
		struct usym_object o = s->obj[s->n - n + i];

		if (open_object(&o, pid, host, first_st[i], first_off[i]))
			continue;
		s->obj[kept++] = o;
	}
	s->n = kept;
	return s->n ? 0 : -ENOENT;
}

const struct usym_object *usym_space_find(const struct usym_space *s, uint64_t addr)
{
	for (int i = 0; i < s->n; i++)
		if (addr >= s->obj[i].start && addr < s->obj[i].end)
			return &s->obj[i];
	return NULL;
}

/* An object's extent in the process: its loadable segments, at o->bias. */
static void set_extent(struct usym_object *o, Elf *elf)
{
	size_t n;

	o->start = UINT64_MAX;
	if (elf_getphdrnum(elf, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_vaddr + o->bias < o->start)
			o->start = ph.p_vaddr + o->bias;
		if (ph.p_vaddr + ph.p_memsz + o->bias > o->end)
			o->end = ph.p_vaddr + ph.p_memsz + o->bias;
	}
}

void usym_space_add_exe(struct usym_space *s, uint32_t pid, const char *path,
			uint64_t start_code)
{
	uint64_t lowest_x = UINT64_MAX;
	char buf[OOM_PATH_MAX + 32];
	struct usym_object *o;
	const char *kept;
	size_t n;
	Elf *elf;
	int fd = -1, bid;

	if (!path || path[0] != '/' || !start_code || usym_space_find(s, start_code) ||
	    s->n >= USYM_MAX_OBJECTS)
		return;
	snprintf(buf, sizeof(buf), "/proc/%u/root%s", pid, path);
	if (pid)
		fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	elf = elf_headers(fd);
	if (!elf || elf_getphdrnum(elf, &n)) {
		if (elf)
			elf_end(elf);
		close(fd);
		return;
	}
	/* load_elf_binary(): start_code is the lowest vaddr of an executable
	 * PT_LOAD, plus the load bias */
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD &&
		    ph.p_flags & PF_X && ph.p_vaddr < lowest_x)
			lowest_x = ph.p_vaddr;
	}
	if (lowest_x == UINT64_MAX || lowest_x > start_code || !(kept = space_path(s, path))) {
		elf_end(elf);
		close(fd);
		return;
	}
	o = &s->obj[s->n++];
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->bias = start_code - lowest_x;
	o->path = kept;
	set_extent(o, elf);
	bid = elf_build_id(elf, o->build_id);
	o->build_id_size = bid > 0 ? (uint8_t)bid : 0;
	elf_end(elf);
}

/* The ELF vaddr of the file's PT_DYNAMIC, or -1. */
static int dynamic_vaddr(Elf *elf, uint64_t *vaddr)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_DYNAMIC) {
			*vaddr = ph.p_vaddr;
			return 0;
		}
	}
	return -1;
}

/* Whether [start, end) overlaps an object of s. */
static bool overlaps(const struct usym_space *s, uint64_t start, uint64_t end)
{
	for (int i = 0; i < s->n; i++)
		if (s->obj[i].start < end && start < s->obj[i].end)
			return true;
	return false;
}

int usym_space_add_linked(struct usym_space *s, uint32_t pid, const char *path, uint64_t addr,
			  uint64_t ld)
{
	/* (static: realpath(path, NULL) allocated, on the event path) */
	static char resolved[PATH_MAX];
	char buf[OOM_PATH_MAX + 32], opath[OOM_PATH_MAX], *real = NULL;
	struct usym_object o = { .fd = -1, .path = opath, .bias = addr };
	bool pid_root_used = false;
	uint64_t dyn;
	Elf *elf = NULL;
	int bid;

	if (path[0] != '/' || s->n >= USYM_MAX_OBJECTS)
		return 0;
	/* the process's view first (a container's files), then the host's */
	for (int pass = 0; pass < 2 && !elf; pass++) {
		if (!pass && !pid)
			continue;
		if (!pass)
			snprintf(buf, sizeof(buf), "/proc/%u/root%s", pid, path);
		o.fd = open(pass ? path : buf, O_RDONLY | O_CLOEXEC);
		if (o.fd < 0)
			continue;
		elf = elf_headers(o.fd);
		/* the same file as the one loaded: its dynamic section lands
		 * where the linker saw it */
		if (!elf || dynamic_vaddr(elf, &dyn) || dyn + addr != ld) {
			if (elf)
				elf_end(elf);
			elf = NULL;
			close(o.fd);
			o.fd = -1;
		}
		pid_root_used = elf && !pass;
	}
	if (!elf)
		return 0;
	/* on the host's root, named as its maps name it: the linker's path
	 * may go through a link (/lib -> usr/lib) */
	if (!pid_root_used || root_is_host(pid))
		real = realpath(path, resolved);
	copy_str(opath, sizeof(opath), real && real[0] == '/' ? real : path);
	set_extent(&o, elf);
	/* known already (from the maps), or in the way of what is */
	if (o.start >= o.end || find_path(s, opath) || overlaps(s, o.start, o.end) ||
	    !(o.path = space_path(s, opath))) {
		elf_end(elf);
		close(o.fd);
		return 0;
	}
	bid = elf_build_id(elf, o.build_id);
	o.build_id_size = bid > 0 ? (uint8_t)bid : 0;
	elf_end(elf);
	s->obj[s->n++] = o;
	return 1;
}

void usym_space_add_frame(struct usym_space *s, uint32_t pid, const char *hint, uint64_t ip,
			  const unsigned char *build_id, int build_id_size, uint64_t file_offset)
{
	char path[OOM_PATH_MAX];
	struct usym_object *o;
	const char *kept;
	uint64_t vaddr;
	Elf *elf;
	int fd;

	if (usym_space_find(s, ip) || s->n >= USYM_MAX_OBJECTS || build_id_size <= 0)
		return;
	for (int i = 0; i < s->n; i++)	/* already found through another frame */
		if (s->obj[i].build_id_size == build_id_size &&
		    !memcmp(s->obj[i].build_id, build_id, (size_t)build_id_size))
			return;
	elf_version(EV_CURRENT);
	fd = find_by_build_id(build_id, build_id_size, hint, pid, path, sizeof(path));
	if (fd < 0)
		return;
	elf = elf_headers(fd);
	if (!elf || off_to_vaddr(elf, file_offset, &vaddr) || !(kept = space_path(s, path))) {
		if (elf)
			elf_end(elf);
		close(fd);
		return;
	}
	o = &s->obj[s->n++];
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->bias = ip - vaddr;
	o->path = kept;
	memcpy(o->build_id, build_id, (size_t)build_id_size);
	o->build_id_size = (uint8_t)build_id_size;
	set_extent(o, elf);
	elf_end(elf);
}

/* ---- libdwfl sessions ------------------------------------------------------------ */

static char *debuginfo_path;	/* NULL: libdwfl's default, /usr/lib/debug and beside the file */

/*
 * Separate debug files: libdwfl's standard search (by build id, then by
 * name and .gnu_debuglink, then the debuginfod servers) where servers are
 * configured (DEBUGINFOD_URLS: report --symbolize). Without (the live
 * tracer unsets it, assemble.c), by build id only: elfutils before 0.189
 * dlopens libdebuginfod, and with it libcurl, gnutls, libcrypto and more
 * (7 MiB on Debian 12), at the first search past the build id, servers or
 * not: on the event path, and locked resident for good after.
 */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	const char *urls = getenv("DEBUGINFOD_URLS");

	if (urls && urls[0])
		return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
						    debuglink_file, debuglink_crc,
						    debuginfo_file_name);
	return dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name,
					    debuglink_file, debuglink_crc, debuginfo_file_name);
}

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

/*
 * A kept session's frames, by address: OOM after OOM the same code
 * allocates, and libdwfl finds an address's symbol by a scan of the whole
 * symbol table (dwfl_module_addrinfo), a fifth of the consumer's time per
 * OOM with the session kept. Direct-mapped; a slot holds one address's
 * frames (its inlined calls and itself).
 */
#define FRAME_MEMO_SLOTS 64

struct frame_memo {
	uint64_t pc;
	bool activation;
	int n;			/* 0: empty */
	struct oom_frame *fr;
};

/* What makes a space's objects the same files at the same places. */
struct usym_ident {
	uint64_t start, end, bias;
	uint64_t dev, ino, size;
	int64_t mtime_ns;
	uint64_t path_hash;
};

struct usym_session {
	Dwfl *dwfl;
	const struct usym_space *space;
	/* the state its unwinds attach (one per session: uunwind.h) */
	struct uunwind_state *unwind;
	/* a kept session (usym_session_kept): the identity of the objects it
	 * was made for */
	int n_ids;
	struct usym_ident *ids;
	uint64_t last_used;
	struct frame_memo *memo;	/* a kept session's frames by address */
};

struct usym_session *usym_session_new(const struct usym_space *s)
{
	struct usym_session *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return NULL;
	elf_version(EV_CURRENT);
	ss->space = s;
	ss->dwfl = dwfl_begin(&callbacks);
	if (!ss->dwfl) {
		free(ss);
		return NULL;
	}
	/* none (no memory): uunwind() says so, the frame-pointer frames stay */
	ss->unwind = uunwind_state_new();
	dwfl_report_begin(ss->dwfl);
	for (int i = 0; i < s->n; i++) {
		const struct usym_object *o = &s->obj[i];
		int fd = dup(o->fd);

		/* libdwfl owns (and closes) the fd it is given; with add_p_vaddr
		 * the base is the load bias */
		if (fd < 0)
			continue;
		if (!dwfl_report_elf(ss->dwfl, o->path, o->path, fd, o->bias, true)) {
			close(fd);
		}
	}
	dwfl_report_end(ss->dwfl, NULL, NULL);
	return ss;
}

void usym_session_free(struct usym_session *ss)
{
	if (!ss)
		return;
	dwfl_end(ss->dwfl);
	/* after dwfl_end: the state is its thread callbacks' argument */
	uunwind_state_free(ss->unwind);
	free(ss->ids);
	for (int i = 0; ss->memo && i < FRAME_MEMO_SLOTS; i++)
		free(ss->memo[i].fr);
	free(ss->memo);
	free(ss);
}

/* ---- sessions kept between events ------------------------------------------------ */

/*
 * A session costs most of the consumer's time per OOM: every object's ELF
 * opened and mapped (and, the memory being locked, its pages locked and
 * unlocked again), its symbol table sorted, its CFI read. Processes forked
 * from one parent (a service's workers, a test's children) have the same
 * objects at the same places, OOM after OOM: their session is kept and
 * used again. The identity compared is every object's place, bias, file
 * (device, inode, size, mtime) and path: a file replaced or rebuilt in
 * place makes a new session. The sessions go when events have been quiet
 * for a while (usym_sessions_drop).
 */
#define USYM_SESSIONS_KEPT 2

static struct usym_session *kept[USYM_SESSIONS_KEPT];
static uint64_t kept_clock;
static unsigned long kept_made, kept_reused;

static uint64_t path_hash(const char *p)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (; p && *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return h;
}

/* The identity of s's objects into ids (s->n of them); false if a file cannot be told. */
static bool space_ident(const struct usym_space *s, struct usym_ident *ids)
{
	for (int i = 0; i < s->n; i++) {
		const struct usym_object *o = &s->obj[i];
		struct stat st;

		if (o->fd < 0 || fstat(o->fd, &st))
			return false;
		ids[i] = (struct usym_ident){
			.start = o->start, .end = o->end, .bias = o->bias,
			.dev = (uint64_t)st.st_dev, .ino = (uint64_t)st.st_ino,
			.size = (uint64_t)st.st_size,
			.mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
			.path_hash = path_hash(o->path),
		};
	}
	return true;
}

struct usym_session *usym_session_kept(const struct usym_space *s)
{
	struct usym_ident *ids;
	struct usym_session *ss;
	int slot = 0;

	if (!s->n)	/* nothing to keep */
		return NULL;
	ids = calloc((size_t)s->n, sizeof(*ids));
	if (!ids)
		return NULL;
	if (!space_ident(s, ids)) {
		free(ids);
		return NULL;
	}
	for (int i = 0; i < USYM_SESSIONS_KEPT; i++) {
		ss = kept[i];
		if (ss && ss->n_ids == s->n && !memcmp(ss->ids, ids, (size_t)s->n * sizeof(*ids))) {
			free(ids);
			ss->space = s;
			ss->last_used = ++kept_clock;
			kept_reused++;
			return ss;
		}
		if (!kept[i] || (kept[slot] && kept[i]->last_used < kept[slot]->last_used))
			slot = i;
	}
	ss = usym_session_new(s);
	if (ss)
		ss->memo = calloc(FRAME_MEMO_SLOTS, sizeof(*ss->memo));
	if (!ss || !ss->unwind || !ss->memo) {
		usym_session_free(ss);
		free(ids);
		return NULL;
	}
	ss->ids = ids;
	ss->n_ids = s->n;
	ss->last_used = ++kept_clock;
	usym_session_free(kept[slot]);
	kept[slot] = ss;
	kept_made++;
	return ss;
}

struct uunwind_state *usym_session_unwind_state(struct usym_session *ss)
{
	return ss ? ss->unwind : NULL;
}

void usym_sessions_drop(void)
{
	for (int i = 0; i < USYM_SESSIONS_KEPT; i++) {
		usym_session_free(kept[i]);
		kept[i] = NULL;
	}
}

void usym_sessions_counts(unsigned long *made, unsigned long *reused)
{
	*made = kept_made;
	*reused = kept_reused;
}

struct Dwfl *usym_session_dwfl(struct usym_session *ss)
{
	return ss ? ss->dwfl : NULL;
}

static void copy_name(struct oom_frame *f, const char *name)
{
	char buf[1024];

	copy_str(f->sym, sizeof(f->sym), usym_demangle(name, buf, sizeof(buf)));
}

/* The name a DWARF function entry is known by: linkage name, else its name. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a) ?:
				dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
	return name ?: dwarf_diename(die);
}

/*
 * The frames of one address in module mod: the inlined calls at lookup
 * (innermost first), then the function. base is a frame with the object
 * fields filled in; sym/sym_offset of the function come from the symbol
 * table, its file:line from DWARF.
 */
static int module_frames(Dwfl_Module *mod, uint64_t pc, uint64_t lookup,
			 const struct oom_frame *base, struct oom_frame *out, int max)
{
	Dwarf_Die *scopes = NULL, *cu, *fn = NULL;
	Dwarf_Addr bias = 0, entry;
	GElf_Off soff = 0;
	GElf_Sym sym;
	const char *sname, *name, *file = NULL;
	int line = 0, n = 0, nscopes;
	Dwfl_Line *dl;

	if (max <= 0)
		return 0;
	/* the line of the innermost scope */
	dl = dwfl_module_getsrc(mod, lookup);
	if (dl)
		file = dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL);
	cu = dwfl_module_addrdie(mod, lookup, &bias);
	nscopes = cu ? dwarf_getscopes(cu, lookup - bias, &scopes) : 0;
	for (int i = 0; i < nscopes && n < max - 1; i++) {
		Dwarf_Die *d = &scopes[i];
		Dwarf_Attribute a;
		Dwarf_Word cfile = 0, cline = 0;
		Dwarf_Files *files;
		size_t nfiles;
		const char *name;

		if (dwarf_tag(d) == DW_TAG_subprogram) {
			fn = d;
			break;
		}
		if (dwarf_tag(d) != DW_TAG_inlined_subroutine)
			continue;
		out[n] = *base;
		out[n].inlined = true;
		name = die_name(d);
		if (name)
			copy_name(&out[n], name);
		if (file) {
			copy_str(out[n].file, sizeof(out[n].file), file);
			out[n].line = line > 0 ? (uint32_t)line : 0;
		}
		n++;
		/* the caller's line is where this was inlined into it */
		file = NULL;
		line = 0;
		if (dwarf_formudata(dwarf_attr(d, DW_AT_call_file, &a), &cfile) == 0 &&
		    dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && cfile < nfiles)
			file = dwarf_filesrc(files, cfile, NULL, NULL);
		if (dwarf_formudata(dwarf_attr(d, DW_AT_call_line, &a), &cline) == 0)
			line = (int)cline;
	}
	out[n] = *base;
	out[n].inlined = false;
	/*
	 * The function's own name from DWARF, as a debugger shows it (of
	 * aliases such as __libc_start_main@@GLIBC_2.34 and
	 * __libc_start_main_impl, the one the source defines); else the
	 * symbol table's.
	 */
	if (fn && dwarf_entrypc(fn, &entry) == 0 && (name = die_name(fn)) &&
	    pc >= entry + bias) {
		copy_name(&out[n], name);
		out[n].offset = pc - (entry + bias);
	} else if ((sname = dwfl_module_addrinfo(mod, lookup, &soff, &sym, NULL, NULL, NULL))) {
		/* a caller's frame by its call (lookup = pc - 1): the return
		 * address of a call to a noreturn function is past its end */
		copy_name(&out[n], sname);
		out[n].offset = soff + (pc - lookup);
	}
	free(scopes);
	if (file) {
		copy_str(out[n].file, sizeof(out[n].file), file);
		out[n].line = line > 0 ? (uint32_t)line : 0;
	}
	return n + 1;
}

static int session_frames(struct usym_session *ss, uint64_t pc, bool activation, uint8_t unwind,
			  struct oom_frame *out, int max)
{
	const struct usym_object *o = usym_space_find(ss->space, pc);
	Dwfl_Module *mod = ss->dwfl ? dwfl_addrmodule(ss->dwfl, pc) : NULL;
	struct oom_frame base;

	if (max <= 0)
		return 0;
	memset(&base, 0, sizeof(base));
	base.addr = pc;
	base.unwind = unwind;
	if (o) {
		copy_str(base.module, sizeof(base.module), o->path);
		memcpy(base.build_id, o->build_id, o->build_id_size);
		base.build_id_size = o->build_id_size;
	}
	if (mod) {
		Dwarf_Addr mbias;
		Elf *elf = dwfl_module_getelf(mod, &mbias);

		if (!elf || vaddr_to_off(elf, pc - mbias, &base.file_offset))
			base.file_offset = 0;
		return module_frames(mod, pc, activation ? pc : pc - 1, &base, out, max);
	}
	out[0] = base;
	return 1;
}

int usym_session_frames(struct usym_session *ss, uint64_t pc, bool activation, uint8_t unwind,
			struct oom_frame *out, int max)
{
	struct frame_memo *m = ss->memo ? &ss->memo[(pc ^ (pc >> 12)) % FRAME_MEMO_SLOTS] : NULL;
	struct oom_frame *fr;
	int n;

	/* what a slot holds was found with at least as many frames allowed */
	if (m && m->n && m->pc == pc && m->activation == activation && m->n <= max) {
		memcpy(out, m->fr, (size_t)m->n * sizeof(*out));
		for (int i = 0; i < m->n; i++)
			out[i].unwind = unwind;
		return m->n;
	}
	n = session_frames(ss, pc, activation, unwind, out, max);
	/* a cut list (n == max) may be longer with a larger max: not kept */
	if (!m || n <= 0 || n >= max || !(fr = realloc(m->fr, (size_t)n * sizeof(*fr))))
		return n;
	memcpy(fr, out, (size_t)n * sizeof(*fr));
	*m = (struct frame_memo){ .pc = pc, .activation = activation, .n = n, .fr = fr };
	return n;
}

/* ---- offline --------------------------------------------------------------------- */

int usym_offline_frames(const unsigned char *build_id, int build_id_size, const char *object,
			uint64_t file_offset, bool activation, struct oom_frame *out, int max)
{
	struct usym_space *space;
	char path[OOM_PATH_MAX];
	struct usym_session *ss;
	uint64_t vaddr;
	Elf *elf;
	int fd, n = 0;

	elf_version(EV_CURRENT);
	fd = find_by_build_id(build_id, build_id_size, object, 0, path, sizeof(path));
	if (fd < 0)
		return 0;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || off_to_vaddr(elf, file_offset, &vaddr)) {
		if (elf)
			elf_end(elf);
		close(fd);
		return 0;
	}
	elf_end(elf);
	/* offline (report --symbolize): no locked memory to keep it out of */
	space = malloc(sizeof(*space));
	if (!space) {
		close(fd);
		return -ENOMEM;
	}
	/* the object alone, at bias 0: the address is its vaddr */
	usym_space_init(space);
	space->obj[0] = (struct usym_object){ .fd = fd, .start = vaddr, .end = vaddr + 1 };
	space->obj[0].path = space_path(space, object && object[0] ? object : path);
	memcpy(space->obj[0].build_id, build_id, (size_t)build_id_size);
	space->obj[0].build_id_size = (uint8_t)build_id_size;
	space->n = 1;
	ss = usym_session_new(space);
	if (ss) {
		n = usym_session_frames(ss, vaddr, activation, OOM_UNWIND_UNKNOWN, out, max);
		usym_session_free(ss);
	}
	usym_space_reset(space);
	free(space);
	return n;
}
