// SPDX-License-Identifier: Apache-2.0
/* tcpv4connect_args: a kprobe's arguments. See programs/tcpv4connect_args.c. */
#include <arpa/inet.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "tool.h"
#include "../../programs/tcpv4connect_args.h"

static const struct argp_option options[] = {
	TOOL_EVENT_OPTS,
	{ 0 }
};

static const struct tool_cmd cmd = {
	.name = "tcpv4connect_args",
	.options = options,
	.doc = "Trace the kernel's tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr,\n"
	       "int addr_len) with a kprobe that reads its arguments, and print the\n"
	       "destination of each IPv4 TCP connect as\n"
	       "  PID COMM connect to ADDRESS port PORT addr_len N\n"
	       "Runs until Ctrl-C. Needs a kernel with kprobes (CONFIG_KPROBES); without\n"
	       "them it says so and exits 1.",
	.examples = "    sudo tcpv4connect_args          # then, elsewhere: curl http://127.0.0.1/\n"
		    "    sudo tcpv4connect_args -f my.c  # run an edited copy",
};

static const struct tool_col cols[] = {
	{ "PID", 6, true }, { "COMM", 12, false }, { "OUTPUT", 0, false },
};

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	struct connect_event e;
	char addr[INET_ADDRSTRLEN], pid[16], comm[sizeof(e.comm) + 1], out[96];

	if (size < sizeof(e))
		return 0;
	/* a perf sample's data is 4 bytes past 8-byte alignment: ts is u64 */
	memcpy(&e, data, sizeof(e));
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(e.comm), e.comm);
	if (!tool_name_shown(ctx, comm))
		return 0;
	inet_ntop(AF_INET, &e.daddr, addr, sizeof(addr));
	snprintf(pid, sizeof(pid), "%u", e.pid);
	snprintf(out, sizeof(out), "connect to %s port %u addr_len %d", addr,
		 e.dport, e.addr_len);
	tool_print_row(ctx, cols, ARRAY_SIZE(cols),
		       (const char *[]){ pid, comm, out }, e.ts, e.uid);
	return 0;
}

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };

	tool_parse(&t, argc, argv);
	return tool_run_events(&t, cols, ARRAY_SIZE(cols), on_event, &t);
}
