// SPDX-License-Identifier: Apache-2.0
/*
 * A kretprobe that also reads an argument register, which at return holds
 * nothing the sys_exit tracepoint can stand for: refused without kprobes.
 */
#include <uapi/linux/ptrace.h>

BPF_HASH(rets, u64, u64);

int trace_return(struct pt_regs *ctx)
{
	u64 flags = PT_REGS_PARM3(ctx), ret = PT_REGS_RC(ctx);

	rets.update(&flags, &ret);
	return 0;
}
