#!/bin/sh
# The unit passes `systemd-analyze verify`: installed under a private PREFIX
# so its ExecStart exists, with MANPATH pointing at the installed man page so
# Documentation=man:oomtrace(8) is checked too. Any message at all (an
# unknown or misspelled directive is only a warning) fails the test.
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
prefix=$WORK/prefix
make -s -C "$TOP" install PREFIX="$prefix" >"$WORK/make.log" 2>&1 ||
	{ cat "$WORK/make.log"; fail "make install failed"; }
unit=$prefix/lib/systemd/system/oomtrace.service
man_opt=--man=no
command -v man >/dev/null && man_opt=--man=yes
MANPATH=$prefix/share/man systemd-analyze verify $man_opt "$unit" >"$WORK/verify" 2>&1
rc=$?
cat "$WORK/verify"
assert_eq "$rc" 0 "systemd-analyze verify exit code"
[ -s "$WORK/verify" ] && fail "systemd-analyze verify had something to say"
echo "ok: systemd-analyze verify $man_opt: clean"
# the directives the service relies on are there
for d in Type=notify OOMScoreAdjust=-1000 ProtectSystem=strict NoNewPrivileges=yes \
	'CapabilityBoundingSet=CAP_BPF' ReadWritePaths=/var/log/oomtrace LimitMEMLOCK=infinity; do
	grep -q "^$d" "$unit" || fail "unit lacks $d"
done
echo "ok: Type=notify, OOMScoreAdjust=-1000, ProtectSystem=strict, NoNewPrivileges, a bounded CapabilityBoundingSet"
