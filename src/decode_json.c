// SPDX-License-Identifier: Apache-2.0
/*
 * Values as JSON, and the one JSON writer of the tree, on json-c: a line
 * is a json-c object written by json-c, and every string in it, keys
 * included, is quoted and escaped by json-c. A decoded value is one node
 * of that line that writes itself while json-c writes the line (a json-c
 * serializer): a value can hold 2^18 items (DTYPE_MAX_ITEMS), and a
 * json-c object for each cost 200 MB and a third of a second where text
 * took 4 ms. What json-c cannot know is decided here, once, so that every
 * line parses with a strict parser and loses nothing that can be kept:
 *
 * - Strings are bytes from the kernel. Valid UTF-8 stays as it is
 *   ("café"); a byte that is not part of valid UTF-8 becomes the four
 *   characters \xNN, and a backslash two backslashes, so the bytes come
 *   back exactly (replace \\ by \ and \xNN by byte NN) and the line stays
 *   valid UTF-8. Unpaired surrogate escapes (Python's surrogateescape)
 *   would be lossless too, but json-c cannot write them and strict
 *   parsers such as serde_json reject them.
 * - JSON has no NaN or infinity: they are written as null, as
 *   JavaScript's JSON.stringify() does; json-c would write NaN.
 * - Doubles and floats are written with 15, 16 or 17 significant digits
 *   (6 to 9 for a float), the first that reads back as the same value,
 *   trailing zeros dropped: 0.1 stays 0.1 where json-c's %.17g wrote
 *   0.10000000000000001; ".0" is added when they would look like integers.
 * - Integers are exact: u64 above 2^63 included, and 128-bit ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "bpfrun.h"
#include "decode_int.h"

/* Plain: no spaces; '/' needs no escape in JSON. */
#define DJSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static const char hex[] = "0123456789abcdef";

/* The length of a valid UTF-8 sequence at @s (of @n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;	/* a continuation byte, an overlong C0/C1, F5.. */
	/* the second byte's range rules out overlongs, surrogates, > 10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* @n bytes at @data as valid UTF-8 in @buf (4 * @n bytes): its length. */
static size_t lossless(const void *data, size_t n, char *buf)
{
	const unsigned char *s = data;
	size_t i = 0, k = 0, len;

	while (i < n) {
		len = utf8_seq(s + i, n - i);
		if (len == 1 && s[i] == '\\') {
			buf[k++] = '\\';
			buf[k++] = '\\';
		} else if (len) {
			memcpy(buf + k, s + i, len);
			k += len;
		} else {
			buf[k++] = '\\';
			buf[k++] = 'x';
			buf[k++] = hex[s[i] >> 4];
			buf[k++] = hex[s[i] & 15];
			len = 1;
		}
		i += len;
	}
	return k;
}

struct json_object *djson_bytes(const void *data, size_t n)
{
	struct json_object *o;
	char *buf;

	if (n > INT_MAX / 4)
		return NULL;
	buf = malloc(n * 4 + 1);
	if (!buf)
		return NULL;
	o = json_object_new_string_len(buf, (int)lossless(data, n, buf));
	free(buf);
	return o;
}

struct json_object *djson_hex(const void *data, size_t n)
{
	const unsigned char *p = data;
	struct json_object *o;
	size_t i;
	char *buf;

	if (n > INT_MAX / 2)
		return NULL;
	buf = malloc(n * 2 + 1);
	if (!buf)
		return NULL;
	for (i = 0; i < n; i++) {
		buf[2 * i] = hex[p[i] >> 4];
		buf[2 * i + 1] = hex[p[i] & 15];
	}
	o = json_object_new_string_len(buf, (int)(n * 2));
	free(buf);
	return o;
}

/* --- a value, written while json-c writes the line ------------------- */

struct writer {
	struct printbuf *pb;	/* or, when NULL, straight to out */
	FILE *out;
	/* bytes gathered before they go to json-c's printbuf: a printbuf
	 * append per token was a third of an event's time */
	char local[2048];
	size_t n;
	int flags;
	struct json_object *str;	/* json-c escapes with it; made lazily */
	char *buf;			/* a string made valid UTF-8 */
	size_t cap;
	int err;
};

static int append(struct writer *w, const char *s, size_t n)
{
	if (w->pb)
		return printbuf_memappend(w->pb, s, (int)n) < 0 ? -ENOMEM : 0;
	return fwrite(s, 1, n, w->out) == n ? 0 : -EIO;
}

static void flush(struct writer *w)
{
	if (!w->err && w->n)
		w->err = append(w, w->local, w->n);
	w->n = 0;
}

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (w->n + n > sizeof(w->local)) {
		flush(w);
		if (n > sizeof(w->local)) {
			w->err = append(w, s, n);
			return;
		}
	}
	memcpy(w->local + w->n, s, n);
	w->n += n;
}

#define PUT(w, lit) put(w, lit, sizeof(lit) - 1)

/*
 * Printable ASCII but for '"' and '\\' (and '/' when json-c would escape
 * it): what json-c writes unchanged between quotes. Field names and most
 * strings are; asking json-c for them doubled the time of an event.
 */
static bool plain(const unsigned char *s, size_t n, int flags)
{
	bool slash = !(flags & JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' ||
		    s[i] == '\\' || (slash && s[i] == '/'))
			return false;
	return true;
}

/* Bytes as a JSON string: lossless UTF-8 first, then json-c's escapes. */
static void put_string(struct writer *w, const void *s, size_t n)
{
	const char *q;
	size_t qlen, k;
	char *b;

	if (w->err)
		return;
	/* "" too: json-c 0.16 loses a string's buffer when it is set to "" */
	if (plain(s, n, w->flags)) {
		PUT(w, "\"");
		put(w, s, n);
		PUT(w, "\"");
		return;
	}
	if (n > INT_MAX / 4) {
		w->err = -E2BIG;
		return;
	}
	if (n * 4 + 1 > w->cap) {
		b = realloc(w->buf, n * 4 + 1);
		if (!b) {
			w->err = -ENOMEM;
			return;
		}
		w->buf = b;
		w->cap = n * 4 + 1;
	}
	k = lossless(s, n, w->buf);
	if (!w->str && !(w->str = json_object_new_string("")))
		w->err = -ENOMEM;
	else if (json_object_set_string_len(w->str, w->buf, (int)k) != 1 ||
		 !(q = json_object_to_json_string_length(w->str, w->flags,
							  &qlen)))
		w->err = -ENOMEM;
	else
		put(w, q, qlen);
}

static void put_float(struct writer *w, const struct dtype *t, const void *p)
{
	char buf[40];

	if (!isfinite(dtype_float(t, p))) {
		PUT(w, "null");
		return;
	}
	dtype_format_float(t, p, buf, sizeof(buf) - 2);
	if (!strpbrk(buf, ".e"))
		strcat(buf, ".0");
	put(w, buf, strlen(buf));
}

static void put_value(struct writer *w, const struct dtype *t, const char *p,
		      size_t len, unsigned bit_off, unsigned bits);

static void writer_open(struct writer *w, struct printbuf *pb, int flags);
static int writer_close(struct writer *w);

/* A hooked value (decode.h): the hook's object, or the value as usual. */
static bool put_hooked(struct writer *w, const struct dtype *t,
		       const char *rec, size_t len, unsigned off)
{
	struct json_object *o = t->hook->json(t->hook, rec, len, off);
	const char *s;
	size_t n;

	if (!o)
		return false;
	s = json_object_to_json_string_length(o, w->flags, &n);
	if (s)
		put(w, s, n);
	else
		w->err = -ENOMEM;
	json_object_put(o);
	return true;
}

/*
 * A field's name as JSON, with its colon, kept with the field: escaping it
 * again for every event was a fifth of an event's time. The field is the
 * decoder's own (only its const view comes here). Made in the writer's
 * own buffer, which a name of a few hundred bytes cannot overflow.
 */
static void field_key(struct writer *w, struct dfield *f)
{
	size_t len = strlen(f->name);
	struct writer k;
	char *s;

	if (len > 256)
		return;
	writer_open(&k, NULL, w->flags);
	put_string(&k, f->name, len);
	PUT(&k, ":");
	s = k.err ? NULL : malloc(k.n);
	if (s) {
		memcpy(s, k.local, k.n);
		f->jkey = s;
		f->jkey_len = k.n;
	}
	k.n = 0;	/* nothing to flush: it had nowhere to go */
	writer_close(&k);
}

/* Anonymous members' fields go in the object itself, as in C. */
static void put_fields(struct writer *w, const struct dtype *t, const char *p,
		       size_t len, bool *first)
{
	size_t i;

	for (i = 0; i < t->nfields && !w->err; i++) {
		const struct dfield *f = &t->fields[i];
		size_t flen = drest(len, f->offset);

		if (f->pad)
			continue;
		if (dfield_is_anon_record(f)) {
			put_fields(w, f->type, p + f->offset, flen, first);
			continue;
		}
		if (!*first)
			PUT(w, ",");
		*first = false;
		if (!f->jkey)
			field_key(w, (struct dfield *)f);
		if (f->jkey) {
			put(w, f->jkey, f->jkey_len);
		} else {
			put_string(w, f->name, strlen(f->name));
			PUT(w, ":");
		}
		if (!f->type->hook || !put_hooked(w, f->type, p, len, f->offset))
			put_value(w, f->type, p + f->offset, flen, f->bit_off,
				  f->bits);
	}
}

static void put_value(struct writer *w, const struct dtype *t, const char *p,
		      size_t len, unsigned bit_off, unsigned bits)
{
	size_t i, esz;
	bool first = true;
	const char *q;
	char buf[48];
	__int128 v;

	switch (t->kind) {
	case DT_INT:
	case DT_CHAR:
		if (t->size > len) {
			PUT(w, "null");
			return;
		}
		v = dtype_field_int(t, p, bit_off, bits);
		/* an enumerator as its name, as text shows it; else a number */
		if ((q = dtype_enum_name(t, v))) {
			put_string(w, q, strlen(q));
			return;
		}
		q = dtype_int_str(v, t->is_signed, buf);
		put(w, q, buf + 47 - q);	/* it ends at buf[47] */
		return;
	case DT_FLOAT:
		if (t->size > len)
			PUT(w, "null");
		else
			put_float(w, t, p);
		return;
	case DT_ARRAY:
		if (dtype_is_string(t)) {
			put_string(w, p, dstring_len(t, p, len));
			return;
		}
		/* elements that are all there: the array ends where bytes do */
		esz = t->elem->size;
		PUT(w, "[");
		for (i = 0; i < t->nelem && esz <= drest(len, i * esz); i++) {
			if (i)
				PUT(w, ",");
			put_value(w, t->elem, p + i * esz, drest(len, i * esz),
				  0, 0);
		}
		PUT(w, "]");
		return;
	case DT_STRUCT:
	case DT_UNION:
		PUT(w, "{");
		put_fields(w, t, p, len, &first);
		PUT(w, "}");
		return;
	}
}

static void writer_open(struct writer *w, struct printbuf *pb, int flags)
{
	w->pb = pb;
	w->out = NULL;
	w->n = 0;
	w->flags = flags;
	w->str = NULL;
	w->buf = NULL;
	w->cap = 0;
	w->err = 0;
}

static int writer_close(struct writer *w)
{
	flush(w);
	json_object_put(w->str);
	free(w->buf);
	return w->err;
}

/* A whole value: a key, a leaf, an event. */
static void put_top(struct writer *w, const struct dtype *t, const void *p,
		    size_t len)
{
	if (!t->hook || !put_hooked(w, t, p, len, 0))
		put_value(w, t, p, len, 0, 0);
}

struct value_node {
	const struct dtype *t;
	const void *data;
	size_t len;
};

static int value_serialize(struct json_object *o, struct printbuf *pb,
			   int level, int flags)
{
	const struct value_node *v = json_object_get_userdata(o);
	struct writer w;

	writer_open(&w, pb, flags);
	put_top(&w, v->t, v->data, v->len);
	return writer_close(&w) ? -1 : 0;
}

static void node_free(struct json_object *o, void *userdata)
{
	free(userdata);
}

/* A json-c object whose writing is @write's: its own type does not matter. */
static struct json_object *node_new(json_object_to_json_string_fn *write,
				    void *userdata)
{
	struct json_object *o = userdata ? json_object_new_boolean(0) : NULL;

	if (!o) {
		free(userdata);
		return NULL;
	}
	json_object_set_serializer(o, write, userdata, node_free);
	return o;
}

struct json_object *dtype_json(const struct dtype *t, const void *data,
			       size_t len)
{
	struct value_node *v = malloc(sizeof(*v));

	if (v)
		*v = (struct value_node){ t, data, len };
	return node_new(value_serialize, v);
}

void dtype_json_point(struct json_object *node, const void *data, size_t len)
{
	struct value_node *v = json_object_get_userdata(node);

	v->data = data;
	v->len = len;
}

struct entries_node {
	const struct dtype *k, *v;
	size_t ksize, vsize, n;
	djson_entry_fn *at;
	void *ctx;
};

static int entries_serialize(struct json_object *o, struct printbuf *pb,
			     int level, int flags)
{
	const struct entries_node *e = json_object_get_userdata(o);
	const void *key, *val;
	struct writer w;
	size_t i;

	writer_open(&w, pb, flags);
	PUT(&w, "[");
	for (i = 0; i < e->n && !w.err && e->at(e->ctx, i, &key, &val); i++) {
		if (i)
			PUT(&w, ",");
		PUT(&w, "{\"key\":");
		put_top(&w, e->k, key, e->ksize);
		PUT(&w, ",\"value\":");
		put_top(&w, e->v, val, e->vsize);
		PUT(&w, "}");
	}
	PUT(&w, "]");
	return writer_close(&w) ? -1 : 0;
}

struct json_object *dtype_json_entries(const struct dtype *k, size_t ksize,
				       const struct dtype *v, size_t vsize,
				       size_t n, djson_entry_fn *at, void *ctx)
{
	struct entries_node *e = malloc(sizeof(*e));

	if (e)
		*e = (struct entries_node){ k, v, ksize, vsize, n, at, ctx };
	return node_new(entries_serialize, e);
}

int dtype_print_json(FILE *out, const struct dtype *t, const void *data,
		     size_t len)
{
	struct writer w;

	/* no printbuf: a stream of events goes straight to the FILE */
	writer_open(&w, NULL, DJSON_FLAGS);
	w.out = out;
	put_top(&w, t, data, len);
	return writer_close(&w);
}

int djson_add(struct json_object *obj, const char *key,
	      struct json_object *v)
{
	if (!obj || json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int djson_append(struct json_object *arr, struct json_object *v)
{
	if (!arr || json_object_array_add(arr, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

struct json_object *djson_line(const char *table)
{
	struct json_object *o = json_object_new_object();
	struct json_object *name = djson_bytes(table, strlen(table));

	if (!o || !name) {
		json_object_put(o);
		json_object_put(name);
		return NULL;
	}
	if (djson_add(o, "table", name)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int djson_print_line(FILE *out, struct json_object *o)
{
	const char *s;
	size_t n;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_length(o, DJSON_FLAGS, &n);
	if (!s)
		return -ENOMEM;
	fwrite(s, 1, n, out);
	fputc('\n', out);
	return 0;
}

char *djson_line_prefix(const char *table, const char *key)
{
	struct json_object *line = djson_line(table), *v = json_object_new_null();
	char *prefix = NULL;
	const char *s;
	size_t n;

	/* {"table":T,"KEY":null} and its last 5 bytes, "null}", cut off */
	if (!djson_add(line, key, v) &&
	    (s = json_object_to_json_string_length(line, DJSON_FLAGS, &n)) &&
	    n > 5 && !strcmp(s + n - 5, "null}"))
		prefix = strndup(s, n - 5);
	json_object_put(line);
	return prefix;
}

int bpfrun_json_line(FILE *out, const struct bpfrun_json_field *f, size_t n)
{
	struct json_object *o = json_object_new_object(), *v;
	size_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		switch (f[i].kind) {
		case BPFRUN_JSON_STR:
			v = djson_bytes(f[i].str, strnlen(f[i].str, f[i].len));
			break;
		case BPFRUN_JSON_INT:
			v = json_object_new_int64(f[i].i);
			break;
		case BPFRUN_JSON_UINT:
			v = json_object_new_uint64(f[i].u);
			break;
		default:
			v = isfinite(f[i].d) ? json_object_new_double(f[i].d) : NULL;
			break;
		}
		err = djson_add(o, f[i].name, v);
	}
	if (!err)
		err = djson_print_line(out, o);
	json_object_put(o);
	return err;
}
