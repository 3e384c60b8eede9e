/* SPDX-License-Identifier: Apache-2.0 */
/* What every command shares: common flags, opening its program, trace output. */
#ifndef BPFRUN_TOOL_H
#define BPFRUN_TOOL_H

#include <getopt.h>

#include "bpfrun.h"

struct tool {
	const char *name;	/* programs/NAME.c */
	const char *usage;	/* full --help text */
	const char *program;	/* -f FILE */
	const char *headers;	/* --headers=MODE */
	int verbose;
	bool no_cache;		/* --no-cache */
	const char *cflags[64];
	size_t ncflags;
	char pidflag[32];	/* -p PID, as -DFILTER_PID=PID */
	int trace;		/* reads trace_pipe: opened before compiling */
	struct bpfrun_trace_pipe *tp;
	struct bpfrun *b;
};

#define TOOL_SHORTOPTS "f:vhV"
#define TOOL_LONGOPTS                                               \
	{ "program", required_argument, NULL, 'f' },                \
	{ "headers", required_argument, NULL, 'H' },                \
	{ "no-cache", no_argument, NULL, 'N' },                     \
	{ "verbose", no_argument, NULL, 'v' },                      \
	{ "help", no_argument, NULL, 'h' },                         \
	{ "version", no_argument, NULL, 'V' }

#define TOOL_OPTIONS_HELP                                                       \
	"  -f, --program=FILE  compile FILE instead of the installed program\n"   \
	"      --headers=MODE  kernel headers: auto, btf or a directory\n"        \
	"                      (default: $BPFRUN_HEADERS, else auto)\n"           \
	"      --no-cache      compile even when a cached build is current\n"   \
	"  -v, --verbose       say which headers and probes are used\n"           \
	"  -h, --help          show this help\n"                                  \
	"  -V, --version       show the version\n"

#define TOOL_ENV_HELP                                                          \
	"ENVIRONMENT:\n"                                                       \
	"  BPFRUN_PROGRAM_DIR  where to find programs/NAME.c\n"                  \
	"  BPFRUN_HEADERS      default for --headers\n"

/*
 * SIGINT and SIGTERM from now on are stop requests: counted, and each ends
 * the library's current wait (its cancel fd). tool_open() calls it.
 */
void tool_handle_signals(void);
/* Any stop request yet? */
bool tool_stopped(void);
unsigned tool_stop_requests(void);
/* A request after the count @base was taken (a second Ctrl-C)? */
bool tool_stopped_since(unsigned base);
/*
 * Let the library's waits go on again after a stop (the flush, the last
 * lines): only a new request ends them. Returns the count, for
 * tool_stopped_since().
 */
unsigned tool_stop_rearm(void);

/* Parse argv for a command that has only the common options. */
void tool_parse_common(struct tool *t, int argc, char **argv);
/*
 * Handle a common option. Returns 0 when handled, -1 when @c is not a
 * common option; exits for --help (0), --version (0) and bad usage (2).
 */
int tool_option(struct tool *t, int c, const char *arg);
void tool_usage_error(struct tool *t, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
int tool_add_cflag(struct tool *t, const char *flag);
/* A process id (1 to INT_MAX) or a usage error (exit 2). */
int tool_parse_pid(struct tool *t, const char *arg);
/* -p PID: the program filters on FILTER_PID; a bad PID exits 2. */
void tool_pid_option(struct tool *t, const char *arg);
/* -d SECONDS: finite, above 0, at most a year; else a usage error (exit 2). */
#define TOOL_MAX_SECONDS (365 * 86400)
double tool_parse_seconds(struct tool *t, const char *arg);
/*
 * Root check, trace_pipe (when t->trace) so that a busy one fails before
 * the slow compile, then find and compile the program into t->b and attach
 * its prefixed functions. SIGINT and SIGTERM end the loops from then on.
 */
int tool_open(struct tool *t);
/* Detach and close everything; the return value is the exit code. */
int tool_close(struct tool *t, int err);
/*
 * Print "PID    COMM         OUTPUT" and a line per trace_pipe record, bcc's
 * printk_sample loop, until SIGINT or SIGTERM; then detach and show the
 * lines already written (a second at most, or until a second stop).
 */
int tool_trace_loop(struct tool *t);
/*
 * Print @header, then hand every event of the program's "events" table to
 * @fn until SIGINT or SIGTERM; then detach, hand over every event already
 * written (bpfrun_events_flush) and say how many were lost in all.
 */
int tool_event_loop(struct tool *t, const char *header, bpfrun_event_fn fn,
		    void *ctx);

#endif
