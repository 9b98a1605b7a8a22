#!/bin/sh
# Regenerate the pinned vmlinux.h from a kernel's BTF. The build never reads
# the build host's kernel: CO-RE relocates against the running kernel at load
# time, so any recent BTF with the types we use will do.
#   scripts/gen-vmlinux.sh [BTF_FILE] [ARCH]   (default /sys/kernel/btf/vmlinux, x86)
set -eu
btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-x86}
[ -r "$btf" ] || { echo "gen-vmlinux: cannot read $btf" >&2; exit 1; }
mkdir -p "vmlinux/$arch"
bpftool btf dump file "$btf" format c >"vmlinux/$arch/vmlinux.h.tmp"
mv "vmlinux/$arch/vmlinux.h.tmp" "vmlinux/$arch/vmlinux.h"
echo "wrote vmlinux/$arch/vmlinux.h from $btf"
