#!/bin/sh
# /init of the test VM (busybox). Runs the OOM scenarios with one tracer per
# attach mode the kernel is expected to allow, attached at once so every mode
# sees the very same OOMs, and prints what they printed plus the kernel's own
# report to the console between markers. The host (check_vm.py) judges;
# nothing is judged here, so a broken guest shows up as missing sections,
# not as a pass. The kernel command line (tests/vm/run.sh) says which modes
# (oomtrace.modes=a,b) and whether they run one pass each (oomtrace.apart=1:
# before 5.16 a kretprobe cuts every kernel stack unwound under it, the other
# tracers' too).
#   @@VM meta KEY VALUE
#   @@VM begin NAME ... @@VM end NAME
#   @@VM pass MODES   (the sections and metas that follow are that pass's)
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 none /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
echo 1 >/proc/sys/vm/oom_dump_tasks
# no kernel chatter on the console between the markers
echo 1 >/proc/sys/kernel/printk
# the kernel times every BPF program run: each tracer says at exit what its
# programs cost per OOM (check_vm.py prints it per mode)
echo 1 >/proc/sys/kernel/bpf_stats_enabled

ALL_MODES="fentry kprobe tracepoint"
MODES=$ALL_MODES
APART=0
for arg in $(cat /proc/cmdline); do
	case $arg in
	oomtrace.modes=*) MODES=$(echo "${arg#oomtrace.modes=}" | tr , ' ') ;;
	oomtrace.apart=1) APART=1 ;;
	oomtrace.only=*) ONLY=$(echo "${arg#oomtrace.only=}" | tr , ' ') ;;
	esac
done
# part NAME: is this part of the run wanted (oomtrace.only=a,b: only those)?
part() { [ -z "${ONLY:-}" ] || case " $ONLY " in *" $1 "*) true ;; *) false ;; esac; }
SCENARIOS="memcg group shared reaper tmpfs global"
TRACERS=""

meta() { echo "@@VM meta $*"; }
section() { # section NAME FILE
	echo "@@VM begin $1"
	cat "$2"
	echo "@@VM end $1"
}
adj_of() { cat "/proc/$1/oom_score_adj" 2>/dev/null; }
oom_kills() { sed -n 's/^oom_kill //p' /proc/vmstat; }

# report_window SCENARIO KILLS: the kernel prints its OOM report (header,
# task table, oom-kill: line) for at most 10 kills in 5 s
# (oom_kill_process(): __ratelimit(&oom_rs)), the kill line always. The
# scenarios run back to back and each is held to its reports, so before
# one makes its KILLS (at most) kills, wait as long as oom_window.awk says
# (not at all while the kills since the last 5 s without one leave room).
# The log so far goes to /tmp/oom-history (the scenario clears dmesg).
# check_vm.py fails a scenario whose log has a kill without its report.
report_window() {
	w=0
	while :; do
		dmesg -c >>/tmp/oom-history
		tag="oomtrace-vm-mark $1 $w"
		echo "$tag" >/dev/kmsg
		# the marker's stamp is "now" on the log's own clock
		left=$( (cat /tmp/oom-history; dmesg) |
			awk -f /bin/oom_window.awk -v mark="$tag" -v need="$2" -v quiet=5.2)
		case $left in
		none) break ;;
		[0-9]*.[0-9][0-9]) ;;
		*)	# no time stamps to go by: a full window
			meta "$1.report_window" "no time stamps ($left)"
			left=5.20 ;;
		esac
		[ "$left" = 0.00 ] && break
		w=$(awk "BEGIN { print $w + $left }")
		sleep "$left"
	done
	meta "$1.report_wait_s" "$w"
}

# tracer_ready ERRFILE PID: until the tracer says it is ready on stderr, or
# exits, or 60 s pass (the judge then finds what it printed)
tracer_ready() {
	i=0
	while ! grep -q '^oomtrace: ready' "$1" && [ $i -lt 600 ] && kill -0 "$2" 2>/dev/null; do
		sleep 0.1; i=$((i + 1))
	done
}

# start_tracers SCENARIO: one tracer per mode, -k 0 (every candidate), wait ready
start_tracers() {
	TRACERS=""
	for m in $MODES; do
		# --precise-rss: exact per-CPU rss sums too, where the kernel keeps
		# them (6.2+), for replay's precise-rss policy (check_replay.py)
		/bin/oomtrace --json -k 0 --precise-rss --mode "$m" >"/tmp/$1-$m.json" \
			2>"/tmp/$1-$m.err" &
		TRACERS="$TRACERS $!"
		eval "TRACER_$m=$!"
	done
	for m in $MODES; do
		eval "tracer_ready /tmp/$1-$m.err \$TRACER_$m"
		eval "meta $1.tracer.$m.pid \$TRACER_$m"
		eval "meta $1.tracer.$m.adj \$(adj_of \$TRACER_$m)"
	done
}

stop_tracers() { # stop_tracers SCENARIO
	sleep 1	# tracepoint mode completes an event after a quiet spell
	for p in $TRACERS; do kill -INT "$p"; done
	for m in $MODES; do
		eval "wait \$TRACER_$m"
		meta "$1.tracer.$m.exit" $?
		section "$1.$m.json" "/tmp/$1-$m.json"
		section "$1.$m.err" "/tmp/$1-$m.err"
		# what each policy would have killed, from this mode's events
		/bin/oomtrace replay --json -P kernel -P precise-rss -P no-adj -P largest-memcg \
			-P expr:rss "/tmp/$1-$m.json" >"/tmp/$1-$m.replay" 2>"/tmp/$1-$m.replay.err"
		meta "$1.replay.$m.exit" $?
		section "$1.$m.replay" "/tmp/$1-$m.replay"
		section "$1.$m.replay.err" "/tmp/$1-$m.replay.err"
	done
}

# hog_in CGROUP_DIR OUT ARGS...: a hog inside a cgroup, $! is its pid
hog_in() {
	cg=$1 out=$2
	shift 2
	sh -c 'echo $$ >"$0/cgroup.procs" && exec /bin/hog "$@"' "$cg" "$@" >"$out" &
}

wait_ready() {
	for f in "$@"; do
		i=0
		while ! grep -q ready "$f" 2>/dev/null; do
			i=$((i + 1))
			[ $i -gt 600 ] && break
			sleep 0.1
		done
	done
}

hostile=$(printf 'q"n\nx\033[31mz')

# memcg_v2 NAME LIMIT_MIB: a fresh memcg with memory.max, no swap
memcg_v2() {
	mkdir "/sys/fs/cgroup/$1"
	echo $(($2 << 20)) >"/sys/fs/cgroup/$1/memory.max"
	echo 0 >"/sys/fs/cgroup/$1/memory.swap.max" 2>/dev/null
	echo "/sys/fs/cgroup/$1"
}

# grow SCENARIO CGROUP: the allocator that pushes the domain into OOM
grow() {
	hog_in "$2" "/tmp/$1-grow" -r "${3:-1}"
	grower=$!
	meta "$1.grower" $grower
	wait $grower
	meta "$1.grower.exit" $?
}

# finish SCENARIO CGROUP: stop the tracers, print the evidence, clean up
finish() {
	stop_tracers "$1"
	[ -f "$2/memory.events" ] && section "$1.memory.events" "$2/memory.events"
	# run_up's PSI deltas are held to these (psi=1 on the command line:
	# Debian's kernels keep PSI off by default)
	[ -f "$2/memory.pressure" ] && section "$1.memory.pressure" "$2/memory.pressure"
	[ -f /proc/pressure/memory ] && section "$1.pressure" /proc/pressure/memory
	dmesg >"/tmp/$1.dmesg"
	section "$1.dmesg" "/tmp/$1.dmesg"
	for p in $(cat "$2/cgroup.procs"); do kill -9 "$p"; done
	sleep 0.5
	rmdir "$2"
}

# --- memcg v2: a 64 MiB memory.max, a -1000 task larger than any victim ------
scenario_memcg() {
	cg=$(memcg_v2 oomtrace-vm 64)
	meta memcg.limit_pages $((64 << 8))
	meta memcg.path /oomtrace-vm
	dmesg -c >/dev/null
	start_tracers memcg
	hog_in "$cg" /tmp/m-prot -a -1000 36; meta memcg.protected $!
	hog_in "$cg" /tmp/m-a 8; meta memcg.hog8 $!
	hog_in "$cg" /tmp/m-b -a 300 2; meta memcg.hog2adj300 $!
	hog_in "$cg" /tmp/m-c -n "$hostile" 1; meta memcg.hostile $!
	wait_ready /tmp/m-prot /tmp/m-a /tmp/m-b /tmp/m-c
	grow memcg "$cg"
	finish memcg "$cg"
}

# --- memory.oom.group: the whole memcg dies in one OOM, but its -1000 task --
scenario_group() {
	cg=$(memcg_v2 oomtrace-vm-group 48)
	echo 1 >"$cg/memory.oom.group"
	meta group.limit_pages $((48 << 8))
	meta group.path /oomtrace-vm-group
	dmesg -c >/dev/null
	start_tracers group
	hog_in "$cg" /tmp/gr-prot -a -1000 12; meta group.protected $!
	hog_in "$cg" /tmp/gr-a 8; meta group.hog8 $!
	hog_in "$cg" /tmp/gr-b -a 300 2; meta group.hog2adj300 $!
	hog_in "$cg" /tmp/gr-c -n "$hostile" 1; meta group.hostile $!
	wait_ready /tmp/gr-prot /tmp/gr-a /tmp/gr-b /tmp/gr-c
	grow group "$cg"
	# the killed members exit in their own time: wait (bounded) for the
	# cgroup to settle before saying who is left; the host judges who
	i=0
	while [ $i -lt 50 ] && [ "$(wc -l <"$cg/cgroup.procs")" -gt 1 ]; do
		sleep 0.1; i=$((i + 1))
	done
	meta group.alive "$(cat "$cg/cgroup.procs" | tr '\n' ' ' | sed 's/ $//')"
	finish group "$cg"
}

# --- a process sharing the victim's mm (CLONE_VM) is killed with it --------
scenario_shared() {
	cg=$(memcg_v2 oomtrace-vm-shared 64)
	meta shared.limit_pages $((64 << 8))
	meta shared.path /oomtrace-vm-shared
	dmesg -c >/dev/null
	start_tracers shared
	hog_in "$cg" /tmp/s-prot -a -1000 4; meta shared.protected $!
	hog_in "$cg" /tmp/s-a -s 36; meta shared.sharing $!
	hog_in "$cg" /tmp/s-c -n "$hostile" 1; meta shared.hostile $!
	wait_ready /tmp/s-prot /tmp/s-a /tmp/s-c
	sharer=$(sed -n 's/^sharer //p' /tmp/s-a)
	meta shared.sharer "$sharer"
	grow shared "$cg"
	sleep 0.5
	[ -d "/proc/$sharer" ] && meta shared.sharer.alive "$sharer"
	finish shared "$cg"
}

# --- the oom_reaper: a victim that cannot exit (a v1-frozen thread) --------
scenario_reaper() {
	cg=$(memcg_v2 oomtrace-vm-reaper 64)
	fz=/tmp/freezer
	mkdir -p $fz
	mount -t cgroup -o freezer freezer $fz || meta reaper.freezer unavailable
	mkdir $fz/oomtrace
	meta reaper.limit_pages $((64 << 8))
	meta reaper.path /oomtrace-vm-reaper
	dmesg -c >/dev/null
	start_tracers reaper
	hog_in "$cg" /tmp/r-prot -a -1000 4; meta reaper.protected $!
	hog_in "$cg" /tmp/r-a -t 40; stuck=$!; meta reaper.stuck $stuck
	hog_in "$cg" /tmp/r-c -n "$hostile" 1; meta reaper.hostile $!
	wait_ready /tmp/r-prot /tmp/r-a /tmp/r-c
	# freeze it: SIGKILL thaws only the thread the OOM killer marks, so the
	# other one keeps the mm alive and only the reaper can free its memory
	echo $stuck >$fz/oomtrace/cgroup.procs
	echo FROZEN >$fz/oomtrace/freezer.state
	i=0
	while [ "$(cat $fz/oomtrace/freezer.state)" != FROZEN ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	meta reaper.freezer.state "$(cat $fz/oomtrace/freezer.state)"
	grow reaper "$cg"
	echo THAWED >$fz/oomtrace/freezer.state
	sleep 0.5
	finish reaper "$cg"
	rmdir $fz/oomtrace
	umount $fz
}

# --- a tmpfs file charged to the memcg holds most of it (domain_memory) -----
scenario_tmpfs() {
	cg=$(memcg_v2 oomtrace-vm-tmpfs 64)
	mkdir -p /tmp/shm
	mount -t tmpfs -o size=128m shm /tmp/shm
	meta tmpfs.limit_pages $((64 << 8))
	meta tmpfs.path /oomtrace-vm-tmpfs
	dmesg -c >/dev/null
	start_tracers tmpfs
	# the pages are charged to the memcg of the task that writes them
	sh -c 'echo $$ >"$0/cgroup.procs" && exec dd if=/dev/zero of=/tmp/shm/blob bs=1M count=40' \
		"$cg" 2>/dev/null
	hog_in "$cg" /tmp/t-prot -a -1000 1; meta tmpfs.protected $!
	hog_in "$cg" /tmp/t-c -n "$hostile" 1; meta tmpfs.hostile $!
	wait_ready /tmp/t-prot /tmp/t-c
	grow tmpfs "$cg"
	finish tmpfs "$cg"
	rm -f /tmp/shm/blob
	umount /tmp/shm
}

# --- global: RAM exhausted, no memcg limit anywhere -------------------------
scenario_global() {
	mkdir /sys/fs/cgroup/oomtrace-vm-global	# no limit: only to find the tasks again
	cg=/sys/fs/cgroup/oomtrace-vm-global
	sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo | while read -r kb; do
		meta global.memtotal_kb "$kb"
	done
	dmesg -c >/dev/null
	start_tracers global
	hog_in "$cg" /tmp/g-prot -a -1000 160; meta global.protected $!
	hog_in "$cg" /tmp/g-a 16; meta global.hog16 $!
	hog_in "$cg" /tmp/g-b -a 1000 4; meta global.hog4adj1000 $!
	hog_in "$cg" /tmp/g-c -n "$hostile" 1; meta global.hostile $!
	wait_ready /tmp/g-prot /tmp/g-a /tmp/g-b /tmp/g-c
	grow global "$cg" 8
	finish global "$cg"
}

meta kernel "$(uname -r)"
/bin/oomtrace doctor >/tmp/doctor 2>&1
meta doctor.exit $?
section doctor /tmp/doctor
grep -E 'oom_kill_process|oom_badness|out_of_memory' /proc/kallsyms | grep -v '__' >/tmp/ksyms
section ksyms /tmp/ksyms
section mark_victim.format /sys/kernel/tracing/events/oom/mark_victim/format
# a mode the kernel is not expected to allow, forced: its one-line refusal
for m in $ALL_MODES; do
	case " $MODES " in *" $m "*) continue ;; esac
	/bin/oomtrace --mode "$m" -d 1 >/dev/null 2>"/tmp/refusal-$m"
	meta "refusal.$m.exit" $?
	section "refusal.$m" "/tmp/refusal-$m"
done
# --btf: a copy of the kernel's BTF, with the kernel's own hidden; a bad file
cp /sys/kernel/btf/vmlinux /tmp/vmlinux.btf
unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec /bin/oomtrace doctor --btf /tmp/vmlinux.btf' \
	>/tmp/doctor-btf 2>&1
meta doctor-btf.exit $?
section doctor-btf /tmp/doctor-btf
/bin/oomtrace --btf /init -d 1 >/dev/null 2>/tmp/btf-bad
meta btf-bad.exit $?
section btf-bad /tmp/btf-bad
# --- names and command lines on cgroup v2 (once, in tracepoint mode) -------
# A kubelet-style container cgroup under a limited memcg, its log link laid
# out in /tmp/k8s; the victim's argv has an argument with a space and one
# with a newline; an --exec hook records its environment.
names_check() {
	id=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	cg=$(memcg_v2 oomtrace-vm-names 32)
	echo +memory >"$cg/cgroup.subtree_control"
	ctr="$cg/cri-containerd-$id.scope"
	mkdir "$ctr"
	mkdir -p /tmp/k8s
	ln -s /nonexistent "/tmp/k8s/cart-7d9_shop_app-$id.log"
	report_window names 1
	/bin/oomtrace --json -n 1 --mode tracepoint -c /oomtrace-vm-names --k8s-log-dir /tmp/k8s \
		--exec 'env | grep ^OOMTRACE_ >/tmp/names.hook' >/tmp/names.json 2>/tmp/names.err &
	t=$!
	tracer_ready /tmp/names.err $t
	hog_in "$ctr" /tmp/n-v -a 1000 8 3600 "two words" "$(printf 'l1\nl2')"
	meta names.victim $!
	wait_ready /tmp/n-v
	hog_in "$ctr" /tmp/n-g 24 1
	wait $!
	i=0
	while kill -0 $t 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -INT $t 2>/dev/null
	wait $t
	meta names.exit $?
	section names.json /tmp/names.json
	section names.err /tmp/names.err
	section names.hook /tmp/names.hook
	for p in $(cat "$ctr/cgroup.procs"); do kill -9 "$p"; done
	sleep 0.5
	rmdir "$ctr" "$cg"
}
part names && names_check

# --- user stacks without frame pointers (issue 16), every mode at once ------
# /opt/ustack/ustack (main -> libustack.so's f1 -> f2 -> f3, built -O2
# -fomit-frame-pointer; tests/vm/run.sh) faults memory in from f3 until its
# 32 MiB memcg kills it (it maps 256 MiB: the guest's 384 MiB of RAM, no
# swap, refuse more under heuristic overcommit). Twice: as it comes (the
# tracers read its maps), and as if it were gone before they could
# (OOMTRACE_USTACK_NO_MAPS, a test switch: its frames are placed by the
# build ids and the start of the executable's code the kernel gave). Then,
# where run.sh put Debian's python3 in, it grows a list in a 64 MiB memcg.
# The host holds the frames to addr2line and to gdb.

# ustack_run NAME LIMIT_MIB ENV CMD...: CMD in a fresh memcg until the kill,
# traced by one tracer per mode (ENV, e.g. "env X=1", before each)
ustack_run() {
	v=$1 lim=$2 pre=$3
	shift 3
	cg=$(memcg_v2 "oomtrace-vm-ustack-$v" "$lim")
	TRACERS=""
	for m in $MODES; do
		$pre /bin/oomtrace --json -n 1 --mode "$m" -c "/oomtrace-vm-ustack-$v" \
			>"/tmp/ustack-$v-$m.json" 2>"/tmp/ustack-$v-$m.err" &
		TRACERS="$TRACERS $!"
		eval "TRACER_$m=$!"
	done
	for m in $MODES; do
		eval "tracer_ready /tmp/ustack-$v-$m.err \$TRACER_$m"
	done
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@" >/tmp/ustack-$v.out 2>&1 &
	p=$!
	meta "ustack.$v.pid" $p
	wait $p
	meta "ustack.$v.exit" $?
	section "ustack.$v.out" /tmp/ustack-$v.out
	section "ustack.$v.memory.events" "$cg/memory.events"
	# -n 1: each tracer ends after its event; one that does not is stopped
	i=0
	while [ $i -lt 100 ]; do
		alive=0
		for t in $TRACERS; do kill -0 "$t" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1; i=$((i + 1))
	done
	# one still there had its event unread: no wake-up came (check_vm.py)
	for m in $MODES; do
		eval "t=\$TRACER_$m"
		if kill -0 "$t" 2>/dev/null; then meta "ustack.$v.tracer.$m.ended" no
		else meta "ustack.$v.tracer.$m.ended" yes; fi
	done
	for t in $TRACERS; do kill -INT "$t" 2>/dev/null; done
	for m in $MODES; do
		eval "wait \$TRACER_$m"
		meta "ustack.$v.tracer.$m.exit" $?
		section "ustack.$v.$m.json" "/tmp/ustack-$v-$m.json"
		section "ustack.$v.$m.err" "/tmp/ustack-$v-$m.err"
	done
	rmdir "$cg"
}

ustack_check() {
	meta ustack.arch "$(uname -m)"
	ustack_run live 32 "" /opt/ustack/ustack 256
	ustack_run gone 32 "env OOMTRACE_USTACK_NO_MAPS=1" /opt/ustack/ustack 256
	if [ -x /usr/bin/python3 ]; then
		meta ustack.python "$(readlink -f /usr/bin/python3)"
		# the same script as t-ustack-python.sh's; -S -I: no site, no
		# environment (run.sh put in only what the interpreter starts with)
		ustack_run python 64 "" /usr/bin/python3 -S -I -c 'l = []
while True:
    l.append("x" * 1000 + str(len(l)))
'
	fi
}
part ustack && ustack_check

if [ "$APART" = 1 ]; then
	PASSES=$MODES
else
	PASSES=$(echo "$MODES" | tr ' ' ,)
fi
for pass in $PASSES; do
	MODES=$(echo "$pass" | tr , ' ')
	echo "@@VM pass $pass"
	for sc in $SCENARIOS; do
		part "$sc" || continue
		meta scenario "$sc"
		report_window "$sc" 5	# each makes 1 to 3 kills (group: 1 report, 5 kill lines)
		k0=$(oom_kills)
		start=$(cut -d. -f1 /proc/uptime)
		"scenario_$sc"
		meta "$sc.seconds" $(($(cut -d. -f1 /proc/uptime) - start))
		meta "$sc.oom_kills" $(($(oom_kills) - k0))
	done
done
echo "@@VM done"
poweroff -f
