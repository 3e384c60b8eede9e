// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

void tool_usage_error(struct tool *t, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", t->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n",
		program_invocation_short_name);
	exit(2);
}

void tool_parse_common(struct tool *t, int argc, char **argv)
{
	static const struct option longopts[] = { TOOL_LONGOPTS, { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, TOOL_SHORTOPTS, longopts, NULL)) != -1)
		if (tool_option(t, c, optarg))
			tool_usage_error(t, "unknown option");
	if (optind < argc)
		tool_usage_error(t, "unexpected argument '%s'", argv[optind]);
}

int tool_add_cflag(struct tool *t, const char *flag)
{
	if (t->ncflags == sizeof(t->cflags) / sizeof(t->cflags[0]))
		return -E2BIG;
	t->cflags[t->ncflags++] = flag;
	return 0;
}

int tool_parse_pid(struct tool *t, const char *arg)
{
	char *end;
	long pid;

	/* strtol alone takes "4294967297" and an int keeps 1 of it */
	errno = 0;
	pid = strtol(arg, &end, 10);
	if (errno || end == arg || *end || pid <= 0 || pid > INT_MAX)
		tool_usage_error(t, "bad PID '%s' (a process id: 1 to %d)", arg,
				 INT_MAX);
	return pid;
}

void tool_pid_option(struct tool *t, const char *arg)
{
	snprintf(t->pidflag, sizeof(t->pidflag), "-DFILTER_PID=%d",
		 tool_parse_pid(t, arg));
	tool_add_cflag(t, t->pidflag);
}

double tool_parse_seconds(struct tool *t, const char *arg)
{
	char *end;
	double s;

	/* strtod takes "nan" and "inf", and a NaN end time never comes */
	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(s) || s <= 0 ||
	    s > TOOL_MAX_SECONDS)
		tool_usage_error(t, "bad duration '%s' (seconds: above 0, at most %d, a year)",
				 arg, TOOL_MAX_SECONDS);
	return s;
}

int tool_option(struct tool *t, int c, const char *arg)
{
	switch (c) {
	case 'f':
		t->program = arg;
		return 0;
	case 'H':
		t->headers = arg;
		return 0;
	case 'N':
		t->no_cache = true;
		return 0;
	case 'v':
		t->verbose++;
		return 0;
	case 'h':
		fputs(t->usage, stdout);
		exit(0);
	case 'V':
		printf("%s (bpfrun) %s\n", program_invocation_short_name,
		       bpfrun_version());
		exit(0);
	case '?':
		fprintf(stderr, "Try '%s --help' for more information.\n",
			program_invocation_short_name);
		exit(2);
	}
	return -1;
}

int tool_open(struct tool *t)
{
	BPFRUN_OPTS(bpfrun_opts, opts, .cflags = t->cflags,
		    .ncflags = t->ncflags, .headers = t->headers,
		    .verbose = t->verbose, .no_cache = t->no_cache);
	char path[PATH_MAX];
	int err;

	err = bpfrun_need_root();
	if (err)
		return err;
	bpfrun_raise_memlock();
	err = bpfrun_find_program(t->name, t->program, path, sizeof(path));
	if (err)
		return err;
	if (t->trace) {
		err = bpfrun_trace_pipe_open(&t->tp);
		if (err)
			return err;
	}
	bpfrun_handle_signals();
	err = bpfrun_open(&t->b, path, &opts);
	if (err)
		return err;
	/* as bcc's BPF() does: kprobe__X and friends attach themselves */
	err = bpfrun_attach_auto(t->b);
	return err < 0 ? err : 0;
}

int tool_close(struct tool *t, int err)
{
	bpfrun_close(t->b);
	bpfrun_trace_pipe_close(t->tp);
	t->b = NULL;
	t->tp = NULL;
	return err ? 1 : 0;
}

int tool_trace_loop(struct tool *t)
{
	struct bpfrun_trace_fields f;
	struct timespec end, ts;
	unsigned base;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("%-6s %-12s %s\n", "PID", "COMM", "OUTPUT");
	while ((err = bpfrun_trace_pipe_read(t->tp, &f, -1)) > 0)
		printf("%-6d %-12.12s %s\n", f.pid, f.task, f.msg);
	if (err < 0)
		return err;
	/*
	 * Stopped: the lines written before are shown too, for a second at
	 * most (trace_pipe is everyone's) or until a second stop request.
	 */
	bpfrun_detach(t->b);
	base = bpfrun_stop_requests();
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec++;
	while ((err = bpfrun_trace_pipe_read(t->tp, &f, 0)) > 0) {
		printf("%-6d %-12.12s %s\n", f.pid, f.task, f.msg);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (bpfrun_stopped_since(base) || ts.tv_sec > end.tv_sec ||
		    (ts.tv_sec == end.tv_sec && ts.tv_nsec >= end.tv_nsec))
			break;
	}
	if (bpfrun_trace_pipe_overrun(t->tp))
		fprintf(stderr,
			"%s: the kernel's trace buffer overwrote %llu unread lines (of any program: trace_pipe is shared)\n",
			t->name, bpfrun_trace_pipe_overrun(t->tp));
	return err < 0 ? err : 0;
}

int tool_event_loop(struct tool *t, const char *header, bpfrun_event_fn fn,
		    void *ctx)
{
	BPFRUN_OPTS(bpfrun_events_opts, o, .on_event = fn, .ctx = ctx);
	struct bpfrun_events *ev;
	int err;

	err = bpfrun_events_open(t->b, "events", &o, &ev);
	if (err)
		return err;
	setvbuf(stdout, NULL, _IOLBF, 0);
	fputs(header, stdout);
	while (!bpfrun_stopped()) {
		err = bpfrun_events_poll(ev, -1);
		if (err < 0 && err != -EINTR)
			break;
	}
	if (err >= 0 || err == -EINTR) {
		/* what the kernel wrote before the stop is shown too */
		bpfrun_detach(t->b);
		err = bpfrun_events_flush(ev);
	}
	if (bpfrun_events_lost(ev))
		fprintf(stderr, "%s: %llu events lost in all\n", t->name,
			bpfrun_events_lost(ev));
	bpfrun_events_close(ev);
	return err < 0 ? err : 0;
}
