#!/bin/sh
# oomtrace parse on the real reports in tests/fixtures/kmsg and on the
# project's own in tests/fixtures/kmsg-own: every fact that each directory's
# expected.json lists (parse_fixtures.py says how each phrasing is read).
# tests/fixtures/kmsg is a copy of ../shared/fixtures/kmsg; when that
# directory exists the copies must be byte-identical to it. Needs no root.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
FIX=$TOP/tests/fixtures/kmsg
SHARED=$TOP/../shared/fixtures/kmsg

fail() { echo "FAIL: $*"; exit 1; }

[ -x "$TOP/oomtrace" ] || fail "no $TOP/oomtrace: run make"
if [ -d "$SHARED" ]; then
	for f in "$SHARED"/* "$FIX"/*; do
		n=$(basename "$f")
		cmp -s "$SHARED/$n" "$FIX/$n" || fail "$n differs between $SHARED and $FIX"
	done
	echo "ok: $(ls "$FIX" | wc -l) fixture files byte-identical to $SHARED"
else
	echo "# $SHARED absent: copies not compared"
fi
for dir in "$FIX" "$TOP/tests/fixtures/kmsg-own"; do
	python3 "$TOP/tests/e2e/parse_fixtures.py" "$TOP/oomtrace" "$dir" ||
		fail "facts differ from $dir/expected.json"
done
