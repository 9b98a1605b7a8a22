#!/bin/sh
# Install every Debian package oomtrace needs to build, test and benchmark.
# Safe to re-run: apt-get skips what is already installed.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --vm     also what the qemu VM tests need, x86-64
#                                    and arm64 (implies --cross)
#   scripts/install-deps.sh --cross  also what `make cross-arm64` needs: the
#                                    cross compiler with its libc and kernel
#                                    headers (arm64's libbpf, libelf and zlib
#                                    are unpacked under .output, not installed)
#   scripts/install-deps.sh --bench  also what `make bench` compares with and
#                                    profiles start-up with (bpftrace, strace)
set -eu

pkgs="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
      libcmocka-dev libclang-rt-14-dev python3 util-linux procps
      groff-base python3-yaml tmux time"
# user stacks: libdw (libdwfl: unwinding, symbols, DWARF lines), libiberty
# (C++/Rust demangling), and what libdw.a needs for the static builds;
# libc6-dbg and gdb for the user-stack tests (named libc frames, gdb's bt)
pkgs="$pkgs libdw-dev libiberty-dev liblzma-dev libbz2-dev libzstd-dev libc6-dbg gdb"
# record --journal's test runs a private systemd-journald
pkgs="$pkgs systemd"
# gcc-aarch64-linux-gnu only recommends its libc; linux/bpf.h comes from
# linux-libc-dev-arm64-cross
cross="gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross"
for arg in "$@"; do
	case "$arg" in
	--vm) pkgs="$pkgs qemu-system-x86 qemu-system-arm busybox-static cpio $cross" ;;
	--cross) pkgs="$pkgs $cross" ;;
	--bench) pkgs="$pkgs bpftrace strace" ;;
	*) echo "install-deps: unknown option '$arg' (--vm, --cross, --bench)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
