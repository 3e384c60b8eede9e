# SPDX-License-Identifier: Apache-2.0
"""
Run one of bcc's Python tools up to the point where it starts waiting for
events, and write down what it asked of BPF(): the program text, its
cflags, its USDT probes, every attach call and every map write it made
before starting. Nothing is compiled or attached: BPF() is replaced, the
rest of bcc (USDT contexts, tracepoint and symbol lookups, syscall names)
is bcc's own, so the tool makes the same choices it makes for real.

    capture.py PLAN.json TOOL [ARGS...]

The plan is written when the tool first waits (perf_buffer_poll,
ring_buffer_poll, trace_print, trace_fields, trace_readline, sleep), first
reads a map, or exits. Exit status: 0 with a plan, 3 when the tool ended
without creating a BPF object (it printed why).
"""
import atexit
import ctypes as ct
import json
import os
import runpy
import sys
import time

import bcc
import bcc.usdt

PLAN = {"bpf": None}
_real_sleep = time.sleep
_FUNCS = None


def traceable(event):
    """
    Whether the kernel has a function @event to put a kprobe on, as bcc's
    attach_kprobe() learns by trying: tools catch the failure and try
    another name (fileslower: __vfs_read, then vfs_read). A name ftrace
    lists or /proc/kallsyms has is taken (syscall wrappers such as
    __x64_sys_sync take kprobes without being in ftrace's list), and
    bpfrun's own attach says why one fails; with neither list readable,
    every name is.
    """
    global _FUNCS
    if _FUNCS is None:
        _FUNCS = set()
        for path, field in (("/sys/kernel/tracing/available_filter_functions",
                             0), ("/proc/kallsyms", 2)):
            try:
                with open(path) as f:
                    _FUNCS.update(l.split()[field] for l in f
                                  if len(l.split()) > field)
            except OSError:
                pass
    return not _FUNCS or _s(event) in _FUNCS


def _s(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


def dump_and_exit(why):
    p = PLAN["bpf"]
    if p is None:
        return
    p["stopped_at"] = why
    with open(sys_plan, "w") as f:
        json.dump(p, f, indent=1)
    sys.stdout.flush()
    os._exit(0)


def cell(v):
    """A key or value as bpfrun --set takes it: an integer or a "string"."""
    if isinstance(v, int):
        return str(v)
    if isinstance(v, ct._SimpleCData) and isinstance(v.value, int):
        return str(v.value)
    b = bytes(v).rstrip(b"\0")
    if all(32 <= c < 127 and c != 34 for c in b):
        return '"%s"' % b.decode()
    return None     # bytes of a struct: not expressible


class FakeTable:
    def __init__(self, plan, name):
        self.plan, self.name = plan, _s(name)
        self.Key = self.Leaf = ct.c_ulonglong

    def open_perf_buffer(self, cb, page_cnt=8, lost_cb=None, wakeup_events=1):
        self.plan["buffers"].append({"table": self.name, "pages": page_cnt})

    def open_ring_buffer(self, cb, ctx=None):
        self.plan["buffers"].append({"table": self.name, "ring": True})

    def __setitem__(self, k, v):
        self.plan["map_writes"].append({"table": self.name,
                                        "key": cell(k), "value": cell(v)})

    def clear(self):
        pass

    def __getattr__(self, attr):
        # anything else reads the map: the tool has started
        dump_and_exit("map %s.%s" % (self.name, attr))
        raise AttributeError(attr)

    def __len__(self):
        dump_and_exit("map len")
        return 0

    def __iter__(self):
        dump_and_exit("map iter")
        return iter(())

    def __getitem__(self, k):
        dump_and_exit("map read")


class CaptureBPF(bcc.BPF):
    def __init__(self, src_file=b"", hdr_file=b"", text=None, debug=0,
                 cflags=[], usdt_contexts=[], allow_rlimit=True, device=None,
                 attach_usdt_ignore_pid=False):
        if src_file:
            with open(bcc.BPF._find_file(bcc._assert_is_bytes(src_file)),
                      "rb") as f:
                text = f.read()
        self.plan = {"text": _s(text), "cflags": [_s(c) for c in cflags],
                     "usdt": [u._capture for u in usdt_contexts
                              if hasattr(u, "_capture")],
                     "attach": [], "buffers": [], "map_writes": [],
                     "unsupported": []}
        for u in usdt_contexts:
            if not hasattr(u, "_capture"):
                self.plan["unsupported"].append("usdt context")
        PLAN["bpf"] = self.plan
        self.tables = {}
        self.funcs = {}
        self.module = None
        self.kprobe_fds = {}
        self.uprobe_fds = {}
        self.tracepoint_fds = {}
        self.raw_tracepoint_fds = {}
        self.kfunc_entry_fds = {}
        self.kfunc_exit_fds = {}
        self.lsm_fds = {}
        self.perf_buffers = {}
        self.open_perf_events = {}
        self._ringbuf_manager = None
        self.tracefile = None
        self.debug = debug

    def cleanup(self):
        pass

    def _add(self, kind, **kw):
        d = {"kind": kind}
        d.update({k: _s(v) for k, v in kw.items() if v not in (None, b"", "")})
        self.plan["attach"].append(d)

    def attach_kprobe(self, event=b"", event_off=0, fn_name=b"", event_re=b""):
        if event and not traceable(event):
            raise Exception("Failed to attach BPF program %s to kprobe %s"
                            % (_s(fn_name), _s(event)))
        self._add("kprobe", event=event, fn=fn_name, re=event_re,
                  off=event_off or None)

    def attach_kretprobe(self, event=b"", fn_name=b"", event_re=b"",
                         maxactive=0):
        if event and not traceable(event):
            raise Exception("Failed to attach BPF program %s to kretprobe %s"
                            % (_s(fn_name), _s(event)))
        self._add("kretprobe", event=event, fn=fn_name, re=event_re)

    def attach_tracepoint(self, tp=b"", tp_re=b"", fn_name=b""):
        if tp_re:
            for t in bcc.BPF.get_tracepoints(tp_re):
                self._add("tracepoint", tp=t, fn=fn_name)
        else:
            self._add("tracepoint", tp=tp, fn=fn_name)

    def attach_raw_tracepoint(self, tp=b"", fn_name=b""):
        self._add("raw_tracepoint", tp=tp, fn=fn_name)

    def attach_kfunc(self, fn_name=b""):
        self._add("kfunc", fn=fn_name)

    def attach_kretfunc(self, fn_name=b""):
        self._add("kretfunc", fn=fn_name)

    def attach_lsm(self, fn_name=b""):
        self._add("lsm", fn=fn_name)

    def attach_uprobe(self, name=b"", sym=b"", sym_re=b"", addr=None,
                      fn_name=b"", pid=-1, sym_off=0):
        self._add("uprobe", name=name, sym=sym, re=sym_re, addr=addr,
                  fn=fn_name, pid=pid if pid != -1 else None,
                  off=sym_off or None)

    def attach_uretprobe(self, name=b"", sym=b"", sym_re=b"", addr=None,
                         fn_name=b"", pid=-1):
        self._add("uretprobe", name=name, sym=sym, re=sym_re, addr=addr,
                  fn=fn_name, pid=pid if pid != -1 else None)

    def attach_perf_event(self, ev_type=-1, ev_config=-1, fn_name=b"",
                          sample_period=0, sample_freq=0, pid=-1, cpu=-1,
                          group_fd=-1):
        self._add("perf_event", type=ev_type, config=ev_config, fn=fn_name,
                  period=sample_period or None, freq=sample_freq or None,
                  pid=pid if pid != -1 else None, cpu=cpu if cpu != -1 else None)

    def attach_perf_event_raw(self, attr=-1, fn_name=b"", pid=-1, cpu=-1,
                              group_fd=-1):
        self.plan["unsupported"].append("attach_perf_event_raw")

    def attach_xdp(*a, **kw):
        PLAN["bpf"]["unsupported"].append("xdp")

    def attach_raw_socket(*a, **kw):
        PLAN["bpf"]["unsupported"].append("raw socket")

    def attach_func(*a, **kw):
        PLAN["bpf"]["unsupported"].append("attach_func")

    def load_func(self, func_name, prog_type, device=None, attach_type=-1):
        self.plan["unsupported"].append("load_func")

        class F:
            fd = -1
            name = func_name
        return F()

    def detach_kprobe(self, *a, **kw):
        pass

    detach_kretprobe = detach_tracepoint = detach_uprobe = detach_kprobe
    detach_uretprobe = detach_perf_event = detach_kprobe

    def num_open_kprobes(self):
        return sum(a["kind"] in ("kprobe", "kretprobe")
                   for a in self.plan["attach"])

    def num_open_uprobes(self):
        return sum(a["kind"] in ("uprobe", "uretprobe")
                   for a in self.plan["attach"])

    def num_open_tracepoints(self):
        return sum(a["kind"] == "tracepoint" for a in self.plan["attach"])

    def get_table(self, name, keytype=None, leaftype=None, reducer=None):
        return FakeTable(self.plan, name)

    def __getitem__(self, key):
        return FakeTable(self.plan, key)

    def __setitem__(self, key, leaf):
        pass

    def perf_buffer_poll(self, timeout=-1):
        dump_and_exit("perf_buffer_poll")

    perf_buffer_consume = ring_buffer_poll = ring_buffer_consume = \
        kprobe_poll = perf_buffer_poll

    def trace_print(self, fmt=None):
        dump_and_exit("trace_print")

    def trace_fields(self, nonblocking=False):
        dump_and_exit("trace_fields")

    trace_readline = trace_open = trace_fields

    def free_bcc_memory(self):
        return 0

    def dump_func(self, func_name):
        return b""


_real_usdt_init = bcc.usdt.USDT.__init__
_real_enable = bcc.usdt.USDT.enable_probe


def usdt_init(self, pid=None, path=None):
    _real_usdt_init(self, pid=pid, path=path)
    self._capture = {"pid": pid if pid and pid != -1 else None,
                     "path": _s(path), "probes": []}


def usdt_enable(self, probe, fn_name):
    _real_enable(self, probe, fn_name)
    self._capture["probes"].append({"probe": _s(probe), "fn": _s(fn_name)})


def sleep(t):
    if PLAN["bpf"] is not None:
        dump_and_exit("sleep")
    _real_sleep(t)


if __name__ == "__main__":
    sys_plan = sys.argv[1]
    tool = sys.argv[2]
    bcc.BPF = CaptureBPF
    bcc.usdt.USDT.__init__ = usdt_init
    bcc.usdt.USDT.enable_probe = usdt_enable
    bcc.USDT = bcc.usdt.USDT
    time.sleep = sleep
    atexit.register(lambda: dump_and_exit("exit"))
    sys.argv = [tool] + sys.argv[3:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(tool)))
    try:
        runpy.run_path(tool, run_name="__main__")
    except SystemExit:
        pass
    except Exception as e:
        # the tool failed before it started (as it would have for real)
        if PLAN["bpf"] is not None:
            PLAN["bpf"]["error"] = "%s: %s" % (type(e).__name__, e)
        import traceback
        traceback.print_exc()
    dump_and_exit("exit")
    sys.exit(3)
