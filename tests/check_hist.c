// SPDX-License-Identifier: Apache-2.0
/*
 * Histograms against the text bcc 0.26's own Python table.py printed for the
 * same counts (tests/fixtures/hist_*.txt were made by calling its
 * _print_log2_hist/_print_linear_hist).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfrun.h"
#include "check_runner.h"

typedef void (*hist_fn)(FILE *, const unsigned long long *, size_t,
			const char *);

static char *print(hist_fn fn, const unsigned long long *v, size_t n,
		   const char *type)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, v, n, type);
	fclose(f);
	return buf;
}

static void expect(const char *fixture, hist_fn fn,
		   const unsigned long long *v, size_t n, const char *type)
{
	char *want = fixture_read(fixture), *got = print(fn, v, n, type);

	ck_assert_msg(want, "cannot read fixture %s", fixture);
	ck_assert_str_eq(got, want);
	free(want);
	free(got);
}

START_TEST(test_log2)
{
	static const unsigned long long v[] = { 0, 1, 0, 5, 100, 3, 0, 0, 2 };

	expect("hist_log2_usecs.txt", bpfrun_print_log2_hist, v, 9, "usecs");
}
END_TEST

START_TEST(test_log2_round)
{
	/* 40 * 3 / 13 = 9.2: floor, like bcc */
	static const unsigned long long v[] = { 9, 3, 7, 11, 13, 1 };

	expect("hist_log2_round.txt", bpfrun_print_log2_hist, v, 6,
	       "a rather long value name");
}
END_TEST

START_TEST(test_log2_wide)
{
	/* a slot above 32 switches to 20-digit columns and 20 stars */
	unsigned long long v[65] = { 0 };

	v[2] = 1;
	v[40] = 7;
	v[64] = 3;
	expect("hist_log2_wide.txt", bpfrun_print_log2_hist, v, 65, "ns");
	/* slots past 64 cannot exist: ignored, not overflowed */
	{
		unsigned long long w[70] = { 0 };
		char *got, *want = fixture_read("hist_log2_wide.txt");

		memcpy(w, v, sizeof(v));
		w[69] = 1;
		got = print(bpfrun_print_log2_hist, w, 70, "ns");
		ck_assert_str_eq(got, want);
		free(got);
		free(want);
	}
}
END_TEST

START_TEST(test_linear)
{
	static const unsigned long long v[] = { 3, 0, 7, 1, 0, 0 };

	expect("hist_linear_kbytes.txt", bpfrun_print_linear_hist, v, 6,
	       "kbytes");
}
END_TEST

START_TEST(test_empty)
{
	static const unsigned long long zero[5], only0[3] = { 5 };
	char *got;

	got = print(bpfrun_print_linear_hist, zero, 5, "x");
	ck_assert_str_eq(got, "");
	free(got);
	got = print(bpfrun_print_log2_hist, zero, 5, "x");
	ck_assert_str_eq(got, "");
	free(got);
	/* bcc prints nothing when only slot 0 (value 0) has counts */
	got = print(bpfrun_print_log2_hist, only0, 3, "x");
	ck_assert_str_eq(got, "");
	free(got);
	got = print(bpfrun_print_linear_hist, only0, 3, NULL);
	ck_assert_str_eq(got,
		"     value         : count     distribution\n"
		"        0          : 5        |****************************************|\n");
	free(got);
}
END_TEST

Suite *make_hist_suite(void)
{
	Suite *s = suite_create("hist");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_log2);
	tcase_add_test(tc, test_log2_round);
	tcase_add_test(tc, test_log2_wide);
	tcase_add_test(tc, test_linear);
	tcase_add_test(tc, test_empty);
	suite_add_tcase(s, tc);
	return s;
}
