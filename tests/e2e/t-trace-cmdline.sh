#!/bin/sh
# exe and cmdline of victim and trigger on real memcg OOMs: the grower's
# real argv, with an argument holding a space and one holding a newline,
# for a victim that ran before the tracer (read from /proc, or from the
# cache filled at start) and for one exec'd after it with /proc hidden from
# the tracer (OOMTRACE_PROC): then only the BPF exec-time cache can say,
# in the map this kernel gets (6.1+: allocated at run time) and in the
# preallocated one of kernels before 6.1 (OOMTRACE_CMDLINES_PREALLOC).
. "$(dirname "$0")/lib.sh"

NL='
'
ARG_SP="two words"
ARG_NL="line1${NL}line2"
EXE=$(readlink -f "$HOG")

check() { # FILE VICTIM_PID WHAT
	python3 - "$1" "$2" "$HOG" "$EXE" "$ARG_SP" "$ARG_NL" <<'PY' || fail "$3: cmdline/exe"
import json, sys
f, vpid, hog, exe, sp, nl = sys.argv[1:]
ev = next(json.loads(l) for l in open(f) if '"oom_kill"' in l)
v = ev["victim"]
assert v["pid"] == int(vpid), v
want = [hog, "-a", "1000", "10", "3600", sp, nl]
assert v.get("cmdline") == want, (v.get("cmdline"), want, ev.get("missing"))
assert v.get("exe") in (exe, hog), (v.get("exe"), exe)
t = ev["trigger"]
assert t.get("cmdline") == [hog, "24", "1"], t
assert "victim_cmdline" not in ev.get("missing", ""), ev.get("missing")
print("ok: victim cmdline", json.dumps(v["cmdline"]), "exe", v["exe"], "; trigger", t["cmdline"])
PY
}

# 1. a victim running before the tracer
cg=$(memcg_new 32)
sh -c "$IN_CG" "$cg" "$HOG" -a 1000 10 3600 "$ARG_SP" "$ARG_NL" >"$WORK/a" & VA=$!
PIDS="$PIDS $VA"
wait_ready "$WORK/a"
start_tracer "$WORK/before.json" --json -n 1 -c "/$(basename "$cg")"; T1=$TRACER
start_tracer "$WORK/before.txt" -n 1 -c "/$(basename "$cg")"; T2=$TRACER
sh -c "$IN_CG" "$cg" "$HOG" 24 1 >/dev/null
wait_gone "$VA"
wait_gone "$T1" 20; wait "$T1" || fail "tracer failed"
wait_gone "$T2" 20; wait "$T2" || fail "tracer failed"
check "$WORK/before.json" "$VA" "victim from before the start"
grep -qF "command $HOG -a 1000 10 3600 'two words' line1\\nline2  (exe " "$WORK/before.txt" ||
	{ cat "$WORK/before.txt"; fail "text command line"; }
echo "ok: text shows the command line, escaped"

# exec_time_case NAME WHAT: a victim exec'd after the tracer started, which
# cannot read /proc: only the exec-time cache names it. NAME: its files in
# $WORK; WHAT: what the check is called; the cache is as the environment
# makes it.
exec_time_case() {
	cgx=$(memcg_new 32)
	OOMTRACE_PROC=$WORK/noproc start_tracer "$WORK/$1.json" --json -n 1 -c "/$(basename "$cgx")"
	tx=$TRACER
	grep -q "cannot read $WORK/noproc for command lines" "$WORK/$1.json.err" || fail "no warning"
	sh -c "$IN_CG" "$cgx" "$HOG" -a 1000 10 3600 "$ARG_SP" "$ARG_NL" >"$WORK/$1.hog" & vx=$!
	PIDS="$PIDS $vx"
	wait_ready "$WORK/$1.hog"
	sh -c "$IN_CG" "$cgx" "$HOG" 24 1 >/dev/null
	wait_gone "$vx"
	wait_gone "$tx" 20; wait "$tx" || fail "tracer failed"
	check "$WORK/$1.json" "$vx" "$2"
}

# 2. the cache as this kernel has it (6.1+: allocated at run time)
exec_time_case after "victim from the exec-time cache"

# 3. the same, with the command lines' map as kernels before 6.1 have it
want="a hash allocated at run time"
case $(uname -r) in [1-5].* | 6.0.* | 6.0-*) want="preallocated" ;; esac
"$OOMTRACE" doctor 2>/dev/null | grep -q "command-line cache  *yes  *$want" ||
	fail "doctor: this kernel's command-line cache is not $want"
OOMTRACE_CMDLINES_PREALLOC=1
export OOMTRACE_CMDLINES_PREALLOC
"$OOMTRACE" doctor 2>/dev/null | grep -q "command-line cache  *yes  *preallocated" ||
	fail "doctor: no preallocated cache"
exec_time_case prealloc "victim from the preallocated exec-time cache"
