// SPDX-License-Identifier: Apache-2.0
/*
 * The runner's histograms: a map indexed by slot, printed as bcc's
 * print_log2_hist() or print_linear_hist(). A key that is a struct with
 * an integer field "slot" (bcc's biolatency -D, runqlat -P, ext4dist) is
 * a histogram per section, as print_log2_hist(section_header=...) prints
 * them: one for each distinct value of the key's other fields, under a
 * line naming them ("disk = sda"), sections in the order of those values.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "runner.h"

ssize_t hist_slot_col(const struct dcol *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(c[i].name, "slot") && dtype_is_int(c[i].type) &&
		    !c[i].bits)
			return i;
	return -1;
}

/* {"table":NAME,["section":{...},]"log2_hist":[{"low":L,"high":H,"count":N}...]} */
static int hist_json(const char *name, struct json_object *section,
		     bool linear, const unsigned long long *vals, size_t slots)
{
	struct json_object *line = djson_line(name), *arr, *b;
	int err = 0;
	size_t i;

	if (section)
		err = djson_add(line, "section", section);
	arr = json_object_new_array();
	if (!err)
		err = arr ? djson_add(line, linear ? "linear_hist" : "log2_hist",
				      arr) : -ENOMEM;
	for (i = linear ? 0 : 1; !err && i < slots; i++) {
		unsigned long long lo, hi;

		if (!vals[i])
			continue;
		lo = linear ? i : i == 1 ? 0 : 1ULL << (i - 1);
		hi = linear ? i : i == 64 ? ~0ULL : (1ULL << i) - 1;
		b = json_object_new_object();
		if (!(err = djson_append(arr, b)))
			err = djson_add(b, "low", json_object_new_uint64(lo));
		if (!err)
			err = djson_add(b, "high", json_object_new_uint64(hi));
		if (!err)
			err = djson_add(b, "count",
					json_object_new_uint64(vals[i]));
	}
	if (!err)
		err = djson_print_line(stdout, line);
	json_object_put(line);
	return err;
}

static void one_hist(struct run *r, const char *name,
		     struct json_object *section, bool linear,
		     const unsigned long long *vals, size_t slots)
{
	if (r->json) {
		if (hist_json(name, section, linear, vals, slots))
			fprintf(stderr, "bpfrun: map %s: no memory for JSON\n",
				name);
	} else if (linear) {
		bpfrun_print_linear_hist(stdout, vals, slots, "value");
	} else {
		bpfrun_print_log2_hist(stdout, vals, slots, "value");
	}
}

/* --- sections --------------------------------------------------------- */

struct sections {
	const struct dcol *cols;
	size_t ncols;
	ssize_t slot;
	size_t ksize;
};

static const struct sections *sort_sec;

/* By the value of each field but the slot: integers as numbers, else bytes. */
static int cmp_section(const void *a, const void *b)
{
	const struct sections *s = sort_sec;
	const char *x = ((const struct map_entry *)a)->key;
	const char *y = ((const struct map_entry *)b)->key;
	size_t i;
	int d;

	for (i = 0; i < s->ncols; i++) {
		const struct dcol *c = &s->cols[i];

		if ((ssize_t)i == s->slot ||
		    c->offset + c->type->size > s->ksize)
			continue;
		if (dtype_is_int(c->type)) {
			__int128 u = dcol_int(c, x), v = dcol_int(c, y);

			if (u != v)
				return u < v ? -1 : 1;
			continue;
		}
		d = memcmp(x + c->offset, y + c->offset, c->type->size);
		if (d)
			return d;
	}
	return 0;
}

/* "disk = sda", or "pid = 12, comm = bash" */
static void section_header(const struct sections *s, const void *key)
{
	bool first = true;
	size_t i;

	putchar('\n');
	for (i = 0; i < s->ncols; i++) {
		if ((ssize_t)i == s->slot)
			continue;
		printf("%s%s = ", first ? "" : ", ", s->cols[i].name);
		dcol_print_value(stdout, &s->cols[i], key, s->ksize);
		first = false;
	}
	putchar('\n');
}

/* The key's type without its slot: what --json writes as "section". */
static struct dtype *section_type(const struct dtype *k)
{
	struct dtype *t = dtype_dup(k);
	size_t i;

	for (i = 0; t && i < t->nfields; i++)
		if (!strcmp(t->fields[i].name, "slot"))
			t->fields[i].pad = true;
	return t;
}

/*
 * The entries sorted by section, then each run of one section summed by
 * slot: a map's entries are read once, whatever the number of sections.
 */
static int print_sections(struct run *r, const char *name,
			  const struct dtype *k, const struct dtype *v,
			  struct map_entry *e, long n, bool linear, size_t slots)
{
	struct sections s = { .ksize = k->size };
	unsigned long long *vals = NULL;
	struct dcol *cols = NULL;
	struct dtype *st = NULL;
	size_t ncols;
	long i, j;
	int err;

	err = dtype_columns(k, &cols, &ncols);
	if (err)
		return err;
	s.cols = cols;
	s.ncols = ncols;
	s.slot = hist_slot_col(cols, ncols);
	vals = calloc(slots, sizeof(*vals));
	st = r->json ? section_type(k) : NULL;
	if (!vals || (r->json && !st) || s.slot < 0) {
		err = s.slot < 0 ? -EINVAL : -ENOMEM;
		goto out;
	}
	sort_sec = &s;
	if (n)
		qsort(e, n, sizeof(*e), cmp_section);
	for (j = 0; j < n; j = i) {
		struct json_object *sec = NULL;

		memset(vals, 0, slots * sizeof(*vals));
		for (i = j; i < n && !cmp_section(&e[j], &e[i]); i++) {
			__int128 slot = dcol_int(&cols[s.slot], e[i].key);

			if (slot >= 0 && slot < (__int128)slots)
				vals[(size_t)slot] += dtype_int(v, e[i].val);
		}
		if (r->json) {
			/* the slot is left out: any key of the run says it */
			sec = dtype_json(st, e[j].key, s.ksize);
			if (!sec) {
				err = -ENOMEM;
				goto out;
			}
		} else {
			section_header(&s, e[j].key);
		}
		one_hist(r, name, sec, linear, vals, slots);
	}
out:
	free(vals);
	free(cols);
	dtype_free(st);
	return err;
}

void hist_print(struct run *r, const struct bpfrun_table_info *ti,
		const struct dtype *k, const struct dtype *v,
		struct map_entry *e, long n)
{
	bool linear = strstr(ti->name, "lin") != NULL;
	size_t slots = linear ? 1025 : 65;
	unsigned long long *vals;
	long j;

	if (!r->json)
		printf("\n%s:\n", ti->name);
	if (k->kind == DT_STRUCT) {
		if (print_sections(r, ti->name, k, v, e, n, linear, slots))
			fprintf(stderr, "bpfrun: map %s: no memory\n",
				ti->name);
		return;
	}
	vals = calloc(slots, sizeof(*vals));
	if (!vals)
		return;
	for (j = 0; j < n; j++) {
		long long slot = dtype_int(k, e[j].key);

		if (slot >= 0 && (size_t)slot < slots)
			vals[slot] += dtype_int(v, e[j].val);
	}
	one_hist(r, ti->name, NULL, linear, vals, slots);
	free(vals);
}
