#!/bin/sh
# Regenerate the pinned vmlinux.h from a kernel's BTF. The build never reads
# the build host's kernel: CO-RE relocates against the running kernel at load
# time, so any recent BTF with the types we use will do.
#   scripts/gen-vmlinux.sh [BTF_FILE] [ARCH]   (default /sys/kernel/btf/vmlinux, x86)
#   scripts/gen-vmlinux.sh IMAGE arm64         BTF taken out of a kernel Image
#   scripts/gen-vmlinux.sh --debian-arm64      vmlinux/arm64 from Debian 12's arm64
#                                              cloud kernel (the one the VM tests boot)
# BTF_FILE may be raw BTF (/sys/kernel/btf/vmlinux) or an ELF vmlinux; an
# arm64 Image (a plain binary, what Debian ships as vmlinuz) carries the same
# raw BTF inside, between __start_BTF and __stop_BTF: it is found by its
# header and checked by bpftool, which parses it.
set -eu
cd "$(dirname "$0")/.."

if [ "${1:-}" = --debian-arm64 ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	apt=${APT_ARM64_DIR:-.output/arm64/apt}
	mkdir -p "$apt"
	apt=$(cd "$apt" && pwd)
	here=$(pwd)
	meta=linux-image-cloud-arm64:arm64
	pkg=$(scripts/apt-arm64.sh "$apt" apt-cache depends "$meta" |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*$/\1/p' | head -n1)
	[ -n "$pkg" ] || { echo "gen-vmlinux: cannot resolve $meta" >&2; exit 1; }
	(cd "$tmp" && "$here/scripts/apt-arm64.sh" "$apt" apt-get download -q "$pkg:arm64" >/dev/null) ||
		{ echo "gen-vmlinux: cannot download $pkg:arm64" >&2; exit 1; }
	dpkg-deb -x "$tmp"/*.deb "$tmp/x"
	echo "gen-vmlinux: BTF of $pkg (arm64)"
	set -- "$tmp/x/boot/vmlinuz-${pkg#linux-image-}" arm64
fi

btf=${1:-/sys/kernel/btf/vmlinux}
arch=${2:-x86}
[ -r "$btf" ] || { echo "gen-vmlinux: cannot read $btf" >&2; exit 1; }
mkdir -p "vmlinux/$arch"
src=$btf
# neither ELF (\177ELF) nor raw BTF (9f eb, little-endian): a kernel Image
magic=$(od -An -tx1 -N4 "$btf" | tr -d ' \n')
case $magic in
7f454c46 | 9feb*) ;;
*)
	src=vmlinux/$arch/btf.tmp
	python3 - "$btf" "$src" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
# struct btf_header: magic 0xeb9f, version 1, flags 0, hdr_len 24, then
# type_off, type_len, str_off, str_len; vmlinux BTF has its types first
best = None
at = data.find(b"\x9f\xeb\x01\x00\x18\x00\x00\x00")
while at >= 0:
    type_off, type_len, str_off, str_len = struct.unpack_from("<4I", data, at + 8)
    end = at + 24 + str_off + str_len
    if type_off == 0 and str_off == type_len and end <= len(data) and \
            data[at + 24 + str_off] == 0 and (best is None or end - at > best[1] - best[0]):
        best = (at, end)
    at = data.find(b"\x9f\xeb\x01\x00\x18\x00\x00\x00", at + 1)
if best is None:
    sys.exit(f"gen-vmlinux: no BTF found in {sys.argv[1]}")
open(sys.argv[2], "wb").write(data[best[0]:best[1]])
EOF
	;;
esac
bpftool btf dump file "$src" format c >"vmlinux/$arch/vmlinux.h.tmp" ||
	{ rm -f "vmlinux/$arch/vmlinux.h.tmp" vmlinux/"$arch"/btf.tmp; exit 1; }
rm -f "vmlinux/$arch/btf.tmp"
mv "vmlinux/$arch/vmlinux.h.tmp" "vmlinux/$arch/vmlinux.h"
echo "wrote vmlinux/$arch/vmlinux.h from $btf"
