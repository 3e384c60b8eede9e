# SPDX-License-Identifier: Apache-2.0
"""
bcc's own programs through bpfrun: every tool of Debian's bpfcc-tools
(/usr/sbin/*-bpfcc) and every example outside networking/ in
/usr/share/doc/bpfcc-tools/examples, unchanged. capture.py runs each
Python tool up to its first wait and writes down its program text and
attach calls; this script gives them to bpfrun as flags, runs
workload.sh under -c, and sorts the result:

  output      bpfrun printed an event, a printk line or a map entry
              (also when it then said a stack map was full, exit 1)
  no-output   attached and ran, printed nothing
  attach      compiled, failed to attach or run (its message)
  compile     the program did not compile (its first error)
  unsupported the tool asked for what bpfrun has no flag for
  tool        the Python tool itself stopped before starting (its message)

    sudo /usr/bin/python3 bench/bcc_corpus/run.py [-o DIR] [NAME...]

bpfrun is the build tree's (src/tools/bpfrun) unless $BPFRUN is set.
Writes DIR/results.md (default /tmp/bcc-corpus) and prints the counts.
"""
import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = "/usr/share/doc/bpfcc-tools/examples"
PY = "/usr/bin/python3"


def programs():
    out = []
    for f in sorted(glob.glob("/usr/sbin/*-bpfcc")):
        out.append((os.path.basename(f)[:-len("-bpfcc")], f))
    for f in sorted(glob.glob(EXAMPLES + "/**/*.py", recursive=True)):
        if "/networking/" not in f:
            out.append((os.path.basename(f)[:-3], f))
    return out


def read_args():
    args = {}
    with open(os.path.join(HERE, "args")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, _, rest = line.rstrip("\n").partition(" ")
            args[name] = rest
    return args


def split_args(s, subst):
    import shlex
    return [a.format(**subst) for a in shlex.split(s)]


def resolve(path, argv):
    """A shell wrapper ('$lib/ucalls -l java "$@"') becomes its tool."""
    with open(path, "rb") as f:
        head = f.read(2048).decode("utf-8", "replace")
    m = re.search(r'^\$lib/(\w+) (-l \w+) "\$@"', head, re.M)
    if head.startswith("#!/bin/bash") and m:
        return os.path.join(os.path.dirname(path), m.group(1)), \
            m.group(2).split() + argv
    return path, argv


def to_flags(plan, usdt_flag):
    flags, pid, bad = [], None, list(plan["unsupported"])
    for c in plan["cflags"]:
        if c.startswith("-D") or c.startswith("-I"):
            flags += [c[:2], c[2:]]
    for a in plan["attach"]:
        k, fn = a["kind"], a.get("fn", "")
        if k in ("kprobe", "kretprobe"):
            if "off" in a:
                bad.append("kprobe offset")
                continue
            tgt = a.get("event") or "/%s/" % a.get("re")
            flags += ["-k" if k == "kprobe" else "-r", "%s:%s" % (fn, tgt)]
        elif k == "tracepoint":
            flags += ["-t", "%s:%s" % (fn, a["tp"])]
        elif k in ("uprobe", "uretprobe"):
            if "addr" in a or "off" in a:
                bad.append("uprobe by address/offset")
                continue
            sym = a.get("sym") or "/%s/" % a["re"]
            flags += ["-u" if k == "uprobe" else "-U",
                      "%s:%s:%s" % (fn, a["name"], sym)]
            pid = a.get("pid", pid)
        elif k == "perf_event":
            spec = "%s:%d:%d:" % (fn, a["type"], a["config"])
            spec += ("period=%d" % a["period"]) if "period" in a \
                else "freq=%d" % a["freq"]
            if "cpu" in a:
                spec += ":cpu=%d" % a["cpu"]
            flags += ["-P", spec]
            pid = a.get("pid", pid)
        else:
            bad.append(k)
    for u in plan["usdt"]:
        where = str(u["pid"]) if u["pid"] else u["path"]
        for p in u["probes"]:
            prov, _, name = p["probe"].rpartition(":")
            if not usdt_flag:
                bad.append("usdt")
                break
            flags += [usdt_flag, "%s:%s:%s:%s" % (p["fn"], where, prov, name)]
        if u["pid"]:
            pid = u["pid"]
    for w in plan["map_writes"]:
        if w["key"] is None or w["value"] is None:
            bad.append("a struct written into a map")
            continue
        flags += ["--set", "%s:%s=%s" % (w["table"], w["key"], w["value"])]
    if pid:
        flags += ["-p", str(pid)]
    return flags, sorted(set(bad))


def data_lines(out):
    n = 0
    for line in out.splitlines():
        s = line.strip()
        if not s or re.match(r"^\S+:$", s):
            continue
        n += 1
    return n


def first_error(err):
    for line in err.splitlines():
        if "error:" in line:
            return line.strip()
    lines = [l for l in err.splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def run_one(name, path, argv, work, bpfrun, usdt_flag):
    plan_f = os.path.join(work, name + ".plan.json")
    tool, argv = resolve(path, argv)
    try:
        os.unlink(plan_f)
    except FileNotFoundError:
        pass
    try:
        cap = subprocess.run([PY, os.path.join(HERE, "capture.py"), plan_f,
                              tool] + argv, capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
        cap_err = cap.stderr + cap.stdout
    except subprocess.TimeoutExpired:
        cap_err = "capture timed out"
    if not os.path.exists(plan_f):
        return "tool", first_error(cap_err)[:160], []
    with open(plan_f) as f:
        plan = json.load(f)
    if plan.get("error"):
        return "tool", plan["error"][:160], []
    flags, bad = to_flags(plan, usdt_flag)
    if bad:
        return "unsupported", ", ".join(bad), flags
    src = os.path.join(work, name + ".c")
    with open(src, "w") as f:
        f.write(plan["text"])
    # attached first, then the workload, then Ctrl-C: as a user runs it
    # (not -c, which takes the place of -p)
    cmd = [bpfrun] + flags + [src]
    out_f = open(os.path.join(work, name + ".out"), "w+")
    p = subprocess.Popen(cmd, stdout=out_f, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, text=True,
                         errors="replace")
    err = []
    t0 = time.time()
    for line in p.stderr:
        err.append(line)
        if "attached" in line or time.time() - t0 > 120:
            break
    if p.poll() is None:
        subprocess.run([os.path.join(HERE, "workload.sh")],
                       stdin=subprocess.DEVNULL, timeout=120)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
    try:
        _, rest = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, rest = p.communicate()
    err.append(rest)
    out_f.seek(0)
    r = subprocess.CompletedProcess(cmd, p.returncode, out_f.read(),
                                    "".join(err))
    out_f.close()
    with open(os.path.join(work, name + ".err"), "w") as f:
        f.write(r.stderr)
    n = data_lines(r.stdout)
    # a stack map that filled up ends the run with 1, after the output
    full = re.search(r"^bpfrun: stack map \S+ is full", r.stderr, re.M)
    if r.returncode == 1 and full and n:
        return "output", "%d lines; %s" % (n, full.group(0)[8:]), flags
    if r.returncode != 0:
        kind = "compile" if re.search(r"error:|compile", r.stderr) \
            else "attach"
        return kind, first_error(r.stderr)[:160], flags
    return ("output", "%d lines" % n, flags) if n else \
        ("no-output", "", flags)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-o", default="/tmp/bcc-corpus")
    ap.add_argument("names", nargs="*")
    o = ap.parse_args()
    os.makedirs(o.o, exist_ok=True)
    bpfrun = os.environ.get("BPFRUN", os.path.join(TOP, "src/tools/bpfrun"))
    usdt_flag = os.environ.get("BPFRUN_USDT_FLAG", "")
    h = subprocess.run([bpfrun, "--help"], capture_output=True, text=True)
    m = re.search(r"^\s+(-\w) FUNC:BIN-or-PID:PROVIDER:PROBE", h.stdout, re.M)
    if m and not usdt_flag:
        usdt_flag = m.group(1)
    args = read_args()
    py = subprocess.Popen(["/usr/bin/python3.11",
                           os.path.join(HERE, "pytarget.py")])
    time.sleep(0.5)
    # a terminal for ttysnoop to watch ({tty}) and workload.sh to write to
    tty_master, tty_slave = os.openpty()
    os.set_blocking(tty_master, False)
    os.environ["BCC_CORPUS_TTY"] = os.ttyname(tty_slave)
    subst = {"py": py.pid, "tty": os.ttyname(tty_slave)}
    rows, counts = [], {}
    try:
        for name, path in programs():
            if o.names and name not in o.names:
                continue
            argv = split_args(args.get(name, ""), subst)
            t0 = time.time()
            st, why, flags = run_one(name, path, argv, o.o, bpfrun,
                                     usdt_flag)
            try:
                while os.read(tty_master, 4096):
                    pass    # what the workload wrote: room for the next
            except BlockingIOError:
                pass
            counts[st] = counts.get(st, 0) + 1
            rows.append((name, st, why, " ".join(flags)))
            print("%-22s %-11s %5.1fs %s" % (name, st, time.time() - t0,
                                             why), flush=True)
    finally:
        py.kill()
    total = len(rows)
    with open(os.path.join(o.o, "results.md"), "w") as f:
        f.write("bcc's %s programs through bpfrun (bench/bcc_corpus/run.py), "
            "%s, kernel %s\n\n" % (
            total, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            os.uname().release))
        f.write("| program | result | detail | bpfrun flags |\n|---|---|---|---|\n")
        for r in rows:
            f.write("| %s | %s | %s | `%s` |\n" % tuple(
                x.replace("|", "\\|") for x in r))
        f.write("\n" + ", ".join("%s %d" % kv for kv in
                                 sorted(counts.items())) + "\n")
    print("of %d: %s" % (total, ", ".join("%s %d" % kv for kv in
                                           sorted(counts.items()))))


if __name__ == "__main__":
    main()
