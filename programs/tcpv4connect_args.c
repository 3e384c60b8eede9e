// SPDX-License-Identifier: Apache-2.0
/*
 * tcpv4connect_args: a kprobe reading its function's arguments.
 * int tcp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
 * bcc turns the parameters after ctx into reads of the argument registers,
 * in order: to read the third, declare the first two as well.
 * The event goes out through a perf buffer: bpf_trace_printk() takes three
 * arguments at most and cannot format an address on older kernels.
 */
#include <uapi/linux/ptrace.h>
#include <uapi/linux/in.h>

#include "bpfrun_filter.h"
#include "tcpv4connect_args.h"

/* only a pointer to it is needed: no need for net/sock.h */
struct sock;

BPF_PERF_OUTPUT(events);

int kprobe__tcp_v4_connect(struct pt_regs *ctx, struct sock *sk,
			   struct sockaddr *uaddr, int addr_len)
{
	struct connect_event ev = {};
	struct sockaddr_in sin = {};

	if (bpfrun_filtered())
		return 0;
	/* uaddr is the kernel's copy of what connect() was given */
	if (bpf_probe_read_kernel(&sin, sizeof(sin), uaddr))
		return 0;
	ev.ts = bpf_ktime_get_ns();
	ev.uid = bpf_get_current_uid_gid();
	ev.pid = bpf_get_current_pid_tgid() >> 32;
	ev.daddr = sin.sin_addr.s_addr;
	ev.dport = ntohs(sin.sin_port);
	ev.family = sin.sin_family;
	ev.addr_len = addr_len;
	bpf_get_current_comm(&ev.comm, sizeof(ev.comm));
	events.perf_submit(ctx, &ev, sizeof(ev));
	return 0;
}
