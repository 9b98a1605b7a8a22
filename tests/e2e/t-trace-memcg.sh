#!/bin/sh
# A real memcg v1 OOM on the host, traced in tracepoint mode, checked against
# the kernel's own report in dmesg: victim, candidate table and points,
# OOM memcg, totalpages, trigger, kernel stack; a hostile process name must
# come out as valid JSON and as escaped text.
. "$(dirname "$0")/lib.sh"

LIMIT_MIB=64
cg=$(memcg_new $LIMIT_MIB)
mark=$$-$(date +%s%N)
before=$(memcg_kills "$cg")

# the kernel times BPF programs while kernel.bpf_stats_enabled is 1: the
# tracer then says at exit what its programs cost
stats_old=$(cat /proc/sys/kernel/bpf_stats_enabled)
echo 1 >/proc/sys/kernel/bpf_stats_enabled
# filtered to this test's memcg: OOMs elsewhere on the machine must not count
start_tracer "$WORK/events.json" --json --mode tracepoint -k 0 -c "/$(basename "$cg")"
start_tracer "$WORK/events.txt" --mode tracepoint -c "/$(basename "$cg")"
TEXT_TRACER=$TRACER
# restore the JSON tracer's pid for stop_tracer: the text one is stopped by hand
JSON_TRACER=$(echo $PIDS | awk '{print $1}')

mark_kmsg "$mark"
# tasks of known, different sizes and adj values
sh -c "$IN_CG" "$cg" "$HOG" 8 >"$WORK/a" & PIDS="$PIDS $!"
sh -c "$IN_CG" "$cg" "$HOG" -a 500 4 >"$WORK/b" & PIDS="$PIDS $!"
sh -c "$IN_CG" "$cg" "$HOG" 12 >"$WORK/c" & PIDS="$PIDS $!"
# a name with a quote, a newline and a terminal escape (15 bytes, kernel's max)
hostile=$(printf 'q"n\nx\033[31mz')
HOSTILE_NAME=$hostile; export HOSTILE_NAME
sh -c "$IN_CG" "$cg" "$HOG" -n "$hostile" 2 >"$WORK/d" & PIDS="$PIDS $!"
HOSTILE_PID=$!
wait_ready "$WORK/a" "$WORK/b" "$WORK/c" "$WORK/d"
# its kill (or two: b's adj 500 is close) must come with the kernel's report
oom_report_window 2
# the grower allocates until the memcg is full; the kernel must kill it
sh -c "$IN_CG" "$cg" "$HOG" -r 16 >"$WORK/grower" &
GROWER=$!
wait $GROWER
rc=$?
assert_eq "$rc" 137 "grower was SIGKILLed"
sleep 0.3
kill -INT "$JSON_TRACER" "$TEXT_TRACER"
wait "$JSON_TRACER" "$TEXT_TRACER"
echo "$stats_old" >/proc/sys/kernel/bpf_stats_enabled
cost=$(grep '^oomtrace: BPF programs ran' "$WORK/events.json.err")
echo "$cost" | grep -Eq 'ran [1-9][0-9]* times in [0-9.]+ ms .* per OOM over [1-9][0-9]* OOMs; costliest: [a-z0-9_]+, [0-9.]+ ms$' ||
	fail "no BPF run time at exit with kernel.bpf_stats_enabled: '$cost'"
echo "ok: BPF run time at exit (${cost#oomtrace: })"
dmesg_since "$mark" >"$WORK/dmesg"
oom_reports_check "$WORK/dmesg" "$cg" $(($(memcg_kills "$cg") - before))

python3 "$TOP/tests/e2e/check_trace.py" "$WORK/events.json" "$WORK/dmesg" \
	$((LIMIT_MIB << 8)) "$GROWER" "$HOSTILE_PID" "/$(basename "$cg")" || fail "event does not match the kernel's report"

# text output: one block, no raw control bytes from the hostile name
grep -q "OOM kill #1" "$WORK/events.txt" || fail "no text block"
if LC_ALL=C grep -q "$(printf '\033')" "$WORK/events.txt"; then fail "raw ESC byte in text output"; fi
grep -qF 'q"n\nx\x1b[31mz' "$WORK/events.txt" || fail "hostile name not shown escaped in text"
echo "ok: text output escapes the hostile name"
