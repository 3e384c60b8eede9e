// SPDX-License-Identifier: Apache-2.0
/*
 * The parts of bcc's attach forms that need no kernel: the kretprobe to
 * sys_exit rewrite (ctx_remap.c) and ld.so.cache (ldcache.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "suites.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ c, d, s, o, i })
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX_DW(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define CALL(n) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, n)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)

#define RC 80	/* x86_64's pt_regs->ax */
#define RET 16	/* sys_exit_*'s "ret" */

static int remap(struct bpf_insn *insns, size_t n, struct bpf_insn **out)
{
	struct bpfrun_func f = { .insns = insns, .ninsns = n };
	char why[200];

	return ctx_remap_loads(&f, RC, RET, out, why, sizeof(why));
}

START_TEST(test_remap_rc)
{
	/* r6 = ctx; call; r0 = *(u64 *)(r6 + 80): PT_REGS_RC kept past a call */
	struct bpf_insn kept[] = { MOV64_REG(6, 1), CALL(14),
				   LDX(BPF_DW, 0, 6, RC), EXIT() };
	/* ctx spilled to the stack and filled back, then a 32-bit read */
	struct bpf_insn spilled[] = { STX_DW(10, 1, -8), CALL(5),
				      LDX(BPF_DW, 2, 10, -8),
				      LDX(BPF_W, 0, 2, RC), EXIT() };
	/* the context itself to a helper: perf_submit(ctx, ...) */
	struct bpf_insn submit[] = { MOV64_REG(6, 1), CALL(5),
				     MOV64_REG(1, 6), CALL(25),
				     LDX(BPF_DW, 0, 6, RC), EXIT() };
	/* two paths both reading through ctx */
	struct bpf_insn paths[] = { MOV64_REG(6, 1), CALL(5),
				    JEQ_IMM(0, 0, 2), LDX(BPF_DW, 0, 6, RC),
				    JA(1), LDX(BPF_DW, 0, 6, RC), EXIT() };
	/* a load through something else at the same offset stays */
	struct bpf_insn other[] = { MOV64_REG(2, 10), ADD64_IMM(2, -88),
				    LDX(BPF_DW, 0, 2, RC), EXIT() };
	struct bpf_insn *out;

	ck_assert_int_eq(remap(kept, ARRAY_SIZE(kept), &out), 0);
	ck_assert_int_eq(out[2].off, RET);
	ck_assert_int_eq(out[0].off, 0);
	free(out);
	ck_assert_int_eq(remap(spilled, ARRAY_SIZE(spilled), &out), 0);
	ck_assert_int_eq(out[2].off, -8);	/* the fill is not a ctx read */
	ck_assert_int_eq(out[3].off, RET);
	free(out);
	ck_assert_int_eq(remap(submit, ARRAY_SIZE(submit), &out), 0);
	ck_assert_int_eq(out[4].off, RET);
	free(out);
	ck_assert_int_eq(remap(paths, ARRAY_SIZE(paths), &out), 0);
	ck_assert_int_eq(out[3].off, RET);
	ck_assert_int_eq(out[5].off, RET);
	free(out);
	ck_assert_int_eq(remap(other, ARRAY_SIZE(other), &out), 0);
	ck_assert_int_eq(out[2].off, RC);
	free(out);
}
END_TEST

START_TEST(test_remap_refuses)
{
	/* PT_REGS_PARM1: nothing at return stands for it */
	struct bpf_insn parm[] = { LDX(BPF_DW, 0, 1, 112), EXIT() };
	/* r2 is ctx on one path, the stack on the other */
	struct bpf_insn maybe[] = { MOV64_REG(2, 1), MOV64_REG(6, 1), CALL(5),
				    JEQ_IMM(0, 0, 1), MOV64_REG(6, 10),
				    LDX(BPF_DW, 0, 6, RC), EXIT() };
	/* a context pointer moved by arithmetic */
	struct bpf_insn moved[] = { ADD64_IMM(1, 8), LDX(BPF_DW, 0, 1, 72),
				    EXIT() };
	/* bpf_probe_read(r1, 8, ctx + 80): &ctx->ax to a helper */
	struct bpf_insn probe_read[] = { MOV64_REG(3, 1), ADD64_IMM(3, RC),
					 MOV64_REG(1, 10), ADD64_IMM(1, -8),
					 MOV64_IMM(2, 8), CALL(4),
					 LDX(BPF_DW, 0, 10, -8), EXIT() };
	/* a jump out of the program */
	struct bpf_insn wild[] = { JA(5), EXIT() };
	struct bpf_insn *out = NULL;

	ck_assert_int_eq(remap(parm, ARRAY_SIZE(parm), &out), -EOPNOTSUPP);
	ck_assert_int_eq(remap(maybe, ARRAY_SIZE(maybe), &out), -EOPNOTSUPP);
	ck_assert_int_eq(remap(moved, ARRAY_SIZE(moved), &out), -EOPNOTSUPP);
	ck_assert_int_eq(remap(wild, ARRAY_SIZE(wild), &out), -EOPNOTSUPP);
	ck_assert_int_eq(remap(probe_read, ARRAY_SIZE(probe_read), &out),
			 -EOPNOTSUPP);
	ck_assert_ptr_null(out);
}
END_TEST

/* A cache in glibc's new format, after an old-format table of @old entries. */
static size_t make_cache(char *buf, size_t len, int old)
{
	static const struct {
		int flags;
		const char *key, *val;
	} libs[] = {
		{ 0x0303, "libssl3.so", "/lib/libssl3.so" },
		{ 0x0303, "libssl.so.3", "/lib/libssl.so.3" },
		{ 0x0003, "libc.so.6", "/lib32/libc.so.6" },
		{ 0x0303, "libc.so.6", "/lib64/libc.so.6" },
		{ 0x0303, "libcrypt.so.1", "/lib64/libcrypt.so.1" },
	};
	size_t n = ARRAY_SIZE(libs), h = 0, i, str;
	uint32_t v;

	memset(buf, 0, len);
	if (old) {
		memcpy(buf, "ld.so-1.7.0", 11);
		v = old;
		memcpy(buf + 12, &v, 4);
		h = (16 + old * 12 + 7) & ~7;
	}
	memcpy(buf + h, "glibc-ld.so.cache1.1", 20);
	v = n;
	memcpy(buf + h + 20, &v, 4);
	str = 48 + n * 24;
	for (i = 0; i < n; i++) {
		char *e = buf + h + 48 + i * 24;

		memcpy(e, &libs[i].flags, 4);
		v = str;
		memcpy(e + 4, &v, 4);
		strcpy(buf + h + str, libs[i].key);
		str += strlen(libs[i].key) + 1;
		v = str;
		memcpy(e + 8, &v, 4);
		strcpy(buf + h + str, libs[i].val);
		str += strlen(libs[i].val) + 1;
	}
	return h + str;
}

START_TEST(test_ldcache)
{
	char buf[4096], path[256];
	size_t n;
	int old;

	for (old = 0; old <= 3; old += 3) {
		n = make_cache(buf, sizeof(buf), old);
		ck_assert_int_eq(ldcache_parse(buf, n, "c", 0x0303, path,
					       sizeof(path)), 0);
		ck_assert_str_eq(path, "/lib64/libc.so.6");
		/* not libcrypt: "c" is libc.so*, nothing longer */
		ck_assert_int_eq(ldcache_parse(buf, n, "libc.so.6", 0x0003,
					       path, sizeof(path)), 0);
		ck_assert_str_eq(path, "/lib32/libc.so.6");
		/* ssl is libssl.so*, not NSS's libssl3.so */
		ck_assert_int_eq(ldcache_parse(buf, n, "ssl", 0x0303, path,
					       sizeof(path)), 0);
		ck_assert_str_eq(path, "/lib/libssl.so.3");
		ck_assert_int_eq(ldcache_parse(buf, n, "pthread", 0x0303, path,
					       sizeof(path)), -ENOENT);
		ck_assert_int_eq(ldcache_parse(buf, n, "libc.so", 0x0303, path,
					       sizeof(path)), -ENOENT);
	}
	/* cut short, or a string offset past the end */
	ck_assert_int_eq(ldcache_parse(buf, 40, "c", 0x0303, path,
				       sizeof(path)), -EINVAL);
	n = make_cache(buf, sizeof(buf), 0);
	ck_assert_int_eq(ldcache_parse(buf, 48 + 5 * 24, "c", 0x0303, path,
				       sizeof(path)), -ENOENT);
}
END_TEST

Suite *make_attach_bcc_suite(void)
{
	Suite *s = suite_create("attach_bcc");
	TCase *tc = tcase_create("offline");

	tcase_add_test(tc, test_remap_rc);
	tcase_add_test(tc, test_remap_refuses);
	tcase_add_test(tc, test_ldcache);
	suite_add_tcase(s, tc);
	return s;
}
