#!/bin/sh
# Fetch the stock Debian kernels the VM tests boot, into a cache directory.
# Package names change as Debian updates (old ABIs leave the archive), so
# they are resolved at test time through the metapackages.
#   tests/vm/kernels.sh CACHE_DIR   -> prints "NAME VMLINUZ MODES APART" per kernel
set -eu
mkdir -p "$1"
# absolute: the private apt configurations below name paths under it after the cd
cache=$(cd "$1" && pwd)
cd "$cache"

# The x86-64 kernels we test, one per line: the Debian suite, the
# metapackage that names the current image there, the attach modes the
# kernel is expected to allow, and whether they run apart (1: one pass per
# mode). The machine's own apt serves bookworm; any other suite is fetched
# through a private apt configuration under $cache/apt-SUITE (the
# machine's sources stay as they are).
#   6.1 LTS, 6.12 LTS: every mode, at once.
#   5.10 LTS (Debian 11): fentry cannot see oom_badness(), which the compiler
#   split (oom_badness.part.0, no BTF). kprobe and tracepoint mode run at
#   once: before 5.16 kprobe mode's kretprobe cuts every stack unwound under
#   it, so tracepoint mode must tell the OOM domain without its stack.
X86_KERNELS='
bookworm linux-image-cloud-amd64 fentry,kprobe,tracepoint 0
bookworm linux-image-6.12-cloud-amd64 fentry,kprobe,tracepoint 0
bullseye linux-image-cloud-amd64 kprobe,tracepoint 0
'
# Debian's archive host, as the machine's own sources name it.
mirror() {
	sed -n 's|^URIs: *\(https\{0,1\}://[^/ ]*\)/debian$|\1|p; s|^deb \(https\{0,1\}://[^/ ]*\)/debian .*|\1|p' \
		/etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1
}

# apt options for SUITE: none for the machine's own, else a private config
apt_opts() {
	[ "$1" = bookworm ] && return 0
	dir=$cache/apt-$1
	echo "-o Dir::Etc::SourceList=$dir/sources.list -o Dir::Etc::SourceParts=/dev/null" \
	     "-o Dir::State::Lists=$dir/lists -o Dir::Cache=$dir/cache" \
	     "-o Dir::State::Status=$dir/status"
}

private_update() { # private_update SUITE: once per run
	dir=$cache/apt-$1
	[ -f "$dir/updated" ] && [ -n "$(find "$dir/updated" -mmin -720 2>/dev/null)" ] && return 0
	host=$(mirror)
	host=${host:-http://deb.debian.org}
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	: >"$dir/status"
	printf 'deb %s/debian %s main\ndeb %s/debian-security %s-security main\n' \
		"$host" "$1" "$host" "$1" >"$dir/sources.list"
	# shellcheck disable=SC2046
	apt-get $(apt_opts "$1") -o APT::Sandbox::User=root update -qq >/dev/null 2>&1 ||
		{ echo "kernels: apt-get update for $1 failed" >&2; return 1; }
	touch "$dir/updated"
}

resolve() { # resolve SUITE META
	# shellcheck disable=SC2046
	apt-cache $(apt_opts "$1") depends "$2" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n1
}

echo "$X86_KERNELS" | while read -r suite meta modes apart; do
	[ -n "$suite" ] || continue
	if [ "$suite" != bookworm ]; then
		private_update "$suite" || exit 1
	fi
	pkg=$(resolve "$suite" "$meta")
	if [ -z "$pkg" ] && [ "$suite" = bookworm ]; then
		# a fresh machine may have empty package lists
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(resolve "$suite" "$meta")
	fi
	[ -n "$pkg" ] || { echo "kernels: cannot resolve $meta ($suite) through apt-cache" >&2; exit 1; }
	ver=${pkg#linux-image-}
	if [ ! -s "$pkg/boot/vmlinuz-$ver" ]; then
		rm -rf "$pkg" ./"$pkg"_*.deb
		# apt's sandbox user cannot write root's directories; download as root
		# shellcheck disable=SC2046
		apt-get $(apt_opts "$suite") download -o APT::Sandbox::User=root "$pkg" >/dev/null 2>&1 ||
			{ echo "kernels: apt-get download $pkg failed" >&2; exit 1; }
		dpkg-deb -x ./"$pkg"_*.deb "$pkg"
		rm -f ./"$pkg"_*.deb
	fi
	echo "$ver $cache/$pkg/boot/vmlinuz-$ver $modes $apart"
done
