#!/bin/sh
# `make bench`: what oomtrace costs, measured on this machine, side by side
# with a bpftrace program on the same tracepoint and with the floor (the
# least a libbpf tracer can be). Measurements, not tests: nothing here
# passes or fails on a time. Prints a table and writes
#   .output/bench/results.json   every figure, and the raw samples' summary
#   .output/bench/results.md     the table, as the README shows it
#   .output/bench/raw/           the samples themselves
# Sections (each can be skipped: BENCH_SKIP="storm scale"):
#   startup  exec to the ready line, interleaved rounds
#   memory   peak and steady RSS, and idle cost (wakeups, CPU) over 10 s
#   oompath  kill latency of repeated memcg OOMs: no tracer, oomtrace, bpftrace
#   storm    memcg OOMs in parallel cgroups as fast as they come: nothing lost?
#   scale    one OOM with 1..5000 candidates: BPF time per OOM, event size
#   parse    tests/bench/parse.sh, if present (oomtrace parse throughput)
# BENCH_QUICK=1 runs every section with few repetitions (a smoke run).
# Every memory cgroup is uniquely named and removed; no global OOM is made.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
OOMTRACE=$TOP/oomtrace
B=$TOP/.output/bench
OUT=$B
RAW=$OUT/raw
BT=$TOP/tests/bench/mark_victim.bt
MEMCG_ROOT=/sys/fs/cgroup/memory
RUN_ID=$$-$(date +%s)
QUICK=${BENCH_QUICK:-0}
SKIP=${BENCH_SKIP:-}
PIDS=""

# repetitions: full run, quick run
if [ "$QUICK" = 1 ]; then
	START_ROUNDS=4 MEM_ROUNDS=1 IDLE_MS=3000 LONG_IDLE_MS=5000 LAT_BLOCKS=2 LAT_PER_BLOCK=12
	STORM_TOTAL=200 SCALE_NS="1 100 1000" SCALE_REPS=1
else
	START_ROUNDS=40 MEM_ROUNDS=3 IDLE_MS=10000 LONG_IDLE_MS=65000 LAT_BLOCKS=20 LAT_PER_BLOCK=40
	STORM_TOTAL=2000 SCALE_NS="1 100 1000 5000" SCALE_REPS=3
fi
LAT_WARMUP=2		# first OOMs of each block, not counted
LAT_LIMIT_MIB=4
STORM_WORKERS=4
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

# ---- start to ready ------------------------------------------------------------------
if ! skipped startup; then
	say "startup: $START_ROUNDS interleaved rounds of oomtrace (${MODES}, auto), bpftrace, floor"
	: >"$RAW/startup.jsonl"
	# meanwhile, an idle trace and recorder over a window longer than the
	# recorder's 60 s reconcile timer (start-ups make no OOMs to wake them),
	# from 1 s after ready (so that it is waiting by then)
	mkdir -p "$RAW/record-long"
	"$B/readyrun" -l trace -p "oomtrace: ready" -s 1000 -i "$LONG_IDLE_MS" -w 2 -- "$OOMTRACE" \
		>"$RAW/idle-long.trace" </dev/null &
	long1=$!
	"$B/readyrun" -l record -p "oomtrace: ready" -s 1000 -i "$LONG_IDLE_MS" -w 2 -- "$OOMTRACE" record \
		-o "$RAW/record-long/" >"$RAW/idle-long.record" </dev/null &
	long2=$!
	PIDS="$PIDS $long1 $long2"
	r=0
	while [ $r -lt "$START_ROUNDS" ]; do
		r=$((r + 1))
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
			"$B/readyrun" -l "$what" "$@" >>"$RAW/startup.jsonl" </dev/null
		done <"$RAW/order"
	done
	# where the time goes: one start of each oomtrace mode under strace (the
	# bpf() calls are the verifier; kallsyms and BTF are files read)
	for m in $MODES auto; do
		set -- -m "$m"
		[ "$m" = auto ] && set --
		"$B/readyrun" -l "strace-$m" -p "oomtrace: ready" -- strace -f -ttt -T --seccomp-bpf \
			-e trace=openat,bpf,write -e signal=none -o "$RAW/start-strace.$m" \
			"$OOMTRACE" "$@" >>"$RAW/start-strace.jsonl" </dev/null
	done
	wait $long1 $long2
	cat "$RAW/idle-long.trace" "$RAW/idle-long.record" >"$RAW/idle-long.jsonl"
fi

# ---- memory and idle cost --------------------------------------------------------------
if ! skipped memory; then
	say "memory and idle: $MEM_ROUNDS rounds, settle 2 s, idle $((IDLE_MS / 1000)) s (all tracers at once)"
	: >"$RAW/memory.jsonl"
	r=0
	while [ $r -lt "$MEM_ROUNDS" ]; do
		r=$((r + 1))
		rec=$RAW/record-out.$r
		mkdir -p "$rec"
		sm="$RAW/smaps"
		"$B/readyrun" -l trace -p "oomtrace: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.trace.$r" -- \
			"$OOMTRACE" >"$RAW/mem.trace.$r" </dev/null &
		p1=$!
		"$B/readyrun" -l trace-no-protect -p "oomtrace: ready" -s 2000 -i "$IDLE_MS" -w 3 \
			-m "$sm.trace-no-protect.$r" -- "$OOMTRACE" --no-protect \
			>"$RAW/mem.trace-no-protect.$r" </dev/null &
		p2=$!
		"$B/readyrun" -l record -p "oomtrace: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.record.$r" -- \
			"$OOMTRACE" record -o "$rec/" >"$RAW/mem.record.$r" </dev/null &
		p3=$!
		"$B/readyrun" -l floor -p "floor: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.floor.$r" -- \
			"$B/floor" >"$RAW/mem.floor.$r" </dev/null &
		p4=$!
		"$B/readyrun" -l bpftrace -p "bpftrace: ready" -s 2000 -i "$IDLE_MS" -w 3 -m "$sm.bpftrace.$r" -- \
			bpftrace "$BT" >"$RAW/mem.bpftrace.$r" </dev/null &
		p5=$!
		PIDS="$PIDS $p1 $p2 $p3 $p4 $p5"
		wait $p1 $p2 $p3 $p4 $p5
		cat "$RAW"/mem.*."$r" >>"$RAW/memory.jsonl"
	done
fi

# ---- OOM-path cost ----------------------------------------------------------------------
if ! skipped oompath; then
	say "oompath: $LAT_BLOCKS blocks x $LAT_PER_BLOCK memcg OOMs per condition (none, oomtrace -k 0, bpftrace), interleaved"
	cg=$(memcg_new lat $LAT_LIMIT_MIB)
	mkdir -p "$RAW/oompath"
	: >"$RAW/oompath.jsonl"
	blk=0
	while [ $blk -lt "$LAT_BLOCKS" ]; do
		blk=$((blk + 1))
		printf 'none\noomtrace\nbpftrace\n' | shuf >"$RAW/order"
		while read -r cond; do
			f=$RAW/oompath/$cond.$blk
			tracer=""
			case $cond in
			oomtrace) bg_start "$f.events" "oomtrace: ready" "$OOMTRACE" -j -k 0; tracer=$BG ;;
			bpftrace) bg_start "$f.events" "bpftrace: ready" bpftrace "$BT"; tracer=$BG ;;
			esac
			"$B/oomlat" -c "$cg" -n $((LAT_PER_BLOCK + LAT_WARMUP)) >"$f.lat" </dev/null ||
				say "warning: oomlat: $(tail -n1 "$f.lat")"
			if [ -n "$tracer" ]; then
				sleep 0.5	# let the last event complete
				bg_stop "$tracer"
			fi
			printf '{"cond":"%s","block":%d,"warmup":%d,"memcg":"/%s","lat":"%s","events":"%s"}\n' \
				"$cond" "$blk" "$LAT_WARMUP" "$(basename "$cg")" "$f.lat" \
				"$( [ -n "$tracer" ] && echo "$f.events")" >>"$RAW/oompath.jsonl"
		done <"$RAW/order"
	done
	memcg_rm "$cg"
fi

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

# ---- scale ------------------------------------------------------------------------------------
if ! skipped scale; then
	say "scale: one memcg OOM with N candidates, and with N processes outside its memcg, N in $SCALE_NS, $SCALE_REPS each, modes: $MODES"
	: >"$RAW/scale.jsonl"
	echo 1 >/proc/sys/kernel/bpf_stats_enabled || die "cannot enable kernel.bpf_stats_enabled"
	for m in $MODES; do
		f=$RAW/scale.$m
		bg_start "$f.events" "oomtrace: ready" "$OOMTRACE" -j -k 0 -m "$m"
		tracer=$BG
		bpftool -j prog show >"$f.progs" 2>/dev/null
		for n in $SCALE_NS; do
			rep=0
			while [ $rep -lt "$SCALE_REPS" ]; do
				rep=$((rep + 1))
				cg=$(memcg_new "scale-$m-$n-$rep" 1024)
				line=$("$B/manytasks" -c "$cg" -N "$n" -P "$tracer" </dev/null) ||
					say "warning: manytasks -N $n failed"
				printf '{"mode":"%s","rep":%d,"memcg":"/%s","progs_file":"%s","events":"%s","run":%s}\n' \
					"$m" "$rep" "$(basename "$cg")" "$f.progs" "$f.events" "${line:-null}" \
					>>"$RAW/scale.jsonl"
				memcg_rm "$cg"
				# the same N sleepers, but the OOM in another memcg of one task
				cg=$(memcg_new "scale-$m-$n-$rep-s" 1024)
				cg2=$(memcg_new "scale-$m-$n-$rep-g" 8)
				line=$("$B/manytasks" -c "$cg" -g "$cg2" -N "$n" -P "$tracer" </dev/null) ||
					say "warning: manytasks -N $n -g failed"
				printf '{"mode":"%s","outside":true,"rep":%d,"memcg":"/%s","progs_file":"%s","events":"%s","run":%s}\n' \
					"$m" "$rep" "$(basename "$cg2")" "$f.progs" "$f.events" "${line:-null}" \
					>>"$RAW/scale.jsonl"
				memcg_rm "$cg"
				memcg_rm "$cg2"
			done
		done
		sleep 0.5
		bg_stop "$tracer"
	done
	# the same OOMs with no tracer: what the kernel itself takes with N tasks
	for n in $SCALE_NS; do
		rep=0
		while [ $rep -lt "$SCALE_REPS" ]; do
			rep=$((rep + 1))
			cg=$(memcg_new "scale-none-$n-$rep" 1024)
			line=$("$B/manytasks" -c "$cg" -N "$n" </dev/null) || say "warning: manytasks -N $n failed"
			printf '{"mode":"none","rep":%d,"memcg":"/%s","run":%s}\n' "$rep" "$(basename "$cg")" \
				"${line:-null}" >>"$RAW/scale.jsonl"
			memcg_rm "$cg"
		done
	done
	echo "$STATS_OLD" >/proc/sys/kernel/bpf_stats_enabled
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

python3 tests/bench/report.py report "$RAW" "$OUT"
