// SPDX-License-Identifier: Apache-2.0
/*
 * A stack map too small for what it is given: BPF_STACK_TRACE of 4
 * entries, and the target's leaf() reached through 64 distinct user
 * stacks. get_stackid() then answers -EEXIST (the bucket holds another
 * stack) or -ENOMEM, and the key holds that; counted by stack id.
 */
#include <uapi/linux/ptrace.h>

BPF_STACK_TRACE(stack_traces, 4);
BPF_HASH(counts, int, u64);

int on_leaf(struct pt_regs *ctx)
{
	int stack_id;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
	counts.increment(stack_id);
	return 0;
}
