/* SPDX-License-Identifier: Apache-2.0 */
/* What every command shares: common flags, opening its program, trace output. */
#ifndef BPFRUN_TOOL_H
#define BPFRUN_TOOL_H

#include <argp.h>
#include <stdbool.h>

#include "bpfrun.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct tool;

/*
 * A command, declared: its name and texts, and its options. Every command
 * has the common options (-f, --headers, --no-cache, -v, --help, --usage,
 * --version); the shared ones below it lists mean the same in every
 * command; the rest are its own, handled by @option.
 */
struct tool_cmd {
	const char *name;
	const char *doc;	/* what it does: --help before the options */
	const char *examples;	/* --help after the options and ENVIRONMENT */
	const char *args_doc;	/* its arguments, NULL: none */
	const struct argp_option *options;	/* NULL: the common ones only */
	/* its own keys and arguments: 0, or ARGP_ERR_UNKNOWN when not its own */
	int (*option)(struct tool *t, int key, char *arg,
		      struct argp_state *state);
	int trace;		/* reads trace_pipe: opened before compiling */
};

/* The shared options: the same letter, name and meaning everywhere. */
#define TOOL_OPT_PID \
	{ "pid", 'p', "PID", 0, "only this process (the program sees FILTER_PID)", 0 }
#define TOOL_OPT_DURATION(what) \
	{ "duration", 'd', "SECONDS", 0, what, 0 }
#define TOOL_OPT_FAILED \
	{ "failed", 'x', NULL, 0, "only calls that failed (defines FAILED_ONLY)", 0 }
#define TOOL_OPT_TID \
	{ "tid", 't', "TID", 0, "only this thread (the program sees FILTER_TID)", 0 }
#define TOOL_OPT_UID \
	{ "uid", 'u', "UID", 0, "only this user, a number or a name (FILTER_UID)", 0 }
#define TOOL_OPT_NAME \
	{ "name", 'n', "NAME", 0, "only processes whose name (comm) contains NAME", 0 }
#define TOOL_OPT_TIME \
	{ "timestamp", 'T', NULL, 0, "a first column: seconds since the start", 0 }
#define TOOL_OPT_SHOW_UID \
	{ "print-uid", 'U', NULL, 0, "a UID column", 0 }
#define TOOL_OPT_JSON \
	{ "json", 'j', NULL, 0, "one JSON object per event, named as the columns", 0 }
/* what every event command takes, as bcc's tools do */
#define TOOL_EVENT_OPTS \
	TOOL_OPT_PID, TOOL_OPT_TID, TOOL_OPT_UID, TOOL_OPT_NAME, \
	TOOL_OPT_TIME, TOOL_OPT_SHOW_UID, TOOL_OPT_JSON, \
	TOOL_OPT_DURATION("end after SECONDS")

struct tool {
	const struct tool_cmd *cmd;
	const char *program;	/* -f FILE */
	const char *headers;	/* --headers=MODE */
	int verbose;
	bool no_cache;		/* --no-cache */
	const char *cflags[64];
	size_t ncflags;
	int pid;		/* -p PID, 0: none */
	double duration;	/* -d SECONDS, 0: none */
	const char *name;	/* -n NAME: a substring of the comm */
	bool time_col, uid_col;	/* -T, -U */
	bool json;		/* -j, --json */
	unsigned long long start_ns;	/* CLOCK_MONOTONIC at the start */
	/* FILTER_PID and the like: given at load time, no compile per value */
	struct bpfrun_value values[BPFRUN_MAX_VALUES];
	size_t nvalues;
	/* USDT probes: compiled for, so given at open */
	struct bpfrun_usdt usdt[BPFRUN_MAX_USDT];
	size_t nusdt;
	int trace;		/* cmd->trace, or what the runner found */
	struct bpfrun_trace_pipe *tp;
	struct bpfrun *b;
};

/*
 * Parse argv by the command's table, setting t's fields; exits 0 for
 * --help and --version, 2 for bad usage (with a message that names the
 * command as the user typed it).
 */
void tool_parse(struct tool *t, int argc, char **argv);
void tool_usage_error(struct tool *t, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
int tool_add_cflag(struct tool *t, const char *flag);
/* The program sees @name as @value (see struct bpfrun_value). */
void tool_add_value(struct tool *t, const char *name, long long value);
/* A process id (1 to INT_MAX) or a usage error (exit 2). */
int tool_parse_pid(struct tool *t, const char *arg);
/* -d SECONDS: finite, above 0, at most a year; else a usage error (exit 2). */
#define TOOL_MAX_SECONDS (365 * 86400)
double tool_parse_seconds(struct tool *t, const char *arg);
/* -n: is a process of this comm shown? */
bool tool_name_shown(const struct tool *t, const char *comm);
/*
 * An event command's columns, declared once: the header line, each row,
 * and with --json each object (the names in lower case), all from them.
 * A number column is a JSON number; the text of a column that is not the
 * last is padded to @width and, for a string, cut there.
 */
struct tool_col {
	const char *name;
	int width;
	bool num;
};
void tool_print_header(const struct tool *t, const struct tool_col *c,
		       size_t n);
/* One event: @v[i] is column i's text; @ts and @uid for -T and -U. */
void tool_print_row(const struct tool *t, const struct tool_col *c, size_t n,
		    const char *const *v, unsigned long long ts, unsigned uid);
/* A whole number from 1 to @max, or a usage error naming @what. */
long tool_parse_count(struct tool *t, const char *what, const char *arg,
		      long max);

/*
 * SIGINT and SIGTERM from now on are stop requests: counted, and each ends
 * the library's current wait (its cancel fd). tool_open() calls it.
 */
void tool_handle_signals(void);
/* Readable from a stop request on, until tool_stop_rearm(): for polls. */
int tool_stop_fd(void);
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

/*
 * Root check, trace_pipe (when t->trace) so that a busy one fails before
 * the slow compile, then find and compile the program into t->b, attaching
 * nothing yet. SIGINT and SIGTERM end the loops from then on.
 */
int tool_open(struct tool *t);
/* Attach the program's prefixed functions (kprobe__X, ...). */
int tool_attach(struct tool *t);
/* tool_open, then tool_attach. */
int tool_start(struct tool *t);
/* Detach and close everything; the return value is the exit code. */
int tool_close(struct tool *t, int err);
/*
 * Print "PID    COMM         OUTPUT" and a line per trace_pipe record, bcc's
 * printk_sample loop, until SIGINT or SIGTERM; then detach and show the
 * lines already written (a second at most, or until a second stop).
 */
int tool_trace_loop(struct tool *t);
/* tool_open, tool_trace_loop, tool_close: a printk command's whole run. */
int tool_run_trace(struct tool *t);
/*
 * Open the program's "events" table, attach (tool_attach), print the
 * header of @cols,
 * then hand every event of the program's "events" table to
 * @fn until SIGINT or SIGTERM; then detach, hand over every event already
 * written (bpfrun_events_flush) and say how many were lost in all.
 */
int tool_event_loop(struct tool *t, const struct tool_col *cols, size_t ncols,
		    bpfrun_event_fn fn, void *ctx);
/* tool_open, tool_event_loop, tool_close: an event command's whole run. */
int tool_run_events(struct tool *t, const struct tool_col *cols, size_t ncols,
		    bpfrun_event_fn fn, void *ctx);

#endif
