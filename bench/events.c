// SPDX-License-Identifier: Apache-2.0
/* A 32-byte event per getppid() of the load generator, through a perf buffer. */
struct event {
	u32 pid;
	u32 cpu;
	u64 ts;
	u64 seq;
	u64 pad;
};

BPF_PERF_OUTPUT(events);
BPF_ARRAY(seqs, u64, 1);

TRACEPOINT_PROBE(syscalls, sys_enter_getppid)
{
	char comm[16];
	struct event e = {};
	int zero = 0;
	u64 *seq;

	bpf_get_current_comm(&comm, sizeof(comm));
	/* "bpfrun_loadgen": compare the first 8 bytes, "bpfrun_l" */
	if (*(u64 *)comm != 0x6c5f6e7572667062ULL)
		return 0;
	seq = seqs.lookup(&zero);
	if (seq)
		e.seq = __sync_fetch_and_add(seq, 1);
	e.pid = bpf_get_current_pid_tgid() >> 32;
	e.cpu = bpf_get_smp_processor_id();
	e.ts = bpf_ktime_get_ns();
	events.perf_submit(args, &e, sizeof(e));
	return 0;
}
