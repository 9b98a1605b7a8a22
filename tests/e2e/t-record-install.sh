#!/bin/sh
# `make install` (DESTDIR, PREFIX) puts the binary, the man page and the
# systemd unit in place; the unit names the installed binary; the man page
# renders without a warning and covers every subcommand and every option
# the binary's --help lists.
. "$(dirname "$0")/lib.sh"

dest=$WORK/dest
make -s -C "$TOP" install DESTDIR="$dest" PREFIX=/usr >"$WORK/make.log" 2>&1 ||
	{ cat "$WORK/make.log"; fail "make install failed"; }
for f in usr/sbin/oomtrace:755 usr/share/man/man8/oomtrace.8:644 usr/lib/systemd/system/oomtrace.service:644; do
	path=$dest/${f%:*}
	[ -f "$path" ] || fail "not installed: $path"
	assert_eq "$(stat -c %a "$path")" "${f#*:}" "mode of /${f%:*}"
done
grep -q '^ExecStart=/usr/sbin/oomtrace record ' "$dest/usr/lib/systemd/system/oomtrace.service" ||
	fail "unit does not name the installed binary"
grep -q '@SBINDIR@' "$dest/usr/lib/systemd/system/oomtrace.service" && fail "unit template not filled in"
"$dest/usr/sbin/oomtrace" report --help >/dev/null || fail "installed binary does not run"
echo "ok: installed binary, unit and man page"

page=$dest/usr/share/man/man8/oomtrace.8
if command -v man >/dev/null; then
	MANWIDTH=80 man --warnings -l "$page" >"$WORK/man.txt" 2>"$WORK/man.err" || fail "man -l failed"
elif command -v groff >/dev/null; then
	groff -man -Tutf8 -ww "$page" >"$WORK/man.txt" 2>"$WORK/man.err" || fail "groff failed"
else
	skip "neither man nor groff to render the page"
fi
[ -s "$WORK/man.err" ] && fail "warnings rendering the man page: $(cat "$WORK/man.err")"
echo "ok: the man page renders without warnings ($(wc -l <"$WORK/man.txt") lines)"
# every subcommand has its section, every option of every --help is in the page
for sec in TRACE RECORD REPORT PARSE SCORES DOCTOR CAPABILITIES METRICS; do
	grep -q "^$sec" "$WORK/man.txt" || fail "no $sec section"
done
for cmd in trace record report doctor; do
	"$TOP/oomtrace" $cmd --help | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r opt; do
		grep -q -- "$opt" "$WORK/man.txt" || { echo "FAIL: $cmd $opt not in the man page"; exit 1; }
	done || exit 1
done
echo "ok: every option of trace, record, report and doctor is documented"
