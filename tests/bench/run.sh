#!/bin/sh
# `make bench`: what oomtrace costs, measured on this machine, side by side
# with a bpftrace program on the same tracepoint and with the floor (the
# least a libbpf tracer can be), and each target of the README's Benchmarks
# section met or missed. Measurements, not tests: the exit status does not
# depend on them. The measured sections run in ROUNDS rounds (BENCH_ROUNDS,
# default 3); a target is met only if every round meets it. Prints a table
# and writes
#   .output/bench/results.json   every figure, and the raw samples' summary
#   .output/bench/results.md     the table, as the README shows it
#   .output/bench/raw/           the samples themselves
# Sections (each can be skipped: BENCH_SKIP="storm scale"):
#   startup  exec to the ready line, interleaved (each round)
#   memory   peak and steady RSS, and idle cost (wakeups, CPU) over 10 s (each round)
#   oompath  kill latency of repeated memcg OOMs with N candidates (N in
#            LAT_NS): no tracer, oomtrace, bpftrace, interleaved (each round)
#   scale    one OOM with N candidates, and with N processes outside its
#            memcg: BPF time per OOM, event size; and at N=1 the references,
#            bpftrace's one line per kill and its capture of the stacks
#            alone (stacks.bt) (each round)
#   ustack   one OOM (N=1) whose allocating task is USTACK_DEPTH_KIB deep in
#            its stack, traced with --ustack-copy 0, the default (8 KiB) and
#            the most (64 KiB): BPF time per OOM, frames unwound (each round)
#   storm    memcg OOMs in parallel cgroups as fast as they come: nothing lost? (once)
#   parse    tests/bench/parse.sh, if present (oomtrace parse throughput) (once)
#   replay   tests/bench/replay.sh (oomtrace replay of 100,000 OOMs: rate, peak memory) (once)
# BENCH_QUICK=1 runs every section with few repetitions, one round (a smoke run).
# Every memory cgroup is uniquely named and removed; no global OOM is made.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
OOMTRACE=$TOP/oomtrace
B=$TOP/.output/bench
OUT=$B
RAW=$OUT/raw
BT=$TOP/tests/bench/mark_victim.bt
BT_STACKS=$TOP/tests/bench/stacks.bt
MEMCG_ROOT=/sys/fs/cgroup/memory
RUN_ID=$$-$(date +%s)
QUICK=${BENCH_QUICK:-0}
SKIP=${BENCH_SKIP:-}
PIDS=""

# repetitions: full run, quick run (per round where it says so)
if [ "$QUICK" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-1}
	START_PER_ROUND=4 IDLE_MS=3000 LONG_IDLE_MS=5000 LAT_PER_BLOCK=8 LAT_PER_BLOCK_BIG=4
	STORM_TOTAL=200 SCALE_NS="1 100 1000" SCALE_REPS_N1=1 LAT_NS="1 100 1000" USTACK_REPS=2
else
	ROUNDS=${BENCH_ROUNDS:-3}
	START_PER_ROUND=12 IDLE_MS=10000 LONG_IDLE_MS=65000 LAT_PER_BLOCK=40 LAT_PER_BLOCK_BIG=12
	STORM_TOTAL=2000 SCALE_NS="1 100 1000 5000" SCALE_REPS_N1=3 LAT_NS="1 100 1000 5000" USTACK_REPS=5
fi
LAT_WARMUP=2		# first OOMs of each block, not counted
LAT_LIMIT_MIB=4
STORM_WORKERS=4
USTACK_COPIES="0 8192 65536"	# --ustack-copy: none, the default, the most
USTACK_DEPTH_KIB=52		# beyond the default copy, within the largest
STORM_LIMIT_MIB=2

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
skipped() { case " $SKIP " in *" $1 "*) return 0 ;; esac; return 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (BPF, memory cgroups)"
[ -d "$MEMCG_ROOT" ] || die "no cgroup v1 memory controller at $MEMCG_ROOT"
[ -x "$OOMTRACE" ] && [ -x "$B/floor" ] && [ -x "$B/readyrun" ] || die "build first: make bench"
scripts/install-deps.sh --bench || die "cannot install the bench dependencies (scripts/install-deps.sh --bench)"

rm -rf "$RAW"
mkdir -p "$RAW"
: >"$RAW/memcgs"

# ---- housekeeping ----------------------------------------------------------------
STATS_OLD=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	for cg in $(cat "$RAW/memcgs" 2>/dev/null); do
		[ -d "$cg" ] || continue
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		i=0
		while ! rmdir "$cg" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		[ -d "$cg" ] && say "warning: could not remove $cg"
	done
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# memcg_new NAME LIMIT_MIB -> its directory
memcg_new() {
	_cg=$MEMCG_ROOT/oomtrace-bench-$RUN_ID-$1
	mkdir "$_cg" || die "cannot create $_cg"
	echo "$_cg" >>"$RAW/memcgs"
	echo $(($2 << 20)) >"$_cg/memory.limit_in_bytes" || die "cannot set a limit on $_cg"
	echo "$_cg"
}
memcg_rm() {
	_i=0
	while ! rmdir "$1" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}

# bg_start OUTFILE PREFIX CMD... : start a tracer, wait (30 s at most) for its ready line
bg_start() {
	_out=$1 _prefix=$2
	shift 2
	"$@" >"$_out" 2>"$_out.err" &
	BG=$!
	PIDS="$PIDS $BG"
	_i=0
	while ! grep -q "^$_prefix" "$_out.err" "$_out" 2>/dev/null; do
		kill -0 "$BG" 2>/dev/null || { cat "$_out.err" >&2; die "$1 exited before ready"; }
		_i=$((_i + 1))
		[ $_i -gt 600 ] && die "$1: not ready after 30 s"
		sleep 0.05
	done
}
# bg_stop PID: SIGINT, then SIGTERM, then SIGKILL
bg_stop() {
	for _sig in INT TERM KILL; do
		kill -"$_sig" "$1" 2>/dev/null || break
		_i=0
		while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
		kill -0 "$1" 2>/dev/null || break
	done
	wait "$1" 2>/dev/null
}

vmstat_kills() { awk '$1 == "oom_kill" { print $2 }' /proc/vmstat; }

# bpftrace (and the floor's peers) need tracefs to find a tracepoint
if [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		say "warning: cannot mount tracefs: bpftrace will not attach"
fi

# what this machine is, for the record
python3 - "$RAW/machine.json" <<'PY'
import json, os, platform, subprocess, sys
def run(*a):
    try:
        return subprocess.run(a, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""
m = {"kernel": platform.release(), "cpus": os.cpu_count(),
     "mem_total_kb": int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))),
     "bpftrace": run("bpftrace", "--version"),
     "libbpf": run("dpkg-query", "-W", "-f=${Version}", "libbpf1"),
     "loadavg": open("/proc/loadavg").read().split()[:3],
     "date": run("date", "-u", "+%Y-%m-%dT%H:%M:%SZ"),
     "commit": run("git", "rev-parse", "--short", "HEAD")}
json.dump(m, open(sys.argv[1], "w"))
PY

# the attach modes this kernel allows, each tried for real
: >"$RAW/modes.jsonl"
for m in fentry kprobe tracepoint; do
	"$B/readyrun" -p "oomtrace: ready" -l "$m" -t 20000 -- "$OOMTRACE" -m "$m" >>"$RAW/modes.jsonl"
done
MODES=$(python3 -c '
import json, sys
print(" ".join(json.loads(l)["label"] for l in open(sys.argv[1]) if "ready_ms" in l))' "$RAW/modes.jsonl")
say "attach modes usable here: ${MODES:-none}"
[ -n "$MODES" ] || die "oomtrace cannot attach in any mode here"

# jsonl_round R: prefix each JSON line on stdin with "round":R
jsonl_round() { sed "s/^{/{\"round\":$1,/"; }

# ---- start to ready (one round) ----------------------------------------------------------
startup_round() {
	_r=$1 _i=0
	while [ $_i -lt "$START_PER_ROUND" ]; do
		_i=$((_i + 1))
		{
			for m in $MODES; do echo "oomtrace-$m"; done
			echo oomtrace-auto; echo bpftrace; echo floor
		} | shuf >"$RAW/order"
		while read -r what; do
			case $what in
			oomtrace-auto) set -- -p "oomtrace: ready" -- "$OOMTRACE" ;;
			oomtrace-*) set -- -p "oomtrace: ready" -- "$OOMTRACE" -m "${what#oomtrace-}" ;;
			bpftrace) set -- -p "bpftrace: ready" -- bpftrace "$BT" ;;
			floor) set -- -p "floor: ready" -- "$B/floor" ;;
			esac
			"$B/readyrun" -l "$what" "$@" </dev/null | jsonl_round "$_r" >>"$RAW/startup.jsonl"
		done <"$RAW/order"
	done
}

# where the time goes: one start of each oomtrace mode under strace (only
# the calls named stop it: bpf() loads are the verifier, the kernel's BTF and
# kallsyms are files opened and closed, futex is the wait for the kallsyms thread)
startup_profile() {
	for m in $MODES auto; do
		set -- -m "$m"
		[ "$m" = auto ] && set --
		"$B/readyrun" -l "strace-$m" -p "oomtrace: ready" -- strace -f -ttt -T --seccomp-bpf \
			-e trace=openat,close,bpf,write,futex,mlockall -e signal=none \
			-o "$RAW/start-strace.$m" "$OOMTRACE" "$@" >>"$RAW/start-strace.jsonl" </dev/null
	done
}

# ---- memory and idle cost (one round) -----------------------------------------------------
memory_round() {
	_r=$1
	rec=$RAW/record-out.$_r
	mkdir -p "$rec"
	sm="$RAW/smaps"
	"$B/readyrun" -l trace -p "oomtrace: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.trace.$_r" -- \
		"$OOMTRACE" >"$RAW/mem.trace.$_r" </dev/null &
	p1=$!
	"$B/readyrun" -l trace-no-protect -p "oomtrace: ready" -s 2000 -i "$IDLE_MS" -w 3 \
		-m "$sm.trace-no-protect.$_r" -- "$OOMTRACE" --no-protect \
		>"$RAW/mem.trace-no-protect.$_r" </dev/null &
	p2=$!
	"$B/readyrun" -l record -p "oomtrace: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.record.$_r" -- \
		"$OOMTRACE" record -o "$rec/" >"$RAW/mem.record.$_r" </dev/null &
	p3=$!
	"$B/readyrun" -l floor -p "floor: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.floor.$_r" -- \
		"$B/floor" >"$RAW/mem.floor.$_r" </dev/null &
	p4=$!
	"$B/readyrun" -l bpftrace -p "bpftrace: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.bpftrace.$_r" -- \
		bpftrace "$BT" >"$RAW/mem.bpftrace.$_r" </dev/null &
	p5=$!
	PIDS="$PIDS $p1 $p2 $p3 $p4 $p5"
	wait $p1 $p2 $p3 $p4 $p5
	cat "$RAW"/mem.*."$_r" | jsonl_round "$_r" >>"$RAW/memory.jsonl"
}

# ---- OOM-path cost (one round) ---------------------------------------------------------------
# For each N in LAT_NS, one memcg; the three conditions in a random order,
# each a block of OOMs whose every OOM weighs N candidates (oomlat -N).
oompath_round() {
	_r=$1
	mkdir -p "$RAW/oompath"
	for n in $LAT_NS; do
		per=$LAT_PER_BLOCK
		[ "$n" -gt 1000 ] && per=$LAT_PER_BLOCK_BIG
		cg=$(memcg_new "lat-$_r-$n" $LAT_LIMIT_MIB)
		printf 'none\noomtrace\nbpftrace\n' | shuf >"$RAW/order"
		while read -r cond; do
			f=$RAW/oompath/$cond.$_r.$n
			tracer=""
			case $cond in
			oomtrace) bg_start "$f.events" "oomtrace: ready" "$OOMTRACE" -j -k 0; tracer=$BG ;;
			bpftrace) bg_start "$f.events" "bpftrace: ready" bpftrace "$BT"; tracer=$BG ;;
			esac
			"$B/oomlat" -c "$cg" -N "$n" -n $((per + LAT_WARMUP)) >"$f.lat" </dev/null ||
				say "warning: oomlat: $(tail -n1 "$f.lat")"
			if [ -n "$tracer" ]; then
				sleep 0.5	# let the last event complete
				bg_stop "$tracer"
			fi
			printf '{"round":%d,"n":%d,"cond":"%s","warmup":%d,"memcg":"/%s","lat":"%s","events":"%s"}\n' \
				"$_r" "$n" "$cond" "$LAT_WARMUP" "$(basename "$cg")" "$f.lat" \
				"$( [ -n "$tracer" ] && echo "$f.events")" >>"$RAW/oompath.jsonl"
		done <"$RAW/order"
		memcg_rm "$cg"
	done
}

# timed_tracer PREFIX CMD...: start the tracer whose BPF time one_oom reads
# ($tracer), its output in $f.events, its programs' names in $f.progs
timed_tracer() {
	bg_start "$f.events" "$@"
	tracer=$BG
	bpftool -j prog show >"$f.progs" 2>/dev/null
}

# one_oom JSONL MEMCG_NAME JSON_FIELDS [MANYTASKS_ARGS...]: one OOM of one
# candidate in a new memcg, the BPF time of $tracer's programs over it; a
# line of $_r, JSON_FIELDS, the memcg, $f's files and the run into JSONL
one_oom() {
	_jsonl=$1 _name=$2 _fields=$3
	shift 3
	cg=$(memcg_new "$_name" 1024)
	line=$("$B/manytasks" -c "$cg" -N 1 "$@" -P "$tracer" </dev/null) ||
		say "warning: manytasks -N 1 $* ($_name) failed"
	printf '{"round":%d,%s,"memcg":"/%s","progs_file":"%s","events":"%s","run":%s}\n' \
		"$_r" "$_fields" "$(basename "$cg")" "$f.progs" "$f.events" "${line:-null}" >>"$_jsonl"
	memcg_rm "$cg"
}

# ---- BPF time per OOM (one round) ---------------------------------------------------------------
# One OOM with N candidates, and one with N processes outside its memcg, per
# N in SCALE_NS (N=1 SCALE_REPS_N1 times), each mode; the tracer's programs'
# run time from their fdinfo (kernel.bpf_stats_enabled=1).
scale_round() {
	_r=$1
	echo 1 >/proc/sys/kernel/bpf_stats_enabled || die "cannot enable kernel.bpf_stats_enabled"
	for m in $MODES; do
		f=$RAW/scale.$m.$_r
		timed_tracer "oomtrace: ready" "$OOMTRACE" -j -k 0 -m "$m"
		for n in $SCALE_NS; do
			reps=1
			[ "$n" = 1 ] && reps=$SCALE_REPS_N1
			rep=0
			while [ $rep -lt $reps ]; do
				rep=$((rep + 1))
				cg=$(memcg_new "scale-$m-$_r-$n-$rep" 1024)
				line=$("$B/manytasks" -c "$cg" -N "$n" -P "$tracer" </dev/null) ||
					say "warning: manytasks -N $n failed"
				printf '{"round":%d,"mode":"%s","rep":%d,"memcg":"/%s","progs_file":"%s","events":"%s","run":%s}\n' \
					"$_r" "$m" "$rep" "$(basename "$cg")" "$f.progs" "$f.events" "${line:-null}" \
					>>"$RAW/scale.jsonl"
				memcg_rm "$cg"
				# the same N sleepers, but the OOM in another memcg of one task
				cg=$(memcg_new "scale-$m-$_r-$n-$rep-s" 1024)
				cg2=$(memcg_new "scale-$m-$_r-$n-$rep-g" 8)
				line=$("$B/manytasks" -c "$cg" -g "$cg2" -N "$n" -P "$tracer" </dev/null) ||
					say "warning: manytasks -N $n -g failed"
				printf '{"round":%d,"mode":"%s","outside":true,"rep":%d,"memcg":"/%s","progs_file":"%s","events":"%s","run":%s}\n' \
					"$_r" "$m" "$rep" "$(basename "$cg2")" "$f.progs" "$f.events" "${line:-null}" \
					>>"$RAW/scale.jsonl"
				memcg_rm "$cg"
				memcg_rm "$cg2"
			done
		done
		sleep 0.5
		bg_stop "$tracer"
	done
	# the references, N=1 as above: bpftrace's one line per kill (the
	# comparison's own program) and its capture of the stacks alone
	for ref in bpftrace:"$BT" bpftrace-stacks:"$BT_STACKS"; do
		name=${ref%%:*} prog=${ref#*:}
		f=$RAW/scale.$name.$_r
		timed_tracer "bpftrace: ready" bpftrace "$prog"
		rep=0
		while [ $rep -lt "$SCALE_REPS_N1" ]; do
			rep=$((rep + 1))
			one_oom "$RAW/reference.jsonl" "scale-$name-$_r-$rep" \
				"\"mode\":\"$name\",\"rep\":$rep"
		done
		bg_stop "$tracer"
	done
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
}

# ---- the user-stack copy (one round) -------------------------------------------------------------
# One OOM with one candidate, its allocator USTACK_DEPTH_KIB deep in its
# stack (manytasks -s), USTACK_REPS times per --ustack-copy size in a random
# order, in the first usable mode (auto's); BPF time per OOM as in scale.
ustack_round() {
	_r=$1 _m=${MODES%% *}
	echo 1 >/proc/sys/kernel/bpf_stats_enabled || die "cannot enable kernel.bpf_stats_enabled"
	for copy in $(printf '%s\n' $USTACK_COPIES | shuf); do
		f=$RAW/ustack.$copy.$_r
		timed_tracer "oomtrace: ready" "$OOMTRACE" -j -k 0 -m "$_m" --ustack-copy "$copy"
		rep=0
		while [ $rep -lt "$USTACK_REPS" ]; do
			rep=$((rep + 1))
			one_oom "$RAW/ustack.jsonl" "ustack-$copy-$_r-$rep" \
				"\"mode\":\"$_m\",\"copy\":$copy,\"depth_kib\":$USTACK_DEPTH_KIB,\"rep\":$rep" \
				-s "$USTACK_DEPTH_KIB"
		done
		sleep 0.5
		bg_stop "$tracer"
	done
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
}

# ---- the rounds ------------------------------------------------------------------------------------
for f in startup.jsonl memory.jsonl oompath.jsonl scale.jsonl reference.jsonl ustack.jsonl; do : >"$RAW/$f"; done
# First what makes no OOM (start-ups, memory and idle cost), every round,
# beside an idle trace and recorder watched over a window longer than the
# recorder's 60 s reconcile timer (from 1 s after ready, so that they are
# waiting by then; an OOM anywhere makes a window be taken again).
long_pids=""
if ! skipped memory; then
	mkdir -p "$RAW/record-long"
	"$B/readyrun" -l trace -p "oomtrace: ready" -s 1000 -i "$LONG_IDLE_MS" -w 2 -- "$OOMTRACE" \
		>"$RAW/idle-long.trace" </dev/null &
	long_pids="$!"
	"$B/readyrun" -l record -p "oomtrace: ready" -s 1000 -i "$LONG_IDLE_MS" -w 2 -- "$OOMTRACE" record \
		-o "$RAW/record-long/" >"$RAW/idle-long.record" </dev/null &
	long_pids="$long_pids $!"
	PIDS="$PIDS $long_pids"
fi
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	skipped startup && skipped memory && break
	say "round $r of $ROUNDS, no OOMs: start-ups (${MODES}, auto, bpftrace, floor; x$START_PER_ROUND), memory and idle ($((IDLE_MS / 1000)) s)"
	skipped startup || startup_round $r
	skipped memory || memory_round $r
done
if [ -n "$long_pids" ]; then
	# shellcheck disable=SC2086
	wait $long_pids
	cat "$RAW/idle-long.trace" "$RAW/idle-long.record" >"$RAW/idle-long.jsonl"
fi
# Then the OOMs, every round.
r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	skipped oompath && skipped scale && skipped ustack && break
	say "round $r of $ROUNDS, OOMs: kill latency with N in $LAT_NS candidates (none, oomtrace -k 0, bpftrace), BPF time with N in $SCALE_NS, user-stack copy of $USTACK_COPIES bytes"
	skipped oompath || oompath_round $r
	skipped scale || scale_round $r
	skipped ustack || ustack_round $r
done
skipped startup || startup_profile

# ---- storm completeness ----------------------------------------------------------------------
# storm COND RINGBUF_KIB: one storm of $STORM_TOTAL kills in $STORM_WORKERS
# fresh memcgs, under COND (none, trace, record); appends to storm.jsonl
storm() {
	_cond=$1 _ring=$2 _cgs="" _w=0 _tracer="" _f=$RAW/storm.$1.$2
	while [ $_w -lt $STORM_WORKERS ]; do
		_w=$((_w + 1))
		_cgs="$_cgs $(memcg_new "storm-$1-$2-$_w" $STORM_LIMIT_MIB)"
	done
	case $_cond in
	trace) bg_start "$_f.events" "oomtrace: ready" "$OOMTRACE" -j -k 0 --ringbuf-size "$_ring"
		_tracer=$BG ;;
	record) rm -rf "$_f.rec"
		bg_start "$_f.out" "oomtrace: ready" "$OOMTRACE" record -k 0 --ringbuf-size "$_ring" \
			-o "$_f.rec/"
		_tracer=$BG ;;
	esac
	_v0=$(vmstat_kills)
	# shellcheck disable=SC2086
	"$B/oomstorm" -n "$STORM_TOTAL" $_cgs >"$_f.storm" </dev/null || say "warning: oomstorm failed"
	_v1=$(vmstat_kills)
	_cpu=0
	if [ -n "$_tracer" ]; then
		sleep 1	# the last events complete, the recorder reconciles
		# its CPU time (user + system, clock ticks), all of it spent on the storm
		_cpu=$(awk '{ print $14 + $15 }' "/proc/$_tracer/stat")
		bg_stop "$_tracer"
	fi
	_names=""
	for _cg in $_cgs; do _names="$_names \"/$(basename "$_cg")\","; done
	printf '{"cond":"%s","ringbuf_kib":%d,"storm":%s,"vmstat_oom_kill_delta":%d,"tracer_cpu_s":%s,"memcgs":[%s],"files":"%s"}\n' \
		"$_cond" "$_ring" "$(cat "$_f.storm")" $((_v1 - _v0)) \
		"$(echo "$_cpu $(getconf CLK_TCK)" | awk '{ printf "%.2f", $1 / $2 }')" "${_names%,}" "$_f" \
		>>"$RAW/storm.jsonl"
	for _cg in $_cgs; do memcg_rm "$_cg"; done
}
if ! skipped storm; then
	say "storm: $STORM_TOTAL memcg OOMs in $STORM_WORKERS parallel memcgs of $STORM_LIMIT_MIB MiB: no tracer, oomtrace -j -k 0, oomtrace record -k 0"
	: >"$RAW/storm.jsonl"
	storm none 0
	storm trace 4096
	storm record 4096
	# dropped at the default size: double it until nothing is lost (64 MiB at most)
	ring=4096
	while python3 tests/bench/report.py storm-lost "$RAW/storm.jsonl" trace "$ring" && [ $ring -lt 65536 ]; do
		ring=$((ring * 2))
		say "storm: records lost with a $((ring / 2)) KiB ring buffer: again with $ring KiB"
		storm trace "$ring"
	done
fi

# ---- parser ------------------------------------------------------------------------------------
# HOOK (parse): tests/bench/parse.sh comes from the `oomtrace parse` branch.
# When it is there, it runs here; its last line of output must be one JSON
# object (e.g. {"mb_per_s":..,"peak_rss_kb":..}); report.py puts it in the
# table and results.json under "parse".
rm -f "$RAW/parse.json"
if ! skipped parse && [ -f tests/bench/parse.sh ]; then
	say "parse: tests/bench/parse.sh"
	sh tests/bench/parse.sh >"$RAW/parse.out" 2>"$RAW/parse.err" ||
		say "warning: tests/bench/parse.sh failed: $(tail -n1 "$RAW/parse.err")"
	tail -n1 "$RAW/parse.out" >"$RAW/parse.json"
fi

# ---- replay ------------------------------------------------------------------------------------
# tests/bench/replay.sh: 100,000 OOMs through `oomtrace replay`, its last
# line one JSON object; results.json has it under "replay".
rm -f "$RAW/replay.json"
if ! skipped replay && [ -f tests/bench/replay.sh ]; then
	say "replay: tests/bench/replay.sh"
	sh tests/bench/replay.sh >"$RAW/replay.out" 2>"$RAW/replay.err" ||
		say "warning: tests/bench/replay.sh failed: $(tail -n1 "$RAW/replay.err")"
	tail -n1 "$RAW/replay.out" >"$RAW/replay.json"
fi

python3 tests/bench/report.py report "$RAW" "$OUT"
