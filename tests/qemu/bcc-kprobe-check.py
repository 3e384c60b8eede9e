#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
#
# bcc-kprobe-check.py - prove that kprobes and kretprobes work in this kernel
# with Debian's own bcc (python3-bpfcc), independently of bpfrun's commands.
#
# Usage: python3 tests/qemu/bcc-kprobe-check.py
#
# Attaches a kprobe to the resolved execve symbol and a kretprobe to
# tcp_v4_connect, execs /bin/true and makes a loopback TCP connection, and
# reads the bpf_trace_printk lines back with trace_fields().  Prints
# "kprobe SYMBOL: pid P comm C" and "kretprobe tcp_v4_connect: pid P ret R"
# and exits 0 when both fired for this process's own children/connection.
# Exit 77 when bcc's Python module is missing; guest-tests.sh then SKIPs.
# Run it under timeout(1): trace_fields() blocks until a line arrives.

import os
import socket
import subprocess
import sys
import time

try:
    from bcc import BPF
except ImportError as e:
    print("bcc Python module not available: %s" % e)
    sys.exit(77)

t0 = time.time()
b = BPF(text=r"""
#include <uapi/linux/ptrace.h>
int on_execve(struct pt_regs *ctx) {
    bpf_trace_printk("bpfrun-check execve\n");
    return 0;
}
int on_connect_ret(struct pt_regs *ctx) {
    int ret = PT_REGS_RC(ctx);
    bpf_trace_printk("bpfrun-check connect %d\n", ret);
    return 0;
}
""")
t1 = time.time()
execve = b.get_syscall_fnname("execve").decode()
b.attach_kprobe(event=execve, fn_name="on_execve")
b.attach_kretprobe(event="tcp_v4_connect", fn_name="on_connect_ret")
t2 = time.time()

child = subprocess.Popen(["/bin/true"])
child.wait()

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
cli = socket.socket()
cli.connect(srv.getsockname())
cli.close()
srv.close()
me = os.getpid()

seen_exec = seen_conn = False
while not (seen_exec and seen_conn):
    task, pid, _cpu, _flags, _ts, msg = b.trace_fields()
    if msg == b"bpfrun-check execve" and pid == child.pid and not seen_exec:
        print("kprobe %s: pid %d comm %s" % (execve, pid, task.decode()))
        seen_exec = True
    elif msg.startswith(b"bpfrun-check connect ") and pid == me and not seen_conn:
        ret = int(msg.split()[-1])
        print("kretprobe tcp_v4_connect: pid %d ret %d" % (pid, ret))
        if ret != 0:
            sys.exit(1)
        seen_conn = True
print("compile %.1f s, attach %.1f s" % (t1 - t0, t2 - t1))
