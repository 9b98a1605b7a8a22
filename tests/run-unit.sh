#!/bin/sh
# Run cmocka unit test binaries (built with ASan/UBSan); sum their results.
# Ends with the line "N passed, N failed".
passed=0 failed=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# a crash (sanitizer abort) counts as a failure even if cmocka said nothing
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "unit: $t exited $rc"
		failed=$((failed + 1))
	fi
done
echo "unit: $passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
