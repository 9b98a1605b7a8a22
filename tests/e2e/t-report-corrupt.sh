#!/bin/sh
# report on damaged recordings: garbage, binary junk, NUL blocks (what a
# crash can leave on some filesystems), a record cut short in the middle of
# a file, a line of the wrong schema, an unknown record type, a line longer
# than the reader takes, a torn last line. Each is counted and skipped with
# a warning on stderr, the valid records are all summarized, exit 0; never
# a crash. The valid records are a real recorded event (the fuzzer's seed)
# renumbered.
. "$(dirname "$0")/lib.sh"

seed=$TOP/tests/fuzz/corpus/fuzz_record_reader/real-memcg-oom.jsonl
[ -r "$seed" ] || fail "no seed recording at $seed"
python3 - "$seed" "$WORK/bad.jsonl" "$WORK/long.jsonl" <<'PY' || fail "cannot build the damaged files"
import sys
seed, bad, long_ = sys.argv[1:4]
ev = open(seed, "rb").read().split(b"\n")[0]
def kill(seq):
    return ev.replace(b'"seq":1,', b'"seq":%d,' % seq, 1)
with open(bad, "wb") as f:
    f.write(kill(1) + b"\n")
    f.write(b"not json at all\n")                       # bad 1
    f.write(bytes(range(1, 255)).replace(b"\n", b"") + b"\n")  # bad 2: binary
    f.write(b"\0" * 4096 + b"\n")                       # bad 3: a NUL block
    f.write(kill(2) + b"\n")
    f.write(kill(9)[:700] + b"\n")                      # bad 4: cut short, mid-file
    f.write(b'{"type":"oom_kill","seq":"three"}\n')    # bad 5: wrong schema
    f.write(b'{"type":"from_the_future","x":1}\n')     # unknown type: not bad
    f.write(b"\n")                                      # empty: nothing
    f.write(kill(3) + b"\n")
    f.write(kill(4)[:1000])                             # torn last line
with open(long_, "wb") as f:
    f.write(kill(5) + b"\n")
    f.write(b'{"type":"oom_kill","pad":"' + b"x" * (17 << 20) + b'"}\n')  # too long
    f.write(kill(6) + b"\n")
PY
"$OOMTRACE" report "$WORK/bad.jsonl" "$WORK/long.jsonl" >"$WORK/out" 2>"$WORK/err"
assert_eq "$?" 0 "exit code"
cat "$WORK/err"
grep -q "bad.jsonl: skipped 5 bad lines (the first at line 2), 0 too long, and a torn last line" "$WORK/err" ||
	fail "no warning for bad.jsonl"
grep -q "long.jsonl: skipped 0 bad lines, 1 too long" "$WORK/err" || fail "no warning for long.jsonl"
grep -q "^oomtrace report: 5 OOM kills in 5 events" "$WORK/out" || fail "report: $(head -n1 "$WORK/out")"
grep -q "skipped 5 bad lines, 1 torn (cut short), 1 too long" "$WORK/out" || fail "summary: $(sed -n 2p "$WORK/out")"
"$OOMTRACE" report --json "$WORK/bad.jsonl" "$WORK/long.jsonl" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
want = {"kills": 5, "bad_lines": 5, "torn_lines": 1, "too_long_lines": 1, "unknown_types": 1}
got = {k: r[k] for k in want}
assert got == want, got
print("ok: report --json counts", got)' || fail "report --json counts"
"$OOMTRACE" report --event 3 "$WORK/bad.jsonl" 2>/dev/null | grep -q "OOM kill #3 (memory cgroup" ||
	fail "report --event on a damaged file"
echo "ok: report --event finds #3 among the damage"
