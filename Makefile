# SPDX-License-Identifier: GPL-2.0
# oomtrace: build, test, bench, install.  `make V=1` shows the commands.

OUTPUT ?= .output
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
LLVM_OBJDUMP ?= llvm-objdump
BPFTOOL ?= bpftool
CC ?= cc
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
# systemd looks in /usr/lib/systemd/system and /usr/local/lib/systemd/system
UNITDIR ?= $(PREFIX)/lib/systemd/system

VMLINUX := vmlinux/$(ARCH)/vmlinux.h
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
# user/ is split by pipeline stage (README, Layout); headers are included by
# their bare names, so every stage folder is on the include path.
USER_DIRS := cmd live kmsg store scores replay common
USER_INC := -Ibpf $(patsubst %,-Iuser/%,$(USER_DIRS)) -D_GNU_SOURCE
CPPFLAGS_ALL := -I$(OUTPUT) $(USER_INC)
LDLIBS := -lbpf -ldw -lelf -liberty -lz -pthread
# what libdw.a and libelf.a need besides, when linked statically (their
# shared libraries bring them): the compressed sections' and debug files' formats
STATIC_LDLIBS := -llzma -lbz2 -lzstd
BPF_CFLAGS := -g -O2 -target bpf -Wall -Werror

# Cross build for arm64 (`make cross-arm64`): Debian's cross compiler, and
# Debian's arm64 libbpf/libelf/zlib unpacked into a sysroot under .output
# (scripts/arm64-sysroot.sh); linux/bpf.h and libc from the cross toolchain.
ARM64_CROSS ?= aarch64-linux-gnu-
ARM64_OUT := $(OUTPUT)/arm64
ARM64_SYSROOT ?= $(ARM64_OUT)/sysroot
ARM64_VMLINUX := vmlinux/arm64/vmlinux.h

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
# keep the sanitized objects between runs (they are intermediates of pattern rules)
.SECONDARY:
.PHONY: all deps test test-unit test-e2e test-vm test-fuzz bench install clean cross-arm64

# User objects: everything in user/'s stage folders (cmd/main.c only
# dispatches). Objects are flat under .output/user: file names are unique.
USER_SRCS := $(wildcard $(patsubst %,user/%/*.c,$(USER_DIRS)))
USER_OBJS := $(patsubst %.c,$(OUTPUT)/user/%.o,$(notdir $(USER_SRCS)))
vpath %.c $(patsubst %,user/%,$(USER_DIRS))
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
# Sanitized copies of the library objects for unit tests.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
ASAN_LIB_OBJS := $(patsubst $(OUTPUT)/user/%.o,$(OUTPUT)/asan/%.o,$(LIB_OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
# Fuzzers: tests/fuzz/fuzz_NAME.c, libFuzzer with ASan/UBSan, linked against
# clang-built copies of the library objects.
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	      -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS := $(patsubst $(OUTPUT)/user/%.o,$(OUTPUT)/fuzzlib/%.o,$(LIB_OBJS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(OUTPUT)/fuzz/%,$(FUZZ_SRCS))
HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPER_BINS := $(patsubst tests/helpers/%.c,$(OUTPUT)/helpers/%,$(HELPER_SRCS))

all: oomtrace $(HELPER_BINS)

deps:
	scripts/install-deps.sh

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/asan $(OUTPUT)/tests $(OUTPUT)/helpers $(OUTPUT)/static \
$(OUTPUT)/fuzzlib $(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

# --- BPF object and skeleton -------------------------------------------------
# One source, four objects: the host's and arm64's (its pt_regs for the
# kprobes, which bpf_tracing.h picks by __TARGET_ARCH_arm64, and its
# kernel's types), each full and compat. The compat object is for kernels
# before 5.17 (no bpf_loop, no atomic fetch; bpf/core_fixes.bpf.h): the
# loader opens it through the skeleton of the full object, so both must
# have the same maps, programs and variables.
#   $(call bpf_object,ARCH,VMLINUX_H,EXTRA_CFLAGS)
BPF_SRCS := bpf/oomtrace.bpf.c bpf/oomtrace.h bpf/core_fixes.bpf.h
define bpf_object
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(1) $(3) -I$(dir $(2)) -Ibpf -c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp
endef
# The compat object's kernels have no kfuncs, and the loader patches no
# call in it: not one call of the placeholder helper (OOMT_KCAST_HELPER)
# may be left in it, even unreachable (the walk's loads are chosen at
# compile time: bpf/oomtrace.bpf.c, KREAD).
define bpf_no_kcast
	$(Q)id=$$(printf '%d' $$(sed -n 's/^#define OOMT_KCAST_HELPER //p' bpf/oomtrace.h)) && \
	if $(LLVM_OBJDUMP) -d $@ | grep -q "call $$id$$"; then \
		echo "$@: calls helper $$id (OOMT_KCAST_HELPER)" >&2; rm -f $@; exit 1; fi
endef
#   $(call bpf_skeleton,NAME)
define bpf_skeleton
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(1) > $@
endef

$(OUTPUT)/oomtrace.bpf.o: $(BPF_SRCS) $(VMLINUX) | $(OUTPUT)
	$(call bpf_object,$(ARCH),$(VMLINUX),)
$(OUTPUT)/oomtrace_compat.bpf.o: $(BPF_SRCS) $(VMLINUX) | $(OUTPUT)
	$(call bpf_object,$(ARCH),$(VMLINUX),-DOOMT_COMPAT)
	$(call bpf_no_kcast)
$(ARM64_OUT)/oomtrace.bpf.o: $(BPF_SRCS) $(ARM64_VMLINUX)
	$(call bpf_object,arm64,$(ARM64_VMLINUX),)
$(ARM64_OUT)/oomtrace_compat.bpf.o: $(BPF_SRCS) $(ARM64_VMLINUX)
	$(call bpf_object,arm64,$(ARM64_VMLINUX),-DOOMT_COMPAT)
	$(call bpf_no_kcast)

# the host's full skeleton, once its layout is checked against the compat one's
$(OUTPUT)/oomtrace.skel.h: $(OUTPUT)/oomtrace.bpf.o $(OUTPUT)/oomtrace_compat.skel.h
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name oomtrace_bpf > $@.tmp
	$(Q)for f in $@.tmp $(OUTPUT)/oomtrace_compat.skel.h; do \
		sed -n '/^struct oomtrace[a-z_]*_bpf {/,/^};/p' $$f | \
		sed 's/oomtrace_compat_bpf/oomtrace_bpf/g' >$$f.layout; done
	$(Q)cmp -s $@.tmp.layout $(OUTPUT)/oomtrace_compat.skel.h.layout || \
		{ echo "oomtrace_compat.bpf.o differs from oomtrace.bpf.o in maps, programs or variables" >&2; \
		  diff $@.tmp.layout $(OUTPUT)/oomtrace_compat.skel.h.layout >&2; exit 1; }
	$(Q)rm -f $@.tmp.layout $(OUTPUT)/oomtrace_compat.skel.h.layout && mv $@.tmp $@
# (arm64's layouts are those of the same source: compared once, above)
$(ARM64_OUT)/oomtrace.skel.h: $(ARM64_OUT)/oomtrace.bpf.o $(ARM64_OUT)/oomtrace_compat.skel.h
	$(call bpf_skeleton,oomtrace_bpf)
$(OUTPUT)/oomtrace_compat.skel.h: $(OUTPUT)/oomtrace_compat.bpf.o
	$(call bpf_skeleton,oomtrace_compat_bpf)
$(ARM64_OUT)/oomtrace_compat.skel.h: $(ARM64_OUT)/oomtrace_compat.bpf.o
	$(call bpf_skeleton,oomtrace_compat_bpf)

# --- userspace ----------------------------------------------------------------
# The code that `trace` and `record` never run (the other commands, kernel-log
# parsing, reports, scores, replay): its .text is renamed oomt_offline_text, so
# that the linker puts it in one range (__start_/__stop_oomt_offline_text)
# that the live tracer leaves out of its memory lock (session.c). Nothing
# else may call into it (but main.c's dispatch): scripts/check-offline.sh,
# after linking.
OFFLINE_SRCS := user/cmd/doctor.c user/cmd/parse.c user/cmd/replay.c user/cmd/report.c \
	user/cmd/scores_cmd.c $(wildcard user/kmsg/*.c user/replay/*.c) \
	user/store/report_domain.c user/store/report_stats.c \
	user/scores/scores.c user/scores/scores_render.c user/scores/scores_watch.c
OFFLINE_OBJS := $(patsubst %.c,$(OUTPUT)/user/%.o,$(notdir $(OFFLINE_SRCS)))
OBJCOPY ?= objcopy

$(OUTPUT)/user/%.o: %.c $(OUTPUT)/oomtrace.skel.h | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_ALL) -MMD -MP -c $< -o $@
	$(if $(filter $@,$(OFFLINE_OBJS)),$(Q)$(OBJCOPY) --rename-section .text=oomt_offline_text $@)

# oomtrace is linked statically, against the Debian packages' static
# libraries (libbpf, libelf, libdw, zlib, ...): on the 2-CPU guest it
# starts 4-6 ms sooner (no dynamic loading and relocation of seven
# libraries: a tenth of its start) and runs in about 1.6 MiB less resident
# memory (the code of libc, libdw, libbpf... that oomtrace does not call
# is not mapped, hence not locked). What it costs: a library's security
# update reaches oomtrace when it is built again; and report --symbolize
# with DEBUGINFOD_URLS needs libdw's dlopen of libdebuginfod, which a
# static binary does only where the glibc it was linked with is the one
# installed (the machine it was built on; without it, symbols come from
# local files only). `make STATIC=0` links it against the shared
# libraries (after `make clean`, or `rm oomtrace`: the objects are the same).
STATIC ?= 1
ifeq ($(STATIC),1)
OOMTRACE_LINK := -static
OOMTRACE_LDLIBS := $(LDLIBS) $(STATIC_LDLIBS)
else
OOMTRACE_LINK :=
OOMTRACE_LDLIBS := $(LDLIBS)
endif

# -z now: every symbol bound at start, none on the event path's first calls
# (a lazy binding searches the hash tables of every loaded library, also
# those left out of the memory lock: user/live/session.c, unlocked_libs)
oomtrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)scripts/check-offline.sh $(OFFLINE_OBJS) -- $(filter-out $(OFFLINE_OBJS) \
		$(OUTPUT)/user/main.o,$(USER_OBJS))
	$(Q)$(CC) $(OOMTRACE_LINK) $(CFLAGS) -Wl,-z,now $^ $(OOMTRACE_LDLIBS) -o $@

# Static build for the qemu VM tests: no shared libraries in the initramfs.
$(OUTPUT)/static/oomtrace: $(USER_SRCS) $(OUTPUT)/oomtrace.skel.h | $(OUTPUT)/static
	$(call msg,STATIC,$@)
	$(Q)$(CC) -static $(CFLAGS) $(WARN) $(CPPFLAGS_ALL) $(USER_SRCS) $(LDLIBS) $(STATIC_LDLIBS) -o $@

# --- arm64 cross build (static, for the arm64 VM tests) ---------------------------
cross-arm64: $(ARM64_OUT)/oomtrace $(ARM64_OUT)/helpers/hog

$(ARM64_SYSROOT)/.done: scripts/arm64-sysroot.sh scripts/apt-arm64.sh
	$(call msg,SYSROOT,$(ARM64_SYSROOT))
	$(Q)scripts/arm64-sysroot.sh $(ARM64_SYSROOT) $(ARM64_OUT)/apt >/dev/null
	$(Q)touch $@

$(ARM64_OUT)/oomtrace: $(USER_SRCS) $(wildcard $(patsubst %,user/%/*.h,$(USER_DIRS))) bpf/oomtrace.h \
		$(ARM64_OUT)/oomtrace.skel.h $(ARM64_OUT)/oomtrace_compat.skel.h $(ARM64_SYSROOT)/.done
	$(call msg,STATIC,$@)
	$(Q)$(ARM64_CROSS)gcc -static $(CFLAGS) $(WARN) -I$(ARM64_OUT) $(USER_INC) \
		-I$(ARM64_SYSROOT)/usr/include $(USER_SRCS) \
		-L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu $(LDLIBS) $(STATIC_LDLIBS) -o $@

$(ARM64_OUT)/helpers/%: tests/helpers/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(ARM64_CROSS)gcc -O2 $(WARN) -static -pthread $< -o $@

$(OUTPUT)/asan/%.o: %.c $(OUTPUT)/oomtrace.skel.h | $(OUTPUT)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(ASAN_FLAGS) $(WARN) $(CPPFLAGS_ALL) -MMD -MP -c $< -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(ASAN_LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(ASAN_FLAGS) $(WARN) $(CPPFLAGS_ALL) -MMD -MP $< $(ASAN_LIB_OBJS) \
		-lcmocka $(LDLIBS) -o $@

$(OUTPUT)/fuzzlib/%.o: %.c $(OUTPUT)/oomtrace.skel.h | $(OUTPUT)/fuzzlib
	$(call msg,CC-FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) $(WARN) $(CPPFLAGS_ALL) -MMD -MP -c $< -o $@

$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS) | $(OUTPUT)/fuzz
	$(call msg,FUZZER,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) $(CPPFLAGS_ALL) $< $(FUZZ_LIB_OBJS) \
		$(LDLIBS) -o $@

$(OUTPUT)/helpers/%: tests/helpers/%.c | $(OUTPUT)/helpers
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 $(WARN) -static -pthread $< -o $@

# --- tests ----------------------------------------------------------------------
# Each runner prints "N passed, N failed"; `make test` runs them all.
# The suite installs what it needs first (a no-op when all is there), so that
# `sudo make test` works on a fresh machine, VM tests included.
test:
	$(Q)scripts/install-deps.sh --vm
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run-all.sh

test-unit: $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(UNIT_BINS)

test-fuzz: $(FUZZ_BINS)
	$(Q)tests/fuzz/run.sh $(FUZZ_BINS)

test-e2e: oomtrace $(HELPER_BINS)
	$(Q)tests/e2e/run.sh

test-vm: $(OUTPUT)/static/oomtrace $(HELPER_BINS) cross-arm64
	$(Q)tests/vm/run.sh

# --- bench ----------------------------------------------------------------------
# `make bench`: measurements, not tests (tests/bench/run.sh). The floor is the
# least a libbpf OOM tracer can be, built like oomtrace (bpftool skeleton,
# shared libbpf); the other bench programs are static like the test helpers.
BENCH_TOOLS := readyrun oomlat oomstorm manytasks
BENCH_BINS := $(patsubst %,$(OUTPUT)/bench/%,$(BENCH_TOOLS)) $(OUTPUT)/bench/floor

$(OUTPUT)/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/bench/floor.bpf.o: tests/bench/floor.bpf.c $(VMLINUX) | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX)) \
		-c $< -o $@.tmp
	$(Q)$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp

$(OUTPUT)/bench/floor.skel.h: $(OUTPUT)/bench/floor.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name floor_bpf > $@

$(OUTPUT)/bench/floor: tests/bench/floor.c $(OUTPUT)/bench/floor.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(WARN) -I$(OUTPUT)/bench -MMD -MP $< $(LDLIBS) -o $@

$(patsubst %,$(OUTPUT)/bench/%,$(BENCH_TOOLS)): $(OUTPUT)/bench/%: tests/bench/%.c \
		tests/bench/bench_util.h | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) -O2 $(WARN) -static $< -o $@

bench: oomtrace $(HELPER_BINS) $(BENCH_BINS)
	$(Q)tests/bench/run.sh

# The binary, its man page, and the systemd unit with the binary's path in it
# (as installed: DESTDIR is only where the tree is staged).
install: oomtrace scripts/dist/oomtrace.8 scripts/dist/oomtrace.service.in
	install -D -m 0755 oomtrace $(DESTDIR)$(SBINDIR)/oomtrace
	install -D -m 0644 scripts/dist/oomtrace.8 $(DESTDIR)$(MANDIR)/man8/oomtrace.8
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(SBINDIR)|g' scripts/dist/oomtrace.service.in >$(DESTDIR)$(UNITDIR)/oomtrace.service.tmp
	install -m 0644 $(DESTDIR)$(UNITDIR)/oomtrace.service.tmp $(DESTDIR)$(UNITDIR)/oomtrace.service
	rm -f $(DESTDIR)$(UNITDIR)/oomtrace.service.tmp

clean:
	$(Q)rm -rf $(OUTPUT) oomtrace

-include $(wildcard $(OUTPUT)/user/*.d $(OUTPUT)/asan/*.d $(OUTPUT)/tests/*.d $(OUTPUT)/fuzzlib/*.d \
	$(OUTPUT)/bench/*.d)
