#!/bin/sh
# An output the recorder cannot write: a clear one-line error, the records
# go to stdout (the journal under systemd) instead of vanishing, and once
# the file can be written again it says how many went elsewhere.
#  1. a read-only directory (a tmpfs mounted read-only): the error at start,
#     the kill on stdout; remounted read-write, SIGHUP, the next kill in the
#     file after an output_gap record.
#  2. a full filesystem (a 256 KiB tmpfs filled up after the start record):
#     the kill on stdout, no partial record left in the file (a dozen idle
#     candidates make its record larger than the page the file already has,
#     so the write is cut short and must be taken back); space freed, the
#     next kill in the file after an output_gap record.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

mkdir -p "$WORK/ro" "$WORK/full"
mount -t tmpfs -o ro,size=256k oomtrace-ro "$WORK/ro" || skip "cannot mount a tmpfs"
mount -t tmpfs -o size=256k oomtrace-full "$WORK/full" || skip "cannot mount a tmpfs"
# the recorders hold files there: stop them before unmounting
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null; done; wait
umount "$WORK/ro" "$WORK/full" 2>/dev/null; cleanup' EXIT INT TERM
cg=$(memcg_new 16)
name=/$(basename "$cg")

# 1. read-only
start_tracer "$WORK/ro.stdout" record -o "$WORK/ro/" -c "$name"
REC=$TRACER
grep -v '^oomtrace: ready' "$WORK/ro.stdout.err" | grep -v 'oom_score_adj' >"$WORK/ro.errors"
assert_eq "$(wc -l <"$WORK/ro.errors")" 1 "one error line at start"
grep -q "^oomtrace: cannot open $WORK/ro/oomtrace.jsonl: Read-only file system: records go to stdout" \
	"$WORK/ro.errors" || fail "unclear error: $(cat "$WORK/ro.errors")"
echo "ok: $(cat "$WORK/ro.errors")"
oom_once "$cg"
wait_for "$WORK/ro.stdout" '"type":"oom_kill"'
jsonl_check "$WORK/ro.stdout" >/dev/null
grep -q '"type":"recorder_start"' "$WORK/ro.stdout" || fail "start record not on stdout"
echo "ok: the kill went to stdout: $(count_type "$WORK/ro.stdout" oom_kill) oom_kill"
mount -o remount,rw "$WORK/ro" || fail "remount rw"
kill -HUP "$REC"
sleep 0.2
oom_once "$cg"
wait_for "$WORK/ro/oomtrace.jsonl" '"type":"oom_kill"'
kill -INT "$REC"
wait "$REC"
assert_eq "$?" 0 "exit code"
f=$WORK/ro/oomtrace.jsonl
jsonl_check "$f" >/dev/null
head -n1 "$f" | grep -q '^{"type":"output_gap",.*"records":[1-9]' || fail "no output_gap first: $(head -n1 "$f")"
assert_eq "$(count_type "$f" oom_kill)" 1 "the second kill in the file"
assert_eq "$(count_type "$WORK/ro.stdout" oom_kill)" 1 "the first kill on stdout only"
grep -q "writing $f again" "$WORK/ro.stdout.err" || fail "no recovery message"
echo "ok: back in the file after SIGHUP: $(head -n1 "$f" | cut -c1-100)"

# 2. full
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	sh -c "$IN_CG" "$cg" "$HOG" 0 >/dev/null & PIDS="$PIDS $!"
done
start_tracer "$WORK/full.stdout" record -o "$WORK/full/" -c "$name" -k 0
REC=$TRACER
f=$WORK/full/oomtrace.jsonl
wait_for "$f" recorder_start
dd if=/dev/zero of="$WORK/full/filler" bs=4k 2>/dev/null
df -k "$WORK/full" | tail -n1 | awk '{ print "# filesystem full: " $4 " KiB free" }'
before=$(stat -c %s "$f")
oom_once "$cg"
wait_for "$WORK/full.stdout" '"type":"oom_kill"'
note "the refused record: $(grep '"type":"oom_kill"' "$WORK/full.stdout" | wc -c) bytes"
# smaller records may fit the file's last page again (the output_gap, the
# victim_exit): whatever is there must be whole lines, and not the kill
note "file: $before bytes before the kill, $(stat -c %s "$f") after: $(jsonl_check "$f")"
jsonl_check "$f" | grep -q "torn=0" || fail "a partial record left in the file"
assert_eq "$(count_type "$f" oom_kill)" 0 "nothing of the refused record in the file"
grep -q "^oomtrace: cannot write $f: No space left on device: records go to stdout" \
	"$WORK/full.stdout.err" || fail "unclear error: $(cat "$WORK/full.stdout.err")"
echo "ok: $(grep 'No space' "$WORK/full.stdout.err")"
rm "$WORK/full/filler"
oom_once "$cg"
wait_for "$f" '"type":"oom_kill"'
kill -INT "$REC"
wait "$REC"
assert_eq "$?" 0 "exit code"
jsonl_check "$f" >/dev/null
python3 - "$f" "$WORK/full.stdout" <<'PY' || fail "records lost or misplaced"
import json, sys
f = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
types = [r["type"] for r in f]
assert types[0] == "recorder_start", types
gap = types.index("output_gap")
assert f[gap]["records"] >= 1 and f[gap]["error"] == "No space left on device", f[gap]
assert types.index("oom_kill") > gap, types
# seq numbers what this output holds, wherever it went: 1 then 2
kills = [r["seq"] for r in out + f if r["type"] == "oom_kill"]
assert kills == [1, 2], kills
print("ok: kill 1 on stdout, then an output_gap record and kill 2 in the file:", types)
PY
