/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runner, bpfrun FILE.c, in four parts: the command and its loop
 * (bpfrun.c), what it prints while the program runs (runner_out.c: events
 * and bpf_trace_printk() lines), the maps it prints at the end
 * (runner_maps.c), --watch's watcher (runner_watch.c) and --metrics's
 * exporter (runner_metrics.c: HTTP; runner_prom.c: maps as metrics).
 */
#ifndef BPFRUN_RUNNER_H
#define BPFRUN_RUNNER_H

#include <linux/bpf.h>
#include <sys/types.h>

#include "decode.h"
#include "tool.h"

struct probe_arg {
	enum bpfrun_kind kind;
	char *func, *target;
};

/* runner_stacks.c: the fields of a record that hold stack ids */
struct stack_field;
struct stack_view {
	struct stack_field *f;
	size_t n;
};

struct out_table {
	const char *name;
	struct dtype *type;	/* NULL: shown as hex */
	struct dcol *cols;
	size_t ncols;
	bool header_done, hex;
	char *prefix;		/* --json: {"table":TABLE,"event": */
	struct stack_view stk;
};

struct run {
	struct tool t;
	struct probe_arg probes[64];
	size_t nprobes;
	int json;
	bool list;		/* -l */
	const char *arg;	/* FILE.c, or -l's GLOB or PROBE */
	const char *cmd;
	bool watch_on;		/* --watch */
	struct watch *watch;
	bool changed;		/* a watched file changed: run it again */
	bool again;		/* this run is one of --watch's reruns */
	pid_t child;
	int child_pipe;		/* written to let the command exec */
	int child_status;
	bool child_done;
	size_t pages;		/* -b: per-CPU perf buffer pages */
	char **formats;		/* bpf_trace_printk() formats of the file */
	size_t nformats;
	bool show_all_printk;
	struct out_table *outs;
	size_t nouts;
	struct dprog *types;	/* where every table's types come from */
	const char **sets;	/* --set MAP:KEY=VALUE, in order */
	size_t nsets;
	const char *src;	/* the program's text */
	struct bpfrun_stacks *stacks;	/* NULL: it has no stack map */
	const char *metrics_at;	/* --metrics=[ADDR:]PORT */
	struct metrics *metrics;
};

/* runner_out.c */
/* stdout line buffered on a terminal, in large blocks to a file or pipe */
void out_setup(void);
/* A line was printed: write the buffer out once it holds enough. */
void out_line_done(void);
/*
 * Keep the literal formats @src gives bpf_trace_printk(), to tell our
 * trace_pipe lines from other programs'. Returns whether it calls
 * bpf_trace_printk at all, or -errno.
 */
int out_scan_formats(struct run *r, const char *src);
/* A trace_pipe line, if it is ours. */
void out_printk(struct run *r, const struct bpfrun_trace_fields *f);
/* The decoders of every output table, and its events opened in @ev. */
int out_open(struct run *r, struct bpfrun_events **ev);
void out_free(struct run *r);

/* runner_stacks.c: stack ids as frames */
/* The program's stack maps, when it has any (r->stacks stays NULL). */
int stacks_open(struct run *r);
/* The stacks lost said on stderr: -ENOSPC when a full map lost some. */
int stacks_report(struct run *r);
void stacks_close(struct run *r);
/*
 * The fields of @t (table @table's key when @key) that hold stack ids;
 * with --json their values are written as frames from now on, until
 * stack_view_free().
 */
int stacks_view(struct run *r, struct dtype *t, const char *table, bool key,
		struct stack_view *v);
void stack_view_free(struct stack_view *v);
/* Their frames, under the line of the record @rec. */
void stacks_print_text(struct run *r, const struct stack_view *v,
		       const void *rec, size_t len);

/* runner_watch.c */
struct watch;
int watch_open(struct watch **w);
/*
 * Watch @path and the files @b's compile read from now on; with @b NULL
 * (its compile failed) the last set stays, or @path alone.
 */
int watch_set(struct watch *w, const struct bpfrun *b, const char *path);
/* Did a watched file change? Does not wait (but lets a save settle). */
bool watch_changed(struct watch *w);
/* Until a watched file changes (0) or a stop request (-EINTR). */
int watch_wait(struct watch *w);
void watch_close(struct watch *w);

/* runner_maps.c */
/* The maps shown at the end and scraped: hashes and arrays, per-CPU too. */
static inline bool map_is_percpu(int type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static inline bool map_is_shown(int type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_HASH || map_is_percpu(type);
}
/*
 * Every hash and array map, as a table or a histogram. -EINTR: a new stop
 * request cut the dump short (said on stderr).
 */
int maps_print(struct run *r);

/* runner_hist.c */
struct map_entry {
	void *key, *val;
};
/* The integer column "slot" of a struct key, or -1. */
ssize_t hist_slot_col(const struct dcol *c, size_t n);
/*
 * Map @ti's @n entries as bcc's histograms: one, or one per section of a
 * struct key with a slot. Reorders @e.
 */
void hist_print(struct run *r, const struct bpfrun_table_info *ti,
		const struct dtype *k, const struct dtype *v,
		struct map_entry *e, long n);

/* runner_set.c: the --set writes into the maps, before anything attaches */
int maps_set(struct run *r);

/* runner_metrics.c: /metrics over HTTP, from a thread of libmicrohttpd's */
struct metrics;
/*
 * Listen on [ADDR:]PORT (ADDR: 127.0.0.1 when not given; "[::1]:PORT" for
 * IPv6) and serve; says what went wrong on stderr (a port in use).
 */
int metrics_open(struct metrics **m, const char *at, const char *program);
/* Scrapes read @b's maps from now on, as @src's annotations say. */
int metrics_bind(struct metrics *m, struct bpfrun *b, const char *src);
/* ... and no longer (before @b is closed); waits for a scrape under way. */
void metrics_unbind(struct metrics *m);
/* @n events of output table @table were lost (any thread). */
void metrics_lost(struct metrics *m, const char *table, unsigned long long n);
void metrics_close(struct metrics *m);

/* runner_prom.c: the text exposition format */
enum prom_kind { PROM_NONE, PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };
struct prom_map {
	char *map;
	enum prom_kind kind;
	char name[128];		/* the metric's, valid for Prometheus */
	char help[256];
	char type_word[16];	/* the annotation's type=, "" when none */
	bool named;		/* by the annotation's name= */
	bool linear;		/* histogram: a slot is a value, not a log2 */
	int fd, type;
	unsigned key_size, leaf_size, max_entries;
	struct dtype *k, *v;
	struct dcol *kcols, *vcols;	/* key fields are labels */
	size_t nk, nv;
	ssize_t slot_col;	/* histogram: the key's slot, -1: none */
};
/* [a-zA-Z_][a-zA-Z0-9_]*, snake_case */
void prom_name(char *out, size_t len, const char *in);
void prom_help(FILE *f, const char *name, const char *help, const char *type);
void prom_label_value(FILE *f, const char *s);
/*
 * What map @ti of @program becomes, its key and value types @k and @v
 * (dprog_map_types; taken over, NULL: not known); kind PROM_NONE: not
 * exported.
 */
int prom_map_init(struct prom_map *pm, const struct bpfrun_table_info *ti,
		  struct dtype *k, struct dtype *v, const char *program,
		  const char *src);
void prom_map_free(struct prom_map *pm);
/* Its samples, read now: the number of entries read, or -errno. */
long prom_map_write(FILE *f, const struct prom_map *pm);

#endif
