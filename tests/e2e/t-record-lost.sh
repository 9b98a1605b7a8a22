#!/bin/sh
# Completeness, end to end:
#  1. Records the ring buffer cannot take are counted and written as records
#     of their own, and kills that never reached the recorder are caught by
#     reconciliation with the kernel's counter: a 4 KiB ring buffer, the
#     recorder stopped (SIGSTOP) through ten OOMs in this test's memcg, then
#     let go. The first OOMs lose their large KILL records but keep their
#     victims (still counted as kills, marked lost_events); later ones lose
#     everything. The cgroup's counter (memory.oom_control oom_kill, which
#     only this test's OOMs move) says 10; the recorder must write a "lost"
#     record and a "reconcile" record for the cgroup with the gap it missed.
#  2. Kills while no recorder runs: stopped cleanly, one more OOM, started
#     again on the same output: a "reconcile" record of scope "downtime"
#     counts it (from /proc/vmstat, so other engineers' OOMs in that window
#     count too: at least 1), and seq numbers continue where they stopped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

cg=$(memcg_new 16)
name=/$(basename "$cg")
out=$WORK/rec
f=$out/oomtrace.jsonl
start_tracer "$WORK/r1" record -o "$out/" -c "$name" -k 0 --ringbuf-size 4
REC=$TRACER
base=$(memcg_kills "$cg")
kill -STOP "$REC"
i=0
while [ $i -lt 10 ]; do oom_once "$cg"; i=$((i + 1)); done
kernel=$(($(memcg_kills "$cg") - base))
kill -CONT "$REC"
wait_for "$f" '"type":"reconcile".*"scope":"cgroup"' 10
kill -INT "$REC"
wait "$REC"
assert_eq "$?" 0 "exit code"
jsonl_check "$f" >/dev/null
# kills: events that name a victim (an event whose every victim record was
# lost is still written, marked lost_events, but it is no captured kill)
recorded=$(grep '^{"type":"oom_kill"' "$f" | grep -c '"victim":{')
note "kernel: $kernel kills in $name; recorded: $recorded"
[ "$recorded" -lt "$kernel" ] || fail "nothing was lost: the test did not test anything"
grep -q '^{"type":"lost",.*"records":[1-9]' "$f" || fail "no lost record"
echo "ok: $(grep '"type":"lost"' "$f" | head -n1 | cut -c1-140)"
line=$(grep '"type":"reconcile"' "$f" | grep '"scope":"cgroup"' | tail -n1)
echo "$line" | grep -q "\"kernel_kills\":$kernel,\"recorded_kills\":$recorded,\"gap\":$((kernel - recorded)),\"status\":\"missing\"" ||
	fail "reconcile record: $line"
echo "ok: $(echo "$line" | cut -c1-200)"
grep -q "records were lost" "$WORK/r1.err" || fail "no loss warning at exit"
grep -q "the kernel counted $kernel OOM kills in $name" "$WORK/r1.err" || fail "no gap warning: $(cat "$WORK/r1.err")"
grep -q '"type":"recorder_stop",.*"lost_records":[1-9]' "$f" || fail "stop record without lost_records"
"$OOMTRACE" report --json "$f" | grep -q '"lost_records":[1-9]' || fail "report does not show the loss"
echo "ok: the loss is counted at exit, in the stop record and by report"

# 2. a kill while no recorder runs
last=$(sed -n 's/.*"type":"recorder_stop".*"last_seq":\([0-9]*\).*/\1/p' "$f")
oom_once "$cg"
start_tracer "$WORK/r2" record -o "$out/" -c "$name"
REC=$TRACER
down=$(grep '"type":"reconcile"' "$f" | grep '"scope":"downtime"' | tail -n1)
echo "$down" | grep -q '"previous_run_clean":true,.*"gap":[1-9]' || fail "no downtime reconcile: $down"
echo "ok: $(echo "$down" | cut -c1-220)"
grep -q "OOM kills that no recorder wrote down" "$WORK/r2.err" || fail "no downtime warning"
oom_once "$cg"
wait_for "$f" "\"type\":\"oom_kill\",\"seq\":$((last + 1)),"
kill -INT "$REC"
wait "$REC"
echo "ok: seq continues after a restart: $((last + 1))"
