// SPDX-License-Identifier: Apache-2.0
/*
 * libbcc describes a table's key and leaf as JSON-like text: a scalar is its
 * C name ("unsigned int"), a record is [NAME, [FIELD...], KIND] where a field
 * is [NAME, TYPE] with an optional [COUNT] and an optional bitfield width.
 * For "struct_packed" libbcc has written the padding as "__pad_N" fields, so
 * offsets follow each other; "struct" (a record with bitfields) and "union"
 * are laid out here by the C rules of x86-64 and BPF, which agree.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "internal.h"

/* --- scalar types ----------------------------------------------------- */

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

static struct dtype *scalar_new(const char *name)
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
		dtype_free(t->fields[i].type);
	}
	free(t->fields);
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
	c->name = strdup(t->name ? t->name : "");
	if (!c->name)
		goto err;
	if (t->elem && !(c->elem = dtype_dup(t->elem)))
		goto err;
	if (t->nfields) {
		c->fields = calloc(t->nfields, sizeof(*c->fields));
		if (!c->fields)
			goto err;
		for (i = 0; i < t->nfields; i++) {
			c->fields[i] = t->fields[i];
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
static int array_new(struct dtype *elem, unsigned long long n,
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
static int layout(struct dtype *t, bool packed)
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

/* --- the description parser ------------------------------------------- */

struct parser {
	const char *p;
	char *err;
	size_t errlen;
	unsigned depth;		/* records open: the parser recurses */
};

static int perr(struct parser *ps, const char *what)
{
	if (ps->err)
		snprintf(ps->err, ps->errlen, "%s at \"%.20s\"", what, ps->p);
	return -EINVAL;
}

static int too_big(struct parser *ps, const char *what)
{
	perr(ps, what);
	return -E2BIG;
}

static void ws(struct parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool peek(struct parser *ps, char c)
{
	ws(ps);
	return *ps->p == c;
}

static int expect(struct parser *ps, char c)
{
	char what[32];

	if (!peek(ps, c)) {
		snprintf(what, sizeof(what), "expected '%c'", c);
		return perr(ps, what);
	}
	ps->p++;
	return 0;
}

/* Skip a comma when there is one. */
static void comma(struct parser *ps)
{
	if (peek(ps, ','))
		ps->p++;
}

static int string(struct parser *ps, char **out)
{
	const char *s;

	if (expect(ps, '"'))
		return -EINVAL;
	s = ps->p;
	while (*ps->p && *ps->p != '"')
		ps->p++;
	if (!*ps->p)
		return perr(ps, "unterminated string");
	*out = strndup(s, ps->p - s);
	ps->p++;
	return *out ? 0 : -ENOMEM;
}

static int number(struct parser *ps, unsigned *out)
{
	char *end;
	unsigned long v;

	ws(ps);
	v = strtoul(ps->p, &end, 10);
	if (end == ps->p || v > UINT_MAX)
		return perr(ps, "expected a number");
	ps->p = end;
	*out = v;
	return 0;
}

static int parse_type(struct parser *ps, struct dtype **out);
static int parse_record(struct parser *ps, struct dtype *t);

/* After '[': a field list ("[[" or "[]") rather than a type ("[\"")? */
static bool at_field_list(struct parser *ps)
{
	const char *q;

	if (!peek(ps, '['))
		return false;
	for (q = ps->p + 1; isspace((unsigned char)*q); q++)
		;
	return *q == '[' || *q == ']';
}

static int parse_field(struct parser *ps, struct dtype *rec)
{
	struct dfield *f;
	unsigned n;
	int err;

	f = realloc(rec->fields, (rec->nfields + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	rec->fields = f;
	f = &rec->fields[rec->nfields];
	memset(f, 0, sizeof(*f));
	if ((err = expect(ps, '[')) || (err = string(ps, &f->name)))
		return err;
	rec->nfields++;
	f->pad = !strncmp(f->name, "__pad_", 6);
	comma(ps);
	if (at_field_list(ps)) {
		/* an anonymous struct or union member: [NAME, [FIELD...], KIND] */
		f->type = calloc(1, sizeof(*f->type));
		if (!f->type)
			return -ENOMEM;
		f->type->name = strdup(f->name);
		if (!f->type->name)
			return -ENOMEM;
		return parse_record(ps, f->type);
	}
	err = parse_type(ps, &f->type);
	if (err)
		return err;
	comma(ps);
	if (peek(ps, '[')) {
		struct dtype *a;

		ps->p++;
		if ((err = number(ps, &n)) || (err = expect(ps, ']')))
			return err;
		err = array_new(f->type, n, &a);
		if (err == -E2BIG)
			return too_big(ps, "array too large");
		if (err)
			return err;
		f->type = a;
		comma(ps);
	}
	if (!peek(ps, ']')) {
		err = number(ps, &f->bits);
		if (err)
			return err;
		/* only integers have bits; their size is at most 16 */
		if (!dtype_is_int(f->type) || !f->bits ||
		    f->bits > f->type->size * 8)
			return perr(ps, "bad bitfield width");
	}
	return expect(ps, ']');
}

static int parse_type(struct parser *ps, struct dtype **out)
{
	struct dtype *t;
	char *name;
	int err;

	*out = NULL;
	if (peek(ps, '"')) {
		err = string(ps, &name);
		if (err)
			return err;
		t = scalar_new(name);
		if (!t) {
			err = errno == ENOMEM ? -ENOMEM :
						perr(ps, "unknown scalar type");
			if (err == -EINVAL && ps->err)
				snprintf(ps->err, ps->errlen,
					 "unknown scalar type \"%s\"", name);
		}
		free(name);
		*out = t;
		return t ? 0 : err;
	}
	if (expect(ps, '['))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*out = t;
	if ((err = string(ps, &t->name)))
		return err;
	comma(ps);
	return parse_record(ps, t);
}

/* The rest of a record after its name: [FIELD...], KIND] */
static int parse_record(struct parser *ps, struct dtype *t)
{
	char *kind = NULL;
	int err;

	t->kind = DT_STRUCT;
	if (ps->depth >= DTYPE_MAX_DEPTH)
		return too_big(ps, "records nested too deeply");
	if ((err = expect(ps, '[')))
		return err;
	ps->depth++;
	while (!peek(ps, ']')) {
		if ((err = parse_field(ps, t)))
			return err;
		comma(ps);
	}
	ps->depth--;
	ps->p++;
	comma(ps);
	if ((err = string(ps, &kind)))
		return err;
	if (!strcmp(kind, "union"))
		t->kind = DT_UNION;
	else if (strcmp(kind, "struct") && strcmp(kind, "struct_packed"))
		err = perr(ps, "unknown record kind");
	if (!err && layout(t, !strcmp(kind, "struct_packed")))
		err = too_big(ps, "record too large");
	free(kind);
	if (!err)
		err = expect(ps, ']');
	return err;
}

int dtype_parse(const char *desc, struct dtype **out, char *err, size_t errlen)
{
	struct parser ps = { desc, err, errlen, 0 };
	struct dtype *t;
	int r;

	if (err && errlen)
		err[0] = '\0';
	r = parse_type(&ps, &t);
	if (!r) {
		ws(&ps);
		if (*ps.p)
			r = perr(&ps, "trailing text");
	}
	if (r) {
		dtype_free(t);
		return r;
	}
	*out = t;
	return 0;
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

/* --- perf_submit() fields --------------------------------------------- */

/* "struct inner" or "union u": the record's name in @known. */
static struct dtype *record_type(const char *type, struct dtype *const *known,
				 size_t nknown)
{
	const char *name = strchr(type, ' ') + 1;
	const struct dtype *r;
	size_t i;

	for (i = 0; i < nknown; i++)
		if ((r = dtype_find_record(known[i], name)))
			return dtype_dup(r);
	errno = ENOENT;
	return NULL;
}

int dtype_from_fields(const char *const *fields, size_t n,
		      struct dtype *const *known, size_t nknown,
		      struct dtype **out, char *err, size_t errlen)
{
	struct dtype *t = calloc(1, sizeof(*t));
	int r = 0;
	size_t i;

	if (!t)
		return -ENOMEM;
	t->kind = DT_STRUCT;
	t->name = strdup("");
	t->fields = calloc(n ? n : 1, sizeof(*t->fields));
	if (!t->name || !t->fields) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *hash = strchr(fields[i], '#');
		struct dfield *f = &t->fields[t->nfields];
		char type[256], *br;
		unsigned long long dims[8];
		unsigned nd = 0;

		if (!hash || hash == fields[i] ||
		    strlen(hash + 1) >= sizeof(type)) {
			if (err)
				snprintf(err, errlen, "bad field \"%s\"",
					 fields[i]);
			r = -EINVAL;
			goto out;
		}
		f->name = strndup(fields[i], hash - fields[i]);
		if (!f->name) {
			r = -ENOMEM;
			goto out;
		}
		t->nfields++;
		snprintf(type, sizeof(type), "%s", hash + 1);
		/* "int[2][3]": the dimensions, outermost first */
		br = strchr(type, '[');
		if (br) {
			char *p = br;

			while (*p == '[' && nd < ARRAY_SIZE(dims)) {
				dims[nd++] = strtoull(p + 1, &p, 10);
				if (*p++ != ']')
					break;
			}
			while (br > type && br[-1] == ' ')
				br--;
			*br = '\0';
		}
		if (!strncmp(type, "struct ", 7) || !strncmp(type, "union ", 6))
			f->type = record_type(type, known, nknown);
		else
			f->type = scalar_new(type);
		if (!f->type) {
			r = -errno;
			if (r == -ENOENT && err)
				snprintf(err, errlen,
					 "field %s: unknown type \"%s\"",
					 f->name, type);
			goto out;
		}
		while (nd) {
			struct dtype *a;

			r = array_new(f->type, dims[--nd], &a);
			if (r == -E2BIG && err)
				snprintf(err, errlen, "field %s: array too large",
					 f->name);
			if (r)
				goto out;
			f->type = a;
		}
	}
	r = layout(t, false);
	if (r && err)
		snprintf(err, errlen, "event type too large");
out:
	if (r) {
		dtype_free(t);
		return r;
	}
	*out = t;
	return 0;
}

/* --- values ----------------------------------------------------------- */

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

/* The integer a field holds, bitfields included, sign-extended. */
static __int128 field_int(const struct dtype *t, const void *p,
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

long long dtype_int(const struct dtype *t, const void *p)
{
	return (long long)field_int(t, p, 0, 0);
}

static void print_int128(FILE *out, __int128 v, bool is_signed)
{
	unsigned __int128 u = v;
	char buf[48], *p = buf + sizeof(buf) - 1;
	bool neg = is_signed && v < 0;

	if (neg)
		u = -(unsigned __int128)v;
	*p = '\0';
	do {
		*--p = '0' + (int)(u % 10);
		u /= 10;
	} while (u);
	if (neg)
		*--p = '-';
	fputs(p, out);
}

static void print_scalar(FILE *out, const struct dtype *t, const void *p,
			 unsigned bit_off, unsigned bits)
{
	if (t->kind == DT_FLOAT) {
		double d;
		float fl;

		if (t->size == 4) {
			memcpy(&fl, p, 4);
			d = fl;
		} else {
			memcpy(&d, p, 8);
		}
		fprintf(out, "%g", d);
		return;
	}
	print_int128(out, field_int(t, p, bit_off, bits), t->is_signed);
}

static bool is_string(const struct dtype *t)
{
	return t->kind == DT_ARRAY && t->elem->kind == DT_CHAR;
}

static void print_string(FILE *out, const struct dtype *t, const char *s,
			 size_t len, bool json)
{
	size_t i;

	if (json)
		fputc('"', out);
	for (i = 0; i < t->nelem && i < len && s[i]; i++) {
		unsigned char c = s[i];

		if (json && (c == '"' || c == '\\'))
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, json ? "\\u%04x" : "\\x%02x", c);
		else
			fputc(c, out);
	}
	if (json)
		fputc('"', out);
}

static void print_value(FILE *out, const struct dtype *t, const char *p,
			size_t len, unsigned bit_off, unsigned bits, bool json);

static bool is_anon_record(const struct dfield *f)
{
	return !f->name[0] &&
	       (f->type->kind == DT_STRUCT || f->type->kind == DT_UNION);
}

/* "a=1 b=2" or "\"a\":1,\"b\":2"; anonymous members' fields inline, as in C. */
/* The bytes left after @off of @len (0 when @off is past them). */
static size_t rest(size_t len, size_t off)
{
	return off < len ? len - off : 0;
}

static void print_fields(FILE *out, const struct dtype *t, const char *p,
			 size_t len, bool json, bool *first)
{
	size_t i;

	for (i = 0; i < t->nfields; i++) {
		const struct dfield *f = &t->fields[i];
		size_t flen = rest(len, f->offset);

		if (f->pad)
			continue;
		if (is_anon_record(f)) {
			print_fields(out, f->type, p + f->offset, flen, json,
				     first);
			continue;
		}
		fprintf(out, json ? "%s\"%s\":" : "%s%s=",
			*first ? "" : json ? "," : " ", f->name);
		*first = false;
		print_value(out, f->type, p + f->offset, flen, f->bit_off,
			    f->bits, json);
	}
}

/*
 * Elements that are all there; "..." in text when some are not (JSON
 * stays valid: the array just ends).
 */
static void print_array(FILE *out, const struct dtype *t, const char *p,
			size_t len, bool json)
{
	size_t i, esz = t->elem->size;

	fputc('[', out);
	for (i = 0; i < t->nelem; i++) {
		if (esz > rest(len, i * esz)) {
			if (!json)
				fputs(i ? ",..." : "...", out);
			break;
		}
		if (i)
			fputc(',', out);
		print_value(out, t->elem, p + i * esz, rest(len, i * esz), 0, 0,
			    json);
	}
	fputc(']', out);
}

static void print_value(FILE *out, const struct dtype *t, const char *p,
			size_t len, unsigned bit_off, unsigned bits, bool json)
{
	bool first = true;

	switch (t->kind) {
	case DT_INT:
	case DT_CHAR:
	case DT_FLOAT:
		if (t->size > len)
			fputs(json ? "null" : "?", out);
		else
			print_scalar(out, t, p, bit_off, bits);
		return;
	case DT_ARRAY:
		if (is_string(t))
			print_string(out, t, p, len, json);
		else
			print_array(out, t, p, len, json);
		return;
	case DT_STRUCT:
	case DT_UNION:
		fputc('{', out);
		print_fields(out, t, p, len, json, &first);
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
		print_fields(out, t, data, len, false, &first);
	else
		print_value(out, t, data, len, 0, 0, false);
}

void dtype_print_json(FILE *out, const struct dtype *t, const void *data,
		      size_t len)
{
	print_value(out, t, data, len, 0, 0, true);
}

/* --- columns ---------------------------------------------------------- */

static int natural_width(const struct dtype *t)
{
	if (is_string(t))
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
		if (is_anon_record(f)) {
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
			    rest(len, c[i].offset), c[i].bit_off, c[i].bits,
			    false);
		fclose(f);
		if (i + 1 == n)
			fprintf(out, "%s\n", buf);
		else
			fprintf(out, "%-*s ", c[i].width, buf);
		free(buf);
	}
}

/* --- tracepoint format files ------------------------------------------ */

/*
 *	field:const char * filename;	offset:24;	size:8;	signed:0;
 * The declaration's last identifier is the name, maybe with "[N]".
 */
static int tp_field_parse(const char *line, struct tp_field *f)
{
	const char *decl = strstr(line, "field:"), *semi, *end, *nm, *p;

	memset(f, 0, sizeof(*f));
	if (!decl)
		return -EINVAL;
	decl += 6;
	semi = strchr(decl, ';');
	if (!semi)
		return -EINVAL;
	f->decl = strndup(decl, semi - decl);
	if (!f->decl)
		return -ENOMEM;
	end = semi;
	if (end > decl && end[-1] == ']') {
		p = end;
		while (p > decl && *p != '[')
			p--;
		f->array = strtoul(p + 1, NULL, 0);
		end = p;
	}
	while (end > decl && end[-1] == ' ')
		end--;
	nm = end;
	while (nm > decl && (isalnum((unsigned char)nm[-1]) || nm[-1] == '_'))
		nm--;
	if (nm == end)
		return -EINVAL;
	f->name = strndup(nm, end - nm);
	p = nm;
	while (p > decl && p[-1] == ' ')
		p--;
	f->type = strndup(decl, p - decl);
	if (!f->name || !f->type)
		return -ENOMEM;
	if ((p = strstr(semi, "offset:")))
		f->offset = strtoul(p + 7, NULL, 10);
	if ((p = strstr(semi, "size:")))
		f->size = strtoul(p + 5, NULL, 10);
	if ((p = strstr(semi, "signed:")))
		f->is_signed = p[7] == '1';
	return 0;
}

static void tp_field_free(struct tp_field *f)
{
	free(f->decl);
	free(f->type);
	free(f->name);
}

int tp_format_parse(const char *text, struct tp_format *fmt)
{
	const char *line = text, *nl;
	char buf[1024];
	int err = 0;

	memset(fmt, 0, sizeof(*fmt));
	fmt->id = -1;
	for (; *line; line = nl + 1) {
		struct tp_field f, *nf;
		size_t n;

		nl = strchr(line, '\n');
		if (!nl)
			nl = line + strlen(line);
		n = nl - line < (long)sizeof(buf) ? (size_t)(nl - line) :
						    sizeof(buf) - 1;
		memcpy(buf, line, n);
		buf[n] = '\0';
		if (!strncmp(buf, "name: ", 6) && !fmt->name) {
			fmt->name = strdup(buf + 6);
			if (!fmt->name)
				err = -ENOMEM;
		} else if (!strncmp(buf, "ID: ", 4)) {
			fmt->id = atoi(buf + 4);
		} else if (strstr(buf, "field:")) {
			err = tp_field_parse(buf, &f);
			if (!err && !strncmp(f.name, "common_", 7)) {
				tp_field_free(&f);
			} else if (!err) {
				nf = realloc(fmt->fields,
					     (fmt->nfields + 1) * sizeof(*nf));
				if (!nf) {
					tp_field_free(&f);
					err = -ENOMEM;
				} else {
					fmt->fields = nf;
					nf[fmt->nfields++] = f;
				}
			} else {
				tp_field_free(&f);
			}
		} else if (!strncmp(buf, "print fmt:", 10)) {
			break;
		}
		if (err || !*nl)
			break;
	}
	if (!err && (!fmt->name || fmt->id < 0))
		err = -EINVAL;
	if (err)
		tp_format_free(fmt);
	return err;
}

int tp_format_read(const char *category, const char *name,
		   struct tp_format *f)
{
	char rel[PATH_MAX], path[PATH_MAX];
	static char text[65536];
	int err;

	snprintf(rel, sizeof(rel), "events/%s/%s/format", category, name);
	err = tracefs_path(rel, path, sizeof(path));
	if (err)
		return err;
	err = read_file(path, text, sizeof(text));
	if (err < 0)
		return err;
	return tp_format_parse(text, f);
}

void tp_format_free(struct tp_format *f)
{
	size_t i;

	for (i = 0; i < f->nfields; i++)
		tp_field_free(&f->fields[i]);
	free(f->fields);
	free(f->name);
	memset(f, 0, sizeof(*f));
}
