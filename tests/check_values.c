// SPDX-License-Identifier: Apache-2.0
/* values.c: the placeholders of load-time values and their patching. */
#define _GNU_SOURCE
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "suites.h"

START_TEST(test_cflags)
{
	struct bpfrun_value v[] = { { "FILTER_PID", 1 }, { "UID", 2 } };
	char **defs;

	ck_assert_int_eq(values_cflags(v, 2, &defs), 0);
	ck_assert_ptr_nonnull(defs);
	ck_assert(!strncmp(defs[0], "-DFILTER_PID=({", 15));
	ck_assert(!strncmp(defs[1], "-DUID=({", 8));
	/* the value is not in the flags: every value compiles the same */
	ck_assert_ptr_null(strstr(defs[0], "= 1 ll"));
	ck_assert_ptr_nonnull(strstr(defs[0], "asm volatile"));
	ck_assert_str_ne(defs[0] + strlen("-DFILTER_PID"),
			 defs[1] + strlen("-DUID"));
	values_cflags_free(defs, 2);
	ck_assert_int_eq(values_cflags(NULL, 0, &defs), 0);
	ck_assert_ptr_null(defs);
}
END_TEST

START_TEST(test_cflags_bad)
{
	struct bpfrun_value bad[] = { { "1PID", 1 } }, dash[] = { { "A-B", 1 } };
	struct bpfrun_value many[BPFRUN_MAX_VALUES + 1];
	char **defs;
	size_t i;

	ck_assert_int_eq(values_cflags(bad, 1, &defs), -EINVAL);
	ck_assert_int_eq(values_cflags(dash, 1, &defs), -EINVAL);
	for (i = 0; i < BPFRUN_MAX_VALUES + 1; i++)
		many[i] = (struct bpfrun_value){ "V", 0 };
	ck_assert_int_eq(values_cflags(many, BPFRUN_MAX_VALUES + 1, &defs),
			 -E2BIG);
}
END_TEST

/* The placeholder for slot @slot, as values_cflags's asm loads it. */
static void placeholder(struct bpf_insn *in, int dst, unsigned slot)
{
	struct bpfrun_value v = { "X", 0 };
	unsigned long long imm;
	char **defs, *p;

	ck_assert_int_eq(values_cflags(&v, 1, &defs), 0);
	p = strstr(defs[0], "= 0x");
	ck_assert_ptr_nonnull(p);
	imm = strtoull(p + 2, NULL, 16) + slot;
	values_cflags_free(defs, 1);
	in[0] = (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
				   .dst_reg = dst, .imm = (__u32)imm };
	in[1] = (struct bpf_insn){ .imm = (__u32)(imm >> 32) };
}

START_TEST(test_patch)
{
	struct bpf_insn insns[9] = { 0 };
	struct bpfrun_func f = { .name = "f", .insns = insns, .ninsns = 9 };
	struct bpfrun b = { .path = "p.c", .funcs = &f, .nfuncs = 1 };
	struct bpfrun_value v[] = { { "FILTER_PID", 4242 }, { "UID", -5 } };

	placeholder(&insns[0], 1, 0);
	placeholder(&insns[2], 2, 1);
	/* a map load with the same immediate is not ours */
	placeholder(&insns[4], 3, 0);
	insns[4].src_reg = BPF_PSEUDO_MAP_FD;
	/* an ALU immediate with the tag's low half is left alone */
	insns[6] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K,
				      .imm = insns[0].imm };
	insns[7] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	ck_assert_int_eq(values_patch(&b, v, 2), 0);
	ck_assert_int_eq(insns[0].imm, 4242);
	ck_assert_int_eq(insns[1].imm, 0);
	ck_assert_int_eq(insns[2].imm, -5);
	ck_assert_int_eq(insns[3].imm, -1);
	ck_assert_int_ne(insns[4].imm, 4242);
	ck_assert_int_ne(insns[6].imm, 4242);
	/* a placeholder whose value was not given: refused */
	placeholder(&insns[0], 1, 2);
	ck_assert_int_eq(values_patch(&b, v, 2), -EINVAL);
}
END_TEST

Suite *make_values_suite(void)
{
	Suite *s = suite_create("values");
	TCase *tc = tcase_create("values");

	tcase_add_test(tc, test_cflags);
	tcase_add_test(tc, test_cflags_bad);
	tcase_add_test(tc, test_patch);
	suite_add_tcase(s, tc);
	return s;
}
