#!/bin/sh
# User stacks without frame pointers, held to gdb. A program built -O2
# -fomit-frame-pointer (main -> libustack.so's f1 -> f2 -> f3, which faults
# memory in through the inlined touch()) OOMs in a memcg, traced in
# tracepoint mode. The event's user stack, unwound with DWARF CFI from BPF's
# copy of the stack, must name the frames gdb's backtrace names at the same
# line, with objects, build ids, offsets, files and lines; the program is
# gone before its event is symbolized; report --symbolize names the same
# frames offline. With --ustack-copy 0 only the frame-pointer walk is left,
# and it does not get past f3; a copy too small ends unwinding, with the
# reason in the event.
. "$(dirname "$0")/lib.sh"

command -v gcc >/dev/null || skip "no gcc"
command -v gdb >/dev/null || skip "no gdb (scripts/install-deps.sh installs it)"
SRC=$TOP/tests/e2e/ustack
B=$WORK/bin
mkdir -p "$B"
gcc -O2 -g -fomit-frame-pointer -fPIC -shared -o "$B/libustack.so" "$SRC/libustack.c" ||
	fail "cannot build libustack.so"
gcc -O2 -g -fomit-frame-pointer -o "$B/ustack" "$SRC/ustack_main.c" -L"$B" -lustack \
	-Wl,-rpath,"$B" || fail "cannot build ustack"

# gdb's backtrace at the faulting line (the first page touched: the same
# instruction as the one the OOM stops)
line=$(grep -n 'ustack-touch-line' "$SRC/libustack.c" | cut -d: -f1)
gdb -batch -ex 'set debuginfod enabled off' -ex 'set breakpoint pending on' \
	-ex 'set backtrace past-main on' \
	-ex "break libustack.c:$line" -ex run -ex bt --args "$B/ustack" 1 >"$WORK/gdb.txt" 2>&1
grep -q '^#0 .*touch' "$WORK/gdb.txt" || { cat "$WORK/gdb.txt"; fail "gdb did not stop in touch()"; }

# ustack_oom OUT ARGS...: one OOM of ustack in its own 128 MiB memcg (its
# exit, which races with the capture of its maps, takes that much longer), traced
# as JSON to OUT with ARGS (one tracer: a second one would compete for the
# CPUs with the dying victim); the kernel must have killed it
ustack_oom() {
	_o=$1; shift
	_cg=$(memcg_new 128)
	_before=$(memcg_kills "$_cg")
	start_tracer "$_o" --json --mode tracepoint -c "/$(basename "$_cg")" "$@"
	sh -c "$IN_CG" "$_cg" "$B/ustack" 1024 >/dev/null &
	VICTIM=$!
	wait $VICTIM
	assert_eq "$?" 137 "ustack was SIGKILLed"
	assert_eq "$(memcg_kills "$_cg")" $((_before + 1)) "the memcg's kill count"
	sleep 0.3
	stop_tracer
}

grep -q '^#.* _start ' "$WORK/gdb.txt" || { cat "$WORK/gdb.txt"; fail "gdb's backtrace does not reach _start"; }
# libc as its maps name it: the file, not the link the loader went through
LIBC=$(realpath "$(ldd "$B/ustack" | awk '$1 == "libc.so.6" { print $3 }')")
[ -f "$LIBC" ] || fail "cannot find ustack's libc"
# check_ustack DESC JSON: the victim's stack is gdb's, down to _start
check_ustack() {
	python3 "$TOP/tests/e2e/check_ustack.py" "$2" "$WORK/gdb.txt" "$VICTIM" --to _start \
		--object f3="$B/libustack.so" --object f1="$B/libustack.so" --object main="$B/ustack" \
		--object __libc_start_call_main="$LIBC" --inlined touch ||
		fail "$1: the DWARF-unwound stack does not match gdb's"
}

ustack_oom "$WORK/dwarf.json"
check_ustack "live" "$WORK/dwarf.json"
# gone before symbolized: it exited within ASSEMBLE_QUIET_MS of its kill, and
# a tracepoint-mode event completes only that long after its last record
python3 - "$WORK/dwarf.json" "$VICTIM" <<'PY' || fail "the victim was not gone before its event was symbolized"
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("type") == "victim_exit" and e["pid"] == int(sys.argv[2]):
        print("# exited %d us after the kill" % e["kill_to_exit_us"])
        sys.exit(0 if e["kill_to_exit_us"] < 100000 else 1)
sys.exit(1)
PY
# the same event read back (report): as text, and as the same JSON (its
# number counts every OOM kill the tracer saw, in any memcg)
SEQ=$(python3 -c 'import json, sys
print([e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "oom_kill"][0]["seq"])' "$WORK/dwarf.json")
"$OOMTRACE" report -e "$SEQ" "$WORK/dwarf.json" >"$WORK/dwarf.txt" || fail "report -e $SEQ"
grep -q "touch (inlined) \[$B/libustack.so\] .*libustack.c:$line\$" "$WORK/dwarf.txt" ||
	{ cat "$WORK/dwarf.txt"; fail "text output lacks the inlined frame with its line"; }
echo "ok: text output names the inlined frame and its line"
"$OOMTRACE" report -e "$SEQ" --json "$WORK/dwarf.json" >"$WORK/back.json" || fail "report -e $SEQ --json"
python3 - "$WORK/dwarf.json" "$WORK/back.json" <<'PY' || fail "the user stack does not read back the same"
import json, sys
a = [e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "oom_kill"][0]
b = json.loads(open(sys.argv[2]).readline())
assert a["user_stack"] == b["user_stack"], (a["user_stack"], b["user_stack"])
PY
echo "ok: the user stack reads back the same"

# offline: the frames as a recorder without the privilege to name them keeps
# them (build id, file offset, object), named again by report --symbolize
python3 - "$WORK/dwarf.json" >"$WORK/bare.json" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["type"] == "oom_kill":
        # a frame no object placed (libc, when the victim won the race
        # with its maps' read) has only its ip: kept so
        e["user_stack"] = [{k: f[k] for k in ("ip", "object", "build_id", "file_offset", "unwind")
                            if k in f}
                           for f in e["user_stack"] if not f.get("inlined")]
    print(json.dumps(e))
PY
"$OOMTRACE" report -e "$SEQ" --json "$WORK/bare.json" | head -1 >"$WORK/bare-back.json"
grep -q '"sym"' "$WORK/bare-back.json" && fail "frames named without --symbolize"
"$OOMTRACE" report -e "$SEQ" --json --symbolize "$WORK/bare.json" | head -1 >"$WORK/sym.json" ||
	fail "report --symbolize"
python3 - "$WORK/dwarf.json" "$WORK/sym.json" <<'PY' || fail "report --symbolize does not name the frames as the live tracer did"
import json, sys
a = [e for e in map(json.loads, open(sys.argv[1])) if e["type"] == "oom_kill"][0]["user_stack"]
b = json.loads(open(sys.argv[2]).readline())["user_stack"]
key = lambda f: (f.get("sym"), f.get("sym_offset"), f.get("file"), f.get("line"), f.get("inlined"),
                 f.get("object"), f.get("build_id"), f.get("file_offset"))
assert [key(f) for f in a] == [key(f) for f in b], ([key(f) for f in a], [key(f) for f in b])
PY
echo "ok: report --symbolize names the recorded frames as the live tracer did"

# The process gone before its maps could be read (OOMTRACE_USTACK_NO_MAPS:
# a test switch; on a busy machine the victim can win that race): frames
# come from the build ids the kernel read, the library found through the
# executable's DT_NEEDED and DT_RUNPATH. First without the stack copy: the
# frame-pointer walk alone does not get past f3.
OOMTRACE_USTACK_NO_MAPS=1 ustack_oom "$WORK/fp.json" --ustack-copy 0
python3 - "$WORK/fp.json" "$VICTIM" "$B/libustack.so" <<'PY' || fail "frame-pointer stack"
import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1]))
      if e.get("type") == "oom_kill" and e["trigger"]["pid"] == int(sys.argv[2])][0]
st = ev["user_stack"]
names = [f.get("sym") for f in st]
print("# fp: " + " <- ".join(str(n) for n in names))
assert st and all(f.get("unwind") == "fp" for f in st), "unwind is not fp everywhere"
assert names[:2] == ["touch", "f3"] and st[1]["object"] == sys.argv[3], "f3 not named"
assert "f1" not in names and "main" not in names, "frame pointers reached f1: the test has no point"
assert "user_stack_stop" not in ev
PY
echo "ok: without the stack copy the frame-pointer walk stops in f3"

# With it, DWARF goes on through the library, whose place the kernel's
# build-id frame gave, to the executable, a PIE, placed by the start of its
# code that BPF read (mm->start_code), and on through libc to _start: libc,
# which no frame named, is placed by the dynamic linker's list that BPF read
# from the process's memory at the OOM (the ULINKS record)
OOMTRACE_USTACK_NO_MAPS=1 ustack_oom "$WORK/gone.json"
check_ustack "gone before its maps were read" "$WORK/gone.json"
python3 - "$WORK/gone.json" "$VICTIM" <<'PY' || fail "the stack of a process gone ends early"
import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1]))
      if e.get("type") == "oom_kill" and e["trigger"]["pid"] == int(sys.argv[2])][0]
assert not ev.get("user_stack_stop"), ev["user_stack_stop"]
PY
echo "ok: a process gone before its maps were read still gets every frame named, libc's too, down to _start"

# A copy too small for the whole stack: DWARF goes as far as it reaches, and
# the event says the copy ended it
ustack_oom "$WORK/small.json" --ustack-copy 48
python3 - "$WORK/small.json" "$VICTIM" <<'PY' || fail "stack copy too small"
import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1]))
      if e.get("type") == "oom_kill" and e["trigger"]["pid"] == int(sys.argv[2])][0]
names = [f.get("sym") for f in ev["user_stack"]]
print("# 48 bytes: " + " <- ".join(str(n) for n in names) + "; stop: " + ev.get("user_stack_stop", ""))
assert names[:3] == ["touch", "f3", "f2"] and "_start" not in names, names
assert ev["user_stack_stop"].startswith("stack_copy_too_small: 48 bytes"), ev.get("user_stack_stop")
PY
echo "ok: a copy too small stops the unwinding, and the event says so"
