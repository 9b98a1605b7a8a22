# Shared helpers for end-to-end tests (sourced). Tests run as root on the host
# and trigger real memcg OOMs, each in its own uniquely named memory cgroup.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OOMTRACE=$TOP/oomtrace
HOG=$TOP/.output/helpers/hog
WORK=$(mktemp -d /tmp/oomtrace-e2e.XXXXXX)
MEMCG_V1=/sys/fs/cgroup/memory
PIDS=""

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "# $*"; }

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
	if [ "$1" = "$2" ]; then echo "ok: $3 ($1)"; else fail "$3: got '$1', expected '$2'"; fi
}

[ "$(id -u)" -eq 0 ] || skip "needs root"

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	# memcg_new runs in $(...) subshells: it registers its cgroups in a file
	for cg in $(cat "$WORK/cgroups" 2>/dev/null); do
		[ -d "$cg" ] || continue
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		i=0
		while ! rmdir "$cg" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# memcg_new LIMIT_MIB -> prints the cgroup directory (v1 memory controller)
memcg_new() {
	[ -d "$MEMCG_V1" ] || skip "no cgroup v1 memory controller at $MEMCG_V1"
	_cg=$MEMCG_V1/oomtrace-test-$$-$(date +%s%N | tail -c 7)
	mkdir "$_cg" || fail "cannot create $_cg"
	echo "$_cg" >>"$WORK/cgroups"
	echo $(($1 << 20)) >"$_cg/memory.limit_in_bytes" || fail "cannot set limit"
	echo "$_cg"
}

# expect_fail RC PATTERN CMD...: exit code RC, nothing on stdout, exactly one
# stderr line "oomtrace: ..." matching PATTERN
expect_fail() {
	_want=$1 _pat=$2; shift 2
	"$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	_rc=$?
	[ "$_rc" = "$_want" ] || { cat "$WORK/err"; fail "'$*': exit $_rc, expected $_want"; }
	_n=$(wc -l <"$WORK/err")
	[ "$_n" -eq 1 ] || { cat "$WORK/err"; fail "'$*': $_n stderr lines, expected 1"; }
	grep -q "^oomtrace: .*$_pat" "$WORK/err" || { cat "$WORK/err"; fail "'$*': stderr lacks '$_pat'"; }
	[ -s "$WORK/out" ] && fail "'$*': printed on stdout: $(head -c 200 "$WORK/out")"
	echo "ok: '$*' -> exit $_rc: $(cat "$WORK/err")"
}

# start_tracer OUTFILE ARGS... : starts oomtrace in the background, waits for ready
start_tracer() {
	_out=$1; shift
	"$OOMTRACE" "$@" >"$_out" 2>"$_out.err" &
	TRACER=$!
	PIDS="$PIDS $TRACER"
	_i=0
	while ! grep -q '^oomtrace: ready' "$_out.err" 2>/dev/null; do
		kill -0 "$TRACER" 2>/dev/null || { cat "$_out.err"; fail "tracer exited before ready"; }
		_i=$((_i + 1)); [ $_i -gt 300 ] && fail "tracer not ready after 30s"
		sleep 0.1
	done
}

# stop_tracer: SIGINT and wait
stop_tracer() {
	kill -INT "$TRACER" 2>/dev/null
	wait "$TRACER"
}

# wait_gone PID [SECONDS]: wait (bounded) for a process to disappear
wait_gone() {
	_i=0
	while kill -0 "$1" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -gt $((${2:-10} * 20)) ] && fail "pid $1 still alive after ${2:-10}s"
		sleep 0.05
	done
}

# wait_ready FILE...: wait (bounded) for hogs to print "ready"
wait_ready() {
	for _f in "$@"; do
		_i=0
		while ! grep -q ready "$_f" 2>/dev/null; do
			_i=$((_i + 1)); [ $_i -gt 200 ] && fail "$_f: hog not ready after 10s"
			sleep 0.05
		done
	done
}

# dmesg_since MARK: kernel log after a marker line written with mark_kmsg
mark_kmsg() { echo "oomtrace-test-mark $1" >/dev/kmsg; }
dmesg_since() { dmesg | sed -n "/oomtrace-test-mark $1/,\$p"; }

# Run a command inside a cgroup, as the same pid (so $! is the command's pid):
#   sh -c "$IN_CG" CGROUP_DIR COMMAND ARGS... &
IN_CG='echo $$ > "$0/cgroup.procs" && exec "$@"'
