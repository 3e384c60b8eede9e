// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <string.h>

#include "attach.h"
#include "internal.h"
#include "suites.h"

static void parses(const char *func, enum bpfrun_kind want, const char *target)
{
	enum bpfrun_kind kind;
	char buf[128];

	ck_assert_int_eq(bpfrun_prefix_parse(func, &kind, buf, sizeof(buf)), 0);
	ck_assert_int_eq(kind, want);
	ck_assert_str_eq(buf, target);
}

START_TEST(test_prefixes)
{
	parses("kprobe__tcp_v4_connect", BPFRUN_KPROBE, "tcp_v4_connect");
	parses("kretprobe__tcp_v4_connect", BPFRUN_KRETPROBE, "tcp_v4_connect");
	parses("kprobe____x64_sys_execve", BPFRUN_KPROBE, "__x64_sys_execve");
	/* what TRACEPOINT_PROBE(syscalls, sys_enter_execve) expands to */
	parses("tracepoint__syscalls__sys_enter_execve", BPFRUN_TRACEPOINT,
	       "syscalls:sys_enter_execve");
	parses("tracepoint__sched__sched_process_exec", BPFRUN_TRACEPOINT,
	       "sched:sched_process_exec");
	parses("raw_tracepoint__sched_switch", BPFRUN_RAW_TRACEPOINT,
	       "sched_switch");
}
END_TEST

START_TEST(test_prefix_rejects)
{
	enum bpfrun_kind kind;
	char buf[128];

	ck_assert_int_eq(bpfrun_prefix_parse("syscall__execve", &kind, buf,
					     sizeof(buf)), -ENOENT);
	ck_assert_int_eq(bpfrun_prefix_parse("do_count", &kind, buf,
					     sizeof(buf)), -ENOENT);
	ck_assert_int_eq(bpfrun_prefix_parse("kprobe__", &kind, buf,
					     sizeof(buf)), -EINVAL);
	/* a tracepoint needs both a category and a name */
	ck_assert_int_eq(bpfrun_prefix_parse("tracepoint__syscalls", &kind,
					     buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(bpfrun_prefix_parse("tracepoint__syscalls__", &kind,
					     buf, sizeof(buf)), -EINVAL);
	ck_assert_int_eq(bpfrun_prefix_parse("kprobe__xyz", &kind, buf, 3),
			 -ENAMETOOLONG);
}
END_TEST

START_TEST(test_kind_names)
{
	enum bpfrun_kind kind;
	int i;

	for (i = 0; i < BPFRUN_NR_KINDS; i++) {
		ck_assert_int_eq(bpfrun_kind_by_name(bpfrun_kind_name(i),
						     &kind), 0);
		ck_assert_int_eq(kind, i);
	}
	ck_assert_int_eq(bpfrun_kind_by_name("lsm", &kind), -ENOENT);
	ck_assert_str_eq(bpfrun_kind_name(BPFRUN_URETPROBE), "uretprobe");
}
END_TEST

/* bcc's regexes are Python's: \d, \w, \s work, anchored to the whole name */
START_TEST(test_pattern_python_re)
{
	static const struct {
		const char *pat, *name;
		bool match;
	} cases[] = {
		{ "/^finish_task_switch$|^finish_task_switch\\.isra\\.\\d$/",
		  "finish_task_switch.isra.0", true },
		{ "/^finish_task_switch$|^finish_task_switch\\.isra\\.\\d$/",
		  "finish_task_switch", true },
		{ "/^finish_task_switch$|^finish_task_switch\\.isra\\.\\d$/",
		  "finish_task_switch.isra.x", false },
		{ "/vfs_\\w+/", "vfs_read", true },
		{ "/vfs_\\w+/", "vfs_read.cold", false },
		{ "/vfs_read/", "vfs_readv", false },	/* the whole name */
		{ "/x[\\d_]y/", "x7y", true },		/* inside brackets */
		{ "/x[\\d_]y/", "x_y", true },
		{ "/x[\\d_]y/", "xay", false },
		{ "/a\\Db/", "a-b", true },
		{ "/a\\Db/", "a1b", false },
		{ "/[]x]+/", "]x]", true },
		{ "vfs_*", "vfs_write", true },		/* a glob */
	};
	struct name_pattern p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ck_assert_int_eq(pattern_init(&p, "kprobe", cases[i].pat), 0);
		ck_assert_msg(pattern_match(&p, cases[i].name) == cases[i].match,
			      "%s on %s", cases[i].pat, cases[i].name);
		pattern_free(&p);
	}
	ck_assert_int_eq(pattern_init(&p, "kprobe", "/a(/"), -EINVAL);
}
END_TEST

#define INSN(c, d, s, o, i) ((struct bpf_insn){ c, d, s, o, i })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define LDX_DW(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define CALL(n) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, n)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)

static bool reads(struct bpf_insn *insns, size_t n)
{
	struct bpfrun_func f = { .insns = insns, .ninsns = n };

	return func_reads_ctx(&f);
}

START_TEST(test_reads_ctx)
{
	/* printk_sample's shape: helpers only */
	struct bpf_insn helpers[] = { CALL(5), MOV64_REG(1, 10), CALL(16),
				      MOV64_IMM(0, 0), EXIT() };
	/* r6 = ctx; r0 = *(r6 + 112): PT_REGS_PARM1 */
	struct bpf_insn parm[] = { MOV64_REG(6, 1), CALL(14),
				   LDX_DW(0, 6, 112), EXIT() };
	/* ctx overwritten before the load: no longer ctx */
	struct bpf_insn clobbered[] = { MOV64_IMM(1, 0), LDX_DW(0, 1, 0),
					EXIT() };
	/* after a call r1 is not ctx any more */
	struct bpf_insn after_call[] = { CALL(5), LDX_DW(0, 1, 0), EXIT() };

	ck_assert(!reads(helpers, ARRAY_SIZE(helpers)));
	ck_assert(reads(parm, ARRAY_SIZE(parm)));
	ck_assert(!reads(clobbered, ARRAY_SIZE(clobbered)));
	ck_assert(!reads(after_call, ARRAY_SIZE(after_call)));
}
END_TEST

Suite *make_attach_suite(void)
{
	Suite *s = suite_create("attach");
	TCase *tc = tcase_create("prefix");

	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_prefix_rejects);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_pattern_python_re);
	tcase_add_test(tc, test_reads_ctx);
	suite_add_tcase(s, tc);
	return s;
}
