/* SPDX-License-Identifier: Apache-2.0 */
/* opensnoop: the event both sides share. No libc includes. */
#ifndef OPENSNOOP_H
#define OPENSNOOP_H

#define OPENSNOOP_COMM_LEN 16
#define OPENSNOOP_NAME_LEN 256

/* O_TMPFILE is __O_TMPFILE | O_DIRECTORY (x86, arm64 and most others) */
#define OPENSNOOP_O_TMPFILE (020000000 | 0200000)

struct open_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 pid;
	__u32 uid;
	__s32 flags;
	__s32 pad;
	__s64 ret;		/* fd, or a negative errno */
	char comm[OPENSNOOP_COMM_LEN];
	char filename[OPENSNOOP_NAME_LEN];
};

#endif
