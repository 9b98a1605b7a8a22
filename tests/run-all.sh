#!/bin/sh
# `make test`: every suite in turn (unit, fuzz, end-to-end on this kernel, VM
# on Debian kernels), then one line summing them: "N passed, N failed".
# A suite that cannot run at all counts as one failure.
cd "$(dirname "$0")/.." || exit 1
total_p=0 total_f=0
summary=""
for suite in unit fuzz e2e vm; do
	case $suite in
	fuzz | vm) [ -x "tests/$suite/run.sh" ] || continue ;;
	esac
	log=.output/test-$suite.log
	mkdir -p .output
	echo "=== $suite"
	start=$(date +%s)
	make --no-print-directory "test-$suite" 2>&1 | tee "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/^[0-9]* passed, \([0-9]*\) failed.*/\1/p')
	if [ -z "$line" ]; then
		p=0 f=1
		echo "$suite: no result line: counted as a failure"
	fi
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	summary="$summary $suite=$p/$((p + f))($(($(date +%s) - start))s)"
done
# CI shows only the end of this output: name what failed again here, with
# cmocka's "[  FAILED  ]" lines, each runner's "FAIL" lines and the first
# lines of an e2e failure's log, at most 20 lines in all
for suite in unit fuzz e2e vm; do
	[ -f ".output/test-$suite.log" ] || continue
	grep -E '^(FAIL|\[  FAILED  \] [a-z_]|unit: .* exited|    \| FAIL)' ".output/test-$suite.log" |
		sed "s/^/=== failed in $suite: /"
done | head -n 20
echo "=== summary:$summary"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
