#!/bin/sh
# parse --symbolize on a real memcg OOM whose allocating task outlives it:
# a hog with oom_score_adj 1000 is the victim, a second hog (the trigger)
# touches its memory past the limit and, its victim killed, finishes and
# sleeps. The kernel's report has the trigger's "RIP: 0033:" and "Code:"
# lines; parse --symbolize must name that ip from the trigger's maps as
# binutils' addr2line names the same address in the same file (hog is a
# static, non-PIE executable: the ip is its address in the file). The same
# report parsed again after the trigger is gone, and with its Code bytes
# changed, leaves the frame as the report gives it, and says why.
#
# The trigger outlives the OOM by design. Since 6.1 a victim's exit_mmap()
# marks its mm MMF_OOM_SKIP before its anonymous pages are uncharged
# (tlb_finish_mmu() frees them); a charge of the trigger retried in that gap
# starts a second OOM, which skips the victim and kills the trigger. So the
# victim's memory here is not anonymous: it is 24 MiB of a file's page cache
# that it wrote, synced, mapped and mlocked (hog -l), charged to the memcg
# and unevictable while mapped. unmap_vmas() unmaps and munlocks them before
# MMF_OOM_SKIP is set, and from then on they are clean page cache that the
# trigger's retried charge reclaims: no second OOM. Before that, each new
# OOM sees a victim that is not MMF_OOM_SKIP yet and kills nobody. The
# memcg's kill count and the kernel's log (one report, the victim's) hold
# the test to it.
. "$(dirname "$0")/lib.sh"

command -v addr2line >/dev/null || skip "no addr2line (binutils)"
# hog's text in the page cache, charged to this shell's memcg: read first
# inside the test's memcg it would be charged there, reclaimed before the
# OOM, and the report's Code: line would say "Unable to access opcode bytes"
cat "$HOG" >/dev/null
cg=$(memcg_new 48)
name=/$(basename "$cg")
mark=$$-$(date +%s%N)
before=$(memcg_kills "$cg")
sh -c "$IN_CG" "$cg" "$HOG" -a 1000 -l "$WORK/victim.mem" 24 >"$WORK/victim" & VICTIM=$!
PIDS="$PIDS $VICTIM"
wait_ready "$WORK/victim"
oom_report_window
mark_kmsg "$mark"
sh -c "$IN_CG" "$cg" "$HOG" 32 >"$WORK/trigger" & TRIGGER=$!
PIDS="$PIDS $TRIGGER"
wait_ready "$WORK/trigger"
kill -0 $TRIGGER || fail "the trigger did not outlive the OOM"
wait $VICTIM
assert_eq "$?" 137 "the victim was SIGKILLed"
assert_eq "$(memcg_kills "$cg")" $((before + 1)) "the memcg's kill count"

dmesg_since "$mark" >"$WORK/dmesg"
oom_reports_check "$WORK/dmesg" "$cg" 1
python3 - "$TOP/tests/e2e" "$WORK/dmesg" "$TRIGGER" "$VICTIM" "$name" <<'PY' ||
import sys
sys.path.insert(0, sys.argv[1])
import dmesg_oom
# this memcg's reports, and any without an oom-kill: line (no kill)
reps = [r for r in dmesg_oom.reports(open(sys.argv[2]).read())
        if not r["oomkill"] or r["oomkill"].get("oom_memcg") == sys.argv[5]]
got = [(r["trigger_tid"], r["killed"]) for r in reps]
assert got == [(int(sys.argv[3]), int(sys.argv[4]))], got
PY
	fail "the kernel's log is not one OOM report, of the trigger killing the victim"
echo "ok: one OOM report in the log: the trigger's, killing the victim"
grep -q 'RIP: 0033:0x' "$WORK/dmesg" || skip "this kernel's report has no user RIP line"
"$OOMTRACE" parse --json -c "$name" --symbolize "$WORK/dmesg" >"$WORK/sym.json" 2>"$WORK/sym.err"
assert_eq "$?" 0 "parse --symbolize exit code"
python3 - "$WORK/sym.json" "$TRIGGER" "$HOG" <<'PY' || fail "the user frame is not named as addr2line names it"
import json, os, subprocess, sys
ev = [e for e in map(json.loads, open(sys.argv[1])) if e.get("type") == "oom_kill"][0]
assert ev["trigger"]["tid"] == int(sys.argv[2]), ev["trigger"]
st = ev["user_stack"]
ip = int(st[0]["ip"], 16)
out = subprocess.run(["addr2line", "-f", "-i", "-e", sys.argv[3], hex(ip)],
                     capture_output=True, text=True).stdout.split("\n")
# "FUNCTION" then "FILE:LINE", "??:?" where the file has no line table
want = []
for fn, loc in zip(out[0::2], out[1::2]):
    f, _, line = loc.rpartition(":")
    line = line.split()[0] if line else ""
    want.append((fn, "" if f == "??" else os.path.basename(f), int(line) if line.isdigit() else None))
ours = [(f.get("sym"), os.path.basename(f.get("file", "")), f.get("line")) for f in st]
print("# ours: %s\n# addr2line: %s" % (ours, want))
assert want and ours == want, (ours, want)
real = os.path.realpath(sys.argv[3])
assert all(f["object"] == real and f.get("build_id") and f.get("file_offset") for f in st), st
assert all(int(f["ip"], 16) == ip for f in st) and "unwind" not in st[0]
PY
echo "ok: parse --symbolize names the trigger's user frame as addr2line does"

# the Code bytes changed (the byte at the ip): not the trigger's code, not named
sed 's/\(Code: .*<\)\(..\)>/\1zz>/' "$WORK/dmesg" >"$WORK/dmesg.bad"
b=$(sed -n 's/.*Code: .*<\(..\)>.*/\1/p' "$WORK/dmesg" | head -n1)
[ -n "$b" ] || skip "the report has no Code bytes"
x=$(printf '%02x' $(((0x$b + 1) % 256)))
sed -i "s/<zz>/<$x>/" "$WORK/dmesg.bad"
"$OOMTRACE" parse --json -c "$name" --symbolize "$WORK/dmesg.bad" >"$WORK/bad.json" 2>"$WORK/bad.err"
assert_eq "$?" 0 "parse --symbolize (other Code bytes) exit code"
grep -q '"user_stack":\[{"ip":"0x[0-9a-f]*"}\]' "$WORK/bad.json" ||
	fail "named although the Code bytes differ: $(cat "$WORK/bad.json")"
grep -q "is not the report's Code bytes" "$WORK/bad.err" || fail "no reason given: $(cat "$WORK/bad.err")"
echo "ok: other Code bytes: the frame stays as the report gives it, and stderr says why"

kill -KILL $TRIGGER
wait $TRIGGER 2>/dev/null
wait_gone $TRIGGER
"$OOMTRACE" parse --json -c "$name" --symbolize "$WORK/dmesg" >"$WORK/gone.json" 2>"$WORK/gone.err"
assert_eq "$?" 0 "parse --symbolize (trigger gone) exit code"
grep -q '"user_stack":\[{"ip":"0x[0-9a-f]*"}\]' "$WORK/gone.json" || fail "named from nothing: $(cat "$WORK/gone.json")"
grep -q "pid $TRIGGER is gone" "$WORK/gone.err" || fail "no reason given: $(cat "$WORK/gone.err")"
echo "ok: the trigger gone: the frame stays as the report gives it, and stderr says why"
