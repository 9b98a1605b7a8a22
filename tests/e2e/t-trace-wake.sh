#!/bin/sh
# Tracepoint mode wakes userspace by a BPF timer after each OOM, not while
# the OOM killer holds its lock (oomtrace.bpf.c, wake_after_walk): the
# timer's program is loaded, and the event still comes without any other
# wake-up. With OOMTRACE_WAKE=now the totals wake it, as without the
# timer. In both, a tracer told to stop after one event (-n 1) must end by
# itself: without a wake-up it would sleep on, the event unread. Checked
# against the kernel's own count of kills in the memcg and its victim. A
# ring buffer a quarter full at the OOM's end gets its wake-up at once
# (ring_filling()): one OOM's records (the 8 KiB stack copy alone is a
# page more) fill a quarter of a 32 KiB ring, never of the default 4 MiB.
. "$(dirname "$0")/lib.sh"

# programs named NAME loaded now
progs_named() {
	bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p.get("name") == sys.argv[1]))' "$1"
}

# one_case LABEL ENV [ARGS]: a tracer with -n 1, one memcg OOM, the tracer gone
# by itself; ENV (NAME=VALUE) stays exported for the cases after it
one_case() {
	label=$1 args=${3:-}
	cg=$(memcg_new 32)
	before=$(memcg_kills "$cg")
	[ -n "$2" ] && export "$2"
	start_tracer "$WORK/$label.json" -v -j -n 1 --mode tracepoint $args -c "/$(basename "$cg")"
	tracer=$TRACER
	loaded=$(progs_named wake_after_walk)
	sh -c "$IN_CG" "$cg" "$HOG" -r 8 >/dev/null &
	grower=$!
	wait $grower
	assert_eq "$?" 137 "$label: grower was SIGKILLed"
	assert_eq "$(($(memcg_kills "$cg") - before))" 1 "$label: the kernel's kills in the memcg"
	# -n 1: the tracer ends once the event is out, if anything woke it
	wait_gone "$tracer" 5
	wait "$tracer"
	assert_eq "$?" 0 "$label: tracer's exit after its one event"
	python3 - "$WORK/$label.json" "$grower" <<'PY' || fail "$label: the event"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
kills = [e for e in evs if e["type"] == "oom_kill"]
assert len(kills) == 1, f"{len(kills)} oom_kill events"
assert kills[0]["victim"]["pid"] == int(sys.argv[2]), (kills[0]["victim"]["pid"], sys.argv[2])
print(f"ok: the one event names the grower {sys.argv[2]} as its victim")
PY
}

# the timer alone wakes it here: the totals go out without a wake-up
one_case deferred ""
grep -q 'wake-up: by a timer' "$WORK/deferred.json.err" ||
	{ cat "$WORK/deferred.json.err"; fail "tracepoint mode did not defer its wake-up"; }
[ "$loaded" -ge 1 ] || fail "deferred: wake_after_walk not loaded while tracing"
echo "ok: deferred: wake_after_walk loaded; $(grep 'wake-up:' "$WORK/deferred.json.err" | head -n 1)"
grep -q 'wake-up: 0 at once' "$WORK/deferred.json.err" ||
	fail "deferred: a 4 MiB ring woke at once: $(grep 'wake-up: .* at once' "$WORK/deferred.json.err")"
echo "ok: deferred: $(grep 'wake-up: .* at once' "$WORK/deferred.json.err")"

one_case filling "" "--ringbuf-size 32"
grep -Eq 'wake-up: [1-9][0-9]* at once' "$WORK/filling.json.err" ||
	fail "a 32 KiB ring a quarter full did not wake at once: $(grep 'wake-up' "$WORK/filling.json.err")"
echo "ok: filling: $(grep 'wake-up: .* at once' "$WORK/filling.json.err")"

one_case now OOMTRACE_WAKE=now
grep -q 'wake-up: by a timer' "$WORK/now.json.err" && fail "OOMTRACE_WAKE=now deferred the wake-up"
[ "$loaded" -eq 0 ] || fail "OOMTRACE_WAKE=now loaded wake_after_walk"
echo "ok: now: the totals woke the tracer, no timer program loaded"
