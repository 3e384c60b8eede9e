// SPDX-License-Identifier: Apache-2.0
/* tcpv4connect_simple: kprobe and kretprobe. See programs/tcpv4connect_simple.c. */
#include <stdio.h>

#include "tool.h"

static const char usage[] =
	"Usage: tcpv4connect_simple [OPTIONS]\n"
	"\n"
	"Trace the kernel's tcp_v4_connect() with a kprobe (kprobe__tcp_v4_connect)\n"
	"and a kretprobe (kretprobe__tcp_v4_connect): a line when an IPv4 TCP\n"
	"connect starts and one with its return value, as\n"
	"  PID COMM start of tcp4connect\n"
	"  PID COMM return value of tcp4connect N\n"
	"read from trace_pipe. Runs until Ctrl-C. Needs a kernel with kprobes\n"
	"(CONFIG_KPROBES); without them it says so and exits 1.\n"
	"\n"
	"Options:\n" TOOL_OPTIONS_HELP "\n" TOOL_ENV_HELP
	"\n"
	"EXAMPLES:\n"
	"    sudo tcpv4connect_simple        # then, elsewhere: wget example.com\n"
	"    sudo tcpv4connect_simple -f my.c  # run an edited copy\n";

int main(int argc, char **argv)
{
	struct tool t = { .name = "tcpv4connect_simple", .usage = usage,
			  .trace = 1 };
	int err;

	tool_parse_common(&t, argc, argv);

	err = tool_open(&t);
	if (err)
		goto cleanup;
	err = tool_trace_loop(&t);
cleanup:
	return tool_close(&t, err);
}
