#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/run.sh - start-up and event throughput of bpfrun, bcc Python and
# bpftrace on the same programs and load, in one run on this machine.
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

scripts/setup.sh >/dev/null || exit 1
need=()
for p in python3-bpfcc bpftrace time; do
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

echo "== start-up: exec until attached, median of $runs"
startup() { python3 bench/startup.py "$@" | tee -a "$work/startup"; }
startup "bpfrun-cold" "$runs" '^PID' "$ps_bin" --no-cache
"$ps_bin" >/dev/null 2>&1 & sleep 2; kill -INT $!; wait $! 2>/dev/null
startup "bpfrun-warm" "$runs" '^PID' "$ps_bin"
startup "bcc-python" "$runs" '^PID' /usr/bin/python3 bench/bcc_printk.py bench/printk_tp.c
startup "bpftrace" "$runs" '^ready' bpftrace -e \
	'BEGIN { printf("ready\n"); } tracepoint:syscalls:sys_enter_execve { printf("%d %s\n", pid, comm); }'

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
echo "nothing-attached $("$work/bpfrun_loadgen" "$events") - -" | tee -a "$work/events"
consumer attached-unread ready "$work/evbench" bench/events.c --no-read
consumer bpfrun ready "$work/evbench" bench/events.c
consumer bcc-python ready /usr/bin/python3 bench/bcc_events.py bench/events.c
consumer bpftrace ready bpftrace -e \
	'BEGIN { printf("ready\n"); } tracepoint:syscalls:sys_enter_getppid /comm == "bpfrun_loadgen"/ { printf("%d\n", pid); }'

python3 - "$work" "$events" <<'EOF' | tee bench/results.md
import os, platform, subprocess, sys, time
work, n = sys.argv[1], int(sys.argv[2])
st = {l.split()[0]: l.split()[1:] for l in open(f"{work}/startup")}
ev = {l.split()[0]: l.split()[1:] for l in open(f"{work}/events")}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
            if l.startswith("model name")), platform.machine())
print(f"Measured {time.strftime('%Y-%m-%d')} on {platform.release()}, "
      f"{os.cpu_count()} CPUs ({cpu}), by bench/run.sh.\n")
print("| start-up (exec to attached) | wall ms | peak RSS MiB | bcc Python's time / this |")
print("| --- | --- | --- | --- |")
bcc = float(st.get("bcc-python", ["nan"])[0])
for k in ("bpfrun-cold", "bpfrun-warm", "bcc-python", "bpftrace"):
    if k in st and st[k][0] != "failed":
        w, r = float(st[k][0]), float(st[k][1])
        print(f"| {k} | {w:.1f} | {r:.1f} | {bcc / w:.1f}x |")
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
EOF
