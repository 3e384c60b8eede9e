// SPDX-License-Identifier: Apache-2.0
/*
 * The decoder's types: C scalars by name, arrays and records built from
 * them with the layout C gives them on x86-64 and BPF (which agree), and
 * reading integers and floats out of a value's bytes. The parsers of
 * libbcc's text (decode_parse.c) build types with these; the printers
 * (decode_text.c, decode_json.c) read values with them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "internal.h"

static const struct scalar {
	const char *name;
	enum dtype_kind kind;
	unsigned size;
	bool is_signed;
} scalars[] = {
	{ "char", DT_CHAR, 1, true },
	{ "signed char", DT_INT, 1, true },
	{ "unsigned char", DT_INT, 1, false },
	{ "_Bool", DT_INT, 1, false },
	{ "bool", DT_INT, 1, false },
	{ "short", DT_INT, 2, true },
	{ "unsigned short", DT_INT, 2, false },
	{ "int", DT_INT, 4, true },
	{ "unsigned int", DT_INT, 4, false },
	{ "long", DT_INT, 8, true },
	{ "unsigned long", DT_INT, 8, false },
	{ "long long", DT_INT, 8, true },
	{ "unsigned long long", DT_INT, 8, false },
	{ "__int128", DT_INT, 16, true },
	{ "unsigned __int128", DT_INT, 16, false },
	{ "float", DT_FLOAT, 4, true },
	{ "double", DT_FLOAT, 8, true },
	/* typedefs that perf_submit() fields keep */
	{ "u8", DT_INT, 1, false },   { "s8", DT_INT, 1, true },
	{ "u16", DT_INT, 2, false },  { "s16", DT_INT, 2, true },
	{ "u32", DT_INT, 4, false },  { "s32", DT_INT, 4, true },
	{ "u64", DT_INT, 8, false },  { "s64", DT_INT, 8, true },
	{ "__u8", DT_INT, 1, false }, { "__s8", DT_INT, 1, true },
	{ "__u16", DT_INT, 2, false }, { "__s16", DT_INT, 2, true },
	{ "__u32", DT_INT, 4, false }, { "__s32", DT_INT, 4, true },
	{ "__u64", DT_INT, 8, false }, { "__s64", DT_INT, 8, true },
	{ "uint8_t", DT_INT, 1, false }, { "int8_t", DT_INT, 1, true },
	{ "uint16_t", DT_INT, 2, false }, { "int16_t", DT_INT, 2, true },
	{ "uint32_t", DT_INT, 4, false }, { "int32_t", DT_INT, 4, true },
	{ "uint64_t", DT_INT, 8, false }, { "int64_t", DT_INT, 8, true },
	{ "pid_t", DT_INT, 4, true },   { "uid_t", DT_INT, 4, false },
	{ "gid_t", DT_INT, 4, false },  { "size_t", DT_INT, 8, false },
	{ "ssize_t", DT_INT, 8, true }, { "umode_t", DT_INT, 2, false },
	{ "dev_t", DT_INT, 4, false },  { "loff_t", DT_INT, 8, true },
	{ "__be16", DT_INT, 2, false }, { "__be32", DT_INT, 4, false },
	{ "__be64", DT_INT, 8, false },
};

struct dtype *dtype_scalar_new(const char *name)
{
	const struct scalar *s = NULL;
	struct dtype *t;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(scalars); i++)
		if (!strcmp(scalars[i].name, name))
			s = &scalars[i];
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->name = strdup(name);
	if (!t->name) {
		free(t);
		return NULL;
	}
	t->items = 1;
	if (s) {
		t->kind = s->kind;
		t->size = t->align = s->size;
		t->is_signed = s->is_signed;
	} else if (strchr(name, '*')) {
		t->kind = DT_INT;	/* a pointer: its address */
		t->size = t->align = 8;
	} else if (!strncmp(name, "enum ", 5)) {
		t->kind = DT_INT;
		t->size = t->align = 4;
	} else {
		free(t->name);
		free(t);
		errno = ENOENT;
		return NULL;
	}
	return t;
}

void dtype_free(struct dtype *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nfields; i++) {
		free(t->fields[i].name);
		free(t->fields[i].jkey);
		dtype_free(t->fields[i].type);
	}
	free(t->fields);
	for (i = 0; i < t->nenums; i++)
		free(t->enums[i].name);
	free(t->enums);
	dtype_free(t->elem);
	free(t->name);
	free(t);
}

struct dtype *dtype_dup(const struct dtype *t)
{
	struct dtype *c = calloc(1, sizeof(*c));
	size_t i;

	if (!c)
		return NULL;
	*c = *t;
	c->fields = NULL;
	c->nfields = 0;
	c->elem = NULL;
	c->enums = NULL;
	c->nenums = 0;
	c->name = strdup(t->name ? t->name : "");
	if (!c->name)
		goto err;
	if (t->nenums) {
		c->enums = calloc(t->nenums, sizeof(*c->enums));
		if (!c->enums)
			goto err;
		for (i = 0; i < t->nenums; i++) {
			c->enums[i].val = t->enums[i].val;
			c->enums[i].name = strdup(t->enums[i].name);
			c->nenums++;
			if (!c->enums[i].name)
				goto err;
		}
	}
	if (t->elem && !(c->elem = dtype_dup(t->elem)))
		goto err;
	if (t->nfields) {
		c->fields = calloc(t->nfields, sizeof(*c->fields));
		if (!c->fields)
			goto err;
		for (i = 0; i < t->nfields; i++) {
			c->fields[i] = t->fields[i];
			c->fields[i].jkey = NULL;	/* made again for the copy */
			c->fields[i].jkey_len = 0;
			c->fields[i].name = strdup(t->fields[i].name);
			c->fields[i].type = dtype_dup(t->fields[i].type);
			c->nfields++;
			if (!c->fields[i].name || !c->fields[i].type)
				goto err;
		}
	}
	return c;
err:
	dtype_free(c);
	return NULL;
}

/*
 * @n copies of @elem, in @out (which then owns @elem). Size and print
 * steps are multiplied in 64 bits, from factors bounded first: both come
 * from the program. An array of empty structs has size 0 but still costs
 * a step per element; a string costs one, its bytes bound the rest.
 */
int dtype_array_new(struct dtype *elem, unsigned long long n,
		    struct dtype **out)
{
	unsigned long long items;
	struct dtype *t;

	if (n > UINT_MAX || n * elem->size > DTYPE_MAX_SIZE)
		return -E2BIG;
	items = !n || elem->kind == DT_CHAR ? 1 : n * elem->items;
	if (items > DTYPE_MAX_ITEMS)
		return -E2BIG;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->kind = DT_ARRAY;
	t->name = strdup("");
	t->elem = elem;
	t->nelem = n;
	t->size = elem->size * n;
	t->align = elem->align;
	t->items = items;
	if (!t->name) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

static unsigned align_up(unsigned v, unsigned a)
{
	return a ? (v + a - 1) / a * a : v;
}

/*
 * Offsets, size and alignment of a record. Bitfields go in the storage
 * unit of their type when they fit in it, else start the next unit.
 * Every field is at most DTYPE_MAX_SIZE, so checking the running size
 * after each keeps the 64-bit sums from wrapping. -E2BIG past the limits.
 */
int dtype_layout(struct dtype *t, bool packed)
{
	unsigned long long bit = 0, size = 0, items = 1;
	unsigned align = 1;
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		struct dfield *f = &t->fields[i];
		unsigned fa = f->type->align ? f->type->align : 1;

		if (fa > align)
			align = fa;
		items += f->type->items;
		if (items > DTYPE_MAX_ITEMS)
			return -E2BIG;
		if (t->kind == DT_UNION) {
			f->offset = 0;
			f->bit_off = 0;
			if (f->type->size > size)
				size = f->type->size;
			continue;
		}
		if (f->bits) {
			unsigned ubits = f->type->size * 8;

			if (bit / ubits != (bit + f->bits - 1) / ubits)
				bit = align_up(bit, ubits);
			f->offset = bit / ubits * f->type->size;
			f->bit_off = bit % ubits;
			bit += f->bits;
		} else {
			unsigned off = (bit + 7) / 8;

			if (!packed)
				off = align_up(off, fa);
			f->offset = off;
			bit = ((unsigned long long)off + f->type->size) * 8;
		}
		if ((bit + 7) / 8 > size)
			size = (bit + 7) / 8;
		if (size > DTYPE_MAX_SIZE)
			return -E2BIG;
	}
	t->align = align;
	t->items = items;
	t->size = packed ? size : align_up(size, align);
	if (t->kind == DT_UNION)
		t->size = align_up(size, align);
	return t->size > DTYPE_MAX_SIZE ? -E2BIG : 0;
}

const struct dtype *dtype_find_record(const struct dtype *t, const char *name)
{
	const struct dtype *r;
	size_t i;

	if (!t)
		return NULL;
	if ((t->kind == DT_STRUCT || t->kind == DT_UNION) &&
	    !strcmp(t->name, name))
		return t;
	if (t->elem)
		return dtype_find_record(t->elem, name);
	for (i = 0; i < t->nfields; i++)
		if ((r = dtype_find_record(t->fields[i].type, name)))
			return r;
	return NULL;
}

bool dtype_is_int(const struct dtype *t)
{
	return t->kind == DT_INT || t->kind == DT_CHAR;
}

static unsigned __int128 load(const void *p, unsigned size)
{
	unsigned __int128 v = 0;

	memcpy(&v, p, size < sizeof(v) ? size : sizeof(v));	/* little endian */
	return v;
}

__int128 dtype_field_int(const struct dtype *t, const void *p,
			 unsigned bit_off, unsigned bits)
{
	unsigned __int128 v = load(p, t->size);
	unsigned width = bits ? bits : t->size * 8;

	if (bits && bits < 128)
		v = (v >> bit_off) & (((unsigned __int128)1 << bits) - 1);
	if (t->is_signed && width < 128 && (v >> (width - 1)) & 1)
		v |= ~(unsigned __int128)0 << width;
	return (__int128)v;
}

const char *dtype_int_str(__int128 v, bool is_signed, char buf[48])
{
	unsigned __int128 u = v;
	char *p = buf + 47;
	bool neg = is_signed && v < 0;
	unsigned long long u64;

	if (neg)
		u = -(unsigned __int128)v;
	*p = '\0';
	/* 128-bit division is a libgcc call: the low digits in 64 bits */
	while (u >> 64) {
		*--p = '0' + (int)(u % 10);
		u /= 10;
	}
	u64 = (unsigned long long)u;
	do {
		*--p = '0' + (int)(u64 % 10);
		u64 /= 10;
	} while (u64);
	if (neg)
		*--p = '-';
	return p;
}

const char *dtype_enum_name(const struct dtype *t, __int128 v)
{
	size_t i;

	for (i = 0; i < t->nenums; i++) {
		long long e = t->enums[i].val;

		/* the bits of a 64-bit enumerator, read as the enum is */
		if ((t->is_signed ? (__int128)e : (__int128)(unsigned long long)e) == v)
			return t->enums[i].name;
	}
	return NULL;
}

long long dtype_int(const struct dtype *t, const void *p)
{
	return (long long)dtype_field_int(t, p, 0, 0);
}

double dtype_float(const struct dtype *t, const void *p)
{
	double d;
	float f;

	if (t->size == 4) {
		memcpy(&f, p, 4);
		return f;
	}
	memcpy(&d, p, 8);
	return d;
}

/*
 * The first of 15, 16 or 17 significant digits (6 to 9 for a float) that
 * reads back as the same value, trailing zeros dropped by %g: 0.1 rather
 * than %.17g's 0.10000000000000001, and a third in full rather than %g's
 * six digits. A float is read back as a float, so 0.1f shows as 0.1.
 * The decimal point is '.' whatever the host's locale: JSON needs it.
 */
void dtype_format_float(const struct dtype *t, const void *p, char *buf,
			size_t len)
{
	bool is_float = t->size == 4;
	double d = dtype_float(t, p);
	int prec = is_float ? FLT_DIG : DBL_DIG;
	int max = is_float ? FLT_DECIMAL_DIG : DBL_DECIMAL_DIG;
	const char *dp = localeconv()->decimal_point;
	char *q;

	for (; prec < max && isfinite(d); prec++) {
		snprintf(buf, len, "%.*g", prec, d);
		if (is_float ? strtof(buf, NULL) == (float)d :
			       strtod(buf, NULL) == d)
			break;
	}
	if (prec == max || !isfinite(d))
		snprintf(buf, len, "%.*g", max, d);
	if (dp && strcmp(dp, ".") && (q = strstr(buf, dp))) {
		*q = '.';
		memmove(q + 1, q + strlen(dp), strlen(q + strlen(dp)) + 1);
	}
}
