#!/bin/sh
# Throughput and memory of `oomtrace replay`: the OOMs of the kernel-log
# fixtures that have a whole task table (parse --json -k 0), renumbered and
# repeated to N OOMs, streamed through replay's default policies plus an
# expr: formula. Prints a table and a final JSON line; exits 1 if peak
# memory grows with the number of OOMs (more than 25% + 1 MiB from the
# smallest to the largest), 77 if it cannot run.
#   tests/bench/replay.sh [N...]     (default: 10000 100000)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OOMTRACE=$TOP/oomtrace
counts=${*:-10000 100000}

[ -x "$OOMTRACE" ] || { echo "bench: no $OOMTRACE: run make" >&2; exit 77; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (Debian package 'time')" >&2; exit 77; }
WORK=$(mktemp -d /tmp/oomtrace-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

for f in "$TOP"/tests/fixtures/kmsg/*.log "$TOP"/tests/fixtures/kmsg-own/*.log; do
	"$OOMTRACE" parse --json -k 0 "$f" 2>/dev/null
done | grep '"type":"oom_kill"' >"$WORK/events" || exit 1

# gen N: the events, renumbered 1..N, on stdout
gen() {
	python3 - "$1" "$WORK/events" <<'PY'
import re, sys
n, lines = int(sys.argv[1]), open(sys.argv[2], encoding="utf-8").read().splitlines()
lines = [re.sub(r'^\{"type":"oom_kill","seq":\d+,', "", l) for l in lines]
out = sys.stdout
for i in range(n):
    out.write('{"type":"oom_kill","seq":%d,%s\n' % (i + 1, lines[i % len(lines)]))
PY
}

printf '%8s %11s %9s %8s %9s %12s\n' ooms bytes replayed seconds ooms/s peak_rss_KiB
json="" first_rss="" last_rss=""
for n in $counts; do
	gen "$n" >"$WORK/in" || exit 1
	bytes=$(stat -c %s "$WORK/in")
	/usr/bin/time -f '%e %M' -o "$WORK/time" "$OOMTRACE" replay -P kernel -P no-adj \
		-P largest-memcg -P 'expr:rss + swap - adj' "$WORK/in" >"$WORK/out" 2>"$WORK/err" ||
		{ cat "$WORK/err" >&2; exit 1; }
	read -r secs rss <"$WORK/time"
	replayed=$(sed -n 's/^replay: [0-9]* OOM kills read, \([0-9]*\) replayed.*/\1/p' "$WORK/out")
	rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
	printf '%8s %11s %9s %8s %9s %12s\n' "$n" "$bytes" "$replayed" "$secs" "$rate" "$rss"
	json="$json${json:+,}{\"ooms\":$n,\"bytes\":$bytes,\"replayed\":$replayed,\"seconds\":$secs,\"ooms_per_s\":$rate,\"peak_rss_kib\":$rss}"
	[ -z "$first_rss" ] && first_rss=$rss
	last_rss=$rss
	rm -f "$WORK/in"
done
growth=$((last_rss - first_rss))
bounded=$(awk -v a="$first_rss" -v b="$last_rss" 'BEGIN { print (b <= a * 1.25 + 1024) ? "true" : "false" }')
echo "{\"bench\":\"replay\",\"runs\":[$json],\"rss_growth_kib\":$growth,\"memory_bounded\":$bounded}"
[ "$bounded" = true ]
