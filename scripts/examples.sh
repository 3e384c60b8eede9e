#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# docs/examples/NAME.txt: each command run for real on this machine, on
# events made for it, as bcc's tools/*_example.txt show theirs. Run as
# root from a built tree: scripts/examples.sh
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
out=docs/examples
T=src/tools
work=$(mktemp -d /tmp/bpfrun-examples.XXXXXX)
trap 'rm -rf "$work"' EXIT
PY=/usr/bin/python3

# show NAME TITLE CMD...: "# CMD" and what it printed, stdout and stderr
show() {
	local name=$1 title=$2
	shift 2
	{
		echo "$title"
		echo
		echo "# ${*#$T/}"
		cat "$work/run"
		echo
	} >>"$out/$name.txt"
}
# run SECONDS CMD...: start CMD, make the events ($EVENTS), stop it
run() {
	local secs=$1 pid
	shift
	"$@" >"$work/run" 2>&1 &
	pid=$!
	sleep 2
	eval "$EVENTS"
	sleep "$secs"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
rm -f "$out"/*.txt
header="Demonstrations of %s, run by scripts/examples.sh on $(uname -r)."
for n in printk_sample execve_simple opensnoop badclose fchmodsnoop mmaptop bpfrun tcpv4connect_simple tcpv4connect_args execve_kprobe_simple; do
	printf "$header\n\n" "$n" >"$out/$n.txt"
done

EVENTS='ls / >/dev/null; true'
run 1 $T/printk_sample
show printk_sample "Every execve() while it ran (ls, true):" $T/printk_sample
run 1 $T/execve_simple
show execve_simple "The same from the sys_enter_execve tracepoint:" $T/execve_simple

: >"$work/present"
EVENTS="cat $work/present /nonexistent 2>/dev/null; true"
run 1 $T/opensnoop -n cat
show opensnoop "Opens by processes named cat (-n), one that worked and one that failed:" $T/opensnoop -n cat
run 1 $T/opensnoop -T -U -x -n cat
show opensnoop "Failed opens only (-x), with time (-T) and UID (-U) columns:" $T/opensnoop -T -U -x -n cat

EVENTS="$PY -c 'import os
try:
    os.close(987)
except OSError:
    pass'"
run 1 $T/badclose
show badclose "A close() of fd 987, which was not open:" $T/badclose

: >"$work/f"
EVENTS="chmod 0640 $work/f; unshare -p -f --mount-proc chmod 0600 $work/f"
run 1 $T/fchmodsnoop
show fchmodsnoop "A chmod on the host, and one in a new pid namespace (PID 1 inside):" $T/fchmodsnoop

EVENTS="$PY -c 'import mmap
for i in range(5): mmap.mmap(-1, 1 << 20).close()'"
run 0 $T/mmaptop -d 3 -n python3
show mmaptop "Three seconds of mmap() calls by python3: its start, and five 1 MiB mappings:" $T/mmaptop -d 3 -n python3

cat >"$work/count.c" <<'P'
BPF_HASH(calls, u32, u64);
BPF_HISTOGRAM(dist);
TRACEPOINT_PROBE(syscalls, sys_enter_read)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (pid != FILTER_PID)
		return 0;
	calls.increment(pid);
	dist.increment(bpf_log2l(args->count));
	return 0;
}
P
cp "$work/count.c" "$work/reads.c"
EVENTS=true
$T/bpfrun -c "head -c 100000 /dev/zero" "$work/reads.c" >"$work/run" 2>&1
show bpfrun "A program of maps (reads.c: read() calls and their sizes), for one command:" $T/bpfrun -c "head -c 100000 /dev/zero" reads.c
$T/bpfrun -lv tracepoint:syscalls:sys_enter_read >"$work/run" 2>&1
show bpfrun "A tracepoint's arguments:" $T/bpfrun -lv tracepoint:syscalls:sys_enter_read

for n in tcpv4connect_simple tcpv4connect_args execve_kprobe_simple; do
	timeout -s INT 20 $T/$n >"$work/run" 2>&1
	show $n "On this kernel, which has no kprobes (the QEMU tier runs it on Debian's kernels, see docs/kernels.md):" $T/$n
done
echo "wrote $(ls "$out" | wc -l) files in $out"
