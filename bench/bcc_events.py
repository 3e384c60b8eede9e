#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bcc Python's side of the event benchmark: the same program, the same
perf buffer size, counting events in the callback until SIGINT."""
import signal, sys
from bcc import BPF

b = BPF(src_file=sys.argv[1])
received = 0
lost = 0

def on_event(cpu, data, size):
    global received
    received += 1

def on_lost(n):
    global lost
    lost += n

stop = False

def on_sigint(sig, frame):
    # a KeyboardInterrupt raised inside bcc's ctypes callback is lost
    global stop
    stop = True

signal.signal(signal.SIGINT, on_sigint)
b["events"].open_perf_buffer(on_event, page_cnt=256, lost_cb=on_lost)
print("ready", flush=True)
while not stop:
    b.perf_buffer_poll(100)
b.perf_buffer_poll(0)
print(f"received {received} lost {lost}", flush=True)
