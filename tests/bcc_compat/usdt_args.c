// SPDX-License-Identifier: Apache-2.0
/*
 * bcc's USDT(path=BIN).enable_probe(probe=..., fn_name=...) form, one
 * function a probe: each argument read with bpf_usdt_readarg() into a
 * variable of the argument's size (libbcc's code checks it), a string
 * with bpf_usdt_readarg_p(). Counts what was read.
 */
#include <uapi/linux/ptrace.h>

struct text_t {
	char s[32];
};

BPF_HASH(numbers, s64, u64);
BPF_HASH(texts, struct text_t, u64);
BPF_HASH(semaphores, u64, u64);

static void count(s64 v)
{
	u64 zero = 0, *c = numbers.lookup_or_try_init(&v, &zero);

	if (c)
		(*c)++;
}

int on_number(struct pt_regs *ctx)
{
	int v = 0;

	if (bpf_usdt_readarg(1, ctx, &v) == 0)
		count(v);
	return 0;
}

/* a second function on the same probe: each has its own argument code */
int on_number_again(struct pt_regs *ctx)
{
	int v = 0;

	if (bpf_usdt_readarg(1, ctx, &v) == 0)
		count(v);
	return 0;
}

int on_negative(struct pt_regs *ctx)
{
	long long big = 0;
	int small = 0;

	if (bpf_usdt_readarg(1, ctx, &big) == 0)
		count(big);
	if (bpf_usdt_readarg(2, ctx, &small) == 0)
		count(small);
	return 0;
}

int on_text(struct pt_regs *ctx)
{
	struct text_t key = {};
	u64 zero = 0, *c;

	bpf_usdt_readarg_p(1, ctx, &key.s, sizeof(key.s));
	c = texts.lookup_or_try_init(&key, &zero);
	if (c)
		(*c)++;
	return 0;
}

int on_guarded(struct pt_regs *ctx)
{
	unsigned short v = 0;
	u64 key, zero = 0, *c;

	bpf_usdt_readarg(1, ctx, &v);
	key = v;
	c = semaphores.lookup_or_try_init(&key, &zero);
	if (c)
		(*c)++;
	return 0;
}
