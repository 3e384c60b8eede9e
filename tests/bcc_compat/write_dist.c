// SPDX-License-Identifier: Apache-2.0
/*
 * bcc's biolatency -D / ext4dist form: a BPF_HISTOGRAM keyed by a struct
 * of a section field and the slot, printed by print_log2_hist(
 * section_header="comm"): one histogram per comm, here of write() sizes
 * of the processes whose comm starts with "bcw_".
 */
#include <uapi/linux/ptrace.h>

struct dist_key {
	char comm[16];
	u64 slot;
};

BPF_HISTOGRAM(dist, struct dist_key);

TRACEPOINT_PROBE(syscalls, sys_enter_write)
{
	struct dist_key key = {};

	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (key.comm[0] != 'b' || key.comm[1] != 'c' || key.comm[2] != 'w' ||
	    key.comm[3] != '_')
		return 0;
	key.slot = bpf_log2l(args->count);
	dist.increment(key);
	return 0;
}
