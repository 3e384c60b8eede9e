// SPDX-License-Identifier: Apache-2.0
/*
 * A program's maps in Prometheus's text exposition format (version 0.0.4),
 * for bpfrun --metrics: which metric a map becomes (its kind, name, help
 * and labels, from its name, its types and the source's annotations), and
 * the samples of one scrape, read from the kernel then and there.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* Metric and label names: [a-zA-Z_][a-zA-Z0-9_]*, snake_case for promtool. */
void prom_name(char *out, size_t len, const char *in)
{
	size_t o = 0;
	const char *p;

	for (p = in; *p && o + 2 < len; p++) {
		unsigned char c = *p;

		if (isupper(c)) {
			/* camelCase: promtool's lint wants snake_case */
			if (p > in && (islower((unsigned char)p[-1]) ||
				       isdigit((unsigned char)p[-1])))
				out[o++] = '_';
			out[o++] = tolower(c);
		} else if (isalnum(c) || c == '_') {
			if (!o && isdigit(c))
				out[o++] = '_';
			out[o++] = c;
		} else if (o && out[o - 1] != '_') {
			out[o++] = '_';
		}
	}
	out[o] = '\0';
	if (!o && len > 1)
		snprintf(out, len, "_");
}

/* Label values and HELP: UTF-8, with \\, \" (values only) and \n escaped. */
static void put_escaped(FILE *f, const unsigned char *s, size_t n, bool quote)
{
	size_t i = 0;

	while (i < n && s[i]) {
		unsigned char c = s[i];
		size_t len = 0, j;

		if (c == '\\') {
			fputs_unlocked("\\\\", f);
		} else if (c == '\n') {
			fputs_unlocked("\\n", f);
		} else if (c == '"' && quote) {
			fputs_unlocked("\\\"", f);
		} else if (c >= 0x20 && c < 0x7f) {
			fputc_unlocked(c, f);
		} else {
			/* a whole UTF-8 sequence, else '?': Prometheus refuses
			 * a scrape with invalid UTF-8 in it */
			len = c >= 0xc2 && c <= 0xdf ? 2 :
			      c >= 0xe0 && c <= 0xef ? 3 :
			      c >= 0xf0 && c <= 0xf4 ? 4 : 0;
			for (j = 1; j < len; j++)
				if (i + j >= n || (s[i + j] & 0xc0) != 0x80)
					len = 0;
			if (len) {
				fwrite(s + i, 1, len, f);
				i += len;
				continue;
			}
			putc('?', f);
		}
		i++;
	}
}

void prom_help(FILE *f, const char *name, const char *help, const char *type)
{
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, (const unsigned char *)help, strlen(help), false);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void prom_label_value(FILE *f, const char *s)
{
	put_escaped(f, (const unsigned char *)s, strlen(s), true);
}

/* A key column's name as a label's, once: its kcols name from then on. */
static void label_name(struct prom_map *pm, size_t i)
{
	char n[128];

	prom_name(n, sizeof(n), pm->kcols[i].name);
	/* "__" names are Prometheus's own; "le" is the bucket bound */
	while (n[0] == '_' && n[1] == '_')
		memmove(n, n + 1, strlen(n));
	snprintf(pm->kcols[i].name, sizeof(pm->kcols[i].name), "%s%s", n,
		 (pm->kind == PROM_HISTOGRAM && !strcmp(n, "le")) ||
		 !strcmp(n, "quantile") ? "_" : "");
}

/* decimal, without printf's parsing of a format per number */
static void put_u64(FILE *f, unsigned long long v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	fwrite_unlocked(p, 1, buf + sizeof(buf) - p, f);
}

static void put_s64(FILE *f, long long v)
{
	if (v < 0) {
		fputc_unlocked('-', f);
		put_u64(f, -(unsigned long long)v);
	} else {
		put_u64(f, v);
	}
}


static bool is_array(int type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool name_has(const char *name, const char *const *words)
{
	char l[256];
	size_t i;

	for (i = 0; name[i] && i + 1 < sizeof(l); i++)
		l[i] = tolower((unsigned char)name[i]);
	l[i] = '\0';
	for (; *words; words++)
		if (strstr(l, *words))
			return true;
	return false;
}

/* "// bpfrun:metric MAP type=T name=N help=TEXT" for map @map in @src */
static void annotation(struct prom_map *pm, const char *src)
{
	static const char tag[] = "bpfrun:metric";
	const char *p = src, *e, *w;
	size_t ml = strlen(pm->map);

	while (p && (p = strstr(p, tag))) {
		p += sizeof(tag) - 1;
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		while (p < e && isspace((unsigned char)*p))
			p++;
		if ((size_t)(e - p) < ml || strncmp(p, pm->map, ml) ||
		    (p + ml < e && !isspace((unsigned char)p[ml]))) {
			p = e;
			continue;
		}
		p += ml;
		while (p < e) {
			while (p < e && isspace((unsigned char)*p))
				p++;
			w = p;
			while (p < e && !isspace((unsigned char)*p))
				p++;
			if (!strncmp(w, "type=", 5)) {
				snprintf(pm->type_word, sizeof(pm->type_word),
					 "%.*s", (int)(p - w - 5), w + 5);
			} else if (!strncmp(w, "name=", 5)) {
				char n[128];

				snprintf(n, sizeof(n), "%.*s", (int)(p - w - 5),
					 w + 5);
				prom_name(pm->name, sizeof(pm->name), n);
				pm->named = true;
			} else if (!strncmp(w, "help=", 5)) {
				const char *h = w + 5, *he = e;

				/* the rest of the line, without a comment's end */
				while (he > h && isspace((unsigned char)he[-1]))
					he--;
				if (he - h >= 2 && he[-2] == '*' && he[-1] == '/')
					he -= 2;
				while (he > h && isspace((unsigned char)he[-1]))
					he--;
				snprintf(pm->help, sizeof(pm->help), "%.*s",
					 (int)(he - h), h);
				break;
			}
		}
		p = e;
	}
}

static void free_cols(struct prom_map *pm)
{
	free(pm->kcols);
	free(pm->vcols);
	dtype_free(pm->k);
	dtype_free(pm->v);
	pm->kcols = pm->vcols = NULL;
	pm->k = pm->v = NULL;
}

void prom_map_free(struct prom_map *pm)
{
	free_cols(pm);
	free(pm->map);
	pm->map = NULL;
}

static bool col_is_int(const struct dcol *c)
{
	return dtype_is_int(c->type);
}

/*
 * What map @ti of @program becomes; pm->kind PROM_NONE when it is not
 * exported (not a hash or array, types that cannot be decoded, type=none).
 */
int prom_map_init(struct prom_map *pm, const struct bpfrun_table_info *ti,
		  struct dtype *k, struct dtype *v, const char *program,
		  const char *src)
{
	static const char *const gauge_words[] = {
		"gauge", "current", "inflight", "in_flight", "active", "last",
		NULL
	};
	static const char *const hist_words[] = { "dist", "hist", NULL };
	char prog[128], map[128];
	size_t i;

	memset(pm, 0, sizeof(*pm));
	pm->kind = PROM_NONE;
	pm->slot_col = -1;
	pm->k = k;
	pm->v = v;
	pm->map = strdup(ti->name);
	if (!pm->map)
		return -ENOMEM;
	pm->fd = ti->fd;
	pm->type = ti->type;
	pm->key_size = ti->key_size;
	pm->leaf_size = ti->leaf_size;
	pm->max_entries = ti->max_entries;
	if (!map_is_shown(ti->type))
		return 0;
	if (ti->fd < 0 || !pm->k || !pm->v ||
	    pm->k->size != ti->key_size || pm->v->size != ti->leaf_size ||
	    dtype_columns(pm->k, &pm->kcols, &pm->nk) ||
	    dtype_columns(pm->v, &pm->vcols, &pm->nv)) {
		free_cols(pm);
		return 0;
	}
	if (pm->k->kind != DT_STRUCT && pm->nk == 1)
		snprintf(pm->kcols[0].name, sizeof(pm->kcols[0].name), "key");
	annotation(pm, src ? src : "");
	if (pm->type_word[0] && strcmp(pm->type_word, "counter") &&
	    strcmp(pm->type_word, "gauge") && strcmp(pm->type_word, "histogram") &&
	    strcmp(pm->type_word, "log2") && strcmp(pm->type_word, "linear") &&
	    strcmp(pm->type_word, "none")) {
		fprintf(stderr,
			"bpfrun: map %s: bpfrun:metric type=%s is not counter, gauge, histogram, log2, linear or none: it is chosen by the map's name\n",
			ti->name, pm->type_word);
		pm->type_word[0] = '\0';
	}
	if (!strcmp(pm->type_word, "none")) {
		free_cols(pm);
		return 0;
	}
	/* per-CPU values are summed: integers only */
	for (i = 0; i < pm->nv; i++)
		if (!col_is_int(&pm->vcols[i]) && map_is_percpu(ti->type)) {
			free_cols(pm);
			return 0;
		}
	prom_name(prog, sizeof(prog), program);
	prom_name(map, sizeof(map), ti->name);
	if (!pm->named)
		snprintf(pm->name, sizeof(pm->name), "%s_%s", prog, map);

	/* a histogram: by annotation, or by bcc's names (dist, hist) */
	if (!strcmp(pm->type_word, "histogram") || !strcmp(pm->type_word, "log2") ||
	    !strcmp(pm->type_word, "linear") ||
	    (!pm->type_word[0] && name_has(ti->name, hist_words))) {
		if (pm->k->kind == DT_STRUCT) {
			for (i = 0; i < pm->nk; i++)
				if (!strcmp(pm->kcols[i].name, "slot") &&
				    col_is_int(&pm->kcols[i]))
					pm->slot_col = i;
		} else if (dtype_is_int(pm->k) && pm->k->size <= 8) {
			pm->slot_col = 0;
		}
		if (pm->slot_col >= 0 && dtype_is_int(pm->v) && pm->nv == 1) {
			pm->kind = PROM_HISTOGRAM;
			pm->linear = !strcmp(pm->type_word, "linear") ||
				     (strcmp(pm->type_word, "log2") &&
				      strstr(ti->name, "lin"));
		}
	}
	if (pm->kind == PROM_NONE) {
		if (!strcmp(pm->type_word, "gauge") ||
		    (!pm->type_word[0] && name_has(ti->name, gauge_words)))
			pm->kind = PROM_GAUGE;
		else
			pm->kind = PROM_COUNTER;
	}
	for (i = 0; i < pm->nk; i++)
		label_name(pm, i);
	if (!pm->help[0])
		snprintf(pm->help, sizeof(pm->help), "%s of %s: BPF map %s%s%s",
			 pm->kind == PROM_HISTOGRAM ?
				 (pm->linear ? "linear histogram" : "log2 histogram") :
				 pm->kind == PROM_GAUGE ? "values" : "counts",
			 program, ti->name,
			 pm->k->kind == DT_STRUCT ? ", labels from key " : "",
			 pm->k->kind == DT_STRUCT ? pm->k->name : "");
	return 0;
}

/* --- one scrape ---------------------------------------------------------- */

struct rows {
	char *keys, *vals;	/* n keys of key_size, n values of leaf_size */
	size_t n;
};

static int grow(char **p, size_t *cap, size_t need)
{
	char *np;

	if (need <= *cap)
		return 0;
	while (*cap < need)
		*cap = *cap ? 2 * *cap : 4096;
	np = realloc(*p, *cap);
	if (!np)
		return -ENOMEM;
	*p = np;
	return 0;
}

/*
 * Entry @raw (@ncpu values @stride apart) and its key become row r->n:
 * per-CPU values summed field by field; all-zero entries of arrays left
 * out, as the dump at exit does.
 */
static void add_row(const struct prom_map *pm, struct rows *r, const char *key,
		    const char *raw, int ncpu, size_t stride)
{
	size_t vs = pm->leaf_size, f, b;
	char *v = r->vals + r->n * vs;
	int c;

	if (map_is_percpu(pm->type)) {
		memset(v, 0, vs);
		for (f = 0; f < pm->nv; f++) {
			const struct dcol *col = &pm->vcols[f];
			unsigned long long sum = 0;

			for (c = 0; c < ncpu; c++)
				sum += dtype_int(col->type,
						 raw + c * stride + col->offset);
			memcpy(v + col->offset, &sum,
			       col->type->size < 8 ? col->type->size : 8);
		}
	} else {
		memcpy(v, raw, vs);
	}
	if (is_array(pm->type)) {
		for (b = 0; b < vs && !v[b]; b++)
			;
		if (b == vs)
			return;
	}
	memmove(r->keys + r->n * pm->key_size, key, pm->key_size);
	r->n++;
}

/*
 * Every entry, by batches of entries per system call where the kernel has
 * BPF_MAP_LOOKUP_BATCH (5.6), else key by key: 10,000 entries are two
 * system calls, not 20,000.
 */
static int read_rows(const struct prom_map *pm, struct rows *r)
{
	int ncpu = map_is_percpu(pm->type) ? libbpf_num_possible_cpus() : 1;
	size_t ks = pm->key_size, vs = pm->leaf_size, tsz = ks < 8 ? 8 : ks;
	size_t stride = map_is_percpu(pm->type) ? (vs + 7) / 8 * 8 : vs;
	size_t kcap = 0, vcap = 0, rawcap = 0, chunk = 1024, i, base;
	char *raw = NULL, *in = NULL, *out = NULL;
	bool first = true, batch = true;
	int err = 0, e;
	__u32 count;

	memset(r, 0, sizeof(*r));
	if (ncpu < 1)
		return ncpu ? ncpu : -EINVAL;
	in = calloc(1, tsz);
	out = calloc(1, tsz);
	if (!in || !out) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		if (grow(&r->keys, &kcap, (r->n + chunk) * ks) ||
		    grow(&r->vals, &vcap, (r->n + chunk) * vs) ||
		    grow(&raw, &rawcap, chunk * stride * ncpu)) {
			err = -ENOMEM;
			goto out;
		}
		base = r->n;
		if (!batch) {
			if (bpf_map_get_next_key(pm->fd, first ? NULL : in, out))
				break;
			first = false;
			memcpy(in, out, ks);
			if (!bpf_map_lookup_elem(pm->fd, out, raw))
				add_row(pm, r, out, raw, ncpu, stride);
			continue;
		}
		count = chunk;
		e = bpf_map_lookup_batch(pm->fd, first ? NULL : in, out,
					 r->keys + base * ks, raw, &count, NULL) ?
			    errno : 0;
		if (e == ENOSPC && !count) {
			chunk *= 2;	/* a hash bucket holds more than chunk */
			continue;
		}
		if (e && e != ENOENT) {
			if (!first) {
				err = -e;
				goto out;
			}
			batch = false;	/* before 5.6, or a map without it */
			continue;
		}
		for (i = 0; i < count; i++)
			add_row(pm, r, r->keys + (base + i) * ks,
				raw + i * stride * ncpu, ncpu, stride);
		if (e == ENOENT)	/* that was the last batch */
			break;
		first = false;
		memcpy(in, out, tsz);
	}
out:
	free(raw);
	free(in);
	free(out);
	if (err) {
		free(r->keys);
		free(r->vals);
		memset(r, 0, sizeof(*r));
	}
	return err;
}

/* A column's value as a label value. */
static void put_col(FILE *f, const struct dcol *c, const char *data)
{
	const struct dtype *t = c->type;
	const char *p = data + c->offset;

	if (t->kind == DT_ARRAY && t->elem && t->elem->kind == DT_CHAR) {
		put_escaped(f, (const unsigned char *)p, t->size, true);
	} else if (dtype_is_int(t) && t->size <= 8) {
		long long v = dtype_int(t, p);

		if (c->bits) {
			unsigned long long u = (unsigned long long)v >> c->bit_off;

			if (c->bits < 64)
				u &= (1ULL << c->bits) - 1;
			put_u64(f, u);
		} else if (t->is_signed) {
			put_s64(f, v);
		} else {
			put_u64(f, v);
		}
	} else if (t->kind == DT_CHAR) {
		put_escaped(f, (const unsigned char *)p, 1, true);
	} else {
		/* floats, integer arrays, unions: the bytes in hex */
		unsigned i;

		for (i = 0; i < t->size; i++)
			fprintf(f, "%02x", (unsigned char)p[i]);
	}
}

/* {a="1",b="x": the key's labels, without the closing brace */
static bool put_labels(FILE *f, const struct prom_map *pm, const char *key)
{
	bool any = false;
	size_t i;

	for (i = 0; i < pm->nk; i++) {
		if ((ssize_t)i == pm->slot_col && pm->kind == PROM_HISTOGRAM)
			continue;
		fputc_unlocked(any ? ',' : '{', f);
		fputs_unlocked(pm->kcols[i].name, f);
		fputs_unlocked("=\"", f);
		put_col(f, &pm->kcols[i], key);
		fputc_unlocked('"', f);
		any = true;
	}
	return any;
}

static void put_int(FILE *f, const struct dcol *c, const char *val)
{
	long long v = dtype_int(c->type, val + c->offset);

	fputc_unlocked(' ', f);
	if (c->type->is_signed)
		put_s64(f, v);
	else
		put_u64(f, v);
	fputc_unlocked('\n', f);
}

static void write_plain(FILE *f, const struct prom_map *pm,
			const struct rows *r)
{
	bool counter = pm->kind == PROM_COUNTER;
	char name[300];
	size_t col, i;

	for (col = 0; col < pm->nv; col++) {
		const struct dcol *c = &pm->vcols[col];
		size_t l;

		if (!col_is_int(c))
			continue;	/* a number or nothing */
		if (pm->v->kind == DT_STRUCT) {
			char fn[128];

			prom_name(fn, sizeof(fn), c->name);
			snprintf(name, sizeof(name), "%s_%s", pm->name, fn);
		} else {
			snprintf(name, sizeof(name), "%s", pm->name);
		}
		l = strlen(name);
		if (counter && (l < 6 || strcmp(name + l - 6, "_total")))
			snprintf(name + l, sizeof(name) - l, "_total");
		prom_help(f, name, pm->help, counter ? "counter" : "gauge");
		for (i = 0; i < r->n; i++) {
			fputs_unlocked(name, f);
			if (put_labels(f, pm, r->keys + i * pm->key_size))
				fputc_unlocked('}', f);
			put_int(f, c, r->vals + i * pm->leaf_size);
		}
	}
}

static const struct prom_map *sort_pm;
static const char *sort_keys;

/* by the labels (the key without its slot), then by slot */
static int cmp_row(const void *a, const void *b)
{
	const struct prom_map *pm = sort_pm;
	const struct dcol *s = &pm->kcols[pm->slot_col];
	const char *x = sort_keys + *(const size_t *)a * pm->key_size;
	const char *y = sort_keys + *(const size_t *)b * pm->key_size;
	size_t i;
	int d;

	for (i = 0; i < pm->key_size; i++) {
		if (i >= s->offset && i < s->offset + s->type->size)
			continue;
		d = (unsigned char)x[i] - (unsigned char)y[i];
		if (d)
			return d;
	}
	return 0;
}

static void put_le(FILE *f, const struct prom_map *pm, size_t slot)
{
	/* log2: slot s holds v with 2^(s-1) <= v < 2^s (bcc's bpf_log2l) */
	if (pm->linear)
		fprintf(f, "le=\"%zu\"} ", slot);
	else if (slot >= 64)
		fputs("le=\"1.8446744073709552e+19\"} ", f);
	else
		fprintf(f, "le=\"%llu\"} ", (1ULL << slot) - 1);
}

/* One label set's buckets, from the rows idx[from, to) */
static void write_buckets(FILE *f, const struct prom_map *pm,
			  const struct rows *r, const size_t *idx, size_t from,
			  size_t to, unsigned long long *slots, size_t nslots)
{
	const struct dcol *s = &pm->kcols[pm->slot_col];
	const char *key = r->keys + idx[from] * pm->key_size;
	unsigned long long cum = 0, sum = 0;
	size_t i, top = 0;
	bool labels;

	memset(slots, 0, nslots * sizeof(*slots));
	for (i = from; i < to; i++) {
		const char *k = r->keys + idx[i] * pm->key_size;
		long long slot = dtype_int(s->type, k + s->offset);
		unsigned long long v = dtype_int(pm->v, r->vals + idx[i] * pm->leaf_size);

		if (slot < 0 || (size_t)slot >= nslots)
			continue;
		slots[slot] += v;
		sum += v * (unsigned long long)slot;
		if ((size_t)slot > top)
			top = slot;
	}
	for (i = 0; i <= top; i++) {
		cum += slots[i];
		fprintf(f, "%s_bucket", pm->name);
		labels = put_labels(f, pm, key);
		fputc(labels ? ',' : '{', f);
		put_le(f, pm, i);
		fprintf(f, "%llu\n", cum);
	}
	fprintf(f, "%s_bucket", pm->name);
	labels = put_labels(f, pm, key);
	fprintf(f, "%sle=\"+Inf\"} %llu\n", labels ? "," : "{", cum);
	/* a linear histogram's slot is its value: the sum is known */
	if (pm->linear) {
		fprintf(f, "%s_sum", pm->name);
		if (put_labels(f, pm, key))
			fputc('}', f);
		fprintf(f, " %llu\n", sum);
	}
	fprintf(f, "%s_count", pm->name);
	if (put_labels(f, pm, key))
		fputc('}', f);
	fprintf(f, " %llu\n", cum);
}

static int write_hist(FILE *f, const struct prom_map *pm, const struct rows *r)
{
	size_t nslots = pm->linear ? 1025 : 65, *idx, i, from;
	unsigned long long *slots;

	prom_help(f, pm->name, pm->help, "histogram");
	idx = malloc((r->n ? r->n : 1) * sizeof(*idx));
	slots = malloc(nslots * sizeof(*slots));
	if (!idx || !slots) {
		free(idx);
		free(slots);
		return -ENOMEM;
	}
	for (i = 0; i < r->n; i++)
		idx[i] = i;
	sort_pm = pm;
	sort_keys = r->keys;
	qsort(idx, r->n, sizeof(*idx), cmp_row);
	if (!r->n && pm->nk == 1) {
		/* no sample yet: an empty histogram all the same */
		fprintf(f, "%s_bucket{le=\"+Inf\"} 0\n%s_count 0\n", pm->name,
			pm->name);
		if (pm->linear)
			fprintf(f, "%s_sum 0\n", pm->name);
	}
	for (from = 0; from < r->n;) {
		size_t to = from + 1;

		while (to < r->n && !cmp_row(&idx[from], &idx[to]))
			to++;
		write_buckets(f, pm, r, idx, from, to, slots, nslots);
		from = to;
	}
	free(idx);
	free(slots);
	return 0;
}

long prom_map_write(FILE *f, const struct prom_map *pm)
{
	struct rows r;
	int err;

	if (pm->kind == PROM_NONE)
		return 0;
	err = read_rows(pm, &r);
	if (err)
		return err;
	if (pm->kind == PROM_HISTOGRAM)
		err = write_hist(f, pm, &r);
	else
		write_plain(f, pm, &r);
	free(r.keys);
	free(r.vals);
	return err ? err : (long)r.n;
}
