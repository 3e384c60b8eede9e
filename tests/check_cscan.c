// SPDX-License-Identifier: Apache-2.0
/*
 * cscan.c: the names a C header defines, as the BTF tree needs them to
 * know what libbcc's force-included headers already have.
 */
#include <string.h>

#include "btf_gen.h"
#include "suites.h"

static const char header[] =
	"/* #define IN_COMMENT 1 */\n"
	"// #define IN_LINE_COMMENT\n"
	"#define FOO 1\n"
	"  #  define BAR(x) ((x) + 1)\n"
	"#define MULTI \\\n"
	"	CONTINUED\n"
	"#ifndef GUARD\n"
	"#endif\n"
	"struct with_body { int x; struct inner { int y; } in; };\n"
	"struct only_declared;\n"
	"struct with_body *use_of_tag;\n"
	"union u_tag { int a; long b; };\n"
	"enum e_tag { EA, EB = 2, EC = FOO, ED = (1 << 3), };\n"
	"enum { ANON1, ANON2 = BAR(1) };\n"
	"enum generated { FN(map_lookup) FN(map_update) };\n"
	"typedef unsigned int my_u32;\n"
	"typedef struct with_body body_t;\n"
	"typedef int (*handler_t)(int, char *);\n"
	"typedef struct { int z; } anon_t;\n"
	"typedef int arr_t[4];\n"
	"static const char *s = \"struct in_string { int q; }; enum { NOPE }\";\n"
	"char c = '{';\n"
	"int f(int a) { enum { LOCAL_E }; return a; }\n";

static struct cnames scan(void)
{
	struct cnames c = { 0 };

	scan_c(&c, header, strlen(header));
	ck_assert_int_eq(c.err, 0);
	cnames_sort(&c);
	return c;
}

static void assert_set(const struct nameset *s, const char *const *want,
		       size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		ck_assert_msg(ns_has(s, want[i]), "%s: %s not found", what,
			      want[i]);
	ck_assert_msg(s->n == n, "%s: %zu names, not %zu", what, s->n, n);
}

START_TEST(test_names)
{
	static const char *const macros[] = { "FOO", "BAR", "MULTI" };
	static const char *const tags[] = { "with_body", "inner", "u_tag",
					    "e_tag", "generated" };
	static const char *const enum_tags[] = { "e_tag", "generated" };
	static const char *const enumerators[] = { "EA", "EB", "EC", "ED",
						   "ANON1", "ANON2",
						   "LOCAL_E" };
	static const char *const typedefs[] = { "my_u32", "body_t",
						"handler_t", "anon_t",
						"arr_t" };
	struct cnames c = scan();

	assert_set(&c.macros, macros, ARRAY_SIZE(macros), "macros");
	assert_set(&c.tags, tags, ARRAY_SIZE(tags), "tags");
	assert_set(&c.enum_tags, enum_tags, ARRAY_SIZE(enum_tags), "enum tags");
	assert_set(&c.enumerators, enumerators, ARRAY_SIZE(enumerators),
		   "enumerators");
	assert_set(&c.typedefs, typedefs, ARRAY_SIZE(typedefs), "typedefs");
	cnames_free(&c);
	ck_assert_uint_eq(c.macros.n, 0);
}
END_TEST

/* Text that ends anywhere (a header cut short) is scanned without reading past it. */
START_TEST(test_truncated)
{
	size_t len;

	for (len = 0; len < sizeof(header) - 1; len++) {
		struct cnames c = { 0 };

		scan_c(&c, header, len);
		ck_assert_int_eq(c.err, 0);
		cnames_free(&c);
	}
}
END_TEST

START_TEST(test_is_ident)
{
	ck_assert(is_ident('a') && is_ident('Z') && is_ident('_') &&
		  is_ident('0'));
	ck_assert(!is_ident('-') && !is_ident(' ') && !is_ident('('));
}
END_TEST

struct calls {
	char got[8][64];
	int n, nonliteral;
};

static int collect(void *ctx, const char *lit)
{
	struct calls *c = ctx;

	if (!lit)
		c->nonliteral++;
	else if (c->n < 8)
		snprintf(c->got[c->n++], sizeof(c->got[0]), "%s", lit);
	return 0;
}

/* bpf_trace_printk()'s formats, as the runner takes them */
START_TEST(test_calls)
{
	static const char src[] =
		"// bpf_trace_printk(\"in a comment\\n\");\n"
		"/* bpf_trace_printk(\"in a block\"); */\n"
		"char s[] = \"bpf_trace_printk(\\\"in a string\\\")\";\n"
		"int f(void) {\n"
		"	bpf_trace_printk(\"a %d\\n\", 1);\n"
		"	bpf_trace_printk ( \"joined \" /* x */ \"%s\\t!\" , s);\n"
		"	bpf_trace_printk(FMT, 2);\n"
		"	my_bpf_trace_printk(\"not it\");\n"
		"	bpf_trace_printk_x(\"nor this\");\n"
		"	bpf_trace_printk;\n"
		"}\n";
	struct calls c = { 0 };

	ck_assert_int_eq(scan_calls(src, strlen(src), "bpf_trace_printk", 64,
				    collect, &c), 3);
	ck_assert_int_eq(c.n, 2);
	ck_assert_str_eq(c.got[0], "a %d\n");
	ck_assert_str_eq(c.got[1], "joined %s\t!");
	ck_assert_int_eq(c.nonliteral, 1);
	/* a literal longer than the room is cut, not overrun */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(scan_calls(src, strlen(src), "bpf_trace_printk", 4,
				    collect, &c), 3);
	ck_assert_str_eq(c.got[0], "a %");
	/* an unterminated call at the end */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(scan_calls("bpf_trace_printk(\"x", 19,
				    "bpf_trace_printk", 64, collect, &c), 1);
	ck_assert_str_eq(c.got[0], "x");
}
END_TEST

Suite *make_cscan_suite(void)
{
	Suite *s = suite_create("cscan");
	TCase *tc = tcase_create("scan_c");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_is_ident);
	tcase_add_test(tc, test_calls);
	suite_add_tcase(s, tc);
	return s;
}
