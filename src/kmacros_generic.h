/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel macros of the BTF header tree that are the same on every
 * architecture Linux runs 64-bit BPF tracing on (LP64: int 32 bits, long
 * and pointers 64): the type-checked min/max of include/linux/minmax.h,
 * the divisions of include/linux/math64.h, the I/O directions of include/linux/kernel.h and the limits of
 * include/linux/limits.h and include/vdso/limits.h, with the kernel's
 * values. The architecture's own table (src/arch/) comes first; the
 * generator (btf_macros.c) treats both alike. Included by btf_macros.c
 * only.
 */
#ifndef BPFRUN_KMACROS_GENERIC_H
#define BPFRUN_KMACROS_GENERIC_H

static const struct kmacro kmacros_generic[] = {
	/* each argument evaluated once, as the kernel's __cmp_once() does */
	{ "min_t(type, x, y)",
	  "({ type __bpfrun_x = (x); type __bpfrun_y = (y); __bpfrun_x < __bpfrun_y ? __bpfrun_x : __bpfrun_y; })",
	  NULL, NULL },
	{ "max_t(type, x, y)",
	  "({ type __bpfrun_x = (x); type __bpfrun_y = (y); __bpfrun_x > __bpfrun_y ? __bpfrun_x : __bpfrun_y; })",
	  NULL, NULL },
	{ "clamp_t(type, val, lo, hi)", "min_t(type, max_t(type, val, lo), hi)",
	  NULL, NULL },
	{ "clamp(val, lo, hi)", "min(max(val, lo), hi)", NULL, NULL },
	/* include/linux/math64.h's inline functions, same quotients */
	{ "div_u64(dividend, divisor)", "((u64)(dividend) / (u32)(divisor))",
	  NULL, NULL },
	{ "div_s64(dividend, divisor)", "((s64)(dividend) / (s32)(divisor))",
	  NULL, NULL },
	{ "div64_u64(dividend, divisor)", "((u64)(dividend) / (u64)(divisor))",
	  NULL, NULL },
	{ "div64_s64(dividend, divisor)", "((s64)(dividend) / (s64)(divisor))",
	  NULL, NULL },
	{ "READ", "0", NULL, NULL },
	{ "WRITE", "1", NULL, NULL },
	{ "BITS_PER_LONG", "64", NULL, NULL },
	{ "BITS_PER_LONG_LONG", "64", NULL, NULL },
	{ "U8_MAX", "((u8)~0U)", NULL, NULL },
	{ "S8_MAX", "((s8)(U8_MAX >> 1))", NULL, NULL },
	{ "S8_MIN", "((s8)(-S8_MAX - 1))", NULL, NULL },
	{ "U16_MAX", "((u16)~0U)", NULL, NULL },
	{ "S16_MAX", "((s16)(U16_MAX >> 1))", NULL, NULL },
	{ "S16_MIN", "((s16)(-S16_MAX - 1))", NULL, NULL },
	{ "U32_MAX", "((u32)~0U)", NULL, NULL },
	{ "S32_MAX", "((s32)(U32_MAX >> 1))", NULL, NULL },
	{ "S32_MIN", "((s32)(-S32_MAX - 1))", NULL, NULL },
	{ "U64_MAX", "((u64)~0ULL)", NULL, NULL },
	{ "S64_MAX", "((s64)(U64_MAX >> 1))", NULL, NULL },
	{ "S64_MIN", "((s64)(-S64_MAX - 1))", NULL, NULL },
	{ "USHRT_MAX", "((unsigned short)~0U)", NULL, NULL },
	{ "SHRT_MAX", "((short)(USHRT_MAX >> 1))", NULL, NULL },
	{ "SHRT_MIN", "((short)(-SHRT_MAX - 1))", NULL, NULL },
	{ "INT_MAX", "((int)(~0U >> 1))", NULL, NULL },
	{ "INT_MIN", "(-INT_MAX - 1)", NULL, NULL },
	{ "UINT_MAX", "(~0U)", NULL, NULL },
	{ "LONG_MAX", "((long)(~0UL >> 1))", NULL, NULL },
	{ "LONG_MIN", "(-LONG_MAX - 1)", NULL, NULL },
	{ "ULONG_MAX", "(~0UL)", NULL, NULL },
	{ "LLONG_MAX", "((long long)(~0ULL >> 1))", NULL, NULL },
	{ "LLONG_MIN", "(-LLONG_MAX - 1)", NULL, NULL },
	{ "ULLONG_MAX", "(~0ULL)", NULL, NULL },
	{ "SIZE_MAX", "(~(size_t)0)", NULL, NULL },
	/* CONFIG_NR_CPUS comes from the kernel config (autoconf.h) */
	{ "NR_CPUS", "CONFIG_NR_CPUS", NULL, "defined(CONFIG_NR_CPUS)" },
};

#endif
