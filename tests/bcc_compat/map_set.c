// SPDX-License-Identifier: Apache-2.0
/*
 * The netqtop/klockstat form: the Python side writes the program's
 * settings into maps before it starts (b["cfg"][0] = 7, a device name
 * into a struct), here --set. The settings seen are the key of "seen".
 */
struct name_t {
	char name[16];
};

BPF_ARRAY(cfg, u32, 2);
BPF_ARRAY(names, struct name_t, 1);
BPF_HASH(seen, u64, u64);

TRACEPOINT_PROBE(syscalls, sys_enter_openat)
{
	int k0 = 0, k1 = 1;
	u32 *a = cfg.lookup(&k0), *b = cfg.lookup(&k1);
	struct name_t *n = names.lookup(&k0);
	u64 key, one = 1;

	if (!a || !b || !n || (bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	key = ((u64)*a << 32) | *b;
	if (n->name[0] == 'l' && n->name[1] == 'o' && !n->name[2])
		key |= 1ULL << 63;
	seen.update(&key, &one);
	return 0;
}
