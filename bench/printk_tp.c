// SPDX-License-Identifier: Apache-2.0
/* printk_sample's program on the execve tracepoint, for bcc Python. */
#include <linux/sched.h>

TRACEPOINT_PROBE(syscalls, sys_enter_execve)
{
	char comm[TASK_COMM_LEN];
	u32 pid = bpf_get_current_pid_tgid();

	bpf_get_current_comm(&comm, sizeof(comm));
	bpf_trace_printk("start of execve time = %ld , pid = %u, comm = %s\n",
			 bpf_ktime_get_ns(), pid, comm);
	return 0;
}
