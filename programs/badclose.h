/* SPDX-License-Identifier: Apache-2.0 */
/* badclose: the event both sides share. No libc includes. */
#ifndef BADCLOSE_H
#define BADCLOSE_H

#define BADCLOSE_COMM_LEN 16
#define BADCLOSE_EBADF 9	/* the same number on every architecture */

struct badclose_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;
	__u32 uid;
	__s32 fd;
	__s32 pad;
	char comm[BADCLOSE_COMM_LEN];
};

#endif
