// SPDX-License-Identifier: Apache-2.0
/*
 * bench/metrics.sh's map: one entry per getppid() call of a process named
 * bpfm_fill, keyed by a struct (so every entry is a labelled series).
 */
struct key_t {
	u32 seq;
	u32 pid;
	char comm[16];
};
BPF_HASH(entries, struct key_t, u64, 16384);
BPF_ARRAY(next_seq, u64, 1);	/* u64: a fetch-and-add of u32 aborts LLVM */

TRACEPOINT_PROBE(syscalls, sys_enter_getppid)
{
	struct key_t k = {};
	int zero = 0;
	u64 *seq;

	bpf_get_current_comm(&k.comm, sizeof(k.comm));
	if (k.comm[0] != 'b' || k.comm[1] != 'p' || k.comm[2] != 'f' ||
	    k.comm[3] != 'm' || k.comm[4] != '_')
		return 0;
	seq = next_seq.lookup(&zero);
	if (!seq)
		return 0;
	k.seq = __sync_fetch_and_add(seq, 1);
	k.pid = bpf_get_current_pid_tgid() >> 32;
	entries.increment(k, k.seq + 1);
	return 0;
}
