// SPDX-License-Identifier: Apache-2.0
/*
 * The program's own BTF as the decoder's types. libbcc's descriptions
 * drop what its text cannot say (a perf_submit() field's struct unless a
 * map also has it, bitfields of an event, enumerator names); the BTF the
 * compiler wrote for the program says all of it, with the offsets the
 * compiler chose. The BTF comes from the image, which the cache keeps on
 * disk: btf__new() has checked its layout and references, and everything
 * here is bounded again (depth, sizes, members inside their record) as
 * the description parser bounds libbcc's text.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_int.h"
#include "internal.h"

struct conv {
	const struct btf *btf;
	char *err;
	size_t errlen;
	unsigned depth;		/* the conversion recurses */
};

/* The first failure says why: the outer ones would only name a field. */
static int cerr(struct conv *c, int e, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen && !c->err[0]) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return e;
}

static const char *bname(const struct btf *btf, __u32 off)
{
	const char *s = btf__name_by_offset(btf, off);

	return s ? s : "";
}

static struct dtype *new_type(enum dtype_kind kind, const char *name)
{
	struct dtype *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->kind = kind;
	t->items = 1;
	t->name = strdup(name);
	if (!t->name) {
		free(t);
		return NULL;
	}
	return t;
}

static int conv_type(struct conv *c, __u32 id, struct dtype **out);

static int conv_int(struct conv *c, const struct btf_type *bt,
		    struct dtype **out)
{
	const char *name = bname(c->btf, bt->name_off);
	__u8 enc = btf_int_encoding(bt);
	struct dtype *t;

	if (bt->size != 1 && bt->size != 2 && bt->size != 4 && bt->size != 8 &&
	    bt->size != 16)
		return cerr(c, -EOPNOTSUPP, "%s: an integer of %u bytes", name,
			    bt->size);
	/* the compiler marks bitfields in their struct, never in the int */
	if (btf_int_offset(bt) || btf_int_bits(bt) != bt->size * 8)
		return cerr(c, -EOPNOTSUPP, "%s: an integer of %u bits", name,
			    btf_int_bits(bt));
	/* plain char alone is a string's element, as in the descriptions */
	t = new_type(strcmp(name, "char") ? DT_INT : DT_CHAR, name);
	if (!t)
		return -ENOMEM;
	t->size = t->align = bt->size;
	t->is_signed = enc & BTF_INT_SIGNED;
	*out = t;
	return 0;
}

static int conv_enum(struct conv *c, const struct btf_type *bt,
		     struct dtype **out)
{
	bool is64 = btf_kind(bt) == BTF_KIND_ENUM64;
	__u16 i, n = btf_vlen(bt);
	char name[256];
	struct dtype *t;

	if (bt->size != 1 && bt->size != 2 && bt->size != 4 && bt->size != 8)
		return cerr(c, -EOPNOTSUPP, "an enum of %u bytes", bt->size);
	snprintf(name, sizeof(name), "enum %s", bname(c->btf, bt->name_off));
	t = new_type(DT_INT, name);
	if (!t)
		return -ENOMEM;
	t->size = t->align = bt->size;
	/*
	 * kind_flag: signed. Compilers before it wrote no sign: an enum with
	 * a negative 32-bit value is signed then.
	 */
	t->is_signed = btf_kflag(bt);
	for (i = 0; !is64 && i < n; i++)
		if (btf_enum(bt)[i].val < 0)
			t->is_signed = true;
	t->enums = calloc(n ? n : 1, sizeof(*t->enums));
	if (!t->enums) {
		dtype_free(t);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct denum *e = &t->enums[i];
		__u32 off;

		if (is64) {
			e->val = (long long)btf_enum64_value(&btf_enum64(bt)[i]);
			off = btf_enum64(bt)[i].name_off;
		} else {
			__s32 v = btf_enum(bt)[i].val;

			e->val = t->is_signed ? v : (long long)(__u32)v;
			off = btf_enum(bt)[i].name_off;
		}
		e->name = strdup(bname(c->btf, off));
		if (!e->name) {
			dtype_free(t);
			return -ENOMEM;
		}
		t->nenums++;
	}
	*out = t;
	return 0;
}

/*
 * Where a bitfield is read: the storage unit of its type that holds it,
 * as C lays it out; in a packed record that unit may not hold it, then
 * the unit that starts at its first byte. None: -EOPNOTSUPP.
 */
static int place_bitfield(struct dfield *f, unsigned long long bit,
			  unsigned rsize)
{
	unsigned long long ubits = f->type->size * 8ULL;
	unsigned long long unit = bit / ubits * f->type->size;

	if (bit - unit * 8 + f->bits > ubits) {
		unit = bit / 8;
		if (bit % 8 + f->bits > ubits)
			return -EOPNOTSUPP;
	}
	if (unit + f->type->size > rsize)
		return -EOPNOTSUPP;
	f->offset = unit;
	f->bit_off = bit - unit * 8;
	return 0;
}

static int conv_member(struct conv *c, const struct btf_type *bt, __u16 i,
		       struct dtype *r)
{
	const struct btf_member *m = &btf_members(bt)[i];
	unsigned long long bit = btf_member_bit_offset(bt, i);
	struct dfield *f = &r->fields[r->nfields];
	int err;

	f->name = strdup(bname(c->btf, m->name_off));
	if (!f->name)
		return -ENOMEM;
	r->nfields++;
	err = conv_type(c, m->type, &f->type);
	if (err)
		return cerr(c, err, "field %s: cannot be decoded", f->name);
	f->bits = btf_member_bitfield_size(bt, i);
	if (f->bits) {
		if (!dtype_is_int(f->type) || f->bits > f->type->size * 8)
			return cerr(c, -EINVAL, "field %s: bad bitfield",
				    f->name);
		if (r->kind == DT_UNION && bit)
			return cerr(c, -EINVAL, "field %s: bad offset", f->name);
		if (place_bitfield(f, bit, r->size))
			return cerr(c, -EOPNOTSUPP,
				    "field %s: a bitfield across its storage unit",
				    f->name);
		return 0;
	}
	if (bit % 8 || bit / 8 + f->type->size > r->size)
		return cerr(c, -EINVAL, "field %s: outside its record",
			    f->name);
	f->offset = bit / 8;
	return 0;
}

static int conv_record(struct conv *c, const struct btf_type *bt,
		       struct dtype **out)
{
	unsigned long long items = 1;
	__u16 i, n = btf_vlen(bt);
	struct dtype *t;
	int err = 0;

	if (bt->size > DTYPE_MAX_SIZE)
		return cerr(c, -E2BIG, "a record of %u bytes", bt->size);
	t = new_type(btf_kind(bt) == BTF_KIND_UNION ? DT_UNION : DT_STRUCT,
		     bname(c->btf, bt->name_off));
	if (!t)
		return -ENOMEM;
	t->size = bt->size;
	t->align = 1;
	t->fields = calloc(n ? n : 1, sizeof(*t->fields));
	if (!t->fields)
		err = -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		err = conv_member(c, bt, i, t);
		if (err)
			break;
		if (t->fields[i].type->align > t->align)
			t->align = t->fields[i].type->align;
		items += t->fields[i].type->items;
		if (items > DTYPE_MAX_ITEMS)
			err = cerr(c, -E2BIG, "a record too large to print");
	}
	if (err) {
		dtype_free(t);
		return err;
	}
	t->items = items;
	*out = t;
	return 0;
}

static int conv_array(struct conv *c, const struct btf_type *bt,
		      struct dtype **out)
{
	const struct btf_array *a = btf_array(bt);
	struct dtype *elem;
	int err;

	err = conv_type(c, a->type, &elem);
	if (err)
		return err;
	err = dtype_array_new(elem, a->nelems, out);
	if (err) {
		dtype_free(elem);
		if (err == -E2BIG)
			cerr(c, err, "an array too large");
	}
	return err;
}

static int conv_kind(struct conv *c, __u32 id, const struct btf_type *bt,
		     struct dtype **out)
{
	switch (btf_kind(bt)) {
	case BTF_KIND_INT:
		return conv_int(c, bt, out);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return conv_enum(c, bt, out);
	case BTF_KIND_FLOAT:
		if (bt->size != 4 && bt->size != 8)
			return cerr(c, -EOPNOTSUPP, "a float of %u bytes",
				    bt->size);
		*out = new_type(DT_FLOAT, bname(c->btf, bt->name_off));
		if (!*out)
			return -ENOMEM;
		(*out)->size = (*out)->align = bt->size;
		(*out)->is_signed = true;
		return 0;
	case BTF_KIND_PTR:
		/* its address, as the descriptions give a pointer */
		*out = new_type(DT_INT, "void *");
		if (!*out)
			return -ENOMEM;
		(*out)->size = (*out)->align = 8;
		return 0;
	case BTF_KIND_ARRAY:
		return conv_array(c, bt, out);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return conv_record(c, bt, out);
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return conv_type(c, bt->type, out);
	case BTF_KIND_FWD:
		return cerr(c, -EOPNOTSUPP, "%s: declared, never defined",
			    bname(c->btf, bt->name_off));
	default:
		return cerr(c, -EOPNOTSUPP, "type %u: not a value", id);
	}
}

static int conv_type(struct conv *c, __u32 id, struct dtype **out)
{
	const struct btf_type *bt;
	int err;

	*out = NULL;
	/* a typedef loop in a bad file ends here too */
	if (c->depth >= DTYPE_MAX_DEPTH)
		return cerr(c, -E2BIG, "types nested too deeply");
	bt = btf__type_by_id(c->btf, id);
	if (!bt)
		return cerr(c, -EINVAL, "no type %u", id);
	c->depth++;
	err = conv_kind(c, id, bt, out);
	c->depth--;
	return err;
}

int dtype_from_btf(const struct btf *btf, unsigned id, struct dtype **out,
		   char *err, size_t errlen)
{
	struct conv c = { btf, err, errlen, 0 };

	if (err && errlen)
		err[0] = '\0';
	return conv_type(&c, id, out);
}

/* --- a perf_submit() table's struct ----------------------------------- */

/* Qualifiers the spelling may lead with, which BTF keeps as types. */
static const char *skip_quals(const char *s)
{
	for (;;) {
		if (!strncmp(s, "const ", 6))
			s += 6;
		else if (!strncmp(s, "volatile ", 9))
			s += 9;
		else
			return s;
	}
}

static const struct btf_type *skip_mods(const struct btf *btf, __u32 *id)
{
	const struct btf_type *t = btf__type_by_id(btf, *id);
	int n;

	for (n = 0; t && n < DTYPE_MAX_DEPTH; n++) {
		if (!btf_is_mod(t))
			return t;
		*id = t->type;
		t = btf__type_by_id(btf, *id);
	}
	return NULL;
}

static bool tagged(const char *spell, const char *tag, const char *name)
{
	size_t n = strlen(tag);

	if (strncmp(spell, tag, n) || spell[n] != ' ')
		return false;
	/* clang's words for an unnamed record: "(anonymous struct at ...)" */
	if (!*name)
		return strstr(spell, "(anonymous") || strstr(spell, "(unnamed");
	return !strcmp(spell + n + 1, name);
}

/*
 * Does type @id read as @spell, the way clang spells a field's type for
 * libbcc: a typedef, an integer or a float by its name, "struct NAME",
 * "union NAME", "enum NAME", any pointer with a '*'?
 */
static bool spelled(const struct btf *btf, __u32 id, const char *spell)
{
	const struct btf_type *t = skip_mods(btf, &id);
	const char *name;

	if (!t)
		return false;
	name = bname(btf, t->name_off);
	spell = skip_quals(spell);
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPEDEF:
		return !strcmp(spell, name);
	case BTF_KIND_STRUCT:
		return tagged(spell, "struct", name);
	case BTF_KIND_UNION:
		return tagged(spell, "union", name);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return tagged(spell, "enum", name);
	case BTF_KIND_PTR:
		return strchr(spell, '*') != NULL;
	default:
		return false;
	}
}

/* Member @m is field "name#type", type being "T" or "T[2][3]". */
static bool member_is(const struct btf *btf, const struct btf_member *m,
		      const char *field)
{
	const char *hash = strchr(field, '#'), *br;
	const char *name = bname(btf, m->name_off);
	__u32 id = m->type;
	char spell[256];
	size_t n;

	if (!hash || strlen(name) != (size_t)(hash - field) ||
	    strncmp(field, name, hash - field))
		return false;
	br = strchr(hash + 1, '[');
	n = br ? (size_t)(br - hash - 1) : strlen(hash + 1);
	if (n >= sizeof(spell))
		return false;
	memcpy(spell, hash + 1, n);
	while (n && spell[n - 1] == ' ')
		n--;
	spell[n] = '\0';
	/* the dimensions, outermost first, are the arrays BTF nests */
	while (br && *br == '[') {
		const struct btf_type *t = skip_mods(btf, &id);
		char *end;
		unsigned long long dim = strtoull(br + 1, &end, 10);

		if (!t || !btf_is_array(t) || *end != ']' ||
		    btf_array(t)->nelems != dim)
			return false;
		id = btf_array(t)->type;
		br = end + 1;
	}
	return (!br || !*br) && spelled(btf, id, spell);
}

/* The same layout: what the printers read is the same in both. */
static bool dtype_same(const struct dtype *a, const struct dtype *b)
{
	size_t i;

	if (a->kind != b->kind || a->size != b->size ||
	    a->is_signed != b->is_signed || a->nelem != b->nelem ||
	    a->nfields != b->nfields || a->nenums != b->nenums ||
	    !a->elem != !b->elem || (a->elem && !dtype_same(a->elem, b->elem)))
		return false;
	for (i = 0; i < a->nenums; i++)
		if (a->enums[i].val != b->enums[i].val ||
		    strcmp(a->enums[i].name, b->enums[i].name))
			return false;
	for (i = 0; i < a->nfields; i++) {
		const struct dfield *f = &a->fields[i], *g = &b->fields[i];

		if (f->offset != g->offset || f->bit_off != g->bit_off ||
		    f->bits != g->bits || strcmp(f->name, g->name) ||
		    !dtype_same(f->type, g->type))
			return false;
	}
	return true;
}

int dtype_btf_event(const struct btf *btf, const char *const *fields,
		    size_t n, struct dtype **out, char *err, size_t errlen)
{
	__u32 id, cnt = btf__type_cnt(btf);
	struct dtype *found = NULL, *t;
	char why[160] = "";
	size_t i;
	int r;

	if (err && errlen)
		err[0] = '\0';
	for (id = 1; id < cnt; id++) {
		const struct btf_type *bt = btf__type_by_id(btf, id);

		if (!bt || (!btf_is_struct(bt) && !btf_is_union(bt)) ||
		    btf_vlen(bt) != n || !n)
			continue;
		for (i = 0; i < n; i++)
			if (!member_is(btf, &btf_members(bt)[i], fields[i]))
				break;
		if (i < n)
			continue;
		r = dtype_from_btf(btf, id, &t, why, sizeof(why));
		if (r == -ENOMEM) {
			dtype_free(found);
			return r;
		}
		if (r)
			continue;	/* kept in why: said if nothing else does */
		if (!found) {
			found = t;
			continue;
		}
		r = dtype_same(found, t);
		dtype_free(t);
		if (!r) {
			dtype_free(found);
			if (err)
				snprintf(err, errlen,
					 "structs of different layouts have its fields");
			return -ENOENT;
		}
	}
	if (!found) {
		if (err)
			snprintf(err, errlen, "%s", why[0] ? why :
				 "no struct of the program's BTF has its fields");
		return -ENOENT;
	}
	*out = found;
	return 0;
}
