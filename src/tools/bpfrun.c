// SPDX-License-Identifier: Apache-2.0
/*
 * bpfrun FILE.c: compile any BPF C file, attach it, show what it reports
 * (trace_pipe lines, perf and ring buffer events, maps at exit) with no
 * host code of its own. What it prints is in runner_out.c and
 * runner_maps.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "runner.h"

static int option(struct tool *t, int key, char *arg,
		  struct argp_state *state);

enum { OPT_WATCH = 0x300, OPT_METRICS, OPT_SET };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Probes (FUNC is a function of FILE.c):", 1 },
	{ NULL, 'k', "FUNC:SYMBOL", 0, "attach FUNC as a kprobe on kernel function SYMBOL; a pattern (vfs_*, or /REGEX/ for the whole name) attaches every match, as bcc's event_re=", 1 },
	{ NULL, 'r', "FUNC:SYMBOL", 0, "attach FUNC as a kretprobe (SYMBOL or a pattern)", 1 },
	{ NULL, 't', "FUNC:CAT:NAME", 0, "attach FUNC to tracepoint CAT:NAME", 1 },
	{ NULL, 'u', "FUNC:BIN:SYMBOL", 0, "attach FUNC as a uprobe on SYMBOL of BIN: a path, a library (c, ssl, pthread, libc.so.6: the one -p's process maps, else from ld.so.cache) or a command in $PATH; SYMBOL may be a pattern (str*, or /REGEX/), as bcc's sym_re=", 1 },
	{ NULL, 'U', "FUNC:BIN:SYMBOL", 0, "attach FUNC as a uretprobe", 1 },
	{ NULL, 'S', "FUNC:BIN-or-PID:PROVIDER:PROBE", 0, "attach FUNC to USDT probe PROVIDER:PROBE (PROVIDER may be empty when the name is unique) of BIN (as -u takes it) or of every module of process PID, as bcc's USDT(path=, pid=).enable_probe(probe=, fn_name=); with -p, BIN as that process maps it", 1 },
	{ NULL, 'P', "FUNC:TYPE:CONFIG:period=N|freq=N", 0, "attach FUNC to a perf event on every CPU (bcc's attach_perf_event): software:cpu-clock, hardware:cpu-cycles, ... or numbers; :cpu=N for one CPU", 1 },
	{ NULL, 'l', NULL, 0, "list probes matching GLOB (tracepoint:CAT:NAME; kprobe:FUNC where the kernel has kprobes); -lv PROBE: its arguments", 1 },
	{ NULL, 0, NULL, 0, "The program and the run:", 2 },
	{ NULL, 'D', "NAME[=VALUE]", 0, "define a macro for the program", 2 },
	{ NULL, 'I', "DIR", 0, "add DIR to the program's include path", 2 },
	TOOL_OPT_PID,
	{ "set", OPT_SET, "MAP:KEY=VALUE", 0, "write VALUE at KEY of MAP before anything attaches, as a bcc tool's b[\"MAP\"][KEY] = VALUE: integers (in the map's sizes) or \"strings\"", 2 },
	{ NULL, 'c', "COMMAND", 0, "run COMMAND (sh -c) once attached, with FILTER_PID its pid, and end when it ends", 2 },
	TOOL_OPT_DURATION("end after SECONDS"),
	{ "buffer-pages", 'b', "N", 0, "perf buffer pages per CPU (default 64, a power of 2); lost events are counted on stderr", 2 },
	{ "json", 'j', NULL, 0, "events, printk lines and maps as JSON, an object per line (JSON in bpfrun(8))", 2 },
	{ "watch", OPT_WATCH, NULL, 0, "run it again, compiled anew, whenever FILE.c or a header it includes changes; a compile error waits for the next save", 2 },
	{ "metrics", OPT_METRICS, "[ADDR:]PORT", 0, "serve the maps to Prometheus at http://ADDR:PORT/metrics (ADDR: 127.0.0.1), read at each scrape", 2 },
	{ 0 }
};

static const struct tool_cmd cmd = {
	.name = "bpfrun",
	.args_doc = "FILE.c\n-l [GLOB]\n-lv PROBE",
	.doc = "Compile the BPF C program FILE.c, attach it and show what it reports,\n"
	       "with no host code: bpf_trace_printk() lines, every BPF_PERF_OUTPUT and\n"
	       "BPF_RINGBUF_OUTPUT event decoded field by field, and every hash and\n"
	       "array map when it ends (Ctrl-C, -d, or the end of -c's command).\n"
	       "Functions named kprobe__SYM, kretprobe__SYM, tracepoint__CAT__NAME and\n"
	       "raw_tracepoint__NAME (and TRACEPOINT_PROBE) attach themselves.\n"
	       "\n"
	       "Maps printed at exit: a hash or array map with an integer key and a\n"
	       "64-bit value whose name contains \"dist\" or \"hist\" (BPF_HISTOGRAM's\n"
	       "default name is dist) is a histogram indexed by slot: printed as bcc's\n"
	       "print_linear_hist() when the name also contains \"lin\", else as\n"
	       "print_log2_hist(). A struct key with an integer field \"slot\" gives a\n"
	       "histogram per value of its other fields (\"disk = sda\"), as\n"
	       "print_log2_hist(section_header=...). Other maps print as key and value,\n"
	       "sorted by value; zero entries of arrays are left out.\n"
	       "\n"
	       "trace_pipe is shared by every BPF program on the system: bpfrun shows\n"
	       "the lines that match one of the bpf_trace_printk() formats of FILE.c.",
	.examples = "    sudo bpfrun hello.c                  # run it until Ctrl-C\n"
		    "    sudo bpfrun -d 5 --json events.c     # 5 seconds, JSON events\n"
		    "    sudo bpfrun -c 'ls /tmp' opens.c     # trace one command (FILTER_PID)\n"
		    "    sudo bpfrun -t do_open:syscalls:sys_enter_openat prog.c\n"
		    "    sudo bpfrun -u f:/bin/bash:readline prog.c\n"
		    "    sudo bpfrun -u f:c:malloc -p 1234 prog.c\n"
		    "    sudo bpfrun -S f:/usr/bin/python3.11:python:function__entry -p 1234 prog.c\n"
		    "    sudo bpfrun -k 'f:vfs_*' prog.c          # every vfs_ function\n"
		    "    sudo bpfrun -P f:software:cpu-clock:freq=99 -d 5 profile.c\n"
		    "    sudo bpfrun -l 'tracepoint:syscalls:sys_enter_open*'\n"
		    "    sudo bpfrun -lv tracepoint:syscalls:sys_enter_openat\n"
		    "    sudo bpfrun --metrics=9435 counts.c  # maps for Prometheus",
	.options = options,
	.option = option,
};

static int print_probe(void *ctx, const char *probe)
{
	(void)ctx;
	return puts(probe) < 0 ? -EIO : 0;
}

/* -lv PROBE: "tracepoint:CAT:NAME", then its fields as C declarations */
static int print_field(void *ctx, const char *decl)
{
	const char **probe = ctx;

	if (*probe) {
		if (!strncmp(*probe, "tracepoint:", 11))
			*probe += 11;
		else if (!strncmp(*probe, "t:", 2))
			*probe += 2;
		printf("tracepoint:%s\n", *probe);
		*probe = NULL;
	}
	return printf("    %s;\n", decl) < 0 ? -EIO : 0;
}

/*
 * -c: fork now, exec once everything is attached (when the pipe closes), so
 * that the command's first instructions are traced too.
 */
static int start_child(struct run *r)
{
	char c, *cmd;
	int fds[2];

	if (asprintf(&cmd, "exec %s", r->cmd) < 0)
		return -ENOMEM;

	if (pipe2(fds, O_CLOEXEC)) {
		free(cmd);
		return -errno;
	}
	r->child = fork();
	if (r->child < 0) {
		close(fds[0]);
		close(fds[1]);
		free(cmd);
		return -errno;
	}
	if (!r->child) {
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(127);	/* bpfrun failed: do not run it */
		/* exec: a simple command keeps the pid PID names */
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	close(fds[0]);
	r->child_pipe = fds[1];
	return 0;
}

static void release_child(struct run *r)
{
	if (r->child_pipe >= 0) {
		if (write(r->child_pipe, "x", 1) != 1)
			perror("bpfrun: -c");
		close(r->child_pipe);
		r->child_pipe = -1;
	}
}

static void check_child(struct run *r)
{
	if (r->child <= 0 || r->child_done)
		return;
	if (waitpid(r->child, &r->child_status, WNOHANG) == r->child)
		r->child_done = true;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_loop(struct run *r, struct bpfrun_events *ev)
{
	double end = r->t.duration > 0 ? now() + r->t.duration : 0, turn;
	struct bpfrun_trace_fields f;
	unsigned base;
	int n = 0;

	while (!tool_stopped()) {
		if (ev) {
			n = bpfrun_events_poll(ev, r->t.tp ? 50 : 100);
			if (n == -EINTR)
				break;
			if (n < 0)
				return n;
		}
		/* lines for a tenth of a second at most: -c and -d are looked at */
		turn = now() + 0.1;
		while (r->t.tp &&
		       (n = bpfrun_trace_pipe_read(r->t.tp, &f, ev ? 0 : 100)) > 0) {
			out_printk(r, &f);
			if (now() >= turn)
				break;
		}
		if (n == -EINTR)
			break;
		if (n < 0)
			return n;
		if (!ev && !r->t.tp)
			usleep(100000);
		fflush(stdout);
		check_child(r);
		if (r->child_done || (end && now() >= end))
			break;
		if (r->watch && watch_changed(r->watch)) {
			r->changed = true;
			break;
		}
	}
	/*
	 * The end, however it came: stop the producers, then read all they
	 * wrote (and hear of what they could not write) before the maps. A
	 * new stop request cuts this short.
	 */
	base = tool_stop_rearm();
	bpfrun_detach(r->t.b);
	if (ev) {
		n = bpfrun_events_flush(ev);
		if (n < 0)
			return n;
	}
	/*
	 * trace_pipe is everyone's: other programs may keep it busy, so the
	 * last lines are read for a second at most, or until a new Ctrl-C.
	 */
	end = now() + 1;
	while (r->t.tp && bpfrun_trace_pipe_read(r->t.tp, &f, 0) > 0) {
		out_printk(r, &f);
		if (tool_stopped_since(base) || now() >= end) {
			fflush(stdout);
			fprintf(stderr,
				"bpfrun: trace_pipe still has lines after %s: the rest is not read\n",
				tool_stopped_since(base) ? "a second stop request" :
							   "a second of reading");
			break;
		}
	}
	if (bpfrun_trace_pipe_overrun(r->t.tp)) {
		fflush(stdout);
		fprintf(stderr,
			"bpfrun: the kernel's trace buffer overwrote %llu unread lines (of any program: trace_pipe is shared); a larger buffer_size_kb in tracefs keeps more\n",
			bpfrun_trace_pipe_overrun(r->t.tp));
	}
	return 0;
}

/* The source itself, for its bpf_trace_printk() formats. */
static int read_source(const char *path, char **out)
{
	size_t len;
	int err;

	err = program_source_check(path);
	if (err)
		return err;
	err = read_whole(path, MAX_SOURCE, out, &len);
	if (err)
		fprintf(stderr, "bpfrun: cannot read program %s: %s\n", path,
			strerror(-err));
	return err;
}

static void add_probe(struct run *r, enum bpfrun_kind kind, int key,
		      const char *arg)
{
	const char *colon = strchr(arg, ':');
	struct probe_arg *p;

	if (!colon || colon == arg || !colon[1])
		tool_usage_error(&r->t, "-%c takes FUNC:TARGET, not '%s'", key,
				 arg);
	if (r->nprobes == sizeof(r->probes) / sizeof(r->probes[0]))
		tool_usage_error(&r->t, "too many probes");
	p = &r->probes[r->nprobes++];
	p->kind = kind;
	p->func = strndup(arg, colon - arg);
	p->target = strdup(colon + 1);
	if (!p->func || !p->target) {
		fprintf(stderr, "bpfrun: out of memory\n");
		exit(1);
	}
}

/* the probe options' letters */
static const struct {
	int key;
	enum bpfrun_kind kind;
} probe_keys[] = {
	{ 'k', BPFRUN_KPROBE },
	{ 'r', BPFRUN_KRETPROBE },
	{ 't', BPFRUN_TRACEPOINT },
	{ 'u', BPFRUN_UPROBE },
	{ 'U', BPFRUN_URETPROBE },
	{ 'P', BPFRUN_PERF_EVENT },
};

static int option(struct tool *t, int key, char *arg,
		  struct argp_state *state)
{
	struct run *r = (struct run *)t;	/* t is r's first member */
	char *flag, *end;
	size_t i;
	long n;

	if (key == 'S') {
		/* the library checks the target: FUNC:TARGET is all we split */
		add_probe(r, BPFRUN_USDT, key, arg);
		if (t->nusdt == ARRAY_SIZE(t->usdt))
			tool_usage_error(t, "too many -S");
		t->usdt[t->nusdt].func = r->probes[--r->nprobes].func;
		t->usdt[t->nusdt++].target = r->probes[r->nprobes].target;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(probe_keys); i++) {
		if (key == probe_keys[i].key) {
			add_probe(r, probe_keys[i].kind, key, arg);
			return 0;
		}
	}
	switch (key) {
	case 'D':
	case 'I':
		if (asprintf(&flag, "-%c%s", key, arg) < 0 ||
		    tool_add_cflag(t, flag))
			tool_usage_error(t, "too many -D/-I");
		return 0;
	case 'c':
		r->cmd = arg;
		return 0;
	case 'b':
		n = strtol(arg, &end, 10);
		/* the kernel wants a power of two */
		if (end == arg || *end || n <= 0 || n > 65536 || (n & (n - 1)))
			tool_usage_error(t, "bad page count '%s' (a power of 2)",
					 arg);
		r->pages = n;
		return 0;
	case 'j':
		r->json = 1;
		return 0;
	case 'l':
		r->list = true;
		return 0;
	case OPT_WATCH:
		r->watch_on = true;
		return 0;
	case OPT_METRICS:
		r->metrics_at = arg;
		return 0;
	case OPT_SET: {
		const char **p = realloc(r->sets, (r->nsets + 1) * sizeof(*p));

		if (!p)
			tool_usage_error(t, "out of memory");
		r->sets = p;
		r->sets[r->nsets++] = arg;
		return 0;
	}
	case ARGP_KEY_ARG:
		if (r->arg)
			argp_error(state, r->list ? "-l takes one GLOB or PROBE" :
						    "unexpected argument '%s'",
				   arg);
		r->arg = arg;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

/*
 * One run of the program as it is now: compile (or take it from the
 * cache), open its outputs, attach, show what it reports until the end,
 * then its maps.
 */
static int run_program(struct run *r, const char *file)
{
	BPFRUN_OPTS(bpfrun_attach_opts, aopts);
	struct bpfrun_events *ev = NULL;
	char *src = NULL;
	size_t i;
	int err, used;

	err = read_source(file, &src);
	if (err)
		goto out;
	used = out_scan_formats(r, src);
	if (used < 0) {
		err = used;
		goto out;
	}
	r->t.trace = used;
	/* -p: USDT probes in that process, as uprobes below */
	for (i = 0; i < r->t.nusdt; i++)
		r->t.usdt[i].pid = r->cmd ? 0 : r->t.pid;
	r->src = src;
	err = tool_open(&r->t);
	if (r->watch)
		watch_set(r->watch, err ? NULL : r->t.b, file);
	if (!err)
		err = maps_set(r);
	if (err)
		goto out;
	/* the buffers are read before anything is attached: nothing is missed */
	err = out_open(r, &ev);
	if (!err)
		err = tool_attach(&r->t);
	/* -p: uprobes in that process (its libraries), perf events of it */
	aopts.pid = r->cmd ? 0 : r->t.pid;
	for (i = 0; !err && i < r->nprobes; i++)
		err = bpfrun_attach_opts(r->t.b, r->probes[i].kind,
					 r->probes[i].func, r->probes[i].target,
					 &aopts);
	if (!err)
		err = metrics_bind(r->metrics, r->t.b, src);
	if (err)
		goto out;
	if (!bpfrun_nr_links(r->t.b)) {
		fprintf(stderr,
			"bpfrun: %s: nothing to attach: name functions kprobe__SYM, tracepoint__CAT__NAME, ... or use TRACEPOINT_PROBE, or give -k/-r/-t/-u/-U/-S/-P\n",
			file);
		err = -ENOENT;
		goto out;
	}
	if (r->again)
		fprintf(stderr, "bpfrun: %s changed: compiled and attached again, %zu probe%s\n",
			file, bpfrun_nr_links(r->t.b),
			bpfrun_nr_links(r->t.b) == 1 ? "" : "s");
	else if (!r->json)
		fprintf(stderr, "bpfrun: %zu probe%s attached; %s\n",
			bpfrun_nr_links(r->t.b),
			bpfrun_nr_links(r->t.b) == 1 ? "" : "s",
			r->cmd ? "running the command" :
			r->t.duration > 0 ? "running" : "Ctrl-C to end");
	release_child(r);
	err = run_loop(r, ev);
	if (!err)
		err = maps_print(r);
	/* after the maps: what their stacks lost, a full map an error */
	if (!err)
		err = stacks_report(r);
	if (bpfrun_events_lost(ev))
		fprintf(stderr, "bpfrun: %llu events lost in all\n",
			bpfrun_events_lost(ev));
out:
	metrics_unbind(r->metrics);
	bpfrun_events_close(ev);
	out_free(r);
	bpfrun_close(r->t.b);
	r->t.b = NULL;
	free(src);
	r->src = NULL;
	return err;
}

int main(int argc, char **argv)
{
	struct run r = {
		.t = { .cmd = &cmd },
		.child = -1,
		.child_pipe = -1,
	};
	const char *file = NULL;
	size_t i;
	int err = 0;

	tool_parse(&r.t, argc, argv);
	if (r.list) {
		if (r.t.verbose) {
			const char *probe = r.arg;

			if (!probe)
				tool_usage_error(&r.t, "-lv takes a PROBE");
			err = bpfrun_probe_fields(probe, print_field, &probe);
		} else {
			err = bpfrun_list_probes(r.arg, print_probe, NULL);
			if (err == 0 && r.arg) {
				fprintf(stderr, "bpfrun: no probe matches %s\n",
					r.arg);
				err = -ENOENT;
			}
		}
		return err < 0 ? 1 : 0;
	}
	file = r.t.program;
	if (r.arg && file)
		tool_usage_error(&r.t, "unexpected argument '%s'", r.arg);
	if (!file)
		file = r.arg;
	if (!file)
		tool_usage_error(&r.t, "no program FILE.c given");
	if (r.cmd && r.t.pid)
		tool_usage_error(&r.t, "-p and -c cannot go together");
	if (r.watch_on && (r.cmd || r.t.duration))
		tool_usage_error(&r.t, "--watch runs until Ctrl-C: not with -c or -d");
	r.t.program = file;
	err = bpfrun_need_root();
	if (err)
		goto cleanup;
	if (r.cmd) {
		err = start_child(&r);
		if (err)
			goto cleanup;
		r.t.pid = r.child;
		tool_add_value(&r.t, "FILTER_PID", r.t.pid);
	}
	if (r.metrics_at) {
		err = metrics_open(&r.metrics, r.metrics_at, file);
		if (err)
			goto cleanup;
	}
	out_setup();
	if (r.watch_on) {
		err = watch_open(&r.watch);
		if (err)
			goto cleanup;
	}
	for (;;) {
		r.changed = false;
		err = run_program(&r, file);
		if (!r.watch || tool_stopped())
			break;
		if (!r.changed) {
			fflush(stdout);
			fprintf(stderr, "bpfrun: %s: %s; waiting for the next change\n",
				file, err ? "it did not start" : "it ended");
			if (watch_wait(r.watch) == -EINTR)
				break;
		}
		r.again = true;
	}
cleanup:
	if (r.child > 0 && !r.child_done) {
		if (r.child_pipe >= 0) {
			close(r.child_pipe);	/* it exits without running */
			r.child_pipe = -1;
		} else {
			kill(r.child, SIGTERM);
		}
		waitpid(r.child, NULL, 0);
	}
	watch_close(r.watch);
	metrics_close(r.metrics);
	free(r.sets);
	for (i = 0; i < r.nprobes; i++) {
		free(r.probes[i].func);
		free(r.probes[i].target);
	}
	for (i = 0; i < r.t.nusdt; i++) {	/* -S's, add_probe()'s copies */
		free((char *)r.t.usdt[i].func);
		free((char *)r.t.usdt[i].target);
	}
	for (i = 0; i < r.t.ncflags; i++)
		free((char *)r.t.cflags[i]);
	return tool_close(&r.t, err);
}
