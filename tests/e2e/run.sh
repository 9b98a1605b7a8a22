#!/bin/sh
# End-to-end tests on the host kernel. Each tests/e2e/t-*.sh is one test:
# exit 0 pass, 77 skip, anything else fail. Ends with "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
passed=0 failed=0 skipped=0
for t in tests/e2e/t-*.sh; do
	name=$(basename "$t" .sh)
	log=.output/e2e-$name.log
	mkdir -p .output
	start=$(date +%s)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0) passed=$((passed + 1)); echo "ok      $name (${secs}s)" ;;
	77) skipped=$((skipped + 1)); echo "skip    $name: $(tail -n1 "$log")" ;;
	*) failed=$((failed + 1)); echo "FAIL    $name (rc=$rc, ${secs}s)"; sed 's/^/    | /' "$log" | tail -n 40 ;;
	esac
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
