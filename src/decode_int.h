/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the decoder's own files share and nobody else needs: building
 * types (decode_type.c) for the parsers (decode_parse.c), and reading
 * values out of bytes for the printers (decode_text.c, decode_json.c).
 * Everyone else goes through decode.h.
 */
#ifndef BPFRUN_DECODE_INT_H
#define BPFRUN_DECODE_INT_H

#include <string.h>

#include "decode.h"

/* A scalar by its C name; NULL with errno ENOENT (unknown) or ENOMEM. */
struct dtype *dtype_scalar_new(const char *name);
/*
 * @n copies of @elem in *@out, which then owns @elem; -E2BIG over the
 * DTYPE_MAX_* limits, -ENOMEM.
 */
int dtype_array_new(struct dtype *elem, unsigned long long n,
		    struct dtype **out);
/* Offsets, size, alignment and print steps of a record; -E2BIG. */
int dtype_layout(struct dtype *t, bool packed);

/* The integer a field holds, bitfields included, sign-extended. */
__int128 dtype_field_int(const struct dtype *t, const void *p,
			 unsigned bit_off, unsigned bits);
/* The name of enumerator @v of enum @t, or NULL (not an enum, no match). */
const char *dtype_enum_name(const struct dtype *t, __int128 v);
/* @v in decimal, in @buf (printf() has no 128-bit integers). */
const char *dtype_int_str(__int128 v, bool is_signed, char buf[48]);
/* A float or double at @p, as a double. */
double dtype_float(const struct dtype *t, const void *p);
/* ... as the shortest decimal that reads back the same; @len >= 32. */
void dtype_format_float(const struct dtype *t, const void *p, char *buf,
			size_t len);

static inline bool dtype_is_string(const struct dtype *t)
{
	return t->kind == DT_ARRAY && t->elem->kind == DT_CHAR;
}

/* An anonymous struct or union member: its fields show inline, as in C. */
static inline bool dfield_is_anon_record(const struct dfield *f)
{
	return !f->name[0] &&
	       (f->type->kind == DT_STRUCT || f->type->kind == DT_UNION);
}

/* The bytes left after @off of @len (0 when @off is past them). */
static inline size_t drest(size_t len, size_t off)
{
	return off < len ? len - off : 0;
}

/* The bytes of a char array up to its first NUL, inside @len. */
static inline size_t dstring_len(const struct dtype *t, const char *s,
				 size_t len)
{
	size_t n = t->nelem < len ? t->nelem : len;
	const char *nul = memchr(s, '\0', n);

	return nul ? (size_t)(nul - s) : n;
}

#endif
