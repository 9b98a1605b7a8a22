#!/bin/sh
# `oomtrace scores --cgroup` predicts the kernel: in a memcg v1 with hogs of
# known sizes and adj values, the task ranked first is the one the kernel
# kills when the memcg runs out, checked against the live tracer's event
# and against the kernel's own report in dmesg (only reports whose
# oom_memcg is this test's memcg: other engineers trigger OOMs on this
# machine too). Then again with adj values that flip the order, changed
# on live processes after a first ranking.
#
# Sizes: limit 64 MiB (totalpages 16384, no swap), adj unit 16 points.
#   A 16 MiB adj 500 (~12100 points), B 24 MiB adj 200 (~9350), C 4 MiB adj 0.
#   flipped: A adj 100 (~5700), B adj 600 (~15750).
# The trigger allocates 28 MiB: 16+24+4+28 > 64 forces one OOM; with A or B
# gone it fits, so exactly one kill. At the OOM it holds at most ~20 MiB
# (~5000 points), below the predicted first in both rounds.
. "$(dirname "$0")/lib.sh"

LIMIT_MIB=64

# hog_in CG NAME ARGS...: a hog inside the memcg; its pid in $HOG_PID
hog_in() {
	_hcg=$1 _hout=$2
	shift 2
	sh -c "$IN_CG" "$_hcg" "$HOG" "$@" >"$WORK/$_hout" &
	HOG_PID=$!
	PIDS="$PIDS $HOG_PID"
}

# first_of JSONFILE: pid ranked 1
first_of() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["rank"] == 1: print(o["pid"])' "$1"
}

# check_ranking JSONFILE CG_PATH PIDS...: the domain, totalpages, membership
check_ranking() {
	python3 - "$@" <<'EOF' || fail "ranking of $2 is wrong"
import json, sys
path, cg, pids = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
objs = [json.loads(l) for l in open(path)]
got = {o["pid"] for o in objs}
assert set(pids) <= got, f"missing hogs: {set(pids) - got}"
for o in objs:
    assert o["domain"] == cg, o
    assert o["cgroup"] == cg, f"pid {o['pid']} in {o['cgroup']}: not in the memcg"
    assert o["totalpages"] == 16384, o
    # memcg points: memory + adj x 16, independently of the machine's size
    assert o["points"] == o["mem_points"] + o["oom_score_adj"] * 16, o
print(f"ok: {len(objs)} tasks of {cg} only, totalpages 16384, points = memory + adj x 16")
EOF
}

# oom_round CG EXPECTED_PID: trigger one OOM in CG, check tracer and dmesg
oom_round() {
	_cg=$1 _want=$2 _name=/$(basename "$1")
	_mark=$$-$(date +%s%N)
	start_tracer "$WORK/ev-$_want.json" --json -c "$_name" -n 1
	_tracer=$TRACER
	mark_kmsg "$_mark"
	"$OOMTRACE" scores --cgroup "$_name" --json >"$WORK/last.json"
	hog_in "$_cg" "trigger-$_want" 28
	_trigger=$HOG_PID
	wait_gone "$_want" 30
	# the tracer stops by itself after its one event
	_i=0
	while kill -0 "$_tracer" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -gt 200 ] && { kill -INT "$_tracer"; fail "tracer saw no event"; }
		sleep 0.05
	done
	wait "$_tracer"
	kill -0 "$_trigger" 2>/dev/null || fail "the trigger died too: more than one kill"
	dmesg_since "$_mark" >"$WORK/dmesg-$_want"
	python3 - "$WORK/ev-$_want.json" "$WORK/dmesg-$_want" "$_want" "$_name" \
		"$WORK/last.json" "$TOP/tests/e2e" <<'EOF' || fail "the kernel did not kill the predicted first"
import json, sys
ev_path, dmesg_path, want, memcg, ranking, libdir = sys.argv[1:7]
want = int(want)
sys.path.insert(0, libdir)
import dmesg_oom

ev = json.loads(open(ev_path).readline())
assert ev["victim"]["pid"] == want, f"tracer: victim {ev['victim']['pid']}, predicted {want}"
assert ev["memcg"] == memcg, (ev["memcg"], memcg)
assert ev["totalpages"] == 16384, f"tracer totalpages {ev['totalpages']}"
print(f"ok: tracer: victim {want} in {memcg}, totalpages 16384")

reps = [r for r in dmesg_oom.reports(open(dmesg_path).read())
        if r["oomkill"] and r["oomkill"].get("oom_memcg") == memcg]
assert reps, f"no kernel OOM report for {memcg} in dmesg"
rep = reps[0]
assert rep["killed"] == want, f"dmesg: killed {rep['killed']}, predicted {want}"
print(f"ok: dmesg: the kernel killed {want} (oom_memcg={memcg})")

# our points against the kernel's own table: equal up to the file pages
# reclaim may take from an idle hog under pressure, plus the per-CPU slack
# of the counters (2 CPUs x batch 32)
ours = {}
for line in open(ranking):
    o = json.loads(line)
    ours[o["pid"]] = o
rows = {r["tgid"]: r for r in rep["rows"]}
for pid, o in ours.items():
    r = rows.get(pid)
    if not r:
        continue
    k = dmesg_oom.kernel_points(r, 16384)
    slack = o.get("rss_file_kb", 0) // 4 + 64
    assert abs(k - o["points"]) <= slack, f"pid {pid}: ours {o['points']}, kernel {k}"
    print(f"ok: pid {pid}: points {o['points']} here, {k} in the kernel's report "
          f"(within {slack}: file pages + per-CPU slack)")
EOF
}

# --- round 1: A first by adj ------------------------------------------------
cg=$(memcg_new $LIMIT_MIB)
name=/$(basename "$cg")
hog_in "$cg" a1 -a 500 16; A=$HOG_PID
hog_in "$cg" b1 -a 200 24; B=$HOG_PID
hog_in "$cg" c1 4; C=$HOG_PID
wait_ready "$WORK/a1" "$WORK/b1" "$WORK/c1"
"$OOMTRACE" scores --cgroup "$name" --json >"$WORK/r1.json" || fail "scores --cgroup failed"
check_ranking "$WORK/r1.json" "$name" $A $B $C
assert_eq "$(first_of "$WORK/r1.json")" "$A" "round 1: ranked first"
"$OOMTRACE" scores --cgroup "$cg" >"$WORK/r1.txt" || fail "scores --cgroup (text) failed"
grep -q "^ranking for a memcg OOM in $name: totalpages 16384 " "$WORK/r1.txt" || fail "text: no domain"
grep -q "^memcg $name (v1): usage .* of limit 64.0 MiB" "$WORK/r1.txt" || fail "text: no memcg line"
grep -q "^first: pid $A \"hog\", ahead of pid $B " "$WORK/r1.txt" || fail "text: no margin line"
oom_round "$cg" "$A"

# --- round 2: the same set-up, then adj values that flip A and B -------------
cg=$(memcg_new $LIMIT_MIB)
name=/$(basename "$cg")
hog_in "$cg" a2 -a 500 16; A=$HOG_PID
hog_in "$cg" b2 -a 200 24; B=$HOG_PID
hog_in "$cg" c2 4; C=$HOG_PID
wait_ready "$WORK/a2" "$WORK/b2" "$WORK/c2"
"$OOMTRACE" scores --cgroup "$name" --json >"$WORK/r2a.json" || fail "scores failed"
assert_eq "$(first_of "$WORK/r2a.json")" "$A" "round 2 before the change: ranked first"
# what would it take for B? --explain says; set a bit more than it says
"$OOMTRACE" scores --cgroup "$name" --explain "$B" --json >"$WORK/explain.json" || fail "explain failed"
need=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["to_be_picked"]["oom_score_adj"])' "$WORK/explain.json")
note "explain: B needs oom_score_adj >= $need to be picked"
[ "$need" -gt 200 ] && [ "$need" -le 600 ] || fail "explain: implausible threshold $need"
# the threshold is exact: one below leaves A first, at it B is first
echo $((need - 1)) >/proc/"$B"/oom_score_adj || fail "cannot set B's oom_score_adj"
"$OOMTRACE" scores --cgroup "$name" --json >"$WORK/r2b.json" || fail "scores failed"
assert_eq "$(first_of "$WORK/r2b.json")" "$A" "B at oom_score_adj $((need - 1)): ranked first"
echo "$need" >/proc/"$B"/oom_score_adj || fail "cannot set B's oom_score_adj"
"$OOMTRACE" scores --cgroup "$name" --json >"$WORK/r2c.json" || fail "scores failed"
assert_eq "$(first_of "$WORK/r2c.json")" "$B" "B at oom_score_adj $need: ranked first"
# then a clear margin for the kernel to act on
echo 100 >/proc/"$A"/oom_score_adj || fail "cannot lower A's oom_score_adj to 100"
echo 600 >/proc/"$B"/oom_score_adj || fail "cannot raise B's oom_score_adj to 600"
"$OOMTRACE" scores --cgroup "$name" --json >"$WORK/r2.json" || fail "scores failed"
check_ranking "$WORK/r2.json" "$name" $A $B $C
assert_eq "$(first_of "$WORK/r2.json")" "$B" "round 2 after the change: ranked first"
oom_round "$cg" "$B"
# A may die only in a later, separate OOM (the kernel retries a charge
# while B's pages are still being uncharged): B must be the first kill
if ! kill -0 "$A" 2>/dev/null; then
	first=$(dmesg | sed -n "/oomtrace-test-mark $$-/,\$p" |
		grep "oom-kill:.*oom_memcg=$name," | head -n1 | sed -n 's/.*,pid=\([0-9]*\),.*/\1/p')
	assert_eq "$first" "$B" "A died in a second OOM; the first kill in $name"
else
	echo "ok: A (now adj 100) survived"
fi
