// SPDX-License-Identifier: Apache-2.0
/*
 * bcc's vfscount: attach_kprobe(event_re="^vfs_.*", fn_name="do_count"),
 * counting calls by function address; and a return probe on a pattern.
 */
#include <uapi/linux/ptrace.h>

struct key_t {
	u64 ip;
};
BPF_HASH(counts, struct key_t, u64, 256);
BPF_ARRAY(returns, u64, 1);

int do_count(struct pt_regs *ctx)
{
	struct key_t key = {};

	key.ip = PT_REGS_IP(ctx);
	counts.increment(key);
	return 0;
}

int do_return(struct pt_regs *ctx)
{
	returns.increment(0);
	return 0;
}
