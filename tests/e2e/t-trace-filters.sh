#!/bin/sh
# --cgroup, --pid, --candidates and --count against two real memcg OOMs in
# two cgroups: each tracer must see exactly the OOMs its filter names, as
# the kernel counted them (memory.oom_control's oom_kill, which is exact;
# the kernel log's reports are rate-limited, so they are not counted here).
. "$(dirname "$0")/lib.sh"

cga=$(memcg_new 32)
cgb=$(memcg_new 32)

# in A: a small task with adj 1000 that the kernel will choose over the allocator
sh -c "$IN_CG" "$cga" "$HOG" -a 1000 10 >"$WORK/va" &
VA=$!
PIDS="$PIDS $VA"
# in B: sleeping tasks so B's OOM has several candidates
for i in 1 2 3; do sh -c "$IN_CG" "$cgb" "$HOG" 1 >"$WORK/b$i" & PIDS="$PIDS $!"; done
wait_ready "$WORK/va" "$WORK/b1" "$WORK/b2" "$WORK/b3"

start_tracer "$WORK/cg.json" --json --cgroup "$cga"; T_CG=$TRACER
start_tracer "$WORK/pid.json" --json --pid "$VA"; T_PID=$TRACER
start_tracer "$WORK/k2.json" --json -k 2; T_K2=$TRACER
start_tracer "$WORK/n1.json" --json -n 1; T_N1=$TRACER

# A: 24 MiB beside VA's 10 do not fit in 32: the kernel kills VA (adj 1000), then they fit
sh -c "$IN_CG" "$cga" "$HOG" 24 1 >/dev/null
wait_gone "$VA"
# B: grows until it is killed itself
sh -c "$IN_CG" "$cgb" "$HOG" -r 1 >/dev/null
sleep 0.3

# --count 1 exits by itself, 0
wait_gone "$T_N1"
wait "$T_N1"
assert_eq "$?" 0 "--count 1 exit code"
kill -INT "$T_CG" "$T_PID" "$T_K2"
wait "$T_CG" "$T_PID" "$T_K2"
# the kernel may kill more than once in A: the allocator retries its charge
# while VA's pages are unmapped but not yet freed (MMF_OOM_SKIP is set in
# between, see t-scores-memcg.sh) and may kill itself too. Hold each tracer
# to each memcg's own kill counter.
KA=$(memcg_kills "$cga")
KB=$(memcg_kills "$cgb")
note "kernel: $KA kill(s) in A, $KB in B"
[ "$KA" -ge 1 ] && [ "$KB" -ge 1 ] || fail "expected kills in both cgroups"
count() { grep -c '"type":"oom_kill"' "$1"; }
victim() { sed -n 's/.*"victim":{"pid":\([0-9]*\).*/\1/p' "$1" | head -n1; }
assert_eq "$(count "$WORK/n1.json")" 1 "--count 1 printed one event"
assert_eq "$(count "$WORK/cg.json")" "$KA" "--cgroup A saw A's OOMs only"
assert_eq "$(victim "$WORK/cg.json")" "$VA" "--cgroup A: first victim"
assert_eq "$(count "$WORK/pid.json")" 1 "--pid saw only the OOM of that pid"
assert_eq "$(victim "$WORK/pid.json")" "$VA" "--pid: victim"
assert_eq "$(count "$WORK/k2.json")" $((KA + KB)) "unfiltered saw every OOM"
python3 - "$WORK/k2.json" <<'PY' || fail "-k 2 kept the wrong number of candidates"
import json, sys
truncated = False
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev["type"] != "oom_kill":
        continue
    kept, total = len(ev["candidates"]), ev["candidates_total"]
    assert kept == min(2, total), (kept, total)
    truncated |= total > 2
    print(f"ok: -k 2 kept {kept} of {total} candidates")
assert truncated, "no event had more than 2 candidates to cut"

PY
