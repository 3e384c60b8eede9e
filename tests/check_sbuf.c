// SPDX-License-Identifier: Apache-2.0
/* sbuf.c: growable text buffers whose errors stick, and sets of names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf_gen.h"
#include "suites.h"

START_TEST(test_sbuf_grows)
{
	struct sbuf b = { 0 };
	int i;

	/* past the first 4 KiB and several doublings */
	for (i = 0; i < 3000; i++)
		sb_printf(&b, "%04d,", i);
	ck_assert_int_eq(b.err, 0);
	ck_assert_uint_eq(b.len, 3000 * 5);
	ck_assert_uint_eq(strlen(b.s), b.len);
	ck_assert_int_eq(strncmp(b.s, "0000,0001,", 10), 0);
	ck_assert_str_eq(b.s + b.len - 5, "2999,");
	ck_assert_uint_ge(b.cap, b.len + 1);
	sb_free(&b);
	ck_assert_ptr_null(b.s);
	ck_assert_uint_eq(b.len, 0);
	/* an empty text is a string too */
	sb_printf(&b, "%s", "");
	ck_assert_ptr_nonnull(b.s);
	ck_assert_str_eq(b.s, "");
	sb_free(&b);
}
END_TEST

START_TEST(test_sbuf_error_sticks)
{
	struct sbuf b = { 0 };

	sb_printf(&b, "kept ");
	b.err = -ENOMEM;
	sb_printf(&b, "dropped");
	ck_assert_int_eq(b.err, -ENOMEM);
	ck_assert_str_eq(b.s, "kept ");
	sb_free(&b);
	ck_assert_int_eq(b.err, 0);
}
END_TEST

START_TEST(test_nameset)
{
	struct nameset s = { 0 };
	char many[16];
	int i;

	ck_assert(!ns_has(&s, "a"));
	ck_assert_int_eq(ns_add(&s, "beta", 4), 0);
	ck_assert_int_eq(ns_add(&s, "alphabet", 5), 0);	/* "alpha" */
	ck_assert_int_eq(ns_add(&s, "beta", 4), 0);
	for (i = 0; i < 100; i++) {
		snprintf(many, sizeof(many), "n%03d", i);
		ck_assert_int_eq(ns_add(&s, many, strlen(many)), 0);
	}
	ns_sort(&s);
	/* duplicates are dropped by the sort */
	ck_assert_uint_eq(s.n, 102);
	ck_assert_str_eq(s.v[0], "alpha");
	ck_assert_str_eq(s.v[1], "beta");
	ck_assert(ns_has(&s, "alpha"));
	ck_assert(!ns_has(&s, "alphabet"));
	ck_assert(ns_has(&s, "n099"));
	ck_assert(!ns_has(&s, "n100"));
	ck_assert(!ns_has(&s, ""));
	ck_assert(!ns_has(&s, NULL));
	ns_free(&s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_ptr_null(s.v);
}
END_TEST

Suite *make_sbuf_suite(void)
{
	Suite *s = suite_create("sbuf");
	TCase *tc = tcase_create("sbuf");

	tcase_add_test(tc, test_sbuf_grows);
	tcase_add_test(tc, test_sbuf_error_sticks);
	tcase_add_test(tc, test_nameset);
	suite_add_tcase(s, tc);
	return s;
}
