// SPDX-License-Identifier: Apache-2.0
/*
 * execve_kprobe_simple: the mistake worth making once. bcc attaches
 * kprobe__execve to the kernel function "execve", and there is none: a
 * system call's kernel function carries an architecture prefix
 * (__x64_sys_execve on x86_64, what get_syscall_fnname("execve") returns).
 * Attaching fails; the command says what to use instead: that name with a
 * kprobe, or TRACEPOINT_PROBE(syscalls, sys_enter_execve) as execve_simple.
 */
#include <linux/sched.h>

int kprobe__execve(struct pt_regs *ctx)
{
	bpf_trace_printk("start of execve\n");
	return 0;
}
