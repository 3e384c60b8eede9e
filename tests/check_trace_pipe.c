// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpfrun.h"
#include "suites.h"

static struct bpfrun_trace_fields f;

static void parse_ok(const char *line)
{
	ck_assert_msg(bpfrun_trace_parse(line, &f) == 0, "not parsed: %s",
		      line);
}

START_TEST(test_seed_lines)
{
	parse_ok("            bash-1241    [000] d... 250.183089: 0x00000001: start of execve time = 250183089532 , pid = 1241, comm = bash");
	ck_assert_str_eq(f.task, "bash");
	ck_assert_int_eq(f.pid, 1241);
	ck_assert_int_eq(f.cpu, 0);
	ck_assert_str_eq(f.flags, "d...");
	ck_assert(f.ts > 250.183088 && f.ts < 250.18309);
	ck_assert_str_eq(f.msg, "start of execve time = 250183089532 , pid = 1241, comm = bash");

	parse_ok("           <...>-1236  [003] d..31   242.359092: bpf_trace_printk: start of execve time = 242359092433 , pid = 1236, comm = bash");
	ck_assert_str_eq(f.task, "<...>");
	ck_assert_int_eq(f.pid, 1236);
	ck_assert_int_eq(f.cpu, 3);
	ck_assert_str_eq(f.msg, "start of execve time = 242359092433 , pid = 1236, comm = bash");
}
END_TEST

START_TEST(test_odd_tasks)
{
	/* task names with dashes, spaces and digits */
	parse_ok("   kworker/u4:2-event-77      [001] ..... 12.5: bpf_trace_printk: x");
	ck_assert_str_eq(f.task, "kworker/u4:2-event");
	ck_assert_int_eq(f.pid, 77);
	parse_ok("  Web Content-4242    [001] ...1. 12.5: bpf_trace_printk: a: b");
	ck_assert_str_eq(f.task, "Web Content");
	ck_assert_str_eq(f.msg, "a: b");
	/* with options/record-tgid: a "(tgid)" column */
	parse_ok("            bash-1241    (   1241) [000] d..3. 250.183089: bpf_trace_printk: hi");
	ck_assert_str_eq(f.task, "bash");
	ck_assert_int_eq(f.pid, 1241);
	ck_assert_str_eq(f.msg, "hi");
	parse_ok("            bash-1241    (-------) [000] d..3. 250.183089: bpf_trace_printk: hi");
	ck_assert_int_eq(f.pid, 1241);
	/* a long cpu number, an empty message */
	parse_ok("x-1 [123] .... 1.000001: bpf_trace_printk: ");
	ck_assert_int_eq(f.cpu, 123);
	ck_assert_str_eq(f.msg, "");
}
END_TEST

START_TEST(test_rejects)
{
	static const char *const bad[] = {
		"",
		"CPU:2 [LOST 18 EVENTS]",
		"# tracer: nop",
		"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION",
		"            bash-1241    [000] d... 250.18",	/* partial */
		"            bash-1241    [000",
		"            bash-abc    [000] d... 250.183089: bpf_trace_printk: x",
		"            bash 1241    [000] d... 250.183089: bpf_trace_printk: x",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(bpfrun_trace_parse(bad[i], &f) == -EINVAL,
			      "parsed: %s", bad[i]);
}
END_TEST

START_TEST(test_captured)
{
	char line[4096];
	int n = 0;
	FILE *in = fopen(FIXTURES "/trace_pipe.txt", "r");

	ck_assert_ptr_nonnull(in);
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		if (bpfrun_trace_parse(line, &f))
			continue;
		n++;
		ck_assert_int_gt(f.pid, 0);
		ck_assert_msg(strstr(f.msg, "start of execve") == f.msg,
			      "msg: %s", f.msg);
	}
	fclose(in);
	ck_assert_int_ge(n, 3);
}
END_TEST

Suite *make_trace_pipe_suite(void)
{
	Suite *s = suite_create("trace_pipe");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_seed_lines);
	tcase_add_test(tc, test_odd_tasks);
	tcase_add_test(tc, test_rejects);
	tcase_add_test(tc, test_captured);
	suite_add_tcase(s, tc);
	return s;
}
