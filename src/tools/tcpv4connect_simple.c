// SPDX-License-Identifier: Apache-2.0
/* tcpv4connect_simple: kprobe and kretprobe. See programs/tcpv4connect_simple.c. */
#include <stdio.h>

#include "tool.h"

static const struct tool_cmd cmd = {
	.name = "tcpv4connect_simple",
	.doc = "Trace the kernel's tcp_v4_connect() with a kprobe (kprobe__tcp_v4_connect)\n"
	       "and a kretprobe (kretprobe__tcp_v4_connect): a line when an IPv4 TCP\n"
	       "connect starts and one with its return value, as\n"
	       "  PID COMM start of tcp4connect\n"
	       "  PID COMM return value of tcp4connect N\n"
	       "read from trace_pipe. Runs until Ctrl-C. Needs a kernel with kprobes\n"
	       "(CONFIG_KPROBES); without them it says so and exits 1.",
	.examples = "    sudo tcpv4connect_simple        # then, elsewhere: wget example.com\n"
		    "    sudo tcpv4connect_simple -f my.c  # run an edited copy",
	.trace = 1,
};

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };

	tool_parse(&t, argc, argv);
	return tool_run_trace(&t);
}
