// SPDX-License-Identifier: GPL-2.0
/*
 * Matchers for the lines of the kernel's OOM report, 2.6.32 to 6.x
 * (mm/oom_kill.c dump_header/dump_tasks/oom_kill_process, mm/memcontrol.c
 * mem_cgroup_print_oom_*, lib/show_mem.c, the arch's dump_stack). Each one
 * either matches the whole shape it knows or returns false.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "kmsg_fields.h"
#include "scan.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_sp(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

static bool starts_str(const char *p, const char *prefix)
{
	return !strncmp(p, prefix, strlen(prefix));
}

/* p starts with the string literal lit (its length known at compile time) */
#define starts(p, lit) (!strncmp((p), "" lit, sizeof(lit) - 1))

/* Copy n bytes of src as a string into dst (truncated, always terminated). */
static void copy_n(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * Forget what a matcher that did not match wrote. Lines go through many
 * matchers: clearing the strings' first bytes instead of the whole struct
 * keeps that cheap (every string is written whole before it is set).
 */
static void reset(struct kmsg_fact *f)
{
	memset(f, 0, offsetof(struct kmsg_fact, comm));
	f->constraint = OOM_CONSTRAINT_UNKNOWN;
	f->comm[0] = f->gfp_names[0] = f->path[0] = f->path2[0] = f->sym[0] = f->module[0] = '\0';
}

/* Last occurrence of needle starting in [s, end). */
static const char *rfind(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	const char *hit = NULL;

	for (const char *p = s; p + n <= end; p++) {
		p = strstr(p, needle);
		if (!p || p + n > end)
			break;
		hit = p;
	}
	return hit;
}

/* "NkB" right at *p (after a "key:"): the number, the kB is required */
static bool get_kb(const char **p, uint64_t *ret)
{
	const char *s = *p;

	if (!scan_u64(&s, ret) || (s[0] != 'k' && s[0] != 'K') || s[1] != 'B')
		return false;
	*p = s + 2;
	return true;
}

/*
 * In [s, end): the value after the next match of key at or past *from that
 * starts a token (line start, or after a space or a comma), or NULL.
 */
static const char *next_key_value(const char *s, const char *end, const char *key,
				  const char **from)
{
	size_t n = strlen(key);

	for (const char *p = *from; p && p < end; p++) {
		p = strstr(p, key);
		if (!p || p + n > end)
			return NULL;
		if (p == s || p[-1] == ' ' || p[-1] == ',') {
			*from = p + 1;
			return p + n;
		}
	}
	return NULL;
}

/* In [s, end): find key (e.g. "anon-rss:") at a token start and read NkB after it. */
static bool find_kb(const char *s, const char *end, const char *key, uint64_t *ret)
{
	const char *from = s, *v;

	while ((v = next_key_value(s, end, key, &from)))
		if (get_kb(&v, ret))
			return true;
	return false;
}

static bool find_i32(const char *s, const char *end, const char *key, int32_t *ret)
{
	const char *from = s, *v;

	while ((v = next_key_value(s, end, key, &from)))
		if (scan_i32(&v, ret))
			return true;
	return false;
}

/* --- the header --------------------------------------------------------------- */

/* "c invoked oom-killer: gfp_mask=0x..(NAMES), [nodemask=.., ]order=N, [oom_adj=N, ]oom_score_adj=N" */
static bool match_header(const char *s, const char *end, struct kmsg_fact *f)
{
	static const char key[] = " invoked oom-killer: ";
	const char *k = strstr(s, key), *p, *q;
	uint64_t v;

	/* a comm is at most 15 bytes and cannot hold the key: the first one is it */
	if (!k || k >= end)
		return false;
	p = k + sizeof(key) - 1;
	if (!starts(p, "gfp_mask=") && !starts(p, "order="))
		return false;
	copy_n(f->comm, sizeof(f->comm), s, (size_t)(k - s));
	if ((q = strstr(p, "gfp_mask=")) && q < end) {
		q += 9;
		if (scan_hex(&q, true, &v) && v <= UINT32_MAX) {
			f->gfp = (uint32_t)v;
			f->has_gfp = true;
			if (*q == '(') {
				const char *close = strchr(q, ')');

				if (close && close < end) {
					copy_n(f->gfp_names, sizeof(f->gfp_names), q + 1,
					       (size_t)(close - q - 1));
					f->has_gfp_names = true;
				}
			}
		}
	}
	f->has_order = find_i32(p, end, "order=", &f->order);
	f->has_oom_adj = find_i32(p, end, "oom_adj=", &f->oom_adj);
	f->has_adj = find_i32(p, end, "oom_score_adj=", &f->adj);
	return true;
}

/*
 * The release after the taint flags: "Not tainted 5.4.0-42-generic #46",
 * "Tainted: G  W  O  K  --------- -  - 4.18.0-147.el8": the first word
 * that starts "major.minor".
 */
static void cpu_release(const char *p, const char *end, struct kmsg_fact *f)
{
	const char *t = strstr(p, "ainted");	/* "Not tainted", "Tainted:" */

	if (!t || t >= end)
		return;
	for (t += 6; t < end; t++) {
		const char *q = t;
		uint64_t major, minor;

		if (t[-1] != ' ' || !scan_u64(&q, &major) || *q++ != '.' || !scan_u64(&q, &minor))
			continue;
		if (q < end && !strchr(".-+_ ", *q))
			continue;
		if (major < 2 || major > 99 || minor > 999)
			continue;
		f->release = KMSG_RELEASE(major, minor);
		f->has_release = true;
		return;
	}
}

/*
 * The comm in dump_stack's line, up to what the kernel prints after it. A
 * comm holding " Not tainted" ends early; the header's comm is preferred.
 */
static void cpu_comm(const char *p, const char *end, struct kmsg_fact *f)
{
	static const char *const after[] = { " Not tainted", " Tainted: ", " Kdump: " };
	const char *stop = NULL;

	for (size_t i = 0; i < sizeof(after) / sizeof(after[0]); i++) {
		const char *q = strstr(p, after[i]);

		if (q && q < end && (!stop || q < stop))
			stop = q;
	}
	if (!stop)
		return;
	copy_n(f->comm, sizeof(f->comm), p, (size_t)(stop - p));
	f->has |= KF_COMM;
	cpu_release(stop, end, f);
}

/* "CPU: 4 PID: 29481 Comm: sed ...", "CPU: 1 UID: 0 PID: 7166 Comm: hog ...", "Pid: 15462, comm: t ..." */
static bool match_cpu(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p, *q;
	uint64_t v;

	if (starts(s, "CPU: ") && scan_is_digit(s[5])) {
		p = strstr(s, " PID: ");
		if (!p || p >= end)
			return false;
		q = p + 6;
		if (!scan_i32(&q, &f->pid) || !starts(q, " Comm: "))
			return false;
		cpu_comm(q + 7, end, f);
		p = strstr(s, " UID: ");
		if (p && p < end && p < q) {
			p += 6;
			if (scan_u64(&p, &v) && v <= UINT32_MAX) {
				f->uid = (uint32_t)v;
				f->has_uid = true;
			}
		}
		return true;
	}
	if (starts(s, "Pid: ")) {
		q = s + 5;
		if (!scan_i32(&q, &f->pid) || !starts(q, ", comm: "))
			return false;
		cpu_comm(q + 8, end, f);
		return true;
	}
	return false;
}

/* "c cpuset=/ mems_allowed=0-1": cpuset_print_current_mems_allowed() before 4.19 */
static bool match_cpuset(const char *s, const char *end)
{
	const char *c = strstr(s, " cpuset="), *m;

	if (!c || c >= end)
		return false;
	m = rfind(c, end, " mems_allowed=");
	return m != NULL;
}

/* --- the call trace ------------------------------------------------------------ */

/*
 * "[<ffffffff816861ac>] ? dump_stack+0x19/0x1b [mod]" (to 4.x),
 * " ? out_of_memory+0x310/0x4d0" (ORC and later),
 * "[c0000001cb163640] [c000000001035754] dump_stack+0xe8/0x164 (unreliable)" (ppc64).
 */
static bool match_frame(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p = s, *sym;
	uint64_t size;

	if (p[0] == '[' && p[1] == '<') {
		p += 2;
		if (!scan_hex(&p, false, &f->addr) || p[0] != '>' || p[1] != ']')
			return false;
		p = skip_sp(p + 2);
	} else if (p[0] == '[' && scan_is_hex(p[1])) {
		uint64_t sp;

		p++;
		if (!scan_hex(&p, false, &sp) || p[0] != ']' || p[1] != ' ' || p[2] != '[')
			return false;
		p += 3;
		if (!scan_hex(&p, false, &f->addr) || *p != ']')
			return false;
		p = skip_sp(p + 1);
	}
	if (p[0] == '?' && p[1] == ' ') {
		f->unreliable = true;
		p += 2;
	}
	sym = p;
	while (*p && (scan_is_digit(*p) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '_' || *p == '.' || *p == '$'))
		p++;
	if (p == sym || *p != '+')
		return false;
	copy_n(f->sym, sizeof(f->sym), sym, (size_t)(p - sym));
	p++;
	if (!scan_hex(&p, true, &f->offset) || *p != '/')
		return false;
	p++;
	if (!scan_hex(&p, true, &size))
		return false;
	if (p[0] == ' ' && p[1] == '[') {
		const char *close = strchr(p, ']');

		if (!close || close >= end)
			return false;
		copy_n(f->module, sizeof(f->module), p + 2, (size_t)(close - p - 2));
		p = close + 1;
	}
	p = skip_sp(p);
	if (starts(p, "(unreliable)")) {
		f->unreliable = true;
		p += 12;
	}
	return skip_sp(p) >= end;
}

static bool all_hex_words(const char *s, const char *end)
{
	int words = 0;

	for (const char *p = s; p < end; ) {
		const char *w = p;

		while (p < end && scan_is_hex(*p))
			p++;
		if (p - w != 8 && p - w != 16)
			return false;
		words++;
		p = skip_sp(p);
		if (p < end && !scan_is_hex(*p))
			return false;
	}
	return words > 0;
}

/* At least min hex digits, then a separator: a register's value. */
static bool hex_value(const char *p, int min)
{
	int n = 0;

	while (scan_is_hex(*p)) {
		p++;
		n++;
	}
	return n >= min && (!*p || *p == ' ' || *p == ':' || *p == '(');
}

static int hex_digit(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/*
 * x86's show_opcodes(): "Code: 60 4c 8b d0 .. <4c> 89 10 ..", the byte at
 * the instruction pointer in <>, at most OOM_CODE_MAX bytes. "Code: Unable
 * to access opcode bytes at 0x..", and arm64's words, are not this kind.
 */
static bool match_code(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p = s + 6;
	int n = 0, at = -1;

	while (p < end) {
		bool mark = false;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '<') {
			mark = true;
			p++;
		}
		if (end - p < 2 || !scan_is_hex(p[0]) || !scan_is_hex(p[1]) || n >= OOM_CODE_MAX)
			return false;
		f->code[n] = (uint8_t)(hex_digit(p[0]) << 4 | hex_digit(p[1]));
		p += 2;
		if (mark) {
			if (p >= end || *p != '>' || at >= 0)
				return false;
			p++;
			at = n;
		}
		if (p < end && *p != ' ')
			return false;
		n++;
	}
	if (at < 0)
		return false;
	f->code_len = (uint8_t)n;
	f->code_at = (uint8_t)at;
	return true;
}

/* "RAX: 0000..", "RSP: 002b:..", "Code: ..", "pc : ..", "x29: .." */
static bool match_regs(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p = s;

	if (starts(s, "Code: ") || starts(s, "Stack:") || all_hex_words(s, end))
		return true;
	if ((starts(s, "RIP: 0033:0x") || starts(s, "RIP: 0023:0x"))) {
		p = s + 10;
		if (scan_hex(&p, true, &f->value))
			f->kind = KMSG_USER_IP;
		return true;
	}
	if (*p >= 'A' && *p <= 'Z') {
		while ((*p >= 'A' && *p <= 'Z') || scan_is_digit(*p))
			p++;
		if (p - s < 2 || p - s > 5 || *p != ':')
			return false;
		return hex_value(skip_sp(p + 1), 4);
	}
	if (*p >= 'a' && *p <= 'z') {	/* arm64: "pc : ffff800010", "x29: ffff8000" */
		while ((*p >= 'a' && *p <= 'z') || scan_is_digit(*p))
			p++;
		if (p - s > 4)
			return false;
		p = skip_sp(p);
		return p[0] == ':' && p[1] == ' ' && hex_value(skip_sp(p + 1), 8);
	}
	return false;
}

static bool match_dump_info(const char *s)
{
	static const char *const exact[] = {
		"Call Trace:", "Call trace:", "Backtrace:", "<TASK>", "</TASK>", "<IRQ>", "</IRQ>",
		"<NMI>", "</NMI>", "<EOI>", "<<EOE>>", "<SOFTIRQ>", "</SOFTIRQ>",
	};
	static const char *const prefix[] = {
		"Hardware name: ", "Workqueue: ", "task: ", "Kernel Offset: ", "Modules linked in:",
		"Call Trace:", "Tainted: ",
	};

	if (!strchr("CB<HWtKMT", s[0]))
		return false;	/* none of them starts otherwise */
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(s, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (starts_str(s, prefix[i]))
			return true;
	return false;
}

/* --- Mem-Info (lib/show_mem.c, mm/page_alloc.c show_free_areas) ---------------- */

/* "active_anon:1413442 inactive_anon:1509191 isolated_anon:0", rsyslog's #012 too */
static bool kv_line(const char *s, const char *end)
{
	int pairs = 0;

	for (const char *p = s; p < end; ) {
		const char *k = p;

		while (p < end && *p != ':' && *p != ' ' && *p != '#')
			p++;
		if (p == k || p >= end || *p != ':')
			return false;
		p++;
		if (p < end && *p == ' ')	/* "shmem_thp: 0kB" */
			p++;
		if (p >= end || (!scan_is_digit(*p) && !starts(p, "yes") && !starts(p, "no")))
			return false;
		while (p < end && *p != ' ' && *p != '#')
			p++;
		pairs++;
		if (starts(p, "#012"))
			p += 4;
		p = skip_sp(p);
	}
	return pairs > 0;
}

/* "Node 0 DMA: 2*4kB 4*8kB ..." or "DMA: 0*4kB ...": the first size is one page */
static bool buddy_line(const char *p, struct kmsg_fact *f)
{
	uint64_t count, kb;

	while (*p && *p != ':' && *p != ' ')
		p++;
	if (p[0] != ':' || p[1] != ' ')
		return false;
	p += 2;
	if (!scan_u64(&p, &count) || *p++ != '*' || !scan_u64(&p, &kb) || p[0] != 'k' || p[1] != 'B')
		return false;
	f->value = kb * 1024;
	return true;
}

static bool match_meminfo(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p = s;
	uint64_t v;

	if (!strcmp(s, "Mem-Info:") || starts(s, "lowmem_reserve[]:") ||
	    starts(s, "Swap cache stats:") || starts(s, "Free swap ") ||
	    starts(s, "Unreclaimable slab info:"))
		return true;
	if (starts(s, "Total swap = ")) {
		p = s + 13;
		if (get_kb(&p, &f->value))
			f->kind = KMSG_MEMINFO_SWAP;
		return true;
	}
	if (starts(s, "Node ") && scan_is_digit(s[5])) {
		p = s + 5;
		scan_u64(&p, &v);
		if (*p++ != ' ')
			return false;
		if (buddy_line(p, f))
			f->kind = KMSG_MEMINFO_BUDDY;
		return true;
	}
	if (starts(s, "CPU ") && strstr(s, ": hi:"))	/* 2.6.32 per-cpu lists */
		return true;
	if (scan_u64(&p, &v) && *p == ' ') {
		if (!strcmp(p, " pages RAM")) {
			f->kind = KMSG_MEMINFO_RAM;
			f->value = v;
		} else if (!strcmp(p, " pages reserved")) {
			f->kind = KMSG_MEMINFO_RESERVED;
			f->value = v;
		}
		return starts(p, " pages ") || starts(p, " total pagecache pages");
	}
	/* zone lines on kernels without "Node N": "DMA free:572kB ...", "Normal: 1*4kB" */
	p = s;
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || scan_is_digit(*p))
		p++;
	if (p > s && *s >= 'A' && *s <= 'Z') {
		if (starts(p, " free:"))
			return true;
		if (buddy_line(s, f)) {
			f->kind = KMSG_MEMINFO_BUDDY;
			return true;
		}
	}
	return kv_line(s, end);
}

/* --- memory cgroup lines (mm/memcontrol.c) ----------------------------------------- */

/* "memory: usage 102400kB, limit 102400kB, failcnt 756" */
static bool match_counter(const char *s, struct kmsg_fact *f)
{
	static const struct { const char *name; enum kmsg_counter c; } names[] = {
		{ "memory: ", KCNT_MEMORY }, { "memory+swap: ", KCNT_MEMSW },
		{ "swap: ", KCNT_SWAP }, { "kmem: ", KCNT_OTHER }, { "tcpmem: ", KCNT_OTHER },
	};
	const char *p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!starts_str(s, names[i].name))
			continue;
		p = s + strlen(names[i].name);
		if (!starts(p, "usage "))
			return false;
		p += 6;
		if (!get_kb(&p, &f->usage_kb) || !starts(p, ", limit "))
			return false;
		p += 8;
		if (!get_kb(&p, &f->limit_kb))
			return false;
		f->counter = names[i].c;
		return true;
	}
	return false;
}

/* "Task in /a killed as a result of limit of /b" (v1, before 4.19) */
static bool match_task_in(const char *s, const char *end, struct kmsg_fact *f)
{
	static const char mid[] = " killed as a result of limit of ";
	const char *m;

	if (!starts(s, "Task in /"))
		return false;
	m = strstr(s, mid);
	if (!m || m >= end) {	/* cut before the second path */
		copy_n(f->path, sizeof(f->path), s + 8, (size_t)(end - s - 8));
		f->has_path = true;
		return true;
	}
	copy_n(f->path, sizeof(f->path), s + 8, (size_t)(m - s - 8));
	f->has_path = f->path_complete = true;
	m += sizeof(mid) - 1;
	copy_n(f->path2, sizeof(f->path2), m, (size_t)(end - m));
	/* the line itself cannot say whether it was cut: kmsg_report compares */
	f->has_path2 = end > m;
	return true;
}

/* "Memory cgroup stats for /a:" [+ " cache:52KB rss:..." before 4.x] */
static bool match_stats_for(const char *s, const char *end, struct kmsg_fact *f)
{
	static const char key[] = "Memory cgroup stats for ";
	const char *p, *colon = NULL;

	if (!starts_str(s, key))
		return false;
	p = s + sizeof(key) - 1;
	if (end > p && end[-1] == ':') {
		colon = end - 1;
	} else {
		/* the first ": " followed by a "word:digits" pair ends the path */
		for (const char *c = strstr(p, ": "); c && c < end; c = strstr(c + 1, ": ")) {
			const char *w = c + 2;

			while (*w && *w != ':' && *w != ' ')
				w++;
			if (*w == ':' && scan_is_digit(w[1])) {
				colon = c;
				break;
			}
		}
	}
	copy_n(f->path, sizeof(f->path), p, (size_t)((colon ? colon : end) - p));
	f->has_path = true;
	f->path_complete = colon != NULL;
	return true;
}

/* "anon 421888", "hierarchical_memsw_limit 9223372036854771712" */
static bool match_stat(const char *s, const char *end)
{
	const char *p = s;

	while ((*p >= 'a' && *p <= 'z') || scan_is_digit(*p) || *p == '_')
		p++;
	if (p == s || *p != ' ')
		return false;
	p++;
	if (*p == '-')
		p++;
	if (!scan_is_digit(*p))
		return false;
	while (scan_is_digit(*p))
		p++;
	return p >= end;
}

/* "kmalloc-4k  123KB  456KB" and the "Name  Used  Total" header */
static bool match_slab(const char *s, const char *end)
{
	const char *p = s;
	int kb = 0;

	if (starts(s, "Name ") && strstr(s, " Used ") && strstr(s, " Total"))
		return true;
	while (p < end && !is_space(*p))
		p++;
	for (int i = 0; i < 2; i++) {
		uint64_t v;

		p = skip_sp(p);
		if (!scan_u64(&p, &v) || p[0] != 'K' || p[1] != 'B')
			return false;
		p += 2;
		kb++;
	}
	return kb == 2 && skip_sp(p) >= end;
}

/* --- the task table ----------------------------------------------------------------- */

static enum kmsg_col col_by_name(const char *s, size_t n)
{
	static const struct { const char *name; enum kmsg_col col; } cols[] = {
		{ "uid", KCOL_UID }, { "tgid", KCOL_TGID }, { "total_vm", KCOL_TOTAL_VM },
		{ "rss", KCOL_RSS }, { "rss_anon", KCOL_RSS_ANON }, { "rss_file", KCOL_RSS_FILE },
		{ "rss_shmem", KCOL_RSS_SHMEM }, { "nr_ptes", KCOL_NR_PTES },
		{ "nr_pmds", KCOL_NR_PMDS }, { "pgtables_bytes", KCOL_PGTABLES_BYTES },
		{ "swapents", KCOL_SWAPENTS }, { "oom_score_adj", KCOL_OOM_SCORE_ADJ },
		{ "oom_adj", KCOL_OOM_ADJ }, { "cpu", KCOL_CPU },
	};

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (strlen(cols[i].name) == n && !memcmp(cols[i].name, s, n))
			return cols[i].col;
	return KCOL_UNKNOWN;
}

/* "[ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name" */
static bool match_table_header(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p = s + 1;
	struct kmsg_table_layout *l = &f->layout;

	p = skip_sp(p);
	if (!starts(p, "pid"))
		return false;
	p = skip_sp(p + 3);
	if (*p != ']')
		return false;
	p++;
	memset(l, 0, sizeof(*l));
	for (;;) {
		const char *w;

		p = skip_sp(p);
		w = p;
		while (p < end && !is_space(*p))
			p++;
		if (p == w)
			return false;	/* no "name" column: cut, or not a header */
		if (p - w == 4 && !memcmp(w, "name", 4))
			return l->n > 0 && skip_sp(p) >= end;
		if (l->n == KMSG_MAX_COLS)
			return false;
		l->col[l->n] = (uint8_t)col_by_name(w, (size_t)(p - w));
		l->has[l->col[l->n]] = true;
		l->n++;
	}
}

int kmsg_parse_row(const char *text, size_t len, const struct kmsg_table_layout *layout,
		   struct kmsg_row *ret)
{
	const char *p = skip_sp(text), *end = text + len;
	int64_t v;

	memset(ret, 0, sizeof(*ret));
	if (*p++ != '[')
		return -EINVAL;
	p = skip_sp(p);
	if (!scan_i32(&p, &ret->pid) || *p++ != ']')
		return -EINVAL;
	for (unsigned i = 0; i < layout->n; i++) {
		if (!is_space(*p))
			return -EINVAL;
		p = skip_sp(p);
		if (!scan_i64(&p, &v))
			return -EINVAL;
		ret->v[layout->col[i]] = v;
	}
	/* exactly one space, then the name: it may hold spaces, or be empty */
	if (p < end && *p != ' ')
		return -EINVAL;
	if (p < end)
		p++;
	copy_n(ret->comm, sizeof(ret->comm), p, (size_t)(end > p ? end - p : 0));
	return 0;
}

/* "[  390]     0   390 ..." by shape only: the layout comes from the report */
static bool looks_like_row(const char *s)
{
	const char *p = skip_sp(s + 1);
	int32_t pid;

	return scan_i32(&p, &pid) && *p == ']' && is_space(p[1]) &&
	       (scan_is_digit(skip_sp(p + 1)[0]) || skip_sp(p + 1)[0] == '-');
}

/* --- the verdict --------------------------------------------------------------------- */

static enum oom_constraint constraint_by_name(const char *s, size_t n)
{
	static const struct { const char *name; enum oom_constraint c; } names[] = {
		{ "CONSTRAINT_NONE", OOM_CONSTRAINT_NONE },
		{ "CONSTRAINT_CPUSET", OOM_CONSTRAINT_CPUSET },
		{ "CONSTRAINT_MEMORY_POLICY", OOM_CONSTRAINT_MEMORY_POLICY },
		{ "CONSTRAINT_MEMCG", OOM_CONSTRAINT_MEMCG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && !memcmp(names[i].name, s, n))
			return names[i].c;
	return OOM_CONSTRAINT_UNKNOWN;
}

/*
 * "oom-kill:constraint=C,nodemask=..,cpuset=..,mems_allowed=..,
 *  oom_memcg=/a|global_oom,task_memcg=/a/b,task=comm,pid=N,uid=N"
 * Paths and the comm can hold commas. Cgroup names are chosen by
 * administrators, comms by anyone: so task_memcg ends at the first ",task="
 * after it, and the comm, read from the end, at the last ",pid=".
 */
static bool match_summary(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p, *q, *task, *pid_at;
	uint64_t v;

	if (!starts(s, "oom-kill:constraint="))
		return false;
	p = s + 20;
	q = strchr(p, ',');
	f->constraint = constraint_by_name(p, (size_t)((q && q < end ? q : end) - p));
	f->global_oom = (q = strstr(s, ",global_oom")) && q < end &&
			(q[11] == ',' || q + 11 >= end);
	if ((p = strstr(s, ",oom_memcg=")) && p < end) {
		p += 11;
		q = strstr(p, ",task_memcg=");
		copy_n(f->path, sizeof(f->path), p, (size_t)((q && q < end ? q : end) - p));
		f->has_path = true;
		f->path_complete = q && q < end;
	}
	if (!(p = strstr(s, ",task_memcg=")) || p >= end)
		return true;
	p += 12;
	task = strstr(p, ",task=");
	copy_n(f->path2, sizeof(f->path2), p, (size_t)((task && task < end ? task : end) - p));
	f->has_path2 = true;
	f->path2_complete = task && task < end;
	if (!f->path2_complete)
		return true;
	/* ",uid=N" ends the line; the comm is between ",task=" and the last ",pid=" */
	q = rfind(task, end, ",uid=");
	if (!q)
		return true;
	p = q + 5;
	if (!scan_u64(&p, &v) || p != end || v > UINT32_MAX)
		return true;
	f->uid = (uint32_t)v;
	f->has_uid = true;
	pid_at = rfind(task, q, ",pid=");
	if (!pid_at)
		return true;
	p = pid_at + 5;
	if (!scan_i32(&p, &f->pid) || p != q)
		return true;
	copy_n(f->comm, sizeof(f->comm), task + 6, (size_t)(pid_at - task - 6));
	f->has |= KF_COMM;
	return true;
}

/* The message before ": Kill"/": Killed": tells memcg from the rest. */
static const char *after_message(const char *s, const char *verb, struct kmsg_fact *f)
{
	const char *p;

	if (starts_str(s, verb))
		return s + strlen(verb);
	p = strstr(s, ": ");
	if (!p || !starts_str(p + 2, verb))
		return NULL;
	/* "Out of memory", "Memory cgroup out of memory", "Out of memory (oom_kill_allocating_task)" */
	if (!starts(s, "Out of memory") && !starts(s, "Memory cgroup out of memory"))
		return NULL;
	f->memcg_msg = starts(s, "Memory cgroup");
	return p + 2 + strlen(verb);
}

/*
 * "N (comm)" followed by suffix: the comm ends at the last ")"+suffix of the
 * line, so a comm holding ") total-vm:" cannot end it early. Returns the
 * position after ")", or NULL. Without the suffix (a cut line) the comm is
 * kept as far as it goes, and not marked KF_COMM.
 */
static const char *pid_comm(const char *p, const char *end, const char *suffix,
			    struct kmsg_fact *f)
{
	const char *close;

	if (!scan_i32(&p, &f->pid) || p[0] != ' ' || p[1] != '(')
		return NULL;
	p += 2;
	close = rfind(p, end, suffix);
	if (!close && end > p && end[-1] == ')' && !rfind(p, end, ") "))
		close = end - 1;	/* 2.6.2x: "Killed process N (comm)" and nothing more */
	if (!close) {
		copy_n(f->comm, sizeof(f->comm), p, (size_t)(end - p));
		return end;
	}
	copy_n(f->comm, sizeof(f->comm), p, (size_t)(close - p));
	f->has |= KF_COMM;
	return close + 1;
}

/* The memory facts after a kill or reaper line's comm. */
static void kill_facts(const char *p, const char *end, struct kmsg_fact *f)
{
	int32_t uid;

	if (find_kb(p, end, "total-vm:", &f->total_vm_kb))
		f->has |= KF_TOTAL_VM;
	if (find_kb(p, end, "anon-rss:", &f->anon_kb))
		f->has |= KF_ANON;
	if (find_kb(p, end, "file-rss:", &f->file_kb))
		f->has |= KF_FILE;
	if (find_kb(p, end, "shmem-rss:", &f->shmem_kb))
		f->has |= KF_SHMEM;
	if (find_kb(p, end, "pgtables:", &f->pgtables_kb))
		f->has |= KF_PGTABLES;
	if (find_i32(p, end, "oom_score_adj:", &f->adj)) {
		f->has |= KF_ADJ;
		f->has_adj = true;
	}
	if (find_i32(p, end, "UID:", &uid) && uid >= 0) {
		f->uid = (uint32_t)uid;
		f->has_uid = true;
		f->has |= KF_UID;
	}
}

static bool match_kill(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p;

	if ((p = after_message(s, "Killed process ", f))) {
		const char *q = p;
		int32_t pid;

		/* 2.6.32: "Killed process 28656, UID 602, (java) total-vm:..." */
		if (scan_i32(&q, &pid) && starts(q, ", UID ")) {
			int32_t uid;

			q += 6;
			if (!scan_i32(&q, &uid) || !starts(q, ", (") || uid < 0)
				return false;
			f->pid = pid;
			f->uid = (uint32_t)uid;
			f->has_uid = true;
			f->has |= KF_UID;
			q += 3;
			p = rfind(q, end, ") total-vm:");
			if (p) {
				copy_n(f->comm, sizeof(f->comm), q, (size_t)(p - q));
				f->has |= KF_COMM;
				kill_facts(p + 2, end, f);
			} else {
				copy_n(f->comm, sizeof(f->comm), q, (size_t)(end - q));
			}
			f->kind = KMSG_KILLED;
			return true;
		}
		p = pid_comm(p, end, ") total-vm:", f);
		if (!p)
			return false;
		if (f->has & KF_COMM)
			kill_facts(p, end, f);
		f->kind = KMSG_KILLED;
		return true;
	}
	reset(f);
	if ((p = after_message(s, "Kill process ", f))) {
		const char *q;

		if (rfind(p, end, ") sharing same memory")) {
			if (!pid_comm(p, end, ") sharing same memory", f))
				return false;
			f->kind = KMSG_KILL_SHARED;
			return true;
		}
		q = pid_comm(p, end, ") score ", f);
		if (!q || !(f->has & KF_COMM) || !starts(q, " score "))
			return false;
		q += 7;
		if (!scan_i64(&q, &f->score) || !starts(q, " or sacrifice child"))
			return false;
		f->kind = KMSG_KILL_SCORE;
		return true;
	}
	return false;
}

/* "oom_reaper: reaped process N (c), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB" */
static bool match_reaper(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p;

	if (starts(s, "oom_reaper: reaped process ")) {
		p = pid_comm(s + 27, end, "), now ", f);
		if (!p)
			return false;
		if (f->has & KF_COMM)
			kill_facts(p, end, f);
		f->kind = KMSG_REAPED;
		return true;
	}
	if (starts(s, "oom_reaper: unable to reap pid:")) {
		p = s + 31;
		if (!scan_i32(&p, &f->pid))
			return false;
		if (p[0] == ' ' && p[1] == '(' && end[-1] == ')') {
			copy_n(f->comm, sizeof(f->comm), p + 2, (size_t)(end - p - 3));
			f->has |= KF_COMM;
		}
		f->kind = KMSG_REAP_FAILED;
		return true;
	}
	return false;
}

/*
 * "oom_kill_process: 12 callbacks suppressed": the rate limit on reports
 * (10 per 5 s) skipped dump_header() that many times; the kill lines of
 * those OOMs were still printed.
 */
static bool match_suppressed(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *p = s + 18;

	if (!starts(s, "oom_kill_process: ") || !scan_u64(&p, &f->value))
		return false;
	return starts(p, " callbacks suppressed") && p + 21 == end;
}

/* "Tasks in /a are going to be killed due to memory.oom.group set" */
static bool match_group(const char *s, const char *end, struct kmsg_fact *f)
{
	const char *m;

	if (!starts(s, "Tasks in /"))
		return false;
	m = rfind(s, end, " are going to be killed due to memory.oom.group set");
	if (!m)
		return false;
	copy_n(f->path, sizeof(f->path), s + 9, (size_t)(m - s - 9));
	f->has_path = f->path_complete = true;
	return true;
}

static bool is_elision(const char *s, const char *end)
{
	static const char *const marks[] = {
		"<cut>", "[cut]", "[...]", "<...>", "[snip]", "<snip>", "snip", "--", "---",
		"\xe2\x80\xa6",	/* "…" */
	};
	const char *p = s;

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if ((size_t)(end - s) == strlen(marks[i]) && !memcmp(s, marks[i], (size_t)(end - s)))
			return true;
	while (p < end && *p == '.')
		p++;
	return p == end && end - s >= 3;
}

enum kmsg_kind kmsg_classify(const char *text, size_t len, struct kmsg_fact *f)
{
	const char *s = skip_sp(text), *end = text + len, *nl;
	char first[2048];
	size_t flen;

	reset(f);
	if (s > end)
		s = end;
	/*
	 * A message with embedded newlines (dmesg continuation lines joined, or
	 * a kmsg record's \x0a) is classified by its first line; only a task
	 * row keeps them, in its comm.
	 */
	nl = memchr(s, '\n', (size_t)(end - s));
	if (s < end && *s == '[' && looks_like_row(s))
		return f->kind = KMSG_TABLE_ROW;
	flen = (size_t)((nl ? nl : end) - s);
	while (flen && is_space(s[flen - 1]))
		flen--;
	if (flen >= sizeof(first))
		flen = sizeof(first) - 1;
	memcpy(first, s, flen);
	first[flen] = '\0';
	s = first;
	end = first + flen;

	if (!flen)
		return f->kind = KMSG_BLANK;
	if (is_elision(s, end))
		return f->kind = KMSG_ELISION;
	if (match_header(s, end, f))
		return f->kind = KMSG_HEADER;
	reset(f);
	/* the lines that only OOM reports print, by the letter they start with */
	switch (s[0]) {
	case 'o':
		if (match_summary(s, end, f))
			return f->kind = KMSG_SUMMARY;
		reset(f);
		if (match_reaper(s, end, f))
			return f->kind;
		reset(f);
		if (starts(s, "oom killer ") && strstr(s, " has mm pinned by "))
			return f->kind = KMSG_MM_PINNED;
		if (match_suppressed(s, end, f))
			return f->kind = KMSG_SUPPRESSED;
		break;
	case 'K': case 'O': case 'M':
		if (match_kill(s, end, f))
			return f->kind;
		reset(f);
		if (match_stats_for(s, end, f))
			return f->kind = KMSG_MEMCG_STATS_FOR;
		if (starts(s, "Out of memory and no killable processes"))
			return f->kind = KMSG_NO_KILLABLE;
		if (starts(s, "Kernel panic - not syncing: "))
			return f->kind = KMSG_PANIC;
		break;
	case 'T':
		if (!strcmp(s, "Tasks state (memory values in pages):"))
			return f->kind = KMSG_TASKS_STATE;
		if (match_task_in(s, end, f))
			return f->kind = KMSG_MEMCG_TASK_IN;
		if (match_group(s, end, f))
			return f->kind = KMSG_GROUP;
		break;
	case '[':
		if (match_table_header(s, end, f))
			return f->kind = KMSG_TABLE_HEADER;
		break;
	case 'm': case 's': case 'k': case 't':
		if (match_counter(s, f))
			return f->kind = KMSG_MEMCG_COUNTER;
		break;
	}
	reset(f);
	if (match_frame(s, end, f))
		return f->kind = KMSG_FRAME;
	reset(f);
	if (match_cpu(s, end, f))
		return f->kind = KMSG_CPU;
	reset(f);
	if (match_dump_info(s)) {
		/* x86 traces mark the task's stack only after 5.10 (5.10's do not) */
		f->after_5_10 = !strcmp(s, "<TASK>") || !strcmp(s, "</TASK>");
		return f->kind = KMSG_DUMP_INFO;
	}
	if (starts(s, "Code: ") && match_code(s, end, f))
		return f->kind = KMSG_CODE;
	reset(f);
	f->kind = KMSG_REGS;
	if (match_regs(s, end, f))
		return f->kind;
	reset(f);
	if (match_cpuset(s, end))
		return f->kind = KMSG_CPUSET;
	if (strstr(s, ": page allocation failure: "))
		return f->kind = KMSG_ALLOC_FAIL;
	f->kind = KMSG_MEMINFO;
	if (match_meminfo(s, end, f))
		return f->kind;
	reset(f);
	if (match_stat(s, end))
		return f->kind = KMSG_STAT;
	if (match_slab(s, end))
		return f->kind = KMSG_SLAB;
	return f->kind = KMSG_OTHER;
}
