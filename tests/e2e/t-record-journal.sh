#!/bin/sh
# record --journal on a real memcg OOM, against a real systemd-journald of
# the test's own (started in a private mount namespace whose /run is a
# directory of the test's, where the socket and the journal files are
# reached from outside; /proc/PID/root would need ptrace access to journald,
# which the recorder drops with its capabilities): journalctl finds the entry by MESSAGE_ID and
# OOMTRACE_* fields, with the victim the kernel killed. A recorder whose
# journal is not there warns once and still writes its record file.
. "$(dirname "$0")/lib.sh"

JOURNALD=/lib/systemd/systemd-journald
[ -x "$JOURNALD" ] || skip "no $JOURNALD"
command -v journalctl >/dev/null || skip "no journalctl"
command -v unshare >/dev/null || skip "no unshare"

mkdir -p "$WORK/run/systemd/journal" "$WORK/run/log/journal"
cat >"$WORK/journald.sh" <<'SH'
mount --bind "$2" /run || exit 1
mount -t tmpfs none /var/log || exit 1
exec "$1"
SH
unshare -m --propagation private sh "$WORK/journald.sh" "$JOURNALD" "$WORK/run" \
	>"$WORK/journald.log" 2>&1 &
JPID=$!
PIDS="$PIDS $JPID"
SOCK=$WORK/run/systemd/journal/socket
i=0
while ! [ -S "$SOCK" ]; do
	kill -0 $JPID 2>/dev/null || { cat "$WORK/journald.log"; skip "systemd-journald does not start here"; }
	i=$((i + 1)); [ $i -gt 100 ] && fail "journald socket not there after 10s"
	sleep 0.1
done
note "journald pid $JPID"

cg=$(memcg_new 32)
name=$(basename "$cg")
sh -c "$IN_CG" "$cg" "$HOG" -a 1000 -n oomj-victim 10 >"$WORK/v" & VA=$!
PIDS="$PIDS $VA"
wait_ready "$WORK/v"

mkdir "$WORK/rec" "$WORK/rec2"
OOMTRACE_JOURNAL_SOCKET=$SOCK start_tracer "$WORK/rec.out" record -o "$WORK/rec/" -n 1 \
	-c "/$name" --journal
T1=$TRACER
OOMTRACE_JOURNAL_SOCKET=$WORK/no-such-socket start_tracer "$WORK/rec2.out" record \
	-o "$WORK/rec2/" -n 1 -c "/$name" --journal
T2=$TRACER
sh -c "$IN_CG" "$cg" "$HOG" 24 1 >/dev/null
wait_gone "$VA"
wait_gone "$T1" 20; wait "$T1" || fail "recorder exited $?"
wait_gone "$T2" 20; wait "$T2" || fail "recorder without a journal exited $?"

J="journalctl -D $WORK/run/log/journal --no-pager"
i=0
until $J -o json MESSAGE_ID=d5aa47a91d2940369e27e1ef1af23bf3 OOMTRACE_VICTIM_COMM=oomj-victim \
	>"$WORK/j.json" 2>"$WORK/j.err" && [ -s "$WORK/j.json" ]; do
	i=$((i + 1)); [ $i -gt 30 ] && { cat "$WORK/j.err" "$WORK/rec.out.err"; $J -o json | tail -3; fail "journalctl found no entry"; }
	sleep 0.1
done
python3 - "$WORK/j.json" "$VA" "/$name" <<'PY' || fail "journal entry"
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
assert len(es) == 1, len(es)
e = es[0]
va, memcg = sys.argv[2], sys.argv[3]
assert e["OOMTRACE_VICTIM_PID"] == va, e
assert e["PRIORITY"] == "3" and e["SYSLOG_IDENTIFIER"] == "oomtrace", e
assert e["OOMTRACE_MEMCG"] == memcg and e["OOMTRACE_CONSTRAINT"] == "memcg", e
assert e["MESSAGE"].startswith(f'OOM kill: pid {va} "oomj-victim" in memcg {memcg}, '), e["MESSAGE"]
assert "\n" not in e["MESSAGE"]
assert e["OOMTRACE_VICTIM_CMDLINE"].endswith("hog -a 1000 -n oomj-victim 10"), e
assert e["_TRANSPORT"] == "journal", e
print("ok: journalctl finds", repr(e["MESSAGE"]))
PY
grep -q '"journal":{"sent":1,"failed":0}' "$WORK/rec/"*.jsonl || fail "recorder_stop: journal counts"

# no journal: one warning, the record file has the event all the same
n=$(grep -c 'no journal at' "$WORK/rec2.out.err")
assert_eq "$n" 1 "one warning without a journal"
grep -c 'journal' "$WORK/rec2.out.err" | grep -qx 1 || { cat "$WORK/rec2.out.err"; fail "more than one journal warning"; }
grep -q "\"type\":\"oom_kill\".*\"pid\":$VA" "$WORK/rec2/"*.jsonl || fail "no record without a journal"
grep -q '"journal":{"sent":0,"failed":1}' "$WORK/rec2/"*.jsonl || fail "recorder_stop: journal failure count"
echo "ok: without a journal, one warning and the file record"
