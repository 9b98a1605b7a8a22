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
	# emptied here, not only by the job's redirection: the loop below could
	# otherwise read an earlier tracer's ready line from the same file
	# before the new job truncates it, and signal a tracer not ready yet
	: >"$_out.err"
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

# memcg_kills CGROUP_DIR: the kernel's kill count for a v1 memcg (exact, and
# moved only by kills in this memcg)
memcg_kills() { sed -n 's/^oom_kill //p' "$1/memory.oom_control"; }

# --- the kernel's OOM report is rate-limited ---------------------------------
# oom_kill_process() prints the report (header, task table, oom-kill: line)
# only while __ratelimit(&oom_rs) allows: 10 reports in 5 s
# (DEFAULT_RATELIMIT_INTERVAL, _BURST); the "Killed process" line comes
# always. After more than 5 s without a kill the next 10 are all reported,
# whatever the tests before did (oom_window.awk says why).
OOM_QUIET=${OOM_QUIET:-5.2}	# seconds: the window plus a margin for jiffies and printk
# (OOM_QUIET=0 skips the wait: to see that a missing report fails a test)

# oom_report_window [KILLS]: before a test's KILLS (default 1) OOM kills
# that it holds to the kernel's report, wait (bounded) as long as needed for
# all of them to be reported: not at all when the kills since the last 5 s
# without one leave room for KILLS more, else until the newest kill is
# $OOM_QUIET old. Says how long it waited, and adds it to $OOMTRACE_E2E_WAITS.
oom_report_window() {
	_waited=0 _seen=""
	while :; do
		_kills=$(sed -n 's/^oom_kill //p' /proc/vmstat)
		_tag=quiet-$$-$(date +%s%N)
		mark_kmsg "$_tag"
		# the marker's stamp is "now" on the log's own clock
		_left=$(dmesg | awk -f "$TOP/tests/e2e/oom_window.awk" -v mark="oomtrace-test-mark $_tag" \
			-v need="${1:-1}" -v quiet="$OOM_QUIET")
		case $_left in
		none)	# no kill in the log: none since boot, or the log was
			# cleared; then the kill counter must stand still a while
			[ "$_kills" = 0 ] || [ "$_kills" = "$_seen" ] && break
			_seen=$_kills _left=$OOM_QUIET ;;
		[0-9]*.[0-9][0-9]) ;;
		*) fail "cannot read the kernel log's time stamps (dmesg): '$_left'" ;;
		esac
		[ "$_left" = 0.00 ] && break
		_waited=$(awk "BEGIN { print $_waited + $_left }")
		awk "BEGIN { exit !($_waited > 60) }" &&
			fail "OOM kills keep coming on this machine: no $OOM_QUIET s without one in 60 s"
		sleep "$_left"
	done
	note "waited ${_waited}s for the kernel's OOM report rate limit (${1:-1} kill(s) to come)"
	[ -n "${OOMTRACE_E2E_WAITS:-}" ] && echo "$(basename "$0" .sh) $_waited" >>"$OOMTRACE_E2E_WAITS"
	return 0
}

# oom_reports_check DMESG_FILE CGROUP_DIR KILLS: the kernel's report of each
# of the memcg's KILLS kills is in DMESG_FILE, or the test fails saying why
oom_reports_check() {
	python3 "$TOP/tests/e2e/dmesg_oom.py" "$1" --memcg "/$(basename "$2")" --kills "$3" ||
		fail "the kernel's OOM report is missing: there is nothing to hold the events to"
}

# Run a command inside a cgroup, as the same pid (so $! is the command's pid):
#   sh -c "$IN_CG" CGROUP_DIR COMMAND ARGS... &
IN_CG='echo $$ > "$0/cgroup.procs" && exec "$@"'

# memcg_snap CG OUT: memory.stat, usage and kmem (when kept) of a v1 memcg,
# for check_scores_domain.py
memcg_snap() {
	{
		cat "$1/memory.stat"
		echo "usage $(cat "$1/memory.usage_in_bytes")"
		[ -r "$1/memory.kmem.usage_in_bytes" ] &&
			echo "kmem $(cat "$1/memory.kmem.usage_in_bytes" 2>/dev/null)"
	} >"$2"
}
