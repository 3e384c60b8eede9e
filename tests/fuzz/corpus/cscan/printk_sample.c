// SPDX-License-Identifier: Apache-2.0
/*
 * printk_sample: the first step. Runs at every execve() and reports through
 * bpf_trace_printk(), which the host reads back from trace_pipe.
 * The host attaches syscall__execve to the kernel's execve function,
 * get_syscall_fnname("execve"), with a kprobe.
 */
#include <linux/sched.h>

struct data_t {
	u32 pid;
	char comm[TASK_COMM_LEN];
	u64 time;
};

int syscall__execve(struct pt_regs *ctx)
{
	struct data_t data = {};

	/* kernel time, in ns since boot */
	data.time = bpf_ktime_get_ns();
	/* the low 32 bits are the thread id, the pid of a single thread */
	data.pid = bpf_get_current_pid_tgid();
	bpf_get_current_comm(&data.comm, sizeof(data.comm));

	bpf_trace_printk("start of execve time = %ld , pid = %u, comm = %s\n",
			 data.time, data.pid, data.comm);
	return 0;
}
