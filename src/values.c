// SPDX-License-Identifier: Apache-2.0
/*
 * Values a program filters on (-p PID, -c's PID, a UID) given at load time,
 * so that one compiled program serves every value and a PID never seen
 * before starts warm. Each value's macro expands to an inline asm block
 * that loads a 64-bit placeholder constant (tag and slot). The block is
 * opaque to the compiler: it cannot fold, combine or reorder the constant,
 * so the value exists only as that one instruction's immediate, and
 * replacing the immediate before BPF_PROG_LOAD gives the same program a
 * compile with the value as a literal would (libbpf's read-only globals do
 * this job in libbpf programs; libbcc has no global data).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* high 56 bits: ours; low 8 bits: the slot */
#define VALUE_TAG 0x7bf5c0de11a0e500ULL
#define VALUE_TAG_MASK (~0xffULL)

static bool is_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

int values_cflags(const struct bpfrun_value *v, size_t n, char ***out)
{
	char **defs;
	size_t i;

	*out = NULL;
	if (!n)
		return 0;
	if (n > BPFRUN_MAX_VALUES)
		return -E2BIG;
	defs = calloc(n, sizeof(*defs));
	if (!defs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!is_ident(v[i].name)) {
			pr_err("a load-time value needs a C identifier as its name, not \"%s\"\n",
			       v[i].name ? v[i].name : "(null)");
			values_cflags_free(defs, i);
			return -EINVAL;
		}
		if (asprintf(&defs[i],
			     "-D%s=({ unsigned long long __bpfrun_v; asm volatile(\"%%0 = %#llx ll\" : \"=r\"(__bpfrun_v)); (long long)__bpfrun_v; })",
			     v[i].name, VALUE_TAG | i) < 0) {
			values_cflags_free(defs, i);
			return -ENOMEM;
		}
	}
	*out = defs;
	return 0;
}

void values_cflags_free(char **defs, size_t n)
{
	size_t i;

	if (!defs)
		return;
	for (i = 0; i < n; i++)
		free(defs[i]);
	free(defs);
}

int values_patch(struct bpfrun *b, const struct bpfrun_value *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < b->nfuncs; i++) {
		struct bpfrun_func *f = &b->funcs[i];

		for (j = 0; j + 1 < f->ninsns; j++) {
			struct bpf_insn *in = &f->insns[j];
			unsigned long long imm, slot;

			if (in->code != (BPF_LD | BPF_DW | BPF_IMM))
				continue;
			imm = (__u32)in[0].imm |
			      (unsigned long long)(__u32)in[1].imm << 32;
			j++;
			if (in->src_reg || (imm & VALUE_TAG_MASK) != VALUE_TAG)
				continue;
			slot = imm & ~VALUE_TAG_MASK;
			if (slot >= n) {
				pr_err("%s: %s loads a value placeholder (slot %llu) that was not given\n",
				       b->path, f->name, slot);
				return -EINVAL;
			}
			in[0].imm = (__u32)v[slot].value;
			in[1].imm = (__u32)((unsigned long long)v[slot].value >> 32);
		}
	}
	return 0;
}
