// SPDX-License-Identifier: Apache-2.0
/*
 * The execsnoop/killsnoop form: syscall__openat(ctx, dfd, filename, flags)
 * attached with attach_kprobe(event=b.get_syscall_fnname("openat")), the
 * arguments read by bcc's rewriting of them (through the syscall's own
 * registers). Counts opens by path and flags. Without kprobes it runs at
 * raw tracepoint sys_enter, for openat only.
 */
#include <uapi/linux/ptrace.h>

struct open_t {
	char path[32];
	int flags;
};

BPF_HASH(opens, struct open_t, u64);

int syscall__openat(struct pt_regs *ctx, int dfd,
		    const char __user *filename, int flags)
{
	struct open_t k = {};
	u64 zero = 0, *c;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	bpf_probe_read_user_str(k.path, sizeof(k.path), filename);
	k.flags = flags;
	c = opens.lookup_or_try_init(&k, &zero);
	if (c)
		(*c)++;
	return 0;
}
