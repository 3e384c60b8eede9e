// SPDX-License-Identifier: Apache-2.0
/*
 * bcc's examples/tracing/strlen_count.py: attach_uprobe(name="c",
 * sym="strlen", fn_name="count"), the string read from PT_REGS_PARM1.
 * strlen is an IFUNC in glibc: the probe must land on the implementation.
 */
#include <uapi/linux/ptrace.h>

struct key_t {
	char c[16];
};
BPF_HASH(counts, struct key_t, u64);

int count(struct pt_regs *ctx)
{
	struct key_t key = {};
	u64 zero = 0, *val;

	if (!PT_REGS_PARM1(ctx))
		return 0;
	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	bpf_probe_read_user(&key.c, sizeof(key.c), (void *)PT_REGS_PARM1(ctx));
	val = counts.lookup_or_try_init(&key, &zero);
	if (val)
		(*val)++;
	return 0;
}
