// SPDX-License-Identifier: Apache-2.0
/* fchmodsnoop: fchmodat() through a ring buffer. See programs/fchmodsnoop.c. */
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>

#include "tool.h"
#include "../../programs/fchmodsnoop.h"

static const struct argp_option options[] = {
	TOOL_EVENT_OPTS,
	{ 0 }
};

static const struct tool_cmd cmd = {
	.name = "fchmodsnoop",
	.doc = "Print every fchmodat() (what chmod(1) calls) on the system, each event\n"
	       "sent through a BPF ring buffer from tracepoint syscalls:sys_enter_fchmodat:\n"
	       "  HPID HPPID   the process and its parent, as the host sees them\n"
	       "  COMM MODE FILE  the command, the new mode in octal, the path\n"
	       "  PID PPID PIDNS  the process and its parent as its own pid namespace\n"
	       "                  sees them (PPID 0: the parent is outside it), and\n"
	       "                  that namespace's inode number (as in\n"
	       "                  readlink /proc/PID/ns/pid)\n"
	       "HPPID and the namespace ids are read from kernel structs: they are right\n"
	       "only with kernel headers that match the running kernel (or --headers=btf).\n"
	       "Runs until Ctrl-C.",
	.examples = "    sudo fchmodsnoop                # every chmod\n"
		    "    sudo fchmodsnoop --headers=btf  # struct layouts from the kernel's BTF\n"
		    "    sudo fchmodsnoop -p 181         # only PID 181",
	.options = options,
};

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	const struct fchmod_event *e = data;

	if (size < sizeof(*e) || !tool_name_shown(ctx, e->comm))
		return 0;
	tool_print_prefix(ctx, e->ts, e->uid);
	printf("%-7u %-7u %-16.16s %04o %-7u %-7u %-10u %s\n", e->host_pid,
	       e->host_ppid, e->comm, e->mode & 07777, e->pid, e->ppid,
	       e->pid_ns, e->filename);
	return 0;
}

static const char header[] = "HPID    HPPID   COMM             MODE PID     PPID    PIDNS      FILE\n";

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };

	tool_parse(&t, argc, argv);
	return tool_run_events(&t, header, on_event, &t);
}
