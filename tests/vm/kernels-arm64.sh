#!/bin/sh
# Fetch what the arm64 VM tests boot, into a cache directory: Debian 12's
# arm64 6.1 kernel (its vmlinuz is a plain Image: qemu boots it as it is)
# and busybox-static for arm64. arm64 packages come through a private apt
# configuration (scripts/apt-arm64.sh); the machine's own apt setup is not
# changed. Kernel names are resolved through the metapackage at test time,
# as old ABIs leave the archive.
#   tests/vm/kernels-arm64.sh CACHE_DIR
#     -> "busybox PATH", then "NAME IMAGE" per kernel
set -eu
tools=$(cd "$(dirname "$0")/../../scripts" && pwd)
cache=$1
mkdir -p "$cache/arm64"
cd "$cache/arm64"
apt=$(pwd)/apt

# the cloud flavour has the qemu virt machine's drivers built in (PL011
# console, virtio): no modules are needed for an initramfs-only boot
metas="linux-image-cloud-arm64"

# get PKG: download PKG:arm64 and unpack it into ./PKG (once)
get() {
	rm -rf "$1" ./"$1"_*.deb
	"$tools/apt-arm64.sh" "$apt" apt-get download -q "$1:arm64" >/dev/null 2>&1 ||
		{ echo "kernels-arm64: apt-get download $1:arm64 failed" >&2; exit 1; }
	dpkg-deb -x ./"$1"_*.deb "$1"
	rm -f ./"$1"_*.deb
}

# busybox-static is fetched once per cache
[ -x busybox-static/bin/busybox ] || get busybox-static
echo "busybox $(pwd)/busybox-static/bin/busybox"

for meta in $metas; do
	pkg=$("$tools/apt-arm64.sh" "$apt" apt-cache depends "$meta:arm64" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*$/\1/p' | head -n1)
	[ -n "$pkg" ] || { echo "kernels-arm64: cannot resolve $meta:arm64" >&2; exit 1; }
	ver=${pkg#linux-image-}
	[ -s "$pkg/boot/vmlinuz-$ver" ] || get "$pkg"
	echo "$ver $(pwd)/$pkg/boot/vmlinuz-$ver"
done
