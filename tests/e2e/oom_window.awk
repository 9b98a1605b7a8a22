# How long a test must wait before its OOM kills for the kernel to print
# the report of each one. Shared by lib.sh (host) and tests/vm/guest.sh.
#   awk -f oom_window.awk -v mark=TEXT -v need=N -v quiet=SECONDS LOG
# LOG: the kernel log with its [seconds] stamps, ending with a marker line
# holding TEXT, just written to /dev/kmsg: its stamp is "now". N: the kills
# the test will make (at most 10). SECONDS: the rate limit's interval plus
# a margin. Prints the seconds to wait ("0.00": none), "none" when the log
# shows no OOM kill at all, or "unknown" when it has no usable stamps.
#
# oom_kill_process() prints the report only while __ratelimit(&oom_rs)
# allows: 10 in 5 s (DEFAULT_RATELIMIT_INTERVAL, _BURST). Each kill calls it
# once: a call shows as an "invoked oom-killer" header, or, suppressed, as
# a "Killed process" line with none. (memory.oom.group adds kill lines to a
# reported call; they count as calls too, which errs on the side of
# waiting.) After a spell of more than 5 s without a call, the next 10
# calls are all allowed, however the kernel counts its window (up to 6.15 a
# window begins at the first call after the last one ran out; since 6.16
# the 10th call moves it on by 5 s): the first such call finds a full
# burst, and no window runs out on 10 calls. So if the calls since the last
# such spell plus N are at most 10, no wait; else wait until the newest
# call is SECONDS old.
function stamp(s) {
	if (!match(s, /^\[ *[0-9]+\.[0-9]+\]/))
		return -1
	return substr(s, 2, RLENGTH - 2) + 0
}

function call(t) {
	if (t < 0)
		bad = 1
	if (calls && t - last > quiet)
		n = 0	# a spell before this call: a full burst again
	n++
	calls++
	last = t
}

/invoked oom-killer:/ {
	call(stamp($0))
	open = 1	# its victim's kill line comes next
	next
}
/Killed process [0-9]/ {
	if (open)
		open = 0
	else
		call(stamp($0))	# no report of its own: suppressed
	next
}
index($0, mark) {
	now = stamp($0)
	found = 1
}

END {
	if (!found || now < 0 || bad) {
		print "unknown"
		exit
	}
	if (!calls) {
		print "none"
		exit
	}
	if (now - last > quiet)
		n = 0
	if (n + need <= 10) {
		print "0.00"
		exit
	}
	printf "%.2f\n", quiet - (now - last)
}
