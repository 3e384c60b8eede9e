/* SPDX-License-Identifier: Apache-2.0 */
/* fchmodsnoop: the event both sides share. No libc includes. */
#ifndef FCHMODSNOOP_H
#define FCHMODSNOOP_H

#define FCHMOD_COMM_LEN 16
#define FCHMOD_NAME_LEN 256

struct fchmod_event {
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 uid;
	__u32 host_pid;		/* as the initial pid namespace sees it */
	__u32 host_ppid;
	__u32 pid;		/* as the process's own pid namespace sees it */
	__u32 ppid;		/* 0 when the parent is outside that namespace */
	__u32 pid_ns;		/* that namespace's inode number */
	__u32 mode;
	char comm[FCHMOD_COMM_LEN];
	char filename[FCHMOD_NAME_LEN];
};

#endif
