// SPDX-License-Identifier: GPL-2.0
/* Reading a process's OOM inputs from /proc under a root directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "procfs.h"

#define TASK_FILE_MAX 16384	/* status is ~1.5 KiB; cgroup grows with controllers */

static int parse_hex_prefix(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	int n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (;; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (n >= 16)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (!n)
		return -EINVAL;
	*ret = v;
	return 0;
}

int procfs_parse_release(const char *buf, int *ret_major, int *ret_minor)
{
	uint64_t maj, min;
	const char *dot = strchr(buf, '.');

	if (!dot || procfs_parse_u64_prefix(buf, &maj) || procfs_parse_u64_prefix(dot + 1, &min) ||
	    (buf[0] < '0' || buf[0] > '9') || dot[1] < '0' || dot[1] > '9' ||
	    maj > 1000 || min > 1000)
		return -EINVAL;
	*ret_major = (int)maj;
	*ret_minor = (int)min;
	return 0;
}

int procfs_parse_stat(const char *buf, struct proc_task *t)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *s;
	uint64_t f[22], pid;
	size_t n, len;

	/* the command sits between the first '(' and the last ')': it may hold both */
	if (!open || !close || close < open || procfs_parse_u64_prefix(buf, &pid) ||
	    pid > INT32_MAX)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(t->comm))
		len = sizeof(t->comm) - 1;
	memcpy(t->comm, open + 1, len);
	t->comm[len] = '\0';
	s = close + 1;
	if (s[0] != ' ' || !s[1] || s[1] == ' ')
		return -EINVAL;
	t->state = s[1];
	s += 2;
	/* then: ppid pgrp session tty tpgid flags ... starttime(20th) vsize rss(22nd) */
	for (n = 0; n < 22; n++) {
		if (*s != ' ')
			return -EINVAL;
		s++;
		/* tty_nr and tpgid may be negative: keep their absolute value, unused */
		if (*s == '-')
			s++;
		if (procfs_parse_u64_prefix(s, &f[n]))
			return -EINVAL;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (f[0] > INT32_MAX || f[5] > UINT32_MAX || f[20] > PROCFS_MAX_PAGES)
		return -EINVAL;
	t->pid = (int32_t)pid;
	t->ppid = (int32_t)f[0];
	t->flags = (uint32_t)f[5];
	t->starttime = f[18];
	t->stat_rss_pages = f[20];
	if (t->flags & PF_KTHREAD_FLAG)
		t->kthread = true;
	t->has |= PT_HAS_STAT;
	return 0;
}

int procfs_parse_status(const char *buf, struct proc_task *t)
{
	static const struct {
		const char *key;
		size_t off;
		uint32_t bit;
	} kb[] = {
		{ "VmRSS:", offsetof(struct proc_task, vmrss_kb), PT_HAS_MM },
		{ "RssAnon:", offsetof(struct proc_task, rss_anon_kb), PT_HAS_RSS_PARTS },
		{ "RssFile:", offsetof(struct proc_task, rss_file_kb), PT_HAS_RSS_PARTS },
		{ "RssShmem:", offsetof(struct proc_task, rss_shmem_kb), PT_HAS_SHMEM },
		{ "VmSwap:", offsetof(struct proc_task, swap_kb), PT_HAS_SWAP },
		{ "VmPTE:", offsetof(struct proc_task, pgtables_kb), PT_HAS_PTE },
	};
	uint64_t pmd_kb = 0, v;
	bool state = false;
	const char *l, *next, *val;
	uint32_t has = 0;

	for (l = buf; l && *l; l = next) {
		size_t len = procfs_line_len(l, &next);
		char line[256];

		/* copy so a value never reads past its line */
		if (len >= sizeof(line))
			continue;
		memcpy(line, l, len);
		line[len] = '\0';
		if ((val = procfs_key_value(line, len, "State:"))) {
			while (*val == ' ' || *val == '\t')
				val++;
			if (!*val)
				return -EINVAL;
			t->state = *val;
			state = true;
		} else if ((val = procfs_key_value(line, len, "PPid:"))) {
			if (!procfs_parse_u64_prefix(val, &v) && v <= INT32_MAX)
				t->ppid = (int32_t)v;
		} else if ((val = procfs_key_value(line, len, "Uid:"))) {
			if (!procfs_parse_u64_prefix(val, &v) && v <= UINT32_MAX) {
				t->uid = (uint32_t)v;
				has |= PT_HAS_UID;
			}
		} else if ((val = procfs_key_value(line, len, "Kthread:"))) {
			if (!procfs_parse_u64_prefix(val, &v) && v == 1)
				t->kthread = true;
		} else if ((val = procfs_key_value(line, len, "SigPnd:")) ||
			   (val = procfs_key_value(line, len, "ShdPnd:"))) {
			/* SIGKILL is signal 9: bit 8 of the mask */
			if (!parse_hex_prefix(val, &v) && v & (1ull << 8))
				t->sigkill_pending = true;
		} else if ((val = procfs_key_value(line, len, "CapEff:"))) {
			if (!parse_hex_prefix(val, &v)) {
				t->cap_eff = v;
				has |= PT_HAS_CAPS;
			}
		} else if ((val = procfs_key_value(line, len, "VmPMD:"))) {
			/* 4.0-4.14 counted PMD tables apart; oom_badness added them */
			if (!procfs_parse_u64_prefix(val, &v) && v <= PROCFS_MAX_KB)
				pmd_kb = v;
		} else {
			for (size_t i = 0; i < sizeof(kb) / sizeof(kb[0]); i++) {
				if (!(val = procfs_key_value(line, len, kb[i].key)))
					continue;
				if (procfs_parse_u64_prefix(val, &v) || v > PROCFS_MAX_KB)
					return -EINVAL;
				*(uint64_t *)((char *)t + kb[i].off) = v;
				has |= kb[i].bit;
				break;
			}
		}
	}
	if (!state)
		return -EINVAL;
	if (has & PT_HAS_PTE)
		t->pgtables_kb += pmd_kb;
	t->has |= has | PT_HAS_STATUS;
	return 0;
}

static void set_path(char *dst, size_t size, const char *src, size_t len)
{
	static const char deleted[] = " (deleted)";
	size_t d = sizeof(deleted) - 1;

	/* v2 marks a removed cgroup that still holds tasks */
	if (len >= d && !memcmp(src + len - d, deleted, d))
		len -= d;
	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

bool procfs_in_list(const char *list, size_t len, const char *word)
{
	size_t w = strlen(word);

	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && list[j] != ',')
			j++;
		if (j - i == w && !memcmp(list + i, word, w))
			return true;
		i = j + 1;
	}
	return false;
}

int procfs_parse_cgroup(const char *buf, struct proc_task *t)
{
	const char *l, *next;
	bool v1_mem = false, v2 = false, sysd = false, any = false;

	for (l = buf; l && *l; l = next) {
		size_t len = procfs_line_len(l, &next);
		const char *c1 = memchr(l, ':', len), *c2;
		size_t clen, plen;

		if (!c1 || !(c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - l))))
			continue;
		clen = (size_t)(c2 - c1 - 1);
		plen = len - (size_t)(c2 + 1 - l);
		if (!plen || c2[1] != '/')
			continue;
		any = true;
		if (procfs_in_list(c1 + 1, clen, "memory")) {
			set_path(t->memcg, sizeof(t->memcg), c2 + 1, plen);
			v1_mem = true;
		} else if (c1 - l == 1 && l[0] == '0' && clen == 0) {
			if (!v1_mem)
				set_path(t->memcg, sizeof(t->memcg), c2 + 1, plen);
			if (!sysd)
				set_path(t->unit_cgroup, sizeof(t->unit_cgroup), c2 + 1, plen);
			v2 = true;
		}
		if (procfs_in_list(c1 + 1, clen, "name=systemd")) {
			set_path(t->unit_cgroup, sizeof(t->unit_cgroup), c2 + 1, plen);
			sysd = true;
		}
	}
	if (!any)
		return -EINVAL;
	if (v1_mem || v2) {
		t->memcg_version = v1_mem ? 1 : 2;
		t->has |= PT_HAS_CGROUP;
	}
	if (sysd || v2)
		t->has |= PT_HAS_UNIT_CGROUP;
	else if (v1_mem) {
		/* no systemd hierarchy: the memory path is the best place to look */
		memcpy(t->unit_cgroup, t->memcg, sizeof(t->unit_cgroup));
		t->has |= PT_HAS_UNIT_CGROUP;
	}
	return 0;
}

static int parse_psi_line(const char *l, struct psi_line *p)
{
	char rest[256];
	int n = 0;

	if (strlen(l) >= sizeof(rest))
		return -EINVAL;
	if (sscanf(l, "avg10=%lf avg60=%lf avg300=%lf total=%" SCNu64 "%n", &p->avg10,
		   &p->avg60, &p->avg300, &p->total_us, &n) != 4 || !n)
		return -EINVAL;
	p->present = true;
	return 0;
}

int procfs_parse_psi(const char *buf, struct proc_psi *p)
{
	const char *l, *next;

	memset(p, 0, sizeof(*p));
	for (l = buf; l && *l; l = next) {
		size_t len = procfs_line_len(l, &next);
		char line[256];

		if (len >= sizeof(line))
			return -EINVAL;
		memcpy(line, l, len);
		line[len] = '\0';
		if (!strncmp(line, "some ", 5)) {
			if (parse_psi_line(line + 5, &p->some))
				return -EINVAL;
		} else if (!strncmp(line, "full ", 5)) {
			if (parse_psi_line(line + 5, &p->full))
				return -EINVAL;
		}
	}
	return p->some.present ? 0 : -EINVAL;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/*
 * Read ROOT/proc/PID[/task/TID]/NAME. A process that vanished reads as
 * -ESRCH (not an error); a file missing from a process that is still there
 * means the tree is broken: -ENOENT with the path in err.
 */
static int read_task_file(const char *root, int32_t pid, int32_t tid, const char *name,
			  char *buf, size_t size, char *err, size_t err_size)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int n;

	if ((tid ? procfs_path(dir, sizeof(dir), "%s/proc/%d/task/%d", root, pid, tid)
		 : procfs_path(dir, sizeof(dir), "%s/proc/%d", root, pid)) ||
	    procfs_path(path, sizeof(path), "%s/%s", dir, name)) {
		snprintf(err, err_size, "%s: path too long", root);
		return -ENAMETOOLONG;
	}
	n = procfs_read_file(path, buf, size);
	if (n >= 0)
		return n;
	if ((n == -ENOENT || n == -ESRCH) && !dir_exists(dir))
		return -ESRCH;
	if (n == -ESRCH)	/* exited while we read it */
		return -ESRCH;
	snprintf(err, err_size, "%s: %s", path, strerror(-n));
	return n;
}

static int bad_file(char *err, size_t err_size, const char *root, int32_t pid,
		    const char *name, const char *why)
{
	snprintf(err, err_size, "%s/proc/%d/%s: %s", root, pid, name, why);
	return -EINVAL;
}

/*
 * The leader has no mm (it exited, its threads live on): read the memory of
 * the first thread that has one, as find_lock_task_mm() would.
 */
static void read_thread_mm(const char *root, struct proc_task *t)
{
	char path[PATH_MAX], buf[TASK_FILE_MAX], err[512];
	struct dirent *de;
	DIR *d;

	if (procfs_path(path, sizeof(path), "%s/proc/%d/task", root, t->pid))
		return;
	d = opendir(path);
	if (!d)
		return;	/* no task directory (a fixture): the task has no mm */
	while ((de = readdir(d))) {
		struct proc_task th = {};
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0 || tid == t->pid || tid > INT32_MAX)
			continue;
		if (read_task_file(root, t->pid, (int32_t)tid, "status", buf, sizeof(buf), err,
				   sizeof(err)) < 0 || procfs_parse_status(buf, &th) ||
		    !(th.has & PT_HAS_MM))
			continue;
		if (read_task_file(root, t->pid, (int32_t)tid, "stat", buf, sizeof(buf), err,
				   sizeof(err)) < 0 || procfs_parse_stat(buf, &th))
			continue;
		t->has |= th.has & (PT_HAS_MM | PT_HAS_RSS_PARTS | PT_HAS_SHMEM | PT_HAS_SWAP |
				    PT_HAS_PTE);
		t->vmrss_kb = th.vmrss_kb;
		t->rss_anon_kb = th.rss_anon_kb;
		t->rss_file_kb = th.rss_file_kb;
		t->rss_shmem_kb = th.rss_shmem_kb;
		t->swap_kb = th.swap_kb;
		t->pgtables_kb = th.pgtables_kb;
		t->stat_rss_pages = th.stat_rss_pages;
		t->mm_tid = (int32_t)tid;
		break;
	}
	closedir(d);
}

int procfs_read_task(const char *root, int32_t pid, struct proc_task *t, char *err,
		     size_t err_size)
{
	char buf[TASK_FILE_MAX];
	int64_t v;
	int n;

	memset(t, 0, sizeof(*t));
	err[0] = '\0';
	n = read_task_file(root, pid, 0, "stat", buf, sizeof(buf), err, err_size);
	if (n < 0)
		return n;
	if (procfs_parse_stat(buf, t))
		return bad_file(err, err_size, root, pid, "stat",
				"malformed (expected 'PID (COMM) STATE' and 22 numbers)");
	if (t->pid != pid)
		return bad_file(err, err_size, root, pid, "stat", "names another pid");
	n = read_task_file(root, pid, 0, "status", buf, sizeof(buf), err, err_size);
	if (n < 0)
		return n;
	if (procfs_parse_status(buf, t))
		return bad_file(err, err_size, root, pid, "status",
				"malformed (no 'State:' line, or a bad kB value)");
	/* a zombie leader may still have live threads holding the mm */
	if (!(t->has & PT_HAS_MM) && !t->kthread) {
		read_thread_mm(root, t);
	}
	n = read_task_file(root, pid, 0, "oom_score_adj", buf, sizeof(buf), err, err_size);
	if (n < 0)
		return n;
	if (procfs_parse_int(buf, -1000, 1000, &v))
		return bad_file(err, err_size, root, pid, "oom_score_adj",
				"not a number in -1000..1000");
	t->oom_score_adj = (int32_t)v;
	t->has |= PT_HAS_ADJ;
	/* right after the memory counters: the kernel's own figure, for the cross-check */
	n = read_task_file(root, pid, 0, "oom_score", buf, sizeof(buf), err, err_size);
	if (n == -ESRCH)
		return n;
	if (n >= 0 && !procfs_parse_int(buf, 0, INT64_MAX, &v)) {
		t->kernel_oom_score = v;
		t->has |= PT_HAS_SCORE;
	}
	/*
	 * A kernel without cgroups has no such file: the task then has no memcg.
	 * An exited leader shows the root cgroup (v1); its live thread still
	 * shows where the process's memory is charged.
	 */
	n = read_task_file(root, pid, t->mm_tid, "cgroup", buf, sizeof(buf), err, err_size);
	if (n == -ESRCH)
		return n;
	if (n >= 0 && procfs_parse_cgroup(buf, t) && buf[0])
		return bad_file(err, err_size, root, pid, "cgroup",
				"malformed (expected 'ID:CONTROLLERS:/PATH' lines)");
	err[0] = '\0';
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int procfs_list_pids(const char *root, int32_t **ret_pids, size_t *ret_n)
{
	char path[PATH_MAX];
	int32_t *pids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	if (procfs_path(path, sizeof(path), "%s/proc", root))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (!de->d_name[0] || *end || pid <= 0 || pid > INT32_MAX)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			int32_t *p = realloc(pids, ncap * sizeof(*p));

			if (!p) {
				free(pids);
				closedir(d);
				return -ENOMEM;
			}
			pids = p;
			cap = ncap;
		}
		pids[n++] = (int32_t)pid;
	}
	closedir(d);
	if (n > 1)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	*ret_pids = pids;
	*ret_n = n;
	return 0;
}

int procfs_shares_parent_mm(int32_t pid, int32_t ppid)
{
	long r;

	if (pid <= 0 || ppid <= 0)
		return -EINVAL;
	r = syscall(SYS_kcmp, (pid_t)pid, (pid_t)ppid, KCMP_VM, 0UL, 0UL);
	if (r < 0)
		return -errno;
	return r == 0;
}
