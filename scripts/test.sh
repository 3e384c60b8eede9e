#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# test.sh - set up, build and run the whole test suite: unit tests, root tests
# on this kernel, the QEMU tier on Debian's kernels with kprobes, and a
# `make install` into a scratch directory. Ends with one summary line.
set -uo pipefail
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
cd "$(dirname "$0")/.." || exit 1
scripts/setup.sh --test || exit 1
if [ -x scripts/qemu/kernels.sh ]; then
	# the QEMU tier skips (77) with a reason when this did not work
	scripts/qemu/kernels.sh "$PWD/qemu" || echo "test: QEMU kernels not ready; that tier will skip"
fi

make check
rc=$?
# the host's column of the kernel table: the same checks, on this kernel
mkdir -p qemu/results
tests/qemu/guest-tests.sh -b "$PWD" -s "$PWD" -r qemu/results/host.results >/dev/null 2>&1 ||
	echo "test: some host checks of the kernel table failed: see qemu/results/host.results"
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
   LD_LIBRARY_PATH=$dest/usr/local/lib "$dest/usr/local/bin/printk_sample" --version >/dev/null; then
	echo "PASS: make install"
	install_fail=0
else
	echo "FAIL: make install"
	install_fail=1
fi
rm -rf "$dest"

pass=$(grep -h '^# PASS:' test-suite.log 2>/dev/null | awk '{print $3}')
fail=$(grep -h '^# FAIL:' test-suite.log 2>/dev/null | awk '{print $3}')
skip=$(grep -h '^# SKIP:' test-suite.log 2>/dev/null | awk '{print $3}')
errs=$(grep -h '^# ERROR:' test-suite.log 2>/dev/null | awk '{print $3}')
pass=$(( ${pass:-0} + (1 - install_fail) ))
fail=$(( ${fail:-0} + ${errs:-0} + install_fail ))
echo "tests: $pass passed, $fail failed, ${skip:-0} skipped"
[ "$rc" = 0 ] && [ "$install_fail" = 0 ]
