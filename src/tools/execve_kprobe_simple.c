// SPDX-License-Identifier: Apache-2.0
/*
 * execve_kprobe_simple: kprobe__execve, attached as bcc would, to a kernel
 * function that does not exist. See programs/execve_kprobe_simple.c.
 */
#include <stdio.h>

#include "tool.h"

static const struct tool_cmd cmd = {
	.name = "execve_kprobe_simple",
	.doc = "Try to trace execve() with a kprobe named kprobe__execve, as bcc's\n"
	       "auto-attach would: on the kernel function \"execve\". There is no such\n"
	       "function: a system call's kernel function has an architecture prefix\n"
	       "(__x64_sys_execve on x86_64). So this command fails, on purpose, with\n"
	       "\"cannot attach kprobe, probe entry may not exist\", the kernel's real\n"
	       "symbol and the tracepoint to use instead (see execve_simple), and\n"
	       "exits 1. Nothing is left attached or loaded.",
	.examples = "    sudo execve_kprobe_simple       # see why it fails\n"
		    "    sudo execve_kprobe_simple -f fixed.c  # try a corrected program",
};

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };
	int err;

	tool_parse(&t, argc, argv);
	/* trace_pipe only once attached: the attach error is the lesson */
	err = tool_start(&t);
	if (err)
		goto cleanup;
	err = bpfrun_trace_pipe_open(&t.tp);
	if (err)
		goto cleanup;
	err = tool_trace_loop(&t);
cleanup:
	return tool_close(&t, err);
}
