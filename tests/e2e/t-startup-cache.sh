#!/bin/sh
# The start-up cache (README, Tests: core-btf.*, ksyms.boot) on a fresh
# machine and on a bad one: a cache directory not there yet is made and
# filled by the first start, and used by the next; one that cannot be
# written (a read-only mount, a path under a file) and a cache file that is
# not whole only cost time: the tracer says so in one warning, and still
# traces. Each start is held to a real memcg OOM: the event's victim is the
# process the kernel killed first (SIGKILLed; memory.oom_control counts it).
. "$(dirname "$0")/lib.sh"

cg=$(memcg_new 32)
name=$(basename "$cg")

# one_oom TAG [OOMTRACE ARGS...]: a start under $OOMTRACE_CACHE_DIR, one OOM
# in $cg, its event checked against the kernel's kill; stderr in $WORK/TAG.err
one_oom() {
	_tag=$1; shift
	_k0=$(memcg_kills "$cg")
	sh -c "$IN_CG" "$cg" "$HOG" -a 1000 10 >"$WORK/$_tag.victim" & _v=$!
	PIDS="$PIDS $_v"
	wait_ready "$WORK/$_tag.victim"
	start_tracer "$WORK/$_tag" --json -v -n 1 -k 0 -c "/$name" "$@"
	# 24 MiB beside the victim's 10 do not fit in 32: the kernel kills the
	# victim first (adj 1000)
	sh -c "$IN_CG" "$cg" "$HOG" 24 1 >/dev/null 2>&1
	wait_gone "$_v"
	wait_gone "$TRACER" 20
	wait "$TRACER" || { cat "$WORK/$_tag.err"; fail "$_tag: tracer failed"; }
	wait "$_v"
	assert_eq "$?" 137 "$_tag: the victim's exit (SIGKILL)"
	# the trigger may be killed too: it can charge again before the
	# victim's pages are uncharged (seen without any tracer)
	_kills=$(($(memcg_kills "$cg") - _k0))
	[ "$_kills" -ge 1 ] || fail "$_tag: the kernel counted no kill in the memcg"
	echo "ok: $_tag: the kernel's kills in the memcg: $_kills"
	python3 - "$WORK/$_tag" "$_v" <<'PY' || fail "$_tag: event"
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if '"oom_kill"' in l]
assert len(evs) == 1, f"{len(evs)} events"
assert evs[0]["victim"]["pid"] == int(sys.argv[2]), evs[0]["victim"]
PY
	echo "ok: $_tag: the victim $_v traced"
}
# warnings TAG: the tracer's warning lines about the cache (others, such as
# an unprotected tracer's, are not this test's)
warnings() { grep '^oomtrace: warning: .*cache' "$WORK/$1.err"; }

# 1. fresh: the directory is not there; the start makes it, without a warning
export OOMTRACE_CACHE_DIR="$WORK/cache-fresh/oomtrace"
mkdir "$WORK/cache-fresh"
one_oom fresh
[ -z "$(warnings fresh)" ] || fail "fresh: warned: $(warnings fresh)"
# the minimal BTF is the object's own file: core-btf.full.CRC32
BTF_FILE=$(cd "$OOMTRACE_CACHE_DIR" && ls core-btf.full.* 2>/dev/null)
echo "$BTF_FILE" | grep -Eqx 'core-btf\.full\.[0-9a-f]{8}' ||
	fail "fresh: not one core-btf.full.CRC: $(ls -la "$OOMTRACE_CACHE_DIR")"
for f in "$BTF_FILE" ksyms.boot; do
	[ -s "$OOMTRACE_CACHE_DIR/$f" ] || fail "fresh: $f not written: $(ls -la "$OOMTRACE_CACHE_DIR")"
done
grep -q "made and verified now" "$WORK/fresh.err" || fail "fresh: the minimal BTF was not made"
grep -q "kernel symbols from" "$WORK/fresh.err" && fail "fresh: kernel symbols from a file"
echo "ok: fresh: $(ls "$OOMTRACE_CACHE_DIR" | tr '\n' ' ')written"

# 2. the next start of this boot: both from the cache
one_oom again
grep -q "kernel symbols from $OOMTRACE_CACHE_DIR/ksyms.boot (this boot's)" "$WORK/again.err" ||
	fail "again: kernel symbols not from the cache: $(grep debug "$WORK/again.err")"
grep -q "minimal kernel BTF full (cached)" "$WORK/again.err" ||
	fail "again: the minimal BTF not from the cache"
echo "ok: again: kernel symbols and BTF from the cache"
# the cached BTF carries the kernel's ids for the walk with direct loads
# (README, Attach modes): where the kernel has bpf_rdonly_cast() (6.2+),
# the start that finds the cache walks with direct loads
if grep -aq 'bpf_rdonly_cast' /sys/kernel/btf/vmlinux; then
	grep -q "candidate walk: direct loads" "$WORK/again.err" ||
		fail "again: no direct walk: $(grep 'candidate walk' "$WORK/again.err")"
	echo "ok: again: the candidate walk with direct loads"
fi
# handle_mark_victim verified alone while the other programs load and attach
grep -q "programs loaded as two objects at once, handle_mark_victim alone" \
	"$WORK/again.err" ||
	fail "again: not loaded as two objects: $(grep 'two objects' "$WORK/again.err")"
echo "ok: again: handle_mark_victim loaded alone, beside the other programs"
# with every map made before either load (map_early_own()), the other
# object loads without waiting for the heavy one's relocation
grep -q "split load: the maps made before either load" "$WORK/again.err" ||
	fail "again: the other object waited for the heavy one's load: $(grep -E 'split load|not made ahead' "$WORK/again.err")"
echo "ok: again: the maps made before either load"

# the ring buffer's pages touched ahead, after ready: all 1024 of 4 MiB
grep -q "ring buffer: 1024 pages touched ahead" "$WORK/again.err" ||
	fail "again: ring not touched ahead: $(grep 'ring buffer' "$WORK/again.err")"
echo "ok: again: $(grep -o 'ring buffer: .*' "$WORK/again.err")"

# 2b. other objects' files stay beside this one's (README, Start-up cache):
# the newest 4 are kept as one is written, and the one file of versions
# before one per object goes
for i in 1 2 3 4; do
	printf 'other object %s' $i >"$OOMTRACE_CACHE_DIR/core-btf.full.0000000$i"
	touch -d "2026-01-0$i" "$OOMTRACE_CACHE_DIR/core-btf.full.0000000$i"
done
printf 'before' >"$OOMTRACE_CACHE_DIR/core-btf.full"
rm "$OOMTRACE_CACHE_DIR/$BTF_FILE"
one_oom others
grep -q "minimal kernel BTF full (made and verified now)" "$WORK/others.err" ||
	fail "others: the minimal BTF was not made again"
[ -s "$OOMTRACE_CACHE_DIR/$BTF_FILE" ] || fail "others: $BTF_FILE not written again"
[ -e "$OOMTRACE_CACHE_DIR/core-btf.full" ] && fail "others: the old single file stayed"
[ -e "$OOMTRACE_CACHE_DIR/core-btf.full.00000001" ] && fail "others: the oldest other file stayed"
for i in 2 3 4; do
	assert_eq "$(cat "$OOMTRACE_CACHE_DIR/core-btf.full.0000000$i")" "other object $i" \
		"others: core-btf.full.0000000$i"
done
echo "ok: others: $(cd "$OOMTRACE_CACHE_DIR" && ls core-btf.* | tr '\n' ' ')kept"

# 3. a file not whole: not used, written again
head -c 100 "$OOMTRACE_CACHE_DIR/ksyms.boot" >"$WORK/cut" && cat "$WORK/cut" >"$OOMTRACE_CACHE_DIR/ksyms.boot"
one_oom cut
grep -q "ksyms.boot: not a whole cache file" "$WORK/cut.err" || fail "cut: not said"
[ "$(stat -c %s "$OOMTRACE_CACHE_DIR/ksyms.boot")" -gt 100 ] || fail "cut: not written again"
echo "ok: cut: a truncated ksyms.boot read whole again and rewritten"

# 4. read-only: one warning that says so, and what it costs
mkdir "$WORK/cache-ro"
trap 'umount "$WORK/cache-ro" 2>/dev/null; cleanup' EXIT INT TERM
mount -t tmpfs -o ro,size=1m oomtrace-e2e-ro "$WORK/cache-ro" || skip "cannot mount a read-only tmpfs"
export OOMTRACE_CACHE_DIR="$WORK/cache-ro"
one_oom ro
grep -q "CO-RE against the whole kernel BTF: cannot write" "$WORK/ro.err" ||
	fail "ro: the minimal BTF was made though it cannot be kept"
umount "$WORK/cache-ro"
assert_eq "$(warnings ro | wc -l)" 1 "ro: warning lines"
warnings ro | grep -Eq "cannot write the start-up cache $WORK/cache-ro/core-btf\.full\.[0-9a-f]{8}: Read-only file system: each start reads" ||
	fail "ro: warning: $(warnings ro)"
echo "ok: ro: $(warnings ro)"

# 5. a directory that cannot be made (under a file)
: >"$WORK/cache-file"
export OOMTRACE_CACHE_DIR="$WORK/cache-file/oomtrace"
one_oom notdir
assert_eq "$(warnings notdir | wc -l)" 1 "notdir: warning lines"
warnings notdir | grep -q "Not a directory" || fail "notdir: warning: $(warnings notdir)"
"$OOMTRACE" doctor >"$WORK/doctor" 2>&1
grep -q "start-up cache *no *$WORK/cache-file/oomtrace: Not a directory" "$WORK/doctor" ||
	fail "doctor: $(grep -i cache "$WORK/doctor")"
echo "ok: doctor: $(grep '^  start-up cache' "$WORK/doctor")"
