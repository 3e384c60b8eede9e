#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test.sh - set up, build and run the whole test suite: unit tests, root tests
# on this kernel, the QEMU tier on Debian's kernels with kprobes, a
# `make install` into a scratch directory, the unit and root tests again
# built with sanitizers (scripts/sanitize.sh), and the fuzzers for a short
# while (scripts/fuzz.sh, FUZZ_SECONDS=15 each, when the tree has it). Ends
# with one summary line; install, the embedding host (tests/embed), sanitize
# and fuzz count as one test each.
set -uo pipefail
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
cd "$(dirname "$0")/.." || exit 1
scripts/setup.sh --test || exit 1
# kernels, results: in $BPFRUN_QEMU_DIR when set (kernels fetched once can
# serve several trees), else ./qemu, as qemu.test and kernel-table.sh do
qdir=${BPFRUN_QEMU_DIR:-$PWD/qemu}
if [ -x scripts/qemu/kernels.sh ]; then
	# the QEMU tier skips (77) with a reason when this did not work
	scripts/qemu/kernels.sh "$qdir" || echo "test: QEMU kernels not ready; that tier will skip"
fi

# root tests take their own lock around trace_pipe: -jN is safe
make -j"$(nproc)" check
rc=$?
# the host's column of the kernel table: the same checks, on this kernel
# (they read trace_pipe: under the root tests' lock, see tests/root/lib.sh)
mkdir -p "$qdir/results"
flock -w 900 /run/bpfrun-trace_pipe.lock \
	tests/qemu/guest-tests.sh -b "$PWD" -s "$PWD" -r "$qdir/results/host.results" >/dev/null 2>&1 ||
	echo "test: some host checks of the kernel table failed: see $qdir/results/host.results"
scripts/kernel-table.sh -o docs/kernels.md && cat docs/kernels.md
for log in tests/*.log tests/*/*.log; do
	[ -f "$log" ] || continue
	[ "$(basename "$log")" = test-suite.log ] && continue
	echo "--- $log"
	cat "$log"
done

dest=$(mktemp -d /tmp/bpfrun-install.XXXXXX)
if make install DESTDIR="$dest" >/dev/null &&
   [ -f "$dest/usr/local/share/bpfrun/programs/printk_sample.c" ] &&
   [ -f "$dest/usr/local/include/bpfrun.h" ] &&
   [ -f "$dest/usr/local/share/man/man8/printk_sample.8" ] &&
   [ -x "$dest/usr/local/sbin/opensnoop-bpfrun" ] &&
   [ ! -e "$dest/usr/local/sbin/opensnoop" ] &&
   [ -f "$dest/usr/local/share/man/man8/opensnoop-bpfrun.8" ] &&
   LD_LIBRARY_PATH=$dest/usr/local/lib "$dest/usr/local/sbin/printk_sample" --version >/dev/null; then
	echo "PASS: make install"
	install_fail=0
else
	echo "FAIL: make install"
	install_fail=1
fi

extra_pass=$((1 - install_fail))
extra_fail=$install_fail
extra_skip=0
# extra NAME CMD...: one more test, passed (0), skipped (77) or failed
extra() {
	local name=$1 t0 erc
	shift
	t0=$(date +%s)
	"$@"
	erc=$?
	case $erc in
	0) echo "PASS: $name ($(($(date +%s) - t0)) s)"; extra_pass=$((extra_pass + 1)) ;;
	77) echo "SKIP: $name"; extra_skip=$((extra_skip + 1)) ;;
	*) echo "FAIL: $name (exit $erc)"; extra_fail=$((extra_fail + 1)) ;;
	esac
}
# a host program built against that install through pkg-config alone
extra "tests/embed/run.sh" tests/embed/run.sh "$dest" /usr/local
# the Debian packages, built, installed beside bcc's and bpftrace's, removed
extra "tests/deb/run.sh" tests/deb/run.sh
rm -rf "$dest"
extra "scripts/sanitize.sh" scripts/sanitize.sh
if [ -f scripts/fuzz.sh ]; then
	extra "scripts/fuzz.sh (15 s each)" env FUZZ_SECONDS=15 bash scripts/fuzz.sh
fi

pass=$(grep -h '^# PASS:' test-suite.log 2>/dev/null | awk '{print $3}')
fail=$(grep -h '^# FAIL:' test-suite.log 2>/dev/null | awk '{print $3}')
skip=$(grep -h '^# SKIP:' test-suite.log 2>/dev/null | awk '{print $3}')
errs=$(grep -h '^# ERROR:' test-suite.log 2>/dev/null | awk '{print $3}')
pass=$(( ${pass:-0} + extra_pass ))
fail=$(( ${fail:-0} + ${errs:-0} + extra_fail ))
skip=$(( ${skip:-0} + extra_skip ))
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$rc" = 0 ] && [ "$extra_fail" = 0 ]
