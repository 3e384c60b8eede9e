// SPDX-License-Identifier: Apache-2.0
/*
 * stackcount's and stacksnoop's form on a uprobe: attach_uprobe(name=
 * TARGET, sym="chain_c", fn_name="on_call"), the user stack of each call
 * kept in a BPF_STACK_TRACE table; counted by (pid, stack) in a map as
 * stackcount does, and sent as an event as stacksnoop does.
 */
#include <uapi/linux/ptrace.h>

struct key_t {
	u32 tgid;
	int user_stack_id;
	char comm[16];
};

struct event_t {
	u32 pid;
	int stack_id;
	char comm[16];
};

BPF_STACK_TRACE(stack_traces, 1024);
BPF_HASH(counts, struct key_t, u64);
BPF_PERF_OUTPUT(events);

int on_call(struct pt_regs *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct key_t key = {};
	struct event_t ev = {};

	if ((id >> 32) != FILTER_PID)
		return 0;
	key.tgid = id >> 32;
	key.user_stack_id = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	counts.increment(key);

	ev.pid = id;
	ev.stack_id = key.user_stack_id;
	__builtin_memcpy(ev.comm, key.comm, sizeof(ev.comm));
	events.perf_submit(ctx, &ev, sizeof(ev));
	return 0;
}
