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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		TOOL_LONGOPTS,
		{ 0 },
	};
	struct tool t = { .name = "badclose", .usage = usage };
	struct bpfrun_events_opts eo = { .on_event = on_event };
	struct bpfrun_events *ev = NULL;
	char pidflag[32];
	char *end;
	long pid;
	int c, err;

	while ((c = getopt_long(argc, argv, "p:" TOOL_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == 'p') {
			pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0 || pid > 0x7fffffff)
				tool_usage_error(&t, "bad PID '%s'", optarg);
			snprintf(pidflag, sizeof(pidflag), "-DFILTER_PID=%ld", pid);
			tool_add_cflag(&t, pidflag);
		} else if (tool_option(&t, c, optarg)) {
			tool_usage_error(&t, "unknown option");
		}
	}
	if (optind < argc)
		tool_usage_error(&t, "unexpected argument '%s'", argv[optind]);

	err = tool_open(&t);
	if (err)
		goto cleanup;
	err = bpfrun_events_open(t.b, "events", &eo, &ev);
	if (err)
		goto cleanup;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("%-7s %-16s %s\n", "PID", "COMM", "FD");
	while (!bpfrun_stopped()) {
		err = bpfrun_events_poll(ev, -1);
		if (err < 0)
			goto cleanup;
	}
	err = 0;
cleanup:
	bpfrun_events_close(ev);
	return tool_close(&t, err);
}
