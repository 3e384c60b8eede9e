// SPDX-License-Identifier: Apache-2.0
/*
 * An event that only the program's BTF describes in full: a struct and an
 * array of structs inside it that no map has, bitfields (signed and
 * unsigned), an enum and an anonymous union, submitted as bcc's tools do
 * (a local struct, events.perf_submit). Every value comes from the
 * write() it traces, so the test knows them: for a write of 13 bytes,
 * lo = 13 & 7 = 5, mid = 13 >> 3 = 1, neg = 2 - lo = -3, c = BLUE.
 */
#include <uapi/linux/ptrace.h>

enum color { RED = 1, GREEN = 2, BLUE = 4 };

struct inner_t {
	u32 a;
	s16 b;
};

struct data_t {
	u32 pid;
	struct inner_t in;
	struct inner_t arr[2];
	unsigned int lo : 3, mid : 5;
	int neg : 4;
	enum color c;
	union {
		u32 u;
		u8 bytes[4];
	};
	char comm[16];
};

BPF_PERF_OUTPUT(events);

TRACEPOINT_PROBE(syscalls, sys_enter_write)
{
	struct data_t d = {};
	u32 n = args->count;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	d.pid = bpf_get_current_pid_tgid() >> 32;
	d.in.a = n * 2;
	d.in.b = -(s16)n;
	d.arr[1].a = n;
	d.arr[1].b = -2;
	d.lo = n & 7;
	d.mid = n >> 3;
	d.neg = 2 - (int)(n & 7);
	d.c = n > 10 ? BLUE : RED;
	d.u = 0x01020304;
	bpf_get_current_comm(&d.comm, sizeof(d.comm));
	events.perf_submit(args, &d, sizeof(d));
	return 0;
}
