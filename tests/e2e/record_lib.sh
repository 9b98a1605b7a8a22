# Helpers for the recorder's end-to-end tests (sourced after lib.sh).

# jsonl_check FILE: every newline-terminated line is valid JSON with a "type";
# prints "complete=N torn=0|1"; fails on the first bad line.
jsonl_check() {
	python3 - "$1" <<'PY' || fail "$1: not valid JSON Lines"
import json, sys
data = open(sys.argv[1], "rb").read()
lines = data.split(b"\n")
torn = lines[-1] != b""
for i, l in enumerate(lines[:-1], 1):
    if not l:
        continue
    try:
        o = json.loads(l)
    except Exception as e:
        sys.exit(f"line {i}: {e}: {l[:120]!r}")
    assert "type" in o, f"line {i}: no type"
print(f"complete={len([l for l in lines[:-1] if l])} torn={int(torn)}")
PY
}

# count_type FILE TYPE: records of a type
count_type() { grep -c "^{\"type\":\"$2\"" "$1"; }

# oom_once CGROUP_DIR: one hog grows in it until the kernel kills it
oom_once() { sh -c "$IN_CG" "$1" "$HOG" -r 1 >/dev/null 2>&1; }

# wait_for FILE PATTERN [SECONDS]: until a line matches (bounded)
wait_for() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -gt $((${3:-10} * 20)) ] && fail "$1: no '$2' after ${3:-10}s"
		sleep 0.05
	done
}
