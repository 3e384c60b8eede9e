#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# guest-tests.sh - check bpfrun's commands in the running kernel.
#
# Usage: tests/qemu/guest-tests.sh [-b BUILDDIR] [-s SRCDIR] [-r RESULTS]
#                                  [-t SECONDS] [CHECK...]
#
#   -b BUILDDIR  build tree (default $abs_top_builddir, else two levels up
#                from this script)
#   -s SRCDIR    source tree (default $abs_top_srcdir, else the same)
#   -r RESULTS   results file to write (default $BPFRUN_QEMU_OUT/results in
#                a QEMU guest, else ./guest-tests.results)
#   -t SECONDS   timeout(1) guard for each command started (default 180)
#   -v           also show what the commands printed when a check passes
#   CHECK        run only these groups: kernel bcc-python printk_sample
#                tcpv4connect_simple tcpv4connect_args execve_kprobe_simple
#                execve_simple fchmodsnoop bcc_compat (default: all)
#
# Meant to run inside a Debian kernel booted by scripts/qemu/run.sh (which
# tests/qemu/qemu.test does), as root, from the host's read-only root: the
# commands are the build tree's src/tools/NAME.  It also runs on a kernel
# without kprobes: checks that need kprobes then SKIP instead of FAIL.
#
# Every check prints one line: "PASS: name", "FAIL: name: why" (followed by
# what the command printed, indented with "  | ") or "SKIP: name: why".
# A check named GROUP.what belongs to GROUP (a command name, or "kernel" and
# "bcc-python" for the environment checks).
#
# The results file has one line per group, tab-separated:
#   GROUP  KERNEL-RELEASE  pass|fail|skip  [NOTE]
# (see record() for how checks add up to a group's status), after
# "# key: value" comment lines: format, kernel, kprobes (yes/no), where
# (qemu/host), date.  scripts/kernel-table.sh turns these files into
# docs/kernels.md.
#
# Exit status: 1 if any check failed, else 0.
#
# Environment: BPFRUN_TEST_POLL, seconds a trace check keeps trying
# (default 150); abs_top_builddir, abs_top_srcdir as above.
#
# Why the checks look the way they do:
#   - Every command is started under timeout(1), so a broken one cannot hang
#     the guest; streaming commands are stopped with SIGINT, which timeout
#     forwards.
#   - Compiling a BPF program under TCG takes several seconds, so instead of
#     sleeping a fixed time the checks poll: they repeat the traced action
#     (an exec, a connect) once a second until the expected line shows up
#     or the time runs out.
#   - At execve entry the task still has its old comm: the exec of the probe
#     binary itself is reported with the test shell's comm.  So the probe is
#     a copy of /bin/sh under a unique name that execs /bin/true: that second
#     exec, from the same pid, carries the probe's name as comm.

set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
builddir=${abs_top_builddir:-}
srcdir=${abs_top_srcdir:-}
results=
tool_timeout=180
# How long a trace check keeps repeating its action (exec, connect, chmod)
# waiting for the line it wants; BPFRUN_TEST_POLL shortens it for debugging.
poll_s=${BPFRUN_TEST_POLL:-150}
verbose=
while getopts ':b:s:r:t:vh' opt; do
	case $opt in
	b) builddir=$OPTARG ;;
	s) srcdir=$OPTARG ;;
	r) results=$OPTARG ;;
	t) tool_timeout=$OPTARG ;;
	v) verbose=1 ;;
	h)
		sed -n '4,/^$/{s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*)
		echo "guest-tests.sh: bad option (see -h)" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
builddir=${builddir:-$(cd "$here/../.." && pwd)}
srcdir=${srcdir:-$builddir}
if [ -z "$results" ]; then
	if [ -n "${BPFRUN_QEMU_OUT:-}" ]; then
		results=$BPFRUN_QEMU_OUT/results
	else
		results=$PWD/guest-tests.results
	fi
fi
export BPFRUN_CACHE_DIR=${BPFRUN_CACHE_DIR:-/tmp/bpfrun-cache}

release=$(uname -r)
in_qemu=${BPFRUN_QEMU_KERNEL:+yes}
kprobes=no
[ -d /sys/bus/event_source/devices/kprobe ] && kprobes=yes

work=$(mktemp -d /tmp/bpfrun-guest-tests.XXXXXX)
bg_pids=()
listener_pid=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local p
	for p in ${bg_pids[@]+"${bg_pids[@]}"} $listener_pid; do
		# disown first: no "Killed" job notice from bash on the way out.
		disown "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

# ---- bookkeeping ------------------------------------------------------

declare -A group_status=() fail_note=() skip_note=()
groups=()
n_pass=0 n_fail=0 n_skip=0
check_start=$(date +%s)

# A group is "fail" if any of its checks failed, else "pass" if one of its
# primary checks passed (NAME.trace, NAME.error: what the command is for;
# every check of the environment groups), else "skip".  So a command whose
# --help works but whose tracing was skipped is not reported as passing.
record() { # CHECK STATUS NOTE
	local c=$1 s=$2 g=${1%%.*} old
	old=${group_status[$g]:-}
	[ -n "$old" ] || groups+=("$g")
	local primary=
	case $c in
	*.trace | *.error | kernel.* | bcc-python.* | "$g") primary=1 ;;
	esac
	if [ "$old" = fail ] || [ "$s" = fail ]; then
		group_status[$g]=fail
	elif [ "$old" = pass ] || { [ "$s" = pass ] && [ -n "$primary" ]; }; then
		group_status[$g]=pass
	else
		group_status[$g]=skip
	fi
	# The note kept is the first reason of the group's final status.
	if [ "$s" = fail ] && [ -z "${fail_note[$g]:-}" ]; then fail_note[$g]=$3; fi
	if [ "$s" = skip ] && [ -z "${skip_note[$g]:-}" ]; then skip_note[$g]=$3; fi
}
elapsed() { echo "$(($(date +%s) - check_start)) s"; }
begin() { check_start=$(date +%s); }
pass() {
	echo "PASS: $1 ($(elapsed))"
	n_pass=$((n_pass + 1))
	record "$1" pass
}
fail() {
	echo "FAIL: $1: $2 ($(elapsed))"
	n_fail=$((n_fail + 1))
	record "$1" fail "$2"
}
skip() {
	echo "SKIP: $1: $2"
	n_skip=$((n_skip + 1))
	record "$1" skip "$2"
}
# show FILE LABEL: what a command printed, after a FAIL line.
show() {
	[ -s "$1" ] || {
		echo "  | ($2: nothing)"
		return
	}
	echo "  | $2 (last 25 lines):"
	tail -n 25 "$1" | sed 's/^/  | /'
}

# diag NAME: after a failed trace check: stderr, and the probes registered.
diag() {
	show "$work/$1.err" stderr
	if [ -r /sys/kernel/tracing/kprobe_events ]; then
		show /sys/kernel/tracing/kprobe_events kprobe_events
	fi
}

# vshow FILE LABEL: show only with -v (output of a passing check).
vshow() { if [ -n "$verbose" ]; then show "$@"; fi; }

# vshow_pid FILE PID: with -v, the header and the lines of PID.
vshow_pid() {
	[ -n "$verbose" ] || return 0
	echo "  | stdout, header and lines of pid $2:"
	awk -v p="$2" 'NR == 1 || $1 == p' "$1" | head -n 25 | sed 's/^/  | /'
}

wanted() { # GROUP
	[ ${#only[@]} -eq 0 ] && return 0
	local w
	for w in "${only[@]}"; do [ "$w" = "$1" ] && return 0; done
	return 1
}
only=("$@")

tool_path() { echo "$builddir/src/tools/$1"; }
# have_tool NAME: SKIPs the group's checks when the command is not built.
have_tool() {
	if [ -x "$(tool_path "$1")" ]; then return 0; fi
	skip "$1" "not built (src/tools/$1 missing)"
	return 1
}

# ---- process helpers ------------------------------------------------

# start_tool NAME ARG...: run the command in the background under timeout;
# sets tool_pid, stdout in $work/NAME.out, stderr in $work/NAME.err.
start_tool() {
	local name=$1
	shift
	timeout -k 5 "$tool_timeout" "$(tool_path "$name")" "$@" \
		</dev/null >"$work/$name.out" 2>"$work/$name.err" &
	tool_pid=$!
	bg_pids+=("$tool_pid")
}

# stop_tool PID: SIGINT, wait up to 20 s (then KILL); sets stop_rc.
stop_tool() {
	local pid=$1 i
	begin
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < 40; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		echo "  | (did not exit within 20 s of SIGINT: killed)"
	fi
	stop_rc=0
	wait "$pid" 2>/dev/null || stop_rc=$?
}

alive() { kill -0 "$1" 2>/dev/null; }

# wait_for FILE ERE SECONDS PID: until a line matches, PID dies or time is up.
wait_for() {
	local f=$1 re=$2 deadline=$(($(date +%s) + $3)) pid=$4
	while [ "$(date +%s)" -lt "$deadline" ]; do
		grep -qE -- "$re" "$f" 2>/dev/null && return 0
		alive "$pid" || break
		sleep 0.5
	done
	grep -qE -- "$re" "$f" 2>/dev/null
}

# A uniquely named copy of /bin/sh; run as `$probe -c 'exec /bin/true'`.
# (comm is the first 15 bytes of the name.)
new_probe() {
	probe=/tmp/bpfrun_probe_$$_$RANDOM
	cp /bin/sh "$probe"
	chmod 755 "$probe"
	probe_comm=${probe##*/}
	probe_comm=${probe_comm:0:15}
}
run_probe() { # sets probe_pid
	"$probe" -c 'exec /bin/true' &
	probe_pid=$!
	wait "$probe_pid"
}

# A loopback listener on a kernel-chosen port; sets listen_port.
start_listener() {
	[ -n "$listener_pid" ] && alive "$listener_pid" && return 0
	local fifo=$work/listener.port
	timeout -k 5 600 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(128)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.close()
' >"$fifo" 2>"$work/listener.err" &
	listener_pid=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$fifo" ] && break
		sleep 0.1
	done
	listen_port=$(head -n 1 "$fifo")
	[ -n "$listen_port" ]
}

# connect_once: a loopback connection from a subshell; sets connect_pid.
connect_once() {
	(exec 3<>"/dev/tcp/127.0.0.1/$listen_port") 2>/dev/null &
	connect_pid=$!
	wait "$connect_pid"
}

# A line whose first field is PID (the "PID COMM ..." lines of trace_pipe
# based commands) and that matches ERE (grep -E).
has_pid_line() { # FILE PID ERE
	awk -v p="$2" '$1 == p' "$1" 2>/dev/null | grep -qE -- "$3"
}

# ---- environment checks -------------------------------------------------

check_kernel() {
	begin
	if [ "$kprobes" = yes ]; then
		pass kernel.kprobe-pmu
	elif [ -n "$in_qemu" ]; then
		fail kernel.kprobe-pmu "/sys/bus/event_source/devices/kprobe missing in a QEMU guest"
	else
		skip kernel.kprobe-pmu "this kernel has no kprobes"
	fi
	begin
	if [ -e /sys/kernel/tracing/trace_pipe ] || [ -e /sys/kernel/debug/tracing/trace_pipe ]; then
		pass kernel.tracefs
	else
		fail kernel.tracefs "no trace_pipe under /sys/kernel/tracing or /sys/kernel/debug/tracing"
	fi
	begin
	if [ -e "/lib/modules/$release/build" ]; then
		pass kernel.headers
	elif [ -z "$in_qemu" ]; then
		skip kernel.headers "/lib/modules/$release/build missing (no matching headers on this host)"
	else
		fail kernel.headers "/lib/modules/$release/build missing: install linux-headers-$release"
	fi
}

check_bcc_python() {
	local name=bcc-python.kprobe rc=0
	begin
	if [ "$kprobes" = no ]; then
		skip $name "this kernel has no kprobes"
		return
	fi
	timeout -k 5 "$tool_timeout" python3 "$here/bcc-kprobe-check.py" \
		>"$work/bcc.out" 2>"$work/bcc.err" || rc=$?
	case $rc in
	0) pass $name ;;
	77) skip $name "$(head -n 1 "$work/bcc.out")" ;;
	124) fail $name "timed out after $tool_timeout s (a probe never fired)" ;;
	*) fail $name "exit status $rc" ;;
	esac
	sed 's/^/  | /' "$work/bcc.out"
	[ "$rc" = 0 ] || [ "$rc" = 77 ] || show "$work/bcc.err" stderr
}

check_help() { # NAME
	local name=$1 rc=0
	begin
	timeout -k 5 60 "$(tool_path "$name")" --help >"$work/help.out" 2>"$work/help.err" || rc=$?
	if [ "$rc" != 0 ]; then
		fail "$name.help" "--help exited $rc"
		show "$work/help.err" stderr
	elif [ ! -s "$work/help.out" ]; then
		fail "$name.help" "--help printed nothing on stdout"
	else
		pass "$name.help"
	fi
}

# check_sigint NAME: after stop_tool, the command must have exited 0.
check_sigint() {
	if [ "$stop_rc" = 0 ]; then
		pass "$1.sigint"
	else
		fail "$1.sigint" "exit status $stop_rc after SIGINT, expected 0"
		show "$work/$1.err" stderr
	fi
}

# ---- the commands ---------------------------------------------------------

# printk_sample: header "PID    COMM         OUTPUT", then per exec
# "%-6d %-12.12s start of execve time = N , pid = P, comm = C".
check_printk_sample() {
	local n=printk_sample deadline found='' p pids=()
	have_tool $n || return
	check_help $n
	begin
	start_tool $n
	if ! wait_for "$work/$n.out" '^PID +COMM +OUTPUT' "$poll_s" "$tool_pid"; then
		if alive "$tool_pid"; then
			fail $n.trace "no header line within $poll_s s"
		else
			fail $n.trace "exited before printing its header"
		fi
		stop_tool "$tool_pid"
		show "$work/$n.out" stdout
		show "$work/$n.err" stderr
		return
	fi
	new_probe
	deadline=$(($(date +%s) + 60))
	while [ -z "$found" ] && [ "$(date +%s)" -lt "$deadline" ] && alive "$tool_pid"; do
		run_probe
		pids+=("$probe_pid")
		sleep 1
		# Column COMM is the first 12 bytes, the message has all 15.
		for p in "${pids[@]}"; do
			if awk -v p="$p" '$1 == p' "$work/$n.out" | grep -F -- "comm = $probe_comm" |
				grep -qE "start of execve time = [0-9]+ , pid = $p, comm = "; then
				found=$p
				break
			fi
		done
	done
	if [ -n "$found" ]; then
		pass $n.trace
		vshow_pid "$work/$n.out" "$found"
	else
		fail $n.trace "no line for the probe's pid (${pids[*]}) with comm $probe_comm within 60 s of the header"
		show "$work/$n.out" stdout
		diag "$n"
	fi
	stop_tool "$tool_pid"
	check_sigint $n
	begin
	if [ "$kprobes" = no ]; then
		skip $n.kprobe "this kernel has no kprobes (the tracepoint fallback is expected)"
	elif grep -qi tracepoint "$work/$n.err"; then
		fail $n.kprobe "fell back to the tracepoint although this kernel has kprobes"
		show "$work/$n.err" stderr
	else
		pass $n.kprobe
		vshow "$work/$n.err" stderr
	fi
	rm -f "$probe"
}

# Shared by the two tcpv4connect commands: connect to the listener once a
# second until a line for a connecting pid matches ERE (with @PORT@ replaced
# by the port) or time runs out.  Sets matched_pid.
tcp_poll() { # NAME ERE
	local n=$1 re=$2 deadline p pids=()
	re=${re//@PORT@/$listen_port}
	matched_pid=
	deadline=$(($(date +%s) + poll_s))
	while [ "$(date +%s)" -lt "$deadline" ] && alive "$tool_pid"; do
		connect_once
		pids+=("$connect_pid")
		sleep 1
		for p in "${pids[@]}"; do
			if has_pid_line "$work/$n.out" "$p" "$re"; then
				matched_pid=$p
				return 0
			fi
		done
	done
	return 1
}

tcp_common() { # NAME -> 0 when ready to poll
	local n=$1
	have_tool "$n" || return 1
	check_help "$n"
	begin
	if [ "$kprobes" = no ]; then
		skip "$n.trace" "this kernel has no kprobes"
		return 1
	fi
	if ! start_listener; then
		fail "$n.trace" "could not start the loopback listener"
		show "$work/listener.err" stderr
		return 1
	fi
	start_tool "$n"
}

# tcpv4connect_simple: "PID COMM start of tcp4connect" from the kprobe,
# "PID COMM return value of tcp4connect N" from the kretprobe.
check_tcpv4connect_simple() {
	local n=tcpv4connect_simple
	tcp_common $n || return
	if tcp_poll $n 'return value of tcp4connect 0([^0-9]|$)' &&
		has_pid_line "$work/$n.out" "$matched_pid" 'start of tcp4connect'; then
		pass $n.trace
		vshow "$work/$n.out" stdout
	else
		fail $n.trace "no 'start of tcp4connect' and 'return value of tcp4connect 0' lines for a connecting pid (${matched_pid:-none matched}) within $poll_s s"
		show "$work/$n.out" stdout
		diag "$n"
	fi
	stop_tool "$tool_pid"
	check_sigint $n
}

# tcpv4connect_args: "PID COMM connect to ADDRESS port PORT addr_len N".
check_tcpv4connect_args() {
	local n=tcpv4connect_args
	tcp_common $n || return
	if tcp_poll $n 'connect to 127\.0\.0\.1 port @PORT@ addr_len 16$'; then
		pass $n.trace
		vshow "$work/$n.out" stdout
	else
		fail $n.trace "no line with a connecting pid, 127.0.0.1 and port $listen_port within $poll_s s"
		show "$work/$n.out" stdout
		diag "$n"
	fi
	stop_tool "$tool_pid"
	check_sigint $n
}

# execve_kprobe_simple: attaching a kprobe to "execve" (not a kernel symbol)
# must fail with a hint naming the real symbol and the tracepoint.
check_execve_kprobe_simple() {
	local n=execve_kprobe_simple rc=0 s missing=()
	have_tool $n || return
	check_help $n
	begin
	timeout -k 5 "$tool_timeout" "$(tool_path $n)" </dev/null \
		>"$work/$n.out" 2>"$work/$n.err" || rc=$?
	for s in 'cannot attach kprobe, probe entry may not exist' execve \
		__x64_sys_execve syscalls:sys_enter_execve; do
		grep -qF -- "$s" "$work/$n.err" || missing+=("'$s'")
	done
	if [ "$rc" = 0 ]; then
		fail $n.error "exited 0, expected a failure"
	elif [ "$rc" = 124 ]; then
		fail $n.error "still running after $tool_timeout s"
	elif [ ${#missing[@]} -gt 0 ]; then
		fail $n.error "exit $rc but stderr lacks ${missing[*]}"
	else
		pass $n.error
		vshow "$work/$n.err" stderr
		return
	fi
	show "$work/$n.out" stdout
	show "$work/$n.err" stderr
}

# execve_simple: a syscalls:sys_enter_execve program printing
# "PID COMM execve filename = FILE" for each exec.
check_execve_simple() {
	local n=execve_simple deadline p pids=() found=''
	have_tool $n || return
	check_help $n
	begin
	start_tool $n
	new_probe
	deadline=$(($(date +%s) + poll_s))
	while [ -z "$found" ] && [ "$(date +%s)" -lt "$deadline" ] && alive "$tool_pid"; do
		run_probe
		pids+=("$probe_pid")
		sleep 1
		for p in "${pids[@]}"; do
			if has_pid_line "$work/$n.out" "$p" "execve filename = $probe\$"; then
				found=$p
				break
			fi
		done
	done
	if [ -n "$found" ]; then
		pass $n.trace
		vshow_pid "$work/$n.out" "$found"
	else
		fail $n.trace "no line with a probe's pid and filename $probe within $poll_s s"
		show "$work/$n.out" stdout
		diag "$n"
	fi
	stop_tool "$tool_pid"
	check_sigint $n
	rm -f "$probe"
}

# fchmodsnoop: ring buffer events for fchmodat: host pid and ppid, comm,
# mode in octal, pid, ppid and pid namespace inode as seen in the process's
# own pid namespace, and the file name.  Columns are found by the names in
# the header line (HPID HPPID COMM MODE PID PPID PIDNS FILE), so the check
# does not depend on their order or width.  Expected values come from /proc:
# a shell in a new pid namespace (unshare --pid --fork) reads its host
# pid/ppid from /proc/self/stat (this /proc belongs to the initial namespace),
# its namespace from /proc/self/ns/pid, its own view from $$ and $PPID (1 and
# 0), then execs chmod, which keeps all of these.
# fchmod_trace LABEL ARG...: run fchmodsnoop with ARGS and check one line.
fchmod_trace() {
	local n=fchmodsnoop label=$1 deadline f info hp='' hpp='' nsid='' nspid='' nsppid='' found='' want
	shift
	begin
	start_tool $n "$@"
	f=$work/bpfrun_fchmod_file
	info=$work/fchmod.info
	deadline=$(($(date +%s) + poll_s))
	while [ -z "$found" ] && [ "$(date +%s)" -lt "$deadline" ] && alive "$tool_pid"; do
		: >"$f"
		chmod 600 "$f"
		# shellcheck disable=SC2016 # expanded by the inner sh
		unshare --pid --fork sh -c '
			read -r hp _ _ hpp _ </proc/self/stat
			echo "$hp $hpp $(readlink /proc/self/ns/pid) $$ $PPID" >"$1"
			exec chmod 640 "$2"' sh "$info" "$f"
		read -r hp hpp nsid nspid nsppid <"$info"
		nsid=${nsid//[!0-9]/}
		want="HPID=$hp HPPID=$hpp COMM=chmod MODE=0640 PID=$nspid PPID=$nsppid PIDNS=$nsid FILE=$f"
		sleep 1
		if awk -v want="$want" '
			BEGIN { nw = split(want, w, " ") }
			!hdr && $1 == "HPID" { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1; next }
			hdr {
				for (i = 1; i <= nw; i++) {
					split(w[i], kv, "=")
					if (!(kv[1] in col) || $(col[kv[1]]) != kv[2]) next
				}
				ok = 1
			}
			END { exit !ok }' "$work/$n.out"; then
			found=1
		fi
	done
	if [ -n "$found" ]; then
		pass $n.$label
		vshow "$work/$n.out" stdout
	else
		fail $n.$label "no line with $want within $poll_s s"
		show "$work/$n.out" stdout
		diag "$n"
	fi
	stop_tool "$tool_pid"
	check_sigint $n
}

check_fchmodsnoop() {
	local n=fchmodsnoop
	if [ ! -x "$(tool_path $n)" ]; then
		skip $n "not built (src/tools/$n missing)"
		return
	fi
	check_help $n
	command -v unshare >/dev/null || {
		skip $n.trace "unshare (util-linux) not installed"
		return
	}
	# the headers auto picks (matching ones in the guests), then the
	# kernel's BTF: both must give /proc's values, so the same values
	fchmod_trace trace
	if [ -r /sys/kernel/btf/vmlinux ]; then
		fchmod_trace btf --headers=btf
	else
		skip $n.btf "this kernel has no BTF"
	fi
}

# bcc_compat: bcc's attach forms through bpfrun FILE.c, with the programs of
# tests/bcc_compat: a kprobe pattern (event_re=) attaching every vfs_read*
# function and a kretprobe pattern, counted while we read files; a regex
# matching whole names; a pattern matching nothing; a real kretprobe on
# openat giving the values we caused (the same check the host passes
# through the sys_exit fallback); syscall__openat's arguments through a
# real kprobe; KFUNC_PROBE/KRETFUNC_PROBE's results through fentry/fexit;
# a program only the kernel's BTF compiles, where the headers fail it.
check_bcc_compat() {
	local n=bcc_compat progs=$srcdir/tests/bcc_compat rc=0 nprobes target
	target=$builddir/tests/bcc_target
	have_tool bpfrun || return
	# a program the kernel's headers cannot compile (struct mount is in no
	# header): compiled again against the kernel's BTF, and said
	if [ -e "/lib/modules/$release/build" ] && [ -e /sys/kernel/btf/vmlinux ]; then
		begin
		rc=0
		timeout -k 5 "$tool_timeout" "$(tool_path bpfrun)" -c sync \
			"$progs/btf_fallback.c" </dev/null >"$work/btf.out" 2>"$work/btf.err" || rc=$?
		mnt=$(awk '$5 == "/" { print $1; exit }' /proc/self/mountinfo)
		if [ "$rc" = 0 ] &&
			grep -qF "does not compile against the kernel's headers ($release): compiled against the types of the kernel's BTF instead" "$work/btf.err" &&
			grep -qx "$mnt	1" "$work/btf.out" &&
			# run again: the cache's entry of the BTF compile, no compile
			timeout -k 5 "$tool_timeout" "$(tool_path bpfrun)" -c sync \
				"$progs/btf_fallback.c" </dev/null >"$work/btf.out" 2>"$work/btf.err" &&
			! grep -q "does not compile" "$work/btf.err" &&
			grep -qx "$mnt	1" "$work/btf.out"; then
			pass $n.btf_fallback
		else
			fail $n.btf_fallback "struct mount: exit $rc, no fallback said, not root's mount id $mnt once, or compiled again when cached"
			show "$work/btf.out" stdout
			show "$work/btf.err" stderr
		fi
	else
		skip $n.btf_fallback "no kernel headers of $release, or no BTF, here"
	fi
	if [ "$kprobes" != yes ]; then
		skip $n.trace "this kernel has no kprobes"
		return
	fi
	begin
	start_tool bpfrun -k 'do_count:vfs_read*' -r 'do_return:vfs_rea[d]' \
		"$progs/vfscount.c"
	if ! wait_for "$work/bpfrun.err" 'probes? attached' "$poll_s" "$tool_pid"; then
		fail $n.trace "vfs_read* never attached"
		diag bpfrun
		stop_tool "$tool_pid"
		return
	fi
	for _ in 1 2 3 4 5; do cat /etc/passwd /proc/version >/dev/null; done
	stop_tool "$tool_pid"
	nprobes=$(sed -n 's/^bpfrun: \([0-9]*\) probes attached.*/\1/p' "$work/bpfrun.err")
	if [ "${nprobes:-0}" -lt 3 ]; then
		fail $n.trace "vfs_read* and vfs_rea[d]: ${nprobes:-no} probes, expected 3 or more"
		show "$work/bpfrun.err" stderr
	elif ! awk '$0 == "counts:" {on = 1; next} /^$/ {on = 0} on && $NF > 0 {ok = 1}
		END {exit !ok}' "$work/bpfrun.out" ||
		! awk -F'\t' '$0 == "returns:" {on = 1; next} on && $1 == 0 && $2 > 0 {ok = 1}
		END {exit !ok}' "$work/bpfrun.out"; then
		fail $n.trace "no calls counted through the pattern probes"
		show "$work/bpfrun.out" stdout
		show "$work/bpfrun.err" stderr
	else
		pass $n.trace
		vshow "$work/bpfrun.out" stdout
	fi
	# a regex matches whole names: vfs_read and vfs_readv, not vfs_readlink
	begin
	rc=0
	timeout -k 5 "$tool_timeout" "$(tool_path bpfrun)" -v -d 1 \
		-k 'do_count:/vfs_read(v)?/' "$progs/vfscount.c" \
		</dev/null >"$work/regex.out" 2>"$work/regex.err" || rc=$?
	if [ "$rc" = 0 ] && grep -q '^bpfrun: attached do_count to kprobe vfs_read$' "$work/regex.err" &&
		! grep -Eq 'attached do_count to kprobe vfs_read[^v]' "$work/regex.err"; then
		pass $n.regex
	else
		fail $n.regex "/vfs_read(v)?/: exit $rc, or not vfs_read alone (and vfs_readv)"
		show "$work/regex.err" stderr
	fi
	begin
	rc=0
	timeout -k 5 "$tool_timeout" "$(tool_path bpfrun)" -d 1 \
		-k 'do_count:bpfrun_no_such_function_*' "$progs/vfscount.c" \
		</dev/null >"$work/nomatch.out" 2>"$work/nomatch.err" || rc=$?
	if [ "$rc" = 1 ] && grep -q 'no kernel function matches bpfrun_no_such_function_\*' "$work/nomatch.err"; then
		pass $n.error
	else
		fail $n.error "a pattern matching nothing: exit $rc"
		show "$work/nomatch.err" stderr
	fi
	begin
	rc=0
	timeout -k 5 "$tool_timeout" "$(tool_path bpfrun)" \
		-r "trace_return:$(awk '$3 ~ /^(__x64_)?sys_openat$/ {print $3; exit}' /proc/kallsyms)" \
		-c "$target open" "$progs/openat_ret.c" \
		</dev/null >"$work/kret.out" 2>"$work/kret.err" || rc=$?
	if [ "$rc" = 0 ] &&
		grep -qx -- '-2	3' "$work/kret.out" && grep -qx -- '-20	7' "$work/kret.out"; then
		pass $n.kretprobe
	else
		fail $n.kretprobe "kretprobe on openat: exit $rc, not -2 x3 and -20 x7"
		show "$work/kret.out" stdout
		show "$work/kret.err" stderr
	fi
	# bcc's syscall__openat(ctx, dfd, filename, flags) on a real kprobe
	begin
	rc=0
	timeout -k 5 "$tool_timeout" "$(tool_path bpfrun)" \
		-k "syscall__openat:$(awk '$3 ~ /^(__x64_)?sys_openat$/ {print $3; exit}' /proc/kallsyms)" \
		-c "$target open" "$progs/openat_args.c" \
		</dev/null >"$work/args.out" 2>"$work/args.err" || rc=$?
	if [ "$rc" = 0 ] &&
		grep -qx 'path=/nonexistent/bpfrun-compat flags=0	3' "$work/args.out" &&
		grep -qx 'path=/proc/self/exe flags=65536	7' "$work/args.out"; then
		pass $n.syscall_args
	else
		fail $n.syscall_args "syscall__openat's arguments: exit $rc, not the paths and flags we opened with"
		show "$work/args.out" stdout
		show "$work/args.err" stderr
	fi
	# KFUNC_PROBE/KRETFUNC_PROBE (fentry, fexit) where the kernel has them
	begin
	rc=0
	timeout -k 5 "$tool_timeout" "$(tool_path bpfrun)" \
		-c "$target open" "$progs/kfunc_open.c" \
		</dev/null >"$work/kfunc.out" 2>"$work/kfunc.err" || rc=$?
	if [ "$rc" = 0 ] &&
		grep -qx -- '-2	3' "$work/kfunc.out" && grep -qx -- '-20	7' "$work/kfunc.out"; then
		pass $n.kfunc
	else
		fail $n.kfunc "KRETFUNC_PROBE on do_sys_openat2: exit $rc, not -2 x3 and -20 x7"
		show "$work/kfunc.out" stdout
		show "$work/kfunc.err" stderr
	fi
}

# Rewritten after every group, so that a guest killed at run.sh's timeout
# still leaves the results of the groups it finished.
write_results() {
	local g note
	{
		echo "# format: bpfrun-results 1"
		echo "# kernel: $release"
		echo "# kprobes: $kprobes"
		if [ -n "$in_qemu" ]; then echo "# where: qemu"; else echo "# where: host"; fi
		echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		for g in ${groups[@]+"${groups[@]}"}; do
			note=
			case ${group_status[$g]} in
			fail) note=${fail_note[$g]} ;;
			skip) note=${skip_note[$g]} ;;
			esac
			printf '%s\t%s\t%s' "$g" "$release" "${group_status[$g]}"
			if [ -n "$note" ]; then printf '\t%s' "${note//$'\t'/ }"; fi
			printf '\n'
		done
	} >"$results.tmp" && mv "$results.tmp" "$results"
}

# ---- main -----------------------------------------------------------------

echo "guest-tests: kernel $release, kprobes: $kprobes, build tree $builddir${in_qemu:+, in QEMU}"
write_results
if wanted kernel; then check_kernel; write_results; fi
if wanted bcc-python; then check_bcc_python; write_results; fi
for g in printk_sample tcpv4connect_simple tcpv4connect_args \
	execve_kprobe_simple execve_simple fchmodsnoop bcc_compat; do
	if wanted $g; then "check_$g"; write_results; fi
done

echo "guest-tests: kernel $release: $n_pass pass, $n_fail fail, $n_skip skip; results in $results"
[ "$n_fail" = 0 ]
