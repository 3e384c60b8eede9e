// SPDX-License-Identifier: Apache-2.0
/*
 * The description parser and decoder, on strings libbcc 0.26 printed for
 * real programs (bpf_table_leaf_desc_id(), bpf_perf_event_field()) and on
 * byte buffers laid out by this compiler from the same C structs.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "decode.h"

/* from: struct key_t { u32 pid; char comm[16]; }; BPF_HASH(counts, struct key_t) */
static const char key_desc[] =
	"[\"key_t\", [[\"pid\",\"unsigned int\"], [\"comm\",\"char\", [16]] ], \"struct_packed\"]";

/* from: struct pad { u8 a; u64 b; u16 c; struct { u32 x; u32 y; }; } */
static const char pad_desc[] =
	"[\"pad\", [[\"a\",\"unsigned char\"], [\"__pad_1\",\"char\",[7]], [\"b\",\"unsigned long long\"], [\"c\",\"unsigned short\"], [\"__pad_3\",\"char\",[2]], [\"\", [[\"x\",\"unsigned int\"], [\"y\",\"unsigned int\"] ], \"struct_packed\"], [\"__pad_end\",\"char\",[4]] ], \"struct_packed\"]";

/* from: struct nob { u32 a; u8 b:3; u64 c; } (bitfields: "struct") */
const char nob_desc[] =
	"[\"nob\", [[\"a\",\"unsigned int\"], [\"b\",\"unsigned char\", 3], [\"c\",\"unsigned long long\"] ], \"struct\"]";

/* from: union u { u32 x; u8 y[4]; } */
const char union_desc[] =
	"[\"u\", [[\"x\",\"unsigned int\"], [\"y\",\"unsigned char\", [4]] ], \"union\"]";

/* from: struct inner { u16 a; s16 b; char tag[4]; } */
const char inner_desc[] =
	"[\"inner\", [[\"a\",\"unsigned short\"], [\"b\",\"short\"], [\"tag\",\"char\", [4]] ], \"struct_packed\"]";

static char *text(const struct dtype *t, const void *data, int json)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	if (json)
		dtype_print_json(f, t, data, t->size);
	else
		dtype_print_text(f, t, data, t->size);
	fclose(f);
	return buf;
}

struct dtype *check_dtype(const char *desc)
{
	char err[128];
	struct dtype *t = NULL;
	int r = dtype_parse(desc, &t, err, sizeof(err));

	ck_assert_msg(r == 0, "parse %s: %d %s", desc, r, err);
	return t;
}

#define EXPECT(t, data, json, want)                     \
	do {                                            \
		char *s_ = text(t, data, json);         \
		ck_assert_str_eq(s_, want);             \
		free(s_);                               \
	} while (0)

START_TEST(test_scalars)
{
	struct dtype *t = check_dtype("\"unsigned long long\"");
	uint64_t v = 18446744073709551615ULL;
	int32_t i = -5;

	ck_assert_int_eq(t->size, 8);
	ck_assert(!t->is_signed);
	EXPECT(t, &v, 0, "18446744073709551615");
	dtype_free(t);
	t = check_dtype("\"int\"");
	ck_assert_int_eq(t->size, 4);
	EXPECT(t, &i, 1, "-5");
	dtype_free(t);
}
END_TEST

START_TEST(test_key_struct)
{
	struct {
		uint32_t pid;
		char comm[16];
	} __attribute__((packed)) k = { 4242, "bash" };
	struct dtype *t = check_dtype(key_desc);

	ck_assert_int_eq(t->kind, DT_STRUCT);
	ck_assert_str_eq(t->name, "key_t");
	ck_assert_int_eq(t->size, 20);
	ck_assert_int_eq(t->nfields, 2);
	ck_assert_int_eq(t->fields[1].offset, 4);
	EXPECT(t, &k, 0, "pid=4242 comm=bash");
	EXPECT(t, &k, 1, "{\"pid\":4242,\"comm\":\"bash\"}");
	dtype_free(t);
}
END_TEST

START_TEST(test_padding_anon)
{
	struct pad {
		uint8_t a;
		uint64_t b;
		uint16_t c;
		struct {
			uint32_t x, y;
		};
	} p = { 200, 1ULL << 40, 65535, { 7, 8 } };
	struct dtype *t = check_dtype(pad_desc);

	ck_assert_int_eq(t->size, sizeof(p));
	EXPECT(t, &p, 0, "a=200 b=1099511627776 c=65535 x=7 y=8");
	EXPECT(t, &p, 1,
	       "{\"a\":200,\"b\":1099511627776,\"c\":65535,\"x\":7,\"y\":8}");
	dtype_free(t);
}
END_TEST

START_TEST(test_bitfields)
{
	struct nob {
		uint32_t a;
		uint8_t b : 3;
		uint64_t c;
	} n = { 1, 5, 3 };
	struct dtype *t;

	memset(&n, 0xff, sizeof(n));	/* padding bits must not leak in */
	n.a = 1;
	n.b = 5;
	n.c = 3;
	t = check_dtype(nob_desc);
	ck_assert_int_eq(t->size, sizeof(n));
	ck_assert_int_eq(t->fields[2].offset, 8);
	EXPECT(t, &n, 0, "a=1 b=5 c=3");
	dtype_free(t);
}
END_TEST

START_TEST(test_union)
{
	union u {
		uint32_t x;
		uint8_t y[4];
	} u = { .x = 0x04030201 };
	struct dtype *t = check_dtype(union_desc);

	ck_assert_int_eq(t->kind, DT_UNION);
	ck_assert_int_eq(t->size, 4);
	EXPECT(t, &u, 0, "x=67305985 y=[1,2,3,4]");
	dtype_free(t);
}
END_TEST

START_TEST(test_errors)
{
	static const char *const bad[] = {
		"", "[", "\"no such type\"", "[\"x\", [[\"a\",\"int\"]], \"class\"]",
		"[\"x\", [[\"a\",\"int\", [4]], \"struct\"]", "\"int\" junk",
		"[\"x\", [[\"a\",\"char\", 9]], \"struct\"]",
	};
	struct dtype *t;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(dtype_parse(bad[i], &t, err, sizeof(err)) < 0,
			      "accepted: %s", bad[i]);
		ck_assert_msg(err[0], "no message for %s", bad[i]);
	}
}
END_TEST

/*
 * The event of a perf_submit() table, from the fields libbcc gave for
 * struct data_t in a real program, with struct inner and union u found in
 * other tables' descriptions.
 */
struct inner {
	uint16_t a;
	int16_t b;
	char tag[4];
};
union u {
	uint32_t x;
	uint8_t y[4];
};
struct data_t {
	uint8_t u8v;
	int8_t s8v;
	uint16_t u16v;
	int16_t s16v;
	uint32_t u32v;
	int32_t s32v;
	uint64_t u64v;
	int64_t s64v;
	char comm[16];
	uint32_t arr[3];
	struct inner in;
	struct inner ins[2];
	union u un;
	unsigned __int128 big;
	__int128 sbig;
	int matrix[2][3];
	_Bool flag;
	void *ptr;
	long l;
};

static const char *const data_fields[] = {
	"u8v#u8", "s8v#s8", "u16v#u16", "s16v#s16", "u32v#u32", "s32v#s32",
	"u64v#u64", "s64v#s64", "comm#char[16]", "arr#u32[3]",
	"in#struct inner", "ins#struct inner[2]", "un#union u",
	"big#unsigned __int128", "sbig#__int128", "matrix#int[2][3]",
	"flag#bool", "ptr#void *", "l#long",
};

static struct dtype *data_type(void)
{
	struct dtype *known[2] = { check_dtype(inner_desc), check_dtype(union_desc) };
	struct dtype *t = NULL;
	char err[128];
	int r;

	r = dtype_from_fields(data_fields, 19, known, 2, &t, err, sizeof(err));
	ck_assert_msg(r == 0, "from_fields: %d %s", r, err);
	dtype_free(known[0]);
	dtype_free(known[1]);
	return t;
}

static void fill(struct data_t *d)
{
	memset(d, 0, sizeof(*d));
	d->u8v = 255;
	d->s8v = -128;
	d->u16v = 65535;
	d->s16v = -32768;
	d->u32v = 4294967295u;
	d->s32v = -2147483647 - 1;
	d->u64v = 18446744073709551615ULL;
	d->s64v = INT64_MIN;
	strcpy(d->comm, "tab\there\"q");
	d->arr[0] = 1;
	d->arr[1] = 2;
	d->arr[2] = 3;
	d->in = (struct inner){ 7, -7, "abc" };
	d->ins[1] = (struct inner){ 9, -9, "xyz" };
	d->un.x = 0x04030201;
	d->big = (unsigned __int128)1 << 100;
	d->sbig = -((__int128)1 << 100);
	d->matrix[1][2] = -6;
	d->flag = 1;
	d->ptr = (void *)0x1000;
	d->l = -1;
}

START_TEST(test_event_fields)
{
	struct dtype *t = data_type();
	struct data_t d;

	fill(&d);
	ck_assert_int_eq(t->size, sizeof(d));
	ck_assert_int_eq(t->fields[13].offset, offsetof(struct data_t, big));
	EXPECT(t, &d, 0,
	       "u8v=255 s8v=-128 u16v=65535 s16v=-32768 u32v=4294967295 "
	       "s32v=-2147483648 u64v=18446744073709551615 "
	       "s64v=-9223372036854775808 comm=tab\\x09here\"q arr=[1,2,3] "
	       "in={a=7 b=-7 tag=abc} ins=[{a=0 b=0 tag=},{a=9 b=-9 tag=xyz}] "
	       "un={x=67305985 y=[1,2,3,4]} big=1267650600228229401496703205376 "
	       "sbig=-1267650600228229401496703205376 matrix=[[0,0,0],[0,0,-6]] "
	       "flag=1 ptr=4096 l=-1");
	EXPECT(t, &d, 1,
	       "{\"u8v\":255,\"s8v\":-128,\"u16v\":65535,\"s16v\":-32768,"
	       "\"u32v\":4294967295,\"s32v\":-2147483648,"
	       "\"u64v\":18446744073709551615,\"s64v\":-9223372036854775808,"
	       "\"comm\":\"tab\\there\\\"q\",\"arr\":[1,2,3],"
	       "\"in\":{\"a\":7,\"b\":-7,\"tag\":\"abc\"},"
	       "\"ins\":[{\"a\":0,\"b\":0,\"tag\":\"\"},{\"a\":9,\"b\":-9,\"tag\":\"xyz\"}],"
	       "\"un\":{\"x\":67305985,\"y\":[1,2,3,4]},"
	       "\"big\":1267650600228229401496703205376,"
	       "\"sbig\":-1267650600228229401496703205376,"
	       "\"matrix\":[[0,0,0],[0,0,-6]],\"flag\":1,\"ptr\":4096,\"l\":-1}");
	dtype_free(t);
}
END_TEST

START_TEST(test_event_unknown_type)
{
	static const char *const f[] = { "pid#u32", "x#struct nowhere" };
	struct dtype *t;
	char err[128];

	ck_assert_int_eq(dtype_from_fields(f, 2, NULL, 0, &t, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "field x: unknown type \"struct nowhere\"");
}
END_TEST

START_TEST(test_columns)
{
	struct dtype *t = check_dtype(key_desc), *known[1] = { check_dtype(inner_desc) };
	static const char *const f[] = { "pid#u32", "in#struct inner",
					 "comm#char[16]" };
	struct {
		uint32_t pid;
		char comm[16];
	} __attribute__((packed)) k = { 4242, "bash" };
	struct {
		uint32_t pid;
		struct inner in;
		char comm[16];
	} e = { 1, { 2, -3, "t" }, "sh" };
	struct dcol *c;
	size_t n, len;
	char *buf = NULL;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_int_eq(dtype_columns(t, &c, &n), 0);
	ck_assert_int_eq(n, 2);
	dcol_print_header(out, c, n);
	dcol_print_row(out, c, n, &k, sizeof(k));
	free(c);
	dtype_free(t);
	ck_assert_int_eq(dtype_from_fields(f, 3, known, 1, &t, NULL, 0), 0);
	ck_assert_int_eq(dtype_columns(t, &c, &n), 0);
	ck_assert_int_eq(n, 5);
	dcol_print_header(out, c, n);
	dcol_print_row(out, c, n, &e, sizeof(e));
	fclose(out);
	ck_assert_str_eq(buf,
			 "pid        comm\n"
			 "4242       bash\n"
			 "pid        in.a   in.b   in.tag comm\n"
			 "1          2      -3     t      sh\n");
	free(buf);
	free(c);
	dtype_free(t);
	dtype_free(known[0]);
}
END_TEST

START_TEST(test_tp_format)
{
	char *text = fixture_read("tp_format_sys_enter_openat.txt");
	struct tp_format f;

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(tp_format_parse(text, &f), 0);
	free(text);
	ck_assert_str_eq(f.name, "sys_enter_openat");
	ck_assert_int_gt(f.id, 0);
	ck_assert_int_eq(f.nfields, 5);
	ck_assert_str_eq(f.fields[0].decl, "int __syscall_nr");
	ck_assert_str_eq(f.fields[1].decl, "int dfd");
	ck_assert_str_eq(f.fields[2].decl, "const char * filename");
	ck_assert_str_eq(f.fields[2].type, "const char *");
	ck_assert_str_eq(f.fields[2].name, "filename");
	ck_assert_int_eq(f.fields[2].offset, 24);
	ck_assert_int_eq(f.fields[2].size, 8);
	ck_assert_str_eq(f.fields[4].name, "mode");
	ck_assert_str_eq(f.fields[4].type, "umode_t");
	tp_format_free(&f);

	text = fixture_read("tp_format_sched_switch.txt");
	ck_assert_int_eq(tp_format_parse(text, &f), 0);
	free(text);
	ck_assert_str_eq(f.name, "sched_switch");
	ck_assert_int_eq(f.nfields, 7);
	ck_assert_str_eq(f.fields[0].decl, "char prev_comm[16]");
	ck_assert_str_eq(f.fields[0].type, "char");
	ck_assert_str_eq(f.fields[0].name, "prev_comm");
	ck_assert_int_eq(f.fields[0].array, 16);
	ck_assert_int_eq(f.fields[0].offset, 8);
	ck_assert_str_eq(f.fields[1].type, "pid_t");
	ck_assert(f.fields[1].is_signed);
	ck_assert_str_eq(f.fields[6].name, "next_prio");
	tp_format_free(&f);

	ck_assert_int_eq(tp_format_parse("not a format\n", &f), -EINVAL);
}
END_TEST

/*
 * Sizes libbcc hands over come from the program: 4 * 1073741825 wraps to
 * 4 in 32 bits, which once let a 4-byte event be "decoded" as a
 * billion ints read far past it.
 */
START_TEST(test_huge_array)
{
	static const char *const ev[] = { "a#int[1073741825]" };
	static const char *const wide[] = { "a#char[4294967297]" };
	struct dtype *t = NULL;
	char err[128] = "";

	ck_assert_int_eq(dtype_parse("[\"big\", [[\"a\",\"int\", [1073741825]]], \"struct_packed\"]",
				     &t, err, sizeof(err)), -E2BIG);
	ck_assert_msg(strstr(err, "array too large"), "message: %s", err);
	ck_assert_int_eq(dtype_from_fields(ev, 1, NULL, 0, &t, err,
					   sizeof(err)), -E2BIG);
	ck_assert_str_eq(err, "field a: array too large");
	/* a count over 32 bits was once cut to its low bits: 1 */
	ck_assert_int_eq(dtype_from_fields(wide, 1, NULL, 0, &t, NULL, 0),
			 -E2BIG);
	/* right at the limit is still a type */
	t = check_dtype("[\"max\", [[\"a\",\"char\", [16777216]]], \"struct_packed\"]");
	ck_assert_uint_eq(t->size, DTYPE_MAX_SIZE);
	dtype_free(t);
}
END_TEST

/* Two fields each within the limit whose sum is not. */
START_TEST(test_huge_record)
{
	struct dtype *t = NULL;
	char err[128] = "";

	ck_assert_int_eq(dtype_parse("[\"s\", [[\"a\",\"char\", [16777216]], [\"b\",\"char\", [16777216]]], \"struct\"]",
				     &t, err, sizeof(err)), -E2BIG);
	ck_assert_msg(strstr(err, "record too large"), "message: %s", err);
}
END_TEST

/*
 * Empty structs weigh nothing, but printing 4e9 of them took minutes: the
 * steps are counted, and a value takes at most DTYPE_MAX_ITEMS.
 */
START_TEST(test_zero_size_elements)
{
	struct dtype *t = NULL;

	ck_assert_int_eq(dtype_parse("[\"z\", [[\"e\", [\"empty\", [], \"struct\"], [4000000000]]], \"struct\"]",
				     &t, NULL, 0), -E2BIG);
	/* one step over: 2^18 elements and the struct around them */
	ck_assert_int_eq(dtype_parse("[\"z\", [[\"e\", [\"empty\", [], \"struct\"], [262144]]], \"struct\"]",
				     &t, NULL, 0), -E2BIG);
	ck_assert_int_eq(dtype_parse("[\"z\", [[\"e\", [\"empty\", [], \"struct\"], [262143]]], \"struct\"]",
				     &t, NULL, 0), 0);
	ck_assert_uint_eq(t->items, DTYPE_MAX_ITEMS);
	dtype_free(t);
	ck_assert_int_eq(dtype_parse("[\"z\", [[\"e\", [\"empty\", [], \"struct\"], [3]]], \"struct\"]",
				     &t, NULL, 0), 0);
	ck_assert_uint_eq(t->size, 0);
	EXPECT(t, "", 0, "e=[{},{},{}]");
	dtype_free(t);
}
END_TEST

/* The parser recurses per record: deep nesting must not take the stack. */
START_TEST(test_deep_nesting)
{
	size_t depth = 100000, i;
	char *desc = malloc(depth * 16 + 64), *p = desc, err[128] = "";
	struct dtype *t = NULL;

	for (i = 0; i < depth; i++)
		p += sprintf(p, "[\"r\", [[\"f\", ");
	strcpy(p, "\"int\"");
	ck_assert_int_eq(dtype_parse(desc, &t, err, sizeof(err)), -E2BIG);
	ck_assert_msg(strstr(err, "nested too deeply"), "message: %s", err);
	free(desc);
}
END_TEST

/* Bits belong to integers; a record with a width is not a bitfield. */
START_TEST(test_bitfield_types)
{
	unsigned char ones[16];
	struct dtype *t = NULL;

	ck_assert_int_eq(dtype_parse("[\"x\", [[\"a\", [\"r\", [[\"b\",\"int\"]], \"struct\"], 3]], \"struct\"]",
				     &t, NULL, 0), -EINVAL);
	/* a 128-bit field of a 128-bit unit: no shift by 128 */
	memset(ones, 0xff, sizeof(ones));
	t = check_dtype("[\"x\", [[\"a\",\"unsigned __int128\", 128]], \"struct\"]");
	EXPECT(t, ones, 0, "a=340282366920938463463374607431768211455");
	dtype_free(t);
}
END_TEST

/* Fewer bytes than the type: what is there, "?" or "..." for the rest. */
START_TEST(test_short_data)
{
	struct dtype *t = check_dtype(key_desc), *known[1] = { check_dtype(inner_desc) };
	static const char *const f[] = { "pid#u32", "arr#u32[3]" };
	struct {
		uint32_t pid;
		char comm[16];
	} __attribute__((packed)) k = { 4242, "bash" };
	uint32_t e[4] = { 7, 1, 2, 3 };
	struct dcol *c;
	size_t n, len;
	char *buf = NULL;
	FILE *out;

	out = open_memstream(&buf, &len);
	dtype_print_text(out, t, &k, 6);
	fputc('|', out);
	dtype_print_text(out, t, &k, 2);
	fputc('|', out);
	dtype_print_json(out, t, &k, 0);
	fclose(out);
	ck_assert_str_eq(buf, "pid=4242 comm=ba|pid=? comm=|{\"pid\":null,\"comm\":\"\"}");
	free(buf);
	dtype_free(t);

	ck_assert_int_eq(dtype_from_fields(f, 2, known, 1, &t, NULL, 0), 0);
	ck_assert_int_eq(dtype_columns(t, &c, &n), 0);
	buf = NULL;
	out = open_memstream(&buf, &len);
	dtype_print_text(out, t, e, 12);
	fputc('|', out);
	dtype_print_json(out, t, e, 12);
	fputc('|', out);
	dcol_print_row(out, c, n, e, 3);
	fclose(out);
	ck_assert_str_eq(buf, "pid=7 arr=[1,2,...]|{\"pid\":7,\"arr\":[1,2]}|?          [...]\n");
	free(buf);
	free(c);
	dtype_free(t);
	dtype_free(known[0]);
}
END_TEST

Suite *make_decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("desc");

	tcase_add_test(tc, test_scalars);
	tcase_add_test(tc, test_key_struct);
	tcase_add_test(tc, test_padding_anon);
	tcase_add_test(tc, test_bitfields);
	tcase_add_test(tc, test_union);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_event_fields);
	tcase_add_test(tc, test_event_unknown_type);
	tcase_add_test(tc, test_columns);
	tcase_add_test(tc, test_tp_format);
	tcase_add_test(tc, test_huge_array);
	tcase_add_test(tc, test_huge_record);
	tcase_add_test(tc, test_zero_size_elements);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_bitfield_types);
	tcase_add_test(tc, test_short_data);
	suite_add_tcase(s, tc);
	return s;
}
