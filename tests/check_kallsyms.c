// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "suites.h"

START_TEST(test_syscall_fnname_x64)
{
	char buf[64];

	ck_assert_int_eq(bpfrun_syscall_fnname(FIXTURES "/kallsyms", "execve",
					       buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "__x64_sys_execve");
	ck_assert_int_eq(bpfrun_syscall_fnname(FIXTURES "/kallsyms", "close",
					       buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "__x64_sys_close");
}
END_TEST

START_TEST(test_syscall_fnname_arm64)
{
	char buf[64];

	ck_assert_int_eq(bpfrun_syscall_fnname(FIXTURES "/kallsyms-arm64",
					       "execve", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "__arm64_sys_execve");
}
END_TEST

START_TEST(test_syscall_fnname_missing)
{
	char buf[64];

	/* no silent fallback to "sys_nosuch" as bcc does */
	ck_assert_int_eq(bpfrun_syscall_fnname(FIXTURES "/kallsyms", "nosuch",
					       buf, sizeof(buf)), -ENOENT);
	/* "execveat" must not be found as "execve" or vice versa */
	ck_assert_int_eq(bpfrun_syscall_fnname(FIXTURES "/kallsyms", "execveat",
					       buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "__x64_sys_execveat");
}
END_TEST

START_TEST(test_syscall_fnname_hidden)
{
	char buf[64];

	ck_assert_int_eq(bpfrun_syscall_fnname(FIXTURES "/kallsyms-hidden",
					       "execve", buf, sizeof(buf)),
			 -EACCES);
	ck_assert_int_eq(bpfrun_syscall_fnname(FIXTURES "/nonexistent",
					       "execve", buf, sizeof(buf)),
			 -ENOENT);
}
END_TEST

START_TEST(test_ksym_lookup)
{
	unsigned long long addr = 0;

	ck_assert_int_eq(ksym_lookup(FIXTURES "/kallsyms", "tcp_v4_connect",
				     &addr), 0);
	ck_assert(addr == 0xffffffff81b00000ULL);
	/* module symbols carry a "[module]" column */
	ck_assert_int_eq(ksym_lookup(FIXTURES "/kallsyms", "bpfrun_mod_fn",
				     &addr), 0);
	ck_assert(addr == 0xffffffffc0a01000ULL);
	ck_assert_int_eq(ksym_lookup(FIXTURES "/kallsyms", "execve", &addr),
			 -ENOENT);
}
END_TEST

/* The same prefix list both ways: symbol -> syscall name. */
START_TEST(test_syscall_name)
{
	ck_assert_str_eq(syscall_name("__x64_sys_execve"), "execve");
	ck_assert_str_eq(syscall_name("__arm64_sys_openat"), "openat");
	ck_assert_str_eq(syscall_name("__ia32_compat_sys_open"), "open");
	/* bare sys_ names ordinary functions too (sys_copyarea) */
	ck_assert_ptr_null(syscall_name("sys_copyarea"));
	ck_assert_ptr_null(syscall_name("__x64_sys_"));
	ck_assert_ptr_null(syscall_name("tcp_v4_connect"));
}
END_TEST

/* Addresses to names for stack frames: text symbols only, sorted. */
START_TEST(test_ksym_table)
{
	struct ksym_table t;
	unsigned long long off = 1;

	ck_assert_int_eq(ksym_table_load(&t, FIXTURES "/kallsyms"), 0);
	/* the "A" symbol at 0 is not text; the rest are */
	ck_assert_uint_eq(t.n, 11);
	ck_assert_str_eq(ksym_table_find(&t, 0xffffffff816c8030ULL, &off),
			 "__x64_sys_execve");
	ck_assert(off == 0);
	ck_assert_str_eq(ksym_table_find(&t, 0xffffffff81b00123ULL, &off),
			 "tcp_v4_connect");
	ck_assert(off == 0x123);
	/* a module's symbol, and far past the last one: still the last */
	ck_assert_str_eq(ksym_table_find(&t, 0xffffffffc0a01010ULL, &off),
			 "bpfrun_mod_fn");
	ck_assert(off == 0x10);
	ck_assert_ptr_null(ksym_table_find(&t, 0xffffffff80000000ULL, &off));
	ksym_table_free(&t);
	/* every address hidden (kptr_restrict): nothing to name frames by */
	ck_assert_int_eq(ksym_table_load(&t, FIXTURES "/kallsyms-hidden"),
			 -EACCES);
	ck_assert_int_eq(ksym_table_load(&t, FIXTURES "/nonexistent"),
			 -ENOENT);
}
END_TEST

Suite *make_kallsyms_suite(void)
{
	Suite *s = suite_create("kallsyms");
	TCase *tc = tcase_create("syscall_fnname");

	tcase_add_test(tc, test_syscall_fnname_x64);
	tcase_add_test(tc, test_syscall_fnname_arm64);
	tcase_add_test(tc, test_syscall_fnname_missing);
	tcase_add_test(tc, test_syscall_fnname_hidden);
	tcase_add_test(tc, test_ksym_lookup);
	tcase_add_test(tc, test_syscall_name);
	tcase_add_test(tc, test_ksym_table);
	suite_add_tcase(s, tc);
	return s;
}
