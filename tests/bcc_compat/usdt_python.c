// SPDX-License-Identifier: Apache-2.0
/*
 * ucalls' and uflow's form for Python: USDT(pid=PID).enable_probe(
 * "function__entry", "trace_entry"), the file and function name read
 * from the probe's arguments 1 and 2 (pointers into the process) and the
 * line from argument 3. Counts calls by function, file and line.
 */
#include <uapi/linux/ptrace.h>

struct call_t {
	char func[32];
	char file[96];
	int line;
};

BPF_HASH(calls, struct call_t, u64);

int trace_entry(struct pt_regs *ctx)
{
	struct call_t key = {};
	u64 file = 0, func = 0, zero = 0, *c;

	bpf_usdt_readarg(1, ctx, &file);
	bpf_usdt_readarg(2, ctx, &func);
	bpf_usdt_readarg(3, ctx, &key.line);
	bpf_probe_read_user(&key.func, sizeof(key.func), (void *)func);
	bpf_probe_read_user(&key.file, sizeof(key.file), (void *)file);
	c = calls.lookup_or_try_init(&key, &zero);
	if (c)
		(*c)++;
	return 0;
}
