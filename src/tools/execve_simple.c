// SPDX-License-Identifier: Apache-2.0
/* execve_simple: a syscall tracepoint. See programs/execve_simple.c. */
#include <stdio.h>

#include "tool.h"

static const struct tool_cmd cmd = {
	.name = "execve_simple",
	.doc = "Print a line for every execve() on the system: the pid, the comm of\n"
	       "the process calling it (the kernel shows <...> for a comm it did not\n"
	       "record) and the file it executes. The program is\n"
	       "TRACEPOINT_PROBE(syscalls, sys_enter_execve) in programs/execve_simple.c;\n"
	       "a tracepoint needs no kprobes, so it runs on every kernel with\n"
	       "CONFIG_FTRACE_SYSCALLS. Output is read from trace_pipe as\n"
	       "  PID COMM execve filename = FILE\n"
	       "Runs until Ctrl-C.",
	.examples = "    sudo execve_simple              # trace every exec\n"
		    "    sudo execve_simple -f my.c      # run an edited copy of the program\n"
		    "    sudo execve_simple -v           # say which headers and probes",
	.trace = 1,
};

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };

	tool_parse(&t, argc, argv);
	return tool_run_trace(&t);
}
