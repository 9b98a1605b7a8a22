#!/bin/sh
# Type=notify: READY=1 reaches the socket named by $NOTIFY_SOCKET once the
# programs are attached (the same moment as the ready line), STOPPING=1 when
# it begins to stop. The test plays systemd with a datagram socket of its
# own, by path and in the abstract namespace.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip "no python3"
for sock in "$WORK/notify" "@oomtrace-test-$$"; do
	python3 - "$sock" "$WORK/got" <<'PY' &
import socket, sys
name, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
open(out + ".bound", "w").close()
s.settimeout(30)
with open(out, "w") as f:
    for _ in range(2):
        f.write(s.recv(4096).decode() + "\n--\n")
        f.flush()
PY
	LISTENER=$!
	PIDS="$PIDS $LISTENER"
	while [ ! -e "$WORK/got.bound" ]; do sleep 0.05; done
	export NOTIFY_SOCKET="$sock"
	start_tracer "$WORK/rec" record -o "$WORK/out/" -d 30
	unset NOTIFY_SOCKET
	# sent just before the ready line; the listener may take a moment to write it
	i=0
	while ! grep -q '^READY=1$' "$WORK/got"; do
		i=$((i + 1)); [ $i -gt 200 ] && fail "$sock: no READY=1: $(cat "$WORK/got" "$WORK/rec.err")"
		sleep 0.05
	done
	grep -q '^STATUS=recording OOM kills to .*(mode=[a-z]*)$' "$WORK/got" || fail "$sock: no STATUS"
	kill -TERM "$TRACER"
	wait "$TRACER"
	assert_eq "$?" 0 "exit after SIGTERM"
	wait "$LISTENER"
	grep -q '^STOPPING=1$' "$WORK/got" || fail "$sock: no STOPPING=1: $(cat "$WORK/got")"
	echo "ok: $sock got: $(tr '\n' ' ' <"$WORK/got")"
	rm -f "$WORK/got" "$WORK/got.bound" "$WORK/notify"
done
