#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Start-up of a tracing command: from exec until it prints the line that
says it is attached, and its peak RSS. Runs it N times; prints medians as
"NAME wall_ms rss_mib" for bench/run.sh to tabulate. Peak RSS comes from
/usr/bin/time: a child forked from Python would count Python's pages too.

usage: startup.py NAME N READY_REGEX COMMAND...
"""
import os, re, signal, statistics, subprocess, sys, tempfile, time

name, n, ready = sys.argv[1], int(sys.argv[2]), re.compile(sys.argv[3].encode())
cmd = sys.argv[4:]
walls, rss = [], []
for _ in range(n):
    rssf = tempfile.NamedTemporaryFile(mode="r")
    t0 = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rssf.name] + cmd,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    ok = False
    for line in p.stdout:
        if ready.search(line):
            ok = True
            break
    wall = time.monotonic() - t0
    try:
        os.killpg(p.pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    p.wait()
    p.stdout.close()
    kib = rssf.read().split()
    if not ok:
        print(f"{name} failed", flush=True)
        sys.exit(1)
    walls.append(wall * 1000)
    rss.append(int(kib[-1]) / 1024 if kib else float("nan"))
print(f"{name} {statistics.median(walls):.1f} {statistics.median(rss):.1f}")
