#!/bin/sh
# Real memcg OOMs recorded on the host with -k 0 (tracepoint mode, points
# recomputed), then replayed. `kernel` must reproduce every recorded victim,
# and the recorded victims must be the kernel's own kill lines in dmesg;
# every other policy's pick is recomputed by check_replay.py from the
# recorded table and the policy's definition. The OOM domain has two child
# memcgs so largest-memcg and protect have groups to weigh. The largest task
# is in big.service, named --critical; a small one has oom_score_adj 800, so
# kernel kills it first where no-adj would kill the critical one. (The host
# denies negative oom_score_adj: no CAP_SYS_RESOURCE; the VMs test -1000.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

LIMIT_MIB=64
cg=$(memcg_new $LIMIT_MIB)
name=/$(basename "$cg")
c1=$cg/big.service c2=$cg/c2
mkdir "$c1" "$c2" || fail "cannot create child memcgs"
# children first: the cleanup removes them in this order
{ echo "$c1"; echo "$c2"; cat "$WORK/cgroups"; } >"$WORK/cgroups.new" && mv "$WORK/cgroups.new" "$WORK/cgroups"
[ "$(cat "$cg/memory.use_hierarchy")" = 1 ] || skip "memory.use_hierarchy is 0: children are no OOM domain's"
mark=$$-$(date +%s%N)
out=$WORK/rec
# v1 counts a kill in the victim's own memcg only: the three together
kills() { echo $(($(memcg_kills "$cg") + $(memcg_kills "$c1") + $(memcg_kills "$c2"))); }
before=$(kills)

# --precise-rss: the exact per-CPU sums too, for -P precise-rss below
start_tracer "$WORK/rec.stdout" record -o "$out/" -c "$name" -k 0 --precise-rss
REC=$TRACER

mark_kmsg "$mark"
sh -c "$IN_CG" "$c1" "$HOG" -n big 36 >"$WORK/a" & PIDS="$PIDS $!"
sh -c "$IN_CG" "$c1" "$HOG" -n small 2 >"$WORK/x" & PIDS="$PIDS $!"
sh -c "$IN_CG" "$c2" "$HOG" -a 800 -n adj800 4 >"$WORK/b" & PIDS="$PIDS $!"
wait_ready "$WORK/a" "$WORK/x" "$WORK/b"
# the grower's OOMs kill adj800 (no-adj: big), then big, then the grower itself
oom_report_window 3
sh -c "$IN_CG" "$c2" "$HOG" -r 16 >/dev/null &
GROWER=$!
wait $GROWER
assert_eq "$?" 137 "grower was SIGKILLed"
wait_for "$out/oomtrace.jsonl" '"type":"oom_kill"'
sleep 0.3
kill -INT "$REC"
wait "$REC"
assert_eq "$?" 0 "recorder exit code after SIGINT"
dmesg_since "$mark" >"$WORK/dmesg"
after=$(kills)
oom_reports_check "$WORK/dmesg" "$cg" $((after - before))
f=$out/oomtrace.jsonl
assert_eq "$(count_type "$f" oom_kill)" $((after - before)) "recorded kills = the memcgs' oom_kill counters"

# 6.2+ (the host): every candidate has its exact sums, so check_replay.py
# holds precise-rss's picks to its definition, not to "no_precise_inputs"
grep -q '"rss_pages_precise"' "$f" || fail "--precise-rss recorded no exact sums"
# c2 protected by 32 MiB (8192 pages of 4 KiB)
"$OOMTRACE" replay --json -P kernel -P precise-rss -P no-adj -P largest-memcg -P protect \
	-P expr:rss --protect "$name/c2=32M" "$f" >"$WORK/replay.jsonl" 2>"$WORK/replay.err"
assert_eq "$?" 0 "replay exit code (kernel reproduced every victim)"
cat "$WORK/replay.err"
python3 "$TOP/tests/e2e/check_replay.py" "$f" "$WORK/replay.jsonl" "$WORK/dmesg" "$name" \
	"$name/c2" 8192 || fail "replay does not match its definitions or the kernel"

# text: the summary names every policy, kernel reproduced all, kills in
# big.service are counted as critical (--critical)
"$OOMTRACE" replay -P no-adj --critical big.service "$f" >"$WORK/replay.txt" ||
	fail "replay (text) failed"
cat "$WORK/replay.txt"
n=$((after - before))
grep -q "^replay: $n OOM kills read, $n replayed\$" "$WORK/replay.txt" || fail "summary's first line"
grep -q "kernel reproduced the recorded victim in all $n replayed OOM kills" "$WORK/replay.txt" ||
	fail "summary does not say kernel reproduced every victim"
"$OOMTRACE" replay --json -P no-adj --critical big.service "$f" >"$WORK/crit.jsonl" 2>/dev/null
set -- $(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for r in rs if r["policies"]["no-adj"].get("critical")),
      sum(1 for r in rs if r["policies"]["kernel"].get("critical")))' "$WORK/crit.jsonl")
crit=$1 rec_crit=$2
[ "$crit" -gt 0 ] || fail "no-adj never picks the task in big.service"
grep -Eq "^no-adj +$n +[0-9]+ +0 .* $crit \($rec_crit\)\$" "$WORK/replay.txt" ||
	fail "no-adj's row does not count $crit critical kills against $rec_crit recorded"
echo "ok: no-adj would have killed in big.service $crit times, the kernel did $rec_crit times"

# --diff: the blocks of the OOMs where a policy disagrees, rows side by side
"$OOMTRACE" replay --diff -P no-adj "$f" >"$WORK/diff.txt" || fail "replay --diff failed"
ndiff=$(grep -c '^OOM kill #' "$WORK/diff.txt")
want=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1])
          if json.loads(l)["policies"]["no-adj"]["pid"] != json.loads(l)["recorded_pid"]))' \
	"$WORK/replay.jsonl")
assert_eq "$ndiff" "$want" "--diff shows the OOM kills where no-adj disagrees"
[ "$want" -gt 0 ] || fail "no-adj agrees with the kernel everywhere: the scenario did not happen"
grep -q "no-adj: recorded victim vs its pick" "$WORK/diff.txt" || fail "no side-by-side rows"
cat "$WORK/diff.txt"

# a recording cut to the top 1 is not replayed, and says why
sed 's/"candidates_total":[0-9]*/"candidates_total":99/' "$f" >"$WORK/cut.jsonl"
"$OOMTRACE" replay --json "$WORK/cut.jsonl" 2>/dev/null | grep -c '"skipped":"candidates_cut"' >"$WORK/ncut"
assert_eq "$(cat "$WORK/ncut")" "$n" "cut tables are skipped as candidates_cut"
