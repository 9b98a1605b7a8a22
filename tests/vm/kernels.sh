#!/bin/sh
# Fetch the stock Debian kernels the VM tests boot, into a cache directory.
# Package names change as Debian updates (old ABIs leave the archive), so
# they are resolved at test time through the metapackages.
#   tests/vm/kernels.sh CACHE_DIR   -> prints "NAME VMLINUZ" per kernel
set -eu
cache=$1
mkdir -p "$cache"
cd "$cache"

# metapackage per kernel line we test: 6.1 LTS (bookworm) and 6.12 LTS
metas="linux-image-cloud-amd64 linux-image-6.12-cloud-amd64"

resolve() {
	apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1
}

for meta in $metas; do
	pkg=$(resolve "$meta")
	if [ -z "$pkg" ]; then
		# a fresh machine may have empty package lists
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(resolve "$meta")
	fi
	[ -n "$pkg" ] || { echo "kernels: cannot resolve $meta through apt-cache" >&2; exit 1; }
	ver=${pkg#linux-image-}
	if [ ! -s "$pkg/boot/vmlinuz-$ver" ]; then
		rm -rf "$pkg" ./"$pkg"_*.deb
		# apt's sandbox user cannot write root's directories; download as root
		apt-get download -o APT::Sandbox::User=root "$pkg" >/dev/null 2>&1 ||
			{ echo "kernels: apt-get download $pkg failed" >&2; exit 1; }
		dpkg-deb -x ./"$pkg"_*.deb "$pkg"
		rm -f ./"$pkg"_*.deb
	fi
	echo "$ver $cache/$pkg/boot/vmlinuz-$ver"
done
