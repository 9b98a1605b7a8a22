#!/bin/sh
# End-to-end tests on the host kernel. Each tests/e2e/t-*.sh is one test:
# exit 0 pass, 77 skip, anything else fail. Each line says how many OOM
# kills the machine saw during the test (/proc/vmstat oom_kill): the kernel
# prints its OOM report for at most 10 kills in 5 s, and a test that holds
# events to the report waits for a full window first (lib.sh's
# oom_report_window); the total of those waits is the last line but one.
# Ends with "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
passed=0 failed=0 skipped=0
mkdir -p .output
OOMTRACE_E2E_WAITS=$PWD/.output/e2e-waits
export OOMTRACE_E2E_WAITS
: >"$OOMTRACE_E2E_WAITS"
oom_kills() { sed -n 's/^oom_kill //p' /proc/vmstat; }
for t in tests/e2e/t-*.sh; do
	name=$(basename "$t" .sh)
	log=.output/e2e-$name.log
	start=$(date +%s)
	k0=$(oom_kills)
	sh "$t" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	kills=$(($(oom_kills) - k0))
	case $rc in
	0) passed=$((passed + 1)); echo "ok      $name (${secs}s, $kills OOM kills)" ;;
	77) skipped=$((skipped + 1)); echo "skip    $name: $(tail -n1 "$log")" ;;
	*) failed=$((failed + 1)); echo "FAIL    $name (rc=$rc, ${secs}s, $kills OOM kills)"; sed 's/^/    | /' "$log" | tail -n 40 ;;
	esac
done
awk '{ s += $2; n++ } END { printf "# waited %.1fs in %d test(s) for the kernel'"'"'s OOM report rate limit\n", s, n }' \
	"$OOMTRACE_E2E_WAITS"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
