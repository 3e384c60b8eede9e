# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2034
# Shared by the root tests: skip (exit 77) with a reason when they cannot
# run, find the build tree, and make a scratch directory that goes away.

: "${abs_top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${abs_top_srcdir:=$abs_top_builddir}"
TOOLS=$abs_top_builddir/src/tools

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "PASS: $*"; }

need_bpf() {
	[ "$(id -u)" = 0 ] || skip "needs root to load BPF programs"
	if [ ! -e /sys/kernel/tracing/trace_pipe ] &&
	   [ ! -e /sys/kernel/debug/tracing/trace_pipe ]; then
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
			skip "tracefs is not available"
	fi
	[ -d /sys/kernel/tracing/events/syscalls ] ||
	[ -d /sys/kernel/debug/tracing/events/syscalls ] ||
		skip "kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS)"
	if [ -r /proc/config.gz ] && ! zcat /proc/config.gz | grep -q '^CONFIG_BPF_SYSCALL=y'; then
		skip "kernel has no BPF (CONFIG_BPF_SYSCALL)"
	fi
}

SCRATCH=$(mktemp -d /tmp/bpfrun-test.XXXXXX)
BG_PIDS=
cleanup() {
	for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$SCRATCH"
}
trap cleanup EXIT

# wait_for FILE REGEX SECONDS: until a line of FILE matches
wait_for() {
	local i=0
	while [ "$i" -lt "$(($3 * 10))" ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# A uniquely named script that execs /bin/true: its second execve is made
# by a process whose comm is the script's name (15 characters at most).
make_probe() {
	PROBE_NAME=bpfrun_$$_$1
	PROBE_NAME=${PROBE_NAME:0:15}
	printf '#!/bin/sh\nexec /bin/true\n' > "$SCRATCH/$PROBE_NAME"
	chmod +x "$SCRATCH/$PROBE_NAME"
}

# run_probe: start it, leave its pid in PROBE_PID
run_probe() {
	"$SCRATCH/$PROBE_NAME" &
	PROBE_PID=$!
	wait "$PROBE_PID"
}

# Our programs still loaded in the kernel, by name (up to 15 characters).
loaded_progs() {
	"$abs_top_builddir/tests/bpf_progs" | awk '{print $2}' | grep -Fx -- "$1"
}
