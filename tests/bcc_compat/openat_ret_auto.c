// SPDX-License-Identifier: Apache-2.0
/*
 * The older form, which attaches itself by name: kretprobe__sys_openat
 * (the function's name before kernels had syscall wrappers). A branch
 * gives PT_REGS_RC(ctx) to the map from two paths.
 */
#include <uapi/linux/ptrace.h>

BPF_HASH(rets, s64, u64);

int kretprobe__sys_openat(struct pt_regs *ctx)
{
	u64 zero = 0, *c;
	s64 ret;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	if (bpf_ktime_get_ns() & 1)
		ret = PT_REGS_RC(ctx);
	else
		ret = (s64)ctx->ax;
	c = rets.lookup_or_try_init(&ret, &zero);
	if (c)
		(*c)++;
	return 0;
}
