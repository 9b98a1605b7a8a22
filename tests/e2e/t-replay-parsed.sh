#!/bin/sh
# oomtrace replay on what oomtrace parse --json made of the kernel-log
# fixtures: `kernel` reproduces the victim of every report with a whole task
# table, and that victim is the one the log's kill line names (read here
# with a regex, not with oomtrace's parser); the pre-5.9 clamp and the
# 2.6-era scaled formula are recognized. Then a recorded victim the inputs
# do not support is reported loudly (exit 1), 100,000 OOMs stream in
# bounded memory, and bad command lines give one line and exit 2.
# Needs no root (lib.sh's conventions: exit 0 pass, 1 fail, 77 skip).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OOMTRACE=$TOP/oomtrace
WORK=$(mktemp -d /tmp/oomtrace-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
assert_eq() {
	if [ "$1" = "$2" ]; then echo "ok: $3 ($1)"; else fail "$3: got '$1', expected '$2'"; fi
}

[ -x "$OOMTRACE" ] || fail "no $OOMTRACE: run make"
command -v python3 >/dev/null || skip "no python3"

for f in "$TOP"/tests/fixtures/kmsg/*.log "$TOP"/tests/fixtures/kmsg-own/*.log; do
	b=$(basename "$f" .log)
	"$OOMTRACE" parse --json -k 0 "$f" >"$WORK/$b.jsonl" 2>/dev/null || fail "parse $f"
	"$OOMTRACE" replay --json "$WORK/$b.jsonl" >"$WORK/$b.replay" 2>"$WORK/$b.err" ||
		{ cat "$WORK/$b.err"; fail "replay $b: exit $?"; }
done
python3 - "$TOP/tests/fixtures" "$WORK" <<'PY' || fail "fixtures do not replay to their kill lines"
import glob, json, os, re, sys
fix, work = sys.argv[1], sys.argv[2]
KILL = re.compile(r"Kill(?:ed)? process (\d+)")
REAPED = re.compile(r"reaped process (\d+)")
# the old eras must be recognized, and replayed (not skipped)
want_formula = {
    "01-global-rhel6-2.6.32-tail-only-blankline": "scaled_1000",
    "03-memcg-v1-centos6-2.6.32-messages": "scaled_1000",
    "05-global-rhel7-3.10-sacrifice-child-syslog-012": "pages_min1",
    "92-memcg-v1-docker-5.4-negative-adj-clamped-handwritten": "pages_min1",
    "27-global-arch-6.1.1-doxygen": "pages",
}
failed = replayed = 0
seen = set()
for log in sorted(glob.glob(f"{fix}/kmsg*/*.log")):
    b = os.path.basename(log)[:-4]
    text = open(log, encoding="utf-8", errors="replace").read()
    kills = {int(m) for m in KILL.findall(text)}
    reaped = {int(m) for m in REAPED.findall(text)}
    for line in open(f"{work}/{b}.replay"):
        r = json.loads(line)
        if "skipped" in r:
            continue
        k = r["policies"]["kernel"]
        if "unavailable" in k:
            print(f"# {b} #{r['seq']}: kernel unavailable: {k['unavailable']}")
            continue
        replayed += 1
        named = kills if kills else reaped
        ok = k["reproduced"] is True and k["pid"] == r["recorded_pid"] and k["pid"] in named
        if b in want_formula:
            ok = ok and k["formula"] == want_formula[b] and k["pid"] in kills
            seen.add(b)
        print(("ok: " if ok else "FAIL: ") + f"{b} #{r['seq']}: kernel ({k['formula']}) picks "
              f"{k['pid']}, the log's kill line names {sorted(named)}")
        failed += not ok
missing = set(want_formula) - seen
if missing:
    print(f"FAIL: not replayed: {sorted(missing)}")
    failed += 1
print(f"# {replayed} parsed OOMs replayed, {failed} failures")
sys.exit(1 if failed or replayed < 10 else 0)
PY

# inputs that do not give the recorded victim: loud, exit 1
python3 - "$WORK/92-memcg-v1-docker-5.4-negative-adj-clamped-handwritten.jsonl" \
	>"$WORK/bad.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["type"] == "oom_kill":
        e["candidates"][2]["rss_pages"] += 10**6   # now it would win
    print(json.dumps(e, separators=(",", ":"), ensure_ascii=False))
PY
"$OOMTRACE" replay --json "$WORK/bad.jsonl" >"$WORK/bad.replay" 2>"$WORK/bad.err"
assert_eq "$?" 1 "exit code when kernel does not reproduce the recorded victim"
grep -q '"reproduced":false' "$WORK/bad.replay" || fail "no \"reproduced\":false: $(cat "$WORK/bad.replay")"
grep -q '"points_mismatches":1' "$WORK/bad.replay" || fail "the changed row's points are not flagged"
grep -q "kernel did not reproduce the recorded victim in 1 of 1 OOM kills (first: #1)" \
	"$WORK/bad.err" || fail "stderr: $(cat "$WORK/bad.err")"
"$OOMTRACE" replay "$WORK/bad.jsonl" >"$WORK/bad.txt" 2>/dev/null
grep -q "KERNEL MISMATCH" "$WORK/bad.txt" || fail "the text summary hides the mismatch"
echo "ok: a victim the inputs do not give is reported: $(cat "$WORK/bad.err")"

# 100,000 OOMs stream: the peak memory is that of 1,000
line=$(grep '"type":"oom_kill"' "$WORK/27-global-arch-6.1.1-doxygen.jsonl")
peak() {
	yes "$line" | head -n "$1" | /usr/bin/time -f %M -o "$WORK/peak" "$OOMTRACE" replay - \
		>"$WORK/stream.txt" 2>/dev/null || fail "replay of $1 OOMs failed"
	grep -q "^replay: $1 OOM kills read, $1 replayed" "$WORK/stream.txt" ||
		fail "$(head -n1 "$WORK/stream.txt")"
	cat "$WORK/peak"
}
if [ -x /usr/bin/time ]; then
	small=$(peak 1000) big=$(peak 100000)
	[ "$big" -le $((small + 1024)) ] || fail "peak RSS grows: $small KiB for 1,000 OOMs, $big KiB for 100,000"
	echo "ok: 100,000 OOMs replayed in $big KiB peak RSS ($small KiB for 1,000)"
else
	echo "# no /usr/bin/time: peak memory not measured"
fi

# bad command lines: one line on stderr, exit 2, nothing on stdout
f=$WORK/27-global-arch-6.1.1-doxygen.jsonl
bad() {
	_pat=$1; shift
	"$OOMTRACE" replay "$@" >"$WORK/out" 2>"$WORK/err"
	_rc=$?
	[ "$_rc" = 2 ] || fail "replay $*: exit $_rc, expected 2"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "replay $*: stderr: $(cat "$WORK/err")"
	grep -q "^oomtrace: .*$_pat" "$WORK/err" || fail "replay $*: stderr lacks '$_pat': $(cat "$WORK/err")"
	[ -s "$WORK/out" ] && fail "replay $*: printed on stdout"
	echo "ok: replay $* -> $(cat "$WORK/err")"
}
bad "no file to replay"
bad "unknown policy 'largest'" -P largest "$f"
bad "column 7 of the expression: expected a number" -P 'expr:rss * ' "$f"
bad "column 1 of the expression: unknown name 'rsss'" -P 'expr:rsss' "$f"
bad "column 5 of the expression: unexpected ')'" -P 'expr:rss )' "$f"
bad "given twice" -P no-adj -P no-adj "$f"
bad "needs at least one --protect" -P protect "$f"
bad "--protect is for --policy protect" -P no-adj --protect /a=1G "$f"
bad "invalid value 'a=1G' for --protect" --protect a=1G "$f"
bad "invalid value '/a=1X' for --protect" --protect /a=1X "$f"
bad "invalid value 'a/b' for --critical" --critical a/b "$f"
"$OOMTRACE" replay "$WORK/nonexistent" >/dev/null 2>"$WORK/err"
assert_eq "$?" 1 "exit code for an unreadable file"
"$OOMTRACE" replay --help | grep -q "^usage: oomtrace replay" || fail "--help"
"$OOMTRACE" --help | grep -q "^  replay " || fail "oomtrace --help does not list replay"
echo "ok: --help"
