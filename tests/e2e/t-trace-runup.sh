#!/bin/sh
# run_up of real memcg v1 OOMs (tracepoint mode), held to the kernel's own
# counters: a file written from inside a 64 MiB memcg leaves page cache
# that the memcg must reclaim before a growing hog is killed; then a second
# OOM of the same memcg. memory.failcnt and memory.oom_control's oom_kill
# summed over the events equal the files at the end (the memcg was made
# after the tracer started: since "start" is from zero); the page cache
# that went is what reclaim took, and no more than /proc/vmstat's pgsteal
# moved; PSI within what /proc/pressure/memory moved around the test.
. "$(dirname "$0")/lib.sh"

LIMIT_MIB=64
FILE_MIB=40
cg=$(memcg_new $LIMIT_MIB)

pgsteal() { awk '$1 == "pgsteal_anon" || $1 == "pgsteal_file" { s += $2 } END { print s + 0 }' /proc/vmstat; }
psi() { sed -n "s/^$1 .*total=\([0-9]*\)$/\1/p" /proc/pressure/memory; }
[ -r /proc/pressure/memory ] || note "no /proc/pressure/memory (CONFIG_PSI off): no PSI to check"

steal0=$(pgsteal)
some0=$(psi some) full0=$(psi full)
start_tracer "$WORK/events.json" --json --mode tracepoint -k 0 -c "/$(basename "$cg")"
JSON_TRACER=$TRACER
start_tracer "$WORK/events.txt" --mode tracepoint -c "/$(basename "$cg")"
TEXT_TRACER=$TRACER

# 1. page cache charged to the memcg, on a disk file system (not tmpfs)
sh -c "$IN_CG" "$cg" dd if=/dev/zero of="$WORK/cache" bs=1M count=$FILE_MIB conv=fsync status=none ||
	fail "cannot write the file from inside the memcg"
cache1=$(sed -n 's/^total_cache //p' "$cg/memory.stat")
[ "$cache1" -ge $(((FILE_MIB - 4) << 20)) ] || fail "file not charged to the memcg as cache ($cache1 B)"
note "page cache in the memcg before the OOM: $((cache1 >> 20)) MiB"
date +%s%N >"$WORK/hog1.start"
sh -c "$IN_CG" "$cg" "$HOG" -r 1 >"$WORK/grower1"
assert_eq "$?" 137 "grower with page cache beside it was SIGKILLed"
cache2=$(sed -n 's/^total_cache //p' "$cg/memory.stat")
i=0
until [ "$(grep -c '"type":"oom_kill"' "$WORK/events.json")" -ge 1 ] &&
      grep -q "OOM kill #1 " "$WORK/events.txt"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no event 5 s after the first kill"
	sleep 0.05
done
# 2. the same memcg again: its counters since the first event
date +%s%N >"$WORK/hog2.start"
sh -c "$IN_CG" "$cg" "$HOG" -r 1 >"$WORK/grower2"
assert_eq "$?" 137 "second grower was SIGKILLed"
i=0
until [ "$(grep -c '"type":"oom_kill"' "$WORK/events.json")" -ge 2 ] &&
      grep -q "OOM kill #2 " "$WORK/events.txt"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no event 5 s after the second kill"
	sleep 0.05
done
kill -INT "$JSON_TRACER" "$TEXT_TRACER"
wait "$JSON_TRACER" "$TEXT_TRACER"
steal1=$(pgsteal)
some1=$(psi some) full1=$(psi full)

python3 "$TOP/tests/e2e/check_run_up.py" "$WORK/events.json" \
	--failcnt "$(cat "$cg/memory.failcnt")" --oom-kill "$(memcg_kills "$cg")" \
	--cache-gone-kb $(((cache1 - cache2) >> 10)) --pgsteal "$((steal1 - steal0))" \
	--psi "${some0:-}" "${some1:-}" "${full0:-}" "${full1:-}" \
	--starts "$(cat "$WORK/hog1.start")" "$(cat "$WORK/hog2.start")" ||
	fail "run_up does not match the kernel's counters"

# the text block: the memory section stays at most three lines, and says
# how long the domain reclaimed when that was a second or more
python3 - "$WORK/events.json" "$WORK/events.txt" <<'EOF' || fail "text block"
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1]) if '"oom_kill"' in l]
blocks = re.split(r"\n(?=\S.* OOM kill #)", open(sys.argv[2]).read())
blocks = [b for b in blocks if " OOM kill #" in b]
assert len(blocks) == len(events), (len(blocks), len(events))
for ev, b in zip(events, blocks):
    lines = b.splitlines()
    i = next(n for n, l in enumerate(lines) if l.startswith("  memory "))
    section = [lines[i]] + [l for l in lines[i + 1:i + 3] if l.startswith("             ")]
    ru = ev["run_up"]
    ms = round(ru.get("first_limit_hit_s_before", 0) * 1000)
    want = ms >= 1000 or ru["reclaim_stall_us"] >= 1000000
    said = any("reclaiming for" in l or "reclaim in the last" in l for l in section)
    print("# memory section of #%d:\n#   %s" % (ev["seq"], "\n#   ".join(section)))
    if want and not said and not any("killing frees at most" in l for l in section):
        sys.exit("event %d: a long run-up, no verdict line" % ev["seq"])
    if said and not want:
        sys.exit("event %d: a verdict line for a short run-up" % ev["seq"])
    if said:
        line = next(l for l in section if "reclaim" in l)
        if ms >= 1000 and "reclaiming for %d.%d s" % (ms // 1000, ms % 1000 // 100) not in line:
            sys.exit("event %d: verdict %r disagrees with %d ms" % (ev["seq"], line, ms))
print("ok: memory sections of %d blocks, verdict when the run-up was long" % len(events))
EOF
