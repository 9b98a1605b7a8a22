// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal kernel BTF for one BPF object, the idea of BTFGen (`bpftool gen
 * min_core_btf`) done with libbpf's public API: libbpf builds its CO-RE
 * candidate lists by walking every type of the kernel's BTF (over 100,000)
 * per local type, which is most of a start-up; against the few hundred
 * types that the object's relocations reach, the same work is nothing.
 *
 * The result must relocate exactly as the whole BTF does. libbpf's rules
 * (relo_core.c) look at, per relocation:
 *   - the candidates: every type whose name without a ___flavor suffix and
 *     whose kind match the local root type's: all of them are kept;
 *   - along a field access, the members named on the way, found depth
 *     first through anonymous members, and each member's type down to its
 *     kind (pointers, arrays, enums, integers): those members are kept with
 *     their offsets, with the anonymous members that hold them, and their
 *     types are kept whole except structs and unions, which keep only the
 *     members some access names;
 *   - for enum values, the enum: kept with all its values; for type sizes,
 *     the type itself.
 * Members are kept in their order, so that the first member of a name is
 * still the first. A relocation that names the kernel's type ids
 * (TYPE_ID_TARGET) or compares whole types (TYPE_MATCHES) is not served:
 * the generator refuses. btf_min_verify() checks the outcome besides:
 * both ways, the programs' relocated instructions must be the same.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "btf_min.h"
#include "direct_walk.h"

/* bpf_core_relo_kind (linux/bpf.h; not in every uapi header) */
enum {
	RELO_FIELD_BYTE_OFFSET = 0, RELO_FIELD_BYTE_SIZE, RELO_FIELD_EXISTS, RELO_FIELD_SIGNED,
	RELO_FIELD_LSHIFT_U64, RELO_FIELD_RSHIFT_U64, RELO_TYPE_ID_LOCAL, RELO_TYPE_ID_TARGET,
	RELO_TYPE_EXISTS, RELO_TYPE_SIZE, RELO_ENUMVAL_EXISTS, RELO_ENUMVAL_VALUE,
	RELO_TYPE_MATCHES,
};

struct core_relo {
	uint32_t insn_off, type_id, access_str_off, kind;
};

#define MAX_ACCESS 64	/* BPF_CORE_SPEC_MAX_LEN */
#define MAX_DEPTH 64

struct gen {
	const struct btf *k;	/* kernel */
	const struct btf *l;	/* the object's own */
	uint32_t n;		/* kernel type count */
	uint8_t *keep;		/* per kernel type */
	uint8_t **members;	/* per kernel struct/union: bitmap of kept members */
};

/* libbpf's bpf_core_essential_name_len(): the name before an X___Y flavor suffix */
static size_t essential_len(const char *name)
{
	size_t n = strlen(name);

	for (long i = (long)n - 5; i >= 0; i--) {
		const char *s = name + i;

		if (s[0] != '_' && s[1] == '_' && s[2] == '_' && s[3] == '_' && s[4] != '_')
			return (size_t)i + 1;
	}
	return n;
}

static bool kinds_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) ||
	       ((btf_is_enum(a) || btf_is_enum64(a)) && (btf_is_enum(b) || btf_is_enum64(b)));
}

static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *ret)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (int depth = 0; t && depth < MAX_DEPTH; depth++) {
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			break;
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (ret)
		*ret = id;
	return t && !btf_is_mod(t) && !btf_is_typedef(t) ? t : NULL;
}

/* Keep kernel type id and what it refers to (structs and unions: no members). */
static int keep(struct gen *g, uint32_t id, int depth)
{
	const struct btf_type *t;
	int err = 0;

	if (id == 0 || (id < g->n && g->keep[id]))
		return 0;
	if (id >= g->n || depth > MAX_DEPTH || !(t = btf__type_by_id(g->k, id)))
		return -EINVAL;
	g->keep[id] = 1;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return 0;
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return keep(g, t->type, depth + 1);
	case BTF_KIND_ARRAY:
		err = keep(g, btf_array(t)->type, depth + 1);
		return err ?: keep(g, btf_array(t)->index_type, depth + 1);
	case BTF_KIND_FUNC_PROTO:
		err = keep(g, t->type, depth + 1);
		for (unsigned i = 0; !err && i < btf_vlen(t); i++)
			err = keep(g, btf_params(t)[i].type, depth + 1);
		return err;
	default:
		return -EINVAL;
	}
}

static int keep_member(struct gen *g, uint32_t id, unsigned idx)
{
	const struct btf_type *t = btf__type_by_id(g->k, id);

	if (!t || !btf_is_composite(t) || idx >= btf_vlen(t))
		return -EINVAL;
	if (!g->members[id] && !(g->members[id] = calloc(1, btf_vlen(t) / 8 + 1)))
		return -ENOMEM;
	g->members[id][idx / 8] |= (uint8_t)(1u << (idx % 8));
	return keep(g, btf_members(t)[idx].type, 0);
}

/*
 * libbpf's bpf_core_match_member(): the first member named NAME, depth
 * first through anonymous members; kept with the anonymous ones on its way.
 * 1 found (*next: its type), 0 not, -errno.
 */
static int match_member(struct gen *g, uint32_t id, const char *name, uint32_t *next, int depth)
{
	const struct btf_type *t = skip_mods(g->k, id, &id);
	int err;

	if (depth > MAX_DEPTH)
		return -E2BIG;
	if (!t || !btf_is_composite(t))
		return 0;
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = btf_members(t) + i;
		const char *mname = btf__name_by_offset(g->k, m->name_off);

		if (!mname || !*mname) {
			int found = match_member(g, m->type, name, next, depth + 1);

			if (found)
				return found < 0 ? found : (err = keep_member(g, id, i)) ? err : 1;
		} else if (!strcmp(mname, name)) {
			*next = m->type;
			return (err = keep_member(g, id, i)) ? err : 1;
		}
	}
	return 0;
}

/* A field relocation's access string, walked in the local type and candidate CAND. */
static int walk_field(struct gen *g, uint32_t local_root, const char *access, uint32_t cand)
{
	unsigned raw[MAX_ACCESS], n = 0;
	uint32_t lid, tid = cand;
	const struct btf_type *lt;

	while (*access) {
		char *end;
		unsigned long v;

		if (*access == ':')
			access++;
		v = strtoul(access, &end, 10);
		if (end == access || n == MAX_ACCESS || v > 0xffff)
			return -EINVAL;
		raw[n++] = (unsigned)v;
		access = end;
	}
	if (!skip_mods(g->l, local_root, &lid))
		return -EINVAL;
	for (unsigned i = 1; i < n; i++) {
		lt = skip_mods(g->l, lid, &lid);
		if (!lt)
			return -EINVAL;
		if (btf_is_composite(lt)) {
			const struct btf_member *m;
			const char *name;

			if (raw[i] >= btf_vlen(lt))
				return -EINVAL;
			m = btf_members(lt) + raw[i];
			name = btf__name_by_offset(g->l, m->name_off);
			lid = m->type;
			if (name && *name) {
				uint32_t next;
				int found = match_member(g, tid, name, &next, 0);

				if (found <= 0)
					return found;	/* libbpf stops there too */
				tid = next;
			}
		} else if (btf_is_array(lt)) {
			const struct btf_type *tt = skip_mods(g->k, tid, &tid);

			lid = btf_array(lt)->type;
			if (!tt || !btf_is_array(tt))
				return 0;
			tid = btf_array(tt)->type;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* The .BTF and .BTF.ext sections of the ELF object. */
static int elf_sections(const void *obj, size_t size, void **btf, size_t *btf_size, void **ext,
			size_t *ext_size)
{
	char *copy = malloc(size);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int ret = -ENOENT;
	Elf *e;

	*btf = *ext = NULL;
	if (!copy)
		return -ENOMEM;
	memcpy(copy, obj, size);
	elf_version(EV_CURRENT);
	e = elf_memory(copy, size);
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		ret = -EINVAL;
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const char *name;
		void **dst = NULL;
		size_t *dst_size = NULL;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
			continue;
		if (!strcmp(name, ".BTF"))
			dst = btf, dst_size = btf_size;
		else if (!strcmp(name, ".BTF.ext"))
			dst = ext, dst_size = ext_size;
		if (!dst || *dst || !(d = elf_getdata(scn, NULL)) || !d->d_buf || !d->d_size)
			continue;
		if (!(*dst = malloc(d->d_size))) {
			ret = -ENOMEM;
			goto out;
		}
		memcpy(*dst, d->d_buf, d->d_size);
		*dst_size = d->d_size;
	}
	ret = *btf && *ext ? 0 : -ENOENT;
out:
	if (ret) {
		free(*btf);
		free(*ext);
		*btf = *ext = NULL;
	}
	if (e)
		elf_end(e);
	free(copy);
	return ret;
}

/* Does any kernel module have BTF (libbpf looks there for a type vmlinux lacks)? */
static bool module_btf_exists(void)
{
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *de;
	bool any = false;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "vmlinux"))
			any = true;
	if (d)
		closedir(d);
	return any;
}

struct root {
	uint32_t local_id;	/* the local root type */
	const char *name;
	size_t len;		/* essential name */
	uint32_t *cands;
	size_t n_cands;
};

/* Every kernel type that libbpf takes as a candidate for each root. */
static int find_candidates(struct gen *g, struct root *roots, size_t n_roots)
{
	for (uint32_t id = 1; id < g->n; id++) {
		const struct btf_type *t = btf__type_by_id(g->k, id);
		const char *name;
		size_t len;

		if (!t || !t->name_off)
			continue;
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_ENUM: case BTF_KIND_ENUM64:
		case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_INT: case BTF_KIND_FLOAT:
			break;
		default:
			continue;
		}
		name = btf__name_by_offset(g->k, t->name_off);
		if (!name || !*name)
			continue;
		len = essential_len(name);
		for (size_t r = 0; r < n_roots; r++) {
			uint32_t *more;

			if (roots[r].len != len || memcmp(roots[r].name, name, len) ||
			    !kinds_compat(btf__type_by_id(g->l, roots[r].local_id), t))
				continue;
			more = realloc(roots[r].cands, (roots[r].n_cands + 1) * sizeof(*more));
			if (!more)
				return -ENOMEM;
			roots[r].cands = more;
			roots[r].cands[roots[r].n_cands++] = id;
		}
	}
	return 0;
}

/* Copy the kept types into a new BTF, in the kernel's order, references renumbered. */
static struct btf *emit(struct gen *g, int *ret_err)
{
	uint32_t *new_id = calloc(g->n, sizeof(*new_id)), next = 1;
	struct btf *b = btf__new_empty();
	int err = 0;

	if (!new_id || !b) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t id = 1; id < g->n; id++)
		if (g->keep[id])
			new_id[id] = next++;
#define NEW(x) ((x) ? (int)new_id[x] : 0)
	for (uint32_t id = 1; id < g->n && !err; id++) {
		const struct btf_type *t = btf__type_by_id(g->k, id);
		struct btf_type *nt;
		int nid;

		if (!g->keep[id])
			continue;
		if (btf_is_composite(t)) {
			const char *name = btf__name_by_offset(g->k, t->name_off);

			nid = btf_is_struct(t) ? btf__add_struct(b, name, t->size) :
						 btf__add_union(b, name, t->size);
			for (unsigned i = 0; nid > 0 && g->members[id] && i < btf_vlen(t); i++) {
				const struct btf_member *m = btf_members(t) + i;

				if (!(g->members[id][i / 8] & (1u << (i % 8))))
					continue;
				if (!g->keep[m->type] && m->type) {
					nid = -EINVAL;
					break;
				}
				err = btf__add_field(b, btf__name_by_offset(g->k, m->name_off),
						     NEW(m->type), btf_member_bit_offset(t, i),
						     btf_member_bitfield_size(t, i));
				if (err)
					nid = err;
			}
		} else {
			nid = btf__add_type(b, g->k, t);
		}
		if (nid < 0) {
			err = nid;
			break;
		}
		if ((uint32_t)nid != new_id[id]) {
			err = -EINVAL;
			break;
		}
		nt = (struct btf_type *)btf__type_by_id(b, (uint32_t)nid);
		switch (btf_kind(nt)) {
		case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
			if (nt->type && !g->keep[nt->type])
				err = -EINVAL;
			nt->type = NEW(nt->type);
			break;
		case BTF_KIND_ARRAY:
			btf_array(nt)->type = NEW(btf_array(nt)->type);
			btf_array(nt)->index_type = NEW(btf_array(nt)->index_type);
			break;
		case BTF_KIND_FUNC_PROTO:
			nt->type = NEW(nt->type);
			for (unsigned i = 0; i < btf_vlen(nt); i++)
				btf_params(nt)[i].type = NEW(btf_params(nt)[i].type);
			break;
		default:
			break;
		}
	}
#undef NEW
out:
	free(new_id);
	if (err) {
		btf__free(b);
		b = NULL;
	}
	*ret_err = err;
	return b;
}

int btf_min_generate(const void *obj, size_t obj_size, const struct btf *kbtf, void **ret,
		     size_t *ret_size, char *errbuf, size_t err_size)
{
	void *btf_data = NULL, *ext = NULL;
	size_t btf_size = 0, ext_size = 0;
	struct gen g = { .k = kbtf };
	struct btf *local = NULL, *out = NULL;
	struct root *roots = NULL;
	size_t n_roots = 0;
	uint32_t hdr_len, relo_off, relo_len, rec_size;
	const unsigned char *p, *end;
	const void *raw;
	uint32_t raw_size;
	int err;

	*ret = NULL;
	*ret_size = 0;
	snprintf(errbuf, err_size, "out of memory");
	err = elf_sections(obj, obj_size, &btf_data, &btf_size, &ext, &ext_size);
	if (err) {
		snprintf(errbuf, err_size, "no .BTF and .BTF.ext in the BPF object");
		goto out;
	}
	local = btf__new(btf_data, (uint32_t)btf_size);
	if (!local) {
		err = -errno;
		snprintf(errbuf, err_size, "the BPF object's BTF: %s", strerror(-err));
		goto out;
	}
	g.l = local;
	err = -EINVAL;
	snprintf(errbuf, err_size, "malformed .BTF.ext");
	/* struct btf_ext_header: magic, version, flags, hdr_len, func/line info, core relos */
	if (ext_size < 32 || *(uint16_t *)ext != 0xeB9F)
		goto out;
	memcpy(&hdr_len, (char *)ext + 4, 4);
	if (hdr_len < 32 || hdr_len > ext_size) {
		err = -ENOTSUP;
		snprintf(errbuf, err_size, "no CO-RE relocations in the BPF object");
		goto out;
	}
	memcpy(&relo_off, (char *)ext + 24, 4);
	memcpy(&relo_len, (char *)ext + 28, 4);
	if ((uint64_t)hdr_len + relo_off + relo_len > ext_size || relo_len < 4)
		goto out;
	p = (unsigned char *)ext + hdr_len + relo_off;
	end = p + relo_len;
	memcpy(&rec_size, p, 4);
	p += 4;
	if (rec_size < sizeof(struct core_relo))
		goto out;

	g.n = btf__type_cnt(kbtf);
	g.keep = calloc(g.n, 1);
	g.members = calloc(g.n, sizeof(*g.members));
	if (!g.keep || !g.members) {
		err = -ENOMEM;
		snprintf(errbuf, err_size, "out of memory");
		goto out;
	}
	/* two passes over the records: the roots (and their candidates), then the walks */
	for (int pass = 0; pass < 2; pass++) {
		const unsigned char *q = p;

		while (q < end) {
			uint32_t sec_name, n_info;

			if (end - q < 8)
				goto out;
			memcpy(&sec_name, q, 4);
			memcpy(&n_info, q + 4, 4);
			q += 8;
			if ((uint64_t)n_info * rec_size > (uint64_t)(end - q))
				goto out;
			for (uint32_t i = 0; i < n_info; i++, q += rec_size) {
				struct core_relo r;
				const struct btf_type *lt;
				const char *name;
				struct root *root = NULL;

				memcpy(&r, q, sizeof(r));
				if (r.kind == RELO_TYPE_ID_LOCAL)
					continue;	/* the object's own ids */
				if (r.kind == RELO_TYPE_ID_TARGET || r.kind == RELO_TYPE_MATCHES ||
				    r.kind > RELO_TYPE_MATCHES) {
					err = -ENOTSUP;
					snprintf(errbuf, err_size, "CO-RE relocation kind %u needs the "
						 "whole kernel BTF", r.kind);
					goto out;
				}
				lt = btf__type_by_id(local, r.type_id);
				name = lt ? btf__name_by_offset(local, lt->name_off) : NULL;
				if (!name || !*name)
					continue;	/* libbpf refuses it, either way */
				for (size_t k = 0; k < n_roots; k++)
					if (roots[k].local_id == r.type_id)
						root = &roots[k];
				if (pass == 0) {
					struct root *more;

					if (root)
						continue;
					more = realloc(roots, (n_roots + 1) * sizeof(*roots));
					if (!more) {
						err = -ENOMEM;
						goto out;
					}
					roots = more;
					roots[n_roots++] = (struct root){
						.local_id = r.type_id, .name = name,
						.len = essential_len(name),
					};
					continue;
				}
				for (size_t c = 0; root && c < root->n_cands; c++) {
					const char *access = btf__name_by_offset(local, r.access_str_off);

					err = keep(&g, root->cands[c], 0);
					if (!err && r.kind <= RELO_FIELD_RSHIFT_U64)
						err = access ? walk_field(&g, r.type_id, access,
									  root->cands[c]) : -EINVAL;
					if (err) {
						snprintf(errbuf, err_size, "cannot follow a relocation of "
							 "%s in the kernel's type %u: %s", name,
							 root->cands[c], strerror(-err));
						goto out;
					}
				}
			}
		}
		if (pass == 0) {
			err = find_candidates(&g, roots, n_roots);
			if (err)
				goto out;
			for (size_t k = 0; k < n_roots; k++)
				if (!roots[k].n_cands && module_btf_exists()) {
					err = -ENOTSUP;
					snprintf(errbuf, err_size, "%s is not in vmlinux's BTF: libbpf "
						 "would look in the modules' BTF", roots[k].name);
					goto out;
				}
		}
	}
	out = emit(&g, &err);
	if (!out) {
		snprintf(errbuf, err_size, "cannot write the minimal BTF: %s", strerror(-err));
		goto out;
	}
	raw = btf__raw_data(out, &raw_size);
	if (!raw || !(*ret = malloc(raw_size))) {
		err = -ENOMEM;
		snprintf(errbuf, err_size, "out of memory");
		goto out;
	}
	memcpy(*ret, raw, raw_size);
	*ret_size = raw_size;
	err = 0;
	errbuf[0] = '\0';
out:
	for (size_t k = 0; k < n_roots; k++)
		free(roots[k].cands);
	free(roots);
	for (uint32_t i = 0; g.members && i < g.n; i++)
		free(g.members[i]);
	free(g.members);
	free(g.keep);
	btf__free(out);
	btf__free(local);
	free(btf_data);
	free(ext);
	return err;
}

/* ------------------------------------------------------------------------------------------ */

/* libbpf calls this where it would load a program: relocation is done by then. */
static int stop_before_load(struct bpf_program *prog, struct bpf_prog_load_opts *opts, long cookie)
{
	(void)prog, (void)opts, (void)cookie;
	return -ECANCELED;
}

static const char *const dry_sections[] = {
	"raw_tp+", "tp+", "tracepoint+", "kprobe+", "kretprobe+", "fentry+", "fexit+",
	"tp_btf+", "raw_tracepoint+", "syscall+",
};
#define N_DRY (sizeof(dry_sections) / sizeof(dry_sections[0]))

/* Open OBJ with every program to be relocated and none to be loaded. */
static struct bpf_object *dry_open(const void *obj, size_t size, const char *btf_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = btf_path,
		    .object_name = "oomtrace_dry");
	struct bpf_object *o = bpf_object__open_mem(obj, size, &opts);
	struct bpf_program *p;
	struct bpf_map *m;

	if (!o)
		return NULL;
	bpf_object__for_each_program(p, o)
		bpf_program__set_autoload(p, true);
	bpf_object__for_each_map(m, o)
		if (bpf_map__type(m) == BPF_MAP_TYPE_RINGBUF)
			bpf_map__set_max_entries(m, (uint32_t)sysconf(_SC_PAGESIZE));
	return o;
}

static bool same_insns(const struct bpf_program *a, const struct bpf_program *b)
{
	const struct bpf_insn *x = bpf_program__insns(a), *y = bpf_program__insns(b);
	size_t n = bpf_program__insn_cnt(a);

	if (n != bpf_program__insn_cnt(b) || !x || !y)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn u = x[i], v = y[i];

		/* map references carry each object's own fds */
		if (u.code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    (u.src_reg == BPF_PSEUDO_MAP_FD || u.src_reg == BPF_PSEUDO_MAP_VALUE))
			u.imm = v.imm = 0;
		if (memcmp(&u, &v, sizeof(u)))
			return false;
	}
	return true;
}

int btf_min_verify(const void *obj, size_t obj_size, const char *btf_path, char *err,
		   size_t err_size)
{
	struct libbpf_prog_handler_opts hopts = {
		.sz = sizeof(hopts), .prog_prepare_load_fn = stop_before_load,
	};
	int handlers[N_DRY], n_handlers = 0, ret = 0, ra, rb;
	struct bpf_object *full = NULL, *min = NULL;
	struct bpf_program *p, *q;
	size_t n = 0;

	/*
	 * libbpf 1.1 frees its table of handlers when the last one goes and
	 * keeps the freed pointer (a second verify then corrupts the heap):
	 * one handler of a section no program has stays for good.
	 */
	static bool anchored;

	if (!anchored) {
		struct libbpf_prog_handler_opts aopts = { .sz = sizeof(aopts) };

		if (libbpf_register_prog_handler("oomtrace_no_such_section",
						 BPF_PROG_TYPE_RAW_TRACEPOINT, 0, &aopts) < 0) {
			snprintf(err, err_size, "cannot register a program handler");
			return -ENOTSUP;
		}
		anchored = true;
	}
	for (size_t i = 0; i < N_DRY; i++) {
		int h = libbpf_register_prog_handler(dry_sections[i], BPF_PROG_TYPE_RAW_TRACEPOINT,
						     0, &hopts);

		if (h < 0) {
			ret = h;
			snprintf(err, err_size, "cannot register a program handler: %s",
				 strerror(-h));
			goto out;
		}
		handlers[n_handlers++] = h;
	}
	full = dry_open(obj, obj_size, NULL);
	min = full ? dry_open(obj, obj_size, btf_path) : NULL;
	if (!full || !min) {
		ret = -errno;
		snprintf(err, err_size, "cannot open the BPF object: %s", strerror(-ret));
		goto out;
	}
	/* every program must be one of ours, or libbpf would load it */
	bpf_object__for_each_program(p, full) {
		const char *sec = bpf_program__section_name(p);
		bool ours = false;

		for (size_t i = 0; i < N_DRY; i++) {
			size_t len = strlen(dry_sections[i]) - 1;

			ours |= !strncmp(sec, dry_sections[i], len) && (!sec[len] || sec[len] == '/');
		}
		if (!ours) {
			ret = -ENOTSUP;
			snprintf(err, err_size, "program section %s: cannot relocate without loading",
				 sec);
			goto out;
		}
	}
	direct_walk_dry_run(true);
	ra = bpf_object__load(full);
	rb = bpf_object__load(min);
	direct_walk_dry_run(false);
	if (ra != -ECANCELED || rb != -ECANCELED) {
		ret = ra != -ECANCELED ? ra : rb;
		snprintf(err, err_size, "relocation against the %s BTF failed: %s",
			 ra != -ECANCELED ? "kernel's" : "minimal", strerror(-ret));
		if (ret >= 0)
			ret = -EINVAL;
		goto out;
	}
	q = bpf_object__next_program(min, NULL);
	bpf_object__for_each_program(p, full) {
		if (!q || strcmp(bpf_program__name(p), bpf_program__name(q)) || !same_insns(p, q)) {
			ret = -EILSEQ;
			snprintf(err, err_size, "program %s relocates differently",
				 bpf_program__name(p));
			goto out;
		}
		q = bpf_object__next_program(min, q);
		n++;
	}
	if (q || !n) {
		ret = -EILSEQ;
		snprintf(err, err_size, "the objects' programs differ");
	}
out:
	bpf_object__close(min);
	bpf_object__close(full);
	while (n_handlers--)
		libbpf_unregister_prog_handler(handlers[n_handlers]);
	return ret;
}
