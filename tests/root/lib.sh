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

# trace_pipe has one reader at a time on the whole machine (a second open
# answers EBUSY), so the tests whose commands read it take this lock for
# their whole run: `make -jN check` runs those one after another and the
# others beside them. It is one lock for the machine, not per build tree:
# two trees' tests share one kernel. Not /tmp/bpfrun-dev.lock, which people
# hold around whole `make check` runs: the tests would wait for themselves.
# /run is root's (these tests run as root): nobody else can hold or replace
# the file.
TRACE_PIPE_LOCK=${BPFRUN_TRACE_PIPE_LOCK:-/run/bpfrun-trace_pipe.lock}
need_trace_pipe() {
	exec 9>>"$TRACE_PIPE_LOCK" || fail "cannot open the lock file $TRACE_PIPE_LOCK"
	flock -w 900 9 ||
		skip "another test held the trace_pipe lock $TRACE_PIPE_LOCK for 15 minutes"
}

SCRATCH=$(mktemp -d /tmp/bpfrun-test.XXXXXX)
BG_PIDS=
# bg_done PID: PID was waited for; its number may be another process's now
bg_done() {
	local p rest=
	for p in $BG_PIDS; do [ "$p" = "$1" ] || rest="$rest $p"; done
	BG_PIDS=$rest
}
cleanup() {
	for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$SCRATCH"
	[ -z "${PRIVATE_DIR:-}" ] || rm -rf "$PRIVATE_DIR"
}
trap cleanup EXIT

# private_copy NAME: a copy of the command NAME that another user can run
# wherever the build tree is: nobody cannot enter a clone in a 0700
# directory (root's home, a `mktemp -d`) to reach the command or its
# library. So the real binary under libtool's wrapper and the build tree's
# shared library go to a directory of their own, 0755, removed on exit.
# Leaves the copy's path in PRIVATE_CMD; run it with
# LD_LIBRARY_PATH=$PRIVATE_DIR.
private_copy() {
	local real
	if [ -z "${PRIVATE_DIR:-}" ]; then
		PRIVATE_DIR=$(mktemp -d /tmp/bpfrun-private.XXXXXX) || fail "mktemp"
		chmod 755 "$PRIVATE_DIR"
		cp -P "$abs_top_builddir"/src/.libs/libbpfrun.so* "$PRIVATE_DIR/" 2>/dev/null
	fi
	real=$("$abs_top_builddir/libtool" --mode=execute echo "$TOOLS/$1") ||
		fail "libtool cannot say which binary $TOOLS/$1 runs"
	install -m 755 "$real" "$PRIVATE_DIR/$1" || fail "cannot copy $real"
	PRIVATE_CMD=$PRIVATE_DIR/$1
}

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
# by a process whose comm is the script's name (15 characters at most: the
# suffix first, so that a 7-digit pid does not cut it off).
make_probe() {
	PROBE_NAME=bpfrun$1_$$
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

# exec_same_comm SUFFIX: an execve() whose caller's comm is known at any
# moment. trace_pipe lines do not carry the comm of their event: the kernel
# shows the comm it last recorded for the pid, at some context switch after
# the event, which for an exec can be the caller's name or the new
# program's ("<...>" when it has none: not recorded yet, or pushed out of
# its small table by other pids). So both names are the same here: a copy
# of /bin/sh named SAME_NAME forks a child, whose comm is that name from
# birth, and the child execs a copy of /bin/true named SAME_NAME too. Leaves
# the child's pid in SAME_PID and the file it ran in SAME_EXE.
exec_same_comm() {
	SAME_NAME=bpfrun$1_$$
	SAME_NAME=${SAME_NAME:0:15}
	SAME_EXE=$SCRATCH/same_true/$SAME_NAME
	if [ ! -x "$SAME_EXE" ]; then
		mkdir -p "$SCRATCH/same_sh" "$SCRATCH/same_true"
		cp /bin/sh "$SCRATCH/same_sh/$SAME_NAME" &&
			cp /bin/true "$SAME_EXE" || fail "cannot copy /bin/sh and /bin/true"
	fi
	# shellcheck disable=SC2016 # expanded by the copy of sh
	SAME_PID=$("$SCRATCH/same_sh/$SAME_NAME" -c '"$1" & echo $!; wait' sh "$SAME_EXE")
}

# Our programs still loaded in the kernel, by name (up to 15 characters).
loaded_progs() {
	"$abs_top_builddir/tests/bpf_progs" | awk '{print $2}' | grep -Fx -- "$1"
}

# Programs of other tests and other people may carry the same names:
# compare ids with a snapshot taken before our command started.
snapshot_progs() {
	PROGS_BEFORE=$("$abs_top_builddir/tests/bpf_progs" | awk '{print $1}')
}

# ours_loaded PROGNAME: loaded since snapshot_progs, by that name
ours_loaded() {
	"$abs_top_builddir/tests/bpf_progs" | while read -r id name; do
		[ "$name" = "$1" ] || continue
		printf '%s\n' $PROGS_BEFORE | grep -qx "$id" || echo "$id"
	done | grep -q .
}

# nothing_left PROGNAME...: none of these BPF programs is still loaded
nothing_left() {
	local p
	for p in "$@"; do
		ours_loaded "$p" && fail "$p still loaded"
	done
	return 0
}

# The ids of the BPF programs the running command $TOOL_PID holds, from
# its fds.
tool_prog_ids() {
	TOOL_PROG_IDS=$(grep -hs '^prog_id:' /proc/"$TOOL_PID"/fdinfo/* |
		awk '{print $2}' | sort -u)
}

# tool_progs_gone: none of the programs the command held is loaded now
tool_progs_gone() {
	local id
	[ -n "$TOOL_PROG_IDS" ] || fail "no BPF program seen while the command ran"
	for id in $TOOL_PROG_IDS; do
		"$abs_top_builddir/tests/bpf_progs" | awk '{print $1}' | grep -qx "$id" &&
			fail "BPF program $id still loaded after the command ended"
	done
	return 0
}
