#!/bin/sh
# Fuzz every parser for a bounded time. For each fuzzer given (built from
# tests/fuzz/fuzz_NAME.c):
#   1. replay tests/fuzz/regressions/fuzz_NAME/ (inputs that once crashed):
#      every one must run clean;
#   2. fuzz for FUZZ_SECONDS (default 20), seeded with tests/fuzz/corpus/fuzz_NAME/
#      and the directories listed, one a line, in tests/fuzz/fuzz_NAME.seeds.
# A crash leaves its input in .output/fuzz-artifacts/fuzz_NAME/: fix the bug
# and copy the input into the regressions directory.
# Ends with "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-20}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok      $1"; }
ko() { failed=$((failed + 1)); echo "FAIL    $1"; }

for bin in "$@"; do
	name=$(basename "$bin")
	reg=tests/fuzz/regressions/$name
	art=.output/fuzz-artifacts/$name
	work=.output/fuzz-corpus/$name
	rm -rf "$work"
	mkdir -p "$art" "$work"

	# 1. regressions
	if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
		if "$bin" "$reg"/* >.output/fuzz-$name-regress.log 2>&1; then
			ok "$name: $(ls "$reg" | wc -l) regression inputs"
		else
			ko "$name: a regression input fails again"
			tail -n 30 .output/fuzz-$name-regress.log | sed 's/^/    | /'
		fi
	fi

	# 2. a bounded fuzzing run; seeds are copied, the repository stays as it is
	seeds="tests/fuzz/corpus/$name"
	[ -f "tests/fuzz/$name.seeds" ] && seeds="$seeds $(grep -v '^#' "tests/fuzz/$name.seeds")"
	for d in $seeds; do
		[ -d "$d" ] && cp "$d"/* "$work"/ 2>/dev/null
	done
	log=.output/fuzz-$name.log
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		ok "$name: ${runs:-?} runs in ${secs}s, no crash"
	else
		ko "$name: crashed; input kept in $art/"
		grep -m1 -A 25 'ERROR\|runtime error' "$log" | sed 's/^/    | /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
