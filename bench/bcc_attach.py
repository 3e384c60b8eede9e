#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bcc Python's cold start on a program that attaches itself
(TRACEPOINT_PROBE): compile, attach, say so, wait for SIGINT."""
import signal, sys
from bcc import BPF

b = BPF(src_file=sys.argv[1])
print("attached", flush=True)
signal.sigwait([signal.SIGINT])
