#!/bin/sh
# The command-line contract (README, Commands; --help): help, bad usage (exit 2, one line),
# missing privileges and no BTF (exit 1, one line naming cause and fix),
# clean exits on --duration and SIGTERM, the ready line.
. "$(dirname "$0")/lib.sh"

"$OOMTRACE" --help >"$WORK/help" || fail "--help failed"
for opt in --json --count --duration --cgroup --pid --candidates --mode --verbose --ringbuf-size --no-protect; do
	grep -q -- "$opt" "$WORK/help" || fail "--help does not document $opt"
done
echo "ok: --help documents every option"
"$OOMTRACE" trace --help >/dev/null || fail "trace --help"
"$OOMTRACE" doctor --help >/dev/null || fail "doctor --help"

expect_fail 2 "unrecognized\|invalid\|see" "$OOMTRACE" --bogus
expect_fail 2 "invalid value" "$OOMTRACE" --count abc
expect_fail 2 "invalid value" "$OOMTRACE" --count 0
expect_fail 2 "invalid value" "$OOMTRACE" -d -5
expect_fail 2 "invalid value" "$OOMTRACE" --pid 12x
expect_fail 2 "invalid value" "$OOMTRACE" -k -1
expect_fail 2 "invalid value" "$OOMTRACE" --ringbuf-size 3
expect_fail 2 "unknown mode" "$OOMTRACE" --mode turbo
expect_fail 2 "invalid value" "$OOMTRACE" --exec-max 0
expect_fail 2 "invalid value" "$OOMTRACE" --exec-timeout 1x
expect_fail 2 "invalid value" "$OOMTRACE" --exec ""
expect_fail 2 "invalid value" "$OOMTRACE" record --exec-max -1
expect_fail 2 "invalid value" "$OOMTRACE" --k8s-log-dir ""
expect_fail 2 "not an absolute" "$OOMTRACE" --cgroup relative/path
expect_fail 2 "unknown subcommand" "$OOMTRACE" frobnicate
expect_fail 2 "unexpected argument" "$OOMTRACE" trace extra

# without privileges: one line that says what to do
if command -v setpriv >/dev/null; then
	expect_fail 1 "need root" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$OOMTRACE" -d 1
fi

# a kernel without BTF: hide it in a private mount namespace
if command -v unshare >/dev/null && [ -e /sys/kernel/btf/vmlinux ]; then
	expect_fail 1 "no BTF" unshare -m sh -c \
		'mount -t tmpfs none /sys/kernel/btf && exec "$0" -d 1' "$OOMTRACE"
fi

# a mode this kernel cannot attach, forced: an error naming the mode
if ! "$OOMTRACE" doctor | grep -q '^  fentry  *yes'; then
	expect_fail 1 "fentry" "$OOMTRACE" --mode fentry -d 1
fi

# --duration: exits 0 on its own, after the ready line, printing nothing
start=$(date +%s)
"$OOMTRACE" -d 1 >"$WORK/out" 2>"$WORK/err"
rc=$?
assert_eq "$rc" 0 "--duration exit code"
grep -q '^oomtrace: ready (mode=[a-z]*)$' "$WORK/err" || fail "no ready line: $(cat "$WORK/err")"
[ -s "$WORK/out" ] && fail "output while idle: $(cat "$WORK/out")"
echo "ok: idle run prints nothing on stdout"

# SIGTERM and SIGINT: clean exit 0 (tracers run as background jobs in scripts)
for sig in TERM INT; do
	start_tracer "$WORK/sig" --json
	kill -$sig "$TRACER"
	wait "$TRACER"
	assert_eq "$?" 0 "exit code after SIG$sig"
done

# --precise-rss: the per-CPU offsets come from a per-CPU map of its own
# (5.19+), so no warning on a 6.2+ kernel with at most 64 CPUs, though
# kallsyms hides __per_cpu_offset here (t-trace-precise-rss.sh holds the
# sums to the kernel's). The compat object has only kallsyms: it says so.
"$OOMTRACE" --precise-rss -d 1 >"$WORK/out" 2>"$WORK/err" || fail "--precise-rss: $(cat "$WORK/err")"
if [ "$(getconf _NPROCESSORS_CONF)" -gt 64 ]; then
	grep -q -- '--precise-rss: more than 64 possible CPUs' "$WORK/err" ||
		fail "--precise-rss: no warning with more than 64 CPUs: $(cat "$WORK/err")"
else
	grep -q -- '--precise-rss' "$WORK/err" && fail "--precise-rss warned: $(cat "$WORK/err")"
fi
OOMTRACE_BPF_OBJECT=compat "$OOMTRACE" --precise-rss -d 1 >"$WORK/out" 2>"$WORK/err" ||
	fail "--precise-rss (compat object): $(cat "$WORK/err")"
if grep -q ' __per_cpu_offset$' /proc/kallsyms; then
	grep -q -- '--precise-rss' "$WORK/err" && fail "--precise-rss warned with __per_cpu_offset known"
else
	grep -q -- '--precise-rss: no per-CPU offsets' "$WORK/err" ||
		fail "--precise-rss (compat): no warning without __per_cpu_offset: $(cat "$WORK/err")"
fi
echo "ok: --precise-rss starts, and says when it cannot sum"

# doctor names the mode auto picks
"$OOMTRACE" doctor >"$WORK/doctor" || fail "doctor failed: $(cat "$WORK/doctor")"
grep -q '^auto mode: \(fentry\|kprobe\|tracepoint\)$' "$WORK/doctor" || fail "doctor: no auto mode"
echo "ok: doctor: $(grep '^auto mode' "$WORK/doctor")"

# Older kernels, as the host can stand in for them (OOMTRACE_KFEATURES_OFF
# takes probed features as absent): before 5.8 there is no BPF ring buffer,
# and the tracer refuses in one line that points at the kernel-log path
expect_fail 1 "no BPF ring buffer (Linux 5.8+).*oomtrace parse --kmsg --follow" \
	env OOMTRACE_KFEATURES_OFF=ringbuf "$OOMTRACE" -d 1
# before 5.17 (no bpf_loop) or 5.12 (no atomic fetch): the compat object
for off in bpf_loop atomic_fetch; do
	env OOMTRACE_KFEATURES_OFF=$off "$OOMTRACE" -v -d 1 >"$WORK/out" 2>"$WORK/err" ||
		fail "no $off: $(cat "$WORK/err")"
	grep -q "loading the compat BPF object" "$WORK/err" || fail "no $off: compat object not loaded: $(cat "$WORK/err")"
	grep -q "^oomtrace: ready (mode=tracepoint)" "$WORK/err" || fail "no $off: not ready: $(cat "$WORK/err")"
	echo "ok: no $off: the compat object loads and attaches"
done
env OOMTRACE_KFEATURES_OFF=bpf_loop "$OOMTRACE" doctor >"$WORK/doctor" 2>&1
grep -q '^  bpf_loop() *no *5.17' "$WORK/doctor" || fail "doctor: bpf_loop not named absent: $(cat "$WORK/doctor")"
grep -q '^this kernel gets (mode tracepoint, compat BPF object)' "$WORK/doctor" ||
	fail "doctor: compat object not named: $(cat "$WORK/doctor")"
echo "ok: doctor names bpf_loop() absent (5.17) and the compat object"
