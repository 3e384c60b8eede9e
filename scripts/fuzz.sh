#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# fuzz.sh - build the libFuzzer harnesses of tests/fuzz/ with clang and
# run each for a bounded time: first over its seed corpus and every crash
# input kept in the tree, then on new inputs. Exits non-zero on any
# finding (crash, sanitizer report, leak, an input over 2 s); the input
# is left in tests/fuzz-build/out/ of the build tree.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]
#   SECONDS_PER_HARNESS  default 15 (CI); FUZZ_RUNS=N in the environment
#                        runs N executions each instead
#   HARNESS              default: all (see FUZZ_TARGETS in tests/fuzz/fuzz.mk)
# Needs clang and libclang-rt-14-dev (scripts/setup.sh --test installs them)
# and a configured tree (it runs configure when there is no Makefile).
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-15}
shift || true

if ! command -v clang >/dev/null; then
	echo "fuzz.sh: clang is not installed (scripts/setup.sh --test)" >&2
	exit 1
fi
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure -q
args=(FUZZ_SECONDS="$seconds")
[ -n "${FUZZ_RUNS:-}" ] && args+=(FUZZ_RUNS="$FUZZ_RUNS")
[ $# -gt 0 ] && args+=(FUZZ_TARGETS="$*")
exec make --no-print-directory fuzz "${args[@]}"
