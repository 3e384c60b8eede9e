# SPDX-License-Identifier: Apache-2.0
# Shared by the samples_*.test root tests, on top of lib.sh: start a
# command in the background and wait until it is ready, stop it with SIGINT,
# expect a failure. trace_pipe has one reader at a time on the whole
# machine: a command that finds it busy is started again, for a while.
. "$(dirname "$0")/lib.sh"

# start_tool NAME READY_REGEX ARGS...: run $TOOLS/NAME ARGS in the
# background, output in $SCRATCH/NAME.out and .err, until a line of its
# stdout matches READY_REGEX. Leaves its pid in TOOL_PID. Fails the test if
# it exits first, or returns 1 when START_MAY_FAIL is set.
start_tool() {
	local name=$1 ready=$2 try
	shift 2
	OUT=$SCRATCH/$name.out
	ERR=$SCRATCH/$name.err
	snapshot_progs
	for try in $(seq 1 40); do
		# a header left by the last run must not pass for this one's
		rm -f "$OUT" "$ERR"
		"$TOOLS/$name" "$@" >"$OUT" 2>"$ERR" </dev/null &
		TOOL_PID=$!
		BG_PIDS="$BG_PIDS $TOOL_PID"
		while kill -0 "$TOOL_PID" 2>/dev/null; do
			if grep -Eq -- "$ready" "$OUT" 2>/dev/null; then
				tool_prog_ids
				return 0
			fi
			sleep 0.1
		done
		wait "$TOOL_PID"
		grep -Eq -- "$ready" "$OUT" && return 0
		if ! grep -q 'trace_pipe is busy' "$ERR"; then
			[ -n "${START_MAY_FAIL:-}" ] && return 1
			fail "$name $* exited before it was ready: $(cat "$ERR")"
		fi
		sleep 3
	done
	skip "trace_pipe stayed busy (another reader) for 2 minutes: $(cat "$ERR")"
}

# The ids of the BPF programs the running command holds, from its fds.
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

# stop_tool: SIGINT, exit 0 expected
stop_tool() {
	kill -INT "$TOOL_PID"
	wait "$TOOL_PID"
	local rc=$?
	[ "$rc" = 0 ] || fail "exit $rc after SIGINT: $(cat "$ERR")"
}

# expect_fail NAME REGEX CMD...: exit 1 and stderr matching REGEX; a busy
# trace_pipe is waited for as in start_tool.
expect_fail() {
	local name=$1 re=$2 try rc
	shift 2
	snapshot_progs
	for try in $(seq 1 40); do
		"$@" >"$SCRATCH/fail.out" 2>"$SCRATCH/fail.err" </dev/null
		rc=$?
		grep -q 'trace_pipe is busy' "$SCRATCH/fail.err" || break
		sleep 3
	done
	[ "$rc" = 1 ] || fail "$name: exit $rc, not 1; stderr: $(cat "$SCRATCH/fail.err")"
	grep -Eq -- "$re" "$SCRATCH/fail.err" ||
		fail "$name: stderr lacks /$re/: $(cat "$SCRATCH/fail.err")"
	pass "$name"
}

# check_common NAME: --help with EXAMPLES, --version, a bad option
check_common() {
	"$TOOLS/$1" --help | grep -q '^EXAMPLES:' || fail "$1 --help has no EXAMPLES"
	"$TOOLS/$1" --version | grep -Eq "^$1 \(bpfrun\) [0-9]" || fail "$1 --version"
	"$TOOLS/$1" --bogus >/dev/null 2>&1
	[ $? = 2 ] || fail "$1 --bogus: exit not 2"
	pass "$1: --help, --version, bad option"
}

# Other engineers' programs may carry the same names: compare ids with a
# snapshot taken before our command started.
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

kprobes_available() {
	[ -e /sys/bus/event_source/devices/kprobe ]
}
