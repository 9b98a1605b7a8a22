#!/bin/sh
# Debian's python3 (built without frame pointers) grows a list in a memcg
# until the OOM kill, traced in tracepoint mode. Its user stack, unwound
# with DWARF CFI, must reach the C library's __libc_start_call_main and
# _start through the interpreter's frames (_PyEval_EvalFrameDefault), with
# the C library's frames named (by libc6-dbg's debug file: its static
# functions are in no symbol table of libc.so.6), and from PyEval_EvalCode
# down it must name what gdb's backtrace names for the same script.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip "no Debian python3 at $PY"
command -v gdb >/dev/null || skip "no gdb (scripts/install-deps.sh installs it)"
dpkg-query -W -f='${Status}' libc6-dbg 2>/dev/null | grep -q 'install ok installed' ||
	skip "no libc6-dbg (scripts/install-deps.sh installs it)"
SCRIPT='l = []
while True:
    l.append("x" * 1000 + str(len(l)))
'
gdb -batch -x "$TOP/tests/e2e/ustack/python-bt.gdb" --args "$PY" -c "$SCRIPT" >"$WORK/gdb.txt" 2>&1
grep -q '^#0 .*PyEval_EvalCode' "$WORK/gdb.txt" || { cat "$WORK/gdb.txt"; fail "gdb did not stop in PyEval_EvalCode"; }

# py_oom DESC: one OOM of the script in a 256 MiB memcg (its exit, which
# races with the capture of its maps, takes that long), traced in
# tracepoint mode, its stack held to gdb's
py_oom() {
	cg=$(memcg_new 256)
	before=$(memcg_kills "$cg")
	start_tracer "$WORK/events.json" --json --mode tracepoint -c "/$(basename "$cg")"
	sh -c "$IN_CG" "$cg" "$PY" -c "$SCRIPT" &
	VICTIM=$!
	wait $VICTIM
	assert_eq "$?" 137 "$1: python3 was SIGKILLed"
	assert_eq "$(memcg_kills "$cg")" $((before + 1)) "$1: the memcg's kill count"
	sleep 0.3
	stop_tracer

	python3 "$TOP/tests/e2e/check_ustack.py" "$WORK/events.json" "$WORK/gdb.txt" "$VICTIM" \
		--from PyEval_EvalCode --to _start --object Py_BytesMain="$(readlink -f "$PY")" \
		--object __libc_start_call_main=/usr/lib/x86_64-linux-gnu/libc.so.6 ||
		fail "$1: the stack does not match gdb's"
	python3 - "$WORK/events.json" "$VICTIM" <<'PY' || fail "$1: the interpreter's stack"
import json, sys
ev = [e for e in map(json.loads, open(sys.argv[1]))
      if e.get("type") == "oom_kill" and e["trigger"]["pid"] == int(sys.argv[2])][0]
st = ev["user_stack"]
names = [f.get("sym") for f in st]
assert "_PyEval_EvalFrameDefault" in names, "no interpreter frame"
assert names.index("_PyEval_EvalFrameDefault") < names.index("__libc_start_call_main")
libc = [f for f in st if "libc.so" in f.get("object", "")]
assert libc and all(f.get("sym") and f.get("file") and f.get("line") for f in libc), \
    "a C library frame without name or line: %s" % libc
assert all(f.get("unwind") == "dwarf" for f in st)
assert not ev.get("user_stack_stop"), ev["user_stack_stop"]
print("# %d frames, %d in the C library, all named with their lines" % (len(st), len(libc)))
PY
	echo "ok: $1: the interpreter's stack reaches _start with the C library's frames named"
}

py_oom "live"
# The process gone before its maps could be read (OOMTRACE_USTACK_NO_MAPS, a
# test switch: on a busy machine python can win that race): the libraries
# come from the dynamic linker's list BPF read at the OOM
OOMTRACE_USTACK_NO_MAPS=1 py_oom "gone before its maps were read"
