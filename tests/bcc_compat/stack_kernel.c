// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel half of offcputime's and stackcount's keys, on a tracepoint:
 * the kernel stack of each openat() of one process, counted by stack
 * (the stack map named "stacks", as offcputime names it).
 */
struct key_t {
	u32 pid;
	int kernel_stack_id;
};

BPF_STACK_TRACE(stacks, 256);
BPF_HASH(opens, struct key_t, u64);

TRACEPOINT_PROBE(syscalls, sys_enter_openat)
{
	struct key_t key = {};

	key.pid = bpf_get_current_pid_tgid() >> 32;
	if (key.pid != FILTER_PID)
		return 0;
	key.kernel_stack_id = stacks.get_stackid(args, 0);
	opens.increment(key);
	return 0;
}
