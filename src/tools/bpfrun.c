// SPDX-License-Identifier: Apache-2.0
/*
 * bpfrun FILE.c: compile any BPF C file, attach it, show what it reports
 * (trace_pipe lines, perf and ring buffer events, maps at exit) with no
 * host code of its own.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "printk_fmt.h"
#include "tool.h"

static const char usage[] =
	"Usage: bpfrun [OPTIONS] FILE.c\n"
	"       bpfrun -l [GLOB]\n"
	"       bpfrun -lv PROBE\n"
	"\n"
	"Compile the BPF C program FILE.c, attach it and show what it reports,\n"
	"with no host code: bpf_trace_printk() lines, every BPF_PERF_OUTPUT and\n"
	"BPF_RINGBUF_OUTPUT event decoded field by field, and every hash and\n"
	"array map when it ends (Ctrl-C, -d, or the end of -c's command).\n"
	"Functions named kprobe__SYM, kretprobe__SYM, tracepoint__CAT__NAME and\n"
	"raw_tracepoint__NAME (and TRACEPOINT_PROBE) attach themselves.\n"
	"\n"
	"Options:\n"
	"  -k FUNC:SYMBOL      attach FUNC as a kprobe on kernel function SYMBOL\n"
	"  -r FUNC:SYMBOL      attach FUNC as a kretprobe\n"
	"  -t FUNC:CAT:NAME    attach FUNC to tracepoint CAT:NAME\n"
	"  -u FUNC:BIN:SYMBOL  attach FUNC as a uprobe on SYMBOL of BIN\n"
	"  -U FUNC:BIN:SYMBOL  attach FUNC as a uretprobe\n"
	"  -D NAME[=VALUE]     define a macro for the program\n"
	"  -I DIR              add DIR to the program's include path\n"
	"  -p PID              define PID=PID for the program (filter on it)\n"
	"  -c 'COMMAND'        run COMMAND (sh -c) once attached, define PID as\n"
	"                      its pid, and end when it ends\n"
	"  -d SECONDS          end after SECONDS\n"
	"  -b, --buffer-pages=N  perf buffer pages per CPU (default 64, a power\n"
	"                      of 2); lost events are counted on stderr\n"
	"  -j, --json          events and maps as one JSON object per line\n"
	"  -l [GLOB]           list probes (tracepoint:CAT:NAME; kprobe:FUNC where\n"
	"                      the kernel has kprobes); -lv PROBE: its arguments\n"
	TOOL_OPTIONS_HELP
	"\n"
	"Maps printed at exit: a hash or array map with an integer key and a\n"
	"64-bit value whose name contains \"dist\" or \"hist\" (BPF_HISTOGRAM's\n"
	"default name is dist) is a histogram indexed by slot: printed as bcc's\n"
	"print_linear_hist() when the name also contains \"lin\", else as\n"
	"print_log2_hist(). Other maps print as key and value, sorted by value;\n"
	"zero entries of arrays are left out.\n"
	"\n"
	"trace_pipe is shared by every BPF program on the system: bpfrun shows\n"
	"the lines that match one of the bpf_trace_printk() formats of FILE.c.\n"
	"\n"
	TOOL_ENV_HELP
	"\n"
	"EXAMPLES:\n"
	"    sudo bpfrun hello.c                  # run it until Ctrl-C\n"
	"    sudo bpfrun -d 5 --json events.c     # 5 seconds, JSON events\n"
	"    sudo bpfrun -c 'ls /tmp' opens.c     # trace one command (PID)\n"
	"    sudo bpfrun -t do_open:syscalls:sys_enter_openat prog.c\n"
	"    sudo bpfrun -u f:/bin/bash:readline prog.c\n"
	"    sudo bpfrun -l 'tracepoint:syscalls:sys_enter_open*'\n"
	"    sudo bpfrun -lv tracepoint:syscalls:sys_enter_openat\n";

struct probe_arg {
	enum bpfrun_kind kind;
	char *func, *target;
};

struct out_table {
	const char *name;
	struct dtype *type;	/* NULL: shown as hex */
	struct dcol *cols;
	size_t ncols;
	bool header_done, hex;
};

struct run {
	struct tool t;
	struct probe_arg probes[64];
	size_t nprobes;
	int json;
	int pid;
	const char *cmd;
	pid_t child;
	int child_pipe;		/* written to let the command exec */
	int child_status;
	bool child_done;
	double duration;
	size_t pages;		/* -b: per-CPU perf buffer pages */
	char **formats;		/* bpf_trace_printk() formats of the file */
	size_t nformats;
	bool show_all_printk;
	struct out_table *outs;
	size_t nouts;
	struct dtype **known;	/* every table's key and leaf types */
	size_t nknown;
	char defs[2][64];
};

/* --- bpf_trace_printk() formats ------------------------------------------ */

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
static int scan_formats(struct run *r, const char *src)
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

/* --- listing ------------------------------------------------------------- */

static int print_probe(void *ctx, const char *probe)
{
	(void)ctx;
	return puts(probe) < 0 ? -EIO : 0;
}

static int list_probes(const char *glob)
{
	return bpfrun_list_probes(glob, print_probe, NULL);
}

static int list_args(const char *probe)
{
	const char *p = probe, *name;
	char cat[256];
	struct tp_format fmt;
	size_t i;
	int err;

	if (!strncmp(p, "tracepoint:", 11))
		p += 11;
	else if (!strncmp(p, "t:", 2))
		p += 2;
	name = strchr(p, ':');
	if (!name || name == p || !name[1] || strchr(name + 1, ':') ||
	    (size_t)(name - p) >= sizeof(cat)) {
		fprintf(stderr,
			"bpfrun: -lv takes a tracepoint: tracepoint:CATEGORY:NAME, not %s\n",
			probe);
		return -EINVAL;
	}
	snprintf(cat, sizeof(cat), "%.*s", (int)(name - p), p);
	name++;
	err = tp_format_read(cat, name, &fmt);
	if (err) {
		fprintf(stderr, "bpfrun: no tracepoint %s:%s on this kernel\n",
			cat, name);
		return err;
	}
	printf("tracepoint:%s:%s\n", cat, name);
	for (i = 0; i < fmt.nfields; i++)
		printf("    %s;\n", fmt.fields[i].decl);
	tp_format_free(&fmt);
	return 0;
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

static void out_line_done(void)
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
	fprintf(stderr, "bpfrun: lost %llu events from %s on CPU %d\n", n,
		table, cpu);
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

static int open_outputs(struct run *r, struct bpfrun_events **ev)
{
	BPFRUN_OPTS(bpfrun_events_opts, eo, .on_event = on_event,
		    .on_lost = on_lost, .ctx = r, .pages = r->pages);
	size_t i, n = bpfrun_nr_tables(r->t.b);
	struct bpfrun_table_info ti;
	char err[256];
	int e;

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

/* --- maps at exit -------------------------------------------------------- */

/*
 * A map of millions of entries takes seconds to read and print: the dump
 * checks for a stop request (a new one: not the Ctrl-C that ended the run)
 * every CHECK_EVERY entries, so it ends within a fraction of a second.
 */
#define CHECK_EVERY 1024
static unsigned dump_stop_base;

static bool dump_stopped(size_t i)
{
	return i % CHECK_EVERY == 0 && bpfrun_stopped_since(dump_stop_base);
}

struct entry {
	void *key, *val;
};

static const struct dtype *sort_type;

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (dtype_is_int(sort_type)) {
		long long u = dtype_int(sort_type, x->val);
		long long v = dtype_int(sort_type, y->val);

		if (!sort_type->is_signed)
			return (unsigned long long)u < (unsigned long long)v ? -1 :
			       (unsigned long long)u > (unsigned long long)v;
		return u < v ? -1 : u > v;
	}
	return memcmp(x->val, y->val, sort_type->size);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

static bool is_hist(const struct bpfrun_table_info *ti, const struct dtype *k,
		    const struct dtype *v)
{
	char lname[256];
	size_t i;

	if (!dtype_is_int(k) || !dtype_is_int(v) || v->size != 8 ||
	    k->size > 8)
		return false;
	for (i = 0; ti->name[i] && i + 1 < sizeof(lname); i++)
		lname[i] = tolower((unsigned char)ti->name[i]);
	lname[i] = '\0';
	return strstr(lname, "dist") || strstr(lname, "hist");
}


static bool is_percpu(int type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/*
 * Read the whole map; per-CPU integer values are summed, as bcc's
 * tools do. Returns the number of entries or -errno.
 */
static long read_map(const struct bpfrun_table_info *ti, const struct dtype *v,
		     struct entry **out)
{
	size_t ks = ti->key_size, vs = ti->leaf_size, cap = 0, n = 0;
	int ncpu = is_percpu(ti->type) ? libbpf_num_possible_cpus() : 1;
	size_t stride = is_percpu(ti->type) ? (vs + 7) / 8 * 8 : vs;
	char *key = calloc(1, ks), *next = calloc(1, ks), *raw;
	struct entry *e = NULL;
	bool first = true;
	size_t seen = 0;
	long err = 0;

	raw = calloc(ncpu > 0 ? ncpu : 1, stride);
	if (!key || !next || !raw || ncpu < 1) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(ti->fd, first ? NULL : key, next)) {
		if (dump_stopped(++seen)) {
			err = -EINTR;
			goto out;
		}
		first = false;
		memcpy(key, next, ks);
		if (bpf_map_lookup_elem(ti->fd, key, raw))
			continue;	/* deleted meanwhile */
		if (ncpu > 1) {
			unsigned long long sum = 0;
			int c;

			for (c = 0; c < ncpu; c++)
				sum += dtype_int(v, raw + c * stride);
			/* the sum in the value's first bytes, the rest zero */
			memset(raw, 0, vs);
			memcpy(raw, &sum, vs < sizeof(sum) ? vs : sizeof(sum));
		}
		if (ti->type == BPF_MAP_TYPE_ARRAY ||
		    ti->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
			if (all_zero(raw, vs))
				continue;
		}
		if (n == cap) {
			struct entry *ne;

			cap = cap ? 2 * cap : 64;
			ne = realloc(e, cap * sizeof(*e));
			if (!ne) {
				err = -ENOMEM;
				goto out;
			}
			e = ne;
		}
		e[n].key = malloc(ks);
		e[n].val = malloc(vs);
		if (!e[n].key || !e[n].val) {
			free(e[n].key);
			free(e[n].val);
			err = -ENOMEM;
			goto out;
		}
		memcpy(e[n].key, key, ks);
		memcpy(e[n].val, raw, vs);
		n++;
	}
out:
	free(key);
	free(next);
	free(raw);
	if (err) {
		while (n--) {
			free(e[n].key);
			free(e[n].val);
		}
		free(e);
		return err;
	}
	*out = e;
	return n;
}

static void print_hist(struct run *r, const struct bpfrun_table_info *ti,
		       const struct dtype *k, const struct dtype *v,
		       struct entry *e, long n)
{
	bool linear = strstr(ti->name, "lin") != NULL;
	size_t slots = linear ? 1025 : 65, i;
	unsigned long long *vals = calloc(slots, sizeof(*vals));
	long j;

	if (!vals)
		return;
	for (j = 0; j < n; j++) {
		long long slot = dtype_int(k, e[j].key);

		if (slot >= 0 && (size_t)slot < slots)
			vals[slot] += dtype_int(v, e[j].val);
	}
	if (r->json) {
		bool first = true;

		printf("{\"map\":\"%s\",\"%s\":[", ti->name,
		       linear ? "linear_hist" : "log2_hist");
		for (i = linear ? 0 : 1; i < slots; i++) {
			unsigned long long lo, hi;

			if (!vals[i])
				continue;
			lo = linear ? i : i == 1 ? 0 : 1ULL << (i - 1);
			hi = linear ? i : i == 64 ? ~0ULL : (1ULL << i) - 1;
			printf("%s{\"low\":%llu,\"high\":%llu,\"count\":%llu}",
			       first ? "" : ",", lo, hi, vals[i]);
			first = false;
		}
		printf("]}\n");
	} else {
		printf("\n%s:\n", ti->name);
		if (linear)
			bpfrun_print_linear_hist(stdout, vals, slots, "value");
		else
			bpfrun_print_log2_hist(stdout, vals, slots, "value");
	}
	free(vals);
}

static void print_map(struct run *r, const struct bpfrun_table_info *ti)
{
	struct dtype *k = NULL, *v = NULL;
	struct entry *e = NULL;
	long n, i;

	if (ti->fd < 0 || dtype_parse(ti->key_desc, &k, NULL, 0) ||
	    dtype_parse(ti->leaf_desc, &v, NULL, 0) || k->size != ti->key_size ||
	    v->size != ti->leaf_size) {
		fprintf(stderr, "bpfrun: map %s: cannot decode its types\n",
			ti->name);
		goto out;
	}
	if (is_percpu(ti->type) && !dtype_is_int(v))
		goto out;
	n = read_map(ti, v, &e);
	if (n == -EINTR)
		goto out;
	if (n < 0) {
		fprintf(stderr, "bpfrun: map %s: %s\n", ti->name,
			strerror(-n));
		goto out;
	}
	if (is_hist(ti, k, v)) {
		print_hist(r, ti, k, v, e, n);
	} else {
		sort_type = v;
		if (n)	/* e is NULL for an empty map */
			qsort(e, n, sizeof(*e), cmp_entry);
		if (r->json)
			printf("{\"map\":\"%s\",\"entries\":[", ti->name);
		else
			printf("\n%s:\n", ti->name);
		for (i = 0; i < n && !dump_stopped(i + 1); i++) {
			if (r->json) {
				printf("%s{\"key\":", i ? "," : "");
				dtype_print_json(stdout, k, e[i].key,
						 ti->key_size);
				printf(",\"value\":");
				dtype_print_json(stdout, v, e[i].val,
						 ti->leaf_size);
				putchar('}');
			} else {
				dtype_print_text(stdout, k, e[i].key,
						 ti->key_size);
				fputs("\t", stdout);
				dtype_print_text(stdout, v, e[i].val,
						 ti->leaf_size);
				putchar('\n');
				out_line_done();
			}
		}
		if (r->json)
			printf("]}\n");
	}
	for (i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].val);
	}
	free(e);
out:
	dtype_free(k);
	dtype_free(v);
}

/* -EINTR: a stop request cut the dump short (said on stderr). */
static int print_maps(struct run *r)
{
	size_t i, n = bpfrun_nr_tables(r->t.b);
	struct bpfrun_table_info ti;

	dump_stop_base = bpfrun_stop_requests();
	for (i = 0; i < n; i++) {
		bpfrun_table_info(r->t.b, i, &ti);
		switch (ti.type) {
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_ARRAY:
		case BPF_MAP_TYPE_LRU_HASH:
		case BPF_MAP_TYPE_PERCPU_HASH:
		case BPF_MAP_TYPE_PERCPU_ARRAY:
		case BPF_MAP_TYPE_LRU_PERCPU_HASH:
			print_map(r, &ti);
			break;
		}
		if (bpfrun_stopped_since(dump_stop_base)) {
			fflush(stdout);
			fprintf(stderr,
				"bpfrun: interrupted while printing map %s: the maps are shown only in part\n",
				ti.name);
			return -EINTR;
		}
	}
	return 0;
}

/* --- the command --------------------------------------------------------- */

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

static void print_printk(struct run *r, const struct bpfrun_trace_fields *f)
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

static int run_loop(struct run *r, struct bpfrun_events *ev)
{
	double end = r->duration > 0 ? now() + r->duration : 0;
	struct bpfrun_trace_fields f;
	unsigned base;
	int err = 0, n;

	while (!bpfrun_stopped()) {
		if (ev) {
			n = bpfrun_events_poll(ev, r->t.tp ? 50 : 100);
			if (n < 0 && n != -EINTR)
				return n;
		}
		n = 0;
		while (r->t.tp && !bpfrun_stopped() &&
		       (n = bpfrun_trace_pipe_read(r->t.tp, &f, ev ? 0 : 100)) > 0) {
			print_printk(r, &f);
			if (ev)
				continue;
		}
		if (r->t.tp && n < 0)
			return n;
		if (!ev && !r->t.tp)
			usleep(100000);
		fflush(stdout);
		check_child(r);
		if (r->child_done || (end && now() >= end))
			break;
	}
	/*
	 * The end, however it came: stop the producers, then read all they
	 * wrote (and hear of what they could not write) before the maps.
	 */
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
	base = bpfrun_stop_requests();
	end = now() + 1;
	while (r->t.tp && bpfrun_trace_pipe_read(r->t.tp, &f, 0) > 0) {
		print_printk(r, &f);
		if (bpfrun_stopped_since(base) || now() >= end) {
			fflush(stdout);
			fprintf(stderr,
				"bpfrun: trace_pipe still has lines after %s: the rest is not read\n",
				bpfrun_stopped_since(base) ? "a second stop request" :
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
	return err;
}

static int read_source(const char *path, char **out)
{
	struct stat st;
	FILE *f = fopen(path, "re");
	char *buf;

	if (!f || fstat(fileno(f), &st)) {
		int err = -errno;

		fprintf(stderr, "bpfrun: cannot read program %s: %s\n", path,
			strerror(-err));
		if (f)
			fclose(f);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "bpfrun: cannot read program %s: %s\n", path,
			S_ISDIR(st.st_mode) ? strerror(EISDIR) :
					      "not a regular file");
		fclose(f);
		return -EINVAL;
	}
	buf = malloc(st.st_size + 1);
	if (!buf || fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		fclose(f);
		fprintf(stderr, "bpfrun: cannot read program %s\n", path);
		return -EIO;
	}
	buf[st.st_size] = '\0';
	fclose(f);
	*out = buf;
	return 0;
}

static void add_probe(struct run *r, enum bpfrun_kind kind, const char *arg)
{
	const char *colon = strchr(arg, ':');
	struct probe_arg *p;

	if (!colon || colon == arg || !colon[1])
		tool_usage_error(&r->t, "-%c takes FUNC:TARGET, not '%s'",
				 "krtuU"[kind == BPFRUN_KPROBE	    ? 0 :
					 kind == BPFRUN_KRETPROBE ? 1 :
					 kind == BPFRUN_TRACEPOINT ? 2 :
					 kind == BPFRUN_UPROBE	    ? 3 :
								      4],
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "buffer-pages", required_argument, NULL, 'b' },
		{ 0 },
	};
	struct run r = {
		.t = { .name = "bpfrun", .usage = usage },
		.child = -1,
		.child_pipe = -1,
	};
	struct bpfrun_events *ev = NULL;
	bool list = false;
	char *src = NULL, *end;
	const char *file = NULL;
	size_t i;
	int c, err = 0, used;

	while ((c = getopt_long(argc, argv, TOOL_SHORTOPTS "k:r:t:u:U:D:I:p:c:d:b:jl",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			add_probe(&r, BPFRUN_KPROBE, optarg);
			break;
		case 'r':
			add_probe(&r, BPFRUN_KRETPROBE, optarg);
			break;
		case 't':
			add_probe(&r, BPFRUN_TRACEPOINT, optarg);
			break;
		case 'u':
			add_probe(&r, BPFRUN_UPROBE, optarg);
			break;
		case 'U':
			add_probe(&r, BPFRUN_URETPROBE, optarg);
			break;
		case 'D':
		case 'I': {
			char *flag;

			if (asprintf(&flag, "-%c%s", c, optarg) < 0 ||
			    tool_add_cflag(&r.t, flag))
				tool_usage_error(&r.t, "too many -D/-I");
			break;
		}
		case 'p':
			r.pid = tool_parse_pid(&r.t, optarg);
			break;
		case 'c':
			r.cmd = optarg;
			break;
		case 'd':
			r.duration = tool_parse_seconds(&r.t, optarg);
			break;
		case 'b': {
			long n = strtol(optarg, &end, 10);

			/* the kernel wants a power of two */
			if (*end || n <= 0 || n > 65536 || (n & (n - 1)))
				tool_usage_error(&r.t, "bad page count '%s' (a power of 2)",
						 optarg);
			r.pages = n;
			break;
		}
		case 'j':
			r.json = 1;
			break;
		case 'l':
			list = true;
			break;
		default:
			if (tool_option(&r.t, c, optarg))
				tool_usage_error(&r.t, "unknown option");
		}
	}
	if (list) {
		if (argc - optind > 1)
			tool_usage_error(&r.t, "-l takes one GLOB or PROBE");
		if (r.t.verbose) {
			if (optind == argc)
				tool_usage_error(&r.t, "-lv takes a PROBE");
			err = list_args(argv[optind]);
		} else {
			err = list_probes(optind < argc ? argv[optind] : NULL);
			if (err == 0 && optind < argc) {
				fprintf(stderr, "bpfrun: no probe matches %s\n",
					argv[optind]);
				err = -ENOENT;
			}
		}
		return err < 0 ? 1 : 0;
	}
	file = r.t.program;
	if (optind < argc && !file)
		file = argv[optind++];
	if (!file)
		tool_usage_error(&r.t, "no program FILE.c given");
	if (optind < argc)
		tool_usage_error(&r.t, "unexpected argument '%s'", argv[optind]);
	if (r.cmd && r.pid)
		tool_usage_error(&r.t, "-p and -c cannot go together");
	r.t.program = file;

	err = bpfrun_need_root();
	if (err)
		goto cleanup;
	err = read_source(file, &src);
	if (err)
		goto cleanup;
	used = scan_formats(&r, src);
	if (used < 0) {
		err = used;
		goto cleanup;
	}
	r.t.trace = used;
	if (r.cmd) {
		err = start_child(&r);
		if (err)
			goto cleanup;
		r.pid = r.child;
	}
	if (r.pid) {
		snprintf(r.defs[0], sizeof(r.defs[0]), "-DPID=%d", r.pid);
		tool_add_cflag(&r.t, r.defs[0]);
	}
	if (isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	else	/* glibc keeps its 4 KiB buffer if given none */
		setvbuf(stdout, out_buffer, _IOFBF, sizeof(out_buffer));
	err = tool_open(&r.t);
	if (err)
		goto cleanup;
	for (i = 0; i < r.nprobes; i++) {
		err = bpfrun_attach(r.t.b, r.probes[i].kind, r.probes[i].func,
				    r.probes[i].target);
		if (err)
			goto cleanup;
	}
	if (!bpfrun_nr_links(r.t.b)) {
		fprintf(stderr,
			"bpfrun: %s: nothing to attach: name functions kprobe__SYM, tracepoint__CAT__NAME, ... or use TRACEPOINT_PROBE, or give -k/-r/-t/-u/-U\n",
			file);
		err = -ENOENT;
		goto cleanup;
	}
	err = load_types(&r);
	if (!err)
		err = open_outputs(&r, &ev);
	if (err)
		goto cleanup;
	if (!r.json)
		fprintf(stderr, "bpfrun: %zu probe%s attached; %s\n",
			bpfrun_nr_links(r.t.b),
			bpfrun_nr_links(r.t.b) == 1 ? "" : "s",
			r.cmd ? "running the command" :
			r.duration > 0 ? "running" : "Ctrl-C to end");
	release_child(&r);
	err = run_loop(&r, ev);
	if (!err)
		err = print_maps(&r);
	if (bpfrun_events_lost(ev))
		fprintf(stderr, "bpfrun: %llu events lost in all\n",
			bpfrun_events_lost(ev));
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
	bpfrun_events_close(ev);
	for (i = 0; i < r.nouts; i++) {
		dtype_free(r.outs[i].type);
		free(r.outs[i].cols);
	}
	free(r.outs);
	for (i = 0; i < r.nknown; i++)
		dtype_free(r.known[i]);
	free(r.known);
	for (i = 0; i < r.nformats; i++)
		free(r.formats[i]);
	free(r.formats);
	for (i = 0; i < r.nprobes; i++) {
		free(r.probes[i].func);
		free(r.probes[i].target);
	}
	for (i = 0; i < r.t.ncflags; i++)
		if (r.t.cflags[i] != r.defs[0])
			free((char *)r.t.cflags[i]);
	free(src);
	return tool_close(&r.t, err);
}
