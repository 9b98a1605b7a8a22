#!/bin/sh
# SIGKILL the recorder in the middle of a burst of OOMs. Every whole line on
# disk must be valid JSON, and the recorded kills must be exactly the
# kernel's kills of the time it ran:
#   - the kernel's count (this test's memcg: memory.oom_control oom_kill)
#     read at mark A, half a second before the SIGKILL: every one of those
#     kills had time to be written, so all must be on disk;
#   - the count read once the recorder is dead: none after it can be there;
#   - the hogs run one after another, so the kernel kills them in the order
#     they started: the recorded victims must be the first N of them, in
#     order, with contiguous seq numbers (nothing lost, nothing twice).
# Only the kills of the last moment before the SIGKILL (between A and the
# kill) may or may not have been written: an event completes when the next
# OOM opens or after ASSEMBLE_QUIET_MS; that window is what a SIGKILL costs.
# Filtering to the memcg keeps other engineers' OOMs out of the counts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

cg=$(memcg_new 16)
out=$WORK/rec
start_tracer "$WORK/rec.stdout" record -o "$out/" -c "/$(basename "$cg")"
REC=$TRACER
base=$(memcg_kills "$cg")

# the burst: hogs one after another, each grows until killed
(
	while [ ! -e "$WORK/stop" ]; do
		sh -c "$IN_CG" "$cg" "$HOG" -r 1 >/dev/null 2>&1 &
		echo $! >>"$WORK/hogs"
		wait $!
	done
) &
BURST=$!
PIDS="$PIDS $BURST"
sleep 1.5
at_a=$(memcg_kills "$cg")
sleep 0.5
kill -KILL "$REC"
wait "$REC" 2>/dev/null
at_kill=$(memcg_kills "$cg")
sleep 0.5
touch "$WORK/stop"
wait "$BURST"

f=$out/oomtrace.jsonl
note "kernel kills in the memcg: $((at_a - base)) at mark A, $((at_kill - base)) when the recorder died, $(($(memcg_kills "$cg") - base)) in all"
note "$(jsonl_check "$f")"
[ $((at_a - base)) -ge 5 ] || fail "too few OOMs before mark A for a burst: $((at_a - base))"
grep -q '"type":"recorder_stop"' "$f" && fail "a SIGKILLed recorder wrote a stop record"
python3 - "$f" "$WORK/hogs" $((at_a - base)) $((at_kill - base)) <<'PY' || fail "recorded kills do not match the kernel's"
import json, sys
path, hogs_path, at_a, at_kill = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
lines = open(path, "rb").read().split(b"\n")
kills = [json.loads(l) for l in lines[:-1] if b'"type":"oom_kill"' in l]
hogs = [int(x) for x in open(hogs_path).read().split()]
n = len(kills)
print(f"# recorded {n} kills; {at_a} happened before mark A, {at_kill} before the recorder died")
assert at_a <= n <= at_kill, (at_a, n, at_kill)
seqs = [k["seq"] for k in kills]
assert seqs == list(range(1, n + 1)), f"seq not contiguous: {seqs}"
victims = [k["victim"]["pid"] for k in kills]
assert victims == hogs[:n], f"victims {victims} are not the first {n} hogs {hogs[:n]}"
print(f"ok: the {n} recorded kills are the kernel's first {n}, in order, once each")
PY
# and report reads it without complaint: a SIGKILL leaves no garbage
"$OOMTRACE" report --json "$f" >"$WORK/r.json" 2>"$WORK/r.err" || fail "report failed"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["bad_lines"] == 0, r
assert r["unclean_runs"] == 1, r
print("ok: report: %d kills, the run flagged as not stopped cleanly" % r["kills"])' "$WORK/r.json" || fail "report"
