#!/bin/sh
# domain_memory of real memcg v1 OOMs, held to the kernel's report of the
# same OOM (each number within max(2 %, 1 MiB)): first a tmpfs file written
# from inside the memcg holds most of its limit (shmem charged to it, mapped
# by no task), and the event must say that killing frees little of it; then
# a plain OOM of anonymous memory. `oomtrace parse` of the same log must
# agree with the live events.
. "$(dirname "$0")/lib.sh"

LIMIT_MIB=64
TMPFS_MIB=44
cg=$(memcg_new $LIMIT_MIB)
mark=$$-$(date +%s%N)
before=$(memcg_kills "$cg")
mnt=$WORK/tmpfs
mkdir "$mnt"
mount -t tmpfs -o size=$((2 * LIMIT_MIB))m oomtrace-test "$mnt" || skip "cannot mount a tmpfs"
# the mount goes before lib.sh's cleanup removes $WORK and the memcg
trap 'umount "$mnt" 2>/dev/null; cleanup' EXIT INT TERM

start_tracer "$WORK/events.json" --json --mode tracepoint -k 0 -c "/$(basename "$cg")"
JSON_TRACER=$TRACER
start_tracer "$WORK/events.txt" --mode tracepoint -c "/$(basename "$cg")"
TEXT_TRACER=$TRACER

mark_kmsg "$mark"
oom_report_window 2
# 1. the file's pages are charged to the memcg of the task that wrote them
sh -c "$IN_CG" "$cg" dd if=/dev/zero of="$mnt/blob" bs=1M count=$TMPFS_MIB status=none ||
	fail "cannot write the tmpfs file from inside the memcg"
shmem=$(sed -n 's/^total_shmem //p' "$cg/memory.stat")
[ "$shmem" -ge $(((TMPFS_MIB - 1) << 20)) ] || fail "tmpfs file not charged to the memcg ($shmem B)"
# scores sees it before any OOM: the same section, the same verdict
"$OOMTRACE" scores -c "/$(basename "$cg")" >"$WORK/scores.txt" 2>&1 || fail "scores -c"
grep -q "^             [a-z].*shmem $((TMPFS_MIB)).0 MiB" "$WORK/scores.txt" &&
grep -q "killing frees at most .*: shmem $((TMPFS_MIB)).0 MiB (tmpfs?) is held by no candidate" \
	"$WORK/scores.txt" || { cat "$WORK/scores.txt"; fail "scores does not name the tmpfs file"; }
echo "ok: scores names the tmpfs file's shmem as what no kill frees"
# and --json: the same breakdown and verdict, held to memory.stat, on the
# rows of a small task in the memcg (with none, --json has no rows to carry it)
sh -c "$IN_CG" "$cg" "$HOG" 1 >"$WORK/small" &
small=$!
wait_ready "$WORK/small"
memcg_snap "$cg" "$WORK/snap-a"
"$OOMTRACE" scores -c "/$(basename "$cg")" --json --all >"$WORK/scores.json" || fail "scores --json"
memcg_snap "$cg" "$WORK/snap-b"
kill -KILL "$small"
wait "$small" 2>/dev/null
python3 "$TOP/tests/e2e/check_scores_domain.py" "$WORK/scores.json" memcg "$WORK/snap-a" \
	"$WORK/snap-b" $((LIMIT_MIB << 10)) shmem || fail "scores --json: domain_memory or verdict"
sh -c "$IN_CG" "$cg" "$HOG" -r 1 >"$WORK/grower1"
rc=$?
assert_eq "$rc" 137 "grower next to the tmpfs file was SIGKILLed"
GROWER1=$(sed -n 's/^ready //p' "$WORK/grower1")
# the breakdown is read when the event is complete (memory.stat then):
# the file stays until both tracers have put the event out
i=0
until [ "$(grep -c '"type":"oom_kill"' "$WORK/events.json")" -ge 1 ] &&
      grep -q "OOM kill #1 " "$WORK/events.txt"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no event 5 s after the first kill"
	sleep 0.05
done
# 2. the file gone: a plain OOM of anonymous memory
rm -f "$mnt/blob"
sh -c "$IN_CG" "$cg" "$HOG" -r 1 >"$WORK/grower2"
rc=$?
assert_eq "$rc" 137 "plain grower was SIGKILLed"
sleep 0.3
kill -INT "$JSON_TRACER" "$TEXT_TRACER"
wait "$JSON_TRACER" "$TEXT_TRACER"
dmesg_since "$mark" >"$WORK/dmesg"
oom_reports_check "$WORK/dmesg" "$cg" $(($(memcg_kills "$cg") - before))

"$OOMTRACE" parse --json -k 0 "$WORK/dmesg" >"$WORK/parsed.json" 2>"$WORK/parsed.err" ||
	{ cat "$WORK/parsed.err"; fail "oomtrace parse failed on the test's own log"; }
python3 "$TOP/tests/e2e/check_domain.py" "$WORK/events.json" "$WORK/dmesg" \
	--shmem-unkillable "$GROWER1" --parsed "$WORK/parsed.json" ||
	fail "domain_memory does not match the kernel's report"

# the text block: usage line and the verdict naming shmem
grep -q '^  memory     usage 64.0 MiB of limit 64.0 MiB' "$WORK/events.txt" ||
	{ cat "$WORK/events.txt"; fail "no memory line in the text block"; }
grep -q 'killing frees at most .* of 64.0 MiB: shmem 4[0-9].[0-9] MiB (tmpfs?) is held by no candidate' \
	"$WORK/events.txt" || { cat "$WORK/events.txt"; fail "no verdict naming shmem in the text block"; }
echo "ok: the text block says the tmpfs file holds what no kill frees"

# report: the tmpfs OOM is the one mostly unkillable, by shmem; the share
# fell from it to the plain OOM, so no growth is listed (each event's
# share is usage less the candidates' memory, as recorded)
"$OOMTRACE" report "$WORK/events.json" >"$WORK/report.txt" 2>&1 || fail "report failed"
grep -q "^  1 of 2 OOMs: over half the domain unkillable (1 shmem)$" "$WORK/report.txt" ||
	{ cat "$WORK/report.txt"; fail "report: not 1 of 2 OOMs mostly unkillable by shmem"; }
if grep -q "unkillable share grew" "$WORK/report.txt"; then
	cat "$WORK/report.txt"; fail "report: a growth listed where the share fell"
fi
"$OOMTRACE" report --json "$WORK/events.json" >"$WORK/report.json" 2>&1 || fail "report --json failed"
python3 - "$WORK/report.json" <<'PY' || fail "report --json: domain_memory summary"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
dm = [o["domain_memory"] for o in objs if "domain_memory" in o]
assert dm, objs
d = dm[0]
assert d["events"] == 2 and d["mostly_unkillable"] == 1, d
assert d["mostly_unkillable_by_part"] == {"shmem_kb": 1}, d
assert d["unkillable_share_grew"] == [], d
print(f"ok: report --json: {d}")
PY
echo "ok: report: 1 of 2 OOMs mostly unkillable (shmem), no growth where the share fell"
