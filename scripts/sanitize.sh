#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# sanitize.sh - the unit and root tests (not the QEMU tier) of a build with
# AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer, where any
# finding in our code fails.
#
# Usage: scripts/sanitize.sh [-k] [-j N] [DIR]
#   -k    keep DIR (default: removed at the end, kept when something failed)
#   -j N  make -jN for the build and the tests (default 2)
#   DIR   work directory (default: a new /tmp/bpfrun-sanitize.XXXXXX)
#
# The sources (the files git knows of, committed or not) are copied to
# DIR/src and configured from DIR/build, out of tree: the tree this runs
# from may be configured in place, which a VPATH build of it refuses.
# CFLAGS and LDFLAGS are -fsanitize=address,undefined -fno-omit-frame-pointer
# -g -O1. Every report is fatal (halt_on_error) and also written to
# DIR/reports, which must stay empty: a report from a process whose exit
# status a test ignores still fails the run. Leaks are checked where
# LeakSanitizer works (not under ptrace). The only suppressions are for
# libbcc, LLVM and clang, which are not ours and not built with sanitizers,
# all in tests/sanitize.supp.
#
# Exit status 0 when the build and every test passed with no report.
# Needs root for the root tests (they skip otherwise, as in `make check`).
set -uo pipefail

keep=
jobs=2
while getopts ':kj:h' opt; do
	case $opt in
	k) keep=1 ;;
	j) jobs=$OPTARG ;;
	h)
		sed -n '4,/^$/{s/^# \{0,1\}//;p}' "$0" | sed '$d'
		exit 0
		;;
	*)
		echo "sanitize.sh: bad option (see -h)" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then
	work=$1
	mkdir -p "$work" || exit 2
	[ -z "$(ls -A "$work")" ] || { echo "sanitize.sh: $work is not empty" >&2; exit 2; }
	work=$(cd "$work" && pwd)
else
	work=$(mktemp -d /tmp/bpfrun-sanitize.XXXXXX) || exit 2
fi
# 0711 and a sticky 1733 reports/: the unprivileged runs of errors.test
# (as nobody) must be able to write their reports too.
chmod 711 "$work"
mkdir -m 1733 "$work/reports" && chmod 1733 "$work/reports"
say() { echo "sanitize: $*"; }

say "sources to $work/src"
mkdir "$work/src" "$work/build"
if ! (cd "$top" && git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	cpio --null -pdm --quiet "$work/src"); then
	say "cannot copy the sources (a git checkout is needed)"
	exit 2
fi

san='-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1'
# clang: one runtime for all three sanitizers, so log_path holds for every
# report; GCC's separate libubsan writes its reports to stderr whatever
# UBSAN_OPTIONS says, where a test that hides stderr would lose them.
cc=${CC:-$(command -v clang || echo gcc)}
say "build in $work/build: CC=$cc CFLAGS=$san"
if ! (cd "$work/src" && autoreconf -fi) >"$work/build.log" 2>&1 ||
   ! (cd "$work/build" && ../src/configure CC="$cc" CFLAGS="$san" LDFLAGS="$san") >>"$work/build.log" 2>&1 ||
   ! make -C "$work/build" -j"$jobs" >>"$work/build.log" 2>&1; then
	tail -n 40 "$work/build.log"
	say "FAIL: build (log: $work/build.log)"
	exit 1
fi

# halt_on_error: the first report ends the process; exitcode 99 is a hard
# ERROR for automake's test driver, never mistaken for an expected exit 1.
supp=$work/src/tests/sanitize.supp
[ -f "$supp" ] || { say "FAIL: no $supp"; exit 1; }
export ASAN_OPTIONS="halt_on_error=1:exitcode=99:abort_on_error=0:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1:log_path=$work/reports/asan:log_exe_name=1"
export UBSAN_OPTIONS="halt_on_error=1:exitcode=99:print_stacktrace=1:log_path=$work/reports/ubsan:log_exe_name=1"
export LSAN_OPTIONS="suppressions=$supp:print_suppressions=0:exitcode=99"
# LeakSanitizer stops the world with ptrace: it cannot under a debugger or
# strace, nor where ptrace is forbidden. Then leaks go unchecked, and we say so.
if grep -q '^TracerPid:[[:space:]]*[1-9]' /proc/self/status; then
	ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0}
	say "note: running under ptrace: leaks are not checked"
fi

say "make check (unit and root tests, BPFRUN_QEMU=no)"
make -C "$work/build" -j"$jobs" check BPFRUN_QEMU=no >"$work/check.log" 2>&1
rc=$?
grep -E '^(PASS|FAIL|SKIP|ERROR|XFAIL|XPASS):' "$work/check.log"
grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$work/check.log"

reports=$(find "$work/reports" -type f | sort)
if [ -n "$reports" ]; then
	for r in $reports; do
		echo "--- $r"
		cat "$r"
	done
	say "FAIL: $(echo "$reports" | wc -l) sanitizer report(s)"
	rc=1
fi
if [ "$rc" != 0 ]; then
	for trs in "$work"/build/tests/*.trs "$work"/build/tests/*/*.trs; do
		[ -f "$trs" ] || continue
		grep -Eq '^:test-result: (FAIL|ERROR)' "$trs" || continue
		echo "--- ${trs%.trs}.log"
		cat "${trs%.trs}.log"
	done
	say "FAIL (kept: $work)"
	exit 1
fi
say "PASS: no sanitizer report, every test passed"
[ -n "$keep" ] || rm -rf "$work"
exit 0
