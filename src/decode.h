/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types from what libbcc records of a program (table key/leaf descriptions,
 * perf_submit() fields) and from tracepoint format files, and the decoding
 * of raw bytes by them. Shared by libbpfrun and the bpfrun command.
 *
 * decode_type.c    the types: C scalars, arrays, record layout, reading
 *                  integers and floats out of bytes
 * decode_parse.c   libbcc's key/leaf descriptions and perf_submit() fields
 * decode_btf.c     the program's own BTF: types by id, an event's struct
 * decode_prog.c    where a table's types come from: BTF first, then
 *                  libbcc's descriptions
 * decode_text.c    values as text: name=value lines and columns
 * decode_json.c    values as JSON, and the tree's one JSON writer (json-c)
 * tp_format.c      tracepoint format files
 */
#ifndef BPFRUN_DECODE_H
#define BPFRUN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum dtype_kind {
	DT_INT,		/* integers of 1, 2, 4, 8 or 16 bytes; bool; enums */
	DT_CHAR,	/* plain char: arrays of it are strings */
	DT_FLOAT,
	DT_ARRAY,
	DT_STRUCT,
	DT_UNION,
};

struct dtype;
struct json_object;

/*
 * A value whose JSON someone else writes: a stack id as its frames (the
 * runner). @rec is the record holding the value (the value itself at the
 * top), @len its bytes, @off the value's offset in it. A json-c object,
 * released once written; NULL: the value is written as usual.
 */
struct dhook {
	struct json_object *(*json)(const struct dhook *h, const void *rec,
				    size_t len, unsigned off);
};

/* An enumerator: an enum's value prints as its name where one matches. */
struct denum {
	char *name;
	long long val;
};

struct dfield {
	char *name;
	struct dtype *type;
	unsigned offset;	/* bytes; for a bitfield, of its storage unit */
	unsigned bit_off;	/* bitfields: shift inside the unit */
	unsigned bits;		/* bitfields: width; 0 otherwise */
	bool pad;		/* libbcc's __pad_N: not shown */
	/* "name": as JSON, made by the first JSON write of the field */
	char *jkey;
	size_t jkey_len;
};

/*
 * libbcc's descriptions come from whatever program was compiled and the
 * sizes in them are not checked by anyone before us: a value larger than
 * this, nested deeper, or that takes more steps to print is refused.
 */
#define DTYPE_MAX_SIZE (1u << 24)	/* bytes: far above any BPF value */
#define DTYPE_MAX_ITEMS (1u << 18)	/* scalars, records, strings printed */
#define DTYPE_MAX_DEPTH 32

struct dtype {
	enum dtype_kind kind;
	char *name;		/* "unsigned int", "data_t", "" */
	unsigned size, align;	/* size <= DTYPE_MAX_SIZE */
	unsigned items;		/* print steps for one value, >= 1 */
	bool is_signed;
	struct dtype *elem;	/* arrays */
	unsigned nelem;
	struct dfield *fields;	/* structs and unions */
	size_t nfields;
	struct denum *enums;	/* enums (from BTF) */
	size_t nenums;
	const struct dhook *hook;	/* NULL: none; not the type's own */
};

/*
 * Parse a libbcc key or leaf description such as
 *   ["key_t", [["pid","unsigned int"], ["comm","char", [16]]], "struct_packed"]
 * -EINVAL with a message in @err (when not NULL) on bad input, -E2BIG
 * for a type over the DTYPE_MAX_* limits.
 */
int dtype_parse(const char *desc, struct dtype **out, char *err, size_t errlen);
/*
 * The event type of a perf_submit() table from its fields, "name#type"
 * ("comm#char[16]", "in#struct inner"). Struct and union types are looked
 * up by name in @known; -ENOENT (named in @err) when one is not there.
 * Bitfields cannot be told from these strings: see the man page.
 */
int dtype_from_fields(const char *const *fields, size_t n,
		      struct dtype *const *known, size_t nknown,
		      struct dtype **out, char *err, size_t errlen);
/*
 * Type @id of a program's BTF (parsed and checked by btf__new), as the
 * decoder's type: integers, bool, char, enums (with their enumerators),
 * floats, pointers (their address), arrays, structs and unions with their
 * bitfields; typedefs and qualifiers are looked through. -EOPNOTSUPP (said
 * in @err) for what it cannot show (a function, a forward declaration, a
 * bitfield across its storage unit), -E2BIG over the DTYPE_MAX_* limits,
 * -EINVAL for a malformed type.
 */
struct btf;
int dtype_from_btf(const struct btf *btf, unsigned id, struct dtype **out,
		   char *err, size_t errlen);
/*
 * The event type of a perf_submit() table from the program's BTF. libbcc
 * records the fields of the struct the program submits ("name#type") but
 * not its name: the event type is the struct whose members are those
 * fields, the same names in the same order with the same type spelling
 * (decode_btf.c says how types are spelled). Several that match must have
 * the same layout (two identical structs); else, or when none matches,
 * -ENOENT, said in @err.
 */
int dtype_btf_event(const struct btf *btf, const char *const *fields,
		    size_t n, struct dtype **out, char *err, size_t errlen);

/*
 * A program's types (decode_prog.c): its BTF, parsed once, and its
 * tables' descriptions. Every printer of the runner takes its types here,
 * so a value prints the same in an event, a map and a metric.
 */
struct bpfrun;
struct dprog;
/* -ENOMEM only: a program without BTF, or with BTF that does not parse,
 * has its descriptions. */
int dprog_open(const struct bpfrun *b, struct dprog **out);
void dprog_close(struct dprog *d);
/*
 * Table @i's key and value types: from BTF when the map has its type ids
 * and their sizes are the map's, else from libbcc's descriptions. -EINVAL
 * when neither gives types of the map's sizes, -ENOMEM.
 */
int dprog_map_types(struct dprog *d, size_t i, struct dtype **key,
		    struct dtype **val);
/*
 * The event type of output table @i: the BTF struct of its fields
 * (dtype_btf_event), else its fields with the records of every table's
 * descriptions. -ENOENT (no fields recorded, a record not known) and
 * -EINVAL with a message in @err, -ENOMEM.
 */
int dprog_event_type(struct dprog *d, size_t i, struct dtype **out,
		     char *err, size_t errlen);

/* A struct or union named @name inside @t (itself included), or NULL. */
const struct dtype *dtype_find_record(const struct dtype *t, const char *name);
/* A deep copy; NULL on -ENOMEM. */
struct dtype *dtype_dup(const struct dtype *t);
void dtype_free(struct dtype *t);

/* Integer value of an integer type at @p (sign-extended when signed). */
long long dtype_int(const struct dtype *t, const void *p);
bool dtype_is_int(const struct dtype *t);

/*
 * One line: "pid=12 comm=bash in={a=1 b=-2} arr=[1,2,3]"; a scalar as is.
 * Only the @len bytes at @data are read: what lies beyond prints as "?"
 * (a scalar) or is cut short ("[1,2,...]").
 */
void dtype_print_text(FILE *out, const struct dtype *t, const void *data,
		      size_t len);
/*
 * JSON (decode_json.c says how strings, NaN, floats and 128-bit integers
 * are written): an object for a struct or union, an array, a string for
 * a char array, a number for a scalar; null for a scalar beyond @len and
 * for NaN and infinity.
 *
 * dtype_json() is a json-c object that writes the value at @data when
 * json-c writes it (as a member of a line, say), without a json-c object
 * per item; it refers to @t and @data, which must outlive it. NULL on
 * -ENOMEM. Its own json-c type means nothing: only write it.
 */
struct json_object *dtype_json(const struct dtype *t, const void *data,
			       size_t len);
/*
 * The node now writes the value at @data: one line object serves every
 * event of a table (making one per event took a fifth of its time).
 */
void dtype_json_point(struct json_object *node, const void *data, size_t len);
/*
 * A table's entries, [{"key":K,"value":V},...], written the same way:
 * entry @i's key and value bytes come from @at when it is written, which
 * returns false to end the array there (a dump cut short).
 */
typedef bool djson_entry_fn(void *ctx, size_t i, const void **key,
			    const void **val);
struct json_object *dtype_json_entries(const struct dtype *k, size_t ksize,
				       const struct dtype *v, size_t vsize,
				       size_t n, djson_entry_fn *at, void *ctx);
/* The value on one line, without a newline. -ENOMEM. */
int dtype_print_json(FILE *out, const struct dtype *t, const void *data,
		     size_t len);
/*
 * The pieces of the runner's JSON lines. A string from any bytes: valid
 * UTF-8 as is, other bytes as \xNN, a backslash doubled. A string of hex
 * digits. A line's object, {"table":TABLE}. NULL on -ENOMEM.
 */
struct json_object *djson_bytes(const void *data, size_t n);
struct json_object *djson_hex(const void *data, size_t n);
struct json_object *djson_line(const char *table);
/*
 * @v as member @key of object @obj, or at the end of array @arr; NULL is
 * null. On -ENOMEM (@obj or @arr NULL included) @v is released.
 */
int djson_add(struct json_object *obj, const char *key,
	      struct json_object *v);
int djson_append(struct json_object *arr, struct json_object *v);
/* @o on one line (it stays the caller's). -ENOMEM when NULL. */
int djson_print_line(FILE *out, struct json_object *o);
/*
 * The text every line of @table begins with, up to its value for @key:
 * {"table":TABLE,"KEY": as json-c writes it, for lines that then write
 * the value (dtype_print_json) and "}". NULL when out of memory.
 */
char *djson_line_prefix(const char *table, const char *key);

/* Columns: a struct's fields, nested structs flattened as "in.a". */
struct dcol {
	char name[128];
	const struct dtype *type;
	unsigned offset, bit_off, bits;
	int width;
};
int dtype_columns(const struct dtype *t, struct dcol **cols, size_t *n);
void dcol_print_header(FILE *out, const struct dcol *c, size_t n);
/* A column whose bytes are not all inside @len shows "?". */
void dcol_print_row(FILE *out, const struct dcol *c, size_t n,
		    const void *data, size_t len);
/* One column's value alone, as in a row (no padding). */
void dcol_print_value(FILE *out, const struct dcol *c, const void *data,
		      size_t len);
/* The integer column @c holds in @data (all its bytes there). */
__int128 dcol_int(const struct dcol *c, const void *data);

/* A tracepoint's format file: its fields, without the common_ ones. */
struct tp_field {
	char *decl;		/* "const char * filename", "char comm[16]" */
	char *type;		/* "const char *", "char" */
	char *name;		/* "filename", "comm" */
	unsigned array;		/* 16 for "comm[16]", 0 when not an array */
	unsigned offset, size;
	bool is_signed;
};
struct tp_format {
	char *name;
	int id;
	struct tp_field *fields;
	size_t nfields;
};
int tp_format_parse(const char *text, struct tp_format *f);
/* Read and parse events/CATEGORY/NAME/format. */
int tp_format_read(const char *category, const char *name,
		   struct tp_format *f);
void tp_format_free(struct tp_format *f);

#endif
