// SPDX-License-Identifier: Apache-2.0
/* badclose: close() on fds that are not open. See programs/badclose.c. */
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "../../programs/badclose.h"

static const struct argp_option options[] = {
	TOOL_EVENT_OPTS,
	{ 0 }
};

static const struct tool_cmd cmd = {
	.name = "badclose",
	.doc = "Print every close() on an invalid file descriptor (one that returned\n"
	       "EBADF): the process (PID, COMM) and the fd it tried to close, from\n"
	       "tracepoints syscalls:sys_enter_close and sys_exit_close.\n"
	       "Runs until Ctrl-C.",
	.examples = "    sudo badclose                   # every bad close\n"
		    "    sudo badclose -p 181            # only PID 181",
	.options = options,
};

static const struct tool_col cols[] = {
	{ "PID", 7, true }, { "COMM", 16, false }, { "FD", 0, true },
};

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	struct badclose_event e;
	char pid[16], comm[sizeof(e.comm) + 1], fd[16];

	if (size < sizeof(e))
		return 0;
	/* a perf sample's data is 4 bytes past 8-byte alignment: ts is u64 */
	memcpy(&e, data, sizeof(e));
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(e.comm), e.comm);
	if (!tool_name_shown(ctx, comm))
		return 0;
	snprintf(pid, sizeof(pid), "%u", e.pid);
	snprintf(fd, sizeof(fd), "%d", e.fd);
	tool_print_row(ctx, cols, ARRAY_SIZE(cols),
		       (const char *[]){ pid, comm, fd }, e.ts, e.uid);
	return 0;
}

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };

	tool_parse(&t, argc, argv);
	return tool_run_events(&t, cols, ARRAY_SIZE(cols), on_event, &t);
}
