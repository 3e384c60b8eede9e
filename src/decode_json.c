// SPDX-License-Identifier: Apache-2.0
/*
 * Values as JSON, and the one JSON writer of the tree: objects are built
 * with json-c and written by it, so quoting and escaping are json-c's.
 * What json-c cannot know is decided here, once, so that every line
 * parses with a strict parser and loses nothing that can be kept:
 *
 * - Strings are bytes from the kernel. Valid UTF-8 stays as it is
 *   ("café"); a byte that is not part of valid UTF-8 is written as the
 *   four characters \xNN, and a backslash as two backslashes, so the
 *   bytes come back exactly (replace \\ by \ and \xNN by byte NN) and
 *   the line stays valid UTF-8. Unpaired surrogate escapes (Python's
 *   surrogateescape) would be lossless too, but json-c cannot write them
 *   and strict parsers such as serde_json reject them.
 * - JSON has no NaN or infinity: they are written as null, as
 *   JavaScript's JSON.stringify() does; json-c would write NaN.
 * - Doubles and floats are written with 15, 16 or 17 significant digits
 *   (6 to 9 for a float), the first that reads back as the same value,
 *   trailing zeros dropped: 0.1 stays 0.1 where json-c's %.17g wrote
 *   0.10000000000000001; ".0" is added when they would look like integers.
 * - Integers are exact: u64 above 2^63 included, and 128-bit ones,
 *   which json-c cannot hold, as their decimal digits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "decode_int.h"

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

struct json_object *djson_bytes(const void *data, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = data;
	struct json_object *o;
	size_t i = 0, k = 0, len;
	char *buf;

	if (n > (size_t)INT32_MAX / 4)
		return NULL;
	buf = malloc(n * 4 + 1);
	if (!buf)
		return NULL;
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
	o = json_object_new_string_len(buf, (int)k);
	free(buf);
	return o;
}

struct json_object *djson_hex(const void *data, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	struct json_object *o;
	size_t i;
	char *buf;

	if (n > (size_t)INT32_MAX / 2)
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

/* 128-bit integers beyond 64 bits: their digits, as json-c's own number. */
static struct json_object *int128_json(__int128 v, bool is_signed)
{
	unsigned __int128 u = v;
	double d = is_signed ? (double)v : (double)u;
	char buf[48], *p = buf + sizeof(buf) - 1;
	bool neg = is_signed && v < 0;

	if (is_signed && v >= INT64_MIN && v <= INT64_MAX)
		return json_object_new_int64((int64_t)v);
	if (!neg && u <= UINT64_MAX)
		return json_object_new_uint64((uint64_t)u);
	if (neg)
		u = -(unsigned __int128)v;
	*p = '\0';
	do {
		*--p = '0' + (int)(u % 10);
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	/* json-c writes a double made with its text as exactly that text */
	return json_object_new_double_s(d, p);
}

/*
 * Returns -ENOMEM or 0; *@out is NULL (JSON null) for NaN and infinity.
 */
static int float_json(const struct dtype *t, const void *p,
		      struct json_object **out)
{
	double d = dtype_float(t, p);
	char buf[40];

	*out = NULL;
	if (!isfinite(d))
		return 0;
	dtype_format_float(t, p, buf, sizeof(buf) - 2);
	if (!strpbrk(buf, ".e"))
		strcat(buf, ".0");
	*out = json_object_new_double_s(d, buf);
	return *out ? 0 : -ENOMEM;
}

static int value_json(const struct dtype *t, const char *p, size_t len,
		      unsigned bit_off, unsigned bits,
		      struct json_object **out);

/* An object member; json-c takes @v, NULL included (null). */
static int add(struct json_object *obj, const char *key,
	       struct json_object *v)
{
	if (json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Anonymous members' fields go in the object itself, as in C. */
static int fields_json(struct json_object *obj, const struct dtype *t,
		       const char *p, size_t len)
{
	struct json_object *v;
	size_t i;
	int err;

	for (i = 0; i < t->nfields; i++) {
		const struct dfield *f = &t->fields[i];
		size_t flen = drest(len, f->offset);

		if (f->pad)
			continue;
		if (dfield_is_anon_record(f))
			err = fields_json(obj, f->type, p + f->offset, flen);
		else if (!(err = value_json(f->type, p + f->offset, flen,
					    f->bit_off, f->bits, &v)))
			err = add(obj, f->name, v);
		if (err)
			return err;
	}
	return 0;
}

/* Elements that are all there: the array just ends where bytes do. */
static int array_json(const struct dtype *t, const char *p, size_t len,
		      struct json_object *arr)
{
	size_t i, esz = t->elem->size;
	struct json_object *v;
	int err;

	for (i = 0; i < t->nelem && esz <= drest(len, i * esz); i++) {
		err = value_json(t->elem, p + i * esz, drest(len, i * esz), 0,
				 0, &v);
		if (err)
			return err;
		if (json_object_array_add(arr, v)) {
			json_object_put(v);
			return -ENOMEM;
		}
	}
	return 0;
}

static int value_json(const struct dtype *t, const char *p, size_t len,
		      unsigned bit_off, unsigned bits,
		      struct json_object **out)
{
	struct json_object *o = NULL;
	int err = 0;

	*out = NULL;
	switch (t->kind) {
	case DT_INT:
	case DT_CHAR:
		if (t->size > len)
			return 0;
		o = int128_json(dtype_field_int(t, p, bit_off, bits),
				t->is_signed);
		break;
	case DT_FLOAT:
		return t->size > len ? 0 : float_json(t, p, out);
	case DT_ARRAY:
		if (dtype_is_string(t)) {
			o = djson_bytes(p, dstring_len(t, p, len));
			break;
		}
		o = json_object_new_array();
		if (o)
			err = array_json(t, p, len, o);
		break;
	case DT_STRUCT:
	case DT_UNION:
		o = json_object_new_object();
		if (o)
			err = fields_json(o, t, p, len);
		break;
	}
	if (!o)
		return -ENOMEM;
	if (err) {
		json_object_put(o);
		return err;
	}
	*out = o;
	return 0;
}

int dtype_to_json(const struct dtype *t, const void *data, size_t len,
		  struct json_object **out)
{
	return value_json(t, data, len, 0, 0, out);
}

/* Plain: no spaces; '/' needs no escape in JSON. */
#define DJSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

int dtype_print_json(FILE *out, const struct dtype *t, const void *data,
		     size_t len)
{
	struct json_object *o;
	int err = dtype_to_json(t, data, len, &o);

	if (err)
		return err;
	fputs(json_object_to_json_string_ext(o, DJSON_FLAGS), out);
	json_object_put(o);
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
	if (add(o, "table", name)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int djson_print_line(FILE *out, struct json_object *o)
{
	const char *s;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_ext(o, DJSON_FLAGS);
	if (s)
		fprintf(out, "%s\n", s);
	json_object_put(o);
	return s ? 0 : -ENOMEM;
}
