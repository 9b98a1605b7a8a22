#!/bin/sh
# `oomtrace scores --watch` in a real terminal (tmux): the screen shows the
# header and rows, refreshes (a new hog appears, a value changes), redraws
# in place (cursor home, clear-to-end-of-line; never a full clear, so no
# flicker), follows a resize, and q or Ctrl-C exits 0 with the terminal
# restored (main screen, cursor shown, echo and canonical mode back).
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || skip "tmux is not installed (scripts/install-deps.sh)"

cg=$(memcg_new 256)
name=/$(basename "$cg")
SESSIONS=""
end_sessions() { for s in $SESSIONS; do tmux kill-session -t "$s" 2>/dev/null; done; }
trap 'end_sessions; cleanup' EXIT INT TERM

sh -c "$IN_CG" "$cg" "$HOG" 8 >"$WORK/a" &
A=$!; PIDS="$PIDS $A"
wait_ready "$WORK/a"

# screen_has SESSION PATTERN [SECONDS]: wait until the pane shows PATTERN
screen_has() {
	_i=0
	while ! tmux capture-pane -p -t "$1" | grep -q -- "$2"; do
		_i=$((_i + 1))
		if [ $_i -gt $((${3:-10} * 10)) ]; then
			tmux capture-pane -p -t "$1" | sed 's/^/    | /'
			fail "screen of $1 never showed '$2'"
		fi
		sleep 0.1
	done
}

# exited SESSION: wait for the command's exit line, check code and terminal
exited() {
	_i=0
	while [ ! -s "$WORK/$1.exit" ]; do
		_i=$((_i + 1)); [ $_i -gt 50 ] && fail "$1: --watch did not exit"
		sleep 0.1
	done
	assert_eq "$(cat "$WORK/$1.exit")" "EXIT=0" "$1: exit code"
	assert_eq "$(tmux display -p -t "$1" '#{alternate_on}')" "0" "$1: back on the main screen"
	assert_eq "$(tmux display -p -t "$1" '#{cursor_flag}')" "1" "$1: cursor visible again"
	_i=0
	while [ ! -s "$WORK/$1.stty" ]; do
		_i=$((_i + 1)); [ $_i -gt 50 ] && fail "$1: no stty output"
		sleep 0.1
	done
	for mode in icanon echo isig; do
		grep -qw -- "-$mode" "$WORK/$1.stty" && fail "$1: terminal left with -$mode"
	done
	echo "ok: $1: terminal restored (icanon echo isig)"
}

# start SESSION: --watch in a fresh 120x40 terminal, its bytes recorded
start() {
	tmux new-session -d -s "$1" -x 120 -y 40 \
		"sh -c 'echo \$\$ >\"\$0\"; exec \"\$@\"' '$WORK/$1.pid' \
		 '$OOMTRACE' scores --watch 0.3 --cgroup '$name'; echo EXIT=\$? >'$WORK/$1.exit'; \
		 stty -a >'$WORK/$1.stty'; sleep 60" || fail "cannot start tmux"
	SESSIONS="$SESSIONS $1"
	tmux pipe-pane -t "$1" -o "cat >>'$WORK/$1.raw'"
}

s1=oomtrace-watch-$$-q
start "$s1"
screen_has "$s1" "^oomtrace scores  every 0.3s"
screen_has "$s1" "^ranking for a memcg OOM in $name: totalpages 65536 "
screen_has "$s1" "^ rank  *points  *rss"
screen_has "$s1" "^ *1 .* $A hog "
assert_eq "$(tmux display -p -t "$s1" '#{alternate_on}')" "1" "on the alternate screen"
echo "ok: header, column titles and the hog's row"

# refresh: a second, bigger hog appears and takes first place
sh -c "$IN_CG" "$cg" "$HOG" -a 100 16 >"$WORK/b" &
B=$!; PIDS="$PIDS $B"
wait_ready "$WORK/b"
screen_has "$s1" "^ *1 .* $B hog "
screen_has "$s1" "^ *2 .* $A hog "
echo "ok: refreshed: the new hog is ranked first"
# a value changes in place: B's oom_score_adj
echo 300 >/proc/"$B"/oom_score_adj
screen_has "$s1" "^ *1 .* $B hog  *300 "
echo "ok: refreshed: a changed oom_score_adj shows"

# resize: lines follow the new width
tmux resize-window -t "$s1" -x 80 -y 20 2>/dev/null || tmux resize-pane -t "$s1" -x 80 -y 20
screen_has "$s1" "^ *1 .* $B hog"
sleep 0.7
width=$(tmux capture-pane -p -t "$s1" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
[ "$width" -le 80 ] || fail "after resize to 80 columns a line is $width wide"
echo "ok: redrawn for 80 columns"

tmux send-keys -t "$s1" q
exited "$s1"
# no flicker: redraws go home and clear line ends, never the whole screen
raw=$WORK/$s1.raw
homes=$(LC_ALL=C grep -c "$(printf '\033\\[H')" "$raw")
[ "$homes" -ge 3 ] || fail "expected several in-place redraws, saw $homes"
if LC_ALL=C grep -q "$(printf '\033\\[2J')" "$raw"; then fail "a full-screen clear (flicker)"; fi
LC_ALL=C grep -q "$(printf '\033\\[K')" "$raw" || fail "lines are not cleared to their end"
echo "ok: $homes redraws in place, no full clear"

# Ctrl-C: the same clean exit
s2=oomtrace-watch-$$-c
start "$s2"
screen_has "$s2" "^ *1 .* $B hog "
tmux send-keys -t "$s2" C-c
exited "$s2"

# SIGTERM from outside: clean too
s3=oomtrace-watch-$$-t
start "$s3"
screen_has "$s3" "^ *1 .* $B hog "
kill -TERM "$(cat "$WORK/$s3.pid")" || fail "cannot signal the watch process"
exited "$s3"
