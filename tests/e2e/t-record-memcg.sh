#!/bin/sh
# A real memcg OOM recorded on the host, then reported. The recorded event is
# checked against the kernel's own report in dmesg (the same checks as the
# live tracer), the recorder's count against the memcg's oom_kill counter,
# and `report --event` against what `trace` printed live for the same kill.
# Other engineers trigger OOMs on this machine too: everything is filtered to
# (or counted in) this test's own memcg.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

LIMIT_MIB=48
cg=$(memcg_new $LIMIT_MIB)
name=/$(basename "$cg")
mark=$$-$(date +%s%N)
out=$WORK/rec
before=$(memcg_kills "$cg")

# --user-symbols: the live tracer keeps every capability and symbolizes the
# user stack; without it the recorder keeps build ids only (t-record-caps.sh)
start_tracer "$WORK/rec.stdout" record -o "$out/" -c "$name" -k 0 --prom-file "$WORK/oom.prom" \
	--user-symbols
REC=$TRACER
start_tracer "$WORK/live.txt" --mode tracepoint -k 0 -c "$name"
LIVE=$TRACER

mark_kmsg "$mark"
sh -c "$IN_CG" "$cg" "$HOG" 8 >"$WORK/a" & PIDS="$PIDS $!"
sh -c "$IN_CG" "$cg" "$HOG" -a 500 4 >"$WORK/b" & PIDS="$PIDS $!"
wait_ready "$WORK/a" "$WORK/b"
# the tests before may have used up the kernel's OOM reports for a while
oom_report_window
sh -c "$IN_CG" "$cg" "$HOG" -r 16 >/dev/null &
GROWER=$!
wait $GROWER
assert_eq "$?" 137 "grower was SIGKILLed"
wait_for "$out/oomtrace.jsonl" '"type":"oom_kill"'
sleep 0.3
kill -INT "$REC" "$LIVE"
wait "$REC"
assert_eq "$?" 0 "recorder exit code after SIGINT"
wait "$LIVE"
dmesg_since "$mark" >"$WORK/dmesg"
after=$(memcg_kills "$cg")
oom_reports_check "$WORK/dmesg" "$cg" $((after - before))

f=$out/oomtrace.jsonl
note "$(jsonl_check "$f")"
[ -s "$WORK/rec.stdout" ] && fail "records on stdout though the file was writable"
assert_eq "$(stat -c %a "$f")" 640 "record file mode"
assert_eq "$(count_type "$f" recorder_start)" 1 "one recorder_start"
assert_eq "$(count_type "$f" recorder_stop)" 1 "one recorder_stop"
assert_eq "$(count_type "$f" oom_kill)" $((after - before)) "recorded kills = the memcg's oom_kill counter"
grep -q '"type":"victim_exit"' "$f" || fail "no victim_exit aftermath recorded"
python3 "$TOP/tests/e2e/check_trace.py" "$f" "$WORK/dmesg" $((LIMIT_MIB << 8)) "$GROWER" 0 \
	"$name" || fail "recorded event does not match the kernel's report"
# the cgroup's counter agreed: no reconcile record says otherwise
if grep '"type":"reconcile"' "$f" | grep -q '"scope":"cgroup"'; then
	fail "cgroup reconciliation reported a gap: $(grep '"type":"reconcile"' "$f")"
fi
grep -q "^oomtrace_oom_kills_total{domain=\"$name\"} $((after - before))\$" "$WORK/oom.prom" ||
	fail "metrics: $(grep kills_total "$WORK/oom.prom")"
echo "ok: metrics count the kill by domain"

# report: summaries
"$OOMTRACE" report "$f" >"$WORK/report.txt" 2>"$WORK/report.err" || fail "report failed"
[ -s "$WORK/report.err" ] && fail "report warned on a clean file: $(cat "$WORK/report.err")"
grep -q "^oomtrace report: $((after - before)) OOM kills" "$WORK/report.txt" || fail "report: $(head -n1 "$WORK/report.txt")"
grep -q "^ *$((after - before))  $name\$" "$WORK/report.txt" || fail "report: no line for $name"
"$OOMTRACE" report --json "$f" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["kills"] == int(sys.argv[1]), r["kills"]
assert r["by_domain"][0]["domain"] == sys.argv[2], r["by_domain"]
assert r["bad_lines"] == 0 and r["runs"] == 1 and r["unclean_runs"] == 0, r
print("ok: report --json:", r["kills"], "kills in", sys.argv[2])' $((after - before)) "$name" || fail "report --json"

# report --event: the recorded line renders back to the same JSON ...
seq=$(sed -n 's/^{"type":"oom_kill","seq":\([0-9]*\),.*/\1/p' "$f" | head -n1)
"$OOMTRACE" report --json --event "$seq" "$f" | head -n1 >"$WORK/ev.json"
grep "^{\"type\":\"oom_kill\",\"seq\":$seq," "$f" | cmp - "$WORK/ev.json" || fail "report --json --event is not the recorded line"
echo "ok: report --json --event reproduces the recorded line byte for byte"
# ... and to the block the live tracer printed (numbering and times aside;
# and the memory section: each tracer reads the memcg's counters itself, at
# its own instant, and they may be a page apart)
"$OOMTRACE" report --event "$seq" "$f" >"$WORK/ev.txt" || fail "report --event"
block() {
	awk 'NR > 1 && /^$/ { exit } /^  memory / { m = 1; next } m && /^             / { next }
	     { m = 0 } NR > 1' "$1"
}
block "$WORK/ev.txt" >"$WORK/ev.block"
block "$WORK/live.txt" >"$WORK/live.block"
diff -u "$WORK/live.block" "$WORK/ev.block" || fail "report --event differs from the live block"
echo "ok: report --event renders the live text block ($(wc -l <"$WORK/ev.block") lines)"
