// SPDX-License-Identifier: Apache-2.0
/* printk_sample: bcc's first sample in C. See programs/printk_sample.c. */
#include <stdio.h>

#include "tool.h"

static const struct tool_cmd cmd = {
	.name = "printk_sample",
	.doc = "Print a line for every execve() on the system, from bpf_trace_printk()\n"
	       "in programs/printk_sample.c, attached with a kprobe to the kernel's\n"
	       "execve function (get_syscall_fnname(\"execve\")). On kernels without\n"
	       "kprobes it is attached to tracepoint syscalls:sys_enter_execve instead.\n"
	       "Runs until Ctrl-C.",
	.examples = "    sudo printk_sample              # trace every exec\n"
		    "    sudo printk_sample -f my.c      # run an edited copy of the program\n"
		    "    sudo printk_sample --headers=btf",
	.trace = 1,
};

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };
	char fn[128];
	int err;

	tool_parse(&t, argc, argv);

	err = tool_start(&t);
	if (err)
		goto cleanup;
	err = bpfrun_syscall_fnname(NULL, "execve", fn, sizeof(fn));
	if (err)
		goto cleanup;
	err = bpfrun_attach(t.b, BPFRUN_KPROBE, "syscall__execve", fn);
	if (err)
		goto cleanup;
	err = tool_trace_loop(&t);
cleanup:
	return tool_close(&t, err);
}
