#!/bin/sh
# record and report keep the command-line contract (README, Commands; --help): --help
# documents every option, bad usage exits 2 with one line, a missing
# privilege exits 1 with one line naming the fix, before any file is made.
. "$(dirname "$0")/lib.sh"

"$OOMTRACE" record --help >"$WORK/h" || fail "record --help"
for opt in --output --max-size --max-files --prom-file --prom-top --reconcile-interval \
	--user-symbols --count --duration --cgroup --pid --candidates --mode --ringbuf-size \
	--no-protect --verbose; do
	grep -q -- "$opt" "$WORK/h" || fail "record --help does not document $opt"
done
"$OOMTRACE" report --help >"$WORK/h" || fail "report --help"
for opt in --since --until --event --json; do
	grep -q -- "$opt" "$WORK/h" || fail "report --help does not document $opt"
done
"$OOMTRACE" --help | grep -q '^  record ' || fail "top-level help lacks record"
"$OOMTRACE" --help | grep -q '^  report ' || fail "top-level help lacks report"
echo "ok: --help documents every option"

expect_fail 2 "unrecognized" "$OOMTRACE" record --bogus
expect_fail 2 "invalid value 'lots' for --max-size" "$OOMTRACE" record --max-size lots
expect_fail 2 "invalid value '0' for --max-files" "$OOMTRACE" record --max-files 0
expect_fail 2 "invalid value '0' for --prom-top" "$OOMTRACE" record --prom-top 0
expect_fail 2 "invalid value '-1' for --reconcile-interval" "$OOMTRACE" record --reconcile-interval -1
expect_fail 2 "invalid value '' for --output" "$OOMTRACE" record --output ''
expect_fail 2 "needs a value" "$OOMTRACE" record --output
expect_fail 2 "invalid value" "$OOMTRACE" record --count 0
expect_fail 2 "not an absolute" "$OOMTRACE" record --cgroup relative
expect_fail 2 "unexpected argument" "$OOMTRACE" record extra
expect_fail 2 "no file to report on" "$OOMTRACE" report
expect_fail 2 "invalid value 'soon' for --since" "$OOMTRACE" report --since soon x
expect_fail 2 "invalid value '0' for --event" "$OOMTRACE" report --event 0 x
expect_fail 2 "later than --since" "$OOMTRACE" report --since 2026-01-02 --until 2026-01-01 x
expect_fail 1 "cannot read $WORK/none" "$OOMTRACE" report "$WORK/none"

if command -v setpriv >/dev/null; then
	expect_fail 1 "need root" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$OOMTRACE" record -o "$WORK/never/"
	[ -e "$WORK/never" ] && fail "an unprivileged record made its output"
	echo "ok: no output made without privileges"
fi
# --duration ends a recorder by itself, exit 0, with a stop record saying so
"$OOMTRACE" record -o "$WORK/d/" -d 1 2>"$WORK/err"
assert_eq "$?" 0 "--duration exit code"
grep -q '"type":"recorder_stop",.*"reason":"duration"' "$WORK/d/oomtrace.jsonl" || fail "no stop record"
echo "ok: --duration: $(grep -c '' "$WORK/d/oomtrace.jsonl") records, reason duration"
