// SPDX-License-Identifier: Apache-2.0
/*
 * profile's and runqlen's form: attach_perf_event(ev_type=
 * PerfType.SOFTWARE, ev_config=PerfSWConfig.CPU_CLOCK, fn_name="do_perf_event",
 * sample_freq=99) on every CPU; counts the samples of one process by CPU.
 */
#include <uapi/linux/ptrace.h>
#include <uapi/linux/bpf_perf_event.h>

BPF_HASH(samples, u32, u64);

int do_perf_event(struct bpf_perf_event_data *ctx)
{
	u32 cpu = bpf_get_smp_processor_id();
	u64 zero = 0, *c;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	c = samples.lookup_or_try_init(&cpu, &zero);
	if (c)
		__sync_fetch_and_add(c, 1);
	return 0;
}
