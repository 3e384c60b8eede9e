// SPDX-License-Identifier: Apache-2.0
/*
 * Values as JSON (decode_json.c): the exact text for each kind of value,
 * and every text parsed back with json-c's strict, UTF-8 checking parser.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "check_runner.h"
#include "decode.h"

static char *text(const struct dtype *t, const void *data)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	dtype_print_text(f, t, data, t->size);
	fclose(f);
	return buf;
}

#define EXPECT_TEXT(t, data, want)              \
	do {                                    \
		char *s_ = text(t, data);       \
		ck_assert_str_eq(s_, want);     \
		free(s_);                       \
	} while (0)

/*
 * Every text must parse with json-c's strict, UTF-8 checking parser, and
 * hold no NaN or infinity (which json-c's parser would still take).
 */
static void walk_finite(struct json_object *o)
{
	struct json_object_iterator it, end;
	size_t i;

	switch (json_object_get_type(o)) {
	case json_type_double:
		ck_assert(isfinite(json_object_get_double(o)));
		break;
	case json_type_array:
		for (i = 0; i < json_object_array_length(o); i++)
			walk_finite(json_object_array_get_idx(o, i));
		break;
	case json_type_object:
		it = json_object_iter_begin(o);
		end = json_object_iter_end(o);
		for (; !json_object_iter_equal(&it, &end);
		     json_object_iter_next(&it))
			walk_finite(json_object_iter_peek_value(&it));
		break;
	default:
		break;
	}
}

static struct json_object *strict_parse(const char *s)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	/* the NUL too: it ends a number at the top level */
	o = json_tokener_parse_ex(tok, s, (int)strlen(s) + 1);
	ck_assert_msg(json_tokener_get_error(tok) == json_tokener_success,
		      "not strict JSON (%s): %s",
		      json_tokener_error_desc(json_tokener_get_error(tok)), s);
	ck_assert_int_eq(json_tokener_get_parse_end(tok), strlen(s));
	json_tokener_free(tok);
	walk_finite(o);
	return o;
}

#define EXPECT_JSON(t, data, len, want)                                  \
	do {                                                             \
		char *s_ = NULL;                                         \
		size_t n_;                                               \
		FILE *f_ = open_memstream(&s_, &n_);                     \
		ck_assert_int_eq(dtype_print_json(f_, t, data, len), 0); \
		fclose(f_);                                              \
		ck_assert_str_eq(s_, want);                              \
		json_object_put(strict_parse(s_));                       \
		free(s_);                                                \
	} while (0)

static const char str_desc[] =
	"[\"s_t\", [[\"s\",\"char\", [24]]], \"struct_packed\"]";

/* The documented way back from a string to the bytes: \\ and \xNN. */
static size_t unescape(const char *s, char *out)
{
	size_t n = 0;

	while (*s) {
		if (s[0] == '\\' && s[1] == '\\') {
			out[n++] = '\\';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x') {
			char hex[3] = { s[2], s[3], 0 };

			out[n++] = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else {
			out[n++] = *s++;
		}
	}
	return n;
}

/* The bytes of @in come back from the JSON text, parsed strictly. */
static void round_trip(const struct dtype *t, const char *in, size_t n)
{
	struct json_object *o, *v;
	char buf[64] = { 0 }, back[256], *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	memcpy(buf, in, n);
	ck_assert_int_eq(dtype_print_json(f, t, buf, t->size), 0);
	fclose(f);
	o = strict_parse(s);
	ck_assert(json_object_object_get_ex(o, "s", &v));
	ck_assert_uint_eq(unescape(json_object_get_string(v), back), n);
	ck_assert_mem_eq(back, in, n);
	json_object_put(o);
	free(s);
}

START_TEST(test_json_strings)
{
	struct dtype *t = check_dtype(str_desc);
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "caf\xc3\xa9", "{\"s\":\"caf\xc3\xa9\"}" },
		/* four bytes, a 3-byte CJK sign, the top code point */
		{ "\xf0\x9f\x98\x80\xe6\x97\xa5\xf4\x8f\xbf\xbf",
		  "{\"s\":\"\xf0\x9f\x98\x80\xe6\x97\xa5\xf4\x8f\xbf\xbf\"}" },
		/* json-c's escapes; '/' and DEL as they are */
		{ "a\"b\\c/\t\n\x01\x7f", "{\"s\":\"a\\\"b\\\\\\\\c/\\t\\n\\u0001\x7f\"}" },
		/* a lone byte, a cut sequence, a stray continuation */
		{ "\xff" "a\xc3" "b\x80", "{\"s\":\"\\\\xffa\\\\xc3b\\\\x80\"}" },
		/* overlong '/', a surrogate (U+D800), past U+10FFFF */
		{ "\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80",
		  "{\"s\":\"\\\\xc0\\\\xaf\\\\xed\\\\xa0\\\\x80\\\\xf4\\\\x90\\\\x80\\\\x80\"}" },
		/* nothing */
		{ "", "{\"s\":\"\"}" },
	};
	char full[24];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[24] = { 0 };

		memcpy(buf, cases[i].in, strlen(cases[i].in));
		EXPECT_JSON(t, buf, sizeof(buf), cases[i].want);
		round_trip(t, cases[i].in, strlen(cases[i].in));
	}
	/* 22 bytes, then the first 2 of a 3-byte sign: no NUL in the array */
	memset(full, 'x', sizeof(full));
	memcpy(full + 22, "\xe6\x97", 2);
	EXPECT_JSON(t, full, sizeof(full),
		    "{\"s\":\"xxxxxxxxxxxxxxxxxxxxxx\\\\xe6\\\\x97\"}");
	dtype_free(t);
}
END_TEST

START_TEST(test_json_floats)
{
	static const char *const f[] = { "f#float", "d#double" };
	struct {
		float f;
		double d;
	} v;
	struct dtype *t;

	ck_assert_int_eq(dtype_from_fields(f, 2, NULL, 0, &t, NULL, 0), 0);
	v.f = NAN;
	v.d = NAN;
	EXPECT_JSON(t, &v, sizeof(v), "{\"f\":null,\"d\":null}");
	v.f = INFINITY;
	v.d = -INFINITY;
	EXPECT_JSON(t, &v, sizeof(v), "{\"f\":null,\"d\":null}");
	EXPECT_TEXT(t, &v, "f=inf d=-inf");
	/* the digits that read back the same, not %g's six */
	v.f = 0.1f;
	v.d = 1.0 / 3;
	EXPECT_JSON(t, &v, sizeof(v), "{\"f\":0.1,\"d\":0.3333333333333333}");
	EXPECT_TEXT(t, &v, "f=0.1 d=0.3333333333333333");
	v.f = 16777216.0f;
	v.d = 0.1 + 0.2;
	EXPECT_JSON(t, &v, sizeof(v),
		    "{\"f\":16777216.0,\"d\":0.30000000000000004}");
	v.f = -0.0f;
	v.d = 1e300;
	EXPECT_JSON(t, &v, sizeof(v), "{\"f\":-0.0,\"d\":1e+300}");
	v.f = 3.14159274f;
	v.d = 2.2250738585072014e-308;
	EXPECT_JSON(t, &v, sizeof(v),
		    "{\"f\":3.1415927,\"d\":2.2250738585072014e-308}");
	dtype_free(t);
}
END_TEST

START_TEST(test_json_ints)
{
	static const char *const f[] = { "u#u64", "s#s64", "b#bool", "c#char",
					 "ub#unsigned __int128",
					 "sb#__int128", "p#void *" };
	struct {
		uint64_t u;
		int64_t s;
		_Bool b;
		char c;
		unsigned __int128 ub;
		__int128 sb;
		void *p;
	} v;
	struct {
		uint32_t a;
		uint8_t b : 3;
		uint64_t c;
	} n;
	struct dtype *t;

	ck_assert_int_eq(dtype_from_fields(f, 7, NULL, 0, &t, NULL, 0), 0);
	memset(&v, 0, sizeof(v));
	v.u = UINT64_MAX;
	v.s = INT64_MIN;
	v.b = 1;
	v.c = -1;
	v.ub = ~(unsigned __int128)0;
	v.sb = (__int128)((unsigned __int128)1 << 127);
	v.p = (void *)0xffffffff81000000ul;
	EXPECT_JSON(t, &v, sizeof(v),
		    "{\"u\":18446744073709551615,\"s\":-9223372036854775808,"
		    "\"b\":1,\"c\":-1,"
		    "\"ub\":340282366920938463463374607431768211455,"
		    "\"sb\":-170141183460469231731687303715884105728,"
		    "\"p\":18446744071578845184}");
	/* 2^63 exactly, and a 128-bit value that fits 64 bits */
	v.u = 1ULL << 63;
	v.ub = 5;
	v.sb = -5;
	EXPECT_JSON(t, &v, sizeof(v),
		    "{\"u\":9223372036854775808,\"s\":-9223372036854775808,"
		    "\"b\":1,\"c\":-1,\"ub\":5,\"sb\":-5,"
		    "\"p\":18446744071578845184}");
	dtype_free(t);

	/* bitfields: the bits of the field only, padding set */
	memset(&n, 0xff, sizeof(n));
	n.a = 1;
	n.b = 5;
	n.c = UINT64_MAX;
	t = check_dtype(nob_desc);
	EXPECT_JSON(t, &n, sizeof(n),
		    "{\"a\":1,\"b\":5,\"c\":18446744073709551615}");
	dtype_free(t);
	t = check_dtype("[\"x\", [[\"a\",\"int\", 3], [\"b\",\"int\", 29]], \"struct\"]");
	n.a = 0x4 | (0x10000000u << 3);	/* a = -4, b = -2^28 */
	EXPECT_JSON(t, &n, 4, "{\"a\":-4,\"b\":-268435456}");
	dtype_free(t);
}
END_TEST

/*
 * struct ev { u32 pid; struct inner in; struct inner ins[2]; union u un;
 * int m[2][2]; }: nested structs, an array of them, a union, a matrix.
 */
START_TEST(test_json_records)
{
	static const char *const f[] = { "pid#u32", "in#struct inner",
					 "ins#struct inner[2]", "un#union u",
					 "m#int[2][2]" };
	struct inner {
		uint16_t a;
		int16_t b;
		char tag[4];
	};
	struct {
		uint32_t pid;
		struct inner in, ins[2];
		union {
			uint32_t x;
			uint8_t y[4];
		} un;
		int m[2][2];
	} e = { 42, { 7, -7, "/ok" }, { { 1, -1, "" }, { 2, -2, "xyz" } },
		{ .x = 0x04030201 }, { { 0, -1 }, { 2, -3 } } };
	struct dtype *known[2] = { check_dtype(inner_desc), check_dtype(union_desc) };
	struct dtype *t;

	ck_assert_int_eq(dtype_from_fields(f, 5, known, 2, &t, NULL, 0), 0);
	ck_assert_uint_eq(t->size, sizeof(e));
	EXPECT_JSON(t, &e, sizeof(e),
		    "{\"pid\":42,\"in\":{\"a\":7,\"b\":-7,\"tag\":\"/ok\"},"
		    "\"ins\":[{\"a\":1,\"b\":-1,\"tag\":\"\"},"
		    "{\"a\":2,\"b\":-2,\"tag\":\"xyz\"}],"
		    "\"un\":{\"x\":67305985,\"y\":[1,2,3,4]},"
		    "\"m\":[[0,-1],[2,-3]]}");
	/* cut inside ins[1]: what is there, null for scalars past the bytes */
	EXPECT_JSON(t, &e, 4 + 8 + 8 + 2,
		    "{\"pid\":42,\"in\":{\"a\":7,\"b\":-7,\"tag\":\"/ok\"},"
		    "\"ins\":[{\"a\":1,\"b\":-1,\"tag\":\"\"}],"
		    "\"un\":{\"x\":null,\"y\":[]},\"m\":[]}");
	dtype_free(t);
	dtype_free(known[0]);
	dtype_free(known[1]);
	/* a scalar on its own is a number; past the bytes, null */
	t = check_dtype("\"unsigned int\"");
	EXPECT_JSON(t, &e, 4, "42");
	EXPECT_JSON(t, &e, 3, "null");
	dtype_free(t);
}
END_TEST

/* The lines the runner prints: {"table":...} with members added. */
START_TEST(test_json_line)
{
	struct json_object *o = djson_line("events");
	char *buf = NULL;
	size_t len;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(djson_add(o, "hex", djson_hex("\x00\xff\x10", 3)), 0);
	ck_assert_int_eq(djson_add(o, "msg",
				   djson_bytes("caf\xc3\xa9 \xff", 7)), 0);
	ck_assert_int_eq(djson_print_line(out, o), 0);
	ck_assert_int_eq(djson_print_line(out, NULL), -ENOMEM);
	json_object_put(o);
	fclose(out);
	ck_assert_str_eq(buf, "{\"table\":\"events\",\"hex\":\"00ff10\","
			      "\"msg\":\"caf\xc3\xa9 \\\\xff\"}\n");
	json_object_put(strict_parse(buf));
	free(buf);
}
END_TEST

static bool two_entries(void *ctx, size_t i, const void **key,
			const void **val)
{
	static const uint32_t keys[] = { 7, 8 };
	const struct {
		uint32_t pid;
		char comm[16];
	} *vals = ctx;

	if (i >= 2)
		return false;	/* a dump cut short */
	*key = &keys[i];
	*val = &vals[i];
	return true;
}

/*
 * A value and a map's entries as members of a line: written when the line
 * is, into json-c's own output.
 */
START_TEST(test_json_nodes)
{
	struct dtype *k = check_dtype("\"unsigned int\""), *v;
	struct {
		uint32_t pid;
		char comm[16];
	} vals[2] = { { 1, "caf\xc3\xa9" }, { 2, "a\\b" } };
	struct json_object *o = djson_line("counts"), *arr, *ev;
	char *buf = NULL;
	size_t len;
	FILE *out = open_memstream(&buf, &len);

	v = check_dtype("[\"v\", [[\"pid\",\"unsigned int\"], [\"comm\",\"char\", [16]]], \"struct_packed\"]");
	ev = dtype_json(v, &vals[0], 20);
	ck_assert_int_eq(djson_add(o, "event", ev), 0);
	arr = dtype_json_entries(k, 4, v, 20, 3, two_entries, vals);
	ck_assert_ptr_nonnull(arr);
	ck_assert_int_eq(djson_add(o, "entries", arr), 0);
	ck_assert_int_eq(djson_print_line(out, o), 0);
	/* the same line, its event now the second value */
	dtype_json_point(ev, &vals[1], 20);
	ck_assert_int_eq(djson_print_line(out, o), 0);
	json_object_put(o);
	fclose(out);
	ck_assert_str_eq(buf,
			 "{\"table\":\"counts\","
			 "\"event\":{\"pid\":1,\"comm\":\"caf\xc3\xa9\"},"
			 "\"entries\":[{\"key\":7,\"value\":{\"pid\":1,\"comm\":\"caf\xc3\xa9\"}},"
			 "{\"key\":8,\"value\":{\"pid\":2,\"comm\":\"a\\\\\\\\b\"}}]}\n"
			 "{\"table\":\"counts\","
			 "\"event\":{\"pid\":2,\"comm\":\"a\\\\\\\\b\"},"
			 "\"entries\":[{\"key\":7,\"value\":{\"pid\":1,\"comm\":\"caf\xc3\xa9\"}},"
			 "{\"key\":8,\"value\":{\"pid\":2,\"comm\":\"a\\\\\\\\b\"}}]}\n");
	*strchr(buf, '\n') = '\0';
	json_object_put(strict_parse(buf));
	free(buf);
	dtype_free(k);
	dtype_free(v);
}
END_TEST

/*
 * The most a value may hold, 2^18 - 1 empty structs, is written in about
 * the time text takes: a json-c object per item took 0.3 s and 200 MB.
 */
START_TEST(test_json_many_items)
{
	struct dtype *t = check_dtype("[\"z\", [[\"e\", [\"empty\", [], \"struct\"], [262143]]], \"struct\"]");
	FILE *out = fopen("/dev/null", "w");
	struct timespec a, b;

	ck_assert_ptr_nonnull(out);
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(dtype_print_json(out, t, "", 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_msg(b.tv_sec - a.tv_sec < 2, "took %ld s", (long)(b.tv_sec - a.tv_sec));
	fclose(out);
	dtype_free(t);
}
END_TEST

Suite *make_decode_json_suite(void)
{
	Suite *s = suite_create("decode_json");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_json_strings);
	tcase_add_test(tc, test_json_floats);
	tcase_add_test(tc, test_json_ints);
	tcase_add_test(tc, test_json_records);
	tcase_add_test(tc, test_json_line);
	tcase_add_test(tc, test_json_nodes);
	tcase_add_test(tc, test_json_many_items);
	suite_add_tcase(s, tc);
	return s;
}
