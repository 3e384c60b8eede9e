// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "suites.h"

static char dir[] = "/tmp/bpfrun-check-XXXXXX";

static void setup(void)
{
	char p[PATH_MAX];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/hello.c", dir);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("int x;\n", f);
	fclose(f);
}

static void teardown(void)
{
	rm_tree(dir);
	unsetenv("BPFRUN_PROGRAM_DIR");
}

START_TEST(test_env_dir)
{
	char buf[PATH_MAX], want[PATH_MAX];

	setenv("BPFRUN_PROGRAM_DIR", dir, 1);
	snprintf(want, sizeof(want), "%s/hello.c", dir);
	ck_assert_int_eq(bpfrun_find_program("hello", NULL, buf, sizeof(buf)),
			 0);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(bpfrun_find_program("nosuch", NULL, buf, sizeof(buf)),
			 -ENOENT);
}
END_TEST

START_TEST(test_override_wins)
{
	char buf[PATH_MAX], want[PATH_MAX];

	setenv("BPFRUN_PROGRAM_DIR", "/nonexistent", 1);
	snprintf(want, sizeof(want), "%s/hello.c", dir);
	ck_assert_int_eq(bpfrun_find_program("printk_sample", want, buf,
					     sizeof(buf)), 0);
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(bpfrun_find_program("printk_sample", "/nonexistent.c",
					     buf, sizeof(buf)), -ENOENT);
}
END_TEST

START_TEST(test_build_tree)
{
	char buf[PATH_MAX];

	/* this test runs from the build tree: the source tree's programs */
	ck_assert_int_eq(bpfrun_find_program("printk_sample", NULL, buf,
					     sizeof(buf)), 0);
	ck_assert_str_eq(buf, ABS_TOP_SRCDIR "/programs/printk_sample.c");
}
END_TEST

Suite *make_program_suite(void)
{
	Suite *s = suite_create("program");
	TCase *tc = tcase_create("lookup");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_env_dir);
	tcase_add_test(tc, test_override_wins);
	tcase_add_test(tc, test_build_tree);
	suite_add_tcase(s, tc);
	return s;
}
