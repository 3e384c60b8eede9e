// SPDX-License-Identifier: Apache-2.0
/*
 * bcc's threadsnoop: attach_uprobe(name="pthread", sym="pthread_create",
 * fn_name="do_entry"), which glibc 2.34 and later have in libc; the start
 * routine is the third argument.
 */
#include <linux/sched.h>

struct data_t {
	u64 ts;
	u32 pid;
	u64 start;
	char comm[TASK_COMM_LEN];
};

BPF_PERF_OUTPUT(events);

void do_entry(struct pt_regs *ctx)
{
	struct data_t data = {};

	data.ts = bpf_ktime_get_ns();
	data.pid = bpf_get_current_pid_tgid() >> 32;
	data.start = PT_REGS_PARM3(ctx);
	bpf_get_current_comm(&data.comm, sizeof(data.comm));

	events.perf_submit(ctx, &data, sizeof(data));
};
