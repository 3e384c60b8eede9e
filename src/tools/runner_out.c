// SPDX-License-Identifier: Apache-2.0
/*
 * What the runner prints while the program runs: its perf and ring buffer
 * events, decoded field by field, and its bpf_trace_printk() lines.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cscan.h"
#include "printk_fmt.h"
#include "runner.h"

/* --- bpf_trace_printk() lines ------------------------------------------- */

/* A bpf_trace_printk() format, kept without its final newlines. */
static int add_format(void *ctx, const char *fmt)
{
	struct run *r = ctx;
	char **f, *copy;
	size_t n;

	if (!fmt) {	/* a macro, a variable: every line may be ours */
		r->show_all_printk = true;
		return 0;
	}
	f = realloc(r->formats, (r->nformats + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	r->formats = f;
	copy = strdup(fmt);
	if (!copy)
		return -ENOMEM;
	for (n = strlen(copy); n && copy[n - 1] == '\n';)
		copy[--n] = '\0';
	f[r->nformats++] = copy;
	return 0;
}

int out_scan_formats(struct run *r, const char *src)
{
	int n = scan_calls(src, strlen(src), "bpf_trace_printk", 512,
			   add_format, r);

	return n < 0 ? n : n > 0;
}

static bool printk_ours(const struct run *r, const char *msg)
{
	size_t i;

	if (r->show_all_printk)
		return true;
	for (i = 0; i < r->nformats; i++)
		if (printk_fmt_match(r->formats[i], msg))
			return true;
	return false;
}

/* {"printk":MSG,"pid":PID,"comm":COMM}: trace_pipe lines name no table */
static int printk_json(const struct bpfrun_trace_fields *f)
{
	struct json_object *o = json_object_new_object();
	int err;

	err = djson_add(o, "printk", djson_bytes(f->msg, strlen(f->msg)));
	if (!err)
		err = djson_add(o, "pid", json_object_new_int(f->pid));
	if (!err)
		err = djson_add(o, "comm", djson_bytes(f->task, strlen(f->task)));
	if (!err)
		err = djson_print_line(stdout, o);
	json_object_put(o);
	return err;
}

void out_printk(struct run *r, const struct bpfrun_trace_fields *f)
{
	if (!printk_ours(r, f->msg))
		return;
	if (!r->json)
		printf("%s\n", f->msg);
	else if (printk_json(f))
		fprintf(stderr, "bpfrun: no memory for a JSON line\n");
	out_line_done();
}

/* --- events -------------------------------------------------------------- */

static void print_hex(FILE *out, const void *data, size_t size)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < size; i++)
		fprintf(out, "%02x", p[i]);
}

/*
 * Output to a file or pipe is block buffered: a write per line made the
 * reader slower than a burst, and the perf buffer overflowed. Blocks end
 * at line ends, since -c's command may write to the same file, and go out
 * at least once per turn of the loop (run_loop) for readers that follow.
 */
#define OUT_BUFFER (1 << 20)
#define OUT_FLUSH_AT (1 << 16)
static char out_buffer[OUT_BUFFER];

void out_setup(void)
{
	if (isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	else	/* glibc keeps its 4 KiB buffer if given none */
		setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
}

void out_line_done(void)
{
	if (__fpending(stdout) >= OUT_FLUSH_AT)
		fflush(stdout);
}

static int print_event(struct run *r, const char *table, const void *data,
		       size_t size);

static int on_event(void *ctx, const char *table, const void *data,
		    size_t size)
{
	int err = print_event(ctx, table, data, size);

	out_line_done();
	return err;
}

/*
 * {"table":TABLE,"event":{...}}, one line object for all of a table's
 * events; {"table":TABLE,"hex":"..."} for what cannot be decoded.
 */
static int event_json(struct out_table *o, const char *table,
		      const void *data, size_t size)
{
	struct json_object *line;
	int err;

	if (!o->type || o->hex) {
		line = djson_line(table);
		err = djson_add(line, "hex", djson_hex(data, size));
		if (!err)
			err = djson_print_line(stdout, line);
		json_object_put(line);
		return err;
	}
	/*
	 * The same {"table":TABLE, begins every line of a table: json-c
	 * writes it once, the events are written after it as they come.
	 */
	if (!o->prefix) {
		o->prefix = djson_line_prefix(table, "event");
		if (!o->prefix)
			return -ENOMEM;
	}
	fputs(o->prefix, stdout);
	err = dtype_print_json(stdout, o->type, data, size);
	fputs("}\n", stdout);
	return err;
}

static int print_event(struct run *r, const char *table, const void *data,
		       size_t size)
{
	struct out_table *o = NULL;
	size_t i;

	for (i = 0; i < r->nouts; i++)
		if (!strcmp(r->outs[i].name, table))
			o = &r->outs[i];
	if (!o)
		return 0;
	/* perf buffers pad records to 8 bytes: a few bytes more are fine */
	if (o->type && !o->hex &&
	    (size < o->type->size || size > o->type->size + 8)) {
		fprintf(stderr,
			"bpfrun: %s: events of %zu bytes, but its fields make %u: shown as hex (see BUGS in bpfrun(8))\n",
			table, size, o->type->size);
		o->hex = true;
	}
	if (r->json)
		return event_json(o, table, data, size);
	if (r->nouts > 1)
		printf("%s: ", table);
	if (!o->type || o->hex) {
		print_hex(stdout, data, size);
		putchar('\n');
		return 0;
	}
	if (!o->header_done) {
		dcol_print_header(stdout, o->cols, o->ncols);
		if (r->nouts > 1)
			printf("%s: ", table);
		o->header_done = true;
	}
	dcol_print_row(stdout, o->cols, o->ncols, data, size);
	stacks_print_text(r, &o->stk, data, size);
	return 0;
}

static void on_lost(void *ctx, const char *table, int cpu,
		    unsigned long long n)
{
	struct run *r = ctx;

	fprintf(stderr, "bpfrun: lost %llu events from %s on CPU %d\n", n,
		table, cpu);
	metrics_lost(r->metrics, table, n);
}

int out_open(struct run *r, struct bpfrun_events **ev)
{
	BPFRUN_OPTS(bpfrun_events_opts, eo, .on_event = on_event,
		    .on_lost = on_lost, .ctx = r, .pages = r->pages);
	size_t i, n = bpfrun_nr_tables(r->t.b);
	struct bpfrun_table_info ti;
	char err[256];
	int e;

	e = dprog_open(r->t.b, &r->types);
	if (!e)
		e = stacks_open(r);
	if (e)
		return e;
	r->outs = calloc(n + 1, sizeof(*r->outs));
	if (!r->outs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct out_table *o = &r->outs[r->nouts];

		bpfrun_table_info(r->t.b, i, &ti);
		if (ti.type != BPF_MAP_TYPE_PERF_EVENT_ARRAY &&
		    ti.type != BPF_MAP_TYPE_RINGBUF)
			continue;
		o->name = ti.name;
		r->nouts++;
		e = dprog_event_type(r->types, i, &o->type, err, sizeof(err));
		if (e == -ENOMEM)
			return e;
		if (e) {
			fprintf(stderr, "bpfrun: %s: %s: shown as hex\n",
				ti.name, err);
			continue;
		}
		e = dtype_columns(o->type, &o->cols, &o->ncols);
		if (!e)
			e = stacks_view(r, o->type, ti.name, false, &o->stk);
		if (e)
			return e;
	}
	if (!r->nouts)
		return 0;
	return bpfrun_events_open(r->t.b, NULL, &eo, ev);
}

void out_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nouts; i++) {
		stack_view_free(&r->outs[i].stk);
		dtype_free(r->outs[i].type);
		free(r->outs[i].cols);
		free(r->outs[i].prefix);
	}
	free(r->outs);
	dprog_close(r->types);
	for (i = 0; i < r->nformats; i++)
		free(r->formats[i]);
	free(r->formats);
	stacks_close(r);
	/* ready for --watch's next run */
	r->outs = NULL;
	r->types = NULL;
	r->formats = NULL;
	r->nouts = r->nformats = 0;
	r->show_all_printk = false;
}
