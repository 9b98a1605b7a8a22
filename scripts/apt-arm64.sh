#!/bin/sh
# Run apt-get or apt-cache on Debian's arm64 packages, without changing the
# machine's own apt setup: a private configuration under DIR (sources, lists,
# cache) whose sources are the machine's own main suites, for arm64 only.
# The machine's architectures and sources stay as they are.
#   scripts/apt-arm64.sh DIR apt-get ARGS...    e.g. download busybox-static:arm64
#   scripts/apt-arm64.sh DIR apt-cache ARGS...  e.g. depends linux-image-cloud-arm64:arm64
# The lists are fetched on first use and again once a day (old kernel ABIs
# leave the archive, so stale lists name packages that are gone).
set -eu
[ $# -ge 2 ] || { echo "apt-arm64: usage: apt-arm64.sh DIR apt-get|apt-cache ARGS..." >&2; exit 2; }
dir=$1
tool=$2
shift 2
case $tool in
apt-get | apt-cache) ;;
*) echo "apt-arm64: '$tool' is neither apt-get nor apt-cache" >&2; exit 2 ;;
esac
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
dir=$(cd "$dir" && pwd)

# the machine's own "URI SUITE" pairs that serve main, e.g. bookworm and
# bookworm-security; a fresh machine may have no lists yet
suites() {
	apt-cache policy 2>/dev/null |
		sed -n 's|^ *[0-9]* \([a-z]*://[^ ]*\) \([^ /]*\)/main [a-z0-9]* Packages$|\1 \2|p' | sort -u
}
if [ ! -s "$dir/sources.list" ]; then
	found=$(suites)
	if [ -z "$found" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		found=$(suites)
	fi
	[ -n "$found" ] || { echo "apt-arm64: the machine's apt sources name no main suite" >&2; exit 1; }
	echo "$found" | while read -r uri suite; do
		echo "deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main"
	done >"$dir/sources.list.tmp"
	mv "$dir/sources.list.tmp" "$dir/sources.list"
fi

# run TOOL ARGS...: TOOL with the private configuration
run() {
	t=$1
	shift
	"$t" -o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" \
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64 \
		-o APT::Sandbox::User=root "$@"
}

# fetched lists are named *_Packages (uncompressed or .lz4, per apt's setting)
if [ -z "$(find "$dir/lists" -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null | head -n1)" ]; then
	run apt-get update -qq >/dev/null 2>&1 ||
		{ echo "apt-arm64: apt-get update of the arm64 lists failed" >&2; exit 1; }
fi
run "$tool" "$@"
