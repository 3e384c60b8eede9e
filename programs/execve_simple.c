// SPDX-License-Identifier: Apache-2.0
/*
 * execve_simple: a system call tracepoint. TRACEPOINT_PROBE(syscalls,
 * sys_enter_execve) attaches itself to syscalls:sys_enter_execve, and bcc
 * gives it "args", laid out as the tracepoint's format file says:
 * /sys/kernel/tracing/events/syscalls/sys_enter_execve/format.
 * Runs in the process calling execve(), before the new program is loaded:
 * its comm is still the caller's.
 */
#include <linux/sched.h>

#define FILENAME_LEN 128

TRACEPOINT_PROBE(syscalls, sys_enter_execve)
{
	char filename[FILENAME_LEN];

	/* args->filename points into the caller's memory: a user read */
	if (bpf_probe_read_user_str(filename, sizeof(filename),
				    args->filename) < 0)
		filename[0] = '\0';
	/*
	 * One %s per bpf_trace_printk(): the pid and comm are in every
	 * trace_pipe line already.
	 */
	bpf_trace_printk("execve filename = %s\n", filename);
	return 0;
}
