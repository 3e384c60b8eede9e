// SPDX-License-Identifier: Apache-2.0
/*
 * Types from a program's BTF (decode_btf.c): BTF built with libbpf as the
 * compiler writes it for a C struct of this file, the struct's bytes
 * filled by this compiler, and the decoded text and JSON compared with
 * the values set. Then the event's struct found from libbcc's fields, and
 * BTF that must be refused.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "decode.h"

enum color { RED = 1, GREEN = 2, BLUE = 4 };

struct inner {
	uint32_t a;
	int16_t b;
};

/* as a bcc program declares its event */
struct ev {
	uint32_t pid;
	struct inner in;
	struct inner arr[2];
	unsigned int lo : 3, mid : 5;
	int neg : 4;
	enum color c;
	union {
		uint32_t u;
		uint8_t bytes[4];
	};
	char comm[8];
};

_Static_assert(offsetof(struct ev, c) == 32, "the layout the BTF below says");
_Static_assert(sizeof(struct ev) == 48, "the layout the BTF below says");

struct ids {
	int u32, s16, u8, uint, sint, chr, inner, color, ev;
};

/* The BTF clang writes for struct ev (the bitfields at bits 224, 227, 232). */
static struct btf *ev_btf(struct ids *id, unsigned neg_bits)
{
	struct btf *btf = btf__new_empty();
	int arr, comm, bytes, un;

	ck_assert_ptr_nonnull(btf);
	id->uint = btf__add_int(btf, "unsigned int", 4, 0);
	id->sint = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	id->chr = btf__add_int(btf, "char", 1, BTF_INT_SIGNED);
	id->u8 = btf__add_int(btf, "unsigned char", 1, 0);
	id->s16 = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	id->u32 = btf__add_typedef(btf, "u32", id->uint);
	id->inner = btf__add_struct(btf, "inner", 8);
	btf__add_field(btf, "a", id->u32, 0, 0);
	btf__add_field(btf, "b", id->s16, 32, 0);
	id->color = btf__add_enum(btf, "color", 4);
	btf__add_enum_value(btf, "RED", 1);
	btf__add_enum_value(btf, "GREEN", 2);
	btf__add_enum_value(btf, "BLUE", 4);
	arr = btf__add_array(btf, id->uint, id->inner, 2);
	comm = btf__add_array(btf, id->uint, id->chr, 8);
	bytes = btf__add_array(btf, id->uint, id->u8, 4);
	un = btf__add_union(btf, "", 4);
	btf__add_field(btf, "u", id->u32, 0, 0);
	btf__add_field(btf, "bytes", bytes, 0, 0);
	id->ev = btf__add_struct(btf, "ev", 48);
	btf__add_field(btf, "pid", id->u32, 0, 0);
	btf__add_field(btf, "in", id->inner, 32, 0);
	btf__add_field(btf, "arr", arr, 96, 0);
	btf__add_field(btf, "lo", id->uint, 224, 3);
	btf__add_field(btf, "mid", id->uint, 227, 5);
	btf__add_field(btf, "neg", id->sint, 232, neg_bits);
	btf__add_field(btf, "c", id->color, 256, 0);
	btf__add_field(btf, "", un, 288, 0);
	ck_assert_int_gt(btf__add_field(btf, "comm", comm, 320, 0), -1);
	return btf;
}

static char *show(const struct dtype *t, const void *data, size_t len,
		  int json)
{
	char *buf = NULL;
	size_t n;
	FILE *f = open_memstream(&buf, &n);

	if (json)
		dtype_print_json(f, t, data, len);
	else
		dtype_print_text(f, t, data, len);
	fclose(f);
	return buf;
}

static struct ev sample(void)
{
	struct ev e;

	memset(&e, 0, sizeof(e));
	e.pid = 4242;
	e.in.a = 7;
	e.in.b = -3;
	e.arr[1].a = 13;
	e.arr[1].b = -2;
	e.lo = 5;
	e.mid = 17;
	e.neg = -6;
	e.c = BLUE;
	e.u = 0x01020304;
	memcpy(e.comm, "bash", 5);
	return e;
}

START_TEST(test_struct)
{
	struct ev e = sample();
	struct dtype *t;
	struct ids id;
	struct btf *btf = ev_btf(&id, 4);
	char err[160], *s;

	ck_assert_int_eq(dtype_from_btf(btf, id.ev, &t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t->size, sizeof(e));
	s = show(t, &e, sizeof(e), 0);
	ck_assert_str_eq(s, "pid=4242 in={a=7 b=-3} arr=[{a=0 b=0},{a=13 b=-2}] lo=5 mid=17 neg=-6 c=BLUE u=16909060 bytes=[4,3,2,1] comm=bash");
	free(s);
	s = show(t, &e, sizeof(e), 1);
	ck_assert_str_eq(s, "{\"pid\":4242,\"in\":{\"a\":7,\"b\":-3},\"arr\":[{\"a\":0,\"b\":0},{\"a\":13,\"b\":-2}],\"lo\":5,\"mid\":17,\"neg\":-6,\"c\":\"BLUE\",\"u\":16909060,\"bytes\":[4,3,2,1],\"comm\":\"bash\"}");
	free(s);
	/* no enumerator of that value: the number */
	e.c = 3;
	e.neg = 7;
	e.lo = 0;
	s = show(t, &e, sizeof(e), 0);
	ck_assert_ptr_nonnull(strstr(s, " lo=0 mid=17 neg=7 c=3 "));
	free(s);
	/* bytes cut short: what is missing is "?" as with descriptions */
	s = show(t, &e, 6, 0);
	ck_assert_str_eq(s, "pid=4242 in={a=? b=?} arr=[...] lo=? mid=? neg=? c=? u=? bytes=[...] comm=");
	free(s);
	dtype_free(t);
	btf__free(btf);
}
END_TEST

static const char *const ev_fields[] = {
	"pid#u32", "in#struct inner", "arr#struct inner[2]", "lo#unsigned int",
	"mid#unsigned int", "neg#int", "c#enum color",
	"#union (unnamed union at /virtual/main.c:11:2)", "comm#char[8]",
};

START_TEST(test_event)
{
	struct ev e = sample();
	const char *f[9];
	struct dtype *t;
	struct ids id;
	struct btf *btf = ev_btf(&id, 4);
	char err[160], *s;

	ck_assert_int_eq(dtype_btf_event(btf, ev_fields, 9, &t, err,
					 sizeof(err)), 0);
	ck_assert_uint_eq(t->size, sizeof(e));
	s = show(t, &e, sizeof(e), 0);
	ck_assert_ptr_nonnull(strstr(s, "lo=5 mid=17 neg=-6 c=BLUE"));
	free(s);
	dtype_free(t);

	/* a name, a type spelling, a dimension or a count that differs */
	memcpy(f, ev_fields, sizeof(f));
	f[0] = "tid#u32";
	ck_assert_int_eq(dtype_btf_event(btf, f, 9, &t, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "no struct of the program's BTF has its fields");
	f[0] = "pid#unsigned int";	/* the typedef is what clang spells */
	ck_assert_int_eq(dtype_btf_event(btf, f, 9, &t, NULL, 0), -ENOENT);
	f[0] = ev_fields[0];
	f[8] = "comm#char[16]";
	ck_assert_int_eq(dtype_btf_event(btf, f, 9, &t, NULL, 0), -ENOENT);
	f[8] = "comm#char";
	ck_assert_int_eq(dtype_btf_event(btf, f, 9, &t, NULL, 0), -ENOENT);
	ck_assert_int_eq(dtype_btf_event(btf, ev_fields, 8, &t, NULL, 0),
			 -ENOENT);
	btf__free(btf);
}
END_TEST

/* Two structs with these fields: the same layout is one type, else none. */
START_TEST(test_event_twins)
{
	struct btf *btf = btf__new_empty();
	const char *f[] = { "a#unsigned int", "b#unsigned int" };
	struct dtype *t;
	char err[160];
	int u, i;

	u = btf__add_int(btf, "unsigned int", 4, 0);
	for (i = 0; i < 2; i++) {
		btf__add_struct(btf, i ? "twin" : "one", 4);
		btf__add_field(btf, "a", u, 0, 3);
		btf__add_field(btf, "b", u, 3, 5);
	}
	ck_assert_int_eq(dtype_btf_event(btf, f, 2, &t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t->fields[1].bits, 5);
	dtype_free(t);
	btf__add_struct(btf, "other", 4);
	btf__add_field(btf, "a", u, 0, 4);
	btf__add_field(btf, "b", u, 4, 4);
	ck_assert_int_eq(dtype_btf_event(btf, f, 2, &t, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "structs of different layouts have its fields");
	btf__free(btf);
}
END_TEST

/* Signed enums, 64-bit ones and enum bitfields: the name read back. */
START_TEST(test_enums)
{
	struct btf *btf = btf__new_empty();
	unsigned char all[8], two[4] = { 0x0b, 0, 0, 0 };
	int sgn, big, rec;
	struct dtype *t;
	char *s;

	memset(all, 0xff, sizeof(all));
	sgn = btf__add_enum(btf, "sgn", 4);
	btf__add_enum_value(btf, "NEG", -1);
	btf__add_enum_value(btf, "POS", 1);
	big = btf__add_enum64(btf, "big", 8, false);
	btf__add_enum64_value(btf, "HUGE", ~0ULL);
	rec = btf__add_struct(btf, "bits", 4);
	btf__add_field(btf, "lo", sgn, 0, 2);	/* -1 in 2 bits: 0b11 */
	btf__add_field(btf, "hi", sgn, 2, 2);	/* 0b10: -2, no name */
	ck_assert_int_eq(dtype_from_btf(btf, sgn, &t, NULL, 0), 0);
	s = show(t, all, 4, 0);
	ck_assert_str_eq(s, "NEG");
	free(s);
	dtype_free(t);
	ck_assert_int_eq(dtype_from_btf(btf, big, &t, NULL, 0), 0);
	s = show(t, all, 8, 1);
	ck_assert_str_eq(s, "\"HUGE\"");
	free(s);
	dtype_free(t);
	ck_assert_int_eq(dtype_from_btf(btf, rec, &t, NULL, 0), 0);
	s = show(t, two, 4, 0);
	ck_assert_str_eq(s, "lo=NEG hi=-2");
	free(s);
	dtype_free(t);
	btf__free(btf);
}
END_TEST

START_TEST(test_refused)
{
	struct btf *btf = btf__new_empty();
	int u, id, i, bad, fwd, packed, deep;
	struct dtype *t;
	char err[160];

	u = btf__add_int(btf, "unsigned int", 4, 0);
	/* a member beyond its record's size */
	bad = btf__add_struct(btf, "bad", 4);
	btf__add_field(btf, "x", u, 32, 0);
	ck_assert_int_eq(dtype_from_btf(btf, bad, &t, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "field x: outside its record");
	/* declared, never defined */
	fwd = btf__add_fwd(btf, "opaque", BTF_FWD_STRUCT);
	ck_assert_int_eq(dtype_from_btf(btf, fwd, &t, err, sizeof(err)),
			 -EOPNOTSUPP);
	/* a bitfield that no unit of its type holds */
	id = btf__add_int(btf, "unsigned char", 1, 0);
	packed = btf__add_struct(btf, "packed", 2);
	ck_assert_int_eq(btf__add_field(btf, "b", id, 6, 4), 0);
	ck_assert_int_eq(dtype_from_btf(btf, packed, &t, err, sizeof(err)),
			 -EOPNOTSUPP);
	/* typedefs past the depth limit, and ids that are no type */
	deep = u;
	for (i = 0; i < DTYPE_MAX_DEPTH + 2; i++)
		deep = btf__add_typedef(btf, "t", deep);
	ck_assert_int_eq(dtype_from_btf(btf, deep, &t, err, sizeof(err)),
			 -E2BIG);
	ck_assert_int_eq(dtype_from_btf(btf, 100000, &t, NULL, 0), -EINVAL);
	ck_assert_int_eq(dtype_from_btf(btf, 0, &t, NULL, 0), -EOPNOTSUPP);
	/* an array too large to print */
	id = btf__add_array(btf, u, u, DTYPE_MAX_SIZE);
	ck_assert_int_eq(dtype_from_btf(btf, id, &t, NULL, 0), -E2BIG);
	btf__free(btf);
}
END_TEST

Suite *make_decode_btf_suite(void)
{
	Suite *s = suite_create("decode_btf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_struct);
	tcase_add_test(tc, test_event);
	tcase_add_test(tc, test_event_twins);
	tcase_add_test(tc, test_enums);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	return s;
}
