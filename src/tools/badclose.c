// SPDX-License-Identifier: Apache-2.0
/* badclose: close() on fds that are not open. See programs/badclose.c. */
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"
#include "../../programs/badclose.h"

static const char usage[] =
	"Usage: badclose [OPTIONS]\n"
	"\n"
	"Print every close() on an invalid file descriptor (one that returned\n"
	"EBADF): the process (PID, COMM) and the fd it tried to close, from\n"
	"tracepoints syscalls:sys_enter_close and sys_exit_close.\n"
	"Runs until Ctrl-C.\n"
	"\n"
	"Options:\n"
	"  -p, --pid=PID       only this process\n"
	TOOL_OPTIONS_HELP "\n" TOOL_ENV_HELP
	"\n"
	"EXAMPLES:\n"
	"    sudo badclose                   # every bad close\n"
	"    sudo badclose -p 181            # only PID 181\n";

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	const struct badclose_event *e = data;

	if (size < sizeof(*e))
		return 0;
	printf("%-7u %-16.16s %d\n", e->pid, e->comm, e->fd);
	return 0;
}

static const char header[] = "PID     COMM             FD\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		TOOL_LONGOPTS,
		{ 0 },
	};
	struct tool t = { .name = "badclose", .usage = usage };
	int c, err;

	while ((c = getopt_long(argc, argv, "p:" TOOL_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == 'p') {
			tool_pid_option(&t, optarg);
		} else if (tool_option(&t, c, optarg)) {
			tool_usage_error(&t, "unknown option");
		}
	}
	if (optind < argc)
		tool_usage_error(&t, "unexpected argument '%s'", argv[optind]);

	err = tool_open(&t);
	if (err)
		goto cleanup;
	err = tool_event_loop(&t, header, on_event, NULL);
cleanup:
	return tool_close(&t, err);
}
