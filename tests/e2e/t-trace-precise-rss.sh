#!/bin/sh
# --precise-rss on the host (6.18: the rss counters are per CPU, and
# kallsyms hides __per_cpu_offset). A hog that touched base pages one fault
# at a time leaves part of its rss in the counters' per-CPU parts; stopped,
# its rss cannot move, and the page-table walk of /proc/PID/smaps_rollup
# counts it exactly. A memcg OOM (a grower, the victim) makes the hog a
# candidate: its rss_pages_precise must be smaps_rollup's Rss to the page
# (and /proc/PID/status's VmRSS, exact on 6.16+), its approximate rss_pages
# the kernel's own task table in dmesg. replay -P precise-rss then has the
# exact sums of every candidate (check_precise_rss.py).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

LIMIT_MIB=64
cg=$(memcg_new $LIMIT_MIB)
name=/$(basename "$cg")
mark=$$-$(date +%s%N)
before=$(memcg_kills "$cg")

start_tracer "$WORK/events.json" --json --mode tracepoint -k 0 --precise-rss -c "$name"
grep -q -- '--precise-rss' "$WORK/events.json.err" &&
	fail "--precise-rss warned on a kernel it works on: $(cat "$WORK/events.json.err")"

mark_kmsg "$mark"
# 8 MiB (huge pages where THP allows) and 2011 base pages: 2011 is no
# multiple of the counters' batch (32 with 2 CPUs), so some stays per CPU;
# then all of it mlocked (-L)
sh -c "$IN_CG" "$cg" "$HOG" -n exact -p 2011 -L 8 >"$WORK/a" & PIDS="$PIDS $!"
HOGPID=$!
wait_ready "$WORK/a"
kill -STOP "$HOGPID"
i=0
until [ "$(awk '{print $3}' "/proc/$HOGPID/stat")" = T ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "hog $HOGPID did not stop"
	sleep 0.05
done
snap() { # snap FILE: the stopped hog's rss as the kernel counts it
	{ grep '^Rss:' "/proc/$HOGPID/smaps_rollup"
	  grep '^\(VmRSS\|RssAnon\|RssFile\|RssShmem\):' "/proc/$HOGPID/status"; } >"$1"
}
snap "$WORK/rss.before"
cat "$WORK/rss.before"

oom_report_window 1
sh -c "$IN_CG" "$cg" "$HOG" -r 0 >/dev/null &
GROWER=$!
wait $GROWER
assert_eq "$?" 137 "grower was SIGKILLed"
wait_for "$WORK/events.json" '"type":"oom_kill"'
sleep 0.3
stop_tracer
# reclaim could only have lowered a stopped task's rss: the same after the
# OOM means the same all along, when the tracer read it too
snap "$WORK/rss.after"
cmp -s "$WORK/rss.before" "$WORK/rss.after" ||
	fail "the stopped hog's rss moved during the OOM: $(cat "$WORK/rss.after")"
dmesg_since "$mark" >"$WORK/dmesg"
oom_reports_check "$WORK/dmesg" "$cg" $(($(memcg_kills "$cg") - before))

"$OOMTRACE" replay --json -P kernel -P precise-rss "$WORK/events.json" >"$WORK/replay.jsonl" \
	2>"$WORK/replay.err" || fail "replay: $(cat "$WORK/replay.err")"
python3 "$TOP/tests/e2e/check_precise_rss.py" "$WORK/events.json" "$WORK/dmesg" \
	"$WORK/rss.before" "$HOGPID" "$GROWER" "$WORK/replay.jsonl" ||
	fail "exact sums do not match the kernel's"
