#!/bin/sh
# A real memcg v1 OOM on the host, in this test's own memcg, seen by the live
# tracer and by `oomtrace parse` from: the dmesg report as a file, the same
# on stdin, /dev/kmsg (--kmsg), and /dev/kmsg followed while the OOM happens
# (--kmsg --follow). Each parsed event must have the live event's victim,
# candidate pids and memory columns (parse_compare.py). Everything is
# filtered to this test's memcg: other tests trigger OOMs on this machine.
. "$(dirname "$0")/lib.sh"

# wait_line FILE PATTERN SECONDS: wait (bounded) for a line matching PATTERN
wait_line() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -gt $(($3 * 10)) ] && fail "$1: no '$2' after $3s"
		sleep 0.1
	done
}

LIMIT_MIB=64
cg=$(memcg_new $LIMIT_MIB)
name=/$(basename "$cg")
mark=$$-$(date +%s%N)
before=$(memcg_kills "$cg")

start_tracer "$WORK/live.json" --json --mode tracepoint -k 0 -c "$name"
LIVE=$TRACER
# reads what /dev/kmsg holds, then waits for more: this test's OOM
"$OOMTRACE" parse --kmsg --follow --json -k 0 -c "$name" >"$WORK/follow.json" 2>"$WORK/follow.err" &
FOLLOW=$!
PIDS="$PIDS $FOLLOW"

mark_kmsg "$mark"
sh -c "$IN_CG" "$cg" "$HOG" 8 >"$WORK/a" & PIDS="$PIDS $!"
sh -c "$IN_CG" "$cg" "$HOG" -a 500 4 >"$WORK/b" & PIDS="$PIDS $!"
hostile=$(printf 'q"n\nx\033[31mz')
sh -c "$IN_CG" "$cg" "$HOG" -n "$hostile" 2 >"$WORK/d" & PIDS="$PIDS $!"
HOSTILE_PID=$!
wait_ready "$WORK/a" "$WORK/b" "$WORK/d"
# what is parsed is the kernel's report: it must be printed
oom_report_window
sh -c "$IN_CG" "$cg" "$HOG" -r 16 >"$WORK/grower" &
GROWER=$!
wait $GROWER
assert_eq "$?" 137 "grower was SIGKILLed"

wait_line "$WORK/live.json" '"type":"oom_kill"' 10
sleep 0.3
kill -INT "$LIVE"
wait "$LIVE"
# --follow passes the report on once /dev/kmsg has been quiet for a moment
wait_line "$WORK/follow.json" '"type":"oom_kill"' 10
kill -INT "$FOLLOW"
wait "$FOLLOW"
assert_eq "$?" 0 "parse --kmsg --follow exits 0 on SIGINT"
grep -q '^oomtrace: parse: ' "$WORK/follow.err" || fail "no summary line: $(cat "$WORK/follow.err")"

compare() {
	python3 "$TOP/tests/e2e/parse_compare.py" "$WORK/live.json" "$1" "$name" "$HOSTILE_PID" ${2:-} ||
		fail "$1 does not match the live event"
}

dmesg_since "$mark" >"$WORK/dmesg"
oom_reports_check "$WORK/dmesg" "$cg" $(($(memcg_kills "$cg") - before))
"$OOMTRACE" parse --json -k 0 -c "$name" "$WORK/dmesg" >"$WORK/file.json" 2>"$WORK/file.err"
assert_eq "$?" 0 "parse FILE exit code"
compare "$WORK/file.json"

dmesg_since "$mark" | "$OOMTRACE" parse --json -k 0 -c "$name" >"$WORK/stdin.json" 2>/dev/null
assert_eq "$?" 0 "parse from stdin exit code"
# the events, not the closing parse_stats: it counts the lines read, and dmesg
# has grown between the two reads (other tests write marks)
grep -v '"type":"parse_stats"' "$WORK/file.json" >"$WORK/file.events"
grep -v '"type":"parse_stats"' "$WORK/stdin.json" >"$WORK/stdin.events"
grep -q '"type":"parse_stats"' "$WORK/stdin.json" || fail "stdin: no closing parse_stats record"
cmp -s "$WORK/file.events" "$WORK/stdin.events" || fail "stdin and file parse differently"
echo "ok: stdin gives the same events as the file"

"$OOMTRACE" parse --kmsg --json -k 0 -c "$name" >"$WORK/kmsg.json" 2>"$WORK/kmsg.err"
assert_eq "$?" 0 "parse --kmsg exit code"
compare "$WORK/kmsg.json" exact-comm
grep -q '"kmsg_seq":' "$WORK/kmsg.json" || fail "--kmsg events lack kmsg_seq"
grep -q '"time":"' "$WORK/kmsg.json" || fail "--kmsg events lack the wall time"
echo "ok: --kmsg events carry kmsg_seq and wall time"
compare "$WORK/follow.json" exact-comm

# the wall time from /dev/kmsg agrees with the live tracer's within a second
python3 - "$WORK/live.json" "$WORK/kmsg.json" <<'PY' || fail "kmsg wall time far from the live event's"
import datetime, json, sys
def t(path):
    e = next(json.loads(l) for l in open(path) if '"oom_kill"' in l)
    return datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
d = abs((t(sys.argv[1]) - t(sys.argv[2])).total_seconds())
print(f"ok: kmsg wall time {d:.3f}s from the live event's")
sys.exit(d > 1)
PY

# text: one block, the hostile name escaped, no raw control bytes
"$OOMTRACE" parse -k 0 -c "$name" "$WORK/dmesg" >"$WORK/text" 2>/dev/null
grep -q "OOM kill #" "$WORK/text" || fail "no text block"
if LC_ALL=C grep -q "$(printf '\033')" "$WORK/text"; then fail "raw ESC byte in text output"; fi
"$OOMTRACE" parse --kmsg -k 0 -c "$name" >"$WORK/ktext" 2>/dev/null
if LC_ALL=C grep -q "$(printf '\033')" "$WORK/ktext"; then fail "raw ESC byte in --kmsg text output"; fi
grep -qF 'q"n\nx\x1b[31mz' "$WORK/ktext" || fail "hostile name not shown escaped in --kmsg text"
echo "ok: text output escapes the hostile name"
