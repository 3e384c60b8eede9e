// SPDX-License-Identifier: Apache-2.0
/*
 * opensnoop: the syscall lab's open(2) exercise. The enter tracepoints of
 * open and openat remember the filename pointer and flags per thread; the
 * exit tracepoints add the result and send the event. The filename is read
 * at exit, once the kernel has faulted it in for the open itself.
 * The host defines FILTER_PID (-p), FILTER_TID (-t), FILTER_UID (-u),
 * FAILED_ONLY (-x), TMPFILE_ONLY (--tmpfile).
 */
#include <linux/sched.h>

#include "bpfrun_filter.h"
#include "opensnoop.h"

struct open_start {
	const char *filename;
	int flags;
};

BPF_HASH(starts, u32, struct open_start);
BPF_PERF_OUTPUT(events);

static __always_inline int on_enter(const char *filename, int flags)
{
	u64 id = bpf_get_current_pid_tgid();
	struct open_start s = { .filename = filename, .flags = flags };
	u32 tid = id;

	if (bpfrun_filtered())
		return 0;
#ifdef TMPFILE_ONLY
	if ((flags & OPENSNOOP_O_TMPFILE) != OPENSNOOP_O_TMPFILE)
		return 0;
#endif
	starts.update(&tid, &s);
	return 0;
}

static __always_inline int on_exit(void *ctx, long ret)
{
	u64 id = bpf_get_current_pid_tgid();
	struct open_event ev = {};
	struct open_start *s;
	u32 tid = id;

	s = starts.lookup(&tid);
	if (!s)
		return 0;
#ifdef FAILED_ONLY
	if (ret >= 0)
		goto out;
#endif
	ev.ts = bpf_ktime_get_ns();
	ev.pid = id >> 32;
	ev.uid = bpf_get_current_uid_gid();
	ev.flags = s->flags;
	ev.ret = ret;
	bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
	bpf_probe_read_user_str(ev.filename, sizeof(ev.filename), s->filename);
	events.perf_submit(ctx, &ev, sizeof(ev));
#ifdef FAILED_ONLY
out:
#endif
	starts.delete(&tid);
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_enter_openat)
{
	return on_enter(args->filename, args->flags);
}

TRACEPOINT_PROBE(syscalls, sys_exit_openat)
{
	return on_exit(args, args->ret);
}

TRACEPOINT_PROBE(syscalls, sys_enter_open)
{
	return on_enter(args->filename, args->flags);
}

TRACEPOINT_PROBE(syscalls, sys_exit_open)
{
	return on_exit(args, args->ret);
}
