// SPDX-License-Identifier: Apache-2.0
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
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

int tool_stop_fd(void)
{
	return stop_fd;
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
	return bpfrun_print_stderr(level, fmt, ap);
}

/* argv[0] as the user typed it, without libtool's lt- of the build tree */
static char *short_name(char *argv0)
{
	char *name = strrchr(argv0, '/');

	name = name ? name + 1 : argv0;
	if (!strncmp(name, "lt-", 3))
		name += 3;
	return name;
}

void tool_usage_error(struct tool *t, const char *fmt, ...)
{
	va_list ap;

	(void)t;
	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* as argp says it */
	fprintf(stderr, "\nTry `%s --help' or `%s --usage' for more information.\n",
		program_invocation_short_name, program_invocation_short_name);
	exit(2);
}

int tool_add_cflag(struct tool *t, const char *flag)
{
	if (t->ncflags == sizeof(t->cflags) / sizeof(t->cflags[0]))
		return -E2BIG;
	t->cflags[t->ncflags++] = flag;
	return 0;
}

void tool_add_value(struct tool *t, const char *name, long long value)
{
	size_t i;

	for (i = 0; i < t->nvalues; i++)
		if (!strcmp(t->values[i].name, name))
			break;
	if (i == BPFRUN_MAX_VALUES)
		tool_usage_error(t, "too many values for the program");
	t->values[i].name = name;
	t->values[i].value = value;
	if (i == t->nvalues)
		t->nvalues++;
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

long tool_parse_count(struct tool *t, const char *what, const char *arg,
		      long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v <= 0 || v > max)
		tool_usage_error(t, "bad %s '%s' (1 to %ld)", what, arg, max);
	return v;
}

/* A user id: a number below 2^32 - 1 ((uid_t)-1 is no one), or a name. */
static unsigned parse_uid(struct tool *t, const char *arg)
{
	struct passwd *pw;
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end != arg && !*end && !errno && v < 0xffffffffULL && *arg != '-')
		return v;
	pw = getpwnam(arg);
	if (!pw)
		tool_usage_error(t, "bad UID '%s' (a user id or a user name)", arg);
	return pw->pw_uid;
}

bool tool_name_shown(const struct tool *t, const char *comm)
{
	return !t->name || strstr(comm, t->name);
}

static double since_start(const struct tool *t, unsigned long long ts)
{
	return ts >= t->start_ns ? (ts - t->start_ns) / 1e9 : 0.0;
}

void tool_print_header(const struct tool *t, const struct tool_col *c,
		       size_t n)
{
	size_t i;

	if (t->json)
		return;
	if (t->time_col)
		printf("%-9s ", "TIME(s)");
	if (t->uid_col)
		printf("%-7s ", "UID");
	for (i = 0; i + 1 < n; i++)
		printf("%-*s ", c[i].width, c[i].name);
	if (n)
		printf("%s\n", c[n - 1].name);
}

/* "RESULT" -> "result": the JSON names */
static void lower(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static void print_json_row(const struct tool *t, const struct tool_col *c,
			   size_t n, const char *const *v,
			   unsigned long long ts, unsigned uid)
{
	struct bpfrun_json_field f[16 + 2];
	char names[16][32];
	size_t i, k = 0;

	if (t->time_col)
		f[k++] = (struct bpfrun_json_field){ .name = "time",
			.kind = BPFRUN_JSON_DOUBLE, .d = since_start(t, ts) };
	if (t->uid_col)
		f[k++] = (struct bpfrun_json_field){ .name = "uid",
			.kind = BPFRUN_JSON_UINT, .u = uid };
	for (i = 0; i < n && i < 16; i++, k++) {
		lower(names[i], c[i].name, sizeof(names[i]));
		f[k] = (struct bpfrun_json_field){ .name = names[i],
						   .str = v[i], .len = SIZE_MAX };
		if (c[i].num && v[i][0] == '-')
			f[k].kind = BPFRUN_JSON_INT, f[k].i = strtoll(v[i], NULL, 10);
		else if (c[i].num)
			f[k].kind = BPFRUN_JSON_UINT, f[k].u = strtoull(v[i], NULL, 10);
	}
	bpfrun_json_line(stdout, f, k);
}

void tool_print_row(const struct tool *t, const struct tool_col *c, size_t n,
		    const char *const *v, unsigned long long ts, unsigned uid)
{
	size_t i;

	if (t->json) {
		print_json_row(t, c, n, v, ts, uid);
		return;
	}
	if (t->time_col)
		printf("%-9.3f ", since_start(t, ts));
	if (t->uid_col)
		printf("%-7u ", uid);
	for (i = 0; i + 1 < n; i++)
		printf("%-*.*s ", c[i].width, c[i].num ? INT_MAX : c[i].width,
		       v[i]);
	if (n)
		printf("%s\n", v[n - 1]);
}

/* The common options: every command has them. */
enum {
	OPT_HEADERS = 0x100,
	OPT_NO_CACHE,
};

static const struct argp_option common_options[] = {
	{ "program", 'f', "FILE", 0,
	  "compile FILE instead of the installed program", 0 },
	{ "headers", OPT_HEADERS, "MODE", 0,
	  "kernel headers: auto, btf or a directory (default: $BPFRUN_HEADERS, else auto)", 0 },
	{ "no-cache", OPT_NO_CACHE, NULL, 0,
	  "compile even when a cached build is current", 0 },
	{ "verbose", 'v', NULL, 0, "say which headers and probes are used", 0 },
	/* bcc's tools take -h: the same as argp's -? */
	{ NULL, 'h', NULL, 0, "show this help (as --help)", 0 },
	{ 0 }
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	struct tool *t = state->input;

	switch (key) {
	case 'f':
		t->program = arg;
		return 0;
	case OPT_HEADERS:
		t->headers = arg;
		return 0;
	case OPT_NO_CACHE:
		t->no_cache = true;
		return 0;
	case 'v':
		t->verbose++;
		return 0;
	case 'h':
		argp_state_help(state, stdout, ARGP_HELP_STD_HELP);
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static const struct argp common_argp = {
	.options = common_options,
	.parser = common_parse,
};

/*
 * The command's own options first (the runner's -t is a tracepoint), then
 * the shared ones.
 */
static error_t cmd_parse(int key, char *arg, struct argp_state *state)
{
	struct tool *t = state->input;
	int err;

	if (key == ARGP_KEY_INIT) {
		state->child_inputs[0] = t;
		return 0;
	}
	if (t->cmd->option) {
		err = t->cmd->option(t, key, arg, state);
		if (err != ARGP_ERR_UNKNOWN)
			return err;
	}
	switch (key) {
	case 'p':
		t->pid = tool_parse_pid(t, arg);
		tool_add_value(t, "FILTER_PID", t->pid);
		return 0;
	case 'd':
		t->duration = tool_parse_seconds(t, arg);
		return 0;
	case 'x':
		tool_add_cflag(t, "-DFAILED_ONLY");
		return 0;
	case 't':
		tool_add_value(t, "FILTER_TID", tool_parse_pid(t, arg));
		return 0;
	case 'u':
		tool_add_value(t, "FILTER_UID", parse_uid(t, arg));
		return 0;
	case 'n':
		t->name = arg;
		return 0;
	case 'T':
		t->time_col = true;
		return 0;
	case 'U':
		t->uid_col = true;
		return 0;
	case 'j':
		t->json = true;
		return 0;
	case ARGP_KEY_ARG:
		if (!t->cmd->args_doc)
			argp_error(state, "unexpected argument '%s'", arg);
		break;
	}
	return ARGP_ERR_UNKNOWN;
}

static void print_version(FILE *out, struct argp_state *state)
{
	fprintf(out, "%s (bpfrun) %s\n", state->name, bpfrun_version());
}

#define ENV_HELP                                                              \
	"ENVIRONMENT:\n"                                                       \
	"  BPFRUN_PROGRAM_DIR  where to find programs/NAME.c\n"                 \
	"  BPFRUN_HEADERS      default for --headers\n"                         \
	"  BPFRUN_CACHE_DIR    where compiled programs are kept\n"              \
	"                      (default: /var/cache/bpfrun)"

void tool_parse(struct tool *t, int argc, char **argv)
{
	const struct tool_cmd *c = t->cmd;
	struct argp_child children[] = {
		{ &common_argp, 0, "Common options:", 10 },
		{ 0 }
	};
	struct argp argp = {
		.options = c->options,
		.parser = cmd_parse,
		.args_doc = c->args_doc,
		.children = children,
	};
	char *doc;

	if (asprintf(&doc, "%s\v" ENV_HELP "\n\nEXAMPLES:\n%s", c->doc,
		     c->examples) < 0) {
		fprintf(stderr, "%s: out of memory\n", c->name);
		exit(1);
	}
	argp.doc = doc;
	/* getopt's messages name argv[0] */
	if (argc > 0)
		argv[0] = program_invocation_short_name = short_name(argv[0]);
	t->trace = c->trace;
	argp_program_version_hook = print_version;
	argp_err_exit_status = 2;
	argp_parse(&argp, argc, argv, 0, NULL, t);
	free(doc);
}

int tool_open(struct tool *t)
{
	BPFRUN_OPTS(bpfrun_opts, opts, .cflags = t->cflags,
		    .ncflags = t->ncflags, .headers = t->headers,
		    .no_cache = t->no_cache, .values = t->values,
		    .nvalues = t->nvalues, .usdt = t->usdt, .nusdt = t->nusdt);
	char path[PATH_MAX];
	struct timespec ts;
	int err;

	verbose = t->verbose;
	bpfrun_set_print(tool_print);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->start_ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	err = bpfrun_need_root();
	if (err)
		return err;
	bpfrun_raise_memlock();
	err = bpfrun_find_program(t->cmd->name, t->program, path, sizeof(path));
	if (err)
		return err;
	if (t->trace && !t->tp) {
		err = bpfrun_trace_pipe_open(&t->tp);
		if (err)
			return err;
	}
	tool_handle_signals();
	return bpfrun_open(&t->b, path, &opts);
}

int tool_attach(struct tool *t)
{
	/* as bcc's BPF() does: kprobe__X and friends attach themselves */
	int err = bpfrun_attach_auto(t->b);

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
			t->cmd->name, bpfrun_trace_pipe_overrun(t->tp));
	return err < 0 ? err : 0;
}

int tool_event_loop(struct tool *t, const struct tool_col *cols, size_t ncols,
		    bpfrun_event_fn fn, void *ctx)
{
	BPFRUN_OPTS(bpfrun_events_opts, o, .on_event = fn, .ctx = ctx);
	struct bpfrun_events *ev;
	struct timespec ts;
	double end;
	int err;

	err = bpfrun_events_open(t->b, "events", &o, &ev);
	if (err)
		return err;
	/* attached once the buffers are read: no event before goes unseen */
	err = tool_attach(t);
	if (err) {
		bpfrun_events_close(ev);
		return err;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	tool_print_header(t, cols, ncols);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec + ts.tv_nsec / 1e9 + t->duration;
	/* -d: the time is up as a Ctrl-C would end it */
	while ((err = bpfrun_events_poll(ev, t->duration ? 100 : -1)) >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (t->duration && ts.tv_sec + ts.tv_nsec / 1e9 >= end) {
			err = -EINTR;
			break;
		}
	}
	if (err == -EINTR) {
		/* what the kernel wrote before the stop is shown too */
		tool_stop_rearm();
		bpfrun_detach(t->b);
		err = bpfrun_events_flush(ev);
	}
	if (bpfrun_events_lost(ev))
		fprintf(stderr, "%s: %llu events lost in all\n", t->cmd->name,
			bpfrun_events_lost(ev));
	bpfrun_events_close(ev);
	return err < 0 ? err : 0;
}

int tool_start(struct tool *t)
{
	int err = tool_open(t);

	return err ? err : tool_attach(t);
}

int tool_run_trace(struct tool *t)
{
	int err = tool_start(t);

	if (!err)
		err = tool_trace_loop(t);
	return tool_close(t, err);
}

int tool_run_events(struct tool *t, const struct tool_col *cols, size_t ncols,
		    bpfrun_event_fn fn, void *ctx)
{
	int err = tool_open(t);

	if (!err)
		err = tool_event_loop(t, cols, ncols, fn, ctx);
	return tool_close(t, err);
}
