#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What bpfrun --metrics does at a scrape, as a bcc Python program would:
load PROGRAM, fill its map with N getppid() calls of LOADGEN, then read
the map whole, `for k, v in b["entries"].items()`, R times. Prints
"entries read_ms format_ms rss_mib": medians of reading alone and of
reading and formatting Prometheus lines from it.

usage: bcc_maps.py PROGRAM LOADGEN N R
"""
import resource, statistics, subprocess, sys, time
from bcc import BPF

prog, loadgen, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
b = BPF(src_file=prog)
subprocess.run([loadgen, str(n)], check=True, stdout=subprocess.DEVNULL)
m = b["entries"]
read, fmt = [], []
for _ in range(runs):
    t0 = time.monotonic()
    count = 0
    for k, v in m.items():
        count += 1
    read.append(time.monotonic() - t0)
    t0 = time.monotonic()
    lines = []
    for k, v in m.items():
        lines.append('bench_entries_total{seq="%d",pid="%d",comm="%s"} %d\n' %
                     (k.seq, k.pid, k.comm.decode(errors="replace"), v.value))
    "".join(lines)
    fmt.append(time.monotonic() - t0)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(count, "%.2f" % (statistics.median(read) * 1000),
      "%.2f" % (statistics.median(fmt) * 1000), "%.1f" % rss)
