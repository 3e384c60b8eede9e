// SPDX-License-Identifier: Apache-2.0
/*
 * The opensnoop form: attach_kretprobe(event=b.get_syscall_fnname("openat"),
 * fn_name="trace_return"), the result as PT_REGS_RC(ctx); counts results.
 * Without kprobes it runs at syscalls:sys_exit_openat.
 */
#include <uapi/linux/ptrace.h>

BPF_HASH(rets, s64, u64);

int trace_return(struct pt_regs *ctx)
{
	s64 ret = PT_REGS_RC(ctx);
	u64 zero = 0, *c;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	c = rets.lookup_or_try_init(&ret, &zero);
	if (c)
		(*c)++;
	return 0;
}
