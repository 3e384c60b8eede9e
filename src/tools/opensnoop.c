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

static const char usage[] =
	"Usage: opensnoop [OPTIONS]\n"
	"\n"
	"Print every open() and openat() on the system: the process (PID, COMM),\n"
	"the result (the new fd, or the error's name such as ENOENT) and the path\n"
	"asked for, from tracepoints syscalls:sys_{enter,exit}_{open,openat}.\n"
	"A file opened with O_TMPFILE has no name: its path is the directory.\n"
	"Runs until Ctrl-C.\n"
	"\n"
	"Options:\n"
	"  -p, --pid=PID       only this process\n"
	"  -x, --failed        only opens that failed\n"
	"      --tmpfile       only opens that create a temporary file (O_TMPFILE)\n"
	TOOL_OPTIONS_HELP "\n" TOOL_ENV_HELP
	"\n"
	"EXAMPLES:\n"
	"    sudo opensnoop                  # every open\n"
	"    sudo opensnoop -p 181           # only PID 181\n"
	"    sudo opensnoop -x               # only failed opens\n"
	"    sudo opensnoop --tmpfile        # only temporary files\n";

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	struct open_event copy;
	const struct open_event *e = &copy;
	char res[32];

	if (size < sizeof(copy))
		return 0;
	/* a perf sample's data is 4 bytes past 8-byte alignment: ret is s64 */
	memcpy(&copy, data, sizeof(copy));
	if (e->ret >= 0) {
		snprintf(res, sizeof(res), "%lld", (long long)e->ret);
	} else {
		const char *name = strerrorname_np(-e->ret);

		if (name)
			snprintf(res, sizeof(res), "%s", name);
		else
			snprintf(res, sizeof(res), "%lld", (long long)e->ret);
	}
	printf("%-7u %-16.16s %-8s %s\n", e->pid, e->comm, res, e->filename);
	return 0;
}

static const char header[] = "PID     COMM             RESULT   PATH\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "failed", no_argument, NULL, 'x' },
		{ "tmpfile", no_argument, NULL, 'T' },
		TOOL_LONGOPTS,
		{ 0 },
	};
	struct tool t = { .name = "opensnoop", .usage = usage };
	int c, err;

	while ((c = getopt_long(argc, argv, "p:x" TOOL_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 'p':
			tool_pid_option(&t, optarg);
			break;
		case 'x':
			tool_add_cflag(&t, "-DFAILED_ONLY");
			break;
		case 'T':
			tool_add_cflag(&t, "-DTMPFILE_ONLY");
			break;
		default:
			if (tool_option(&t, c, optarg))
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
