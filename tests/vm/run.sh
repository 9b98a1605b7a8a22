#!/bin/sh
# VM tests: boot stock Debian kernels (x86-64: 5.10, 6.1, 6.12, listed in
# tests/vm/kernels.sh; arm64: 6.1, tests/vm/kernels-arm64.sh) under qemu
# (TCG; nested KVM does not work on these machines), run tests/vm/guest.sh
# as /init with the static oomtrace, and check what it printed against the
# kernel's own reports (check_vm.py). Ends with "N passed, N failed".
#   VM_KERNELS="5.10 6.1 6.12" (substrings of the kernel versions to boot;
#   "amd64" or "arm64" picks an architecture)
#   VM_ONLY="ustack names memcg ..." (a quicker run: only these parts of
#   guest.sh, and only they are judged; the doctor checks always run)
cd "$(dirname "$0")/../.." || exit 1
out=.output/vm
cache=${VM_CACHE:-$out/kernels}
mkdir -p "$out"
passed=0 failed=0

fail_all() {
	echo "FAIL    vm: $*"
	echo "0 passed, 1 failed"
	exit 1
}

command -v qemu-system-x86_64 >/dev/null || fail_all "qemu-system-x86_64 missing (scripts/install-deps.sh --vm)"
[ -x /bin/busybox ] || fail_all "busybox missing (busybox-static)"
# wanted VERSION: is this kernel among $VM_KERNELS (all when unset)?
wanted() {
	[ -z "${VM_KERNELS:-}" ] && return 0
	for k in $VM_KERNELS; do case $1 in *"$k"*) return 0 ;; esac; done
	return 1
}

export VM_ONLY
only=
[ -n "${VM_ONLY:-}" ] && only=" oomtrace.only=$(echo $VM_ONLY | tr ' ' ,)"

kernels=$(tests/vm/kernels.sh "$cache") || fail_all "cannot fetch the Debian kernels"

# judge CONSOLE VERSION MODES: check_vm.py's verdict on one guest. A checker
# that crashed or stopped before its "N passed, N failed" line is a failure
# of that kernel, not a kernel left out of the sum.
judge() {
	python3 tests/vm/check_vm.py "$1" "$2" "$3" >"$out/check-$2.log" 2>&1
	rc=$?
	cat "$out/check-$2.log"
	if ! tail -n1 "$out/check-$2.log" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$'; then
		echo "FAIL    vm $2: check_vm.py ended without its result line (exit $rc)"
		echo "0 passed, 1 failed"
	fi
}

# ustack_build ARCH: the user-stack test program (tests/e2e/ustack: main ->
# libustack.so's f1 -> f2 -> f3, -O2 -fomit-frame-pointer, as
# t-ustack-dwarf.sh builds it) for the guest's architecture, into
# $out/ustack-ARCH; check_vm.py reads the same files on the host (addr2line)
ustack_build() {
	d=$out/ustack-$1
	case $1 in
	x86_64) cc=gcc ;;
	aarch64) cc=aarch64-linux-gnu-gcc ;;
	esac
	command -v $cc >/dev/null || return 1
	rm -rf "$d"
	mkdir -p "$d"
	$cc -O2 -g -fomit-frame-pointer -fPIC -shared -o "$d/libustack.so" tests/e2e/ustack/libustack.c &&
		$cc -O2 -g -fomit-frame-pointer -o "$d/ustack" tests/e2e/ustack/ustack_main.c \
			-L"$d" -lustack -Wl,-rpath,/opt/ustack
}

# ustack_files ARCH ROOT: the program in ROOT/opt/ustack, with the dynamic
# loader and libc at the paths the program and the loader look for them:
# for x86-64 the host's own (the same Debian release as the guest's
# kernels), laid out as Debian 12's merged /usr, with Debian's python3.11
# (the interpreter and its libraries, and of its standard library only what
# -S -I starts with: encodings for UTF-8; 10 MiB in all) and libc6-dbg's
# debug file for libc (found by build id); for arm64 Debian's arm64 loader
# and libc from libc6-arm64-cross (the cross compiler's), no python
ustack_files() {
	mkdir -p "$2/opt/ustack"
	cp "$out/ustack-$1/ustack" "$out/ustack-$1/libustack.so" "$2/opt/ustack/" || return 1
	case $1 in
	x86_64)
		mkdir -p "$2/usr/lib/x86_64-linux-gnu" "$2/usr/lib64"
		ln -s usr/lib "$2/lib"
		ln -s usr/lib64 "$2/lib64"
		py=$(readlink -f /usr/bin/python3)
		set -- "$2" "$(readlink -f /lib64/ld-linux-x86-64.so.2)" /lib/x86_64-linux-gnu/libc.so.6
		[ -x "$py" ] && set -- "$@" "$py" $(ldd "$py" | sed -n 's|.* => \(/[^ ]*\) .*|\1|p') \
			"${py%/bin/*}/lib/${py##*/}/os.py" \
			"${py%/bin/*}/lib/${py##*/}/encodings/__init__.py" \
			"${py%/bin/*}/lib/${py##*/}/encodings/aliases.py" \
			"${py%/bin/*}/lib/${py##*/}/encodings/utf_8.py"
		id=$(readelf -n /lib/x86_64-linux-gnu/libc.so.6 | sed -n 's/.*Build ID: \(..\)\(.*\)/\1\/\2/p')
		[ -f "/usr/lib/debug/.build-id/$id.debug" ] && set -- "$@" "/usr/lib/debug/.build-id/$id.debug"
		r=$1
		shift
		for f in "$@"; do
			# under the host's real directory (/lib is /usr/lib there
			# too), by its own name (a library's soname is a link)
			d=$(readlink -f "$(dirname "$f")")
			mkdir -p "$r$d"
			cp -L "$f" "$r$d/" || return 1
		done
		[ -x "$py" ] && ln -s "${py##*/}" "$r/usr/bin/python3"
		# the ELF interpreter's path: a link, as on the host
		cp -a /usr/lib64/ld-linux-x86-64.so.2 "$r/usr/lib64/" || return 1
		;;
	aarch64)
		mkdir -p "$2/lib/aarch64-linux-gnu"
		cp -L /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 "$2/lib/" &&
			cp -L /usr/aarch64-linux-gnu/lib/libc.so.6 "$2/lib/aarch64-linux-gnu/" || return 1 ;;
	esac
}

# make_initramfs OUT BUSYBOX OOMTRACE HOG ARCH: busybox and its applets, the
# static tracer and hog, the user-stack program, /init. The applet names
# come from the host's busybox (the same Debian release), as an arm64 one
# cannot run here.
make_initramfs() {
	root=$out/initramfs
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
	cp "$2" "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	done
	cp "$3" "$root/bin/oomtrace"
	cp "$4" "$root/bin/hog"
	cp tests/vm/guest.sh "$root/init"
	cp tests/e2e/oom_window.awk "$root/bin/oom_window.awk"
	chmod +x "$root/init"
	ustack_files "$5" "$root" || return 1
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$1"
}
ustack_build x86_64 || fail_all "cannot build the user-stack program"
make_initramfs "$out/initramfs.cpio.gz" /bin/busybox .output/static/oomtrace .output/helpers/hog x86_64 ||
	fail_all "cannot build the initramfs"

echo "$kernels" | while read -r ver vmlinuz modes apart; do
	wanted "$ver" || continue
	log=$out/console-$ver.log
	start=$(date +%s)
	# 384 MiB keeps the global OOM short under emulation; -no-reboot and
	# poweroff -f end the VM; the timeout bounds a hung guest. Software
	# emulation now and then crashes a kernel while it boots, before /init
	# runs (seen: an int3 oops in early text patching): such a boot, and
	# only such a boot, is tried again, at most twice; what the guest ran
	# is judged as it came.
	for try in 1 2 3; do
		timeout 600 qemu-system-x86_64 -accel tcg,thread=multi -cpu max -m 384 -smp 2 \
			-nographic -no-reboot -kernel "$vmlinuz" -initrd "$out/initramfs.cpio.gz" \
			-append "console=ttyS0 quiet loglevel=1 panic=-1 psi=1 oomtrace.modes=${modes:-fentry,kprobe,tracepoint} oomtrace.apart=${apart:-0}$only" \
			</dev/null >"$log" 2>&1
		grep -aq '@@VM meta kernel ' "$log" && break	# after the terminal's escapes
		cp "$log" "$out/console-$ver.boot$try.log"
		echo "# $ver: the kernel did not reach /init (try $try), console kept in $out/console-$ver.boot$try.log"
	done
	echo "# $ver: VM ran $(($(date +%s) - start))s, console in $log"
	judge "$log" "$ver" "${modes:-fentry,kprobe,tracepoint}"
done >"$out/results.log"

# --- arm64: Debian 12's arm64 kernel under qemu-system-aarch64 (TCG) ---------
# The same guest.sh in an initramfs of its own: busybox-static for arm64 and
# the tracer and hog cross-built for it (make cross-arm64).

# arm64_modes VERSION: the attach modes the kernel allows, for the guest (on
# its command line, oomtrace.modes=) and the judge. arm64 has BPF trampolines since 6.0, but
# attaching one to a kernel function goes through ftrace direct calls,
# which arm64 has only from 6.4 (6.1's config has no
# CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS): fentry is refused there, and the
# judge quotes the refusal and checks that doctor reports it.
arm64_modes() {
	case $1 in
	[1-5].* | 6.[0-3].* | 6.[0-3]) echo kprobe,tracepoint ;;
	*) echo fentry,kprobe,tracepoint ;;
	esac
}

arm64_fail() {
	echo "FAIL    vm arm64: $*"
	echo "0 passed, 1 failed"
}

run_arm64() {
	command -v qemu-system-aarch64 >/dev/null ||
		{ arm64_fail "qemu-system-aarch64 missing (scripts/install-deps.sh --vm)"; return; }
	if [ ! -x .output/arm64/oomtrace ] || [ ! -x .output/arm64/helpers/hog ]; then
		arm64_fail "no arm64 build (make cross-arm64)"
		return
	fi
	list=$(tests/vm/kernels-arm64.sh "$cache") || { arm64_fail "cannot fetch the arm64 kernel"; return; }
	busybox=$(echo "$list" | sed -n 's/^busybox //p')
	ustack_build aarch64 || { arm64_fail "cannot build the arm64 user-stack program"; return; }
	make_initramfs "$out/initramfs-arm64.cpio.gz" "$busybox" .output/arm64/oomtrace \
		.output/arm64/helpers/hog aarch64 || { arm64_fail "cannot build the arm64 initramfs"; return; }
	echo "$list" | grep -v '^busybox ' | while read -r ver image; do
		wanted "$ver" || continue
		modes=$(arm64_modes "$ver")
		log=$out/console-$ver.log
		start=$(date +%s)
		# its vmlinuz is a plain Image; the PL011 console is ttyAMA0. A
		# kernel that crashes before /init is booted again, as for x86.
		# pauth-impdef: pointer authentication with QEMU's own cheap
		# algorithm instead of emulating QARMA, which takes most of the
		# time under TCG (the whole run: 49 s instead of 184 s)
		for try in 1 2 3; do
			timeout 900 qemu-system-aarch64 -M virt -accel tcg,thread=multi -cpu max,pauth-impdef=on \
				-smp 2 -m 384 -nographic -no-reboot -kernel "$image" \
				-initrd "$out/initramfs-arm64.cpio.gz" \
				-append "console=ttyAMA0 quiet loglevel=1 panic=-1 psi=1 oomtrace.modes=$modes oomtrace.apart=0$only" \
				</dev/null >"$log" 2>&1
			grep -aq '@@VM meta kernel ' "$log" && break
			cp "$log" "$out/console-$ver.boot$try.log"
			echo "# $ver: the kernel did not reach /init (try $try), console kept in $out/console-$ver.boot$try.log"
		done
		echo "# $ver: VM ran $(($(date +%s) - start))s, console in $log"
		judge "$log" "$ver" "$modes"
	done
}
run_arm64 >>"$out/results.log"
cat "$out/results.log"
passed=$(sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p' "$out/results.log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p' "$out/results.log" | awk '{s+=$1} END {print s+0}')
runs=$(grep -c '^# .*: VM ran' "$out/results.log")
[ "$runs" -ge 1 ] || { echo "FAIL    vm: no kernel was booted"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
