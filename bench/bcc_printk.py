#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bcc Python's printk_sample on a tracepoint: compile, attach, print the
header (the start-up benchmark stops the clock there), print trace_fields."""
import sys
from bcc import BPF

b = BPF(src_file=sys.argv[1])
print("%-6s %-12s %s" % ("PID", "COMM", "OUTPUT"), flush=True)
while True:
    try:
        (task, pid, cpu, flags, ts, msg) = b.trace_fields()
    except ValueError:
        continue
    except KeyboardInterrupt:
        sys.exit(0)
    print("%-6d %-12.12s %s" % (pid, task.decode(), msg.decode()), flush=True)
