#!/bin/sh
# oomtrace report on what oomtrace parse --json wrote from the kernel-log
# fixtures: no bad line; report --event SEQ gives back each event's line
# byte for byte (and its reaper lines); the summaries count the kills, the
# commands and the events without a time that the parsed lines hold; and
# --since leaves those out, saying so. Needs no root (lib.sh's conventions:
# exit 0 pass, 1 fail, 77 skip).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OOMTRACE=$TOP/oomtrace
FIX=$TOP/tests/fixtures/kmsg
WORK=$(mktemp -d /tmp/oomtrace-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT INT TERM

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
assert_eq() {
	if [ "$1" = "$2" ]; then echo "ok: $3 ($1)"; else fail "$3: got '$1', expected '$2'"; fi
}

[ -x "$OOMTRACE" ] || fail "no $OOMTRACE: run make"
command -v python3 >/dev/null || skip "no python3"
n=0
for f in "$FIX"/*.log; do
	"$OOMTRACE" parse --json -k 0 "$f" >"$WORK/$(basename "$f" .log).jsonl" 2>/dev/null ||
		fail "parse $f"
	n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n fixtures in $FIX"
cat "$WORK"/*.jsonl >"$WORK/all.jsonl"

"$OOMTRACE" report "$WORK/all.jsonl" >"$WORK/text" 2>"$WORK/err"
assert_eq "$?" 0 "report exit code"
[ -s "$WORK/err" ] && { cat "$WORK/err"; fail "report warned"; }
grep -q "skipped" "$WORK/text" && fail "report skipped lines: $(sed -n 2p "$WORK/text")"
echo "ok: no bad line in $(wc -l <"$WORK/all.jsonl") lines from $n fixtures"
"$OOMTRACE" report --json "$WORK/all.jsonl" >"$WORK/report.json" 2>&1 || fail "report --json"
"$OOMTRACE" report --json --since 2000-01-01 "$WORK/all.jsonl" >"$WORK/since.json" 2>&1 ||
	fail "report --json --since"

python3 - "$OOMTRACE" "$WORK" <<'PY' || fail "report and parse disagree"
import collections, glob, json, os, subprocess, sys

oomtrace, work = sys.argv[1:3]

# 1. report --event SEQ --json: the event's own line, then its reaper lines
events = 0
for path in sorted(glob.glob(os.path.join(work, "*.jsonl"))):
    if path.endswith("/all.jsonl"):
        continue
    lines = open(path, "rb").read().decode("utf-8", "surrogateescape").splitlines()
    for line in lines:
        rec = json.loads(line)
        if rec["type"] != "oom_kill":
            continue
        want = [line] + [l for l in lines if json.loads(l)["type"] == "oom_reaper"
                         and json.loads(l)["oom_seq"] == rec["seq"]]
        got = subprocess.run([oomtrace, "report", "--json", "--event", str(rec["seq"]), path],
                             capture_output=True)
        if got.returncode or got.stdout.decode("utf-8", "surrogateescape").splitlines() != want:
            print("FAIL: %s #%d:\n want %s\n got  %s %s" % (os.path.basename(path), rec["seq"],
                  want, got.stdout[:2000], got.stderr))
            sys.exit(1)
        text = subprocess.run([oomtrace, "report", "--event", str(rec["seq"]), path],
                              capture_output=True)
        if text.returncode or b"OOM kill #%d" % rec["seq"] not in text.stdout:
            print("FAIL: %s #%d as text: %s" % (path, rec["seq"], text.stderr))
            sys.exit(1)
        events += 1
print("ok: report --event reproduces all %d parsed events byte for byte" % events)

# 2. the summaries count what the parsed lines hold
kills = untimed_kills = untimed_events = n = 0
comms = collections.Counter()
for line in open(os.path.join(work, "all.jsonl"), encoding="utf-8", errors="surrogateescape"):
    rec = json.loads(line)
    if rec["type"] != "oom_kill":
        continue
    n += 1
    victims = rec["victims"] or ([rec["victim"]] if "victim" in rec else [])
    k = len(victims) + rec.get("victims_dropped", 0)
    kills += k
    for v in victims:
        comms[v.get("comm", "?")] += 1
    if "time" not in rec:
        untimed_events += 1
        untimed_kills += k
r = json.load(open(os.path.join(work, "report.json")))
want = {"bad_lines": 0, "events": n, "kills": kills, "events_time_unknown": untimed_events,
        "kills_time_unknown": untimed_kills}
got = {k: r[k] for k in want}
assert got == want, (got, want)
assert r["timeline"]["time_unknown"] == untimed_kills, r["timeline"]
assert sum(b["kills"] for b in r["timeline"]["buckets"]) == kills - untimed_kills, r["timeline"]
assert {c["comm"]: c["kills"] for c in r["by_comm"]} == dict(comms), (r["by_comm"], comms)
assert all(not (v["time"] or "").startswith("1970") for v in r["largest_victims"])
print("ok: report counts", got, "and %d commands" % len(comms))
assert 0 < untimed_events < n, "the fixtures should have events with and without a time"

# 3. --since: the events without a time are left out, and said to be
s = json.load(open(os.path.join(work, "since.json")))
assert s["events"] == n - untimed_events, s["events"]
assert s["outside_range_time_unknown"] >= untimed_events, s
print("ok: --since leaves out the %d events without a time, and says so" % untimed_events)
PY
