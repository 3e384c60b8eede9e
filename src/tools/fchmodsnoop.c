// SPDX-License-Identifier: Apache-2.0
/* fchmodsnoop: fchmodat() through a ring buffer. See programs/fchmodsnoop.c. */
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"
#include "../../programs/fchmodsnoop.h"

static const char usage[] =
	"Usage: fchmodsnoop [OPTIONS]\n"
	"\n"
	"Print every fchmodat() (what chmod(1) calls) on the system, each event\n"
	"sent through a BPF ring buffer from tracepoint syscalls:sys_enter_fchmodat:\n"
	"  HPID HPPID   the process and its parent, as the host sees them\n"
	"  COMM MODE FILE  the command, the new mode in octal, the path\n"
	"  PID PPID PIDNS  the process and its parent as its own pid namespace\n"
	"                  sees them (PPID 0: the parent is outside it), and\n"
	"                  that namespace's inode number (as in\n"
	"                  readlink /proc/PID/ns/pid)\n"
	"HPPID and the namespace ids are read from kernel structs: they are right\n"
	"only with kernel headers that match the running kernel (or --headers=btf).\n"
	"Runs until Ctrl-C.\n"
	"\n"
	"Options:\n"
	"  -p, --pid=PID       only this process (its host pid)\n"
	TOOL_OPTIONS_HELP "\n" TOOL_ENV_HELP
	"\n"
	"EXAMPLES:\n"
	"    sudo fchmodsnoop                # every chmod\n"
	"    sudo fchmodsnoop --headers=btf  # struct layouts from the kernel's BTF\n"
	"    sudo fchmodsnoop -p 181         # only PID 181\n";

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	const struct fchmod_event *e = data;

	if (size < sizeof(*e))
		return 0;
	printf("%-7u %-7u %-16.16s %04o %-7u %-7u %-10u %s\n", e->host_pid,
	       e->host_ppid, e->comm, e->mode & 07777, e->pid, e->ppid,
	       e->pid_ns, e->filename);
	return 0;
}

static const char header[] = "HPID    HPPID   COMM             MODE PID     PPID    PIDNS      FILE\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		TOOL_LONGOPTS,
		{ 0 },
	};
	struct tool t = { .name = "fchmodsnoop", .usage = usage };
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
