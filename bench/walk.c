// SPDX-License-Identifier: Apache-2.0
/* A struct-walking program: the parent's tgid through task_struct. */
#include <linux/sched.h>

BPF_HASH(ppids, u32, u32);

TRACEPOINT_PROBE(syscalls, sys_enter_getppid)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	u32 ppid = task->real_parent->tgid;

	ppids.update(&pid, &ppid);
	return 0;
}
