#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/metrics.sh - bpfrun --metrics on a map of BENCH_ENTRIES (10,000)
# struct-keyed entries: the time of a scrape (GET /metrics, every entry
# read from the kernel and formatted), beside the same map read by bcc
# Python (`for k, v in b["entries"].items()`, alone and formatting the same
# lines), and the exporter's resident memory while it serves, on a warm
# start (the program from the cache: libbcc not loaded).
# Prints a markdown table; bench/run.sh appends it to bench/results.md.
# It reports; it never fails a build.
#
# Usage: sudo bench/metrics.sh   (BENCH_ENTRIES=N, BENCH_SCRAPES=N: 20)
set -uo pipefail
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
n=${BENCH_ENTRIES:-10000}
scrapes=${BENCH_SCRAPES:-20}
[ -x src/tools/bpfrun ] || { echo "metrics: build bpfrun first (make)"; exit 0; }

work=$(mktemp -d /tmp/bpfrun-bench-metrics.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null
	[ -z "$pid" ] || wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
export LD_LIBRARY_PATH=$top/src/.libs
# the program counts only processes of this name
gcc -O2 bench/loadgen.c -o "$work/bpfm_fill" || exit 0
bin=$("$top/libtool" --mode=execute echo src/tools/bpfrun)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# warm: a first run compiles the program into the cache
"$bin" -d 1 bench/metrics.c >/dev/null 2>&1
"$bin" --metrics="127.0.0.1:$port" bench/metrics.c >/dev/null 2>"$work/err" &
pid=$!
for _ in $(seq 100); do
	grep -q attached "$work/err" && break
	sleep 0.1
done
grep -q attached "$work/err" || { echo "metrics: bpfrun did not start: $(cat "$work/err")"; exit 0; }
"$work/bpfm_fill" "$n" >/dev/null

python3 - "$port" "$scrapes" "$pid" <<'EOF' >"$work/bpfrun"
import re, statistics, sys, time, urllib.request

port, runs, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
url = "http://127.0.0.1:%s/metrics" % port
walls, inner = [], []
for _ in range(runs):
    t0 = time.monotonic()
    body = urllib.request.urlopen(url).read().decode()
    walls.append(time.monotonic() - t0)
    inner.append(float(re.search(r"^bpfrun_scrape_duration_seconds (\S+)$", body, re.M).group(1)))
entries = re.search(r'^bpfrun_map_entries\{map="entries"\} (\d+)$', body, re.M).group(1)
status = open("/proc/%s/status" % pid).read()
rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
bcc = any("libbcc" in l for l in open("/proc/%s/maps" % pid))
print(entries, "%.2f" % (statistics.median(walls) * 1000),
      "%.2f" % (statistics.median(inner) * 1000), "%.1f" % rss, "%.1f" % hwm,
      len(body), "yes" if bcc else "no")
EOF
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=

# bcc Python needs a header tree: the one bpfrun chose, so that it never
# falls back to unpacking kheaders into /tmp
if [ -z "${BCC_KERNEL_SOURCE:-}" ]; then
	hdr=$(src/tools/.libs/printk_sample -v --no-cache 2>&1 >/dev/null </dev/null & p=$!; sleep 3; kill -INT $p)
	tree=$(printf '%s\n' "$hdr" | sed -n 's/.*kernel headers: .* in \(\/[^ ]*\)$/\1/p' | head -1)
	[ -n "$tree" ] && export BCC_KERNEL_SOURCE=$tree
fi
/usr/bin/python3 bench/bcc_maps.py bench/metrics.c "$work/bpfm_fill" "$n" "$scrapes" \
	>"$work/bcc" 2>"$work/bcc.err" || echo "failed - - -" >"$work/bcc"

read -r entries wall inner rss hwm size bcc <"$work/bpfrun"
read -r bentries bread bfmt brss <"$work/bcc"
echo
echo "| $n struct-keyed entries | ms per scrape (median of $scrapes) | entries |"
echo "| --- | --- | --- |"
echo "| bpfrun --metrics, GET /metrics (HTTP, read, format; $size bytes) | $wall | $entries |"
echo "| bpfrun --metrics, reading and formatting alone | $inner | $entries |"
echo "| bcc Python, \`for k, v in b[\"entries\"].items()\` | $bread | $bentries |"
echo "| bcc Python, items() and the same lines formatted | $bfmt | $bentries |"
echo
echo "| exporter memory while serving (warm start) | MiB |"
echo "| --- | --- |"
echo "| bpfrun --metrics VmRSS after $scrapes scrapes (libbcc loaded: $bcc) | $rss |"
echo "| bpfrun --metrics VmHWM (peak) | $hwm |"
echo "| bcc Python peak RSS | $brss |"
echo
echo "SIGTERM ended the exporter with status $rc."
