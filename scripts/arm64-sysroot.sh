#!/bin/sh
# The arm64 libraries `make cross-arm64` links the static aarch64 oomtrace
# against: Debian's libbpf, libelf, zlib, libdw (and the compression
# libraries libdw.a needs) and libiberty for arm64, unpacked into a
# sysroot (dpkg-deb -x), nothing installed on the machine. The C library and
# linux/bpf.h come from the cross toolchain (gcc-aarch64-linux-gnu,
# linux-libc-dev-arm64-cross: scripts/install-deps.sh --vm).
#   scripts/arm64-sysroot.sh SYSROOT [APT_DIR]
# APT_DIR holds the private arm64 apt state (default SYSROOT.apt).
set -eu
[ $# -ge 1 ] || { echo "arm64-sysroot: usage: arm64-sysroot.sh SYSROOT [APT_DIR]" >&2; exit 2; }
root=$1
aptdir=${2:-$1.apt}
apt_arm64=$(cd "$(dirname "$0")" && pwd)/apt-arm64.sh
# the -dev packages for the headers and static archives, and the runtime
# packages they come with (the .a files are in the -dev ones)
pkgs="libbpf-dev libbpf1 libelf-dev libelf1 zlib1g-dev zlib1g
      libdw-dev libdw1 libiberty-dev liblzma-dev liblzma5 libbz2-dev libbz2-1.0
      libzstd-dev libzstd1"

rm -rf "$root" "$root.debs" "$root.tmp"
mkdir -p "$root.debs"
for p in $pkgs; do
	(cd "$root.debs" && "$apt_arm64" "$aptdir" apt-get download -q "$p:arm64" >/dev/null) ||
		{ echo "arm64-sysroot: cannot download $p:arm64" >&2; exit 1; }
done
mkdir -p "$root.tmp"
for deb in "$root.debs"/*.deb; do
	dpkg-deb -x "$deb" "$root.tmp"
done
for lib in libbpf.a libelf.a libz.a libdw.a libiberty.a liblzma.a libbz2.a libzstd.a; do
	[ -f "$root.tmp/usr/lib/aarch64-linux-gnu/$lib" ] ||
		{ echo "arm64-sysroot: $lib missing from the unpacked packages" >&2; exit 1; }
done
rm -rf "$root.debs"
mv "$root.tmp" "$root"
echo "arm64 sysroot in $root"
