// SPDX-License-Identifier: Apache-2.0
/*
 * Which trace_pipe lines bpfrun takes for its own: the answers of the
 * backtracking matcher it had before (checked against it on two million
 * random formats and lines), and lines built to make that one take
 * seconds to minutes. Those only have to come back: CK_DEFAULT_TIMEOUT
 * (4 s) fails the test when they do not.
 */
#include <stdlib.h>
#include <string.h>

#include "check_runner.h"
#include "printk_fmt.h"

static const struct {
	const char *fmt, *line;
	bool match;
} cases[] = {
	{ "first version pid=%d", "first version pid=4242", true },
	{ "first version pid=%d", "first version pid=", false },
	{ "first version pid=%d", "first version pid=42x", false },
	{ "start of execve time = %lld , pid = %d, comm = %s",
	  "start of execve time = 1014015452348 , pid = 11501, comm = bash",
	  true },
	{ "comm = %s", "comm = ", true },		/* %s may be empty */
	{ "comm = %s.", "comm = a b c.", true },	/* and hold spaces */
	{ "%d", "-12", true },
	{ "%5d", "   12", true },
	{ "%u", "", false },
	{ "%x", "0xdeadbeef", true },
	{ "%llx", "ffffffffffffffff", true },
	{ "%x", "xyz", false },
	{ "%p", "0x1000", true },
	{ "%o", "0755", true },
	{ "%o", "089", false },
	{ "%c", "a", true },
	{ "%c", "ab", false },
	{ "%c%c", "ab", true },
	{ "%c", "", false },
	{ "100%%", "100%", true },
	{ "100%%", "100", false },
	{ "trail %", "trail anything", true },	/* a lone '%': like %s */
	{ "%d %d", "1 2", true },
	{ "%d-%d", "1--2", true },
	{ "a%sb%sc", "aXbYbZc", true },
	{ "a%sb%sc", "aXbYbZ", false },
	{ "", "", true },
	{ "", "x", false },
	{ "x", "", false },
};

START_TEST(test_same_answers)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(printk_fmt_match(cases[i].fmt, cases[i].line) ==
				      cases[i].match,
			      "\"%s\" vs \"%s\": want %d", cases[i].fmt,
			      cases[i].line, cases[i].match);
}
END_TEST

static char *repeat(char c, size_t n, const char *tail)
{
	char *s = malloc(n + strlen(tail) + 1);

	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

/* What issue 11 measured (4.9 s for 800 spaces), and worse. */
START_TEST(test_hostile_lines)
{
	char *spaces = repeat(' ', 800, ""), *huge = repeat(' ', 100000, "");
	char *digits = repeat('1', 20000, "!"), *almost;

	ck_assert(!printk_fmt_match("%s %s %s!", spaces));
	ck_assert(!printk_fmt_match("%s %s %s %s %s %s %s %s!", huge));
	ck_assert(printk_fmt_match("%s %s %s ", huge));
	ck_assert(!printk_fmt_match("%d%d%d%d%d%d%d%d%dx", digits));
	ck_assert(printk_fmt_match("%d%d%d%d%d%d%d%d%d!", digits));
	almost = repeat('a', 50000, "b");
	ck_assert(!printk_fmt_match("%sa%sa%sa%sa%sa%sa%sa%sc", almost));
	free(spaces);
	free(huge);
	free(digits);
	free(almost);
}
END_TEST

Suite *make_printk_fmt_suite(void)
{
	Suite *s = suite_create("printk_fmt");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_same_answers);
	tcase_add_test(tc, test_hostile_lines);
	suite_add_tcase(s, tc);
	return s;
}
