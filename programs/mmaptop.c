// SPDX-License-Identifier: Apache-2.0
/*
 * mmaptop: the syscall lab's mmap(2) exercise, on tracepoint
 * syscalls:sys_enter_mmap. Three tables the host reads at the end: calls
 * per process, a log2 histogram of the lengths asked for, and how many
 * mappings were private and how many shared (the flags argument).
 * FILTER_PID, FILTER_TID and FILTER_UID are given by the host for -p, -t, -u.
 */
#include <linux/sched.h>

#include "bpfrun_filter.h"
#include "mmaptop.h"

BPF_HASH(calls, u32, struct mmaptop_count, MMAPTOP_MAX_PIDS);
BPF_HISTOGRAM(sizes, int, MMAPTOP_SLOTS);
BPF_ARRAY(kinds, u64, MMAPTOP_NR_KINDS);

TRACEPOINT_PROBE(syscalls, sys_enter_mmap)
{
	u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct mmaptop_count zero = {}, *c;
	unsigned long type = args->flags & MMAPTOP_MAP_TYPE;
	int kind = MMAPTOP_OTHER;

	if (bpfrun_filtered())
		return 0;
	c = calls.lookup_or_try_init(&pid, &zero);
	if (c) {
		__sync_fetch_and_add(&c->calls, 1);
		/* the latest name: a process may exec after its first mmap */
		bpf_get_current_comm(&c->comm, sizeof(c->comm));
	}
	/* slot n counts lengths in [2^(n-1), 2^n): bcc's log2 histogram */
	sizes.increment(bpf_log2l(args->len));
	if (type == MMAPTOP_MAP_PRIVATE)
		kind = MMAPTOP_PRIVATE;
	else if (type == MMAPTOP_MAP_SHARED ||
		 type == MMAPTOP_MAP_SHARED_VALIDATE)
		kind = MMAPTOP_SHARED;
	kinds.increment(kind);
	return 0;
}
