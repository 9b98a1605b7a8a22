#!/bin/sh
# Throughput and memory of `oomtrace parse`: a large kernel log (the fixture
# reports, hundreds of times, between ordinary kernel messages and the odd
# warning trace) parsed to JSON, at several sizes. Prints a table and a
# final JSON line; exits 1 if peak memory grows with the input (more than
# 25% + 1 MiB from the smallest to the largest), 77 if it cannot run.
#   tests/bench/parse.sh [SIZE_MIB...]     (default: 10 100)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OOMTRACE=$TOP/oomtrace
FIX=$TOP/tests/fixtures/kmsg
sizes=${*:-10 100}

[ -x "$OOMTRACE" ] || { echo "bench: no $OOMTRACE: run make" >&2; exit 77; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (Debian package 'time')" >&2; exit 77; }
WORK=$(mktemp -d /tmp/oomtrace-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

# gen MIB FILE: fixtures whole, in a random order, with filler between
gen() {
	python3 - "$1" "$2" "$FIX" <<'PY'
import os, random, sys
mib, out, fix = int(sys.argv[1]), sys.argv[2], sys.argv[3]
random.seed(mib)
reports = [open(os.path.join(fix, f), "rb").read() for f in sorted(os.listdir(fix)) if f.endswith(".log")]
filler = [
    b"e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    b"audit: type=1400 audit(1700000000.123:456): apparmor=\"DENIED\" operation=\"open\" "
    b"profile=\"snap.lxd\" name=\"/proc/1/stat\" pid=1234 comm=\"snapd\" requested_mask=\"r\"",
    b"usb 1-1: new high-speed USB device number 5 using xhci_hcd",
    b"EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.",
    b"TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.",
    b"nf_conntrack: nf_conntrack: table full, dropping packet",
    b"IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
    b"perf: interrupt took too long (2503 > 2500), lowering kernel.perf_event_max_sample_rate",
    b"device veth1a2b3c entered promiscuous mode",
    b"docker0: port 3(veth1a2b3c) entered forwarding state",
]
warn = [b"------------[ cut here ]------------", b"WARNING: CPU: 1 PID: 77 at mm/page_alloc.c:4000 f+0x1/0x2",
        b"CPU: 1 PID: 77 Comm: kworker/1:1 Not tainted 6.1.0 #1", b"Call Trace:", b" <TASK>",
        b" dump_stack_lvl+0x44/0x5c", b" __warn+0x7d/0xc0", b" report_bug+0xe6/0x150", b" </TASK>",
        b"---[ end trace 0000000000000000 ]---"]
t, size, limit = 1000.0, 0, mib << 20
with open(out, "wb") as f:
    while size < limit:
        chunk = [random.choice(reports)]
        for _ in range(random.randint(20, 80)):
            t += random.random() * 3
            chunk.append(b"[%12.6f] " % t + random.choice(filler) + b"\n")
        if random.random() < 0.1:
            t += 5
            chunk.extend(b"[%12.6f] " % t + w + b"\n" for w in warn)
        data = b"".join(chunk)
        f.write(data)
        size += len(data)
PY
}

# run FILE: "seconds peak_rss_kb reports lines", best of three runs
run() {
	best=""
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$WORK/time" "$OOMTRACE" parse --json -k 0 "$1" \
			>/dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; exit 1; }
		read -r secs rss <"$WORK/time"
		if [ -z "$best" ] || awk -v a="$secs" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
			best="$secs $rss"
		fi
	done
	summary=$(grep '^oomtrace: parse:' "$WORK/err")
	reports=$(echo "$summary" | sed -n 's/^oomtrace: parse: \([0-9]*\) OOM report.*/\1/p')
	lines=$(echo "$summary" | sed -n 's/.* in \([0-9]*\) lines.*/\1/p')
	echo "$best $reports $lines"
}

printf '%8s %10s %9s %10s %8s %9s %12s\n' size_MiB bytes reports lines seconds MB/s peak_rss_KiB
json="" first_rss="" last_rss=""
for mib in $sizes; do
	gen "$mib" "$WORK/log" || exit 1
	bytes=$(stat -c %s "$WORK/log")
	set -- $(run "$WORK/log")
	secs=$1 rss=$2 reports=$3 lines=$4
	mbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }')
	printf '%8s %10s %9s %10s %8s %9s %12s\n' "$mib" "$bytes" "$reports" "$lines" "$secs" "$mbs" "$rss"
	json="$json${json:+,}{\"size_mib\":$mib,\"bytes\":$bytes,\"reports\":$reports,\"lines\":$lines,\"seconds\":$secs,\"mb_per_s\":$mbs,\"peak_rss_kib\":$rss}"
	[ -z "$first_rss" ] && first_rss=$rss
	last_rss=$rss
	rm -f "$WORK/log"
done
growth=$((last_rss - first_rss))
bounded=$(awk -v a="$first_rss" -v b="$last_rss" 'BEGIN { print (b <= a * 1.25 + 1024) ? "true" : "false" }')
echo "{\"bench\":\"parse\",\"runs\":[$json],\"rss_growth_kib\":$growth,\"memory_bounded\":$bounded}"
[ "$bounded" = true ]
