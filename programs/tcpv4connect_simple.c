// SPDX-License-Identifier: Apache-2.0
/*
 * tcpv4connect_simple: a kprobe and a kretprobe on the kernel's
 * tcp_v4_connect(), attached by their names as bcc does: kprobe__X runs
 * when X is entered, kretprobe__X when it returns.
 */
#include <uapi/linux/ptrace.h>

int kprobe__tcp_v4_connect(struct pt_regs *ctx)
{
	bpf_trace_printk("start of tcp4connect\n");
	return 0;
}

int kretprobe__tcp_v4_connect(struct pt_regs *ctx)
{
	/* the return value register, at return: 0 or a negative errno */
	int ret = PT_REGS_RC(ctx);

	bpf_trace_printk("return value of tcp4connect %d\n", ret);
	return 0;
}
