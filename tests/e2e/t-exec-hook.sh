#!/bin/sh
# --exec hooks on real memcg OOMs: the hook gets the event's JSON line on
# stdin (the same line the tracer prints) and the OOMTRACE_* environment,
# with the victim the kernel counted; a hostile victim name reaches it as
# raw bytes in the environment, never through the shell's command string.
# A hook past --exec-timeout is killed with its process group; failures are
# counted in the summary line.
. "$(dirname "$0")/lib.sh"

cg=$(memcg_new 32)
name=$(basename "$cg")
export HOOK_DIR=$WORK/hooks
mkdir "$HOOK_DIR"

# the hook: stdin, environment and pid, each into a file named by the event's seq
cat >"$WORK/hook.sh" <<'SH'
cat >"$HOOK_DIR/stdin.$OOMTRACE_SEQ"
env | grep '^OOMTRACE_' | sort >"$HOOK_DIR/env.$OOMTRACE_SEQ"
printf '%s' "$OOMTRACE_VICTIM_COMM" >"$HOOK_DIR/comm.$OOMTRACE_SEQ"
cat /proc/self/oom_score_adj >"$HOOK_DIR/adj.$OOMTRACE_SEQ"
SH

# the victim: a small task with adj 1000 and a hostile name
hostile=$(printf 'h"$(x)\n;`y`')
sh -c "$IN_CG" "$cg" "$HOG" -a 1000 -n "$hostile" 10 >"$WORK/v" & VA=$!
PIDS="$PIDS $VA"
wait_ready "$WORK/v"

# started with adj 300: it sets -1000 where it may (CAP_SYS_RESOURCE); either way not 0
OOMTRACE_REAL=$OOMTRACE
OOMTRACE=$WORK/adj300
printf '#!/bin/sh\necho 300 >/proc/self/oom_score_adj && exec "%s" "$@"\n' "$OOMTRACE_REAL" >"$OOMTRACE"
chmod +x "$OOMTRACE"
start_tracer "$WORK/ok.json" --json -n 1 -c "/$name" --exec ". $WORK/hook.sh"; T_OK=$TRACER
OOMTRACE=$OOMTRACE_REAL
T_ADJ=$(cat "/proc/$T_OK/oom_score_adj")
note "tracer's oom_score_adj: $T_ADJ"
# a hook that outlives its timeout, with a child in its group
start_tracer "$WORK/slow.json" --json -n 1 -c "/$name" --exec-timeout 1 \
	--exec 'sleep 60 & echo $! >"$HOOK_DIR/slow.child"; echo $$ >"$HOOK_DIR/slow.sh"; wait'
T_SLOW=$TRACER
start_tracer "$WORK/fail.json" --json -n 1 -c "/$name" --exec 'cat >/dev/null; exit 3'
T_FAIL=$TRACER

before=$(memcg_kills "$cg")
# 24 MiB beside the victim's 10 do not fit in 32: the kernel kills the victim
sh -c "$IN_CG" "$cg" "$HOG" 24 1 >/dev/null
wait_gone "$VA"
for t in $T_OK $T_SLOW $T_FAIL; do wait_gone "$t" 20; done
wait $T_OK; assert_eq "$?" 0 "tracer with a good hook exit code"
wait $T_SLOW; assert_eq "$?" 0 "tracer with a slow hook exit code"
wait $T_FAIL; assert_eq "$?" 0 "tracer with a failing hook exit code"
[ "$(memcg_kills "$cg")" -gt "$before" ] || fail "the kernel counted no kill"

ls "$HOOK_DIR"
[ -f "$HOOK_DIR/stdin.1" ] || fail "the hook did not run for event 1"
# stdin is the tracer's own line, byte for byte (aftermath lines follow it)
grep '"type":"oom_kill"' "$WORK/ok.json" >"$WORK/ok.event"
cmp "$HOOK_DIR/stdin.1" "$WORK/ok.event" || fail "hook stdin differs from the printed event"
python3 - "$HOOK_DIR/stdin.1" "$VA" "/$name" <<'PY' || fail "hook stdin is not the victim's event"
import json, sys
lines = open(sys.argv[1], 'rb').read().decode().splitlines()
assert len(lines) == 1, lines
ev = json.loads(lines[0])
assert ev["type"] == "oom_kill", ev["type"]
assert ev["victim"]["pid"] == int(sys.argv[2]), ev["victim"]
assert ev["memcg"] == sys.argv[3], ev["memcg"]
print("ok: hook stdin is the oom_kill event of pid", sys.argv[2])
PY
grep -qx "OOMTRACE_SEQ=1" "$HOOK_DIR/env.1" || fail "OOMTRACE_SEQ"
grep -qx "OOMTRACE_VICTIM_PID=$VA" "$HOOK_DIR/env.1" || fail "OOMTRACE_VICTIM_PID"
grep -qx "OOMTRACE_CONSTRAINT=memcg" "$HOOK_DIR/env.1" || fail "OOMTRACE_CONSTRAINT"
grep -qx "OOMTRACE_MEMCG=/$name" "$HOOK_DIR/env.1" || fail "OOMTRACE_MEMCG"
trig=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["trigger"]["pid"])' "$WORK/ok.event")
grep -qx "OOMTRACE_TRIGGER_PID=$trig" "$HOOK_DIR/env.1" || fail "OOMTRACE_TRIGGER_PID"
echo "ok: environment names seq, victim $VA, trigger $trig, constraint, memcg"
# the kernel's comm is the first 15 bytes of the name
printf '%s' "$hostile" | head -c 15 >"$WORK/comm.want"
cmp "$HOOK_DIR/comm.1" "$WORK/comm.want" || fail "OOMTRACE_VICTIM_COMM is not the raw name"
echo "ok: hostile name reached the hook as raw bytes"
[ "$T_ADJ" != 0 ] || fail "tracer's adj is 0: the hook's would prove nothing"
assert_eq "$(cat "$HOOK_DIR/adj.1")" 0 "hook runs with oom_score_adj 0, not the tracer's $T_ADJ"
grep -q -- '--exec hooks: 1 run, 1 ok, 0 failed, 0 timed out, 0 not run' "$WORK/ok.json.err" ||
	{ cat "$WORK/ok.json.err"; fail "summary of the good hook"; }

# the slow hook and its child were killed at the timeout, and counted
for f in slow.sh slow.child; do
	p=$(cat "$HOOK_DIR/$f") || fail "slow hook did not start"
	# killed at once; reaping the orphan is pid 1's business: a zombie is dead
	state=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && fail "$f ($p) still alive after the timeout ($state)"
done
echo "ok: the slow hook's process group was killed"
grep -q -- '1 run, 0 ok, 0 failed, 1 timed out, 0 not run' "$WORK/slow.json.err" ||
	{ cat "$WORK/slow.json.err"; fail "summary of the slow hook"; }
grep -q -- 'killed after 1s' "$WORK/slow.json.err" || fail "no warning for the timeout"
grep -q -- '1 run, 0 ok, 1 failed, 0 timed out, 0 not run' "$WORK/fail.json.err" ||
	{ cat "$WORK/fail.json.err"; fail "summary of the failing hook"; }
grep -q -- 'exited with 3' "$WORK/fail.json.err" || fail "no warning for the failure"
echo "ok: timeout and failure counted and reported"
