// SPDX-License-Identifier: Apache-2.0
/*
 * bcc's examples/tracing/mallocstacks.py, its BPF text as it is (the
 * stack map's size given in the text): attach_uprobe(name="c",
 * sym="malloc", fn_name="alloc_enter", pid=PID). The bytes malloc() was
 * asked for, by user stack: a map keyed by the stack id alone.
 */
#include <uapi/linux/ptrace.h>

BPF_HASH(calls, int);
BPF_STACK_TRACE(stack_traces, 1024);

int alloc_enter(struct pt_regs *ctx, size_t size) {
    int key = stack_traces.get_stackid(ctx, BPF_F_USER_STACK);
    if (key < 0)
        return 0;

    // could also use `calls.increment(key, size);`
    u64 zero = 0, *val;
    val = calls.lookup_or_try_init(&key, &zero);
    if (val) {
      (*val) += size;
    }
    return 0;
};
