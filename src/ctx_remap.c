// SPDX-License-Identifier: Apache-2.0
/*
 * A kretprobe on a syscall's function, where the kernel has no kprobes,
 * runs at the syscall's sys_exit tracepoint instead. The program reads the
 * return value as PT_REGS_RC(ctx), a load from its pt_regs; the tracepoint
 * gives it as the field "ret" at another offset of its context. So the
 * loads through the context pointer are moved, and this is only sound when
 * every load is known to go through the context pointer or known not to,
 * on every path: a forward data-flow pass over the instructions tracks
 * which registers and stack slots hold the context pointer, joining the
 * states where paths meet, until nothing changes. A load through a
 * register that holds the context on one path and not on another, through
 * a context pointer moved by arithmetic, or at any offset other than the
 * return register's, is refused: the tracepoint has nothing that value
 * could be. So is a helper given such a pointer (bpf_probe_read() of
 * &ctx->ax): the context itself may go to helpers (perf_submit(ctx, ...)).
 *
 * Not tracked, as compilers do not produce it for a live context pointer:
 * a spill slot overwritten through a stack pointer other than r10, or by
 * a helper writing into a buffer over it.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { V_UNSEEN, V_OTHER, V_CTX, V_MAYBE };	/* a join-semilattice */

#define NR_REGS 11
#define NR_SLOTS 64	/* 8-byte slots of the 512-byte stack */

struct vstate {
	unsigned char reg[NR_REGS];
	unsigned char slot[NR_SLOTS];
};

static unsigned char vjoin(unsigned char a, unsigned char b)
{
	if (a == V_UNSEEN)
		return b;
	if (b == V_UNSEEN || a == b)
		return a;
	return V_MAYBE;
}

/* Merge @s into @d; whether @d changed. */
static bool merge(struct vstate *d, bool *seen, const struct vstate *s)
{
	bool changed = !*seen;
	int i;

	*seen = true;
	for (i = 0; i < NR_REGS; i++) {
		unsigned char v = vjoin(d->reg[i], s->reg[i]);

		changed |= v != d->reg[i];
		d->reg[i] = v;
	}
	for (i = 0; i < NR_SLOTS; i++) {
		unsigned char v = vjoin(d->slot[i], s->slot[i]);

		changed |= v != d->slot[i];
		d->slot[i] = v;
	}
	return changed;
}

/* The 8-byte stack slot r10+@off names, or -1. */
static int slot_of(int off)
{
	if (off >= 0 || off < -8 * NR_SLOTS || off % 8)
		return -1;
	return -off / 8 - 1;
}

static void fresh(struct vstate *s, bool ctx_in_r1)
{
	memset(s->reg, V_OTHER, sizeof(s->reg));
	memset(s->slot, V_OTHER, sizeof(s->slot));
	if (ctx_in_r1)
		s->reg[BPF_REG_1] = V_CTX;
}

/* One instruction's effect on @s; -EOPNOTSUPP for what cannot be followed. */
static int step(const struct bpf_insn *in, struct vstate *s, char *why,
		size_t len, size_t i)
{
	unsigned cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	int sl, r;

	if (in->dst_reg >= NR_REGS || in->src_reg >= NR_REGS) {
		snprintf(why, len, "instruction %zu names no register", i);
		return -EOPNOTSUPP;
	}
	switch (cls) {
	case BPF_LDX:
		sl = in->src_reg == BPF_REG_10 ? slot_of(in->off) : -1;
		if (sl >= 0 && BPF_SIZE(in->code) == BPF_DW)
			s->reg[in->dst_reg] = s->slot[sl];	/* a fill */
		else
			s->reg[in->dst_reg] = V_OTHER;
		break;
	case BPF_STX:
	case BPF_ST:
		if (in->dst_reg != BPF_REG_10)
			break;
		sl = slot_of(in->off & ~7);
		if (sl < 0)
			break;
		if (cls == BPF_STX && BPF_MODE(in->code) == BPF_MEM &&
		    BPF_SIZE(in->code) == BPF_DW && !(in->off % 8))
			s->slot[sl] = s->reg[in->src_reg];	/* a spill */
		else
			s->slot[sl] = V_OTHER;
		if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC &&
		    (in->imm & BPF_FETCH))
			s->reg[in->imm == BPF_CMPXCHG ? BPF_REG_0 : in->src_reg] =
				V_OTHER;
		break;
	case BPF_ALU64:
		if (op == BPF_MOV && BPF_SRC(in->code) == BPF_X && !in->off) {
			s->reg[in->dst_reg] = s->reg[in->src_reg];
			break;
		}
		/* a moved context pointer cannot be read from: say so if it is */
		s->reg[in->dst_reg] = s->reg[in->dst_reg] == V_OTHER ||
					      op == BPF_MOV ?
					      V_OTHER :
					      V_MAYBE;
		break;
	case BPF_ALU:
		s->reg[in->dst_reg] = V_OTHER;
		break;
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_DW | BPF_IMM))
			s->reg[in->dst_reg] = V_OTHER;
		else
			s->reg[BPF_REG_0] = V_OTHER;	/* LD_ABS/IND */
		break;
	case BPF_JMP:
		if (op != BPF_CALL)
			break;
		for (r = BPF_REG_1; r <= BPF_REG_5; r++) {
			if (in->src_reg == BPF_PSEUDO_CALL && s->reg[r] != V_OTHER) {
				snprintf(why, len,
					 "it passes its context to a function of its own (instruction %zu)",
					 i);
				return -EOPNOTSUPP;
			}
			/* &ctx->ax to bpf_probe_read() would read past the record */
			if (s->reg[r] == V_MAYBE) {
				snprintf(why, len,
					 "instruction %zu may give a helper a pointer into its context, or one moved from it",
					 i);
				return -EOPNOTSUPP;
			}
		}
		memset(s->reg, V_OTHER, BPF_REG_6);	/* r0-r5 clobbered */
		break;
	}
	return 0;
}

/* The instructions control can go to after @i: up to two. */
static int successors(const struct bpf_insn *insns, size_t n, size_t i,
		      size_t next[2])
{
	const struct bpf_insn *in = &insns[i];
	unsigned cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	long t;
	int k = 0;

	if (in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
		next[k++] = i + 2;
		return k;
	}
	if (cls != BPF_JMP && cls != BPF_JMP32) {
		next[k++] = i + 1;
		return k;
	}
	if (op == BPF_EXIT)
		return 0;
	if (op == BPF_CALL) {
		next[k++] = i + 1;
		return k;
	}
	t = (long)i + 1 + (cls == BPF_JMP32 && op == BPF_JA ? in->imm : in->off);
	if (t < 0 || (size_t)t >= n)
		return -EINVAL;
	next[k++] = t;
	if (op != BPF_JA)
		next[k++] = i + 1;
	return k;
}

int ctx_remap_loads(const struct bpfrun_func *f, int from, int to,
		    struct bpf_insn **out, char *why, size_t whylen)
{
	size_t n = f->ninsns, i, next[2];
	struct vstate *in = calloc(n ? n : 1, sizeof(*in)), s;
	bool *seen = calloc(n ? n : 1, sizeof(*seen)), changed;
	struct bpf_insn *copy = NULL;
	int err = 0, k, j;

	if (!in || !seen) {
		err = -ENOMEM;
		goto out;
	}
	if (n) {
		fresh(&s, true);
		merge(&in[0], &seen[0], &s);
	}
	do {
		changed = false;
		for (i = 0; i < n && !err; i++) {
			if (!seen[i])
				continue;
			s = in[i];
			err = step(&f->insns[i], &s, why, whylen, i);
			if (err)
				break;
			k = successors(f->insns, n, i, next);
			if (k < 0) {
				snprintf(why, whylen,
					 "instruction %zu jumps out of the program",
					 i);
				err = -EOPNOTSUPP;
				break;
			}
			for (j = 0; j < k; j++) {
				if (next[j] >= n)
					continue;
				changed |= merge(&in[next[j]], &seen[next[j]], &s);
			}
			/* a function of its own: its own frame, no context */
			if (f->insns[i].code == (BPF_JMP | BPF_CALL) &&
			    f->insns[i].src_reg == BPF_PSEUDO_CALL) {
				long t = (long)i + 1 + f->insns[i].imm;
				struct vstate c;

				if (t < 0 || (size_t)t >= n) {
					err = -EINVAL;
					break;
				}
				fresh(&c, false);
				changed |= merge(&in[t], &seen[t], &c);
			}
		}
	} while (changed && !err);
	if (err)
		goto out;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(copy, f->insns, n * sizeof(*copy));
	/* decided on the final states only: a load seen early may be joined later */
	for (i = 0; i < n; i++) {
		const struct bpf_insn *p = &f->insns[i];
		unsigned char v;

		if (!seen[i] || BPF_CLASS(p->code) != BPF_LDX)
			continue;
		v = in[i].reg[p->src_reg];
		if (v == V_OTHER)
			continue;
		if (v == V_MAYBE) {
			snprintf(why, whylen,
				 "instruction %zu may or may not read its context (or reads a context pointer moved by arithmetic)",
				 i);
			err = -EOPNOTSUPP;
			break;
		}
		if (p->off != from) {
			snprintf(why, whylen,
				 "it reads its pt_regs at offset %d, where the tracepoint has nothing for it (only offset %d can be given)",
				 p->off, from);
			err = -EOPNOTSUPP;
			break;
		}
		copy[i].off = to;
	}
out:
	free(in);
	free(seen);
	if (err)
		free(copy);
	else
		*out = copy;
	return err;
}
