#!/bin/sh
# Rotation under a burst of OOMs loses nothing across files: with files of
# at most 8 KiB (a record of this test is a few KiB) the recorder rotates
# every few records; afterwards the files hold every kill the kernel counted
# in this test's memcg exactly once, with contiguous seq numbers, no file
# past the size unless it holds a single record, and `report` over the set
# (in any order) counts them all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/record_lib.sh"

cg=$(memcg_new 16)
out=$WORK/rec
N=15
base=$(memcg_kills "$cg")
start_tracer "$WORK/rec.stdout" record -o "$out/" -c "/$(basename "$cg")" --max-size 8k \
	--max-files 1000
REC=$TRACER
i=0
while [ $i -lt $N ]; do
	oom_once "$cg"
	i=$((i + 1))
done
sleep 0.3
kill -TERM "$REC"
wait "$REC"
assert_eq "$?" 0 "recorder exit code after SIGTERM"
kills=$(($(memcg_kills "$cg") - base))
[ "$kills" -ge $N ] || fail "the kernel counted $kills kills for $N hogs"

files=$(ls "$out"/oomtrace.jsonl*)
nfiles=$(echo "$files" | wc -l)
note "$nfiles files: $(echo $files | xargs -n1 basename | tr '\n' ' ')"
[ "$nfiles" -ge 4 ] || fail "expected several rotations, got $nfiles files"
for f in $files; do
	jsonl_check "$f" >/dev/null
	size=$(stat -c %s "$f")
	if [ "$size" -gt 8192 ] && [ "$(wc -l <"$f")" -gt 1 ]; then
		fail "$f: $size bytes with more than one record"
	fi
done
echo "ok: every file is valid JSON Lines and within --max-size"
python3 - "$kills" $files <<'PY' || fail "records lost or repeated across files"
import json, sys
want = int(sys.argv[1])
seqs = []
for path in sys.argv[2:]:
    for line in open(path):
        r = json.loads(line)
        if r["type"] == "oom_kill":
            seqs.append(r["seq"])
seqs.sort()
assert seqs == list(range(1, want + 1)), f"{len(seqs)} kills, seqs {seqs}, kernel counted {want}"
print(f"ok: {want} kills in {len(sys.argv) - 2} files, each once, seq 1..{want}")
PY
# report takes the files in any order
"$OOMTRACE" report --json $(echo "$files" | sort -r) >"$WORK/r.json" || fail "report failed"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["kills"] == int(sys.argv[2]) and r["bad_lines"] == 0 and r["runs"] == 1, r
print("ok: report over the rotated set:", r["kills"], "kills")' "$WORK/r.json" "$kills" || fail "report"
