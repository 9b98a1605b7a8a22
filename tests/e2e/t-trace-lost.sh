#!/bin/sh
# Records that do not fit the ring buffer are counted and reported, never
# dropped silently: a tiny buffer and an OOM with many candidates.
. "$(dirname "$0")/lib.sh"

cg=$(memcg_new 48)
n=80
i=0
while [ $i -lt $n ]; do
	sh -c "$IN_CG" "$cg" "$HOG" 0 >/dev/null & PIDS="$PIDS $!"
	i=$((i + 1))
done
sleep 1
start_tracer "$WORK/ev.json" --json -k 0 --ringbuf-size 4
# the tracer may not drain the buffer during the OOM: that it keeps up with
# a 4 KiB buffer at times must not decide whether the loss path is tested
kill -STOP "$TRACER"
sh -c "$IN_CG" "$cg" "$HOG" -r 1 >/dev/null
kill -CONT "$TRACER"
sleep 0.3
stop_tracer
python3 - "$WORK/ev.json" $((n + 1)) <<'PY' || fail "loss not reported in the event"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if '"oom_kill"' in l]
assert len(evs) == 1, f"{len(evs)} events"
ev = evs[0]
want = int(sys.argv[2])
print(f"# candidates kept {len(ev['candidates'])}, total {ev['candidates_total']}, lost {ev['lost_events']}")
assert ev["candidates_total"] == want, (ev["candidates_total"], want)
assert ev["lost_events"] > 0, "lost_events is 0 though candidates are missing"
assert len(ev["candidates"]) + ev["lost_events"] >= want, "losses undercounted"
print("ok: lost_events counts what the ring buffer refused")
PY
grep -q "records were lost" "$WORK/ev.json.err" || fail "no loss warning on stderr: $(cat "$WORK/ev.json.err")"
echo "ok: stderr: $(grep 'records were lost' "$WORK/ev.json.err")"
