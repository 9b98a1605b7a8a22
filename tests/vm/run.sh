#!/bin/sh
# VM tests: boot stock Debian kernels (5.10, 6.1, 6.12; tests/vm/kernels.sh) under qemu (TCG; nested
# KVM does not work on these machines), run tests/vm/guest.sh as /init with
# the static oomtrace, and check what it printed against the kernel's own
# reports (check_vm.py). Ends with "N passed, N failed".
#   VM_KERNELS="5.10 6.1 6.12" (substrings of the kernel versions to boot)
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

kernels=$(tests/vm/kernels.sh "$cache") || fail_all "cannot fetch the Debian kernels"

# the initramfs: busybox and its applets, the static tracer and hog, /init
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
cp .output/static/oomtrace "$root/bin/oomtrace"
cp .output/helpers/hog "$root/bin/hog"
cp tests/vm/guest.sh "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$out/initramfs.cpio.gz" ||
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
			-append "console=ttyS0 quiet loglevel=1 panic=-1 oomtrace.modes=${modes:-fentry,kprobe,tracepoint} oomtrace.apart=${apart:-0}" \
			</dev/null >"$log" 2>&1
		grep -aq '@@VM meta kernel ' "$log" && break	# after the terminal's escapes
		cp "$log" "$out/console-$ver.boot$try.log"
		echo "# $ver: the kernel did not reach /init (try $try), console kept in $out/console-$ver.boot$try.log"
	done
	echo "# $ver: VM ran $(($(date +%s) - start))s, console in $log"
	python3 tests/vm/check_vm.py "$log" "$ver" "${modes:-fentry,kprobe,tracepoint}" |
		tee "$out/check-$ver.log"
done >"$out/results.log"
cat "$out/results.log"
passed=$(sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p' "$out/results.log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p' "$out/results.log" | awk '{s+=$1} END {print s+0}')
runs=$(grep -c '^# .*: VM ran' "$out/results.log")
[ "$runs" -ge 1 ] || { echo "FAIL    vm: no kernel was booted"; failed=$((failed + 1)); }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
