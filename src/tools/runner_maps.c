// SPDX-License-Identifier: Apache-2.0
/*
 * The runner's maps at the end: every hash and array map, sorted by value,
 * or as bcc's histograms where its name says it is one.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "runner.h"

/*
 * A map of millions of entries takes seconds to read and print: the dump
 * checks for a stop request (a new one: not the Ctrl-C that ended the run)
 * every CHECK_EVERY entries, so it ends within a fraction of a second.
 */
#define CHECK_EVERY 1024
static unsigned dump_stop_base;

static bool dump_stopped(size_t i)
{
	return i % CHECK_EVERY == 0 && tool_stopped_since(dump_stop_base);
}

static const struct dtype *sort_type;

static int cmp_entry(const void *a, const void *b)
{
	const struct map_entry *x = a, *y = b;

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

	struct dcol *cols;
	size_t ncols;
	bool slot;

	if (!dtype_is_int(v) || v->size != 8)
		return false;
	if (k->kind == DT_STRUCT) {
		/* bcc's print_log2_hist(section_header=...): a slot field */
		if (dtype_columns(k, &cols, &ncols))
			return false;
		slot = hist_slot_col(cols, ncols) >= 0;
		free(cols);
		if (!slot)
			return false;
	} else if (!dtype_is_int(k) || k->size > 8) {
		return false;
	}
	for (i = 0; ti->name[i] && i + 1 < sizeof(lname); i++)
		lname[i] = tolower((unsigned char)ti->name[i]);
	lname[i] = '\0';
	return strstr(lname, "dist") || strstr(lname, "hist");
}


/*
 * Read the whole map; per-CPU integer values are summed, as bcc's
 * tools do. Returns the number of entries or -errno.
 */
static long read_map(const struct bpfrun_table_info *ti, const struct dtype *v,
		     struct map_entry **out)
{
	size_t ks = ti->key_size, vs = ti->leaf_size, cap = 0, n = 0;
	int ncpu = map_is_percpu(ti->type) ? libbpf_num_possible_cpus() : 1;
	size_t stride = map_is_percpu(ti->type) ? (vs + 7) / 8 * 8 : vs;
	char *key = calloc(1, ks), *next = calloc(1, ks), *raw;
	struct map_entry *e = NULL;
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
			struct map_entry *ne;

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

/* Entry @i for the JSON writer, until a new stop request */
static bool entry_at(void *ctx, size_t i, const void **key, const void **val)
{
	const struct map_entry *e = ctx;

	if (dump_stopped(i + 1))
		return false;
	*key = e[i].key;
	*val = e[i].val;
	return true;
}

/* {"table":NAME,"entries":[{"key":K,"value":V}...]} */
static int entries_json(const struct bpfrun_table_info *ti,
			const struct dtype *k, const struct dtype *v,
			struct map_entry *e, long n)
{
	struct json_object *line = djson_line(ti->name), *arr;
	int err;

	arr = dtype_json_entries(k, ti->key_size, v, ti->leaf_size, n,
				 entry_at, e);
	err = arr ? djson_add(line, "entries", arr) : -ENOMEM;
	if (!err)
		err = djson_print_line(stdout, line);
	json_object_put(line);
	return err;
}

static void print_map(struct run *r, size_t idx,
		      const struct bpfrun_table_info *ti)
{
	struct stack_view ks = { 0 }, vs = { 0 };
	struct dtype *k = NULL, *v = NULL;
	struct map_entry *e = NULL;
	long n, i;

	if (ti->fd < 0 || dprog_map_types(r->types, idx, &k, &v)) {
		fprintf(stderr, "bpfrun: map %s: cannot decode its types\n",
			ti->name);
		goto out;
	}
	if (map_is_percpu(ti->type) && !dtype_is_int(v))
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
		hist_print(r, ti, k, v, e, n);
	} else if (stacks_view(r, k, ti->name, true, &ks) ||
		   stacks_view(r, v, ti->name, false, &vs)) {
		fprintf(stderr, "bpfrun: map %s: no memory for its stacks\n",
			ti->name);
	} else {
		sort_type = v;
		if (n)	/* e is NULL for an empty map */
			qsort(e, n, sizeof(*e), cmp_entry);
		if (r->json) {
			if (entries_json(ti, k, v, e, n))
				fprintf(stderr,
					"bpfrun: map %s: no memory for JSON\n",
					ti->name);
		} else {
			printf("\n%s:\n", ti->name);
			for (i = 0; i < n && !dump_stopped(i + 1); i++) {
				dtype_print_text(stdout, k, e[i].key,
						 ti->key_size);
				fputs("\t", stdout);
				dtype_print_text(stdout, v, e[i].val,
						 ti->leaf_size);
				putchar('\n');
				stacks_print_text(r, &ks, e[i].key, ti->key_size);
				stacks_print_text(r, &vs, e[i].val, ti->leaf_size);
				out_line_done();
			}
		}
	}
	for (i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].val);
	}
	free(e);
out:
	stack_view_free(&ks);
	stack_view_free(&vs);
	dtype_free(k);
	dtype_free(v);
}

int maps_print(struct run *r)
{
	size_t i, n = bpfrun_nr_tables(r->t.b);
	struct bpfrun_table_info ti;

	dump_stop_base = tool_stop_requests();
	for (i = 0; i < n; i++) {
		bpfrun_table_info(r->t.b, i, &ti);
		if (map_is_shown(ti.type))
			print_map(r, i, &ti);
		if (tool_stopped_since(dump_stop_base)) {
			fflush(stdout);
			fprintf(stderr,
				"bpfrun: interrupted while printing map %s: the maps are shown only in part\n",
				ti.name);
			return -EINTR;
		}
	}
	return 0;
}
