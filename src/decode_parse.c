// SPDX-License-Identifier: Apache-2.0
/*
 * The two texts libbcc describes a program's types in.
 *
 * A table's key and leaf, as JSON-like text: a scalar is its C name
 * ("unsigned int"), a record is [NAME, [FIELD...], KIND] where a field is
 * [NAME, TYPE] with an optional [COUNT] and an optional bitfield width.
 * For "struct_packed" libbcc has written the padding as "__pad_N" fields,
 * so offsets follow each other; "struct" (a record with bitfields) and
 * "union" are laid out by the C rules (decode_type.c).
 *
 * A perf_submit() table's event, as a list of "name#type" fields.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "internal.h"

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
		err = dtype_array_new(f->type, n, &a);
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
		t = dtype_scalar_new(name);
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
	if (!err && dtype_layout(t, !strcmp(kind, "struct_packed")))
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
			f->type = dtype_scalar_new(type);
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

			r = dtype_array_new(f->type, dims[--nd], &a);
			if (r == -E2BIG && err)
				snprintf(err, errlen, "field %s: array too large",
					 f->name);
			if (r)
				goto out;
			f->type = a;
		}
	}
	r = dtype_layout(t, false);
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
