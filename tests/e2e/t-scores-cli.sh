#!/bin/sh
# `oomtrace scores` command line: every option in --help works; bad usage
# exits 2 with one line; an unknown pid, cgroup or root exits 1 with one
# line; fixture trees through --root; unprivileged runs, with unreadable
# processes counted, not fatal.
. "$(dirname "$0")/lib.sh"

FIX=$TOP/tests/fixtures

"$OOMTRACE" scores --help >"$WORK/help" || fail "scores --help"
for opt in --cgroup --json --top --all --explain --watch --root --help; do
	grep -q -- "$opt" "$WORK/help" || fail "--help does not document $opt"
done
"$OOMTRACE" --help | grep -q '^  scores ' || fail "top-level help does not list scores"
echo "ok: --help documents every option"

S="$OOMTRACE scores"
expect_fail 2 "unrecognized option '--bogus'" $S --bogus
expect_fail 2 "invalid value '0' for --top" $S --top 0
expect_fail 2 "invalid value 'x' for --top" $S -t x
expect_fail 2 "needs a value" $S --top
expect_fail 2 "invalid value 'abc' for --explain" $S --explain abc
expect_fail 2 "invalid value '0' for --explain" $S -e 0
expect_fail 2 "invalid value '0.05' for --watch" $S --watch 0.05
expect_fail 2 "invalid value '1s' for --watch" $S -w 1s
expect_fail 2 "invalid value '-1' for --watch" $S --watch -1
expect_fail 2 "not an absolute cgroup path" $S --cgroup relative/x
expect_fail 2 "not an absolute directory" $S --root fixtures
expect_fail 2 "does not combine with --json" $S --watch 1 --json
expect_fail 2 "does not combine with --explain" $S --watch 1 --explain 1
expect_fail 2 "has no meaning" $S --explain 1 --top 3
expect_fail 2 "unexpected argument 'extra'" $S extra
expect_fail 2 "needs a terminal" $S --watch 1
expect_fail 1 "no process 2147483647" $S --explain 2147483647
expect_fail 1 "no memory cgroup /oomtrace-no-such-cgroup" $S --cgroup /oomtrace-no-such-cgroup
expect_fail 1 "cannot read /nonexistent-root/proc/meminfo" $S --root /nonexistent-root
expect_fail 1 "proc/meminfo: malformed" $S --root "$FIX/proc-bad-meminfo"
expect_fail 1 "memory.limit_in_bytes: malformed" $S --root "$FIX/proc-bad" --cgroup /bad
expect_fail 1 "proc/30/status: No such file" $S --root "$FIX/proc-bad" --explain 30
expect_fail 1 "cannot write to stdout" sh -c "exec $S >/dev/full"

# a pid outside the memcg asked about: said so
cg=$(memcg_new 64)
expect_fail 1 "process 1 is not in memory cgroup /$(basename "$cg")" $S --cgroup "$cg" --explain 1

# --top, --all, --json on the live system
n=$($S --json --top 3 | wc -l)
assert_eq "$n" 3 "--json --top 3 lines"
rows=$($S --top 2 | awk '/^ rank /{t=1; next} t && /^ +([0-9]+|-) /{n++} END{print n+0}')
assert_eq "$rows" 2 "--top 2 rows"
$S --all | grep -q 'skipped: a kernel thread' || fail "--all does not list kernel threads"
$S | grep -q 'skipped: a kernel thread' && fail "kernel threads listed without --all"
$S | grep -q 'kernel threads not listed, --all lists them' || fail "hidden kernel threads not counted"
$S --json | python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' || fail "--json does not parse"
echo "ok: --top, --all, --json"

# fixture trees: every computed oom_score equals the tree's kernel figure
for t in proc-6.18-v1 proc-6.1-v2 proc-4.4-legacy; do
	$S --root "$FIX/$t" --json >"$WORK/$t.json" 2>"$WORK/$t.err" || fail "$t: $(cat "$WORK/$t.err")"
	python3 - "$WORK/$t.json" "$t" <<'EOF' || fail "$t: scores differ from the tree's oom_score"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
bad = [o for o in objs if o["oom_score"] != o["kernel_oom_score"]]
assert objs and not bad, bad
print(f"ok: {sys.argv[2]}: {len(objs)} processes, every oom_score matches the tree's kernel")
EOF
done
$S --root "$FIX/proc-6.18-v1" --cgroup /test/a >"$WORK/a.txt" || fail "fixture --cgroup"
grep -q "its OOM would happen in /test" "$WORK/a.txt" || fail "fixture: no walk up to /test"
grep -q "totalpages 81920 " "$WORK/a.txt" || fail "fixture: memory+swap totalpages"
$S --root "$FIX/proc-6.1-v2" --cgroup /system.slice/nginx.service --explain 10 >"$WORK/e.txt" ||
	fail "fixture --explain"
grep -q "OOMScoreAdjust=47 in its \[Service\] section" "$WORK/e.txt" || fail "fixture: systemd advice"
grep -q "moves both and cannot reorder them" "$WORK/e.txt" || fail "fixture: same-unit note"
$S --root "$FIX/proc-bad" >"$WORK/bad.txt" 2>"$WORK/bad.err" || fail "broken tree is fatal"
grep -q "warning: 3 processes were left out" "$WORK/bad.err" || fail "broken processes not reported"
echo "ok: fixture trees through --root"

# unprivileged: runs, ranks what it may read, counts what it may not
if command -v setpriv >/dev/null; then
	NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
	$NOBODY $S --json >"$WORK/nobody.json" 2>"$WORK/nobody.err" || fail "unprivileged: $(cat "$WORK/nobody.err")"
	[ -s "$WORK/nobody.json" ] || fail "unprivileged: no output"
	echo "ok: unprivileged run ranks $(wc -l <"$WORK/nobody.json") processes"
	cp -r "$FIX/proc-6.18-v1" "$WORK/tree"
	chmod -R a+rX "$WORK" "$WORK/tree"
	chmod 000 "$WORK/tree/proc/200/status"
	$NOBODY $S --root "$WORK/tree" >"$WORK/np.txt" 2>"$WORK/np.err" || fail "unreadable file is fatal"
	grep -q "^1 processes could not be read (permission denied)" "$WORK/np.txt" ||
		fail "unreadable process not counted: $(cat "$WORK/np.txt")"
	$NOBODY $S --root "$WORK/tree" --json >/dev/null 2>"$WORK/np.err"
	grep -q "warning: 1 processes could not be read" "$WORK/np.err" || fail "JSON: unreadable not said"
	expect_fail 1 "process 200 cannot be read (permission denied)" $NOBODY $S --root "$WORK/tree" --explain 200
	echo "ok: unreadable processes are counted and mentioned, not fatal"
fi
