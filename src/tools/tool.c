// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

/*
 * Stop requests: SIGINT and SIGTERM are counted, so that a step after the
 * run (the flush, a map dump) can tell a new request from the one that
 * ended the run, and each makes the library's cancel fd readable, which
 * ends its waits (see bpfrun_set_cancel_fd) however close to the start
 * of one the signal comes.
 */
static volatile sig_atomic_t stop_requests;
static int stop_fd = -1;

static void on_stop(int sig)
{
	uint64_t one = 1;
	int saved = errno;

	(void)sig;
	stop_requests++;
	/* the count is what matters; the fd only wakes a wait */
	(void)!write(stop_fd, &one, sizeof(one));
	errno = saved;
}

void tool_handle_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	if (stop_fd < 0) {
		stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		bpfrun_set_cancel_fd(stop_fd);
	}
	/* no SA_RESTART: a blocking read or poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool tool_stopped(void)
{
	return stop_requests != 0;
}

unsigned tool_stop_requests(void)
{
	return stop_requests;
}

bool tool_stopped_since(unsigned base)
{
	return (unsigned)stop_requests != base;
}

unsigned tool_stop_rearm(void)
{
	uint64_t n;

	/* EAGAIN when there was nothing to drain */
	if (stop_fd >= 0)
		(void)!read(stop_fd, &n, sizeof(n));
	return stop_requests;
}

/* The library's messages: progress only with -v. */
static int verbose;

static int tool_print(enum bpfrun_print_level level, const char *fmt,
		      va_list ap)
{
	if (level == BPFRUN_INFO && !verbose)
		return 0;
	if (level == BPFRUN_OUTPUT)
		return vfprintf(stderr, fmt, ap);
	fprintf(stderr, "%s: %s", program_invocation_short_name,
		level == BPFRUN_WARN ? "warning: " : "");
	return vfprintf(stderr, fmt, ap);
}

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
		    .no_cache = t->no_cache);
	char path[PATH_MAX];
	int err;

	verbose = t->verbose;
	bpfrun_set_print(tool_print);
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
	tool_handle_signals();
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
	if (err < 0 && err != -EINTR)
		return err;
	/*
	 * Stopped: the lines written before are shown too, for a second at
	 * most (trace_pipe is everyone's) or until a second stop request.
	 */
	bpfrun_detach(t->b);
	base = tool_stop_rearm();
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec++;
	while ((err = bpfrun_trace_pipe_read(t->tp, &f, 0)) > 0) {
		printf("%-6d %-12.12s %s\n", f.pid, f.task, f.msg);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (tool_stopped_since(base) || ts.tv_sec > end.tv_sec ||
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
	while ((err = bpfrun_events_poll(ev, -1)) >= 0)
		;
	if (err == -EINTR) {
		/* what the kernel wrote before the stop is shown too */
		tool_stop_rearm();
		bpfrun_detach(t->b);
		err = bpfrun_events_flush(ev);
	}
	if (bpfrun_events_lost(ev))
		fprintf(stderr, "%s: %llu events lost in all\n", t->name,
			bpfrun_events_lost(ev));
	bpfrun_events_close(ev);
	return err < 0 ? err : 0;
}
