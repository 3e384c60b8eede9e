// SPDX-License-Identifier: Apache-2.0
/*
 * badclose: the syscall lab's close(2) exercise. sys_exit_close only has
 * the result, so sys_enter_close remembers the fd per thread, and the exit
 * reports it when close() returned -EBADF: a descriptor that was not open.
 * The host defines FILTER_PID, FILTER_TID and FILTER_UID for -p, -t, -u.
 */
#include <linux/sched.h>

#include "bpfrun_filter.h"
#include "badclose.h"

BPF_HASH(fds, u32, int);
BPF_PERF_OUTPUT(events);

TRACEPOINT_PROBE(syscalls, sys_enter_close)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tid = id;
	int fd = args->fd;

	if (bpfrun_filtered())
		return 0;
	fds.update(&tid, &fd);
	return 0;
}

TRACEPOINT_PROBE(syscalls, sys_exit_close)
{
	u64 id = bpf_get_current_pid_tgid();
	struct badclose_event ev = {};
	u32 tid = id;
	int *fd;

	fd = fds.lookup(&tid);
	if (!fd)
		return 0;
	if (args->ret == -BADCLOSE_EBADF) {
		ev.ts = bpf_ktime_get_ns();
		ev.pid = id >> 32;
		ev.uid = bpf_get_current_uid_gid();
		ev.fd = *fd;
		bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
		events.perf_submit(args, &ev, sizeof(ev));
	}
	fds.delete(&tid);
	return 0;
}
