// SPDX-License-Identifier: Apache-2.0
/*
 * struct mount is fs/mount.h's, in no header a program can include (bcc's
 * mountsnoop carries its own copy of it): this compiles against the tree
 * made from the kernel's BTF, not against the kernel's headers. On each
 * sync() of the process, the id of the mount its root is on, as
 * /proc/PID/mountinfo numbers it.
 */
#include <linux/sched.h>
#include <linux/fs_struct.h>
#include <linux/mount.h>

BPF_HASH(root_mnt_id, int, u64);

TRACEPOINT_PROBE(syscalls, sys_enter_sync)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct vfsmount *v;
	struct mount *m;
	int id;

	if ((bpf_get_current_pid_tgid() >> 32) != FILTER_PID)
		return 0;
	v = t->fs->root.mnt;
	m = (struct mount *)((char *)v - offsetof(struct mount, mnt));
	id = m->mnt_id;
	root_mnt_id.increment(id);
	return 0;
}
