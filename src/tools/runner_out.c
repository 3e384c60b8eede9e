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

#include "printk_fmt.h"
#include "runner.h"

/* --- bpf_trace_printk() lines ------------------------------------------- */

/* One C string literal at @p (escapes decoded) appended to @buf. */
static const char *c_string(const char *p, char *buf, size_t len, size_t *n)
{
	for (p++; *p && *p != '"'; p++) {
		char c = *p;

		if (c == '\\' && p[1]) {
			p++;
			c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		}
		if (*n + 1 < len)
			buf[(*n)++] = c;
	}
	buf[*n] = '\0';
	return *p ? p + 1 : p;
}

static int add_format(struct run *r, const char *fmt)
{
	char **f = realloc(r->formats, (r->nformats + 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	r->formats = f;
	f[r->nformats] = strdup(fmt);
	if (!f[r->nformats])
		return -ENOMEM;
	r->nformats++;
	return 0;
}

/*
 * The literal formats given to bpf_trace_printk() in @src. A call whose
 * format is not a literal (a macro, a variable) makes every line shown.
 * Returns whether the file calls bpf_trace_printk at all.
 */
int out_scan_formats(struct run *r, const char *src)
{
	const char *p = src;
	bool used = false;
	int err;

	while ((p = strstr(p, "bpf_trace_printk"))) {
		char buf[512];
		size_t n = 0;

		p += strlen("bpf_trace_printk");
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '(')
			continue;
		used = true;
		p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '"') {
			r->show_all_printk = true;
			continue;
		}
		while (*p == '"') {	/* "a" "b" is "ab" */
			p = c_string(p, buf, sizeof(buf), &n);
			while (isspace((unsigned char)*p))
				p++;
		}
		while (n && buf[n - 1] == '\n')
			buf[--n] = '\0';
		err = add_format(r, buf);
		if (err)
			return err;
	}
	return used;
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

void out_printk(struct run *r, const struct bpfrun_trace_fields *f)
{
	const char *m;

	if (!printk_ours(r, f->msg))
		return;
	if (!r->json) {
		printf("%s\n", f->msg);
		out_line_done();
		return;
	}
	printf("{\"printk\":\"");
	for (m = f->msg; *m; m++) {
		if (*m == '"' || *m == '\\')
			printf("\\%c", *m);
		else if ((unsigned char)*m < 0x20)
			printf("\\u%04x", *m);
		else
			putchar(*m);
	}
	printf("\",\"pid\":%d,\"comm\":\"", f->pid);
	for (m = f->task; *m; m++)
		if (*m != '"' && *m != '\\')
			putchar(*m);
	printf("\"}\n");
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
	if (r->json) {
		if (!o->type || o->hex) {
			printf("{\"table\":\"%s\",\"hex\":\"", table);
			print_hex(stdout, data, size);
			printf("\"}\n");
		} else {
			dtype_print_json(stdout, o->type, data, size);
			putchar('\n');
		}
		return 0;
	}
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

/* Every table's key and leaf type, for the records events refer to. */
static int load_types(struct run *r)
{
	size_t i, n = bpfrun_nr_tables(r->t.b);
	struct bpfrun_table_info ti;

	r->known = calloc(2 * n + 1, sizeof(*r->known));
	if (!r->known)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		bpfrun_table_info(r->t.b, i, &ti);
		if (!dtype_parse(ti.key_desc, &r->known[r->nknown], NULL, 0))
			r->nknown++;
		if (!dtype_parse(ti.leaf_desc, &r->known[r->nknown], NULL, 0))
			r->nknown++;
	}
	return 0;
}

int out_open(struct run *r, struct bpfrun_events **ev)
{
	BPFRUN_OPTS(bpfrun_events_opts, eo, .on_event = on_event,
		    .on_lost = on_lost, .ctx = r, .pages = r->pages);
	size_t i, n = bpfrun_nr_tables(r->t.b);
	struct bpfrun_table_info ti;
	char err[256];
	int e;

	e = load_types(r);
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
		if (!ti.nfields) {
			fprintf(stderr,
				"bpfrun: %s: libbcc recorded no fields for its events: shown as hex\n",
				ti.name);
			continue;
		}
		e = dtype_from_fields(ti.fields, ti.nfields, r->known,
				      r->nknown, &o->type, err, sizeof(err));
		if (e == -ENOMEM)
			return e;
		if (e) {
			fprintf(stderr, "bpfrun: %s: %s%s: shown as hex\n",
				ti.name, err, e != -ENOENT ? "" :
				" (a struct must also be the key or value of a map to be known)");
			continue;
		}
		e = dtype_columns(o->type, &o->cols, &o->ncols);
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
		dtype_free(r->outs[i].type);
		free(r->outs[i].cols);
	}
	free(r->outs);
	for (i = 0; i < r->nknown; i++)
		dtype_free(r->known[i]);
	free(r->known);
	for (i = 0; i < r->nformats; i++)
		free(r->formats[i]);
	free(r->formats);
	/* ready for --watch's next run */
	r->outs = NULL;
	r->known = NULL;
	r->formats = NULL;
	r->nouts = r->nknown = r->nformats = 0;
	r->show_all_printk = false;
}
