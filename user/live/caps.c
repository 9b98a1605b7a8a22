// SPDX-License-Identifier: GPL-2.0
/* Capabilities through capget/capset/prctl directly. */
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "procfs_read.h"

int caps_read(const char *status_path, struct cap_sets *ret)
{
	char line[256];
	FILE *f = fopen(status_path ? status_path : "/proc/self/status", "re");
	int found = 0;

	if (!f)
		return -errno;
	memset(ret, 0, sizeof(*ret));
	while (fgets(line, sizeof(line), f)) {
		found += sscanf(line, "CapInh: %" SCNx64, &ret->inh) == 1;
		found += sscanf(line, "CapPrm: %" SCNx64, &ret->prm) == 1;
		found += sscanf(line, "CapEff: %" SCNx64, &ret->eff) == 1;
		found += sscanf(line, "CapBnd: %" SCNx64, &ret->bnd) == 1;
		found += sscanf(line, "CapAmb: %" SCNx64, &ret->amb) == 1;
	}
	fclose(f);
	return found >= 4 ? 0 : -EINVAL;
}

static int capget_all(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

static int capset_all(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static uint64_t join(uint32_t lo, uint32_t hi)
{
	return (uint64_t)hi << 32 | lo;
}

int caps_set_effective(uint64_t eff)
{
	struct __user_cap_data_struct d[2];
	uint64_t prm, inh;
	int err = capget_all(d);

	if (err)
		return err;
	prm = join(d[0].permitted, d[1].permitted);
	inh = join(d[0].inheritable, d[1].inheritable);
	return capset_all(eff & prm, prm, inh);
}

static int last_cap(void)
{
	char buf[32];
	int64_t last;

	if (procfs_read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf)) < 0 ||
	    procfs_parse_int(buf, 0, INT32_MAX, &last))
		last = 40;
	return last < 63 ? (int)last : 63;
}

int caps_keep_only(uint64_t keep, bool *ret_bounding_kept)
{
	struct __user_cap_data_struct d[2];
	uint64_t prm;
	int err, last = last_cap();

	*ret_bounding_kept = false;
	/* nothing we exec (we exec nothing) may gain privileges again */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);	/* EINVAL before 4.3 */
	/* the bounding set first: dropping from it needs CAP_SETPCAP, dropped below */
	for (int c = 0; c <= last; c++) {
		if (keep & CAPBIT(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno == EPERM) {
			*ret_bounding_kept = true;
			break;
		}
	}
	err = capget_all(d);
	if (err)
		return err;
	prm = join(d[0].permitted, d[1].permitted) & keep;
	return capset_all(prm, prm, 0);
}

void caps_names(uint64_t mask, char *buf, size_t size)
{
	static const char *const names[] = {
		"cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner",
		"cap_fsetid", "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap",
		"cap_linux_immutable", "cap_net_bind_service", "cap_net_broadcast",
		"cap_net_admin", "cap_net_raw", "cap_ipc_lock", "cap_ipc_owner",
		"cap_sys_module", "cap_sys_rawio", "cap_sys_chroot", "cap_sys_ptrace",
		"cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
		"cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod",
		"cap_lease", "cap_audit_write", "cap_audit_control", "cap_setfcap",
		"cap_mac_override", "cap_mac_admin", "cap_syslog", "cap_wake_alarm",
		"cap_block_suspend", "cap_audit_read", "cap_perfmon", "cap_bpf",
		"cap_checkpoint_restore",
	};
	size_t used = 0;

	if (size)
		buf[0] = '\0';
	for (int c = 0; c < 64; c++) {
		char num[16];
		const char *name = num;
		int n;

		if (!(mask & CAPBIT(c)))
			continue;
		if ((size_t)c < sizeof(names) / sizeof(names[0]))
			name = names[c];
		else
			snprintf(num, sizeof(num), "cap_%d", c);
		n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}
