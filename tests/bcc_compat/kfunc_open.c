// SPDX-License-Identifier: Apache-2.0
/*
 * opensnoop's form where BPF.support_kfunc(): KFUNC_PROBE and
 * KRETFUNC_PROBE on do_sys_openat2, the arguments and the result read as
 * BPF_PROG gives them. Counts the target's opens by result.
 */
#include <uapi/linux/ptrace.h>

BPF_HASH(rets, s64, u64);
BPF_HASH(entries, u64, u64);

KFUNC_PROBE(do_sys_openat2, int dfd, const char __user *filename)
{
	u64 zero = 0, *c, key = 0;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	c = entries.lookup_or_try_init(&key, &zero);
	if (c)
		(*c)++;
	return 0;
}

KRETFUNC_PROBE(do_sys_openat2, int dfd, const char __user *filename,
	       void *how, long ret)
{
	u64 zero = 0, *c;
	s64 r = ret;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	c = rets.lookup_or_try_init(&r, &zero);
	if (c)
		(*c)++;
	return 0;
}
