#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/run.sh - start-up, cold compiles, the edit loop's warm starts and
# event throughput of bpfrun, bcc Python and bpftrace on the same programs
# and load, in one run on this machine.
# Prints a markdown table of medians and ratios and writes it, with the date
# and the machine, to bench/results.md. It reports; it never fails a build.
#
# Usage: sudo bench/run.sh            (BENCH_RUNS=N start-ups each, default 5;
#                                      BENCH_EVENTS=N getppid calls, default 2000000)
set -uo pipefail
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
runs=${BENCH_RUNS:-5}
events=${BENCH_EVENTS:-2000000}
# what a user would choose for a burst: 64 MiB per CPU
pages=${BENCH_PAGES:-16384}

scripts/setup.sh >/dev/null || exit 1
need=()
for p in python3-bpfcc bpftrace time bc; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/bpfrun-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export LD_LIBRARY_PATH=$top/src/.libs
gcc -O2 -Isrc bench/evbench.c -Lsrc/.libs -lbpfrun -o "$work/evbench" || exit 1
# the generator's name is what the programs filter on
gcc -O2 bench/loadgen.c -o "$work/bpfrun_loadgen" || exit 1
ps_bin=src/tools/.libs/printk_sample

# bcc Python needs a header tree too: give it the one bpfrun chose, so it
# never falls back to unpacking kheaders into /tmp
hdr=$("$ps_bin" -v --no-cache 2>&1 >/dev/null </dev/null & p=$!; sleep 3; kill -INT $p)
tree=$(printf '%s\n' "$hdr" | sed -n 's/.*kernel headers: .* in \(\/[^ ]*\)$/\1/p' | head -1)
[ -n "$tree" ] && export BCC_KERNEL_SOURCE=$tree

# busy: how much of the machine others used over a second, before a part
busy() {
	local a b
	a=$(awk '/^cpu /{print $2+$3+$4+$7+$8" "$5+$6}' /proc/stat)
	sleep 1
	b=$(awk '/^cpu /{print $2+$3+$4+$7+$8" "$5+$6}' /proc/stat)
	echo "$a $b" | awk '{u=$3-$1; i=$4-$2; printf "%.0f\n", 100*u/(u+i)}'
}
echo "busy-start $(busy)" | tee "$work/busy"

echo "== start-up: exec until attached, median of $runs"
startup() { python3 bench/startup.py "$@" | tee -a "$work/startup"; }
startup "bpfrun-cold" "$runs" '^PID' "$ps_bin" --no-cache
"$ps_bin" >/dev/null 2>&1 & sleep 2; kill -INT $!; wait $! 2>/dev/null
startup "bpfrun-warm" "$runs" '^PID' "$ps_bin"
startup "bcc-python" "$runs" '^PID' /usr/bin/python3 bench/bcc_printk.py bench/printk_tp.c
startup "bpftrace" "$runs" '^ready' bpftrace -e \
	'BEGIN { printf("ready\n"); } tracepoint:syscalls:sys_enter_execve { printf("%d %s\n", pid, comm); }'

# the edit loop: each cold run compiles anew (--no-cache); bcc Python is
# given the same header tree, the one bpfrun made from BTF
echo "== cold compile, exec until attached, median of $runs"
# the runner says "attached" on stderr: sh execs it with stderr on stdout
both=(sh -c 'exec "$0" "$@" 2>&1')
for p in walk sock; do
	startup "bpfrun-cold-$p" "$runs" 'probes? attached' "${both[@]}" src/tools/bpfrun --headers=btf --no-cache "bench/$p.c"
	startup "bcc-python-cold-$p" "$runs" '^attached' /usr/bin/python3 bench/bcc_attach.py "bench/$p.c"
done
echo "== warm starts that used to compile: a new PID each run"
src/tools/.libs/opensnoop -p 1 >/dev/null 2>&1 & sleep 2; kill -INT $!; wait $! 2>/dev/null
startup "opensnoop-warm" "$runs" '^PID' src/tools/.libs/opensnoop
# sh execs it: its pid, new each run, is the one -p is given
startup "opensnoop-new-pid" "$runs" '^PID' sh -c 'exec src/tools/.libs/opensnoop -p $$'
src/tools/bpfrun -c true bench/walk.c >/dev/null 2>&1
startup "bpfrun-c-true" "$runs" 'running the command' "${both[@]}" src/tools/bpfrun -c true bench/walk.c

echo "== events: $events getppid() calls, a 32-byte event each, perf buffer of 256 pages/CPU"
# consumer NAME READY CMD...: start CMD, run the generator, stop, count
consumer() {
	local name=$1 ready=$2 out=$work/$1.out gen received lost
	shift 2
	"$@" >"$out" 2>"$work/$name.err" &
	local pid=$!
	for _ in $(seq 600); do grep -q "$ready" "$out" && break; sleep 0.1; done
	gen=$("$work/bpfrun_loadgen" "$events")
	sleep 2
	kill -INT "$pid"
	# a consumer that does not stop within 60 s is killed and counts as failed
	for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ "$name" = bpftrace ]; then
		received=$(grep -c '^[0-9]' "$out")
		lost=$(grep -o 'Lost [0-9]*' "$out" "$work/$name.err" | awk '{s+=$2} END {print s+0}')
	else
		received=$(sed -n 's/^received \([0-9]*\) lost.*/\1/p' "$out")
		lost=$(sed -n 's/^received [0-9]* lost \([0-9]*\)/\1/p' "$out")
	fi
	echo "$name $gen ${received:-?} ${lost:-?}" | tee -a "$work/events"
}
echo "busy-events $(busy)" | tee -a "$work/busy"
echo "nothing-attached $("$work/bpfrun_loadgen" "$events") - -" | tee -a "$work/events"
consumer attached-unread ready "$work/evbench" bench/events.c --no-read
# the buffers open and big enough for every event (128 MiB a CPU), read only
# at the end: the kernel's own cost of writing them, with no reader running
consumer written-unread ready "$work/evbench" bench/events.c --no-poll 32768
consumer bpfrun ready "$work/evbench" bench/events.c
consumer bcc-python ready /usr/bin/python3 bench/bcc_events.py bench/events.c
consumer bpftrace ready bpftrace -e \
	'BEGIN { printf("ready\n"); } tracepoint:syscalls:sys_enter_getppid /comm == "bpfrun_loadgen"/ { printf("%d\n", pid); }'

# the runner's own output path: every event decoded and written as JSON to
# a file, the burst made by -c's command; bpftrace prints the same fields
echo "== output: $events events written to a file, perf buffer of $pages pages/CPU"
printer() {
	local name=$1 t0 t1 out=$work/$1.out lines lost
	shift
	t0=$(date +%s.%N)
	"$@" >"$out" 2>"$work/$name.err"
	t1=$(date +%s.%N)
	lines=$(grep -c '"seq"\|^[0-9]' "$out")
	lost=$(grep -o '[0-9]* events lost in all\|Lost [0-9]*' "$work/$name.err" "$out" | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}')
	echo "$name $(echo "$t1 - $t0" | bc) $lines $lost" | tee -a "$work/printers"
}
printer bpfrun-json src/tools/bpfrun --json -b "$pages" -c "$work/bpfrun_loadgen $events" bench/events.c
# the runner's own CPU time for the same burst (the generator apart, not its
# child): how fast its decode-and-write path goes, whatever the generator's
/usr/bin/time -f "%U %S" -o "$work/json-cpu.time" src/tools/bpfrun --json -b "$pages" \
	bench/events.c >"$work/json-cpu.out" 2>"$work/json-cpu.err" &
for _ in $(seq 600); do grep -q attached "$work/json-cpu.err" && break; sleep 0.1; done
"$work/bpfrun_loadgen" "$events" >/dev/null
for _ in $(seq 600); do
	[ "$(grep -c '"seq"' "$work/json-cpu.out")" -ge "$events" ] && break
	sleep 0.1
done
pkill -INT -f "bpfrun --json -b $pages bench/events.c"
wait
echo "bpfrun-json-cpu $(awk '{print $1 + $2}' "$work/json-cpu.time") $(grep -c '"seq"' "$work/json-cpu.out")" |
	tee -a "$work/json-cpu"
printer bpftrace-printf bpftrace -e \
	'tracepoint:syscalls:sys_enter_getppid /comm == "bpfrun_loadgen"/ { printf("%d %d %llu\n", pid, cpu, nsecs); }' \
	-c "$work/bpfrun_loadgen $events"
echo "busy-end $(busy)" | tee -a "$work/busy"

python3 - "$work" "$events" <<'EOF' | tee bench/results.md
import os, platform, subprocess, sys, time
work, n = sys.argv[1], int(sys.argv[2])
st = {l.split()[0]: l.split()[1:] for l in open(f"{work}/startup")}
ev = {l.split()[0]: l.split()[1:] for l in open(f"{work}/events")}
pr = {l.split()[0]: l.split()[1:] for l in open(f"{work}/printers")}
busy = {l.split()[0]: int(l.split()[1]) for l in open(f"{work}/busy")}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
            if l.startswith("model name")), platform.machine())
print(f"Measured {time.strftime('%Y-%m-%d')} on {platform.release()}, "
      f"{os.cpu_count()} CPUs ({cpu}), by bench/run.sh.")
worst = max(busy.values())
print(f"Others used {', '.join(f'{v}%' for v in busy.values())} of the CPUs in the "
      f"second before each part{' (a busy machine: the ratios are not clean)' if worst > 10 else ' (an idle machine)'}.\n")
print("| start-up (exec to attached) | wall ms | peak RSS MiB | bcc Python's time / this |")
print("| --- | --- | --- | --- |")
bcc = float(st.get("bcc-python", ["nan"])[0])
for k in ("bpfrun-cold", "bpfrun-warm", "bcc-python", "bpftrace"):
    if k in st and st[k][0] != "failed":
        w, r = float(st[k][0]), float(st[k][1])
        print(f"| {k} | {w:.1f} | {r:.1f} | {bcc / w:.1f}x |")
print()
print("| cold compile (exec to attached) | bpfrun ms | bcc Python ms | bpfrun / bcc Python |")
print("| --- | --- | --- | --- |")
for p, what in (("walk", "task->real_parent->tgid (linux/sched.h)"),
                ("sock", "struct sock fields (net/sock.h)")):
    a, b = st.get(f"bpfrun-cold-{p}"), st.get(f"bcc-python-cold-{p}")
    if a and b and a[0] != "failed" and b[0] != "failed":
        print(f"| {what} | {float(a[0]):.1f} | {float(b[0]):.1f} | {float(a[0]) / float(b[0]):.2f}x |")
print()
print("| warm start (exec to attached) | wall ms | peak RSS MiB |")
print("| --- | --- | --- |")
for k in ("opensnoop-warm", "opensnoop-new-pid", "bpfrun-c-true"):
    if k in st and st[k][0] != "failed":
        print(f"| {k} | {float(st[k][0]):.1f} | {float(st[k][1]):.1f} |")
print()
print(f"| {n} events printed to a file | wall s | printed | lost | events/s |")
print("| --- | --- | --- | --- | --- |")
for k, (w, lines, lost) in pr.items():
    print(f"| {k} | {float(w):.2f} | {lines} | {lost} | {int(lines) / float(w):,.0f} |")
if os.path.exists(f"{work}/json-cpu"):
    c, lines = open(f"{work}/json-cpu").read().split()[1:3]
    print(f"\nThe runner's own CPU time (user + system) for the same {n} events, "
          f"the generator apart: {float(c):.2f} s for {lines} lines, "
          f"{int(lines) / float(c):,.0f} events per CPU second.")
print()
print(f"| {n} events | generator s | received | lost | events/s | rate / bcc Python's |")
print("| --- | --- | --- | --- | --- | --- |")
def rate(k):
    g, r = ev[k][0], ev[k][1]
    return int(r) / float(g) if r.isdigit() else float("nan")
base = rate("bcc-python") if "bcc-python" in ev else float("nan")
for k, v in ev.items():
    g, r, l = v
    if r.isdigit() and int(r) > 0:
        print(f"| {k} | {float(g):.2f} | {r} | {l} | {rate(k):,.0f} | {rate(k) / base:.1f}x |")
    else:
        print(f"| {k} | {float(g):.2f} | - | - | - | - |")
if "bpfrun" in ev and "attached-unread" in ev:
    print(f"\nbpfrun's generator time / attached-unread: "
          f"{float(ev['bpfrun'][0]) / float(ev['attached-unread'][0]):.2f}x")
if "written-unread" in ev and "attached-unread" in ev:
    print(f"The kernel writing them with no reader (written-unread) / attached-unread: "
          f"{float(ev['written-unread'][0]) / float(ev['attached-unread'][0]):.2f}x; "
          f"bpfrun reading them / written-unread: "
          f"{float(ev['bpfrun'][0]) / float(ev['written-unread'][0]):.2f}x")
EOF

# bpfrun --metrics: a scrape of 10,000 entries beside bcc Python, and RSS
bench/metrics.sh | tee -a bench/results.md
