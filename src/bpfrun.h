/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libbpfrun: compile BPF C at run time through libbcc, attach it, read what
 * it reports. Functions return 0 (or a count) on success and a negative errno
 * on failure; they have already said why through the print function.
 */
#ifndef BPFRUN_H
#define BPFRUN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpfrun;

/*
 * Where the library's messages go: each is one or more whole lines, an
 * error (what failed and what to do), a warning, progress that a verbose
 * run shows, or the output of the compiler or verifier. The default writes
 * "COMMAND: [warning: ]MESSAGE" (output as it is) to stderr and drops info;
 * NULL silences everything. It may be
 * called from inside any library function. Returns the previous one.
 */
enum bpfrun_print_level {
	BPFRUN_ERROR,
	BPFRUN_WARN,
	BPFRUN_INFO,
	BPFRUN_OUTPUT,	/* another program's text as it is: clang, the verifier */
	BPFRUN_NR_PRINT_LEVELS,
};
typedef int (*bpfrun_print_fn)(enum bpfrun_print_level level,
			       const char *fmt, va_list ap);
/* "COMMAND: [warning: ]MESSAGE" on stderr, whatever the level: for hosts
 * whose print function filters and then writes as the default does. */
int bpfrun_print_stderr(enum bpfrun_print_level level, const char *fmt,
			va_list ap);
bpfrun_print_fn bpfrun_set_print(bpfrun_print_fn fn);

enum bpfrun_kind {
	BPFRUN_KPROBE,
	BPFRUN_KRETPROBE,
	BPFRUN_TRACEPOINT,
	BPFRUN_RAW_TRACEPOINT,
	BPFRUN_UPROBE,
	BPFRUN_URETPROBE,
	BPFRUN_PERF_EVENT,	/* sampling: bcc's attach_perf_event() */
	BPFRUN_USDT,		/* the probes given at open (bpfrun_opts.usdt) */
	BPFRUN_KFUNC,		/* fentry: bcc's KFUNC_PROBE() */
	BPFRUN_KRETFUNC,	/* fexit: KRETFUNC_PROBE() */
	BPFRUN_NR_KINDS,
};

/*
 * Options structs start with their size, so that a host built against an
 * older header keeps working with a newer library: declare them with
 * BPFRUN_OPTS(bpfrun_opts, name, .field = value, ...).
 */
#define BPFRUN_OPTS(type, name, ...)                                        \
	struct type name = { .sz = sizeof(struct type), __VA_ARGS__ }

/*
 * A value the program uses as the macro @name, given at load time: the
 * compiled program is the same for every value (one cache entry), and the
 * value is put in when it is loaded. The macro is an expression of type
 * long long, not a literal: for comparisons and arithmetic, not #if or
 * case labels. -p PID is FILTER_PID.
 */
struct bpfrun_value {
	const char *name;
	long long value;
};
#define BPFRUN_MAX_VALUES 16

/*
 * A USDT probe for function @func, as bcc's USDT(path=, pid=)
 * .enable_probe(probe=, fn_name=) given to BPF(usdt_contexts=): the code
 * that reads its arguments (bpf_usdt_readarg, bpf_usdt_readarg_p) is
 * generated from the binary and compiled with the program, so probes are
 * named at open. @target is "BIN-or-PID:PROVIDER:PROBE": BIN a path, a
 * library or a command as uprobes take it, or a PID (all it maps);
 * PROVIDER may be empty when no other provider has a probe of that name.
 * With @pid and a BIN, that process's copy of it. A probe with a
 * semaphore has it set by the kernel while attached.
 */
struct bpfrun_usdt {
	const char *func;
	const char *target;
	int pid;
};
#define BPFRUN_MAX_USDT 64

struct bpfrun_opts {
	size_t sz;		/* sizeof(struct bpfrun_opts) */
	const char *const *cflags;	/* extra compiler flags: -DX, -IDIR */
	size_t ncflags;
	const char *headers;	/* "auto", "btf" or a DIR; NULL: $BPFRUN_HEADERS or "auto" */
	bool no_cache;		/* always compile; neither read nor write the cache */
	const struct bpfrun_value *values;	/* at most BPFRUN_MAX_VALUES */
	size_t nvalues;
	const struct bpfrun_usdt *usdt;	/* at most BPFRUN_MAX_USDT */
	size_t nusdt;
};

/*
 * Compile the BPF C file at @path, or take its compiled form from the cache
 * when nothing it depends on changed; its maps are created, nothing is
 * loaded or attached yet. The compile runs in a child process (fork()ed:
 * call it before starting threads of your own); -EINTR when a stop was
 * requested meanwhile.
 */
int bpfrun_open(struct bpfrun **bp, const char *path,
		const struct bpfrun_opts *opts);
/*
 * The files the program's compile read (the source, the headers it
 * included), the @i-th or NULL past the last: what a watcher watches.
 */
const char *bpfrun_dependency(const struct bpfrun *b, size_t i);
/* Detach everything, close every fd; NULL-safe. */
void bpfrun_close(struct bpfrun *b);
/*
 * Detach every program but keep programs and maps: nothing new is traced,
 * what was recorded stays readable (maps, buffers, trace_pipe). The end of
 * a run: detach, bpfrun_events_flush(), then read the maps. NULL-safe.
 */
void bpfrun_detach(struct bpfrun *b);

/*
 * Attach function @func as @kind. @target is
 * - kprobes: "SYMBOL", or a pattern attaching every kernel function of
 *   available_filter_functions that matches, as bcc's event_re= does: a
 *   shell glob ("vfs_*") or "/REGEX/" (POSIX extended, matching the whole
 *   name). Functions that cannot be probed are skipped; at most 1000.
 *   Without kprobes, a syscall's function ("__x64_sys_openat") is traced
 *   at its sys_enter_/sys_exit_ tracepoint where the program allows it.
 * - tracepoints: "CATEGORY:NAME"; raw tracepoints: "NAME".
 * - uprobes: "BINARY:SYMBOL"; BINARY is a path, a library name as bcc
 *   takes it ("c", "pthread", "ssl": libNAME.so*; or a soname, "libc.so.6")
 *   found in the process's mappings when a pid is given, else in
 *   /etc/ld.so.cache; else an executable in $PATH.
 * - perf events: "TYPE:CONFIG:period=N" or "TYPE:CONFIG:freq=N", with
 *   ":cpu=N" for one CPU (every online CPU otherwise); TYPE is "software",
 *   "hardware", "hw_cache" or a number; CONFIG a name ("cpu-clock",
 *   "cpu-cycles", ...) or a number.
 * - USDT: the target of a probe given at open ("BIN-or-PID:PROVIDER:PROBE",
 *   as given), or NULL for every one given for @func. bpfrun_attach_auto
 *   attaches them all, as bcc's BPF(usdt_contexts=) does.
 */
int bpfrun_attach(struct bpfrun *b, enum bpfrun_kind kind, const char *func,
		  const char *target);
struct bpfrun_attach_opts {
	size_t sz;	/* sizeof(struct bpfrun_attach_opts) */
	/*
	 * 0: every process. Else uprobes fire in that process only and find
	 * libraries among its mappings; perf events count that process.
	 */
	int pid;
};
int bpfrun_attach_opts(struct bpfrun *b, enum bpfrun_kind kind,
		       const char *func, const char *target,
		       const struct bpfrun_attach_opts *opts);
/* Attach every function named with a kind's prefix; returns how many. */
int bpfrun_attach_auto(struct bpfrun *b);
size_t bpfrun_nr_links(const struct bpfrun *b);

const char *bpfrun_kind_name(enum bpfrun_kind kind);
/*
 * Every probe of the kinds that tracefs lists (tracepoints, and kprobes
 * where the kernel has them), as "KIND:TARGET", matching shell pattern
 * @glob if set ("t:" and "k:" short for "tracepoint:" and "kprobe:").
 * Returns how many @fn was given, or the first negative value it returned.
 */
typedef int (*bpfrun_probe_fn)(void *ctx, const char *probe);
int bpfrun_list_probes(const char *glob, bpfrun_probe_fn fn, void *ctx);
/*
 * The fields a tracepoint gives its programs ("const char * filename"),
 * without the common ones, each to @fn; @probe is tracepoint:CAT:NAME,
 * t:CAT:NAME or CAT:NAME. Returns how many, or -errno with a message.
 */
int bpfrun_probe_fields(const char *probe, bpfrun_probe_fn fn, void *ctx);
int bpfrun_kind_by_name(const char *name, enum bpfrun_kind *kind);
/*
 * Split a function name such as "kprobe__tcp_v4_connect" or
 * "tracepoint__syscalls__sys_enter_execve" into its kind and target
 * ("tcp_v4_connect", "syscalls:sys_enter_execve"). -ENOENT: no prefix.
 */
int bpfrun_prefix_parse(const char *func, enum bpfrun_kind *kind,
			char *target, size_t len);

/* Program introspection, for commands that read maps themselves. */
size_t bpfrun_nr_functions(const struct bpfrun *b);
const char *bpfrun_function_name(const struct bpfrun *b, size_t i);
int bpfrun_table_fd(const struct bpfrun *b, const char *name);

/*
 * The kernel's symbol for syscall @name ("execve" -> "__x64_sys_execve"),
 * from @kallsyms (NULL: /proc/kallsyms). -EACCES: the file hides addresses.
 */
int bpfrun_syscall_fnname(const char *kallsyms, const char *name, char *buf,
			  size_t len);

/*
 * Path of programs/NAME.c: @override if set, else $BPFRUN_PROGRAM_DIR/NAME.c,
 * else the source tree when run from the build tree, else the installed copy.
 */
int bpfrun_find_program(const char *name, const char *override, char *buf,
			size_t len);

/* tracefs, mounted on first use when it is not. */
int bpfrun_tracefs(char *buf, size_t len);

/* One trace_pipe line, as bcc's trace_fields() returns it. */
struct bpfrun_trace_fields {
	char task[32];
	int pid;
	int cpu;
	char flags[16];
	double ts;
	const char *msg;	/* points into the parsed line */
};

/* Parse one line (no trailing newline needed). -EINVAL: not a trace line. */
int bpfrun_trace_parse(const char *line, struct bpfrun_trace_fields *f);

struct bpfrun_trace_pipe;
int bpfrun_trace_pipe_open(struct bpfrun_trace_pipe **tp);
/*
 * Wait up to @timeout_ms (-1: forever) for the next parsable line.
 * 1: @f filled (valid until the next call); 0: timed out; -EINTR: a signal
 * or the cancel fd ended the wait. With @timeout_ms 0 it does not wait nor
 * look at the cancel fd: it reads what is there, the last lines once the
 * program is detached.
 */
int bpfrun_trace_pipe_read(struct bpfrun_trace_pipe *tp,
			   struct bpfrun_trace_fields *f, int timeout_ms);
/*
 * Lines the kernel's trace buffer overwrote since the open, unread: of
 * every program on the system, as trace_pipe is (not only ours).
 */
unsigned long long bpfrun_trace_pipe_overrun(const struct bpfrun_trace_pipe *tp);
void bpfrun_trace_pipe_close(struct bpfrun_trace_pipe *tp);

/*
 * Perf and ring buffers: the BPF_PERF_OUTPUT and BPF_RINGBUF_OUTPUT tables.
 * Wakeups are batched and every buffer is drained at least every drain_ms,
 * so an event reaches the callback within drain_ms even when it is alone.
 */
typedef int (*bpfrun_event_fn)(void *ctx, const char *table, const void *data,
			       size_t size);
typedef void (*bpfrun_lost_fn)(void *ctx, const char *table, int cpu,
			       unsigned long long lost);
struct bpfrun_events_opts {
	size_t sz;		/* sizeof(struct bpfrun_events_opts) */
	size_t pages;		/* per-CPU perf buffer pages; 0: 64 */
	unsigned wakeup_events;	/* 0: when a quarter of the buffer is full */
	int drain_ms;		/* 0: 100 */
	bpfrun_event_fn on_event;
	bpfrun_lost_fn on_lost;	/* NULL: a line on stderr */
	void *ctx;
};
struct bpfrun_events;
/* Open @table, or every output table of the program when @table is NULL. */
int bpfrun_events_open(struct bpfrun *b, const char *table,
		       const struct bpfrun_events_opts *opts,
		       struct bpfrun_events **ev);
/*
 * Deliver what is there, waiting up to @timeout_ms (-1: until something
 * comes); returns the events delivered, or -errno: -EINTR when a signal or
 * the cancel fd (bpfrun_set_cancel_fd) ended a wait that delivered none.
 */
int bpfrun_events_poll(struct bpfrun_events *ev, int timeout_ms);
/*
 * The final drain, for every way a run ends (its command exited, its time
 * is up, SIGINT or SIGTERM): call it after bpfrun_detach(). It delivers
 * every event the kernel wrote before the call and reports, through on_lost,
 * the perf buffer losses the kernel has counted but not yet written (it
 * writes them only before a CPU's next event: the flush writes an end
 * marker of its own into every buffer to bring them out and to know when
 * all is read). A signal or the cancel fd during the flush stops the
 * callbacks, not the reading: what is left is counted and said on stderr. Ring buffers
 * never drop silently: a full one makes the program's ringbuf_output() or
 * ringbuf_reserve() fail, and only the program can count that.
 * Returns the events delivered or -errno; NULL-safe.
 */
int bpfrun_events_flush(struct bpfrun_events *ev);
/* Events the kernel reported lost so far (PERF_RECORD_LOST), in all. */
unsigned long long bpfrun_events_lost(const struct bpfrun_events *ev);
void bpfrun_events_close(struct bpfrun_events *ev);

/* What libbcc recorded of a table, for decoding keys, values and events. */
struct bpfrun_table_info {
	const char *name;
	int type;		/* BPF_MAP_TYPE_* */
	unsigned key_size, leaf_size, max_entries;
	const char *key_desc, *leaf_desc;	/* libbcc's type descriptions */
	const char *const *fields;	/* perf_submit() fields, "name#type" */
	size_t nfields;
	int fd;
};
size_t bpfrun_nr_tables(const struct bpfrun *b);
int bpfrun_table_info(const struct bpfrun *b, size_t i,
		      struct bpfrun_table_info *info);

/*
 * Stack traces: the ids a program's BPF_STACK_TRACE tables hand out
 * (MAP.get_stackid(), bpf_get_stackid()), read back as frames, innermost
 * first. Kernel frames are named from /proc/kallsyms; user frames from
 * the process's binary and libraries by libbcc's symbol cache, which is
 * loaded only when a first user frame is named.
 */
struct bpfrun_frame {
	unsigned long long ip;
	bool kernel;		/* an address of the kernel's half */
	const char *sym;	/* NULL: no symbol (valid during the call) */
	unsigned long long off;	/* into sym; without one, into module */
	const char *module;	/* user frames: the file; NULL: not known
				 * (the process has exited) */
	const char *build_id;	/* BPF_STACK_TRACE_BUILDID: the file's, in
				 * hex; off is into the file, ip is 0 */
};
typedef int (*bpfrun_frame_fn)(void *ctx, const struct bpfrun_frame *f);
struct bpfrun_stacks;
/* The stack maps of @b, read when frames are asked for. */
int bpfrun_stacks_open(const struct bpfrun *b, struct bpfrun_stacks **s);
void bpfrun_stacks_close(struct bpfrun_stacks *s);
size_t bpfrun_stacks_nr_maps(const struct bpfrun_stacks *s);
/*
 * The stack map whose ids @field holds (a field of a key, a value or an
 * event), as program text @src shows: "FIELD = MAP.get_stackid(...)";
 * failing that, a field named
 * as bcc's tools name them (*stack_id, *stackid) holds ids of the
 * program's first stack map. @field NULL: table @table's key itself, when
 * the program calls TABLE.lookup(&VAR), .update(&VAR, ...),
 * .increment(VAR), ... with such a VAR. NULL: not a stack id.
 */
const char *bpfrun_stack_map_of(const struct bpfrun_stacks *s, const char *src,
				const char *table, const char *field);
/*
 * The frames of stack @id of stack map @map to @fn (which ends the walk
 * by returning non-zero), user frames as process @pid maps them (0: not
 * known). The count, or what a negative @id says: -EFAULT, there was no
 * stack (a kernel thread's user stack); -ENOSPC, the stack was lost, the
 * map full or its bucket taken (counted, see bpfrun_stacks_report); and
 * -ENOENT: the map no longer holds it, -EINVAL: no such map or id.
 */
int bpfrun_stack_walk(struct bpfrun_stacks *s, const char *map, long long id,
		      int pid, bpfrun_frame_fn fn, void *ctx);
/*
 * "sym+0xOFF", "sym+0xOFF [module]", "module+0xOFF", "[unknown] 0xIP",
 * "[build id HEX]+0xOFF"
 */
int bpfrun_frame_str(const struct bpfrun_frame *f, char *buf, size_t len);
/* Lost stacks the walks met in map @map (NULL: all). */
unsigned long long bpfrun_stacks_lost(const struct bpfrun_stacks *s,
				      const char *map);
/*
 * Says on stderr what the walks met: processes gone, and for each map
 * that lost stacks whether it is full or its buckets collided.  -ENOSPC
 * when a map that lost stacks is full (the run should fail), else 0.
 */
int bpfrun_stacks_report(const struct bpfrun_stacks *s);

/*
 * One JSON object on a line of @out, as bpfrun --json writes its own: a
 * field each, in order. Strings are bytes (strnlen(str, len) of them):
 * valid UTF-8 as it is, any other byte as \xNN and a backslash doubled,
 * so the bytes can be had back; NaN and infinities are null.
 */
enum bpfrun_json_kind {
	BPFRUN_JSON_STR,
	BPFRUN_JSON_INT,
	BPFRUN_JSON_UINT,
	BPFRUN_JSON_DOUBLE,
};
struct bpfrun_json_field {
	const char *name;
	enum bpfrun_json_kind kind;
	const char *str;
	size_t len;
	long long i;
	unsigned long long u;
	double d;
};
int bpfrun_json_line(FILE *out, const struct bpfrun_json_field *f, size_t n);

/* bcc's print_log2_hist / print_linear_hist on counts indexed by slot. */
void bpfrun_print_log2_hist(FILE *out, const unsigned long long *vals,
			    size_t n, const char *val_type);
void bpfrun_print_linear_hist(FILE *out, const unsigned long long *vals,
			      size_t n, const char *val_type);

/*
 * The library installs no signal handler. Its waits (a compile in
 * bpfrun_open, bpfrun_events_poll, bpfrun_events_flush,
 * bpfrun_trace_pipe_read) return -EINTR when a signal interrupts them, and
 * when @fd, the host's, is readable: a signal handler that writes to an
 * eventfd or a pipe stops a wait even when the signal comes just before
 * it starts. The fd stays the host's; drain it to let waits go on (the
 * final bpfrun_events_flush after a Ctrl-C: a second one then ends it).
 * -1: none (the default). Returns the previous one.
 */
int bpfrun_set_cancel_fd(int fd);

/*
 * Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK: a process-wide
 * limit, so the host raises it (to infinity) if it wants; the library
 * never changes it.
 */
int bpfrun_raise_memlock(void);

/* Root check with a message that says what to do. */
int bpfrun_need_root(void);

const char *bpfrun_version(void);

#ifdef __cplusplus
}
#endif

#endif
