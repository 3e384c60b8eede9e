/* SPDX-License-Identifier: Apache-2.0 */
/* tcpv4connect_args: the event both sides share. No libc includes. */
#ifndef TCPV4CONNECT_ARGS_H
#define TCPV4CONNECT_ARGS_H

#define CONNECT_COMM_LEN 16

struct connect_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 uid;
	__u32 pid;
	__u32 daddr;		/* network byte order, as in sockaddr_in */
	__u16 dport;		/* host byte order */
	__u16 family;
	__s32 addr_len;
	char comm[CONNECT_COMM_LEN];
};

#endif
