// SPDX-License-Identifier: Apache-2.0
/*
 * memleak's form: attach_uprobe(name="c", sym="malloc", fn_name=
 * "malloc_enter", pid=PID), the size as the function's second argument
 * (bcc turns it into PT_REGS_PARM1). Counts calls by size.
 */
#include <uapi/linux/ptrace.h>

BPF_HASH(sizes, u64, u64);

int malloc_enter(struct pt_regs *ctx, size_t size)
{
	u64 zero = 0, *c;
	u64 key = size;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	c = sizes.lookup_or_try_init(&key, &zero);
	if (c)
		(*c)++;
	return 0;
}
