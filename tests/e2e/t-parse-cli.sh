#!/bin/sh
# `oomtrace parse` on the command line: --help documents every option, bad
# usage exits 2 and bad inputs exit 1 with one line each, stdin and '-' read
# the same as a file, garbage is counted without a crash, the filters and
# --follow on a growing file work, a full stdout is an error.
. "$(dirname "$0")/lib.sh"
FIX=$TOP/tests/fixtures/kmsg

"$OOMTRACE" parse --help >"$WORK/help" || fail "parse --help failed"
for opt in --json --kmsg --follow --cgroup --pid --candidates --help; do
	grep -q -- "$opt" "$WORK/help" || fail "parse --help does not document $opt"
done
echo "ok: parse --help documents every option"
"$OOMTRACE" --help | grep -q '^  parse ' || fail "top-level help does not list parse"
echo "ok: top-level help lists parse"

expect_fail 2 "unrecognized" "$OOMTRACE" parse --bogus
expect_fail 2 "needs a value" "$OOMTRACE" parse --pid
expect_fail 2 "invalid value" "$OOMTRACE" parse --pid 0
expect_fail 2 "invalid value" "$OOMTRACE" parse -p 12x
expect_fail 2 "invalid value" "$OOMTRACE" parse -k -1
expect_fail 2 "not an absolute" "$OOMTRACE" parse -c relative/path
expect_fail 2 "takes no FILE" "$OOMTRACE" parse --kmsg "$FIX/02-kill-line-only-rhel6-2.6.32-cpanel.log"
expect_fail 2 "follows one input" "$OOMTRACE" parse --follow "$FIX"/01-*.log "$FIX"/02-*.log
expect_fail 1 "cannot open $WORK/nonexistent: No such file" "$OOMTRACE" parse "$WORK/nonexistent"
expect_fail 1 "Is a directory" "$OOMTRACE" parse "$FIX"
# a bad file among good ones: nothing is printed before the error
expect_fail 1 "cannot open" "$OOMTRACE" parse "$FIX"/02-*.log "$WORK/nonexistent"
if command -v setpriv >/dev/null; then
	cp "$FIX"/02-*.log "$WORK/secret.log" && chmod 600 "$WORK/secret.log"
	expect_fail 1 "Permission denied" setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$OOMTRACE" parse "$WORK/secret.log"
	# /dev/kmsg is closed to unprivileged users only under dmesg_restrict
	if [ "$(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null)" = 1 ]; then
		expect_fail 1 "cannot open /dev/kmsg" setpriv --reuid=65534 --regid=65534 \
			--clear-groups --inh-caps=-all --bounding-set=-all "$OOMTRACE" parse --kmsg
	fi
fi

# stdin, '-' and a file read the same
f=$FIX/27-global-arch-6.1.1-doxygen.log
"$OOMTRACE" parse --json "$f" >"$WORK/a.json" 2>/dev/null || fail "parse FILE"
"$OOMTRACE" parse --json <"$f" >"$WORK/b.json" 2>/dev/null || fail "parse < FILE"
"$OOMTRACE" parse --json - <"$f" >"$WORK/c.json" 2>/dev/null || fail "parse - < FILE"
cmp -s "$WORK/a.json" "$WORK/b.json" && cmp -s "$WORK/a.json" "$WORK/c.json" ||
	fail "stdin, '-' and FILE differ"
echo "ok: stdin, '-' and FILE give the same events"

# garbage: random bytes, binary, an over-long line, a report's lines shuffled
head -c 1048576 /dev/urandom >"$WORK/garbage"
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "x"; print "" }' >>"$WORK/garbage"
cat "$FIX"/*.log | awk 'BEGIN { srand(7) } { print rand() "\t" $0 }' | sort | cut -f2- >>"$WORK/garbage"
"$OOMTRACE" parse --json "$WORK/garbage" >"$WORK/g.json" 2>"$WORK/g.err"
assert_eq "$?" 0 "garbage: exit code"
grep -q '^oomtrace: parse: [0-9]* OOM reports* .* [0-9]* lines* inside reports not understood' "$WORK/g.err" ||
	fail "garbage: no summary line: $(cat "$WORK/g.err")"
grep -q "over-long lines cut" "$WORK/g.err" || fail "garbage: the over-long line is not counted"
python3 -c '
import json, sys
n = u = 0
for l in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(l)
    n += 1
    u += e.get("unparsed_lines", 0)
print(f"ok: garbage: {n} JSON lines, all valid; {u} lines inside reports not understood")
' "$WORK/g.json" || fail "garbage: invalid JSON"
echo "ok: garbage: $(cat "$WORK/g.err")"
# text output never passes a control byte on (only its own newlines)
"$OOMTRACE" parse -k 0 "$WORK/garbage" >"$WORK/g.txt" 2>/dev/null || fail "garbage: text mode failed"
if LC_ALL=C grep -q '[[:cntrl:]]' "$WORK/g.txt"; then
	fail "garbage: a control byte in text output: $(LC_ALL=C grep -m1 -n '[[:cntrl:]]' "$WORK/g.txt" | cat -v)"
fi
echo "ok: garbage: text output has no control bytes ($(wc -l <"$WORK/g.txt") lines)"

# filters
all=$("$OOMTRACE" parse --json "$FIX"/*.log 2>/dev/null | grep -c '"oom_kill"')
one=$("$OOMTRACE" parse --json -p 473206 "$FIX"/*.log 2>/dev/null | grep -c '"oom_kill"')
assert_eq "$one" 1 "-p: only the OOM whose victim is that pid (of $all)"
trig=$("$OOMTRACE" parse --json -p 164878 "$FIX"/*.log 2>/dev/null | grep -c '"oom_kill"')
assert_eq "$trig" 1 "-p: or whose trigger is"
cg=$("$OOMTRACE" parse --json -c /docker "$FIX"/*.log 2>/dev/null | grep -c '"oom_kill"')
assert_eq "$cg" 3 "-c /docker: the OOMs in or of /docker/*"
cg=$("$OOMTRACE" parse --json -c /sys/fs/cgroup/memory/myapp "$FIX"/*.log 2>/dev/null | grep -c '"oom_kill"')
assert_eq "$cg" 1 "-c takes a /sys/fs/cgroup directory"
k=$("$OOMTRACE" parse --json -k 3 "$f" 2>/dev/null | python3 -c 'import json,sys; e=json.loads(sys.stdin.readline()); print(len(e["candidates"]), e["candidates_total"])')
assert_eq "$k" "3 112" "-k 3: three kept, all counted"

# --follow on a growing file: a report appended later is printed, SIGINT ends it
: >"$WORK/growing.log"
"$OOMTRACE" parse --follow --json "$WORK/growing.log" >"$WORK/f.json" 2>"$WORK/f.err" &
F=$!
PIDS="$PIDS $F"
sleep 0.5
cat "$FIX"/18-*.log >>"$WORK/growing.log"
i=0
while ! grep -q '"oom_kill"' "$WORK/f.json"; do
	i=$((i + 1)); [ $i -gt 50 ] && fail "--follow: appended report not printed after 5s"
	sleep 0.1
done
kill -0 "$F" || fail "--follow exited at the end of the file"
kill -INT "$F"
wait "$F"
assert_eq "$?" 0 "--follow exit code after SIGINT"
grep -q '"victim":{"pid":174205' "$WORK/f.json" || fail "--follow: wrong event"
echo "ok: --follow prints a report appended to the file"

# output that cannot be written is an error
if [ -e /dev/full ]; then
	"$OOMTRACE" parse "$f" >/dev/full 2>"$WORK/err"
	assert_eq "$?" 1 "stdout full: exit code"
	grep -q "^oomtrace: cannot write events to stdout" "$WORK/err" || fail "stdout full: $(cat "$WORK/err")"
fi
