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

static const struct tool_col cols[] = {
	{ "HPID", 7, true }, { "HPPID", 7, true }, { "COMM", 16, false },
	{ "MODE", 4, false }, { "PID", 7, true }, { "PPID", 7, true },
	{ "PIDNS", 10, true }, { "FILE", 0, false },
};

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	const struct fchmod_event *e = data;

	char v[7][24], comm[sizeof(e->comm) + 1], file[sizeof(e->filename) + 1];

	if (size < sizeof(*e))
		return 0;
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(e->comm), e->comm);
	snprintf(file, sizeof(file), "%.*s", (int)sizeof(e->filename),
		 e->filename);
	if (!tool_name_shown(ctx, comm))
		return 0;
	snprintf(v[0], sizeof(v[0]), "%u", e->host_pid);
	snprintf(v[1], sizeof(v[1]), "%u", e->host_ppid);
	snprintf(v[2], sizeof(v[2]), "%04o", e->mode & 07777);
	snprintf(v[3], sizeof(v[3]), "%u", e->pid);
	snprintf(v[4], sizeof(v[4]), "%u", e->ppid);
	snprintf(v[5], sizeof(v[5]), "%u", e->pid_ns);
	tool_print_row(ctx, cols, ARRAY_SIZE(cols),
		       (const char *[]){ v[0], v[1], comm, v[2], v[3], v[4],
					 v[5], file },
		       e->ts, e->uid);
	return 0;
}

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };

	tool_parse(&t, argc, argv);
	return tool_run_events(&t, cols, ARRAY_SIZE(cols), on_event, &t);
}
