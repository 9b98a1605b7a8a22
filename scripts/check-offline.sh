#!/bin/sh
# check-offline.sh OFFLINE_OBJS... -- OTHER_OBJS...
# The offline objects' code is left out of the live tracer's memory lock
# (Makefile, OFFLINE_SRCS): fail if any other object (main.c's dispatch
# aside) refers to a symbol one of them defines.
set -e
off=""
while [ $# -gt 0 ] && [ "$1" != -- ]; do off="$off $1"; shift; done
[ "$1" = -- ] && shift
[ -n "$off" ] || exit 0
defs=$(mktemp) && trap 'rm -f "$defs"' EXIT
# shellcheck disable=SC2086
nm --defined-only -g $off | awk 'NF == 3 { print $3 }' | sort -u >"$defs"
bad=0
for o in "$@"; do
	for s in $(nm -u "$o" | awk '{ print $2 }' | sort -u | comm -12 - "$defs"); do
		echo "check-offline: $o uses $s, defined in an offline object (Makefile, OFFLINE_SRCS)" >&2
		bad=1
	done
done
exit $bad
