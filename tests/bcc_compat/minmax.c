// SPDX-License-Identifier: Apache-2.0
/*
 * Kernel macros that BTF cannot carry, as bcc's tools use them
 * (biolatpcts: min_t(size_t, div_u64(dur, NSEC_PER_MSEC), 99); ttysnoop:
 * WRITE), on the write() sizes we make: vals[1] = min_t(u64, count, 100),
 * vals[2] = max_t(u32, count, 7), vals[3] = WRITE, vals[4] = READ,
 * vals[5] = a NULL pointer compared, vals[6] = div_u64(count * 10, 3),
 * vals[7] = clamp_t(int, count, 10, 20), vals[8] = U32_MAX.
 */
#include <uapi/linux/ptrace.h>
#include <linux/fs.h>

BPF_HASH(vals, u32, u64);

static void put(u32 k, u64 v)
{
	vals.update(&k, &v);
}

TRACEPOINT_PROBE(syscalls, sys_enter_write)
{
	u64 count = args->count;
	void *p = NULL;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	put(1, min_t(u64, count, 100));
	put(2, max_t(u32, count, 7));
	put(3, WRITE);
	put(4, READ);
	put(5, p == NULL);
	put(6, div_u64(count * 10, 3));
	put(7, clamp_t(int, count, 10, 20));
	put(8, U32_MAX);
	return 0;
}
