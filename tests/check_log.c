// SPDX-License-Identifier: Apache-2.0
/*
 * log.c: every message of the library reaches the host's print function
 * with its level, and with one set, nothing reaches stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "suites.h"

#define MAX_MSGS 16

static struct {
	enum bpfrun_print_level level;
	char text[256];
} msgs[MAX_MSGS];
static int nmsgs;

static int capture(enum bpfrun_print_level level, const char *fmt,
		   va_list ap)
{
	if (nmsgs < MAX_MSGS) {
		msgs[nmsgs].level = level;
		vsnprintf(msgs[nmsgs].text, sizeof(msgs[nmsgs].text), fmt, ap);
		nmsgs++;
	}
	return 0;
}

/* fd 2 into a temporary file while @fn runs; what was written there. */
static char *stderr_of(void (*fn)(void))
{
	char path[] = "/tmp/bpfrun-log-XXXXXX", *text;
	int fd = mkstemp(path), saved = dup(2);
	size_t len;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	fflush(stderr);
	ck_assert_int_eq(dup2(fd, 2), 2);
	fn();
	fflush(stderr);
	ck_assert_int_eq(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	ck_assert_int_eq(read_whole(path, 0, &text, &len), 0);
	unlink(path);
	return text;
}

static void say_all(void)
{
	pr_err("an error %d\n", 1);
	pr_warn("a warning %s\n", "two");
	pr_info("some info\n");
	pr_level(BPFRUN_OUTPUT, "clang says %c\n", 'x');
	/* a library function that fails and says why */
	{
		struct headers_env env = { "/nonexistent", "/nonexistent",
					   "6.18.0", NULL };
		struct headers_choice h;

		ck_assert_int_eq(headers_choose(&env, "/nonexistent/tree", &h),
				 -ENOENT);
	}
}

START_TEST(test_callback_gets_all)
{
	bpfrun_print_fn old;
	char *err;

	nmsgs = 0;
	old = bpfrun_set_print(capture);
	ck_assert_ptr_nonnull(old);	/* the default */
	err = stderr_of(say_all);
	ck_assert_str_eq(err, "");
	free(err);
	ck_assert_int_eq(nmsgs, 5);
	ck_assert_int_eq(msgs[0].level, BPFRUN_ERROR);
	ck_assert_str_eq(msgs[0].text, "an error 1\n");
	ck_assert_int_eq(msgs[1].level, BPFRUN_WARN);
	ck_assert_str_eq(msgs[1].text, "a warning two\n");
	/* info goes to the host too: it decides about verbosity */
	ck_assert_int_eq(msgs[2].level, BPFRUN_INFO);
	ck_assert_str_eq(msgs[2].text, "some info\n");
	ck_assert_int_eq(msgs[3].level, BPFRUN_OUTPUT);
	ck_assert_str_eq(msgs[3].text, "clang says x\n");
	ck_assert_int_eq(msgs[4].level, BPFRUN_ERROR);
	ck_assert_ptr_nonnull(strstr(msgs[4].text,
				     "--headers=/nonexistent/tree: not a kernel header tree"));
	ck_assert_ptr_eq(bpfrun_set_print(old), capture);
}
END_TEST

START_TEST(test_silenced)
{
	bpfrun_print_fn old = bpfrun_set_print(NULL);
	char *err = stderr_of(say_all);

	ck_assert_str_eq(err, "");
	free(err);
	bpfrun_set_print(old);
}
END_TEST

/*
 * The default: "NAME: [warning: ]text" on stderr, no info (progress is for
 * hosts that ask for it); bpfrun_print_stderr() writes it all that way.
 */
START_TEST(test_default_print)
{
	bpfrun_print_fn old;
	char *err, want[512];

	err = stderr_of(say_all);
	snprintf(want, sizeof(want), "%s: an error 1\n%s: warning: a warning two\nclang says x\n",
		 program_invocation_short_name, program_invocation_short_name);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "stderr: %s", err);
	ck_assert_ptr_null(strstr(err, "some info"));
	free(err);
	old = bpfrun_set_print(bpfrun_print_stderr);
	err = stderr_of(say_all);
	ck_assert_ptr_nonnull(strstr(err, ": some info\n"));
	free(err);
	bpfrun_set_print(old);
}
END_TEST

static void warn_twice(void)
{
	int i;

	for (i = 0; i < 2; i++)
		pr_warn_once("said once %d\n", i);
}

START_TEST(test_warn_once)
{
	bpfrun_print_fn old = bpfrun_set_print(capture);

	nmsgs = 0;
	warn_twice();
	ck_assert_int_eq(nmsgs, 1);
	ck_assert_int_eq(msgs[0].level, BPFRUN_WARN);
	ck_assert_str_eq(msgs[0].text, "said once 0\n");
	bpfrun_set_print(old);
}
END_TEST

Suite *make_log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("print");

	tcase_add_test(tc, test_callback_gets_all);
	tcase_add_test(tc, test_silenced);
	tcase_add_test(tc, test_default_print);
	tcase_add_test(tc, test_warn_once);
	suite_add_tcase(s, tc);
	return s;
}
