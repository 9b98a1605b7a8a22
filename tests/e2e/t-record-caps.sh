#!/bin/sh
# Once attached the recorder drops every capability it no longer needs:
# /proc/PID/status after the ready line shows CapEff, CapPrm and CapBnd
# without CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON, CAP_DAC_OVERRIDE or any
# other; what may stay is CAP_IPC_LOCK (mlockall under a finite memlock
# limit, which is the case here), CAP_SYS_PTRACE only with --user-symbols,
# and nothing at all with --no-protect. NoNewPrivs is set. And it still
# works without them: a real OOM is recorded after the drop, and SIGHUP
# reopens the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

caps_of() { sed -n "s/^$2:\t//p" "/proc/$1/status"; }
# check PID ALLOWED_MASK WHAT
check() {
	for set in CapEff CapPrm CapBnd CapInh CapAmb; do
		v=$(caps_of "$1" $set)
		extra=$(( 0x$v & ~$2 ))
		[ "$extra" -eq 0 ] || fail "$3: $set=$v holds more than allowed ($(printf %x $2))"
	done
	assert_eq "$(caps_of "$1" NoNewPrivs)" 1 "$3: NoNewPrivs"
	echo "ok: $3: CapEff=$(caps_of "$1" CapEff) CapPrm=$(caps_of "$1" CapPrm) CapBnd=$(caps_of "$1" CapBnd)"
}
IPC_LOCK=$((1 << 14))
PTRACE=$((1 << 19))
BPF=$((1 << 39))

# the kernel may need CAP_BPF for map lookups (before 6.5 with
# unprivileged_bpf_disabled): then the recorder keeps it, and says so
cg=$(memcg_new 16)
start_tracer "$WORK/a" record -o "$WORK/out/" -c "/$(basename "$cg")"
A=$TRACER
kept=$(sed -n 's/.*"capabilities":"\([a-z_,]*\)".*/\1/p' "$WORK/out/oomtrace.jsonl")
note "recorder_start says it kept: '${kept}'"
allowed=$IPC_LOCK
case $kept in *cap_bpf*) allowed=$((allowed | BPF)) ;; esac
check "$A" $allowed "default"
start_tracer "$WORK/b" record -o "$WORK/out2/" --no-protect -d 30
check "$TRACER" 0 "--no-protect (no mlockall): nothing at all"
kill -INT "$TRACER"; wait "$TRACER"
start_tracer "$WORK/c" record -o "$WORK/out3/" --user-symbols -d 30
check "$TRACER" $((allowed | PTRACE)) "--user-symbols"
kill -INT "$TRACER"; wait "$TRACER"

# without its capabilities it still records, and reopens on SIGHUP
oom_once "$cg"
wait_for "$WORK/out/oomtrace.jsonl" '"type":"oom_kill"'
mv "$WORK/out/oomtrace.jsonl" "$WORK/out/rotated.jsonl"
kill -HUP "$A"
oom_once "$cg"
wait_for "$WORK/out/oomtrace.jsonl" '"type":"oom_kill"'
kill -INT "$A"
wait "$A"
assert_eq "$?" 0 "exit code"
assert_eq "$(count_type "$WORK/out/rotated.jsonl" oom_kill)" 1 "first kill in the moved file"
assert_eq "$(count_type "$WORK/out/oomtrace.jsonl" oom_kill)" 1 "second kill in the reopened file"
grep -q '"lost_events":0' "$WORK/out/oomtrace.jsonl" || fail "lost_events not 0"
echo "ok: recorded and reopened without capabilities"
