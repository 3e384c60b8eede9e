// SPDX-License-Identifier: Apache-2.0
/*
 * Values as text for people: one line of name=value ("pid=12 comm=bash
 * in={a=1 b=-2} arr=[1,2,3]") or columns under a header. Only the bytes
 * given are read: a scalar past them shows "?", an array is cut short.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"

static void print_scalar(FILE *out, const struct dtype *t, const void *p,
			 unsigned bit_off, unsigned bits)
{
	const char *name;
	char buf[48];
	__int128 v;

	if (t->kind == DT_FLOAT) {
		dtype_format_float(t, p, buf, sizeof(buf));
		fputs(buf, out);
		return;
	}
	v = dtype_field_int(t, p, bit_off, bits);
	name = dtype_enum_name(t, v);
	fputs(name ? name : dtype_int_str(v, t->is_signed, buf), out);
}

/* Bytes outside printable ASCII as \xNN: a terminal shows the line as is. */
static void print_string(FILE *out, const struct dtype *t, const char *s,
			 size_t len)
{
	size_t i, n = dstring_len(t, s, len);

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static void print_value(FILE *out, const struct dtype *t, const char *p,
			size_t len, unsigned bit_off, unsigned bits);

/* "a=1 b=2"; anonymous members' fields inline, as in C. */
static void print_fields(FILE *out, const struct dtype *t, const char *p,
			 size_t len, bool *first)
{
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		const struct dfield *f = &t->fields[i];
		size_t flen = drest(len, f->offset);

		if (f->pad)
			continue;
		if (dfield_is_anon_record(f)) {
			print_fields(out, f->type, p + f->offset, flen, first);
			continue;
		}
		fprintf(out, "%s%s=", *first ? "" : " ", f->name);
		*first = false;
		print_value(out, f->type, p + f->offset, flen, f->bit_off,
			    f->bits);
	}
}

/* Elements that are all there, then "..." when some are not. */
static void print_array(FILE *out, const struct dtype *t, const char *p,
			size_t len)
{
	size_t i, esz = t->elem->size;

	fputc('[', out);
	for (i = 0; i < t->nelem; i++) {
		if (esz > drest(len, i * esz)) {
			fputs(i ? ",..." : "...", out);
			break;
		}
		if (i)
			fputc(',', out);
		print_value(out, t->elem, p + i * esz, drest(len, i * esz), 0,
			    0);
	}
	fputc(']', out);
}

static void print_value(FILE *out, const struct dtype *t, const char *p,
			size_t len, unsigned bit_off, unsigned bits)
{
	bool first = true;

	switch (t->kind) {
	case DT_INT:
	case DT_CHAR:
	case DT_FLOAT:
		if (t->size > len)
			fputc('?', out);
		else
			print_scalar(out, t, p, bit_off, bits);
		return;
	case DT_ARRAY:
		if (dtype_is_string(t))
			print_string(out, t, p, len);
		else
			print_array(out, t, p, len);
		return;
	case DT_STRUCT:
	case DT_UNION:
		fputc('{', out);
		print_fields(out, t, p, len, &first);
		fputc('}', out);
		return;
	}
}

void dtype_print_text(FILE *out, const struct dtype *t, const void *data,
		      size_t len)
{
	bool first = true;

	/* the outer braces say nothing on a line of their own */
	if (t->kind == DT_STRUCT || t->kind == DT_UNION)
		print_fields(out, t, data, len, &first);
	else
		print_value(out, t, data, len, 0, 0);
}

/* --- columns ---------------------------------------------------------- */

static int natural_width(const struct dtype *t)
{
	if (dtype_is_string(t))
		return t->nelem > 16 ? 16 : (int)t->nelem - 1;
	switch (t->kind) {
	case DT_INT:
	case DT_CHAR:
		return t->size == 1 ? 4 : t->size == 2 ? 6 :
		       t->size == 4 ? 10 : t->size == 8 ? 12 : 20;
	case DT_FLOAT:
		return 10;
	default:
		return 8;
	}
}

static int add_cols(const struct dtype *t, const char *prefix, unsigned base,
		    struct dcol **cols, size_t *n)
{
	size_t i;
	int err;

	for (i = 0; i < t->nfields; i++) {
		const struct dfield *f = &t->fields[i];
		struct dcol *c;
		char name[128];
		int w;

		if (f->pad)
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, f->name);
		if (dfield_is_anon_record(f)) {
			err = add_cols(f->type, prefix, base + f->offset, cols,
				       n);
			if (err)
				return err;
			continue;
		}
		if (f->type->kind == DT_STRUCT) {
			char p[130];

			snprintf(p, sizeof(p), "%s.", name);
			err = add_cols(f->type, p, base + f->offset, cols, n);
			if (err)
				return err;
			continue;
		}
		c = realloc(*cols, (*n + 1) * sizeof(*c));
		if (!c)
			return -ENOMEM;
		*cols = c;
		c = &c[(*n)++];
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->type = f->type;
		c->offset = base + f->offset;
		c->bit_off = f->bit_off;
		c->bits = f->bits;
		w = natural_width(f->type);
		c->width = (int)strlen(name) > w ? (int)strlen(name) : w;
	}
	return 0;
}

int dtype_columns(const struct dtype *t, struct dcol **cols, size_t *n)
{
	struct dfield one = { .name = "value", .type = (struct dtype *)t };
	struct dtype wrap = { .kind = DT_STRUCT, .fields = &one, .nfields = 1 };
	int err;

	*cols = NULL;
	*n = 0;
	err = add_cols(t->kind == DT_STRUCT ? t : &wrap, "", 0, cols, n);
	if (err) {
		free(*cols);
		*cols = NULL;
	}
	return err;
}

void dcol_print_header(FILE *out, const struct dcol *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i + 1 == n)
			fprintf(out, "%s\n", c[i].name);
		else
			fprintf(out, "%-*s ", c[i].width, c[i].name);
	}
}

void dcol_print_row(FILE *out, const struct dcol *c, size_t n,
		    const void *data, size_t len)
{
	char *buf;
	size_t i, blen;
	FILE *f;

	for (i = 0; i < n; i++) {
		buf = NULL;
		f = open_memstream(&buf, &blen);
		if (!f)
			return;
		print_value(f, c[i].type, (const char *)data + c[i].offset,
			    drest(len, c[i].offset), c[i].bit_off, c[i].bits);
		fclose(f);
		if (i + 1 == n)
			fprintf(out, "%s\n", buf);
		else
			fprintf(out, "%-*s ", c[i].width, buf);
		free(buf);
	}
}

void dcol_print_value(FILE *out, const struct dcol *c, const void *data,
		      size_t len)
{
	print_value(out, c->type, (const char *)data + c->offset,
		    drest(len, c->offset), c->bit_off, c->bits);
}

__int128 dcol_int(const struct dcol *c, const void *data)
{
	return dtype_field_int(c->type, (const char *)data + c->offset,
			       c->bit_off, c->bits);
}
