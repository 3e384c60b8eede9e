// SPDX-License-Identifier: Apache-2.0
/* opensnoop: which files are opened, by whom. See programs/opensnoop.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "../../programs/opensnoop.h"

enum { OPT_TMPFILE = 0x200 };

static const struct argp_option options[] = {
	TOOL_EVENT_OPTS,
	TOOL_OPT_FAILED,
	{ "tmpfile", OPT_TMPFILE, NULL, 0,
	  "only opens that create a temporary file (O_TMPFILE)", 0 },
	{ 0 }
};

static int option(struct tool *t, int key, char *arg, struct argp_state *state)
{
	(void)arg;
	(void)state;
	if (key != OPT_TMPFILE)
		return ARGP_ERR_UNKNOWN;
	tool_add_cflag(t, "-DTMPFILE_ONLY");
	return 0;
}

static const struct tool_cmd cmd = {
	.name = "opensnoop",
	.doc = "Print every open() and openat() on the system: the process (PID, COMM),\n"
	       "the result (the new fd, or the error's name such as ENOENT) and the path\n"
	       "asked for, from tracepoints syscalls:sys_{enter,exit}_{open,openat}.\n"
	       "A file opened with O_TMPFILE has no name: its path is the directory.\n"
	       "Runs until Ctrl-C.",
	.examples = "    sudo opensnoop                  # every open\n"
		    "    sudo opensnoop -p 181           # only PID 181\n"
		    "    sudo opensnoop -x               # only failed opens\n"
		    "    sudo opensnoop --tmpfile        # only temporary files",
	.options = options,
	.option = option,
};

static const struct tool_col cols[] = {
	{ "PID", 7, true }, { "COMM", 16, false }, { "RESULT", 8, false }, { "PATH", 0, false },
};

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	struct open_event copy;
	const struct open_event *e = &copy;
	char res[32], pid[16], comm[sizeof(e->comm) + 1];

	if (size < sizeof(copy))
		return 0;
	/* a perf sample's data is 4 bytes past 8-byte alignment: ret is s64 */
	memcpy(&copy, data, sizeof(copy));
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(e->comm), e->comm);
	if (!tool_name_shown(ctx, comm))
		return 0;
	if (e->ret >= 0) {
		snprintf(res, sizeof(res), "%lld", (long long)e->ret);
	} else {
		const char *name = strerrorname_np(-e->ret);

		if (name)
			snprintf(res, sizeof(res), "%s", name);
		else
			snprintf(res, sizeof(res), "%lld", (long long)e->ret);
	}
	snprintf(pid, sizeof(pid), "%u", e->pid);
	tool_print_row(ctx, cols, ARRAY_SIZE(cols),
		       (const char *[]){ pid, comm, res, e->filename },
		       e->ts, e->uid);
	return 0;
}

int main(int argc, char **argv)
{
	struct tool t = { .cmd = &cmd };

	tool_parse(&t, argc, argv);
	return tool_run_events(&t, cols, ARRAY_SIZE(cols), on_event, &t);
}
